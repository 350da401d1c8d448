using RawkodeAutomation.Episodes.Model;

namespace RawkodeAutomation.Thumbnails.Tests;

/// <summary>What a creator would publish: no LIVE badge on a recording, missing pictures summed up, not warned about.</summary>
public sealed class CreatorThumbnailTests(RendererFixture fixture) : IClassFixture<RendererFixture>
{
    private static readonly DateTimeOffset Start = new(2021, 3, 4, 17, 0, 0, TimeSpan.Zero);

    private static readonly Show Klustered = new(
        "klustered", "Klustered", "rawkode", "Break it, fix it.", [], new ShowYouTube(28, null, "klustered"), "klustered", new SourceLocation("episodes/shows/klustered.yaml", 1, 1));

    private static readonly Dictionary<string, Person> People = new(StringComparer.Ordinal)
    {
        ["rawkode"] = new("rawkode", "David Flanagan", null, "rawkode", null, null, new SourceLocation("episodes/people/rawkode.yaml", 1, 1)),
        ["ada"] = new("ada", "Ada Okafor", null, "ada-gh", null, null, new SourceLocation("episodes/people/ada.yaml", 1, 1)),
    };

    private static Episode Episode(bool draft = false) => new(
        "klustered/2021-03-04-klustered-1", "klustered", "2021-03-04-klustered-1", "Klustered #1: Ada", Start, TimeSpan.FromMinutes(90),
        Visibility.Public, draft, ["ada"], [], "Summary.", [], [], null, null, new SourceLocation("episodes/klustered/2021-03-04-klustered-1.yaml", 1, 1));

    [Fact]
    public void FromEpisode_EpisodeAired_NoLiveBadge()
    {
        ThumbnailRequest request = ThumbnailRequest.FromEpisode(Episode(), Klustered, People, now: Start.AddYears(5));

        Assert.Null(request.Badge);
    }

    [Fact]
    public void FromEpisode_DuringTheShow_Live()
    {
        ThumbnailRequest request = ThumbnailRequest.FromEpisode(Episode(), Klustered, People, now: Start.AddMinutes(30));

        Assert.Equal("LIVE", request.Badge);
    }

    [Fact]
    public void FromEpisode_AheadOfTheShow_Live()
    {
        ThumbnailRequest request = ThumbnailRequest.FromEpisode(Episode(), Klustered, People, now: Start.AddDays(-1));

        Assert.Equal("LIVE", request.Badge);
    }

    [Fact]
    public void FromEpisode_Draft_DraftEvenWhenPast()
    {
        ThumbnailRequest request = ThumbnailRequest.FromEpisode(Episode(draft: true), Klustered, People, now: Start.AddYears(5));

        Assert.Equal("DRAFT", request.Badge);
    }

    [Fact]
    public void FromEpisode_Person_CarriesGitHubHandle()
    {
        ThumbnailRequest request = ThumbnailRequest.FromEpisode(Episode(), Klustered, People);

        Assert.Equal("ada-gh", Assert.Single(request.Guests).GitHub);
        Assert.Equal("rawkode", request.Host!.GitHub);
    }

    [Fact]
    public void Render_AiredEpisode_DrawsNoBadge()
    {
        ThumbnailRequest live = RendererFixture.Request("klustered", "Same title", new ThumbnailPerson("ada", "Ada Lovelace"));

        RenderedThumbnail withBadge = fixture.Renderer.Render(live);
        RenderedThumbnail aired = fixture.Renderer.Render(live with { Badge = null });

        Assert.NotEqual(withBadge.ContentHash, aired.ContentHash);
        Assert.NotEqual(withBadge.Bytes, aired.Bytes);
    }

    [Fact]
    public void Render_MissingAvatar_ReportedAsMissingNotAsWarning()
    {
        RenderedThumbnail thumbnail = fixture.Renderer.Render(RendererFixture.Request("default", "No photo", new ThumbnailPerson("no-photo", "Priya Sharma")));

        Assert.Empty(thumbnail.Warnings);
        Assert.Equal(["no-photo"], thumbnail.MissingAvatars);
    }

    [Fact]
    public void Render_EveryoneHasAPicture_NothingMissing()
    {
        RenderedThumbnail thumbnail = fixture.Renderer.Render(RendererFixture.Request("default", "Photos", new ThumbnailPerson("ada", "Ada Lovelace")));

        Assert.Empty(thumbnail.MissingAvatars);
    }
}

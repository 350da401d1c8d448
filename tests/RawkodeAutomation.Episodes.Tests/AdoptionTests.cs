using RawkodeAutomation.Episodes.Adoption;
using RawkodeAutomation.Episodes.Loading;
using RawkodeAutomation.Episodes.Model;

namespace RawkodeAutomation.Episodes.Tests;

/// <summary>The past-vs-upcoming decision, the matcher and the file edit behind <c>rawkode adopt</c>, as pure functions.</summary>
public sealed class AdoptionTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static Episode E(string id, string title, DateTimeOffset? start, string? videoId = null, bool draft = false, int minutes = 90) => new(
        id, id.Split('/')[0], id.Split('/')[1], title, start, TimeSpan.FromMinutes(minutes), Visibility.Public, draft, [], [], "Summary.", [], [],
        videoId is null ? null : new EpisodeYouTube(videoId), null, new SourceLocation($"episodes/{id}.yaml", 1, 1));

    private static ChannelVideo Live(string id, string title, DateTimeOffset start) => new(id, title, start.AddDays(-3), start, start.AddMinutes(-2), WasLive: true);

    // ---- past vs upcoming ------------------------------------------------------------------------

    [Fact]
    public void ShowTiming_EndedBeforeNow_IsOver()
    {
        Assert.Equal(ShowTime.Over, ShowTiming.Of(E("s/a", "A", Now.AddHours(-2)), Now));
    }

    [Fact]
    public void ShowTiming_StartedButNotEnded_IsUpcoming()
    {
        // Started 30 minutes ago, 90 minutes long: the show is on air, still a broadcast.
        Assert.Equal(ShowTime.Upcoming, ShowTiming.Of(E("s/a", "A", Now.AddMinutes(-30)), Now));
    }

    [Fact]
    public void ShowTiming_EndsExactlyNow_IsUpcoming()
    {
        Assert.Equal(ShowTime.Upcoming, ShowTiming.Of(E("s/a", "A", Now.AddMinutes(-90)), Now));
        Assert.Equal(ShowTime.Over, ShowTiming.Of(E("s/a", "A", Now.AddMinutes(-91)), Now));
    }

    [Fact]
    public void ShowTiming_DraftOrUnscheduled_IsUnscheduled()
    {
        Assert.Equal(ShowTime.Unscheduled, ShowTiming.Of(E("s/a", "A", Now.AddDays(-30), draft: true), Now));
        Assert.Equal(ShowTime.Unscheduled, ShowTiming.Of(E("s/a", "A", null), Now));
    }

    [Fact]
    public void NeedsAdoption_PastWithVideoId_IsFalse_PastWithout_IsTrue_UpcomingWithout_IsFalse()
    {
        Assert.False(ShowTiming.NeedsAdoption(E("s/a", "A", Now.AddDays(-3), "ozbE25Y_rcM"), Now));
        Assert.True(ShowTiming.NeedsAdoption(E("s/a", "A", Now.AddDays(-3)), Now));
        Assert.False(ShowTiming.NeedsAdoption(E("s/a", "A", Now.AddDays(3)), Now));
    }

    // ---- matching --------------------------------------------------------------------------------

    [Theory]
    [InlineData("Klustered #7: Guy Templeton", "klustered 7 guy templeton")]
    [InlineData("🔴 KLUSTERED #7 — Guy Templeton!!", "klustered 7 guy templeton")]
    [InlineData("  CI/CD pipelines   as code with Dagger 🗡️ ", "ci cd pipelines as code with dagger")]
    [InlineData("Klustered #15: Xavier and Zoë", "klustered 15 xavier and zoë")]
    public void NormalizeTitle_CasePunctuationEmoji_Ignored(string title, string expected)
    {
        Assert.Equal(expected, AdoptionMatcher.NormalizeTitle(title));
    }

    [Fact]
    public void Match_SameTitleAndStart_MatchedWithEvidence()
    {
        var start = new DateTimeOffset(2021, 5, 20, 17, 0, 0, TimeSpan.Zero);
        var episode = E("klustered/2021-05-20-k4", "Klustered #4: Maya and Olivia", start);

        var report = AdoptionMatcher.Match([episode], [Live("abcdefghijk", "🔴 KLUSTERED #4 — Maya and Olivia", start.AddMinutes(3))], Now);

        var match = Assert.Single(report.Matched);
        Assert.Equal("abcdefghijk", match.Video.VideoId);
        Assert.Contains("same title ignoring case, punctuation and emoji", match.Evidence, StringComparison.Ordinal);
        Assert.Contains("started 3m after scheduledFor", match.Evidence, StringComparison.Ordinal);
        Assert.Empty(report.Ambiguous);
    }

    [Fact]
    public void Match_TwoVideosSameTitleAndStart_AmbiguousNeverMatched()
    {
        var start = new DateTimeOffset(2021, 6, 17, 17, 0, 0, TimeSpan.Zero);
        var episode = E("klustered/2021-06-17-k5", "Klustered #5: Qing and Samir", start);

        var report = AdoptionMatcher.Match([episode],
            [Live("first000001", episode.Title, start.AddMinutes(2)), Live("restart0002", episode.Title, start.AddMinutes(31))], Now);

        Assert.Empty(report.Matched);
        var ambiguous = Assert.Single(report.Ambiguous);
        Assert.Equal(2, ambiguous.Candidates.Count);
        Assert.Contains("2 videos fit equally well", ambiguous.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Match_OnlyStartAgrees_AmbiguousNotMatched()
    {
        var start = new DateTimeOffset(2021, 6, 17, 17, 0, 0, TimeSpan.Zero);
        var episode = E("s/e", "Policy as code with Kyverno", start);

        var report = AdoptionMatcher.Match([episode], [Live("other000001", "Something else entirely", start.AddMinutes(1))], Now);

        Assert.Empty(report.Matched);
        Assert.Contains("only the start time agrees", Assert.Single(report.Ambiguous).Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Match_OneVideoFitsTwoEpisodes_BothAmbiguous()
    {
        var start = new DateTimeOffset(2021, 6, 17, 17, 0, 0, TimeSpan.Zero);
        var a = E("s/a", "Same title", start);
        var b = E("s/b", "Same title", start.AddHours(2));

        var report = AdoptionMatcher.Match([a, b], [Live("shared00001", "Same title", start.AddMinutes(65))], Now);

        Assert.Empty(report.Matched);
        Assert.Equal(2, report.Ambiguous.Count);
    }

    [Fact]
    public void Match_PlainUploadDaysLater_MatchedAsLateUpload()
    {
        var start = new DateTimeOffset(2021, 6, 17, 17, 0, 0, TimeSpan.Zero);
        var episode = E("s/e", "Cloud native CI with Tekton", start);

        var report = AdoptionMatcher.Match([episode], [new ChannelVideo("upload00001", "Cloud Native CI with Tekton", start.AddDays(2))], Now);

        Assert.Contains("uploaded, published 2d after", Assert.Single(report.Matched).Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Match_ClaimedVideosUpcomingAndOrphans_SortedIntoTheirLists()
    {
        var past = new DateTimeOffset(2021, 1, 7, 17, 0, 0, TimeSpan.Zero);
        var adopted = E("s/adopted", "Adopted", past, "adopted0001");
        var claimedElsewhere = E("s/missing", "Missing", past.AddDays(7), "notonchann1");
        var lonely = E("s/lonely", "Never streamed", past.AddDays(14));
        var upcoming = E("s/upcoming", "Next week", Now.AddDays(7));
        ChannelVideo[] videos =
        [
            Live("adopted0001", "Adopted", past),
            // Nothing in the repository describes the trailer: a video with no episode.
            new ChannelVideo("trailer0001", "Channel trailer", past.AddDays(-200)),
        ];

        var report = AdoptionMatcher.Match([adopted, claimedElsewhere, lonely, upcoming], videos, Now);

        Assert.Equal(["s/adopted"], report.AlreadyAdopted.Select(e => e.Id));
        Assert.Equal(["s/missing"], report.ClaimedButMissing.Select(e => e.Id));
        Assert.Equal(["s/lonely"], report.EpisodesWithoutVideo.Select(e => e.Id));
        Assert.Equal(["trailer0001"], report.VideosWithoutEpisode.Select(v => v.VideoId));
        Assert.Empty(report.Matched);
    }

    [Fact]
    public void Match_AfterIdsAreWritten_NothingLeftToMatch()
    {
        var start = new DateTimeOffset(2021, 5, 20, 17, 0, 0, TimeSpan.Zero);
        var video = Live("abcdefghijk", "A title", start);
        var first = AdoptionMatcher.Match([E("s/e", "A title", start)], [video], Now);
        var written = first.Matched.Select(m => m.Episode with { YouTube = new EpisodeYouTube(m.Video.VideoId) });

        var second = AdoptionMatcher.Match(written, [video], Now);

        Assert.Single(first.Matched);
        Assert.Empty(second.Matched);
        Assert.Single(second.AlreadyAdopted);
    }

    // ---- the file edit ---------------------------------------------------------------------------

    [Fact]
    public void WithVideoId_NoYouTubeKey_InsertsBeforeKlusteredKeepingEverythingElse()
    {
        const string before = "# a comment the person wrote\ntitle: \"Klustered #5\"   # trailing comment\nlinks: [https://github.com/rawkode/klustered]\n\n# teams below\nklustered:\n  provisionBefore: 2h\n";

        var after = EpisodeFileEdit.WithVideoId(before, "_6ILi8IHn5k");

        Assert.Equal("# a comment the person wrote\ntitle: \"Klustered #5\"   # trailing comment\nlinks: [https://github.com/rawkode/klustered]\n\nyoutube:\n  videoId: _6ILi8IHn5k\n# teams below\nklustered:\n  provisionBefore: 2h\n", after);
    }

    [Fact]
    public void WithVideoId_NoYouTubeKeyNoKlustered_AppendsAtTheEnd()
    {
        Assert.Equal("title: A\nlinks:\n  - https://x.example\nyoutube:\n  videoId: abcdefghijk\n", EpisodeFileEdit.WithVideoId("title: A\nlinks:\n  - https://x.example\n", "abcdefghijk"));
        Assert.Equal("title: A\nyoutube:\n  videoId: abcdefghijk", EpisodeFileEdit.WithVideoId("title: A", "abcdefghijk").TrimEnd('\n'));
    }

    [Fact]
    public void WithVideoId_CrlfFile_KeepsCrlf()
    {
        Assert.Equal("title: A\r\nyoutube:\r\n  videoId: abcdefghijk\r\n", EpisodeFileEdit.WithVideoId("title: A\r\n", "abcdefghijk"));
    }

    [Fact]
    public void WithVideoId_EmptyYouTubeMappingWithComment_FillsItIn()
    {
        Assert.Equal("title: A\nyoutube: # adopt me\n  videoId: abcdefghijk\nsummary: x\n", EpisodeFileEdit.WithVideoId("title: A\nyoutube: # adopt me\nsummary: x\n", "abcdefghijk"));
        Assert.Equal("title: A\nyoutube:\n  videoId: abcdefghijk\nsummary: x\n", EpisodeFileEdit.WithVideoId("title: A\nyoutube: {}\nsummary: x\n", "abcdefghijk"));
    }

    [Fact]
    public void WithVideoId_AlreadySetOrBadId_Refuses()
    {
        Assert.Throws<InvalidOperationException>(() => EpisodeFileEdit.WithVideoId("youtube:\n  videoId: abcdefghijk\n", "bcdefghijkl"));
        Assert.Throws<ArgumentException>(() => EpisodeFileEdit.WithVideoId("title: A\n", "short"));
    }

    [Fact]
    public void WithVideoId_SampleEpisodeWithoutId_LoadsBackWithTheId()
    {
        var path = Path.Combine(RepositoryPaths.Root, "episodes", "klustered", "2022-01-27-klustered-9.yaml");
        var files = EpisodeLoader.ReadDirectory(RepositoryPaths.Root);
        var key = "episodes/klustered/2022-01-27-klustered-9.yaml";
        Assert.Null(EpisodeLoader.Load(files).Repository.Episodes["klustered/2022-01-27-klustered-9"].YouTube?.VideoId);

        files[key] = System.Text.Encoding.UTF8.GetBytes(EpisodeFileEdit.WithVideoId(File.ReadAllText(path), "UOrGNATMuDJ"));
        var result = EpisodeLoader.Load(files);

        Assert.True(result.IsValid, string.Join('\n', result.Diagnostics));
        Assert.Equal("UOrGNATMuDJ", result.Repository.Episodes["klustered/2022-01-27-klustered-9"].YouTube?.VideoId);
    }
}

using System.Text;
using RawkodeAutomation.Episodes.Loading;
using RawkodeAutomation.Episodes.Rendering;

namespace RawkodeAutomation.Episodes.Tests;

public class RendererTests
{
    private static readonly string SourceExpected = Path.Combine(RepositoryPaths.Root, "tests", "RawkodeAutomation.Episodes.Tests", "Expected");

    [Theory]
    [InlineData("klustered/2021-05-20-klustered-4")]
    [InlineData("rawkode-live/2020-09-03-flux")]
    public void Render_SampleEpisode_MatchesGoldenFile(string episodeId)
    {
        var repository = EpisodeLoader.LoadDirectory(RepositoryPaths.Root).Repository;

        var rendered = DescriptionRenderer.Render(repository, episodeId);

        var name = episodeId.Replace('/', '_');
        var expectedPath = Path.Combine(SourceExpected, name + ".txt");
        var received = rendered.Text + "\n";
        if (!File.Exists(expectedPath) || File.ReadAllText(expectedPath).ReplaceLineEndings("\n") != received)
        {
            var receivedPath = Path.Combine(SourceExpected, name + ".received.txt");
            File.WriteAllText(receivedPath, received);
            Assert.Fail($"description of {episodeId} differs from {expectedPath}; see {receivedPath}");
        }

        Assert.Equal(Encoding.UTF8.GetByteCount(rendered.Text), rendered.Utf8Bytes);
    }

    [Fact]
    public void Render_CustomTemplate_SeesRegisteredMembers()
    {
        var repository = TestRepository.WithShow()
            .Person("ada", "Ada Okafor", "Staff SRE.")
            .Episode("klustered", "2026-12-03-x", "X marks the spot", "2026-12-03T17:00:00Z", ["ada"])
            .Put("episodes/templates/klustered.liquid", "{{ episode.title }}|{% for g in guests %}{{ g.name }}: {{ g.bio }}{% endfor %}|{{ show.name }}|{{ host.name }}")
            .Load();

        var rendered = DescriptionRenderer.Render(repository, "klustered/2026-12-03-x");

        Assert.Equal("X marks the spot|Ada Okafor: Staff SRE.|Show klustered|David Flanagan", rendered.Text);
        Assert.Empty(rendered.Shortenings);
    }

    [Fact]
    public void Render_SeriesIndex_MarksTheCurrentEpisodeAndSkipsDrafts()
    {
        var repository = TestRepository.WithShow()
            .Episode("klustered", "2026-12-01-a", "First", "2026-12-01T17:00:00Z")
            .Episode("klustered", "2026-12-08-b", "Second", "2026-12-08T17:00:00Z")
            .Episode("klustered", "2026-12-15-c", "Secret draft", "", draft: true)
            .Load();

        var text = DescriptionRenderer.Render(repository, "klustered/2026-12-08-b").Text;

        Assert.Contains("• 2026-12-01 First\n▶ 2026-12-08 Second (this episode)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Secret draft", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_LongSeries_IndexIsAWindowAroundTheEpisode()
    {
        var repository = TestRepository.WithShow().WeeklyEpisodes("klustered", 60, new DateOnly(2025, 1, 1)).Load();
        var rendered = DescriptionRenderer.Render(repository, "klustered/2025-06-25-ep-25");

        Assert.Equal(["series index limited to the 21 episodes around this one (of 60)"], rendered.Shortenings);
        Assert.Contains("Episode 15\n", rendered.Text, StringComparison.Ordinal);
        Assert.Contains("Episode 35\n", rendered.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Episode 14\n", rendered.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Episode 36\n", rendered.Text, StringComparison.Ordinal);
        Assert.Contains("▶ 2025-06-25 Episode 25 (this episode)", rendered.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_OversizeDescription_ShortensLeastImportantFirstAndFits()
    {
        var longBio = "First sentence of a long bio. " + string.Concat(Enumerable.Repeat("Then a lot more about them 🚀. ", 60));
        var repo = TestRepository.WithShow()
            .WeeklyEpisodes("klustered", 8, new DateOnly(2025, 1, 1), guests: i => i == 0 ? ["guest-0", "guest-1", "guest-2", "guest-3"] : []);
        for (var i = 0; i < 8; i++)
        {
            repo.Person($"guest-{i}", $"Guest {i}", longBio);
        }

        var rendered = DescriptionRenderer.Render(repo.Load(), "klustered/2025-01-01-ep-0");

        Assert.True(rendered.Fits, rendered.Utf8Bytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(
            ["series index limited to the 5 episodes around this one", "series index left out", "technologies left out", "bios cut to their first sentence"],
            rendered.Shortenings);
        Assert.Contains("Guest 3: First sentence of a long bio.\n", rendered.Text, StringComparison.Ordinal);
        Assert.StartsWith("Summary of Episode 0.", rendered.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_EmojiInSummary_CountsFourBytesEach()
    {
        var repository = TestRepository.WithShow()
            .Put("episodes/klustered/2026-12-03-emoji.yaml", "title: Emoji\nscheduledFor: 2026-12-03T17:00:00Z\nduration: 1h\nsummary: \"🚀🚀\"\n")
            .Put("episodes/templates/klustered.liquid", "{{ episode.summary }}")
            .Load();

        var rendered = DescriptionRenderer.Render(repository, "klustered/2026-12-03-emoji");

        Assert.Equal(8, rendered.Utf8Bytes);
    }

    [Fact]
    public void Load_TemplateThatWritesAngleBrackets_IsAnErrorAndRenderNeverEmitsThem()
    {
        var repo = TestRepository.WithShow()
            .Episode("klustered", "2026-12-03-x", "X", "2026-12-03T17:00:00Z")
            .Put("episodes/templates/klustered.liquid", "<b>{{ episode.title }}</b>");

        var result = repo.LoadResult();

        var error = Assert.Single(result.Errors);
        Assert.Equal("episodes/templates/klustered.liquid:1:1", error.Location.ToString());
        Assert.Contains("'<' or '>'", error.Message, StringComparison.Ordinal);
        var text = DescriptionRenderer.Render(result.Repository, "klustered/2026-12-03-x").Text;
        Assert.DoesNotContain('<', text);
        Assert.DoesNotContain('>', text);
    }

    [Fact]
    public void Fingerprint_EqualModels_EqualAndChangedBio_Differs()
    {
        var before = TestRepository.WithShow().Person("ada", "Ada", "Old bio.").Episode("klustered", "2026-12-03-x", "X", "2026-12-03T17:00:00Z", ["ada"]);
        var after = before.Clone().Person("ada", "Ada", "New bio.");

        Assert.Equal(DescriptionRenderer.Fingerprint(before.Load(), "klustered/2026-12-03-x"), DescriptionRenderer.Fingerprint(before.Load(), "klustered/2026-12-03-x"));
        Assert.NotEqual(DescriptionRenderer.Fingerprint(before.Load(), "klustered/2026-12-03-x"), DescriptionRenderer.Fingerprint(after.Load(), "klustered/2026-12-03-x"));
    }
}

public class KlusteredSecrecyTests
{
    [Fact]
    public void Render_UpcomingKlusteredEpisode_DoesNotRevealTheBreaks()
    {
        var repository = EpisodeLoader.LoadDirectory(RepositoryPaths.Root).Repository;
        var upcoming = repository.Episodes.Values.First(e => e.Klustered is { } k && k.Teams.All(t => t.TimeToFix is null) && k.Teams.Any(t => t.Breaks.Count > 0));

        var text = DescriptionRenderer.Render(repository, upcoming.Id).Text;

        foreach (var breakId in upcoming.Klustered!.Teams.SelectMany(t => t.Breaks))
        {
            Assert.DoesNotContain(breakId, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Render_KlusteredEpisodeWithTimeToFix_RevealsThatTeamsBreaks()
    {
        var repository = EpisodeLoader.LoadDirectory(RepositoryPaths.Root).Repository;
        var aired = repository.Episodes.Values.First(e => e.Klustered is { } k && k.Teams.Any(t => t.TimeToFix is not null && t.Breaks.Count > 0));

        var text = DescriptionRenderer.Render(repository, aired.Id).Text;

        var team = aired.Klustered!.Teams.First(t => t.TimeToFix is not null && t.Breaks.Count > 0);
        Assert.Contains(team.Breaks[0], text, StringComparison.Ordinal);
    }
}

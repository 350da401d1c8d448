using System.Text;
using RawkodeAutomation.Episodes.Loading;
using RawkodeAutomation.Worker.Adapters;
using RawkodeAutomation.Worker.Decisions;
using RawkodeAutomation.Workflows.Activities;

namespace RawkodeAutomation.Pipeline.Tests.Decisions;

/// <summary>The fix chapters written after a Klustered stream, within YouTube's chapter rules.</summary>
public class ChapterYamlTests
{
    private static readonly DateTimeOffset Start = new(2030, 6, 1, 17, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Duration = TimeSpan.FromMinutes(90);

    private const string WithChapters = """
        title: "Klustered #42"
        duration: 90m
        chapters:
          - { at: "00:00", title: Holding screen }
          - { at: "05:00", title: Meet the teams }
          # the fixing starts
          - { at: "10:00", title: Fixing }
        links: [https://github.com/rawkode/klustered]
        """;

    [Fact]
    public void WithFixChapters_TwoFixes_AddedInOrderAtTheirOffsetsAndTheRestKept()
    {
        var (file, detail) = ChapterYaml.WithFixChapters(Bytes(WithChapters),
            [Fix("team-a", 23, 23), Fix("team-b", 41, 41)], Start, Duration);

        var text = Encoding.UTF8.GetString(file!);
        Assert.Contains("""  - { at: "23:00", title: "Team A fixed the cluster (23m)" }""", text, StringComparison.Ordinal);
        Assert.Contains("""  - { at: "41:00", title: "Team B fixed the cluster (41m)" }""", text, StringComparison.Ordinal);
        Assert.True(text.IndexOf("10:00", StringComparison.Ordinal) < text.IndexOf("23:00", StringComparison.Ordinal));
        Assert.EndsWith("links: [https://github.com/rawkode/klustered]", text.TrimEnd(), StringComparison.Ordinal);
        Assert.StartsWith("title: \"Klustered #42\"\nduration: 90m\n", text, StringComparison.Ordinal);
        Assert.Contains("added 23:00 Team A fixed the cluster (23m), 41:00 Team B", detail, StringComparison.Ordinal);
        AssertValidChapters(text);
    }

    [Fact]
    public void WithFixChapters_FixFiveSecondsAfterAChapter_MovedToTenSecondsAfterIt()
    {
        var (file, _) = ChapterYaml.WithFixChapters(Bytes(WithChapters), [Fix("team-a", 10, 10, seconds: 5)], Start, Duration);

        var text = Encoding.UTF8.GetString(file!);
        Assert.Contains("""at: "10:10", title: "Team A fixed the cluster (10m)" """, text, StringComparison.Ordinal);
        AssertValidChapters(text);
    }

    [Fact]
    public void WithFixChapters_AlreadyThere_NothingToWrite()
    {
        var (once, _) = ChapterYaml.WithFixChapters(Bytes(WithChapters), [Fix("team-a", 23, 23)], Start, Duration);

        var (twice, detail) = ChapterYaml.WithFixChapters(once!, [Fix("team-a", 23, 23)], Start, Duration);

        Assert.Null(twice);
        Assert.StartsWith("no chapter to add", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void WithFixChapters_NoChaptersAndOneFix_NotWrittenBecauseYouTubeNeedsThree()
    {
        var (file, detail) = ChapterYaml.WithFixChapters(Bytes("title: X\nduration: 90m\n"), [Fix("team-a", 23, 23)], Start, Duration);

        Assert.Null(file);
        Assert.Contains("at least three chapters", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void WithFixChapters_NoChaptersAndTwoFixes_StartsAtZero()
    {
        var (file, _) = ChapterYaml.WithFixChapters(Bytes("title: X\nduration: 90m\n"), [Fix("team-a", 23, 23), Fix("team-b", 41, 41)], Start, Duration);

        var text = Encoding.UTF8.GetString(file!);
        Assert.Contains("chapters:\n  - { at: \"00:00\", title: \"Start\" }\n  - { at: \"23:00\"", text, StringComparison.Ordinal);
        AssertValidChapters(text);
    }

    [Fact]
    public void WithFixChapters_FixInTheLastTenSeconds_LeftOutAndSaysWhy()
    {
        var (file, detail) = ChapterYaml.WithFixChapters(Bytes(WithChapters), [Fix("team-a", 89, 89, seconds: 55)], Start, Duration);

        Assert.Null(file);
        Assert.Contains("too close to the end of the stream", detail, StringComparison.Ordinal);
    }

    private static TeamFix Fix(string team, int atMinutes, int ttfMinutes, int seconds = 0) =>
        new(team, Start + TimeSpan.FromMinutes(atMinutes) + TimeSpan.FromSeconds(seconds), TimeSpan.FromMinutes(ttfMinutes));

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text + "\n");

    /// <summary>The episode loader's own chapter rules accept the result.</summary>
    private static void AssertValidChapters(string chaptersFile)
    {
        var chapters = string.Join('\n', chaptersFile.Split('\n').SkipWhile(l => !l.StartsWith("chapters:", StringComparison.Ordinal)).TakeWhile(l => l.StartsWith("chapters:", StringComparison.Ordinal) || l.StartsWith("  ", StringComparison.Ordinal)));
        var repo = new Dictionary<string, byte[]>
        {
            ["episodes/shows/klustered.yaml"] = Bytes("name: Klustered\nhost: host\ndescription: Breaking and fixing.\nyoutube: { categoryId: 28, streamKey: klustered }"),
            ["episodes/people/host.yaml"] = Bytes("name: Host\nbio: Hosts.\ngithub: host"),
            ["episodes/klustered/2030-06-01-x.yaml"] = Bytes("title: X\nscheduledFor: 2030-06-01T17:00:00Z\nduration: 90m\nvisibility: public\nsummary: About it.\n" + chapters),
        };
        var result = EpisodeLoader.Load(repo);
        Assert.True(result.IsValid, string.Join('\n', result.Diagnostics) + "\n" + chapters);
    }
}

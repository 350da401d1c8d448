using System.Text;
using RawkodeAutomation.Worker.Decisions;

namespace RawkodeAutomation.Pipeline.Tests.Decisions;

/// <summary>The time to fix written back into a Klustered episode file, line by line so the creator's layout stays.</summary>
public class TeamYamlTests
{
    private const string Episode = """
        # A Klustered episode (comment kept)
        title: "Klustered #12"
        klustered:
          teams:
            - name: team-a   # the breakers' favourites
              breaks: [quota-zero-pods]
            - name: "team-b"
              timeToFix: 5m
              breaks: [kubelet-max-pods]
        """;

    [Theory]
    [InlineData(0, 0, 0, "0s")]
    [InlineData(0, 0, 42, "42s")]
    [InlineData(0, 23, 0, "23m")]
    [InlineData(0, 23, 5, "23m5s")]
    [InlineData(1, 0, 0, "1h")]
    [InlineData(1, 2, 3, "1h2m3s")]
    [InlineData(26, 0, 1, "26h1s")]
    public void Format_Durations_InTheSchemasForm(int hours, int minutes, int seconds, string expected) =>
        Assert.Equal(expected, TeamYaml.Format(new TimeSpan(hours, minutes, seconds)));

    [Fact]
    public void WithTimeToFix_TeamWithout_AddedUnderItsNameAndEverythingElseKept()
    {
        var written = Text(TeamYaml.WithTimeToFix(Bytes(Episode), "team-a", TimeSpan.FromMinutes(23)));

        var expected = Episode.ReplaceLineEndings("\n").Replace(
            "    - name: team-a   # the breakers' favourites\n",
            "    - name: team-a   # the breakers' favourites\n      timeToFix: 23m\n",
            StringComparison.Ordinal);
        Assert.Equal(expected, written);
    }

    [Fact]
    public void WithTimeToFix_QuotedTeamThatHasOne_ReplacedNotDuplicated()
    {
        var written = Text(TeamYaml.WithTimeToFix(Bytes(Episode), "team-b", new TimeSpan(1, 2, 3)));

        Assert.Equal(Episode.ReplaceLineEndings("\n").Replace("timeToFix: 5m", "timeToFix: 1h2m3s", StringComparison.Ordinal), written);
    }

    [Fact]
    public void WithTimeToFix_TeamNotInTheFile_NothingToWrite() =>
        Assert.Null(TeamYaml.WithTimeToFix(Bytes(Episode), "team-c", TimeSpan.FromMinutes(1)));

    [Fact]
    public void WithTimeToFix_AnotherTeamsValueBelow_LeftAlone()
    {
        // team-a has no timeToFix of its own; team-b's (in the next block) must not be taken for it.
        var written = Text(TeamYaml.WithTimeToFix(Bytes(Episode), "team-a", TimeSpan.FromSeconds(30)));

        Assert.Contains("      timeToFix: 5m", written, StringComparison.Ordinal);
        Assert.Equal(2, written.Split('\n').Count(l => l.TrimStart().StartsWith("timeToFix:", StringComparison.Ordinal)));
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\n"));

    private static string Text(byte[]? file) => Encoding.UTF8.GetString(Assert.IsType<byte[]>(file));
}

using RawkodeAutomation.Episodes.Loading;
using RawkodeAutomation.Episodes.Model;

namespace RawkodeAutomation.Episodes.Tests;

/// <summary><c>youtube.videoId</c> is a claim: well-formed, one video per episode, and a show that is over needs one.</summary>
public sealed class VideoIdValidationTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Load_SameVideoIdOnTwoEpisodes_ErrorOnEachNamingTheOtherFile()
    {
        var repo = TestRepository.WithShow()
            .Episode("klustered", "2021-05-20-a", "A", "2021-05-20T17:00:00Z", extra: "youtube:\n  videoId: ozbE25Y_rcM\n")
            .Episode("klustered", "2021-05-27-b", "B", "2021-05-27T17:00:00Z", extra: "youtube:\n  videoId: ozbE25Y_rcM\n");

        var result = EpisodeLoader.Load(repo.Files);

        Assert.False(result.IsValid);
        var errors = result.Errors.Where(d => d.Message.Contains("ozbE25Y_rcM", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, errors.Count);
        Assert.Equal("episodes/klustered/2021-05-20-a.yaml", errors[0].Location.Path);
        Assert.Contains("episodes/klustered/2021-05-27-b.yaml", errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("episodes/klustered/2021-05-20-a.yaml", errors[1].Message, StringComparison.Ordinal);
        // Pointed at the videoId line (title, scheduledFor, duration, guests, summary, youtube, then videoId).
        Assert.Equal(7, errors[0].Location.Line);
    }

    [Theory]
    [InlineData("ozbE25Y_rc")]
    [InlineData("ozbE25Y_rcMM")]
    [InlineData("ozbE25Y rcM")]
    [InlineData("ozbE25Y.rcM")]
    public void Load_MalformedVideoId_IsAnErrorAtItsLine(string id)
    {
        var repo = TestRepository.WithShow().Episode("klustered", "2021-05-20-a", "A", "2021-05-20T17:00:00Z", extra: $"youtube:\n  videoId: \"{id}\"\n");

        var result = EpisodeLoader.Load(repo.Files);

        var error = Assert.Single(result.Errors);
        Assert.Contains($"videoId '{id}'", error.Message, StringComparison.Ordinal);
        Assert.Equal(7, error.Location.Line);
    }

    [Fact]
    public void Load_PastEpisodeWithoutVideoId_WarnsAtScheduledForPointingAtAdopt()
    {
        var repo = TestRepository.WithShow()
            .Episode("klustered", "2021-05-20-a", "A", "2021-05-20T17:00:00Z")
            .Episode("klustered", "2021-05-27-b", "B", "2021-05-27T17:00:00Z", extra: "youtube:\n  videoId: ozbE25Y_rcM\n")
            .Episode("klustered", "2027-01-01-c", "C", "2027-01-01T17:00:00Z");

        var result = EpisodeLoader.Load(repo.Files, EpisodeLoaderOptions.Default with { Now = Now });

        Assert.True(result.IsValid);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal(new SourceLocation("episodes/klustered/2021-05-20-a.yaml", 2, 1), warning.Location);
        Assert.Contains("rawkode adopt", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WithoutNow_NoTimeDependentWarning()
    {
        var repo = TestRepository.WithShow().Episode("klustered", "2021-05-20-a", "A", "2021-05-20T17:00:00Z");

        Assert.Empty(EpisodeLoader.Load(repo.Files).Warnings);
    }
}

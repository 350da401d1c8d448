using RawkodeAutomation.YouTube.Operations;

namespace RawkodeAutomation.YouTube.Tests;

/// <summary>Bad input is refused before any call: no token, no unit, and a message naming the episode and the size.</summary>
public sealed class ValidationTests
{
    private static BroadcastSpec Spec(string title = "Klustered #7", string description = "Fine.", string[]? tags = null) => new(
        "klustered/2026-06-01-guy-templeton", title, description, new DateTimeOffset(2026, 6, 1, 17, 0, 0, TimeSpan.Zero), null,
        "public", "28", tags ?? ["kubernetes"], "klustered", null, null);

    [Fact]
    public async Task EnsureDescriptions_OversizeDescription_RejectedBeforeAnyCallWithEpisodeIdAndBytes()
    {
        await using var h = await SandboxHarness.StartAsync();
        var operations = new YouTubeOperations(h.Client);
        var oversize = "Guest bio " + string.Concat(Enumerable.Repeat("🚀", 1248)); // 10 + 4,992 = 5,002 bytes

        var error = await Assert.ThrowsAsync<YouTubeSpecException>(() => operations.EnsureDescriptionsAsync(
        [
            new DescriptionSpec("rawkode-live/2021-01-07-episode-0", "aaaaaaaaaaa", "A fine description."),
            new DescriptionSpec("rawkode-live/2021-01-14-episode-1", "bbbbbbbbbbb", oversize),
        ]));

        Assert.Contains("rawkode-live/2021-01-14-episode-1", error.Message, StringComparison.Ordinal);
        Assert.Contains("5002 UTF-8 bytes", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("episode-0", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Sandbox.TokensIssued);
        Assert.Equal(0, h.Sandbox.UnitsSpent);
        Assert.Empty(h.Ledger.Entries);
    }

    [Fact]
    public async Task EnsureDescriptions_AngleBrackets_RejectedWithEpisodeIdLineAndBytes()
    {
        await using var h = await SandboxHarness.StartAsync();
        var operations = new YouTubeOperations(h.Client);

        var error = await Assert.ThrowsAsync<YouTubeSpecException>(() => operations.EnsureDescriptionsAsync(
            [new DescriptionSpec("klustered/2021-05-20-klustered-4", "ccccccccccc", "Line one\nUse <kubectl> here")]));

        Assert.Equal("klustered/2021-05-20-klustered-4", error.EpisodeId);
        Assert.Contains("'<' on line 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("27 UTF-8 bytes", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Sandbox.TokensIssued);
    }

    [Fact]
    public async Task EnsureBroadcast_EveryRuleBroken_ListsAllProblemsBeforeAnyCall()
    {
        await using var h = await SandboxHarness.StartAsync();
        var operations = new YouTubeOperations(h.Client);
        var spec = Spec(
            title: new string('x', 101),
            description: new string('é', 2501), // 5,002 bytes
            tags: [.. Enumerable.Range(0, 60).Select(i => $"technology-{i}")]);

        var error = await Assert.ThrowsAsync<YouTubeSpecException>(() => operations.EnsureBroadcastAsync(spec));

        Assert.Contains("klustered/2026-06-01-guy-templeton", error.Message, StringComparison.Ordinal);
        Assert.Contains("title is 101 characters", error.Message, StringComparison.Ordinal);
        Assert.Contains("description is 5002 UTF-8 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("tags are", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, error.Problems.Count);
        Assert.Equal(0, h.Sandbox.TokensIssued);
        Assert.Empty(h.Sandbox.Videos);
    }

    [Fact]
    public async Task EnsureBroadcast_TitleWithAngleBracket_Rejected()
    {
        await using var h = await SandboxHarness.StartAsync();

        var error = await Assert.ThrowsAsync<YouTubeSpecException>(() => new YouTubeOperations(h.Client).EnsureBroadcastAsync(Spec(title: "Kubernetes <3")));

        Assert.Contains("title contains '<' or '>'", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Sandbox.TokensIssued);
    }

    [Fact]
    public async Task EnsureThumbnail_WebP_RejectedBeforeAnyCall()
    {
        await using var h = await SandboxHarness.StartAsync();

        var error = await Assert.ThrowsAsync<YouTubeSpecException>(() => new YouTubeOperations(h.Client).EnsureThumbnailAsync(
            new ThumbnailSpec("klustered/2026-06-01-guy-templeton", "ddddddddddd", SandboxHarness.WebP(), "abc")));

        Assert.Contains("neither PNG nor JPEG", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Sandbox.TokensIssued);
    }

    [Theory]
    [InlineData(new[] { "a", "b" }, 3)]
    [InlineData(new[] { "two words", "c" }, 13)]
    public void TagsLength_AsYouTubeCountsIt_IncludesCommasAndQuotes(string[] tags, int expected)
    {
        Assert.Equal(expected, YouTubeLimits.TagsLength(tags));
    }

    [Fact]
    public void CheckDescription_Exactly5000Bytes_IsAccepted()
    {
        List<string> problems = [];

        YouTubeLimits.CheckDescription(string.Concat(Enumerable.Repeat("🚀", 1250)), problems);

        Assert.Empty(problems);
    }
}

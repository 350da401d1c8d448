using RawkodeAutomation.YouTube.Api;
using RawkodeAutomation.YouTube.Operations;

namespace RawkodeAutomation.YouTube.Tests;

/// <summary>The cleanup's view of the shows' streams, through the real client against the sandbox.</summary>
public sealed class MarkedStreamsTests
{
    private static async Task<string> StreamAsync(SandboxHarness h, string title, string? description) =>
        (await h.Client.InsertStreamAsync(new LiveStream
        {
            Snippet = new LiveStreamSnippet { Title = title, Description = description },
            Cdn = new CdnSettings { IngestionType = "rtmp", Resolution = "variable", FrameRate = "variable" },
        }, "id")).Id!;

    private static async Task<string> BroadcastBoundToAsync(SandboxHarness h, string streamId)
    {
        var broadcast = await h.Client.InsertBroadcastAsync(new LiveBroadcast
        {
            Snippet = new LiveBroadcastSnippet { Title = "Bound", ScheduledStartTimeRaw = "2026-06-01T17:00:00Z" },
            Status = new LiveBroadcastStatus { PrivacyStatus = "private" },
        }, "id");
        await h.Client.BindBroadcastAsync(broadcast.Id!, streamId, "id");
        return broadcast.Id!;
    }

    [Fact]
    public async Task Scan_MarkedAndUnmarkedStreams_ReturnsOnlyOursWithTheirKeysForOneUnit()
    {
        await using var h = await SandboxHarness.StartAsync();
        var ours = await StreamAsync(h, "klustered", Markers.StreamDescription("klustered"));
        await StreamAsync(h, "OBS", "my own stream");
        await StreamAsync(h, "bare prefix", Markers.StreamPrefix);
        var before = h.Sandbox.UnitsSpent;

        var scan = await new MarkedStreams(h.Client).ScanAsync();

        Assert.Equal([new MarkedStream(ours, "klustered", "klustered")], scan.Marked);
        Assert.Equal(2, scan.Unmarked);
        Assert.Equal(1, scan.UnitsSpent);
        Assert.Equal(before + 1, h.Sandbox.UnitsSpent);
    }

    [Fact]
    public async Task Bindings_UpcomingLiveAndCompletedBroadcasts_ListsOnlyTheUnfinishedOnes()
    {
        await using var h = await SandboxHarness.StartAsync();
        var upcomingStream = await StreamAsync(h, "a", Markers.StreamDescription("a"));
        var liveStream = await StreamAsync(h, "b", Markers.StreamDescription("b"));
        var doneStream = await StreamAsync(h, "c", Markers.StreamDescription("c"));
        var upcoming = await BroadcastBoundToAsync(h, upcomingStream);
        var live = await BroadcastBoundToAsync(h, liveStream);
        await h.Client.TransitionBroadcastAsync(live, "live", "id");
        var done = await BroadcastBoundToAsync(h, doneStream);
        await h.Client.TransitionBroadcastAsync(done, "live", "id");
        await h.Client.TransitionBroadcastAsync(done, "complete", "id");

        var bindings = await new MarkedStreams(h.Client).BindingsAsync();

        Assert.Equal(
            new[] { new StreamBinding(upcomingStream, upcoming, "ready"), new StreamBinding(liveStream, live, "live") }.OrderBy(b => b.BroadcastId, StringComparer.Ordinal),
            bindings.Bindings.OrderBy(b => b.BroadcastId, StringComparer.Ordinal));
        Assert.Equal(2, bindings.UnitsSpent);
    }

    [Fact]
    public async Task DeleteIfUnbound_OursAndFree_DeletesForFiftyOneUnits()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = await StreamAsync(h, "old-show", Markers.StreamDescription("old-show"));

        var result = await new MarkedStreams(h.Client).DeleteIfUnboundAsync("old-show", id);

        Assert.True(result.Deleted, result.Detail);
        Assert.Empty(h.Sandbox.Streams);
        Assert.Equal(51, result.UnitsSpent);
    }

    [Fact]
    public async Task DeleteIfUnbound_BoundToAnUpcomingBroadcast_KeepsWithYouTubesRefusal()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = await StreamAsync(h, "old-show", Markers.StreamDescription("old-show"));
        var broadcast = await BroadcastBoundToAsync(h, id);

        var result = await new MarkedStreams(h.Client).DeleteIfUnboundAsync("old-show", id);

        Assert.False(result.Deleted);
        Assert.Contains("refused", result.Detail, StringComparison.Ordinal);
        Assert.Contains(broadcast, result.Detail, StringComparison.Ordinal);
        Assert.Single(h.Sandbox.Streams);
        Assert.Equal(51, result.UnitsSpent);
    }

    [Theory]
    [InlineData("my own stream", "no longer carries our marker")]
    [InlineData("rawkode-stream:another-show", "marked for key another-show")]
    public async Task DeleteIfUnbound_NotMarkedForThatKey_KeepsWithoutCallingDelete(string description, string detail)
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = await StreamAsync(h, "s", description);

        var result = await new MarkedStreams(h.Client).DeleteIfUnboundAsync("old-show", id);

        Assert.False(result.Deleted);
        Assert.Contains(detail, result.Detail, StringComparison.Ordinal);
        Assert.Equal(0, h.Sandbox.Calls("liveStreams.delete"));
        Assert.Single(h.Sandbox.Streams);
    }

    [Fact]
    public async Task DeleteIfUnbound_AlreadyGone_ReportsItWithoutCallingDelete()
    {
        await using var h = await SandboxHarness.StartAsync();

        var result = await new MarkedStreams(h.Client).DeleteIfUnboundAsync("old-show", "gone-stream");

        Assert.False(result.Deleted);
        Assert.Contains("already gone", result.Detail, StringComparison.Ordinal);
        Assert.Equal(0, h.Sandbox.Calls("liveStreams.delete"));
    }
}

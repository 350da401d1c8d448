using RawkodeAutomation.YouTube.Api;
using RawkodeAutomation.YouTube.Operations;

namespace RawkodeAutomation.YouTube.Tests;

/// <summary>The cleanup's YouTube half against the sandbox: find our broadcasts by marker, delete only what is ours and not yet live.</summary>
public sealed class MarkedBroadcastsTests
{
    private static BroadcastSpec Spec(string episodeId, int day) => new(
        EpisodeId: episodeId,
        Title: $"Rawkode Live: {episodeId}",
        Description: "A show.",
        ScheduledStart: new DateTimeOffset(2026, 6, day, 17, 0, 0, TimeSpan.Zero),
        ScheduledEnd: null,
        Visibility: "public",
        CategoryId: "28",
        Tags: ["kubernetes"],
        StreamKey: "rawkode-live",
        PlaylistId: null,
        KnownVideoId: null);

    private static Task<LiveBroadcast> InsertUnmarkedAsync(SandboxHarness h) =>
        h.Client.InsertBroadcastAsync(new LiveBroadcast
        {
            Snippet = new LiveBroadcastSnippet { Title = "Someone else's stream", ScheduledStartTimeRaw = "2026-06-03T17:00:00Z" },
            Status = new LiveBroadcastStatus { PrivacyStatus = "private" },
        }, "snippet,status");

    [Fact]
    public async Task Scan_MarkedUnmarkedLiveAndPlainVideo_ReturnsOurUpcomingAndActiveBroadcasts()
    {
        await using var h = await SandboxHarness.StartAsync();
        var operations = new YouTubeOperations(h.Client);
        var upcoming = await operations.EnsureBroadcastAsync(Spec("rawkode-live/upcoming", 1));
        var live = await operations.EnsureBroadcastAsync(Spec("rawkode-live/live", 2));
        await h.Client.TransitionBroadcastAsync(live.VideoId, "live", "status");
        await InsertUnmarkedAsync(h);
        h.Sandbox.AddPublishedVideo("An old upload", "Not a broadcast.", ["rawkode-episode:rawkode-live/old"]);
        var unitsBefore = h.Sandbox.UnitsSpent;

        var scan = await new MarkedBroadcasts(h.Client).ScanAsync();

        Assert.Equal(
            [("rawkode-live/live", live.VideoId, "live"), ("rawkode-live/upcoming", upcoming.VideoId, "ready")],
            scan.Marked.Select(m => (m.EpisodeId, m.VideoId, m.LifeCycleStatus)).Order());
        Assert.Equal(1, scan.Unmarked);
        Assert.False(scan.Marked.Single(m => m.EpisodeId == "rawkode-live/live").NotYetLive);
        Assert.True(scan.Marked.Single(m => m.EpisodeId == "rawkode-live/upcoming").NotYetLive);
        // liveBroadcasts.list + videos.list for upcoming, the same for active.
        Assert.Equal(4, scan.UnitsSpent);
        Assert.Equal(scan.UnitsSpent, h.Sandbox.UnitsSpent - unitsBefore);
    }

    [Fact]
    public async Task DeleteIfNotLive_OurReadyBroadcast_DeletesIt()
    {
        await using var h = await SandboxHarness.StartAsync();
        var created = await new YouTubeOperations(h.Client).EnsureBroadcastAsync(Spec("rawkode-live/gone", 1));

        var result = await new MarkedBroadcasts(h.Client).DeleteIfNotLiveAsync("rawkode-live/gone", created.VideoId);

        Assert.True(result.Deleted, result.Detail);
        Assert.Null(h.Sandbox.FindVideo(created.VideoId));
        Assert.Equal(52, result.UnitsSpent);
    }

    [Fact]
    public async Task DeleteIfNotLive_LiveBroadcast_KeepsItAndSaysWhy()
    {
        await using var h = await SandboxHarness.StartAsync();
        var created = await new YouTubeOperations(h.Client).EnsureBroadcastAsync(Spec("rawkode-live/on-air", 1));
        await h.Client.TransitionBroadcastAsync(created.VideoId, "live", "status");

        var result = await new MarkedBroadcasts(h.Client).DeleteIfNotLiveAsync("rawkode-live/on-air", created.VideoId);

        Assert.False(result.Deleted);
        Assert.Contains("is live", result.Detail, StringComparison.Ordinal);
        Assert.NotNull(h.Sandbox.FindVideo(created.VideoId));
        Assert.Equal(0, h.Sandbox.Calls("liveBroadcasts.delete"));
    }

    [Fact]
    public async Task DeleteIfNotLive_UnmarkedOrOtherEpisodesBroadcast_KeepsIt()
    {
        await using var h = await SandboxHarness.StartAsync();
        var unmarked = await InsertUnmarkedAsync(h);
        var other = await new YouTubeOperations(h.Client).EnsureBroadcastAsync(Spec("rawkode-live/other", 2));
        var janitor = new MarkedBroadcasts(h.Client);

        var first = await janitor.DeleteIfNotLiveAsync("rawkode-live/gone", unmarked.Id!);
        var second = await janitor.DeleteIfNotLiveAsync("rawkode-live/gone", other.VideoId);

        Assert.False(first.Deleted);
        Assert.Contains("no rawkode-episode marker", first.Detail, StringComparison.Ordinal);
        Assert.False(second.Deleted);
        Assert.Contains("marked for rawkode-live/other", second.Detail, StringComparison.Ordinal);
        Assert.Equal(2, h.Sandbox.Videos.Count);
        Assert.Equal(0, h.Sandbox.Calls("liveBroadcasts.delete"));
    }

    [Fact]
    public async Task DeleteIfNotLive_AlreadyGone_IsNotAnError()
    {
        await using var h = await SandboxHarness.StartAsync();
        var created = await new YouTubeOperations(h.Client).EnsureBroadcastAsync(Spec("rawkode-live/gone", 1));
        var janitor = new MarkedBroadcasts(h.Client);
        Assert.True((await janitor.DeleteIfNotLiveAsync("rawkode-live/gone", created.VideoId)).Deleted);

        var again = await janitor.DeleteIfNotLiveAsync("rawkode-live/gone", created.VideoId);

        Assert.False(again.Deleted);
        Assert.Contains("already gone", again.Detail, StringComparison.Ordinal);
        Assert.Equal(1, h.Sandbox.Calls("liveBroadcasts.delete"));
    }
}

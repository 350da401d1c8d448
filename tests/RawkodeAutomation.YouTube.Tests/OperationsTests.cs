using System.Security.Cryptography;
using RawkodeAutomation.YouTube.Operations;
using RawkodeAutomation.YouTube.Sandbox;

namespace RawkodeAutomation.YouTube.Tests;

/// <summary>The idempotent operations against the sandbox: what they do, what they cost, and that a repeat changes nothing.</summary>
public sealed class OperationsTests
{
    private static BroadcastSpec Spec(string? knownId = null, string title = "Klustered #7: Guy Templeton", string description = "Guy breaks CoreDNS.",
        string visibility = "public", string? playlist = "PLklustered", DateTimeOffset? start = null, string[]? tags = null) => new(
        EpisodeId: "klustered/2026-06-01-guy-templeton",
        Title: title,
        Description: description,
        ScheduledStart: start ?? new DateTimeOffset(2026, 6, 1, 17, 0, 0, TimeSpan.Zero),
        ScheduledEnd: null,
        Visibility: visibility,
        CategoryId: "28",
        Tags: tags ?? ["kubernetes", "coredns"],
        StreamKey: "klustered",
        PlaylistId: playlist,
        KnownVideoId: knownId)
        {
            // As the pipeline does: an id derived from the episode's workflow, written on the broadcast at insert.
            CreateIntent = "0123456789abcdef",
        };

    [Fact]
    public async Task EnsureBroadcast_MarkerWriteFailsAfterInsert_RetryAdoptsTheSameBroadcast()
    {
        await using var h = await SandboxHarness.StartAsync();
        var operations = new YouTubeOperations(h.Client);
        // The insert succeeds, then the videos.update that writes our marker tag fails: the first attempt dies
        // between the two calls, as an activity would on a 503.
        h.Sandbox.InjectFault(new SandboxFault(SandboxFaultKind.ServerError, "videos.update", Times: 1));

        await Assert.ThrowsAsync<YouTubeApiException>(() => operations.EnsureBroadcastAsync(Spec()));
        var retry = await operations.EnsureBroadcastAsync(Spec());

        Assert.False(retry.Created);
        var video = Assert.Single(h.Sandbox.Videos);
        Assert.Equal(retry.VideoId, video.Id);
        Assert.Contains("rawkode-episode:klustered/2026-06-01-guy-templeton", video.Tags!);
        Assert.Equal(retry.StreamId, video.BoundStreamId);
    }

    [Fact]
    public async Task EnsureBroadcast_FirstBroadcastsOfAShowConcurrently_CreateOneStream()
    {
        await using var h = await SandboxHarness.StartAsync();
        var operations = new YouTubeOperations(h.Client);

        var results = await Task.WhenAll(Enumerable.Range(1, 5).Select(i => operations.EnsureBroadcastAsync(Spec() with
        {
            EpisodeId = $"klustered/2026-06-0{i}-episode-{i}",
            Title = $"Klustered #{i}",
            ScheduledStart = new DateTimeOffset(2026, 6, i, 17, 0, 0, TimeSpan.Zero),
            // Each episode's own intent, as the pipeline derives it from the episode's workflow: with one intent shared by
            // all five, a create could adopt another's half-made broadcast (inserted, not yet marked) as its own.
            CreateIntent = $"{i:x16}",
        })));

        var stream = Assert.Single(h.Sandbox.Streams);
        Assert.All(results, r => Assert.Equal(stream.Id, r.StreamId));
        Assert.Equal(5, h.Sandbox.Videos.Count);
    }

    [Fact]
    public async Task EnsureBroadcast_CreatorsOwnBroadcastWithSameTitleAndStart_IsNeverTouched()
    {
        await using var h = await SandboxHarness.StartAsync();
        var operations = new YouTubeOperations(h.Client);
        // The creator scheduled a broadcast by hand with exactly the episode's title and start (no marker, no intent).
        var spec = Spec();
        var theirs = await h.Client.InsertBroadcastAsync(new YouTube.Api.LiveBroadcast
        {
            Snippet = new YouTube.Api.LiveBroadcastSnippet { Title = spec.Title, Description = "My own stream.", ScheduledStartTimeRaw = "2026-06-01T17:00:00Z" },
            Status = new YouTube.Api.LiveBroadcastStatus { PrivacyStatus = "unlisted" },
        }, "id,snippet,status");

        var result = await operations.EnsureBroadcastAsync(spec);

        Assert.True(result.Created);
        Assert.NotEqual(theirs.Id, result.VideoId);
        var untouched = h.Sandbox.FindVideo(theirs.Id!)!;
        Assert.Equal("My own stream.", untouched.Description);
        Assert.Equal("unlisted", untouched.PrivacyStatus);
        Assert.Null(untouched.BoundStreamId);
        Assert.DoesNotContain(untouched.Tags ?? [], t => t.StartsWith("rawkode-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EnsureBroadcast_HalfMadeInsertOfAnotherCreate_IsNotAdopted()
    {
        await using var h = await SandboxHarness.StartAsync();
        var operations = new YouTubeOperations(h.Client);
        h.Sandbox.InjectFault(new SandboxFault(SandboxFaultKind.ServerError, "videos.update", Times: 1));
        await Assert.ThrowsAsync<YouTubeApiException>(() => operations.EnsureBroadcastAsync(Spec() with { CreateIntent = "fedcba9876543210" }));

        var result = await operations.EnsureBroadcastAsync(Spec());

        Assert.True(result.Created);
        Assert.Equal(2, h.Sandbox.Videos.Count);
    }

    [Fact]
    public async Task EnsureBroadcast_HalfMadeInsertThenSpecChanged_AdoptsItByIntentAndRewritesIt()
    {
        await using var h = await SandboxHarness.StartAsync();
        var operations = new YouTubeOperations(h.Client);
        h.Sandbox.InjectFault(new SandboxFault(SandboxFaultKind.ServerError, "videos.update", Times: 1));
        await Assert.ThrowsAsync<YouTubeApiException>(() => operations.EnsureBroadcastAsync(Spec()));
        Assert.EndsWith("\n\nrawkode-intent:0123456789abcdef", Assert.Single(h.Sandbox.Videos).Description);

        var retry = await operations.EnsureBroadcastAsync(Spec(title: "Klustered #7: Guy Templeton (moved)", start: new DateTimeOffset(2026, 6, 2, 17, 0, 0, TimeSpan.Zero)));

        Assert.False(retry.Created);
        var video = Assert.Single(h.Sandbox.Videos);
        Assert.Equal("Klustered #7: Guy Templeton (moved)", video.Title);
        Assert.Equal("Guy breaks CoreDNS.", video.Description);
    }

    [Fact]
    public async Task EnsureBroadcast_New_CreatesBindsTagsAndAddsToPlaylistThenRepeatIsFree()
    {
        await using var h = await SandboxHarness.StartAsync();
        var operations = new YouTubeOperations(h.Client);

        var first = await operations.EnsureBroadcastAsync(Spec());
        var second = await operations.EnsureBroadcastAsync(Spec(knownId: first.VideoId));

        Assert.True(first.Created);
        // stream list 1 + stream insert 50 + marker search 1 + insert 50 + video read 1 + tags/category 50 + bind 50 + playlist 50.
        Assert.Equal(253, first.UnitsSpent);
        var video = h.Sandbox.FindVideo(first.VideoId)!;
        Assert.Equal("Klustered #7: Guy Templeton", video.Title);
        Assert.Equal("28", video.CategoryId);
        Assert.Equal(["kubernetes", "coredns", "rawkode-episode:klustered/2026-06-01-guy-templeton"], video.Tags!);
        Assert.Equal(first.StreamId, video.BoundStreamId);
        Assert.Equal("ready", video.LifeCycleStatus);
        Assert.Equal(first.VideoId, Assert.Single(h.Sandbox.PlaylistItems).VideoId);

        Assert.False(second.Created);
        Assert.Empty(second.Actions);
        Assert.Equal(3, second.UnitsSpent); // broadcast read, video read, playlist check
        Assert.Equal(first.UnitsSpent + second.UnitsSpent, h.Sandbox.UnitsSpent);
        Assert.Equal(h.Sandbox.UnitsSpent, h.Ledger.SpentToday);
    }

    [Fact]
    public async Task EnsureBroadcast_LostStoredIdInNewProcess_FindsByMarkerAndStreamByKey()
    {
        await using var h = await SandboxHarness.StartAsync();
        var created = await new YouTubeOperations(h.Client).EnsureBroadcastAsync(Spec());

        var again = await new YouTubeOperations(h.Client).EnsureBroadcastAsync(Spec());

        Assert.Equal(created.VideoId, again.VideoId);
        Assert.Equal(created.StreamId, again.StreamId);
        Assert.False(again.Created);
        Assert.Contains(again.Actions, a => a.Contains("found broadcast", StringComparison.Ordinal));
        Assert.Single(h.Sandbox.Streams);
        Assert.Single(h.Sandbox.Videos);
        // stream by key 1 + broadcasts page 1 + their videos 1 + playlist check 1.
        Assert.Equal(4, again.UnitsSpent);
    }

    [Fact]
    public async Task EnsureBroadcast_TitleChanged_UpdatesOnlyTheVideoSnippetFor50()
    {
        await using var h = await SandboxHarness.StartAsync();
        var operations = new YouTubeOperations(h.Client);
        var created = await operations.EnsureBroadcastAsync(Spec());

        var renamed = await operations.EnsureBroadcastAsync(Spec(knownId: created.VideoId, title: "Klustered #7: Guy Templeton (rematch)"));

        Assert.Equal(3 + 50, renamed.UnitsSpent);
        Assert.Equal("Klustered #7: Guy Templeton (rematch)", h.Sandbox.FindVideo(created.VideoId)!.Title);
        Assert.Contains("rawkode-episode:klustered/2026-06-01-guy-templeton", h.Sandbox.FindVideo(created.VideoId)!.Tags!);
    }

    [Fact]
    public async Task EnsureBroadcast_RescheduledAndPrivate_OneBroadcastUpdate()
    {
        await using var h = await SandboxHarness.StartAsync();
        var operations = new YouTubeOperations(h.Client);
        var created = await operations.EnsureBroadcastAsync(Spec());
        var later = new DateTimeOffset(2026, 6, 8, 17, 0, 0, TimeSpan.Zero);

        var moved = await operations.EnsureBroadcastAsync(Spec(knownId: created.VideoId, start: later, visibility: "unlisted", description: "New blurb"));

        Assert.Equal(3 + 50, moved.UnitsSpent);
        var video = h.Sandbox.FindVideo(created.VideoId)!;
        Assert.Equal(later, video.ScheduledStart);
        Assert.Equal("unlisted", video.PrivacyStatus);
        Assert.Equal("New blurb", video.Description);
        Assert.Equal("28", video.CategoryId);
    }

    [Fact]
    public async Task EnsureBroadcast_TagsChangedAndRescheduled_BroadcastAndVideoUpdates()
    {
        await using var h = await SandboxHarness.StartAsync();
        var operations = new YouTubeOperations(h.Client);
        var created = await operations.EnsureBroadcastAsync(Spec());

        var result = await operations.EnsureBroadcastAsync(Spec(knownId: created.VideoId, start: new DateTimeOffset(2026, 6, 2, 17, 0, 0, TimeSpan.Zero), tags: ["cilium"]));

        Assert.Equal(3 + 50 + 50, result.UnitsSpent);
        Assert.Equal(["cilium", "rawkode-episode:klustered/2026-06-01-guy-templeton"], h.Sandbox.FindVideo(created.VideoId)!.Tags!);
    }

    /// <summary>As the pipeline reads back a video's image: a plain GET of the URL videos.list gives (no credentials, no quota).</summary>
    private static Func<Uri, CancellationToken, Task<bool>> ServedEquals(byte[] image) => async (url, token) =>
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(url, token);
        // The sandbox serves the bytes it was sent; YouTube re-encodes them, which the pipeline's comparison allows for.
        return response.IsSuccessStatusCode && (await response.Content.ReadAsByteArrayAsync(token)).AsSpan().SequenceEqual(image);
    };

    [Fact]
    public async Task EnsureThumbnail_UploadedThenMarkerWriteFailed_RetryReadsBackAndDoesNotUploadAgain()
    {
        await using var h = await SandboxHarness.StartAsync();
        var operations = new YouTubeOperations(h.Client);
        var broadcast = await operations.EnsureBroadcastAsync(Spec());
        var png = SandboxHarness.Png(7);
        var hash = Convert.ToHexStringLower(SHA256.HashData(png));
        // The upload succeeds, then the marker write fails: the attempt dies between the two calls, as on a crash.
        h.Sandbox.InjectFault(new SandboxFault(SandboxFaultKind.ServerError, "videos.update", Times: 1));
        await Assert.ThrowsAsync<YouTubeApiException>(() => operations.EnsureThumbnailAsync(new ThumbnailSpec("e", broadcast.VideoId, png, hash)));
        Assert.Equal(1, h.Sandbox.Calls("thumbnails.set"));

        var retry = await operations.EnsureThumbnailAsync(new ThumbnailSpec("e", broadcast.VideoId, png, hash) { ShowsAlready = ServedEquals(png) });
        var again = await operations.EnsureThumbnailAsync(new ThumbnailSpec("e", broadcast.VideoId, png, hash) { ShowsAlready = ServedEquals(png) });

        Assert.Equal(1, h.Sandbox.Calls("thumbnails.set"));
        Assert.Equal(1 + 50, retry.UnitsSpent);
        Assert.Contains("already on the video", Assert.Single(retry.Actions), StringComparison.Ordinal);
        Assert.Contains($"rawkode-thumbnail:{hash[..16]}", h.Sandbox.FindVideo(broadcast.VideoId)!.Tags!);
        Assert.True(again.Unchanged);
    }

    [Fact]
    public async Task EnsureThumbnail_ReadBackShowsAnotherImage_Uploads()
    {
        await using var h = await SandboxHarness.StartAsync();
        var operations = new YouTubeOperations(h.Client);
        var broadcast = await operations.EnsureBroadcastAsync(Spec());
        await operations.EnsureThumbnailAsync(new ThumbnailSpec("e", broadcast.VideoId, SandboxHarness.Png(1), "aaaa1111"));
        var png = SandboxHarness.Png(2);

        var result = await operations.EnsureThumbnailAsync(new ThumbnailSpec("e", broadcast.VideoId, png, "bbbb2222") { ShowsAlready = ServedEquals(png) });

        Assert.Equal(2, h.Sandbox.Calls("thumbnails.set"));
        Assert.Equal(101, result.UnitsSpent);
        Assert.Equal(png, h.Sandbox.FindVideo(broadcast.VideoId)!.Thumbnail);
    }

    [Fact]
    public async Task EnsureThumbnail_SameHashTwice_UploadsOnceThenCostsOneRead()
    {
        await using var h = await SandboxHarness.StartAsync();
        var operations = new YouTubeOperations(h.Client);
        var broadcast = await operations.EnsureBroadcastAsync(Spec());
        var png = SandboxHarness.Png();
        var hash = Convert.ToHexStringLower(SHA256.HashData(png));

        var first = await operations.EnsureThumbnailAsync(new ThumbnailSpec("klustered/2026-06-01-guy-templeton", broadcast.VideoId, png, hash));
        var second = await operations.EnsureThumbnailAsync(new ThumbnailSpec("klustered/2026-06-01-guy-templeton", broadcast.VideoId, png, hash));
        var title = await operations.EnsureBroadcastAsync(Spec(knownId: broadcast.VideoId, title: "New title"));
        var third = await operations.EnsureThumbnailAsync(new ThumbnailSpec("klustered/2026-06-01-guy-templeton", broadcast.VideoId, png, hash));

        Assert.Equal(101, first.UnitsSpent);
        Assert.Single(first.Actions);
        Assert.True(second.Unchanged);
        Assert.Equal(1, second.UnitsSpent);
        // A later broadcast update keeps the thumbnail marker, so the thumbnail stays skipped.
        Assert.Contains($"rawkode-thumbnail:{hash[..16]}", h.Sandbox.FindVideo(broadcast.VideoId)!.Tags!);
        Assert.Equal(53, title.UnitsSpent);
        Assert.True(third.Unchanged);
        Assert.Equal(1, h.Sandbox.Calls("thumbnails.set"));
        Assert.Equal(png, h.Sandbox.FindVideo(broadcast.VideoId)!.Thumbnail);
    }

    [Fact]
    public async Task EnsureThumbnail_NewHash_UploadsAgain()
    {
        await using var h = await SandboxHarness.StartAsync();
        var operations = new YouTubeOperations(h.Client);
        var id = h.Sandbox.AddPublishedVideo("V", "D");
        await operations.EnsureThumbnailAsync(new ThumbnailSpec("e", id, SandboxHarness.Png(1), "aaaa1111"));

        var changed = await operations.EnsureThumbnailAsync(new ThumbnailSpec("e", id, SandboxHarness.Jpeg(), "bbbb2222"));

        Assert.Equal(101, changed.UnitsSpent);
        Assert.Equal(SandboxHarness.Jpeg(), h.Sandbox.FindVideo(id)!.Thumbnail);
        Assert.Equal(["rawkode-thumbnail:bbbb2222"], h.Sandbox.FindVideo(id)!.Tags!);
    }

    [Fact]
    public async Task EnsureBroadcastDeleted_UpcomingThenGone_DeletesOnceThenNothing()
    {
        await using var h = await SandboxHarness.StartAsync();
        var operations = new YouTubeOperations(h.Client);
        var created = await operations.EnsureBroadcastAsync(Spec(playlist: null));

        var deleted = await operations.EnsureBroadcastDeletedAsync("klustered/2026-06-01-guy-templeton", created.VideoId);
        var again = await operations.EnsureBroadcastDeletedAsync("klustered/2026-06-01-guy-templeton", created.VideoId);

        Assert.Equal(51, deleted.UnitsSpent);
        Assert.Null(h.Sandbox.FindVideo(created.VideoId));
        Assert.True(again.Unchanged);
        Assert.Equal(1, again.UnitsSpent);
    }

    [Fact]
    public async Task Operations_AfterTransientFailure_RetryCompletesWithoutDuplicates()
    {
        await using var h = await SandboxHarness.StartAsync();
        var operations = new YouTubeOperations(h.Client);
        h.Sandbox.InjectFault(new Sandbox.SandboxFault(Sandbox.SandboxFaultKind.ServerError, "liveBroadcasts.bind"));

        var error = await Assert.ThrowsAsync<YouTubeApiException>(() => operations.EnsureBroadcastAsync(Spec()));
        var retried = await operations.EnsureBroadcastAsync(Spec());

        Assert.True(error.IsRetryable);
        Assert.Single(h.Sandbox.Videos);
        Assert.Equal(retried.StreamId, h.Sandbox.FindVideo(retried.VideoId)!.BoundStreamId);
        Assert.Single(h.Sandbox.PlaylistItems);
    }
}

/// <summary>Episodes whose video is past: adopted uploads and completed broadcasts.</summary>
public sealed class PastEpisodeOperationsTests
{
    private static BroadcastSpec Spec(string? knownId, string title, DateTimeOffset start) => new(
        "klustered/2021-05-20-klustered-4", title, "Guy breaks CoreDNS.", start, null, "public", "28", ["coredns"], "klustered", "PLklustered", knownId);

    [Fact]
    public async Task EnsureBroadcast_AdoptedPlainVideo_UpdatesVideoWithoutCreatingOrBinding()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = h.Sandbox.AddPublishedVideo("Klustered 4 (old title)", "Old text", privacyStatus: "unlisted");
        var operations = new YouTubeOperations(h.Client);

        var result = await operations.EnsureBroadcastAsync(Spec(id, "Klustered #4: Guy Templeton", new DateTimeOffset(2021, 5, 20, 17, 0, 0, TimeSpan.Zero)));
        var again = await operations.EnsureBroadcastAsync(Spec(id, "Klustered #4: Guy Templeton", new DateTimeOffset(2021, 5, 20, 17, 0, 0, TimeSpan.Zero)));

        Assert.False(result.Created);
        Assert.Null(result.StreamId);
        Assert.True(result.IsLiveOrComplete);
        // broadcast lookup 1 + video read 1 + videos.update (snippet+status) 50 + playlist check 1 + insert 50.
        Assert.Equal(103, result.UnitsSpent);
        var video = h.Sandbox.FindVideo(id)!;
        Assert.Equal("Klustered #4: Guy Templeton", video.Title);
        Assert.Equal("public", video.PrivacyStatus);
        Assert.Equal(["coredns", "rawkode-episode:klustered/2021-05-20-klustered-4"], video.Tags!);
        Assert.Single(h.Sandbox.Videos);
        Assert.Empty(h.Sandbox.Streams);
        Assert.Empty(again.Actions);
        Assert.Equal(3, again.UnitsSpent);
    }

    [Fact]
    public async Task EnsureBroadcast_CompletedBroadcastWithDifferentSchedule_KeepsScheduleAndStream()
    {
        await using var h = await SandboxHarness.StartAsync();
        var operations = new YouTubeOperations(h.Client);
        var start = new DateTimeOffset(2026, 6, 1, 17, 0, 0, TimeSpan.Zero);
        var created = await operations.EnsureBroadcastAsync(Spec(null, "Klustered #4", start));
        foreach (var status in new[] { "testing", "live", "complete" }) { await h.Client.TransitionBroadcastAsync(created.VideoId, status, "status"); }

        var result = await operations.EnsureBroadcastAsync(Spec(created.VideoId, "Klustered #4: the rematch", start.AddDays(1)));

        Assert.True(result.IsLiveOrComplete);
        Assert.Contains("kept the schedule: the broadcast is complete", result.Actions);
        var video = h.Sandbox.FindVideo(created.VideoId)!;
        Assert.Equal(start, video.ScheduledStart);
        Assert.Equal("Klustered #4: the rematch", video.Title);
        Assert.Equal(3 + 50, result.UnitsSpent);
    }
}

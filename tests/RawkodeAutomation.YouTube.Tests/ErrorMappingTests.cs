using System.Diagnostics;
using System.Net;
using RawkodeAutomation.Episodes.Quota;
using RawkodeAutomation.YouTube.Api;
using RawkodeAutomation.YouTube.Quota;
using RawkodeAutomation.YouTube.Sandbox;

namespace RawkodeAutomation.YouTube.Tests;

/// <summary>Every error mapping, produced by the sandbox and seen through the real client.</summary>
public sealed class ErrorMappingTests
{
    [Fact]
    public async Task Call_DailyQuotaSpent_ThrowsQuotaExceededRetryableAtPacificMidnightAndSucceedsAfterReset()
    {
        await using var h = await SandboxHarness.StartAsync(dailyQuota: 60);
        var id = h.Sandbox.AddPublishedVideo("V", "D");
        var video = (await h.Client.ListVideosAsync([id], "snippet")).Single();
        await h.Client.UpdateVideoAsync(new Video { Id = id, Snippet = video.Snippet }, "snippet");

        var error = await Assert.ThrowsAsync<YouTubeApiException>(() => h.Client.UpdateVideoAsync(new Video { Id = id, Snippet = video.Snippet }, "snippet"));

        Assert.Equal(YouTubeErrorKind.QuotaExceeded, error.Kind);
        Assert.True(error.IsRetryable);
        Assert.Equal("quotaExceeded", error.Reason);
        // 2026-05-06 is in PDT (UTC-7): the next Pacific midnight is 07:00 UTC on the 7th.
        Assert.Equal(new DateTimeOffset(2026, 5, 7, 7, 0, 0, TimeSpan.Zero), error.RetryAt);
        Assert.Contains("midnight Pacific", error.Message, StringComparison.Ordinal);
        Assert.Equal(51, h.Sandbox.QuotaUsedToday);

        h.Clock.Set(error.RetryAt!.Value.AddSeconds(1));
        await h.Client.UpdateVideoAsync(new Video { Id = id, Snippet = video.Snippet }, "snippet");
        Assert.Equal(50, h.Sandbox.QuotaUsedToday);
    }

    [Fact]
    public async Task Call_InjectedQuotaExceeded_ThrowsQuotaExceeded()
    {
        await using var h = await SandboxHarness.StartAsync();
        h.Sandbox.InjectFault(new SandboxFault(SandboxFaultKind.QuotaExceeded, "videos.list"));

        var error = await Assert.ThrowsAsync<YouTubeApiException>(() => h.Client.ListVideosAsync(["x"], "id"));

        Assert.Equal(YouTubeErrorKind.QuotaExceeded, error.Kind);
        Assert.Empty(await h.Client.ListVideosAsync(["x"], "id"));
    }

    [Fact]
    public async Task Call_RateLimited_ThrowsRateLimitedRetryableWithBackoff()
    {
        await using var h = await SandboxHarness.StartAsync();
        h.Sandbox.InjectFault(new SandboxFault(SandboxFaultKind.RateLimit));

        var error = await Assert.ThrowsAsync<YouTubeApiException>(() => h.Client.ListMyStreamsAsync("id", null));

        Assert.Equal(YouTubeErrorKind.RateLimited, error.Kind);
        Assert.Equal((HttpStatusCode)429, error.StatusCode);
        Assert.True(error.IsRetryable);
        Assert.NotNull(error.RetryAfter);
        Assert.Equal("liveStreams.list", error.Method);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    public async Task Call_ServerError_ThrowsTransientRetryableAndIsChargedInBothLedgers(int status)
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = h.Sandbox.AddPublishedVideo("V", "D");
        h.Sandbox.InjectFault(new SandboxFault(SandboxFaultKind.ServerError, "playlistItems.insert", StatusCode: status));

        var error = await Assert.ThrowsAsync<YouTubeApiException>(() => h.Client.InsertPlaylistItemAsync("PLx", id));

        Assert.Equal(YouTubeErrorKind.Transient, error.Kind);
        Assert.True(error.IsRetryable);
        Assert.Equal((HttpStatusCode)status, error.StatusCode);
        // The library's own 503 retry is off: exactly one attempt, charged once, on both sides.
        Assert.Equal(1, h.Sandbox.Calls("playlistItems.insert"));
        Assert.Equal(50, h.Sandbox.UnitsSpent);
        var entry = Assert.Single(h.Ledger.Entries);
        Assert.False(entry.Succeeded);
        Assert.Equal(50, entry.Units);
    }

    [Fact]
    public async Task Upload_ServerError_ThrowsTransientRetryable()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = h.Sandbox.AddPublishedVideo("V", "D");
        h.Sandbox.InjectFault(new SandboxFault(SandboxFaultKind.ServerError, "thumbnails.set"));

        var error = await Assert.ThrowsAsync<YouTubeApiException>(() => h.Client.SetThumbnailAsync(id, SandboxHarness.Png(), "image/png"));

        Assert.Equal(YouTubeErrorKind.Transient, error.Kind);
        Assert.True(error.IsRetryable);
    }

    [Fact]
    public async Task Call_FractionOfCallsFaulted_SomeFailAndTheRestSucceed()
    {
        await using var h = await SandboxHarness.StartAsync();
        h.Sandbox.InjectFault(new SandboxFault(SandboxFaultKind.ServerError, "videos.list", Times: null, Fraction: 0.5));
        var failures = 0;

        for (var i = 0; i < 20; i++)
        {
            try { await h.Client.ListVideosAsync(["x"], "id"); }
            catch (YouTubeApiException e) when (e.Kind == YouTubeErrorKind.Transient) { failures++; }
        }

        Assert.InRange(failures, 1, 19);
        Assert.Equal(20, h.Sandbox.Calls("videos.list"));
    }

    [Fact]
    public async Task Call_InjectedLatency_StillSucceedsAfterTheDelay()
    {
        await using var h = await SandboxHarness.StartAsync();
        h.Sandbox.InjectFault(new SandboxFault(SandboxFaultKind.Latency, Latency: TimeSpan.FromMilliseconds(300)));
        var watch = Stopwatch.StartNew();

        var videos = await h.Client.ListVideosAsync(["x"], "id");

        Assert.Empty(videos);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(290), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task UpdateVideo_DescriptionOver5000Bytes_ThrowsInvalidNamingTheField()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = h.Sandbox.AddPublishedVideo("V", "D");
        var video = (await h.Client.ListVideosAsync([id], "snippet")).Single();
        video.Snippet!.Description = string.Concat(Enumerable.Repeat("🚀", 1251)); // 5,004 bytes

        var error = await Assert.ThrowsAsync<YouTubeApiException>(() => h.Client.UpdateVideoAsync(new Video { Id = id, Snippet = video.Snippet }, "snippet"));

        Assert.Equal(YouTubeErrorKind.Invalid, error.Kind);
        Assert.False(error.IsRetryable);
        Assert.Equal("invalidDescription", error.Reason);
        Assert.Equal("snippet.description", error.Location);
        Assert.Contains("snippet.description", error.Message, StringComparison.Ordinal);
        Assert.Contains(id, error.Message, StringComparison.Ordinal);
        Assert.Equal("D", h.Sandbox.FindVideo(id)!.Description);
    }

    [Theory]
    [InlineData("A <b>bold</b> title", "invalidTitle")]
    [InlineData("", "invalidTitle")]
    public async Task InsertBroadcast_IllegalTitle_ThrowsInvalid(string title, string reason)
    {
        await using var h = await SandboxHarness.StartAsync();

        var error = await Assert.ThrowsAsync<YouTubeApiException>(() => h.Client.InsertBroadcastAsync(new LiveBroadcast
        {
            Snippet = new LiveBroadcastSnippet { Title = title, ScheduledStartTimeRaw = "2026-06-01T17:00:00Z" },
            Status = new LiveBroadcastStatus { PrivacyStatus = "public" },
        }, "id"));

        Assert.Equal(YouTubeErrorKind.Invalid, error.Kind);
        Assert.Equal(reason, error.Reason);
        Assert.Equal("snippet.title", error.Location);
    }

    [Fact]
    public async Task UpdateVideo_MissingCategory_ThrowsInvalidCategoryId()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = h.Sandbox.AddPublishedVideo("V", "D");

        var error = await Assert.ThrowsAsync<YouTubeApiException>(() =>
            h.Client.UpdateVideoAsync(new Video { Id = id, Snippet = new VideoSnippet { Title = "V", Description = "D" } }, "snippet"));

        Assert.Equal("invalidCategoryId", error.Reason);
        Assert.Equal("snippet.categoryId", error.Location);
    }

    [Fact]
    public async Task SetThumbnail_WebP_ThrowsInvalidImage()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = h.Sandbox.AddPublishedVideo("V", "D");

        var error = await Assert.ThrowsAsync<YouTubeApiException>(() => h.Client.SetThumbnailAsync(id, SandboxHarness.WebP(), "image/webp"));

        Assert.Equal(YouTubeErrorKind.Invalid, error.Kind);
        Assert.Equal("invalidImage", error.Reason);
        Assert.Null(h.Sandbox.FindVideo(id)!.Thumbnail);
    }

    [Fact]
    public async Task SetThumbnail_Over2MB_ThrowsNonRetryable()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = h.Sandbox.AddPublishedVideo("V", "D");
        var big = new byte[(2 * 1024 * 1024) + 1];
        SandboxHarness.Png().CopyTo(big, 0);

        var error = await Assert.ThrowsAsync<YouTubeApiException>(() => h.Client.SetThumbnailAsync(id, big, "image/png"));

        Assert.Equal((HttpStatusCode)413, error.StatusCode);
        Assert.Equal("mediaBodyTooLarge", error.Reason);
        Assert.False(error.IsRetryable);
    }

    [Fact]
    public async Task UpdateVideo_UnknownId_ThrowsNotFoundNamingTheId()
    {
        await using var h = await SandboxHarness.StartAsync();

        var error = await Assert.ThrowsAsync<YouTubeApiException>(() =>
            h.Client.UpdateVideoAsync(new Video { Id = "nope1234567", Snippet = new VideoSnippet { Title = "T", CategoryId = "28" } }, "snippet"));

        Assert.Equal(YouTubeErrorKind.NotFound, error.Kind);
        Assert.False(error.IsRetryable);
        Assert.Equal("videoNotFound", error.Reason);
        Assert.Contains("nope1234567", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bind_UnknownStream_ThrowsNotFoundNamingStreamId()
    {
        await using var h = await SandboxHarness.StartAsync();
        var broadcast = await h.Client.InsertBroadcastAsync(new LiveBroadcast
        {
            Snippet = new LiveBroadcastSnippet { Title = "T", ScheduledStartTimeRaw = "2026-06-01T17:00:00Z" },
            Status = new LiveBroadcastStatus { PrivacyStatus = "private" },
        }, "id");

        var error = await Assert.ThrowsAsync<YouTubeApiException>(() => h.Client.BindBroadcastAsync(broadcast.Id!, "noSuchStream", "id"));

        Assert.Equal(YouTubeErrorKind.NotFound, error.Kind);
        Assert.Equal("liveStreamNotFound", error.Reason);
        Assert.Equal("streamId", error.Location);
    }

    [Fact]
    public async Task Transition_UnboundBroadcastToLive_ThrowsForbiddenNonRetryable()
    {
        await using var h = await SandboxHarness.StartAsync();
        var broadcast = await h.Client.InsertBroadcastAsync(new LiveBroadcast
        {
            Snippet = new LiveBroadcastSnippet { Title = "T", ScheduledStartTimeRaw = "2026-06-01T17:00:00Z" },
            Status = new LiveBroadcastStatus { PrivacyStatus = "private" },
        }, "id");

        var error = await Assert.ThrowsAsync<YouTubeApiException>(() => h.Client.TransitionBroadcastAsync(broadcast.Id!, "live", "status"));

        Assert.Equal(YouTubeErrorKind.Forbidden, error.Kind);
        Assert.Equal("invalidTransition", error.Reason);
        Assert.False(error.IsRetryable);
    }

    [Fact]
    public async Task InsertPlaylistItem_UnknownPlaylist_ThrowsNotFound()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = h.Sandbox.AddPublishedVideo("V", "D");

        var error = await Assert.ThrowsAsync<YouTubeApiException>(() => h.Client.InsertPlaylistItemAsync("notAPlaylist", id));

        Assert.Equal("playlistNotFound", error.Reason);
        Assert.Equal(YouTubeErrorKind.NotFound, error.Kind);
    }

    [Fact]
    public async Task UpdateVideo_StaleETag_ThrowsConflictRetryable()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = h.Sandbox.AddPublishedVideo("V", "D");
        var read = (await h.Client.ListVideosAsync([id], "snippet")).Single();
        await h.Client.UpdateVideoAsync(new Video { Id = id, ETag = read.ETag, Snippet = read.Snippet }, "snippet");

        var error = await Assert.ThrowsAsync<YouTubeApiException>(() => h.Client.UpdateVideoAsync(new Video { Id = id, ETag = read.ETag, Snippet = read.Snippet }, "snippet"));

        Assert.Equal(YouTubeErrorKind.Conflict, error.Kind);
        Assert.Equal(HttpStatusCode.PreconditionFailed, error.StatusCode);
        Assert.True(error.IsRetryable);
    }

    [Fact]
    public async Task Call_RefreshTokenRefused_ThrowsUnauthorizedNonRetryableAndChargesNothing()
    {
        await using var h = await SandboxHarness.StartAsync(refreshToken: "revoked-token");

        var error = await Assert.ThrowsAsync<YouTubeApiException>(() => h.Client.ListVideosAsync(["x"], "id"));

        Assert.Equal(YouTubeErrorKind.Unauthorized, error.Kind);
        Assert.False(error.IsRetryable);
        Assert.Equal("invalid_grant", error.Reason);
        Assert.Contains("YouTube:RefreshToken", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Sandbox.UnitsSpent);
        Assert.Empty(h.Ledger.Entries);
    }

    [Fact]
    public void Map_NetworkFailure_IsTransient()
    {
        var mapped = YouTubeErrorMapper.Map(new HttpRequestException("connection refused"), "videos.list", "abc", DateTimeOffset.UnixEpoch);

        Assert.NotNull(mapped);
        Assert.Equal(YouTubeErrorKind.Transient, mapped.Kind);
        Assert.True(mapped.IsRetryable);
        Assert.Null(YouTubeErrorMapper.Map(new InvalidOperationException("bug"), "videos.list", null, DateTimeOffset.UnixEpoch));
    }

    [Theory]
    [InlineData("2026-01-15T07:59:59Z", "2026-01-15T08:00:00Z")] // PST: midnight is 08:00 UTC
    [InlineData("2026-01-15T08:00:00Z", "2026-01-16T08:00:00Z")]
    [InlineData("2026-07-04T06:59:00Z", "2026-07-04T07:00:00Z")] // PDT: midnight is 07:00 UTC
    [InlineData("2026-03-08T07:30:00Z", "2026-03-08T08:00:00Z")] // the evening before DST starts
    [InlineData("2026-03-08T12:00:00Z", "2026-03-09T07:00:00Z")] // the day DST starts
    [InlineData("2026-10-31T23:00:00Z", "2026-11-01T07:00:00Z")] // the day before DST ends
    public void NextMidnight_AcrossZonesAndDst_IsPacificMidnight(string now, string expected)
    {
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture),
            PacificDay.NextReset(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture)));
    }
}

/// <summary>Mappings that need a fault the sandbox injects on purpose.</summary>
public sealed class InjectedErrorMappingTests
{
    [Fact]
    public async Task Call_403RateLimitExceeded_ThrowsRateLimitedRetryable()
    {
        await using var h = await SandboxHarness.StartAsync();
        h.Sandbox.InjectFault(new SandboxFault(SandboxFaultKind.RateLimit, "videos.list", StatusCode: 403));

        var error = await Assert.ThrowsAsync<YouTubeApiException>(() => h.Client.ListVideosAsync(["x"], "id"));

        Assert.Equal(YouTubeErrorKind.RateLimited, error.Kind);
        Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);
        Assert.True(error.IsRetryable);
    }

    [Fact]
    public async Task Call_ApiKeepsAnswering401_ThrowsUnauthorizedNonRetryableAfterRefreshing()
    {
        await using var h = await SandboxHarness.StartAsync();
        await h.Client.ListVideosAsync(["x"], "id");
        h.Sandbox.InjectFault(new SandboxFault(SandboxFaultKind.Unauthorized, "videos.list", Times: null));

        var error = await Assert.ThrowsAsync<YouTubeApiException>(() => h.Client.ListVideosAsync(["x"], "id"));

        Assert.Equal(YouTubeErrorKind.Unauthorized, error.Kind);
        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.False(error.IsRetryable);
        // The credential refreshes and retries (the library allows a few tries) before the 401 surfaces.
        Assert.InRange(h.Sandbox.TokensIssued, 2, 4);
    }
}

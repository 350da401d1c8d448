using System.Collections.Concurrent;
using System.Net;
using RawkodeAutomation.Worker.Activities;
using RawkodeAutomation.YouTube;
using RawkodeAutomation.YouTube.Api;
using RawkodeAutomation.YouTube.Quota;

namespace RawkodeAutomation.Pipeline.Tests.Workflows;

public class RetryingYouTubeClientTests
{
    private static readonly YouTubeRetryOptions Quick = new() { Attempts = 3, ServerErrorDelay = TimeSpan.FromMilliseconds(1), RateLimitDelay = TimeSpan.FromMilliseconds(1) };

    private static YouTubeApiException Error(YouTubeErrorKind kind, string method, int status) =>
        new($"YouTube {method}: {kind}", kind, method, (HttpStatusCode)status, null, null, null, null, null, null);

    [Fact]
    public async Task ListMyBroadcasts_TwoServerErrors_ThirdTrySucceedsAndRepeatsAreCounted()
    {
        var inner = new ScriptedYouTubeClient();
        inner.Fail("liveBroadcasts.list", Error(YouTubeErrorKind.Transient, "liveBroadcasts.list", 503), Error(YouTubeErrorKind.Transient, "liveBroadcasts.list", 503));
        var client = new RetryingYouTubeClient(inner, Quick);
        var repeats = YouTubeCallRetries.Track();

        var page = await client.ListMyBroadcastsAsync("id", null, null);

        Assert.NotNull(page);
        Assert.Equal(3, inner.Calls("liveBroadcasts.list"));
        Assert.Equal(2, repeats.ExtraUnits);
    }

    [Fact]
    public async Task InsertBroadcast_ServerError_NotRepeatedBecauseItMayHaveHappened()
    {
        var inner = new ScriptedYouTubeClient();
        inner.Fail("liveBroadcasts.insert", Error(YouTubeErrorKind.Transient, "liveBroadcasts.insert", 503));
        var client = new RetryingYouTubeClient(inner, Quick);

        var error = await Assert.ThrowsAsync<YouTubeApiException>(() => client.InsertBroadcastAsync(new LiveBroadcast(), "snippet"));

        Assert.Equal(YouTubeErrorKind.Transient, error.Kind);
        Assert.Equal(1, inner.Calls("liveBroadcasts.insert"));
    }

    [Fact]
    public async Task InsertBroadcast_RateLimited_RepeatedBecauseYouTubeRefusedIt()
    {
        var inner = new ScriptedYouTubeClient();
        inner.Fail("liveBroadcasts.insert", Error(YouTubeErrorKind.RateLimited, "liveBroadcasts.insert", 429));
        var client = new RetryingYouTubeClient(inner, Quick);
        var repeats = YouTubeCallRetries.Track();

        await client.InsertBroadcastAsync(new LiveBroadcast(), "snippet");

        Assert.Equal(2, inner.Calls("liveBroadcasts.insert"));
        Assert.Equal(50, repeats.ExtraUnits);
    }

    [Fact]
    public async Task UpdateVideo_ServerErrorEveryTime_GivesUpAfterTheConfiguredTries()
    {
        var inner = new ScriptedYouTubeClient();
        inner.Fail("videos.update", Enumerable.Range(0, 5).Select(_ => Error(YouTubeErrorKind.Transient, "videos.update", 500)).ToArray());
        var client = new RetryingYouTubeClient(inner, Quick);

        await Assert.ThrowsAsync<YouTubeApiException>(() => client.UpdateVideoAsync(new Video { Id = "v1" }, "snippet"));

        Assert.Equal(3, inner.Calls("videos.update"));
    }

    [Theory]
    [InlineData(YouTubeErrorKind.QuotaExceeded, 403)]
    [InlineData(YouTubeErrorKind.Invalid, 400)]
    [InlineData(YouTubeErrorKind.NotFound, 404)]
    [InlineData(YouTubeErrorKind.Conflict, 412)]
    public async Task ListVideos_NonTransientError_NotRepeated(YouTubeErrorKind kind, int status)
    {
        var inner = new ScriptedYouTubeClient();
        inner.Fail("videos.list", Error(kind, "videos.list", status));
        var client = new RetryingYouTubeClient(inner, Quick);

        var error = await Assert.ThrowsAsync<YouTubeApiException>(() => client.ListVideosAsync(["v1"], "snippet"));

        Assert.Equal(kind, error.Kind);
        Assert.Equal(1, inner.Calls("videos.list"));
    }

    /// <summary>Answers every call with an empty success, after failing with the scripted errors of its method.</summary>
    internal sealed class ScriptedYouTubeClient : IYouTubeClient
    {
        private readonly ConcurrentDictionary<string, ConcurrentQueue<Exception>> _failures = new();
        private readonly ConcurrentDictionary<string, int> _calls = new();

        public IQuotaLedger Ledger { get; } = new InMemoryQuotaLedger(TimeProvider.System);

        public void Fail(string method, params Exception[] errors)
        {
            var queue = _failures.GetOrAdd(method, _ => new ConcurrentQueue<Exception>());
            foreach (var e in errors)
            {
                queue.Enqueue(e);
            }
        }

        public int Calls(string method) => _calls.GetValueOrDefault(method);

        private Task<T> Answer<T>(string method, T result)
        {
            _calls.AddOrUpdate(method, 1, (_, n) => n + 1);
            return _failures.TryGetValue(method, out var queue) && queue.TryDequeue(out var error) ? Task.FromException<T>(error) : Task.FromResult(result);
        }

        public Task<IReadOnlyList<LiveBroadcast>> ListBroadcastsAsync(IReadOnlyCollection<string> ids, string part, CancellationToken cancellationToken = default) =>
            Answer<IReadOnlyList<LiveBroadcast>>("liveBroadcasts.list", []);

        public Task<LiveBroadcastListResponse> ListMyBroadcastsAsync(string part, string? broadcastStatus, string? pageToken, CancellationToken cancellationToken = default) =>
            Answer("liveBroadcasts.list", new LiveBroadcastListResponse());

        public Task<LiveBroadcast> InsertBroadcastAsync(LiveBroadcast broadcast, string part, CancellationToken cancellationToken = default) =>
            Answer("liveBroadcasts.insert", broadcast);

        public Task<LiveBroadcast> UpdateBroadcastAsync(LiveBroadcast broadcast, string part, CancellationToken cancellationToken = default) =>
            Answer("liveBroadcasts.update", broadcast);

        public Task<LiveBroadcast> BindBroadcastAsync(string broadcastId, string? streamId, string part, CancellationToken cancellationToken = default) =>
            Answer("liveBroadcasts.bind", new LiveBroadcast { Id = broadcastId });

        public Task<LiveBroadcast> TransitionBroadcastAsync(string broadcastId, string broadcastStatus, string part, CancellationToken cancellationToken = default) =>
            Answer("liveBroadcasts.transition", new LiveBroadcast { Id = broadcastId });

        public Task DeleteBroadcastAsync(string broadcastId, CancellationToken cancellationToken = default) =>
            Answer("liveBroadcasts.delete", true);

        public Task DeleteStreamAsync(string streamId, CancellationToken cancellationToken = default) =>
            Answer("liveStreams.delete", true);

        public Task<LiveStreamListResponse> ListMyStreamsAsync(string part, string? pageToken, CancellationToken cancellationToken = default) =>
            Answer("liveStreams.list", new LiveStreamListResponse());

        public Task<LiveStream> InsertStreamAsync(LiveStream stream, string part, CancellationToken cancellationToken = default) =>
            Answer("liveStreams.insert", stream);

        public Task<IReadOnlyList<Video>> ListVideosAsync(IReadOnlyCollection<string> ids, string part, CancellationToken cancellationToken = default) =>
            Answer<IReadOnlyList<Video>>("videos.list", []);

        public Task<Video> UpdateVideoAsync(Video video, string part, CancellationToken cancellationToken = default) =>
            Answer("videos.update", video);

        public Task<ThumbnailSetResponse> SetThumbnailAsync(string videoId, ReadOnlyMemory<byte> image, string contentType, CancellationToken cancellationToken = default) =>
            Answer("thumbnails.set", new ThumbnailSetResponse());

        public Task<PlaylistItemListResponse> ListPlaylistItemsAsync(string playlistId, string? videoId, string? pageToken, CancellationToken cancellationToken = default) =>
            Answer("playlistItems.list", new PlaylistItemListResponse());

        public Task<YouTubeChannel?> GetMyChannelAsync(CancellationToken cancellationToken = default) =>
            Answer<YouTubeChannel?>("channels.list", null);

        public Task<PlaylistItem> InsertPlaylistItemAsync(string playlistId, string videoId, CancellationToken cancellationToken = default) =>
            Answer("playlistItems.insert", new PlaylistItem());
    }
}

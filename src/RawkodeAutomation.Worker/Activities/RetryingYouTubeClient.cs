using RawkodeAutomation.Episodes.Quota;
using RawkodeAutomation.YouTube;
using RawkodeAutomation.YouTube.Api;
using RawkodeAutomation.YouTube.Quota;

namespace RawkodeAutomation.Worker.Activities;

/// <summary>
/// Retries one YouTube call a few times, in process, when YouTube answered 5xx or rate-limited it,
/// before the failure reaches Temporal.
/// </summary>
/// <remarks>
/// Why not leave every retry to the activity's retry policy: one activity makes a chain of calls
/// (finding a new episode's broadcast pages through the whole channel: two calls per 50 broadcasts,
/// then stream, insert, videos.list, videos.update, bind), and a retried activity starts the chain
/// again. With a fifth of all calls failing and 200 broadcasts on the channel, a 13-call chain
/// succeeds in about 3% of attempts, so episodes ran out of attempts. Retrying each call keeps a
/// transient fault local. Only calls that are safe to repeat are retried on 5xx (reads and writes
/// that set a state: update, bind, thumbnails.set); an insert, delete or transition that got a 5xx
/// may have happened, so it goes back to the activity, whose retry finds what the first attempt
/// left. A 429 or rateLimitExceeded means YouTube refused the request, so every method is retried.
/// Each repeated call costs quota like any call: <see cref="YouTubeCallRetries"/> tells the activity
/// how many units its repeats spent, so the quota entity is settled with the real cost.
/// Errors: https://developers.google.com/youtube/v3/docs/errors
/// </remarks>
/// <param name="inner">The client that makes the calls.</param>
/// <param name="options">How often and how long to wait; defaults when null.</param>
/// <param name="ownsInner">Dispose <paramref name="inner"/> with this client (it was created for it).</param>
public sealed class RetryingYouTubeClient(IYouTubeClient inner, YouTubeRetryOptions? options = null, bool ownsInner = false) : IYouTubeClient, IDisposable
{
    private static readonly HashSet<string> SafeToRepeat = new(StringComparer.Ordinal)
    {
        "liveBroadcasts.list", "liveStreams.list", "videos.list", "playlistItems.list",
        "liveBroadcasts.update", "liveBroadcasts.bind", "videos.update", "thumbnails.set",
    };

    private readonly YouTubeRetryOptions _options = options ?? new YouTubeRetryOptions();

    public IQuotaLedger Ledger => inner.Ledger;

    public void Dispose()
    {
        if (ownsInner && inner is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }

    public Task<IReadOnlyList<LiveBroadcast>> ListBroadcastsAsync(IReadOnlyCollection<string> ids, string part, CancellationToken cancellationToken = default) =>
        CallAsync("liveBroadcasts.list", () => inner.ListBroadcastsAsync(ids, part, cancellationToken), cancellationToken);

    public Task<LiveBroadcastListResponse> ListMyBroadcastsAsync(string part, string? broadcastStatus, string? pageToken, CancellationToken cancellationToken = default) =>
        CallAsync("liveBroadcasts.list", () => inner.ListMyBroadcastsAsync(part, broadcastStatus, pageToken, cancellationToken), cancellationToken);

    public Task<LiveBroadcast> InsertBroadcastAsync(LiveBroadcast broadcast, string part, CancellationToken cancellationToken = default) =>
        CallAsync("liveBroadcasts.insert", () => inner.InsertBroadcastAsync(broadcast, part, cancellationToken), cancellationToken);

    public Task<LiveBroadcast> UpdateBroadcastAsync(LiveBroadcast broadcast, string part, CancellationToken cancellationToken = default) =>
        CallAsync("liveBroadcasts.update", () => inner.UpdateBroadcastAsync(broadcast, part, cancellationToken), cancellationToken);

    public Task<LiveBroadcast> BindBroadcastAsync(string broadcastId, string? streamId, string part, CancellationToken cancellationToken = default) =>
        CallAsync("liveBroadcasts.bind", () => inner.BindBroadcastAsync(broadcastId, streamId, part, cancellationToken), cancellationToken);

    public Task<LiveBroadcast> TransitionBroadcastAsync(string broadcastId, string broadcastStatus, string part, CancellationToken cancellationToken = default) =>
        CallAsync("liveBroadcasts.transition", () => inner.TransitionBroadcastAsync(broadcastId, broadcastStatus, part, cancellationToken), cancellationToken);

    public Task DeleteBroadcastAsync(string broadcastId, CancellationToken cancellationToken = default) =>
        CallAsync("liveBroadcasts.delete", async () =>
        {
            await inner.DeleteBroadcastAsync(broadcastId, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public Task<LiveStreamListResponse> ListMyStreamsAsync(string part, string? pageToken, CancellationToken cancellationToken = default) =>
        CallAsync("liveStreams.list", () => inner.ListMyStreamsAsync(part, pageToken, cancellationToken), cancellationToken);

    public Task<LiveStream> InsertStreamAsync(LiveStream stream, string part, CancellationToken cancellationToken = default) =>
        CallAsync("liveStreams.insert", () => inner.InsertStreamAsync(stream, part, cancellationToken), cancellationToken);

    public Task DeleteStreamAsync(string streamId, CancellationToken cancellationToken = default) =>
        CallAsync("liveStreams.delete", async () =>
        {
            await inner.DeleteStreamAsync(streamId, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public Task<IReadOnlyList<Video>> ListVideosAsync(IReadOnlyCollection<string> ids, string part, CancellationToken cancellationToken = default) =>
        CallAsync("videos.list", () => inner.ListVideosAsync(ids, part, cancellationToken), cancellationToken);

    public Task<Video> UpdateVideoAsync(Video video, string part, CancellationToken cancellationToken = default) =>
        CallAsync("videos.update", () => inner.UpdateVideoAsync(video, part, cancellationToken), cancellationToken);

    public Task<ThumbnailSetResponse> SetThumbnailAsync(string videoId, ReadOnlyMemory<byte> image, string contentType, CancellationToken cancellationToken = default) =>
        CallAsync("thumbnails.set", () => inner.SetThumbnailAsync(videoId, image, contentType, cancellationToken), cancellationToken);

    public Task<PlaylistItemListResponse> ListPlaylistItemsAsync(string playlistId, string? videoId, string? pageToken, CancellationToken cancellationToken = default) =>
        CallAsync("playlistItems.list", () => inner.ListPlaylistItemsAsync(playlistId, videoId, pageToken, cancellationToken), cancellationToken);

    public Task<YouTubeChannel?> GetMyChannelAsync(CancellationToken cancellationToken = default) =>
        CallAsync("channels.list", () => inner.GetMyChannelAsync(cancellationToken), cancellationToken);

    public Task<PlaylistItem> InsertPlaylistItemAsync(string playlistId, string videoId, CancellationToken cancellationToken = default) =>
        CallAsync("playlistItems.insert", () => inner.InsertPlaylistItemAsync(playlistId, videoId, cancellationToken), cancellationToken);

    private async Task<T> CallAsync<T>(string method, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            T result;
            try
            {
                result = await call().ConfigureAwait(false);
            }
            catch (YouTubeApiException e)
            {
                // YouTube charges every request it authenticated, failed or not (the client's ledger charges the same
                // way). One it could not authenticate, or that never left because the token endpoint refused the
                // credentials, costs nothing.
                if (e.Kind != YouTubeErrorKind.Unauthorized)
                {
                    YouTubeCallRetries.Charge(YouTubeCosts.For(method), repeat: attempt > 1);
                }
                if (attempt >= _options.Attempts || !Repeatable(method, e))
                {
                    throw;
                }
                var delay = e.Kind == YouTubeErrorKind.RateLimited ? _options.RateLimitDelay : _options.ServerErrorDelay;
                await Task.Delay(delay * attempt, cancellationToken).ConfigureAwait(false);
                continue;
            }
            YouTubeCallRetries.Charge(YouTubeCosts.For(method), repeat: attempt > 1);
            return result;
        }
    }

    private static bool Repeatable(string method, YouTubeApiException e) => e.Kind switch
    {
        YouTubeErrorKind.RateLimited => true,
        YouTubeErrorKind.Transient => SafeToRepeat.Contains(method),
        _ => false,
    };
}

/// <summary>How <see cref="RetryingYouTubeClient"/> repeats a call (config section <c>YouTube:Retry</c>).</summary>
public sealed class YouTubeRetryOptions
{
    /// <summary>Tries per call, the first included; 1 turns in-process retries off.</summary>
    public int Attempts { get; set; } = 3;

    /// <summary>Wait before the second try after a 5xx (doubled, tripled... for later tries).</summary>
    public TimeSpan ServerErrorDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Wait before the second try after a rate limit (multiplied likewise).</summary>
    public TimeSpan RateLimitDelay { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Units spent by the calls made through <see cref="RetryingYouTubeClient"/> inside one activity attempt, repeats
/// included. The operations count each call once and report nothing when they fail; the activity uses these
/// counts so the quota entity is settled with what YouTube charged, failed attempts included.
/// </summary>
public static class YouTubeCallRetries
{
    private static readonly AsyncLocal<Counter?> Current = new();

    /// <summary>Starts counting for the calls made from the current async flow (one activity).</summary>
    /// <param name="charged">
    /// Told the running total as each request is answered, so the activity can record what it has spent as it goes
    /// (a crash then loses at most what was answered since the last heartbeat reached Temporal).
    /// </param>
    public static Counter Track(Action<long>? charged = null) => Current.Value = new Counter(charged);

    internal static void Charge(int units, bool repeat) => Current.Value?.Add(units, repeat);

    /// <summary>Units spent since <see cref="Track"/>.</summary>
    public sealed class Counter(Action<long>? charged = null)
    {
        private long _units;
        private long _extraUnits;
        private long _calls;

        /// <summary>Units of every request sent, repeats included.</summary>
        public long Units => Interlocked.Read(ref _units);

        /// <summary>Units of the repeats alone.</summary>
        public long ExtraUnits => Interlocked.Read(ref _extraUnits);

        /// <summary>Requests sent; zero when no <see cref="RetryingYouTubeClient"/> is in the path.</summary>
        public long Calls => Interlocked.Read(ref _calls);

        internal void Add(int units, bool repeat)
        {
            var total = Interlocked.Add(ref _units, units);
            Interlocked.Increment(ref _calls);
            if (repeat)
            {
                Interlocked.Add(ref _extraUnits, units);
            }
            charged?.Invoke(total);
        }
    }
}

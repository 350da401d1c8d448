using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Flows;
using Google.Apis.Auth.OAuth2.Responses;
using Google.Apis.Http;
using Google.Apis.Services;
using Google.Apis.Upload;
using RawkodeAutomation.Episodes.Quota;
using RawkodeAutomation.YouTube.Api;
using RawkodeAutomation.YouTube.Quota;

namespace RawkodeAutomation.YouTube;

/// <summary>
/// The YouTube Data API v3 calls we make, one method per API method. Every call is charged to the
/// <see cref="Ledger"/> (DESIGN.md §7; failures too) and every failure surfaces as a
/// <see cref="YouTubeApiException"/>. Nothing here retries: the caller decides, using
/// <see cref="YouTubeApiException.IsRetryable"/> (the worker wraps this client in its <c>RetryingYouTubeClient</c>,
/// which repeats one call that cannot have taken effect twice, and Temporal's activity retries cover the rest).
/// </summary>
public interface IYouTubeClient
{
    /// <summary>Where the costs go.</summary>
    IQuotaLedger Ledger { get; }

    /// <summary>liveBroadcasts.list by id (1 unit). https://developers.google.com/youtube/v3/live/docs/liveBroadcasts/list</summary>
    Task<IReadOnlyList<LiveBroadcast>> ListBroadcastsAsync(IReadOnlyCollection<string> ids, string part, CancellationToken cancellationToken = default);

    /// <summary>liveBroadcasts.list of the channel's own broadcasts, one page (1 unit).</summary>
    /// <param name="broadcastStatus">null for <c>mine=true</c> (all of them), else all/upcoming/active/completed.</param>
    Task<LiveBroadcastListResponse> ListMyBroadcastsAsync(string part, string? broadcastStatus, string? pageToken, CancellationToken cancellationToken = default);

    /// <summary>liveBroadcasts.insert (50). https://developers.google.com/youtube/v3/live/docs/liveBroadcasts/insert</summary>
    Task<LiveBroadcast> InsertBroadcastAsync(LiveBroadcast broadcast, string part, CancellationToken cancellationToken = default);

    /// <summary>liveBroadcasts.update (50): replaces every mutable property of the parts named. https://developers.google.com/youtube/v3/live/docs/liveBroadcasts/update</summary>
    Task<LiveBroadcast> UpdateBroadcastAsync(LiveBroadcast broadcast, string part, CancellationToken cancellationToken = default);

    /// <summary>liveBroadcasts.bind (50). https://developers.google.com/youtube/v3/live/docs/liveBroadcasts/bind</summary>
    Task<LiveBroadcast> BindBroadcastAsync(string broadcastId, string? streamId, string part, CancellationToken cancellationToken = default);

    /// <summary>liveBroadcasts.transition (50) to testing, live or complete. https://developers.google.com/youtube/v3/live/docs/liveBroadcasts/transition</summary>
    Task<LiveBroadcast> TransitionBroadcastAsync(string broadcastId, string broadcastStatus, string part, CancellationToken cancellationToken = default);

    /// <summary>liveBroadcasts.delete (50). https://developers.google.com/youtube/v3/live/docs/liveBroadcasts/delete</summary>
    Task DeleteBroadcastAsync(string broadcastId, CancellationToken cancellationToken = default);

    /// <summary>liveStreams.list mine=true, one page (1 unit). https://developers.google.com/youtube/v3/live/docs/liveStreams/list</summary>
    Task<LiveStreamListResponse> ListMyStreamsAsync(string part, string? pageToken, CancellationToken cancellationToken = default);

    /// <summary>liveStreams.insert (50). https://developers.google.com/youtube/v3/live/docs/liveStreams/insert</summary>
    Task<LiveStream> InsertStreamAsync(LiveStream stream, string part, CancellationToken cancellationToken = default);

    /// <summary>
    /// liveStreams.delete (50). YouTube refuses (403 liveStreamDeletionNotAllowed) while the stream is bound to a
    /// broadcast that has not completed; an unknown id is 404 liveStreamNotFound.
    /// https://developers.google.com/youtube/v3/live/docs/liveStreams/delete
    /// </summary>
    Task DeleteStreamAsync(string streamId, CancellationToken cancellationToken = default);

    /// <summary>videos.list of up to 50 ids (1 unit); ids that do not exist are simply absent. https://developers.google.com/youtube/v3/docs/videos/list</summary>
    Task<IReadOnlyList<Video>> ListVideosAsync(IReadOnlyCollection<string> ids, string part, CancellationToken cancellationToken = default);

    /// <summary>videos.update (50); with part=snippet send the whole snippet you read. https://developers.google.com/youtube/v3/docs/videos/update</summary>
    Task<Video> UpdateVideoAsync(Video video, string part, CancellationToken cancellationToken = default);

    /// <summary>thumbnails.set (50): PNG or JPEG, at most 2 MB, uploaded with the resumable protocol. https://developers.google.com/youtube/v3/docs/thumbnails/set</summary>
    Task<ThumbnailSetResponse> SetThumbnailAsync(string videoId, ReadOnlyMemory<byte> image, string contentType, CancellationToken cancellationToken = default);

    /// <summary>channels.list mine=true (1 unit): the authorised channel, with its uploads playlist. https://developers.google.com/youtube/v3/docs/channels/list</summary>
    Task<YouTubeChannel?> GetMyChannelAsync(CancellationToken cancellationToken = default);

    /// <summary>playlistItems.list with snippet and contentDetails, one page of up to 50 (1 unit). https://developers.google.com/youtube/v3/docs/playlistItems/list</summary>
    Task<PlaylistItemListResponse> ListPlaylistItemsAsync(string playlistId, string? videoId, string? pageToken, CancellationToken cancellationToken = default);

    /// <summary>playlistItems.insert (50). https://developers.google.com/youtube/v3/docs/playlistItems/insert</summary>
    Task<PlaylistItem> InsertPlaylistItemAsync(string playlistId, string videoId, CancellationToken cancellationToken = default);
}

/// <summary><see cref="IYouTubeClient"/> on Google.Apis core with a refresh-token <see cref="UserCredential"/>.</summary>
public sealed class YouTubeClient : IYouTubeClient, IDisposable
{
    /// <summary>Most ids one videos.list / liveBroadcasts.list call takes.</summary>
    public const int MaxIdsPerList = 50;

    private readonly YouTubeService _service;
    private readonly TimeProvider _clock;

    public YouTubeClient(YouTubeService service, IQuotaLedger ledger, TimeProvider clock)
    {
        _service = service;
        Ledger = ledger;
        _clock = clock;
    }

    public IQuotaLedger Ledger { get; }

    /// <summary>Builds the client from options: OAuth2 refresh-token credential against <see cref="YouTubeOptions.TokenUri"/>.</summary>
    public static YouTubeClient Create(YouTubeOptions options, IQuotaLedger ledger, TimeProvider clock)
    {
        var problems = options.Problems();
        if (problems.Count > 0) { throw new InvalidOperationException(string.Join(Environment.NewLine, problems)); }
        var flow = new GoogleAuthorizationCodeFlow(new TokenEndpointFlowInitializer(options.TokenUri)
        {
            ClientSecrets = new ClientSecrets { ClientId = options.ClientId, ClientSecret = options.ClientSecret },
            Scopes = [YouTubeService.YoutubeScope, YouTubeService.YoutubeForceSslScope],
        });
        var credential = new UserCredential(flow, "channel", new TokenResponse { RefreshToken = options.RefreshToken });
        var service = new YouTubeService(new BaseClientService.Initializer
        {
            HttpClientInitializer = credential,
            ApplicationName = options.ApplicationName,
            BaseUri = options.ApiBaseUri.AbsoluteUri,
            GZipEnabled = true,
            // The library would silently retry 503s; every attempt costs quota and Temporal owns retries.
            DefaultExponentialBackOffPolicy = ExponentialBackOffPolicy.None,
        }, options.UploadBaseUri);
        return new YouTubeClient(service, ledger, clock);
    }

    public async Task<IReadOnlyList<LiveBroadcast>> ListBroadcastsAsync(IReadOnlyCollection<string> ids, string part, CancellationToken cancellationToken = default)
    {
        RequireIds(ids, "liveBroadcasts.list");
        var request = _service.LiveBroadcasts.List(part);
        request.Id = string.Join(',', ids);
        request.MaxResults = MaxIdsPerList;
        var response = await CallAsync("liveBroadcasts.list", request.Id, () => request.ExecuteAsync(cancellationToken)).ConfigureAwait(false);
        return [.. response.Items ?? []];
    }

    public Task<LiveBroadcastListResponse> ListMyBroadcastsAsync(string part, string? broadcastStatus, string? pageToken, CancellationToken cancellationToken = default)
    {
        var request = _service.LiveBroadcasts.List(part);
        if (broadcastStatus is null) { request.Mine = true; } else { request.BroadcastStatus = broadcastStatus; }
        request.MaxResults = MaxIdsPerList;
        request.PageToken = pageToken;
        return CallAsync("liveBroadcasts.list", null, () => request.ExecuteAsync(cancellationToken));
    }

    public Task<LiveBroadcast> InsertBroadcastAsync(LiveBroadcast broadcast, string part, CancellationToken cancellationToken = default) =>
        CallAsync("liveBroadcasts.insert", null, () => _service.LiveBroadcasts.Insert(broadcast, part).ExecuteAsync(cancellationToken));

    public Task<LiveBroadcast> UpdateBroadcastAsync(LiveBroadcast broadcast, string part, CancellationToken cancellationToken = default) =>
        CallAsync("liveBroadcasts.update", broadcast.Id, () => _service.LiveBroadcasts.Update(broadcast, part).ExecuteAsync(cancellationToken));

    public Task<LiveBroadcast> BindBroadcastAsync(string broadcastId, string? streamId, string part, CancellationToken cancellationToken = default)
    {
        var request = _service.LiveBroadcasts.Bind(broadcastId, part);
        request.StreamId = streamId;
        return CallAsync("liveBroadcasts.bind", broadcastId, () => request.ExecuteAsync(cancellationToken));
    }

    public Task<LiveBroadcast> TransitionBroadcastAsync(string broadcastId, string broadcastStatus, string part, CancellationToken cancellationToken = default) =>
        CallAsync("liveBroadcasts.transition", broadcastId, () => _service.LiveBroadcasts.Transition(broadcastStatus, broadcastId, part).ExecuteAsync(cancellationToken));

    public Task DeleteBroadcastAsync(string broadcastId, CancellationToken cancellationToken = default) =>
        CallAsync("liveBroadcasts.delete", broadcastId, () => _service.LiveBroadcasts.Delete(broadcastId).ExecuteAsync(cancellationToken));

    public Task<LiveStreamListResponse> ListMyStreamsAsync(string part, string? pageToken, CancellationToken cancellationToken = default)
    {
        var request = _service.LiveStreams.List(part);
        request.Mine = true;
        request.MaxResults = MaxIdsPerList;
        request.PageToken = pageToken;
        return CallAsync("liveStreams.list", null, () => request.ExecuteAsync(cancellationToken));
    }

    public Task<LiveStream> InsertStreamAsync(LiveStream stream, string part, CancellationToken cancellationToken = default) =>
        CallAsync("liveStreams.insert", null, () => _service.LiveStreams.Insert(stream, part).ExecuteAsync(cancellationToken));

    public Task DeleteStreamAsync(string streamId, CancellationToken cancellationToken = default) =>
        CallAsync("liveStreams.delete", streamId, () => _service.LiveStreams.Delete(streamId).ExecuteAsync(cancellationToken));

    public async Task<IReadOnlyList<Video>> ListVideosAsync(IReadOnlyCollection<string> ids, string part, CancellationToken cancellationToken = default)
    {
        RequireIds(ids, "videos.list");
        var request = _service.Videos.List(part);
        request.Id = string.Join(',', ids);
        var response = await CallAsync("videos.list", request.Id, () => request.ExecuteAsync(cancellationToken)).ConfigureAwait(false);
        return [.. response.Items ?? []];
    }

    public Task<Video> UpdateVideoAsync(Video video, string part, CancellationToken cancellationToken = default) =>
        CallAsync("videos.update", video.Id, () => _service.Videos.Update(video, part).ExecuteAsync(cancellationToken));

    public Task<ThumbnailSetResponse> SetThumbnailAsync(string videoId, ReadOnlyMemory<byte> image, string contentType, CancellationToken cancellationToken = default) =>
        CallAsync("thumbnails.set", videoId, async () =>
        {
            using var stream = new MemoryStream(image.ToArray(), writable: false);
            var upload = _service.Thumbnails.Set(videoId, stream, contentType);
            var progress = await upload.UploadAsync(cancellationToken).ConfigureAwait(false);
            if (progress.Status != UploadStatus.Completed)
            {
                throw progress.Exception ?? new InvalidOperationException($"thumbnails.set for '{videoId}' ended as {progress.Status}.");
            }
            return upload.ResponseBody;
        });

    public Task<PlaylistItemListResponse> ListPlaylistItemsAsync(string playlistId, string? videoId, string? pageToken, CancellationToken cancellationToken = default)
    {
        var request = _service.PlaylistItems.List("snippet,contentDetails");
        request.PlaylistId = playlistId;
        request.VideoId = videoId;
        request.MaxResults = MaxIdsPerList;
        request.PageToken = pageToken;
        return CallAsync("playlistItems.list", playlistId, () => request.ExecuteAsync(cancellationToken));
    }

    public async Task<YouTubeChannel?> GetMyChannelAsync(CancellationToken cancellationToken = default)
    {
        var request = _service.Channels.List("id,snippet,contentDetails");
        request.Mine = true;
        var response = await CallAsync("channels.list", null, () => request.ExecuteAsync(cancellationToken)).ConfigureAwait(false);
        return response.Items?.FirstOrDefault();
    }

    public Task<PlaylistItem> InsertPlaylistItemAsync(string playlistId, string videoId, CancellationToken cancellationToken = default)
    {
        var body = new PlaylistItem
        {
            Snippet = new PlaylistItemSnippet { PlaylistId = playlistId, ResourceId = new ResourceId { Kind = "youtube#video", VideoId = videoId } },
        };
        return CallAsync("playlistItems.insert", $"{playlistId}/{videoId}", () => _service.PlaylistItems.Insert(body, "snippet").ExecuteAsync(cancellationToken));
    }

    public void Dispose() => _service.Dispose();

    private static void RequireIds(IReadOnlyCollection<string> ids, string method)
    {
        if (ids.Count is 0 or > MaxIdsPerList)
        {
            throw new ArgumentException($"{method} takes 1 to {MaxIdsPerList} ids per call, got {ids.Count}.", nameof(ids));
        }
    }

    private async Task<T> CallAsync<T>(string method, string? target, Func<Task<T>> call)
    {
        var units = YouTubeCosts.For(method);
        try
        {
            var result = await call().ConfigureAwait(false);
            Ledger.Record(method, units, succeeded: true, target);
            return result;
        }
        catch (Exception error) when (YouTubeErrorMapper.Map(error, method, target, _clock.GetUtcNow()) is { } mapped)
        {
            // Failures are charged too (DESIGN.md §7); a credential refused before any API request is not.
            if (error is not TokenResponseException) { Ledger.Record(method, units, succeeded: false, target); }
            throw mapped;
        }
    }

    /// <summary>
    /// GoogleAuthorizationCodeFlow.Initializer's constructor that takes the endpoints is protected; this
    /// exposes the token endpoint so the same flow can talk to a sandbox or a proxy (DESIGN.md §9).
    /// </summary>
    private sealed class TokenEndpointFlowInitializer(Uri tokenUri)
        : GoogleAuthorizationCodeFlow.Initializer(GoogleAuthConsts.OidcAuthorizationUrl, tokenUri.AbsoluteUri, GoogleAuthConsts.RevokeTokenUrl);
}

using Google.Apis.Discovery;
using Google.Apis.Requests;
using Google.Apis.Services;
using Google.Apis.Upload;
using Google.Apis.Util;

// A hand-written subset of the generated Google.Apis.YouTube.v3 service: same class names, same
// resource accessors (service.LiveBroadcasts.Insert(body, part)), same wire paths. Only the methods
// and parameters we use exist. Reference: https://developers.google.com/youtube/v3/docs
namespace RawkodeAutomation.YouTube.Api;

/// <summary>
/// The YouTube Data API v3 service on Google.Apis core. <see cref="BaseClientService.Initializer.BaseUri"/>
/// overrides the API root (e.g. a sandbox); <paramref name="uploadBaseUri"/> is the root for media uploads.
/// </summary>
public sealed class YouTubeService : BaseClientService
{
    /// <summary>Google's API root, as the generated package has it.</summary>
    public const string DefaultBaseUri = "https://youtube.googleapis.com/";

    /// <summary>Scope to manage the account's YouTube data.</summary>
    public const string YoutubeScope = "https://www.googleapis.com/auth/youtube";

    /// <summary>Same as <see cref="YoutubeScope"/>, over SSL only.</summary>
    public const string YoutubeForceSslScope = "https://www.googleapis.com/auth/youtube.force-ssl";

    public YouTubeService(Initializer initializer, Uri? uploadBaseUri = null) : base(initializer)
    {
        UploadBaseUri = uploadBaseUri ?? new Uri(BaseUri);
        // Uploads resolve their path against a service's BaseUri, so a twin service rooted at the upload URI
        // (same credential and settings) lets the upload root differ from the API root.
        UploadService = new UploadClientService(new Initializer
        {
            HttpClientInitializer = initializer.HttpClientInitializer,
            HttpClientFactory = initializer.HttpClientFactory,
            ApplicationName = initializer.ApplicationName,
            GZipEnabled = initializer.GZipEnabled,
            DefaultExponentialBackOffPolicy = initializer.DefaultExponentialBackOffPolicy,
            BaseUri = UploadBaseUri.AbsoluteUri,
        });
        LiveBroadcasts = new LiveBroadcastsResource(this);
        LiveStreams = new LiveStreamsResource(this);
        Videos = new VideosResource(this);
        Thumbnails = new ThumbnailsResource(this);
        PlaylistItems = new PlaylistItemsResource(this);
        Channels = new ChannelsResource(this);
    }

    public override string Name => "youtube";
    public override string BaseUri => BaseUriOverride ?? DefaultBaseUri;
    public override string BasePath => "";
    public override IList<string> Features => [];

    public override void Dispose()
    {
        UploadService.Dispose();
        base.Dispose();
    }

    private sealed class UploadClientService(Initializer initializer) : BaseClientService(initializer)
    {
        public override string Name => "youtube";
        public override string BaseUri => BaseUriOverride ?? DefaultBaseUri;
        public override string BasePath => "";
        public override IList<string> Features => [];
    }

    /// <summary>Root of the media upload endpoints (<c>upload/youtube/v3/...</c> is resolved against it).</summary>
    public Uri UploadBaseUri { get; }

    /// <summary>The service media uploads go through (rooted at <see cref="UploadBaseUri"/>).</summary>
    public IClientService UploadService { get; }

    public LiveBroadcastsResource LiveBroadcasts { get; }
    public LiveStreamsResource LiveStreams { get; }
    public VideosResource Videos { get; }
    public ThumbnailsResource Thumbnails { get; }
    public PlaylistItemsResource PlaylistItems { get; }
    public ChannelsResource Channels { get; }
}

/// <summary>Base of our requests: adds the standard <c>part</c> parameter handling.</summary>
public abstract class YouTubeBaseServiceRequest<TResponse> : ClientServiceRequest<TResponse>
{
    protected YouTubeBaseServiceRequest(IClientService service) : base(service) { }

    protected void AddQueryParameter(string name, bool required) =>
        RequestParameters.Add(name, new Parameter { Name = name, IsRequired = required, ParameterType = "query" });
}

/// <summary>liveBroadcasts. https://developers.google.com/youtube/v3/live/docs/liveBroadcasts</summary>
public sealed class LiveBroadcastsResource(IClientService service)
{
    public InsertRequest Insert(LiveBroadcast body, string part) => new(service, body, part);
    public UpdateRequest Update(LiveBroadcast body, string part) => new(service, body, part);
    public ListRequest List(string part) => new(service, part);
    public BindRequest Bind(string id, string part) => new(service, id, part);
    public TransitionRequest Transition(string broadcastStatus, string id, string part) => new(service, broadcastStatus, id, part);
    public DeleteRequest Delete(string id) => new(service, id);

    /// <summary>POST youtube/v3/liveBroadcasts (50 units).</summary>
    public sealed class InsertRequest : YouTubeBaseServiceRequest<LiveBroadcast>
    {
        private readonly LiveBroadcast _body;
        public InsertRequest(IClientService service, LiveBroadcast body, string part) : base(service) { _body = body; Part = part; InitParameters(); }
        [RequestParameter("part", RequestParameterType.Query)] public string Part { get; }
        public override string MethodName => "insert";
        public override string HttpMethod => "POST";
        public override string RestPath => "youtube/v3/liveBroadcasts";
        protected override object GetBody() => _body;
        protected override void InitParameters() { base.InitParameters(); AddQueryParameter("part", true); }
    }

    /// <summary>PUT youtube/v3/liveBroadcasts (50 units); replaces every mutable property of each part named.</summary>
    public sealed class UpdateRequest : YouTubeBaseServiceRequest<LiveBroadcast>
    {
        private readonly LiveBroadcast _body;
        public UpdateRequest(IClientService service, LiveBroadcast body, string part) : base(service) { _body = body; Part = part; InitParameters(); }
        [RequestParameter("part", RequestParameterType.Query)] public string Part { get; }
        public override string MethodName => "update";
        public override string HttpMethod => "PUT";
        public override string RestPath => "youtube/v3/liveBroadcasts";
        protected override object GetBody() => _body;
        protected override void InitParameters() { base.InitParameters(); AddQueryParameter("part", true); }
    }

    /// <summary>GET youtube/v3/liveBroadcasts (1 unit). Filters: id, mine, broadcastStatus (exactly one of id/mine/broadcastStatus in practice).</summary>
    public sealed class ListRequest : YouTubeBaseServiceRequest<LiveBroadcastListResponse>
    {
        public ListRequest(IClientService service, string part) : base(service) { Part = part; InitParameters(); }
        [RequestParameter("part", RequestParameterType.Query)] public string Part { get; }
        [RequestParameter("id", RequestParameterType.Query)] public string? Id { get; set; }
        [RequestParameter("mine", RequestParameterType.Query)] public bool? Mine { get; set; }
        /// <summary>all, active, completed, upcoming.</summary>
        [RequestParameter("broadcastStatus", RequestParameterType.Query)] public string? BroadcastStatus { get; set; }
        [RequestParameter("maxResults", RequestParameterType.Query)] public long? MaxResults { get; set; }
        [RequestParameter("pageToken", RequestParameterType.Query)] public string? PageToken { get; set; }
        public override string MethodName => "list";
        public override string HttpMethod => "GET";
        public override string RestPath => "youtube/v3/liveBroadcasts";
        protected override void InitParameters()
        {
            base.InitParameters();
            AddQueryParameter("part", true);
            foreach (var name in new[] { "id", "mine", "broadcastStatus", "maxResults", "pageToken" }) { AddQueryParameter(name, false); }
        }
    }

    /// <summary>POST youtube/v3/liveBroadcasts/bind (50 units): binds the broadcast to a stream (or unbinds without streamId).</summary>
    public sealed class BindRequest : YouTubeBaseServiceRequest<LiveBroadcast>
    {
        public BindRequest(IClientService service, string id, string part) : base(service) { Id = id; Part = part; InitParameters(); }
        [RequestParameter("id", RequestParameterType.Query)] public string Id { get; }
        [RequestParameter("part", RequestParameterType.Query)] public string Part { get; }
        [RequestParameter("streamId", RequestParameterType.Query)] public string? StreamId { get; set; }
        public override string MethodName => "bind";
        public override string HttpMethod => "POST";
        public override string RestPath => "youtube/v3/liveBroadcasts/bind";
        protected override void InitParameters()
        {
            base.InitParameters();
            AddQueryParameter("id", true);
            AddQueryParameter("part", true);
            AddQueryParameter("streamId", false);
        }
    }

    /// <summary>POST youtube/v3/liveBroadcasts/transition (50 units): testing, live, complete.</summary>
    public sealed class TransitionRequest : YouTubeBaseServiceRequest<LiveBroadcast>
    {
        public TransitionRequest(IClientService service, string broadcastStatus, string id, string part) : base(service)
        {
            BroadcastStatus = broadcastStatus; Id = id; Part = part; InitParameters();
        }
        [RequestParameter("broadcastStatus", RequestParameterType.Query)] public string BroadcastStatus { get; }
        [RequestParameter("id", RequestParameterType.Query)] public string Id { get; }
        [RequestParameter("part", RequestParameterType.Query)] public string Part { get; }
        public override string MethodName => "transition";
        public override string HttpMethod => "POST";
        public override string RestPath => "youtube/v3/liveBroadcasts/transition";
        protected override void InitParameters()
        {
            base.InitParameters();
            AddQueryParameter("broadcastStatus", true);
            AddQueryParameter("id", true);
            AddQueryParameter("part", true);
        }
    }

    /// <summary>DELETE youtube/v3/liveBroadcasts (50 units); answers 204 with no body.</summary>
    public sealed class DeleteRequest : YouTubeBaseServiceRequest<string>
    {
        public DeleteRequest(IClientService service, string id) : base(service) { Id = id; InitParameters(); }
        [RequestParameter("id", RequestParameterType.Query)] public string Id { get; }
        public override string MethodName => "delete";
        public override string HttpMethod => "DELETE";
        public override string RestPath => "youtube/v3/liveBroadcasts";
        protected override void InitParameters() { base.InitParameters(); AddQueryParameter("id", true); }
    }
}

/// <summary>liveStreams. https://developers.google.com/youtube/v3/live/docs/liveStreams</summary>
public sealed class LiveStreamsResource(IClientService service)
{
    public InsertRequest Insert(LiveStream body, string part) => new(service, body, part);
    public ListRequest List(string part) => new(service, part);
    public DeleteRequest Delete(string id) => new(service, id);

    /// <summary>POST youtube/v3/liveStreams (50 units).</summary>
    public sealed class InsertRequest : YouTubeBaseServiceRequest<LiveStream>
    {
        private readonly LiveStream _body;
        public InsertRequest(IClientService service, LiveStream body, string part) : base(service) { _body = body; Part = part; InitParameters(); }
        [RequestParameter("part", RequestParameterType.Query)] public string Part { get; }
        public override string MethodName => "insert";
        public override string HttpMethod => "POST";
        public override string RestPath => "youtube/v3/liveStreams";
        protected override object GetBody() => _body;
        protected override void InitParameters() { base.InitParameters(); AddQueryParameter("part", true); }
    }

    /// <summary>GET youtube/v3/liveStreams (1 unit).</summary>
    public sealed class ListRequest : YouTubeBaseServiceRequest<LiveStreamListResponse>
    {
        public ListRequest(IClientService service, string part) : base(service) { Part = part; InitParameters(); }
        [RequestParameter("part", RequestParameterType.Query)] public string Part { get; }
        [RequestParameter("id", RequestParameterType.Query)] public string? Id { get; set; }
        [RequestParameter("mine", RequestParameterType.Query)] public bool? Mine { get; set; }
        [RequestParameter("maxResults", RequestParameterType.Query)] public long? MaxResults { get; set; }
        [RequestParameter("pageToken", RequestParameterType.Query)] public string? PageToken { get; set; }
        public override string MethodName => "list";
        public override string HttpMethod => "GET";
        public override string RestPath => "youtube/v3/liveStreams";
        protected override void InitParameters()
        {
            base.InitParameters();
            AddQueryParameter("part", true);
            foreach (var name in new[] { "id", "mine", "maxResults", "pageToken" }) { AddQueryParameter(name, false); }
        }
    }

    /// <summary>DELETE youtube/v3/liveStreams (50 units; 204 No Content). https://developers.google.com/youtube/v3/live/docs/liveStreams/delete</summary>
    public sealed class DeleteRequest : YouTubeBaseServiceRequest<string>
    {
        public DeleteRequest(IClientService service, string id) : base(service) { Id = id; InitParameters(); }
        [RequestParameter("id", RequestParameterType.Query)] public string Id { get; }
        public override string MethodName => "delete";
        public override string HttpMethod => "DELETE";
        public override string RestPath => "youtube/v3/liveStreams";
        protected override void InitParameters() { base.InitParameters(); AddQueryParameter("id", true); }
    }
}

/// <summary>videos. https://developers.google.com/youtube/v3/docs/videos</summary>
public sealed class VideosResource(IClientService service)
{
    public ListRequest List(string part) => new(service, part);
    public UpdateRequest Update(Video body, string part) => new(service, body, part);

    /// <summary>GET youtube/v3/videos (1 unit; up to 50 comma-separated ids per call).</summary>
    public sealed class ListRequest : YouTubeBaseServiceRequest<VideoListResponse>
    {
        public ListRequest(IClientService service, string part) : base(service) { Part = part; InitParameters(); }
        [RequestParameter("part", RequestParameterType.Query)] public string Part { get; }
        [RequestParameter("id", RequestParameterType.Query)] public string? Id { get; set; }
        [RequestParameter("maxResults", RequestParameterType.Query)] public long? MaxResults { get; set; }
        [RequestParameter("pageToken", RequestParameterType.Query)] public string? PageToken { get; set; }
        public override string MethodName => "list";
        public override string HttpMethod => "GET";
        public override string RestPath => "youtube/v3/videos";
        protected override void InitParameters()
        {
            base.InitParameters();
            AddQueryParameter("part", true);
            foreach (var name in new[] { "id", "maxResults", "pageToken" }) { AddQueryParameter(name, false); }
        }
    }

    /// <summary>PUT youtube/v3/videos (50 units); part=snippet replaces the whole snippet (title and categoryId required).</summary>
    public sealed class UpdateRequest : YouTubeBaseServiceRequest<Video>
    {
        private readonly Video _body;
        public UpdateRequest(IClientService service, Video body, string part) : base(service) { _body = body; Part = part; InitParameters(); }
        [RequestParameter("part", RequestParameterType.Query)] public string Part { get; }
        public override string MethodName => "update";
        public override string HttpMethod => "PUT";
        public override string RestPath => "youtube/v3/videos";
        protected override object GetBody() => _body;
        protected override void InitParameters() { base.InitParameters(); AddQueryParameter("part", true); }
    }
}

/// <summary>thumbnails. https://developers.google.com/youtube/v3/docs/thumbnails/set</summary>
public sealed class ThumbnailsResource(YouTubeService service)
{
    /// <summary>Path of the upload endpoint, relative to <see cref="YouTubeService.UploadBaseUri"/>.</summary>
    public const string UploadPath = "upload/youtube/v3/thumbnails/set";

    /// <summary>thumbnails.set as a media upload (50 units). The .NET client speaks the resumable protocol.</summary>
    public SetMediaUpload Set(string videoId, Stream stream, string contentType) => new(service, videoId, stream, contentType);

    /// <summary>POST upload/youtube/v3/thumbnails/set?uploadType=resumable, then PUT the bytes to the session URI.</summary>
    public sealed class SetMediaUpload : ResumableUpload<string, ThumbnailSetResponse>
    {
        public SetMediaUpload(YouTubeService service, string videoId, Stream stream, string contentType)
            : base(service.UploadService, UploadPath, "POST", stream, contentType)
        {
            VideoId = videoId;
        }

        [RequestParameter("videoId", RequestParameterType.Query)] public string VideoId { get; }
    }
}

/// <summary>playlistItems. https://developers.google.com/youtube/v3/docs/playlistItems</summary>
public sealed class PlaylistItemsResource(IClientService service)
{
    public ListRequest List(string part) => new(service, part);
    public InsertRequest Insert(PlaylistItem body, string part) => new(service, body, part);

    /// <summary>GET youtube/v3/playlistItems (1 unit).</summary>
    public sealed class ListRequest : YouTubeBaseServiceRequest<PlaylistItemListResponse>
    {
        public ListRequest(IClientService service, string part) : base(service) { Part = part; InitParameters(); }
        [RequestParameter("part", RequestParameterType.Query)] public string Part { get; }
        [RequestParameter("playlistId", RequestParameterType.Query)] public string? PlaylistId { get; set; }
        [RequestParameter("videoId", RequestParameterType.Query)] public string? VideoId { get; set; }
        [RequestParameter("id", RequestParameterType.Query)] public string? Id { get; set; }
        [RequestParameter("maxResults", RequestParameterType.Query)] public long? MaxResults { get; set; }
        [RequestParameter("pageToken", RequestParameterType.Query)] public string? PageToken { get; set; }
        public override string MethodName => "list";
        public override string HttpMethod => "GET";
        public override string RestPath => "youtube/v3/playlistItems";
        protected override void InitParameters()
        {
            base.InitParameters();
            AddQueryParameter("part", true);
            foreach (var name in new[] { "playlistId", "videoId", "id", "maxResults", "pageToken" }) { AddQueryParameter(name, false); }
        }
    }

    /// <summary>POST youtube/v3/playlistItems (50 units).</summary>
    public sealed class InsertRequest : YouTubeBaseServiceRequest<PlaylistItem>
    {
        private readonly PlaylistItem _body;
        public InsertRequest(IClientService service, PlaylistItem body, string part) : base(service) { _body = body; Part = part; InitParameters(); }
        [RequestParameter("part", RequestParameterType.Query)] public string Part { get; }
        public override string MethodName => "insert";
        public override string HttpMethod => "POST";
        public override string RestPath => "youtube/v3/playlistItems";
        protected override object GetBody() => _body;
        protected override void InitParameters() { base.InitParameters(); AddQueryParameter("part", true); }
    }
}

/// <summary>channels. https://developers.google.com/youtube/v3/docs/channels</summary>
public sealed class ChannelsResource(IClientService service)
{
    public ListRequest List(string part) => new(service, part);

    /// <summary>GET youtube/v3/channels (1 unit). Filters: mine, id.</summary>
    public sealed class ListRequest : YouTubeBaseServiceRequest<ChannelListResponse>
    {
        public ListRequest(IClientService service, string part) : base(service) { Part = part; InitParameters(); }
        [RequestParameter("part", RequestParameterType.Query)] public string Part { get; }
        [RequestParameter("id", RequestParameterType.Query)] public string? Id { get; set; }
        [RequestParameter("mine", RequestParameterType.Query)] public bool? Mine { get; set; }
        public override string MethodName => "list";
        public override string HttpMethod => "GET";
        public override string RestPath => "youtube/v3/channels";
        protected override void InitParameters()
        {
            base.InitParameters();
            AddQueryParameter("part", true);
            foreach (var name in new[] { "id", "mine" }) { AddQueryParameter(name, false); }
        }
    }
}

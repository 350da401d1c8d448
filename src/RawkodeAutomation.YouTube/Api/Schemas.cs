using Google.Apis.Requests;
using Newtonsoft.Json;

// The JSON shapes of the YouTube Data API v3 resources we use, named and shaped like the classes in the
// generated Google.Apis.YouTube.v3 package (which our package source does not serve), so that package
// can replace these later with a change of namespace. Only the fields we read or write are declared.
// Reference: https://developers.google.com/youtube/v3/docs
namespace RawkodeAutomation.YouTube.Api;

/// <summary>Paging information of a list response. https://developers.google.com/youtube/v3/docs/videos/list#response</summary>
public class PageInfo
{
    [JsonProperty("totalResults")] public virtual int? TotalResults { get; set; }
    [JsonProperty("resultsPerPage")] public virtual int? ResultsPerPage { get; set; }
}

/// <summary>A single thumbnail image. https://developers.google.com/youtube/v3/docs/thumbnails</summary>
public class Thumbnail
{
    [JsonProperty("url")] public virtual string? Url { get; set; }
    [JsonProperty("width")] public virtual long? Width { get; set; }
    [JsonProperty("height")] public virtual long? Height { get; set; }
}

/// <summary>The thumbnails of a resource, keyed by size.</summary>
public class ThumbnailDetails
{
    [JsonProperty("default")]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1707", Justification = "The name Google's generated YouTube client gives the 'default' size.")]
    public virtual Thumbnail? Default__ { get; set; }
    [JsonProperty("medium")] public virtual Thumbnail? Medium { get; set; }
    [JsonProperty("high")] public virtual Thumbnail? High { get; set; }
    [JsonProperty("standard")] public virtual Thumbnail? Standard { get; set; }
    [JsonProperty("maxres")] public virtual Thumbnail? Maxres { get; set; }
}

/// <summary>A liveBroadcast resource. https://developers.google.com/youtube/v3/live/docs/liveBroadcasts</summary>
public class LiveBroadcast : IDirectResponseSchema
{
    [JsonProperty("kind")] public virtual string? Kind { get; set; }
    [JsonProperty("etag")] public virtual string? ETag { get; set; }
    [JsonProperty("id")] public virtual string? Id { get; set; }
    [JsonProperty("snippet")] public virtual LiveBroadcastSnippet? Snippet { get; set; }
    [JsonProperty("status")] public virtual LiveBroadcastStatus? Status { get; set; }
    [JsonProperty("contentDetails")] public virtual LiveBroadcastContentDetails? ContentDetails { get; set; }
}

/// <summary>liveBroadcast.snippet. Times are RFC 3339 strings, as on the wire.</summary>
public class LiveBroadcastSnippet
{
    [JsonProperty("publishedAt")] public virtual string? PublishedAtRaw { get; set; }
    [JsonProperty("channelId")] public virtual string? ChannelId { get; set; }
    [JsonProperty("title")] public virtual string? Title { get; set; }
    [JsonProperty("description")] public virtual string? Description { get; set; }
    [JsonProperty("thumbnails")] public virtual ThumbnailDetails? Thumbnails { get; set; }
    [JsonProperty("scheduledStartTime")] public virtual string? ScheduledStartTimeRaw { get; set; }
    [JsonProperty("scheduledEndTime")] public virtual string? ScheduledEndTimeRaw { get; set; }
    [JsonProperty("actualStartTime")] public virtual string? ActualStartTimeRaw { get; set; }
    [JsonProperty("actualEndTime")] public virtual string? ActualEndTimeRaw { get; set; }
    [JsonProperty("liveChatId")] public virtual string? LiveChatId { get; set; }
}

/// <summary>liveBroadcast.status.</summary>
public class LiveBroadcastStatus
{
    /// <summary>created, ready, testing, live, complete, revoked, testStarting, liveStarting.</summary>
    [JsonProperty("lifeCycleStatus")] public virtual string? LifeCycleStatus { get; set; }
    /// <summary>public, unlisted, private.</summary>
    [JsonProperty("privacyStatus")] public virtual string? PrivacyStatus { get; set; }
    [JsonProperty("recordingStatus")] public virtual string? RecordingStatus { get; set; }
    [JsonProperty("selfDeclaredMadeForKids")] public virtual bool? SelfDeclaredMadeForKids { get; set; }
}

/// <summary>liveBroadcast.contentDetails.</summary>
public class LiveBroadcastContentDetails
{
    [JsonProperty("boundStreamId")] public virtual string? BoundStreamId { get; set; }
    [JsonProperty("enableAutoStart")] public virtual bool? EnableAutoStart { get; set; }
    [JsonProperty("enableAutoStop")] public virtual bool? EnableAutoStop { get; set; }
    [JsonProperty("enableDvr")] public virtual bool? EnableDvr { get; set; }
    [JsonProperty("recordFromStart")] public virtual bool? RecordFromStart { get; set; }
}

/// <summary>liveBroadcasts.list response.</summary>
public class LiveBroadcastListResponse : IDirectResponseSchema
{
    [JsonProperty("kind")] public virtual string? Kind { get; set; }
    [JsonProperty("etag")] public virtual string? ETag { get; set; }
    [JsonProperty("nextPageToken")] public virtual string? NextPageToken { get; set; }
    [JsonProperty("prevPageToken")] public virtual string? PrevPageToken { get; set; }
    [JsonProperty("pageInfo")] public virtual PageInfo? PageInfo { get; set; }
    [JsonProperty("items")] public virtual IList<LiveBroadcast>? Items { get; set; }
}

/// <summary>A liveStream resource. https://developers.google.com/youtube/v3/live/docs/liveStreams</summary>
public class LiveStream : IDirectResponseSchema
{
    [JsonProperty("kind")] public virtual string? Kind { get; set; }
    [JsonProperty("etag")] public virtual string? ETag { get; set; }
    [JsonProperty("id")] public virtual string? Id { get; set; }
    [JsonProperty("snippet")] public virtual LiveStreamSnippet? Snippet { get; set; }
    [JsonProperty("cdn")] public virtual CdnSettings? Cdn { get; set; }
    [JsonProperty("status")] public virtual LiveStreamStatus? Status { get; set; }
    [JsonProperty("contentDetails")] public virtual LiveStreamContentDetails? ContentDetails { get; set; }
}

/// <summary>liveStream.snippet.</summary>
public class LiveStreamSnippet
{
    [JsonProperty("publishedAt")] public virtual string? PublishedAtRaw { get; set; }
    [JsonProperty("channelId")] public virtual string? ChannelId { get; set; }
    [JsonProperty("title")] public virtual string? Title { get; set; }
    [JsonProperty("description")] public virtual string? Description { get; set; }
}

/// <summary>liveStream.cdn.</summary>
public class CdnSettings
{
    [JsonProperty("ingestionType")] public virtual string? IngestionType { get; set; }
    [JsonProperty("resolution")] public virtual string? Resolution { get; set; }
    [JsonProperty("frameRate")] public virtual string? FrameRate { get; set; }
    [JsonProperty("ingestionInfo")] public virtual IngestionInfo? IngestionInfo { get; set; }
}

/// <summary>liveStream.cdn.ingestionInfo: where the encoder pushes to.</summary>
public class IngestionInfo
{
    [JsonProperty("streamName")] public virtual string? StreamName { get; set; }
    [JsonProperty("ingestionAddress")] public virtual string? IngestionAddress { get; set; }
    [JsonProperty("backupIngestionAddress")] public virtual string? BackupIngestionAddress { get; set; }
}

/// <summary>liveStream.status.</summary>
public class LiveStreamStatus
{
    [JsonProperty("streamStatus")] public virtual string? StreamStatus { get; set; }
}

/// <summary>liveStream.contentDetails.</summary>
public class LiveStreamContentDetails
{
    [JsonProperty("isReusable")] public virtual bool? IsReusable { get; set; }
}

/// <summary>liveStreams.list response.</summary>
public class LiveStreamListResponse : IDirectResponseSchema
{
    [JsonProperty("kind")] public virtual string? Kind { get; set; }
    [JsonProperty("etag")] public virtual string? ETag { get; set; }
    [JsonProperty("nextPageToken")] public virtual string? NextPageToken { get; set; }
    [JsonProperty("pageInfo")] public virtual PageInfo? PageInfo { get; set; }
    [JsonProperty("items")] public virtual IList<LiveStream>? Items { get; set; }
}

/// <summary>A video resource. https://developers.google.com/youtube/v3/docs/videos</summary>
public class Video : IDirectResponseSchema
{
    [JsonProperty("kind")] public virtual string? Kind { get; set; }
    [JsonProperty("etag")] public virtual string? ETag { get; set; }
    [JsonProperty("id")] public virtual string? Id { get; set; }
    [JsonProperty("snippet")] public virtual VideoSnippet? Snippet { get; set; }
    [JsonProperty("status")] public virtual VideoStatus? Status { get; set; }
    [JsonProperty("liveStreamingDetails")] public virtual VideoLiveStreamingDetails? LiveStreamingDetails { get; set; }
}

/// <summary>video.liveStreamingDetails: present only on a video that is or was a live stream. Times are RFC 3339 strings.</summary>
public class VideoLiveStreamingDetails
{
    [JsonProperty("actualStartTime")] public virtual string? ActualStartTimeRaw { get; set; }
    [JsonProperty("actualEndTime")] public virtual string? ActualEndTimeRaw { get; set; }
    [JsonProperty("scheduledStartTime")] public virtual string? ScheduledStartTimeRaw { get; set; }
    [JsonProperty("scheduledEndTime")] public virtual string? ScheduledEndTimeRaw { get; set; }
}

/// <summary>video.snippet. <c>videos.update</c> with part=snippet replaces all of it: send back what you read.</summary>
public class VideoSnippet
{
    [JsonProperty("publishedAt")] public virtual string? PublishedAtRaw { get; set; }
    [JsonProperty("channelId")] public virtual string? ChannelId { get; set; }
    [JsonProperty("title")] public virtual string? Title { get; set; }
    [JsonProperty("description")] public virtual string? Description { get; set; }
    [JsonProperty("thumbnails")] public virtual ThumbnailDetails? Thumbnails { get; set; }
    [JsonProperty("channelTitle")] public virtual string? ChannelTitle { get; set; }
    [JsonProperty("tags")] public virtual IList<string>? Tags { get; set; }
    [JsonProperty("categoryId")] public virtual string? CategoryId { get; set; }
    [JsonProperty("liveBroadcastContent")] public virtual string? LiveBroadcastContent { get; set; }
    [JsonProperty("defaultLanguage")] public virtual string? DefaultLanguage { get; set; }
    [JsonProperty("defaultAudioLanguage")] public virtual string? DefaultAudioLanguage { get; set; }
}

/// <summary>video.status.</summary>
public class VideoStatus
{
    [JsonProperty("uploadStatus")] public virtual string? UploadStatus { get; set; }
    [JsonProperty("privacyStatus")] public virtual string? PrivacyStatus { get; set; }
    [JsonProperty("license")] public virtual string? License { get; set; }
    [JsonProperty("embeddable")] public virtual bool? Embeddable { get; set; }
    [JsonProperty("publicStatsViewable")] public virtual bool? PublicStatsViewable { get; set; }
    [JsonProperty("madeForKids")] public virtual bool? MadeForKids { get; set; }
    [JsonProperty("selfDeclaredMadeForKids")] public virtual bool? SelfDeclaredMadeForKids { get; set; }
}

/// <summary>videos.list response.</summary>
public class VideoListResponse : IDirectResponseSchema
{
    [JsonProperty("kind")] public virtual string? Kind { get; set; }
    [JsonProperty("etag")] public virtual string? ETag { get; set; }
    [JsonProperty("nextPageToken")] public virtual string? NextPageToken { get; set; }
    [JsonProperty("pageInfo")] public virtual PageInfo? PageInfo { get; set; }
    [JsonProperty("items")] public virtual IList<Video>? Items { get; set; }
}

/// <summary>thumbnails.set response. https://developers.google.com/youtube/v3/docs/thumbnails/set#response</summary>
public class ThumbnailSetResponse : IDirectResponseSchema
{
    [JsonProperty("kind")] public virtual string? Kind { get; set; }
    [JsonProperty("etag")] public virtual string? ETag { get; set; }
    [JsonProperty("items")] public virtual IList<ThumbnailDetails>? Items { get; set; }
}

/// <summary>A playlistItem resource. https://developers.google.com/youtube/v3/docs/playlistItems</summary>
public class PlaylistItem : IDirectResponseSchema
{
    [JsonProperty("kind")] public virtual string? Kind { get; set; }
    [JsonProperty("etag")] public virtual string? ETag { get; set; }
    [JsonProperty("id")] public virtual string? Id { get; set; }
    [JsonProperty("snippet")] public virtual PlaylistItemSnippet? Snippet { get; set; }
    [JsonProperty("contentDetails")] public virtual PlaylistItemContentDetails? ContentDetails { get; set; }
}

/// <summary>playlistItem.contentDetails: the video and when it was published.</summary>
public class PlaylistItemContentDetails
{
    [JsonProperty("videoId")] public virtual string? VideoId { get; set; }
    [JsonProperty("videoPublishedAt")] public virtual string? VideoPublishedAtRaw { get; set; }
}

/// <summary>playlistItem.snippet.</summary>
public class PlaylistItemSnippet
{
    [JsonProperty("publishedAt")] public virtual string? PublishedAtRaw { get; set; }
    [JsonProperty("channelId")] public virtual string? ChannelId { get; set; }
    [JsonProperty("title")] public virtual string? Title { get; set; }
    [JsonProperty("playlistId")] public virtual string? PlaylistId { get; set; }
    [JsonProperty("position")] public virtual long? Position { get; set; }
    [JsonProperty("resourceId")] public virtual ResourceId? ResourceId { get; set; }
}

/// <summary>Points at another resource, e.g. <c>{ "kind": "youtube#video", "videoId": "..." }</c>.</summary>
public class ResourceId
{
    [JsonProperty("kind")] public virtual string? Kind { get; set; }
    [JsonProperty("videoId")] public virtual string? VideoId { get; set; }
}

/// <summary>playlistItems.list response.</summary>
public class PlaylistItemListResponse : IDirectResponseSchema
{
    [JsonProperty("kind")] public virtual string? Kind { get; set; }
    [JsonProperty("etag")] public virtual string? ETag { get; set; }
    [JsonProperty("nextPageToken")] public virtual string? NextPageToken { get; set; }
    [JsonProperty("pageInfo")] public virtual PageInfo? PageInfo { get; set; }
    [JsonProperty("items")] public virtual IList<PlaylistItem>? Items { get; set; }
}

/// <summary>A channel resource (<c>Channel</c> in the generated package; renamed here so it never collides with System.Threading.Channels). https://developers.google.com/youtube/v3/docs/channels</summary>
public class YouTubeChannel : IDirectResponseSchema
{
    [JsonProperty("kind")] public virtual string? Kind { get; set; }
    [JsonProperty("etag")] public virtual string? ETag { get; set; }
    [JsonProperty("id")] public virtual string? Id { get; set; }
    [JsonProperty("snippet")] public virtual ChannelSnippet? Snippet { get; set; }
    [JsonProperty("contentDetails")] public virtual ChannelContentDetails? ContentDetails { get; set; }
}

/// <summary>channel.snippet.</summary>
public class ChannelSnippet
{
    [JsonProperty("title")] public virtual string? Title { get; set; }
    [JsonProperty("description")] public virtual string? Description { get; set; }
    [JsonProperty("publishedAt")] public virtual string? PublishedAtRaw { get; set; }
}

/// <summary>channel.contentDetails.</summary>
public class ChannelContentDetails
{
    [JsonProperty("relatedPlaylists")] public virtual ChannelRelatedPlaylists? RelatedPlaylists { get; set; }
}

/// <summary>channel.contentDetails.relatedPlaylists: <c>uploads</c> lists every video of the channel.</summary>
public class ChannelRelatedPlaylists
{
    [JsonProperty("likes")] public virtual string? Likes { get; set; }
    [JsonProperty("uploads")] public virtual string? Uploads { get; set; }
}

/// <summary>channels.list response.</summary>
public class ChannelListResponse : IDirectResponseSchema
{
    [JsonProperty("kind")] public virtual string? Kind { get; set; }
    [JsonProperty("etag")] public virtual string? ETag { get; set; }
    [JsonProperty("nextPageToken")] public virtual string? NextPageToken { get; set; }
    [JsonProperty("pageInfo")] public virtual PageInfo? PageInfo { get; set; }
    [JsonProperty("items")] public virtual IList<YouTubeChannel>? Items { get; set; }
}

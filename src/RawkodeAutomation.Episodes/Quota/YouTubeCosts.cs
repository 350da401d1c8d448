namespace RawkodeAutomation.Episodes.Quota;

/// <summary>
/// The one table of what each YouTube Data API v3 call we make costs, in quota units (DESIGN §7). The client
/// meters its calls with it, <c>rawkode plan</c> prices a change with it, and the workflows reserve quota from it.
/// A failed request costs the same: the API charges invalid requests too.
/// https://developers.google.com/youtube/v3/determine_quota_cost
/// </summary>
public static class YouTubeCosts
{
    public const string VideosList = "videos.list";
    public const string VideosUpdate = "videos.update";
    public const string ThumbnailsSet = "thumbnails.set";
    public const string PlaylistItemsList = "playlistItems.list";
    public const string PlaylistItemsInsert = "playlistItems.insert";
    public const string LiveBroadcastsList = "liveBroadcasts.list";
    public const string LiveBroadcastsInsert = "liveBroadcasts.insert";
    public const string LiveBroadcastsUpdate = "liveBroadcasts.update";
    public const string LiveBroadcastsBind = "liveBroadcasts.bind";
    public const string LiveBroadcastsTransition = "liveBroadcasts.transition";
    public const string LiveBroadcastsDelete = "liveBroadcasts.delete";
    public const string LiveStreamsList = "liveStreams.list";
    public const string LiveStreamsInsert = "liveStreams.insert";
    public const string LiveStreamsDelete = "liveStreams.delete";
    public const string ChannelsList = "channels.list";

    /// <summary><c>videos.list</c> (and the other list calls) take up to 50 ids per request.</summary>
    public const int IdsPerList = 50;

    private static readonly Dictionary<string, int> Costs = new(StringComparer.Ordinal)
    {
        [VideosList] = 1,
        [VideosUpdate] = 50,
        [ThumbnailsSet] = 50,
        [PlaylistItemsList] = 1,
        [PlaylistItemsInsert] = 50,
        [LiveBroadcastsList] = 1,
        [LiveBroadcastsInsert] = 50,
        [LiveBroadcastsUpdate] = 50,
        [LiveBroadcastsBind] = 50,
        [LiveBroadcastsTransition] = 50,
        [LiveBroadcastsDelete] = 50,
        [LiveStreamsList] = 1,
        [LiveStreamsInsert] = 50,
        [LiveStreamsDelete] = 50,
        [ChannelsList] = 1,
    };

    /// <summary>The methods we call, with their cost.</summary>
    public static IReadOnlyDictionary<string, int> All => Costs;

    /// <summary>Cost of <paramref name="method"/> (e.g. <c>videos.update</c>).</summary>
    /// <exception cref="ArgumentException">A method this table does not know: add it here first.</exception>
    public static int For(string method) =>
        Costs.TryGetValue(method, out var units) ? units : throw new ArgumentException($"Unknown YouTube method '{method}'.", nameof(method));

    /// <summary>What a sequence of calls costs together.</summary>
    public static long Of(params string[] methods) => methods.Sum(m => (long)For(m));

    /// <summary>A write changes the channel; everything else (the list calls) only reads it.</summary>
    public static bool IsWrite(string method) => !method.EndsWith(".list", StringComparison.Ordinal);

    /// <summary>
    /// What each step of the pipeline reserves before it calls YouTube: the worst case of the calls that step can make
    /// (settled afterwards with what it really cost), so a step never starts without the quota to finish.
    /// </summary>
    public static class Reserve
    {
        /// <summary>
        /// Ensure a broadcast: list broadcasts and streams, insert the show's stream once, insert or update the broadcast,
        /// read its video and write category and tags, bind it to the stream, add it to the playlist.
        /// </summary>
        public static long Broadcast { get; } = Of(LiveBroadcastsList, LiveStreamsList, LiveStreamsInsert, LiveBroadcastsInsert,
            VideosList, VideosUpdate, LiveBroadcastsBind, PlaylistItemsInsert);

        /// <summary>Rewrite a description: read the video, write its snippet only when the text differs.</summary>
        public static long Description { get; } = Of(VideosList, VideosUpdate);

        /// <summary>Upload a thumbnail: read the marker, set the thumbnail, write the marker tag.</summary>
        public static long Thumbnail { get; } = Of(VideosList, ThumbnailsSet, VideosUpdate);

        /// <summary>Delete a cancelled episode's broadcast: check it has not gone live, delete it.</summary>
        public static long EpisodeDelete { get; } = Of(LiveBroadcastsList, LiveBroadcastsDelete);

        /// <summary>Cleanup deletes a leftover broadcast: check its state and its marker, delete it.</summary>
        public static long LeftoverBroadcastDelete { get; } = Of(LiveBroadcastsList, VideosList, LiveBroadcastsDelete);

        /// <summary>The drift check reads <paramref name="videos"/> held videos back: videos.list, 50 ids per call.</summary>
        public static long DriftCheck(int videos) => (long)For(VideosList) * ((videos + IdsPerList - 1) / IdsPerList);

        /// <summary>Cleanup deletes an orphaned stream: check it is still unbound, delete it.</summary>
        public static long OrphanStreamDelete { get; } = Of(LiveStreamsList, LiveStreamsDelete);
    }
}

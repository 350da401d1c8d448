using System.Collections.Concurrent;
using System.Globalization;
using RawkodeAutomation.Episodes.Quota;
using RawkodeAutomation.YouTube.Api;
using RawkodeAutomation.YouTube.Quota;

namespace RawkodeAutomation.YouTube.Operations;

/// <summary>What an ensure-operation did and what it cost.</summary>
/// <param name="VideoId">The broadcast/video it acted on.</param>
/// <param name="Actions">Human-readable steps taken, e.g. "created broadcast", "updated title".</param>
/// <param name="UnitsSpent">Quota units the operation's calls cost.</param>
public sealed record EnsureResult(string VideoId, IReadOnlyList<string> Actions, int UnitsSpent)
{
    /// <summary>True when nothing had to be written.</summary>
    public bool Unchanged => Actions.Count == 0;
}

/// <summary>The outcome of <see cref="YouTubeOperations.EnsureBroadcastAsync"/>.</summary>
/// <param name="VideoId">The broadcast's id (a broadcast is a video with the same id).</param>
/// <param name="StreamId">The show's stream it is bound to; null for an adopted plain video.</param>
/// <param name="Created">True when this call created the broadcast.</param>
/// <param name="Actions">What was written, for people; empty when nothing differed.</param>
/// <param name="UnitsSpent">Quota units of every call made.</param>
public sealed record BroadcastResult(string VideoId, string? StreamId, bool Created, IReadOnlyList<string> Actions, int UnitsSpent)
{
    /// <summary>created, ready, testing, live, complete (liveBroadcast.status.lifeCycleStatus); complete for an adopted video.</summary>
    public string LifeCycleStatus { get; init; } = "created";

    /// <summary>True once the show went live: schedule and stream can no longer change.</summary>
    public bool IsLiveOrComplete => LifeCycleStatus is "live" or "liveStarting" or "complete" or "revoked";
}

/// <summary>The outcome of <see cref="YouTubeOperations.EnsureDescriptionsAsync"/>.</summary>
/// <param name="Updated">Video ids whose description was rewritten.</param>
/// <param name="Unchanged">Video ids that already had the text.</param>
/// <param name="Missing">Video ids videos.list did not return (deleted, or not ours).</param>
/// <param name="Reads">videos.list calls made.</param>
/// <param name="UnitsSpent">Total units.</param>
public sealed record DescriptionsResult(IReadOnlyList<string> Updated, IReadOnlyList<string> Unchanged, IReadOnlyList<string> Missing, int Reads, int UnitsSpent);

/// <summary>The outcome of <see cref="YouTubeOperations.ReadVideosAsync"/>.</summary>
/// <param name="Found">The videos videos.list returned, with their snippets.</param>
/// <param name="Reads">videos.list calls made (one per 50 ids).</param>
/// <param name="UnitsSpent">Total units.</param>
public sealed record VideosRead(IReadOnlyList<Video> Found, int Reads, int UnitsSpent);

/// <summary>
/// Idempotent operations for the pipeline: each compares first and writes only what differs, so repeating
/// one (a replayed activity, a re-run after a quota reset) changes nothing and costs only its reads.
/// </summary>
public sealed class YouTubeOperations(IYouTubeClient client)
{
    private const string BroadcastParts = "id,snippet,status,contentDetails";
    private readonly ConcurrentDictionary<string, string> _streams = new(StringComparer.Ordinal);

    // Find-or-create of a show's stream runs one at a time per stream key: concurrent first broadcasts of a
    // show would otherwise each list, find nothing, and insert a stream of their own (50 units apiece).
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _streamLocks = new(StringComparer.Ordinal);

    /// <summary>
    /// Makes the episode's broadcast match <paramref name="spec"/>: finds it by <see cref="BroadcastSpec.KnownVideoId"/>
    /// or by our marker tag, creates it if absent, updates only the fields that differ, binds it to the show's
    /// persistent stream (found or created once by stream key) and adds it to the playlist.
    /// A known id that is a plain uploaded video (an adopted past episode) is kept as a video: its snippet and
    /// privacy are reconciled with videos.update, and nothing is bound. A live or completed broadcast keeps its
    /// schedule and stream (YouTube refuses to change them).
    /// </summary>
    /// <exception cref="YouTubeSpecException">The spec breaks YouTube's rules (nothing was called).</exception>
    /// <exception cref="YouTubeApiException">A call failed; see <see cref="YouTubeApiException.IsRetryable"/>.</exception>
    public async Task<BroadcastResult> EnsureBroadcastAsync(BroadcastSpec spec, CancellationToken cancellationToken = default)
    {
        SpecValidator.Validate(spec);
        var meter = new Meter();
        List<string> actions = [];

        var found = await FindAsync(spec, meter, actions, cancellationToken).ConfigureAwait(false);
        if (found is { Broadcast: null } adopted)
        {
            return await EnsureAdoptedVideoAsync(spec, adopted.Video, meter, actions, cancellationToken).ConfigureAwait(false);
        }

        var streamId = await EnsureStreamAsync(spec.StreamKey, meter, actions, cancellationToken).ConfigureAwait(false);
        var created = false;
        LiveBroadcast broadcast;
        Video video;
        if (found is null)
        {
            var inserted = BroadcastSnippet(spec);
            // Record the intent before the insert: only a broadcast carrying it is ever adopted as ours without a marker.
            if (spec.CreateIntent is { } intent) { inserted.Description = Markers.WithIntent(spec.Description, intent); }
            broadcast = await meter.Spend("liveBroadcasts.insert", client.InsertBroadcastAsync(new LiveBroadcast
            {
                Snippet = inserted,
                Status = new LiveBroadcastStatus { PrivacyStatus = spec.Visibility, SelfDeclaredMadeForKids = false },
                ContentDetails = new LiveBroadcastContentDetails { EnableAutoStart = false, EnableAutoStop = true },
            }, BroadcastParts, cancellationToken)).ConfigureAwait(false);
            actions.Add($"created broadcast {broadcast.Id}");
            created = true;
            // Tags and category live on the video resource, not the broadcast: read it to write its whole snippet.
            video = (await meter.Spend("videos.list", client.ListVideosAsync([broadcast.Id!], "snippet", cancellationToken)).ConfigureAwait(false)).Single();
        }
        else
        {
            broadcast = found.Value.Broadcast!;
            video = found.Value.Video;
        }

        var id = broadcast.Id!;
        // Read before any update: an update's response carries only the parts it wrote.
        var boundStreamId = broadcast.ContentDetails?.BoundStreamId;
        var lifeCycle = broadcast.Status?.LifeCycleStatus ?? "created";
        var finished = lifeCycle is "live" or "liveStarting" or "complete" or "revoked";
        var snippet = broadcast.Snippet ?? new LiveBroadcastSnippet();
        var textDiff = snippet.Title != spec.Title || snippet.Description != spec.Description;
        var timeDiff = !SameInstant(snippet.ScheduledStartTimeRaw, spec.ScheduledStart)
            || (spec.ScheduledEnd is { } end && !SameInstant(snippet.ScheduledEndTimeRaw, end));
        if (timeDiff && finished)
        {
            actions.Add($"kept the schedule: the broadcast is {lifeCycle}");
            timeDiff = false;
        }
        var privacyDiff = broadcast.Status?.PrivacyStatus != spec.Visibility;
        var desiredTags = DesiredTags(spec, video.Snippet?.Tags);
        var videoDiff = video.Snippet?.CategoryId != spec.CategoryId || !(video.Snippet?.Tags ?? []).SequenceEqual(desiredTags);

        List<string> parts = [];
        if (timeDiff) { parts.Add("snippet"); }
        if (privacyDiff) { parts.Add("status"); }
        // Title/description ride along with a broadcast update when one happens anyway and the video needs no write.
        if (textDiff && !videoDiff && parts.Count > 0 && !parts.Contains("snippet") && !finished) { parts.Insert(0, "snippet"); }
        if (parts.Count > 0)
        {
            var update = new LiveBroadcast
            {
                Id = id,
                Snippet = parts.Contains("snippet") ? BroadcastSnippet(spec) : null,
                Status = parts.Contains("status") ? new LiveBroadcastStatus { PrivacyStatus = spec.Visibility, SelfDeclaredMadeForKids = broadcast.Status?.SelfDeclaredMadeForKids ?? false } : null,
            };
            await meter.Spend("liveBroadcasts.update", client.UpdateBroadcastAsync(update, string.Join(',', parts), cancellationToken)).ConfigureAwait(false);
            if (!created)
            {
                actions.Add($"updated broadcast {string.Join('+', parts)} ({Differences(snippet, spec, textDiff, timeDiff, privacyDiff)})");
            }
        }
        var textHandled = parts.Contains("snippet");
        if (videoDiff || (textDiff && !textHandled))
        {
            var whole = video.Snippet ?? new VideoSnippet();
            whole.Title = spec.Title;
            whole.Description = spec.Description;
            whole.CategoryId = spec.CategoryId;
            whole.Tags = desiredTags;
            // Send the etag only when nothing we did since the read changed the video (a broadcast update does).
            var etag = parts.Count == 0 ? video.ETag : null;
            await meter.Spend("videos.update", client.UpdateVideoAsync(new Video { Id = id, ETag = etag, Snippet = whole }, "snippet", cancellationToken)).ConfigureAwait(false);
            actions.Add(created ? "set category and tags" : "updated video snippet (title, description, category, tags)");
        }

        if (boundStreamId != streamId && !finished)
        {
            try
            {
                await meter.Spend("liveBroadcasts.bind", client.BindBroadcastAsync(id, streamId, BroadcastParts, cancellationToken)).ConfigureAwait(false);
            }
            catch (YouTubeApiException e) when (e.Reason == "liveStreamNotFound")
            {
                // The remembered stream is gone (the cleanup deletes a show's stream once the show has no episode left,
                // and the show may come back): forget it, find or create the stream again, bind to that.
                _streams.TryRemove(new KeyValuePair<string, string>(spec.StreamKey, streamId));
                actions.Add($"stream {streamId} no longer exists");
                streamId = await EnsureStreamAsync(spec.StreamKey, meter, actions, cancellationToken).ConfigureAwait(false);
                await meter.Spend("liveBroadcasts.bind", client.BindBroadcastAsync(id, streamId, BroadcastParts, cancellationToken)).ConfigureAwait(false);
            }
            actions.Add($"bound to stream {streamId} ({spec.StreamKey})");
            if (lifeCycle == "created") { lifeCycle = "ready"; }
        }

        await EnsurePlaylistAsync(spec, id, created, meter, actions, cancellationToken).ConfigureAwait(false);
        return new BroadcastResult(id, streamId, created, actions, meter.Units) { LifeCycleStatus = lifeCycle };
    }

    /// <summary>
    /// Keeps an existing video (a show that is over) in sync with its episode: reads it (videos.list, 1 unit), checks it
    /// is the authorised channel's (channels.list once per process, 1 unit), and writes title, description, tags,
    /// category and privacy with one videos.update of the whole snippet (50 units) only when something differs. No
    /// schedule change, no bind, no transition, no playlist, no thumbnail; never creates anything.
    /// </summary>
    /// <exception cref="YouTubeApiException">NotFound when the channel does not have the video (naming the id and the file).</exception>
    public async Task<BroadcastResult> EnsureExistingVideoAsync(BroadcastSpec spec, CancellationToken cancellationToken = default)
    {
        SpecValidator.Validate(spec);
        var id = spec.ClaimedVideoId ?? spec.KnownVideoId
            ?? throw new ArgumentException($"episode '{spec.EpisodeId}': an existing video needs its id.", nameof(spec));
        var meter = new Meter();
        List<string> actions = [];
        var video = (await meter.Spend("videos.list", client.ListVideosAsync([id], "snippet,status", cancellationToken)).ConfigureAwait(false)).SingleOrDefault()
            ?? throw ClaimNotHeld(spec, id, "is not a video of this channel (videos.list does not have it)");
        await CheckOwnerAsync(spec, video, meter, cancellationToken).ConfigureAwait(false);
        return await EnsureAdoptedVideoAsync(spec, video, meter, actions, cancellationToken, playlist: false).ConfigureAwait(false);
    }

    private string? _channelId;

    /// <summary>A claimed video must be the authorised channel's: videos.list answers other channels' public videos too.</summary>
    private async Task CheckOwnerAsync(BroadcastSpec spec, Video video, Meter meter, CancellationToken cancellationToken)
    {
        if (spec.ClaimedVideoId is null || video.Id != spec.ClaimedVideoId || video.Snippet?.ChannelId is not { } owner) { return; }
        _channelId ??= (await meter.Spend("channels.list", client.GetMyChannelAsync(cancellationToken)).ConfigureAwait(false))?.Id;
        if (_channelId is not null && owner != _channelId)
        {
            throw ClaimNotHeld(spec, video.Id!, $"belongs to channel {owner}, not to the authorised channel {_channelId}");
        }
    }

    private static YouTubeApiException ClaimNotHeld(BroadcastSpec spec, string id, string why) =>
        new($"episode '{spec.EpisodeId}': youtube.videoId '{id}' in {spec.ClaimSource ?? "its file"} {why}; nothing was created in its place. "
            + "Fix the id (rawkode adopt lists the channel's videos) or remove it.",
            YouTubeErrorKind.NotFound, "videos.list", System.Net.HttpStatusCode.NotFound, "videoNotFound", "id", id, null, null, null);

    private async Task<BroadcastResult> EnsureAdoptedVideoAsync(BroadcastSpec spec, Video video, Meter meter, List<string> actions, CancellationToken cancellationToken, bool playlist = true)
    {
        var id = video.Id!;
        var snippet = video.Snippet ?? new VideoSnippet();
        var desiredTags = DesiredTags(spec, snippet.Tags);
        var snippetDiff = snippet.Title != spec.Title || snippet.Description != spec.Description || snippet.CategoryId != spec.CategoryId
            || !(snippet.Tags ?? []).SequenceEqual(desiredTags);
        var privacyDiff = video.Status?.PrivacyStatus != spec.Visibility;
        if (snippetDiff || privacyDiff)
        {
            snippet.Title = spec.Title;
            snippet.Description = spec.Description;
            snippet.CategoryId = spec.CategoryId;
            snippet.Tags = desiredTags;
            var status = video.Status ?? new VideoStatus();
            status.PrivacyStatus = spec.Visibility;
            List<string> parts = [];
            if (snippetDiff) { parts.Add("snippet"); }
            if (privacyDiff) { parts.Add("status"); }
            await meter.Spend("videos.update", client.UpdateVideoAsync(new Video
            {
                Id = id,
                ETag = video.ETag,
                Snippet = snippetDiff ? snippet : null,
                Status = privacyDiff ? status : null,
            }, string.Join(',', parts), cancellationToken)).ConfigureAwait(false);
            actions.Add($"updated adopted video {string.Join('+', parts)}");
        }
        if (playlist) { await EnsurePlaylistAsync(spec, id, created: false, meter, actions, cancellationToken).ConfigureAwait(false); }
        return new BroadcastResult(id, null, Created: false, actions, meter.Units) { LifeCycleStatus = "complete" };
    }

    private async Task EnsurePlaylistAsync(BroadcastSpec spec, string id, bool created, Meter meter, List<string> actions, CancellationToken cancellationToken)
    {
        if (spec.PlaylistId is not { } playlist) { return; }
        // A video created just now cannot be in the playlist yet: skip the read.
        var present = !created && (await meter.Spend("playlistItems.list", client.ListPlaylistItemsAsync(playlist, id, null, cancellationToken)).ConfigureAwait(false)).Items?.Count > 0;
        if (!present)
        {
            await meter.Spend("playlistItems.insert", client.InsertPlaylistItemAsync(playlist, id, cancellationToken)).ConfigureAwait(false);
            actions.Add($"added to playlist {playlist}");
        }
    }

    /// <summary>
    /// Uploads the thumbnail unless the video's marker says this hash is already there; after an upload the
    /// marker tag is rewritten (videos.update) so the next run can skip. Cost: 1 when unchanged, 101 otherwise; 51 when
    /// <see cref="ThumbnailSpec.ShowsAlready"/> finds the image already on the video (an earlier attempt's upload).
    /// </summary>
    public async Task<EnsureResult> EnsureThumbnailAsync(ThumbnailSpec spec, CancellationToken cancellationToken = default)
    {
        var contentType = SpecValidator.ValidateThumbnail(spec);
        var meter = new Meter();
        var video = (await meter.Spend("videos.list", client.ListVideosAsync([spec.VideoId], "snippet", cancellationToken)).ConfigureAwait(false)).SingleOrDefault()
            ?? throw NotFound("videos.list", spec.VideoId, spec.EpisodeId);
        var shortHash = Markers.ShortHash(spec.Hash);
        if (Markers.ThumbnailOf(video.Snippet?.Tags) == shortHash) { return new EnsureResult(spec.VideoId, [], meter.Units); }

        var uploaded = true;
        if (spec.ShowsAlready is { } showsAlready && ServedThumbnail(video) is { } served
            && await showsAlready(served, cancellationToken).ConfigureAwait(false))
        {
            // An earlier attempt uploaded it and failed before writing the marker: 50 units for the marker, not 100 again.
            uploaded = false;
        }
        else
        {
            await meter.Spend("thumbnails.set", client.SetThumbnailAsync(spec.VideoId, spec.Image, contentType, cancellationToken)).ConfigureAwait(false);
        }
        var snippet = video.Snippet!;
        snippet.Tags = [.. (snippet.Tags ?? []).Where(t => !t.StartsWith(Markers.ThumbnailPrefix, StringComparison.Ordinal)), Markers.ThumbnailTag(spec.Hash)];
        // No etag: the upload itself changed the video since the read.
        await meter.Spend("videos.update", client.UpdateVideoAsync(new Video { Id = video.Id, Snippet = snippet }, "snippet", cancellationToken)).ConfigureAwait(false);
        return new EnsureResult(spec.VideoId, [uploaded
            ? $"uploaded thumbnail {shortHash} ({contentType}, {spec.Image.Length} bytes)"
            : $"thumbnail {shortHash} was already on the video (an earlier attempt uploaded it before failing); recorded its marker"], meter.Units);
    }

    /// <summary>The largest 16:9 image YouTube serves for the video (maxres, else medium; the others are letterboxed 4:3).</summary>
    private static Uri? ServedThumbnail(Video video)
    {
        var url = video.Snippet?.Thumbnails?.Maxres?.Url ?? video.Snippet?.Thumbnails?.Medium?.Url;
        return Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" ? uri : null;
    }

    /// <summary>
    /// Makes each video's description equal its spec: validates all first (nothing is called if any is bad), reads the
    /// videos in batches of 50 (1 unit each), and rewrites (50 units, whole snippet) only those whose text differs.
    /// Running it again after a partial failure (e.g. quotaExceeded) redoes nothing that already succeeded.
    /// </summary>
    public async Task<DescriptionsResult> EnsureDescriptionsAsync(IReadOnlyList<DescriptionSpec> specs, CancellationToken cancellationToken = default)
    {
        SpecValidator.Validate(specs);
        var meter = new Meter();
        var wanted = new Dictionary<string, DescriptionSpec>(StringComparer.Ordinal);
        foreach (var spec in specs) { wanted[spec.VideoId] = spec; }
        List<string> updated = [], unchanged = [], missing = [];
        var reads = 0;
        foreach (var batch in wanted.Keys.Chunk(YouTubeClient.MaxIdsPerList))
        {
            var videos = await meter.Spend("videos.list", client.ListVideosAsync(batch, "snippet", cancellationToken)).ConfigureAwait(false);
            reads++;
            var byId = videos.Where(v => v.Id is not null).ToDictionary(v => v.Id!, StringComparer.Ordinal);
            foreach (var videoId in batch)
            {
                if (!byId.TryGetValue(videoId, out var video) || video.Snippet is null) { missing.Add(videoId); continue; }
                var desired = wanted[videoId].Description;
                if (string.Equals(video.Snippet.Description ?? "", desired, StringComparison.Ordinal)) { unchanged.Add(videoId); continue; }
                video.Snippet.Description = desired;
                await meter.Spend("videos.update", client.UpdateVideoAsync(new Video { Id = videoId, ETag = video.ETag, Snippet = video.Snippet }, "snippet", cancellationToken)).ConfigureAwait(false);
                updated.Add(videoId);
            }
        }
        return new DescriptionsResult(updated, unchanged, missing, reads, meter.Units);
    }

    /// <summary>
    /// Reads the videos' snippets, 50 ids a videos.list call (1 unit each): what a sweep reads once for many episodes, so
    /// each of them can compare and write without a read of its own. Ids videos.list does not return are left out.
    /// </summary>
    public async Task<VideosRead> ReadVideosAsync(IReadOnlyList<string> videoIds, CancellationToken cancellationToken = default)
    {
        var meter = new Meter();
        List<Video> found = [];
        var reads = 0;
        foreach (var batch in videoIds.Distinct(StringComparer.Ordinal).Chunk(YouTubeClient.MaxIdsPerList))
        {
            found.AddRange((await meter.Spend("videos.list", client.ListVideosAsync(batch, "snippet", cancellationToken)).ConfigureAwait(false))
                .Where(v => v.Id is not null && v.Snippet is not null));
            reads++;
        }
        return new VideosRead(found, reads, meter.Units);
    }

    /// <summary>
    /// Writes the spec's description onto <paramref name="seen"/>, the video as read earlier (its snippet and etag, e.g. by
    /// <see cref="ReadVideosAsync"/>), without reading it again: one videos.update (50 units) of the whole snippet, guarded
    /// by the etag. A video changed since that read (412 conditionNotMet) is read again and compared first, as
    /// <see cref="EnsureDescriptionsAsync"/> does, so nobody's newer edit of the title or tags is written over.
    /// </summary>
    public async Task<DescriptionsResult> WriteDescriptionAsync(DescriptionSpec spec, Video seen, CancellationToken cancellationToken = default)
    {
        SpecValidator.Validate([spec]);
        if (seen.Id != spec.VideoId || seen.Snippet is null)
        {
            throw new ArgumentException($"the video read earlier is {seen.Id}, not {spec.VideoId}, or has no snippet", nameof(seen));
        }
        var meter = new Meter();
        var snippet = seen.Snippet;
        snippet.Description = spec.Description;
        try
        {
            await meter.Spend("videos.update", client.UpdateVideoAsync(new Video { Id = spec.VideoId, ETag = seen.ETag, Snippet = snippet }, "snippet", cancellationToken))
                .ConfigureAwait(false);
            return new DescriptionsResult([spec.VideoId], [], [], 0, meter.Units);
        }
        catch (YouTubeApiException e) when (e.Kind == YouTubeErrorKind.Conflict)
        {
            // Changed on YouTube since the sweep read it (the creator in Studio): read it again, write only if still needed.
            var again = await EnsureDescriptionsAsync([spec], cancellationToken).ConfigureAwait(false);
            return again with { UnitsSpent = again.UnitsSpent + meter.Units };
        }
    }

    /// <summary>Deletes the broadcast unless it is live or complete (cancelling an episode). Returns what it did.</summary>
    public async Task<EnsureResult> EnsureBroadcastDeletedAsync(string episodeId, string videoId, CancellationToken cancellationToken = default)
    {
        var meter = new Meter();
        var found = await meter.Spend("liveBroadcasts.list", client.ListBroadcastsAsync([videoId], "id,status", cancellationToken)).ConfigureAwait(false);
        if (found.Count == 0) { return new EnsureResult(videoId, [], meter.Units); }
        var state = found[0].Status?.LifeCycleStatus;
        if (state is "live" or "complete" or "liveStarting")
        {
            return new EnsureResult(videoId, [$"kept broadcast of {episodeId}: it is {state}"], meter.Units);
        }
        await meter.Spend("liveBroadcasts.delete", client.DeleteBroadcastAsync(videoId, cancellationToken)).ConfigureAwait(false);
        return new EnsureResult(videoId, [$"deleted broadcast of {episodeId}"], meter.Units);
    }

    private async Task<string> EnsureStreamAsync(string streamKey, Meter meter, List<string> actions, CancellationToken cancellationToken)
    {
        if (_streams.TryGetValue(streamKey, out var known)) { return known; }
        var gate = _streamLocks.GetOrAdd(streamKey, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_streams.TryGetValue(streamKey, out known)) { return known; }
            return await FindOrCreateStreamAsync(streamKey, meter, actions, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<string> FindOrCreateStreamAsync(string streamKey, Meter meter, List<string> actions, CancellationToken cancellationToken)
    {
        var marker = Markers.StreamDescription(streamKey);
        string? pageToken = null;
        do
        {
            var page = await meter.Spend("liveStreams.list", client.ListMyStreamsAsync("id,snippet", pageToken, cancellationToken)).ConfigureAwait(false);
            var match = page.Items?.FirstOrDefault(s => s.Snippet?.Description == marker);
            if (match?.Id is { } id) { return _streams[streamKey] = id; }
            pageToken = page.NextPageToken;
        }
        while (pageToken is not null);

        var stream = await meter.Spend("liveStreams.insert", client.InsertStreamAsync(new LiveStream
        {
            Snippet = new LiveStreamSnippet { Title = streamKey, Description = marker },
            Cdn = new CdnSettings { IngestionType = "rtmp", Resolution = "variable", FrameRate = "variable" },
            ContentDetails = new LiveStreamContentDetails { IsReusable = true },
        }, "id,snippet,cdn,contentDetails,status", cancellationToken)).ConfigureAwait(false);
        actions.Add($"created stream {stream.Id} for key {streamKey}");
        return _streams[streamKey] = stream.Id!;
    }

    private async Task<(LiveBroadcast? Broadcast, Video Video)?> FindAsync(BroadcastSpec spec, Meter meter, List<string> actions, CancellationToken cancellationToken)
    {
        if (spec.KnownVideoId is { } knownId)
        {
            var byId = await meter.Spend("liveBroadcasts.list", client.ListBroadcastsAsync([knownId], BroadcastParts, cancellationToken)).ConfigureAwait(false);
            var video = (await meter.Spend("videos.list", client.ListVideosAsync([knownId], byId.Count == 1 ? "snippet" : "snippet,status", cancellationToken)).ConfigureAwait(false)).SingleOrDefault();
            if (video is not null)
            {
                await CheckOwnerAsync(spec, video, meter, cancellationToken).ConfigureAwait(false);
                return (byId.Count == 1 ? byId[0] : null, video);
            }
            if (knownId == spec.ClaimedVideoId)
            {
                // The file says this episode IS that video: creating another in its place would be a second video.
                throw ClaimNotHeld(spec, knownId, "is not a video of this channel (liveBroadcasts.list and videos.list do not have it)");
            }
            actions.Add($"stored video {knownId} no longer exists; looking for our marker");
        }

        // Our broadcasts carry the marker tag, which only videos.list returns: page through the channel's
        // broadcasts (1 unit per 50) and read their videos' tags (1 unit per 50).
        var tag = Markers.EpisodeTag(spec.EpisodeId);
        (LiveBroadcast Broadcast, Video Video)? unmarked = null;
        string? pageToken = null;
        do
        {
            var page = await meter.Spend("liveBroadcasts.list", client.ListMyBroadcastsAsync(BroadcastParts, null, pageToken, cancellationToken)).ConfigureAwait(false);
            var items = page.Items ?? [];
            if (items.Count > 0)
            {
                var videos = await meter.Spend("videos.list", client.ListVideosAsync([.. items.Select(b => b.Id!)], "snippet", cancellationToken)).ConfigureAwait(false);
                var match = videos.FirstOrDefault(v => v.Snippet?.Tags?.Contains(tag) == true);
                if (match is not null)
                {
                    actions.Add($"found broadcast {match.Id} by marker");
                    return (items.First(b => b.Id == match.Id), match);
                }
                unmarked ??= FindUnmarkedTwin(spec, items, videos);
            }
            pageToken = page.NextPageToken;
        }
        while (pageToken is not null);
        if (unmarked is { } twin)
        {
            actions.Add($"adopted broadcast {twin.Broadcast.Id} carrying this episode's create intent (an earlier attempt failed before marking it)");
            return twin;
        }
        return null;
    }

    /// <summary>
    /// The marker lives on the video (tags), which liveBroadcasts.insert cannot set, so a create is two calls. When
    /// the second fails (or the insert's response is lost), the retry must find the half-made broadcast instead of
    /// inserting another: an upcoming broadcast without any episode marker that carries this create's intent
    /// (<see cref="BroadcastSpec.CreateIntent"/>), which the insert wrote. Title and start prove nothing: a creator's
    /// own broadcast may share them, and it is never taken over.
    /// </summary>
    private static (LiveBroadcast Broadcast, Video Video)? FindUnmarkedTwin(BroadcastSpec spec, IEnumerable<LiveBroadcast> broadcasts, IEnumerable<Video> videos)
    {
        if (spec.CreateIntent is not { } intent) { return null; }
        foreach (var video in videos)
        {
            if (video.Snippet?.Tags?.Any(t => t.StartsWith(Markers.EpisodePrefix, StringComparison.Ordinal)) == true) { continue; }
            var broadcast = broadcasts.FirstOrDefault(b => b.Id == video.Id);
            if (broadcast?.Snippet is not { } snippet || !Markers.CarriesIntent(snippet.Description, intent)) { continue; }
            if ((broadcast.Status?.LifeCycleStatus ?? "created") is not ("created" or "ready" or "testing")) { continue; }
            return (broadcast, video);
        }
        return null;
    }

    private static LiveBroadcastSnippet BroadcastSnippet(BroadcastSpec spec) => new()
    {
        Title = spec.Title,
        Description = spec.Description,
        ScheduledStartTimeRaw = Rfc3339(spec.ScheduledStart),
        ScheduledEndTimeRaw = spec.ScheduledEnd is { } end ? Rfc3339(end) : null,
    };

    private static List<string> DesiredTags(BroadcastSpec spec, IList<string>? current)
    {
        // Keep the thumbnail marker: it records what was uploaded, which this spec does not know.
        var thumbnail = current?.FirstOrDefault(t => t.StartsWith(Markers.ThumbnailPrefix, StringComparison.Ordinal));
        List<string> tags = [.. spec.Tags.Where(t => !Markers.IsMarker(t)), Markers.EpisodeTag(spec.EpisodeId)];
        if (thumbnail is not null) { tags.Add(thumbnail); }
        return tags;
    }

    private static string Differences(LiveBroadcastSnippet old, BroadcastSpec spec, bool text, bool time, bool privacy)
    {
        List<string> what = [];
        if (text && old.Title != spec.Title) { what.Add("title"); }
        if (text && old.Description != spec.Description) { what.Add("description"); }
        if (time) { what.Add("schedule"); }
        if (privacy) { what.Add("visibility"); }
        return string.Join(", ", what);
    }

    private static string Rfc3339(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static bool SameInstant(string? raw, DateTimeOffset expected) =>
        raw is not null && DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var actual) && actual == expected;

    private static YouTubeApiException NotFound(string method, string id, string episodeId) =>
        new($"YouTube {method}: video '{id}' of episode '{episodeId}' does not exist (or is not this channel's).",
            YouTubeErrorKind.NotFound, method, System.Net.HttpStatusCode.NotFound, "videoNotFound", "id", id, null, null, null);

    /// <summary>Adds up the cost of the calls one operation makes (the ledger is shared by concurrent operations).</summary>
    private sealed class Meter
    {
        public int Units { get; private set; }

        public Task<T> Spend<T>(string method, Task<T> call)
        {
            Units += YouTubeCosts.For(method);
            return call;
        }

        public Task Spend(string method, Task call)
        {
            Units += YouTubeCosts.For(method);
            return call;
        }
    }
}

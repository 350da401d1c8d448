using RawkodeAutomation.Episodes.Quota;
using RawkodeAutomation.YouTube.Quota;

namespace RawkodeAutomation.YouTube.Operations;

/// <summary>A liveStream whose description carries our <c>rawkode-stream:</c> marker, as the cleanup sees it.</summary>
/// <param name="StreamKey">The show's stream key the marker names (<see cref="Markers.StreamDescription"/>).</param>
public sealed record MarkedStream(string StreamId, string StreamKey, string Title);

/// <summary>The result of <see cref="MarkedStreams.ScanAsync"/>.</summary>
/// <param name="Marked">The channel's streams with our marker.</param>
/// <param name="Unmarked">Streams without it (not ours: never touched).</param>
/// <param name="UnitsSpent">Quota units of every call made.</param>
public sealed record MarkedStreamScan(IReadOnlyList<MarkedStream> Marked, int Unmarked, int UnitsSpent);

/// <summary>A broadcast that has not completed and the stream bound to it (YouTube refuses to delete such a stream).</summary>
/// <param name="LifeCycleStatus">liveBroadcast.status.lifeCycleStatus (created, ready, testing, live, ...).</param>
public sealed record StreamBinding(string StreamId, string BroadcastId, string LifeCycleStatus);

/// <summary>The result of <see cref="MarkedStreams.BindingsAsync"/>.</summary>
public sealed record StreamBindings(IReadOnlyList<StreamBinding> Bindings, int UnitsSpent);

/// <summary>The result of <see cref="MarkedStreams.DeleteIfUnboundAsync"/>.</summary>
/// <param name="Detail">What was done, or why the stream was kept.</param>
public sealed record MarkedStreamDeletion(string StreamId, bool Deleted, string Detail, int UnitsSpent);

/// <summary>
/// Finds and deletes the shows' persistent streams by our description marker, for the cleanup. Nothing without our
/// marker is ever deleted, and YouTube itself refuses to delete a stream bound to a broadcast that has not completed.
/// See https://developers.google.com/youtube/v3/live/docs/liveStreams.
/// </summary>
public sealed class MarkedStreams(IYouTubeClient client)
{
    /// <summary>Pages through the channel's streams (liveStreams.list mine=true, 1 unit per 50).</summary>
    /// <exception cref="YouTubeApiException">A call failed; see <see cref="YouTubeApiException.IsRetryable"/>.</exception>
    public async Task<MarkedStreamScan> ScanAsync(CancellationToken cancellationToken = default)
    {
        var units = 0;
        var unmarked = 0;
        List<MarkedStream> marked = [];
        string? pageToken = null;
        do
        {
            units += YouTubeCosts.For("liveStreams.list");
            var page = await client.ListMyStreamsAsync("id,snippet", pageToken, cancellationToken).ConfigureAwait(false);
            foreach (var stream in page.Items ?? [])
            {
                if (stream.Id is null || Markers.StreamKeyOf(stream.Snippet?.Description) is not { } key)
                {
                    unmarked++;
                    continue;
                }
                marked.Add(new MarkedStream(stream.Id, key, stream.Snippet?.Title ?? ""));
            }
            pageToken = page.NextPageToken;
        }
        while (pageToken is not null);
        return new MarkedStreamScan(marked, unmarked, units);
    }

    /// <summary>
    /// The streams bound to the channel's upcoming and active broadcasts, ours or not (liveBroadcasts.list with
    /// broadcastStatus upcoming, then active: 1 unit per 50 each). A completed broadcast does not hold its stream.
    /// See https://developers.google.com/youtube/v3/live/docs/liveBroadcasts/list.
    /// </summary>
    /// <exception cref="YouTubeApiException">A call failed; see <see cref="YouTubeApiException.IsRetryable"/>.</exception>
    public async Task<StreamBindings> BindingsAsync(CancellationToken cancellationToken = default)
    {
        var units = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        List<StreamBinding> bindings = [];
        foreach (var status in (string[])["upcoming", "active"])
        {
            string? pageToken = null;
            do
            {
                units += YouTubeCosts.For("liveBroadcasts.list");
                var page = await client.ListMyBroadcastsAsync("id,status,contentDetails", status, pageToken, cancellationToken).ConfigureAwait(false);
                foreach (var broadcast in page.Items ?? [])
                {
                    // A broadcast that changes state between the two listings shows up in both.
                    if (broadcast.Id is null || !seen.Add(broadcast.Id) || broadcast.ContentDetails?.BoundStreamId is not { Length: > 0 } streamId)
                    {
                        continue;
                    }
                    bindings.Add(new StreamBinding(streamId, broadcast.Id, broadcast.Status?.LifeCycleStatus ?? "ready"));
                }
                pageToken = page.NextPageToken;
            }
            while (pageToken is not null);
        }
        return new StreamBindings(bindings, units);
    }

    /// <summary>
    /// Deletes the stream only if it still carries exactly <paramref name="streamKey"/>'s marker (read again first:
    /// liveStreams.list, 1 unit per 50), then liveStreams.delete (50). A stream already gone counts as done; a stream
    /// YouTube will not delete because a broadcast that has not completed is bound to it is kept, with that reason.
    /// See https://developers.google.com/youtube/v3/live/docs/liveStreams/delete.
    /// </summary>
    /// <exception cref="YouTubeApiException">A call failed otherwise; see <see cref="YouTubeApiException.IsRetryable"/>.</exception>
    public async Task<MarkedStreamDeletion> DeleteIfUnboundAsync(string streamKey, string streamId, CancellationToken cancellationToken = default)
    {
        // liveStreams.list by id is not on our client: the channel has a handful of streams, so one page finds it.
        var scan = await ScanAsync(cancellationToken).ConfigureAwait(false);
        var units = scan.UnitsSpent;
        var stream = scan.Marked.FirstOrDefault(s => s.StreamId == streamId);
        if (stream is null)
        {
            return new MarkedStreamDeletion(streamId, false, $"stream {streamId} is already gone or no longer carries our marker", units);
        }
        if (stream.StreamKey != streamKey)
        {
            return new MarkedStreamDeletion(streamId, false, $"stream {streamId} is marked for key {stream.StreamKey}, not {streamKey}", units);
        }
        units += YouTubeCosts.For("liveStreams.delete");
        try
        {
            await client.DeleteStreamAsync(streamId, cancellationToken).ConfigureAwait(false);
        }
        catch (YouTubeApiException e) when (e.Reason == "liveStreamNotFound")
        {
            return new MarkedStreamDeletion(streamId, false, $"stream {streamId} is already gone", units);
        }
        catch (YouTubeApiException e) when (e.Reason == "liveStreamDeletionNotAllowed")
        {
            return new MarkedStreamDeletion(streamId, false, $"YouTube refused to delete stream {streamId}: a broadcast that has not completed is bound to it ({e.Message})", units);
        }
        return new MarkedStreamDeletion(streamId, true, $"deleted stream {streamId} (key {streamKey})", units);
    }
}

using System.Globalization;
using RawkodeAutomation.Episodes.Quota;
using RawkodeAutomation.YouTube.Quota;

namespace RawkodeAutomation.YouTube.Operations;

/// <summary>A broadcast carrying our <c>rawkode-episode:</c> marker tag, as the cleanup sees it.</summary>
/// <param name="LifeCycleStatus">liveBroadcast.status.lifeCycleStatus: created, ready, testStarting, testing, liveStarting, live, ...</param>
public sealed record MarkedBroadcast(string VideoId, string EpisodeId, string Title, string LifeCycleStatus, DateTimeOffset? ScheduledStart)
{
    /// <summary>Only a broadcast nobody has started streaming to (created or ready) may be deleted by the automation.</summary>
    public bool NotYetLive => MarkedBroadcasts.NotYetLive(LifeCycleStatus);
}

/// <summary>The result of <see cref="MarkedBroadcasts.ScanAsync"/>.</summary>
/// <param name="Marked">Upcoming and active broadcasts with our episode marker.</param>
/// <param name="Unmarked">Upcoming and active broadcasts without it (not ours: never touched).</param>
/// <param name="UnitsSpent">Quota units of every call made.</param>
public sealed record MarkedBroadcastScan(IReadOnlyList<MarkedBroadcast> Marked, int Unmarked, int UnitsSpent);

/// <summary>The result of <see cref="MarkedBroadcasts.DeleteIfNotLiveAsync"/>.</summary>
/// <param name="Detail">What was done, or why the broadcast was kept.</param>
public sealed record MarkedBroadcastDeletion(string VideoId, bool Deleted, string Detail, int UnitsSpent);

/// <summary>
/// Finds and deletes broadcasts by our marker tag, for the cleanup. Only the upcoming and active broadcasts are
/// listed: completed ones can never be deleted, and on a channel with a long history listing them every pass would
/// cost quota for nothing. Nothing without our marker is ever deleted.
/// </summary>
public sealed class MarkedBroadcasts(IYouTubeClient client)
{
    private const string BroadcastParts = "id,snippet,status";

    /// <summary>created or ready: nothing has been streamed to it yet.</summary>
    public static bool NotYetLive(string lifeCycleStatus) => lifeCycleStatus is "created" or "ready";

    /// <summary>
    /// Pages through the channel's upcoming and active broadcasts (liveBroadcasts.list, 1 unit per 50) and reads their
    /// videos' tags (videos.list, 1 unit per 50), which is where the marker lives.
    /// See https://developers.google.com/youtube/v3/live/docs/liveBroadcasts/list and
    /// https://developers.google.com/youtube/v3/docs/videos/list.
    /// </summary>
    /// <exception cref="YouTubeApiException">A call failed; see <see cref="YouTubeApiException.IsRetryable"/>.</exception>
    public async Task<MarkedBroadcastScan> ScanAsync(CancellationToken cancellationToken = default)
    {
        var units = 0;
        var unmarked = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        List<MarkedBroadcast> marked = [];
        foreach (var status in (string[])["upcoming", "active"])
        {
            string? pageToken = null;
            do
            {
                units += YouTubeCosts.For("liveBroadcasts.list");
                var page = await client.ListMyBroadcastsAsync(BroadcastParts, status, pageToken, cancellationToken).ConfigureAwait(false);
                // A broadcast that changes state between the two listings shows up in both.
                var items = (page.Items ?? []).Where(b => b.Id is not null && seen.Add(b.Id)).ToList();
                if (items.Count > 0)
                {
                    units += YouTubeCosts.For("videos.list");
                    var videos = await client.ListVideosAsync([.. items.Select(b => b.Id!)], "snippet", cancellationToken).ConfigureAwait(false);
                    var tags = videos.Where(v => v.Id is not null).ToDictionary(v => v.Id!, v => v.Snippet?.Tags, StringComparer.Ordinal);
                    foreach (var broadcast in items)
                    {
                        if (Markers.EpisodeOf(tags.GetValueOrDefault(broadcast.Id!)) is not { Length: > 0 } episodeId)
                        {
                            unmarked++;
                            continue;
                        }
                        marked.Add(new MarkedBroadcast(
                            broadcast.Id!,
                            episodeId,
                            broadcast.Snippet?.Title ?? "",
                            broadcast.Status?.LifeCycleStatus ?? "created",
                            ParseTime(broadcast.Snippet?.ScheduledStartTimeRaw)));
                    }
                }
                pageToken = page.NextPageToken;
            }
            while (pageToken is not null);
        }
        return new MarkedBroadcastScan(marked, unmarked, units);
    }

    /// <summary>
    /// Deletes the broadcast only if it still carries exactly <paramref name="episodeId"/>'s marker and is not yet
    /// live (read again first: liveBroadcasts.list 1 + videos.list 1; then liveBroadcasts.delete 50). A broadcast
    /// that is already gone counts as done.
    /// See https://developers.google.com/youtube/v3/live/docs/liveBroadcasts/delete.
    /// </summary>
    /// <exception cref="YouTubeApiException">A call failed; see <see cref="YouTubeApiException.IsRetryable"/>.</exception>
    public async Task<MarkedBroadcastDeletion> DeleteIfNotLiveAsync(string episodeId, string videoId, CancellationToken cancellationToken = default)
    {
        var units = YouTubeCosts.For("liveBroadcasts.list");
        var found = await client.ListBroadcastsAsync([videoId], "id,status", cancellationToken).ConfigureAwait(false);
        if (found.Count == 0)
        {
            return new MarkedBroadcastDeletion(videoId, false, $"broadcast {videoId} is already gone", units);
        }
        var state = found[0].Status?.LifeCycleStatus ?? "created";
        if (!NotYetLive(state))
        {
            return new MarkedBroadcastDeletion(videoId, false, $"broadcast {videoId} is {state}: the automation never deletes a broadcast that went live", units);
        }
        units += YouTubeCosts.For("videos.list");
        var video = (await client.ListVideosAsync([videoId], "snippet", cancellationToken).ConfigureAwait(false)).SingleOrDefault();
        var marker = Markers.EpisodeOf(video?.Snippet?.Tags);
        if (marker != episodeId)
        {
            return new MarkedBroadcastDeletion(videoId, false,
                marker is null ? $"broadcast {videoId} has no rawkode-episode marker: not ours" : $"broadcast {videoId} is marked for {marker}, not {episodeId}", units);
        }
        units += YouTubeCosts.For("liveBroadcasts.delete");
        await client.DeleteBroadcastAsync(videoId, cancellationToken).ConfigureAwait(false);
        return new MarkedBroadcastDeletion(videoId, true, $"deleted broadcast {videoId} of {episodeId} ({state})", units);
    }

    private static DateTimeOffset? ParseTime(string? raw) =>
        raw is not null && DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
}

using System.Globalization;
using RawkodeAutomation.Episodes.Adoption;
using RawkodeAutomation.YouTube.Api;

namespace RawkodeAutomation.YouTube.Operations;

/// <summary>Every video of the authorised channel, and what reading them cost.</summary>
/// <param name="ChannelId">The authorised channel.</param>
/// <param name="ChannelTitle">Its title.</param>
/// <param name="Videos">Every video in its uploads playlist, newest first.</param>
/// <param name="Calls">Calls made per method.</param>
/// <param name="UnitsSpent">Quota units of those calls.</param>
public sealed record ChannelHistoryResult(
    string ChannelId,
    string? ChannelTitle,
    IReadOnlyList<ChannelVideo> Videos,
    IReadOnlyDictionary<string, int> Calls,
    int UnitsSpent);

/// <summary>
/// Reads a channel's history the cheap way: <c>channels.list mine=true</c> (1 unit) for the uploads playlist,
/// <c>playlistItems.list</c> pages of 50 (1 unit each), <c>videos.list</c> in batches of 50 ids with snippet, status and
/// liveStreamingDetails (1 unit each). A 500-video channel costs 21 units. Never <c>search.list</c> (100 units a page,
/// and it misses private and unlisted videos).
/// </summary>
public static class ChannelHistory
{
    /// <summary>Reads every video of the channel the client is authorised for.</summary>
    /// <exception cref="YouTubeApiException">A call failed.</exception>
    /// <exception cref="InvalidOperationException">The credential has no channel.</exception>
    public static async Task<ChannelHistoryResult> ReadAsync(IYouTubeClient client, CancellationToken cancellationToken = default)
    {
        var calls = new Dictionary<string, int>(StringComparer.Ordinal);
        void Count(string method) => calls[method] = calls.GetValueOrDefault(method) + 1;

        Count("channels.list");
        var channel = await client.GetMyChannelAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("YouTube channels.list mine=true: the credential has no YouTube channel.");
        var uploads = channel.ContentDetails?.RelatedPlaylists?.Uploads
            ?? throw new InvalidOperationException($"YouTube channels.list: channel '{channel.Id}' has no uploads playlist.");

        List<string> ids = [];
        string? pageToken = null;
        do
        {
            Count("playlistItems.list");
            var page = await client.ListPlaylistItemsAsync(uploads, null, pageToken, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items ?? [])
            {
                if ((item.ContentDetails?.VideoId ?? item.Snippet?.ResourceId?.VideoId) is { } id && !ids.Contains(id)) { ids.Add(id); }
            }
            pageToken = page.NextPageToken;
        }
        while (pageToken is not null);

        List<ChannelVideo> videos = [];
        foreach (var batch in ids.Chunk(YouTubeClient.MaxIdsPerList))
        {
            Count("videos.list");
            var found = await client.ListVideosAsync(batch, "snippet,status,liveStreamingDetails", cancellationToken).ConfigureAwait(false);
            foreach (var video in found)
            {
                // The uploads playlist is the channel's own; a video of another channel cannot be in it, but say so if it is.
                if (video.Snippet?.ChannelId is { } owner && owner != channel.Id) { continue; }
                videos.Add(new ChannelVideo(
                    video.Id!,
                    video.Snippet?.Title ?? "",
                    Time(video.Snippet?.PublishedAtRaw) ?? DateTimeOffset.MinValue,
                    Time(video.LiveStreamingDetails?.ActualStartTimeRaw),
                    Time(video.LiveStreamingDetails?.ScheduledStartTimeRaw),
                    video.LiveStreamingDetails is not null));
            }
        }
        var units = calls.Sum(c => RawkodeAutomation.Episodes.Quota.YouTubeCosts.For(c.Key) * c.Value);
        return new ChannelHistoryResult(channel.Id!, channel.Snippet?.Title, videos, calls, units);
    }

    private static DateTimeOffset? Time(string? raw) =>
        raw is not null && DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
}

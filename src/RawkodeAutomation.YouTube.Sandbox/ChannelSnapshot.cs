using System.Text.Json;
using System.Text.Json.Serialization;

namespace RawkodeAutomation.YouTube.Sandbox;

/// <summary>
/// A channel with history, as a file: the videos a creator already published before RawkodeAutomation ran their
/// channel. <see cref="YouTubeSandboxOptions.SnapshotPath"/> starts a sandbox from one when it has no state yet, so
/// onboarding (<c>rawkode adopt</c>) and the retroactive rewrite of old descriptions can be tried without a channel.
/// </summary>
/// <remarks>
/// The shape is ours, not YouTube's: one entry per video with what the read calls return (ids, titles, descriptions,
/// tags, publish and actual start times, whether it was live) and an optional thumbnail image path, relative to the
/// snapshot file. A video that was live is a completed broadcast (it is in <c>liveBroadcasts.list</c> and has
/// <c>liveStreamingDetails</c>); any other is a plain upload.
/// </remarks>
public sealed class ChannelSnapshot
{
    [JsonPropertyName("channelId")] public string ChannelId { get; set; } = "UCsandbox0000000000000000";
    [JsonPropertyName("channelTitle")] public string ChannelTitle { get; set; } = "Rawkode Academy (sandbox)";
    [JsonPropertyName("videos")] public List<SnapshotVideo> Videos { get; set; } = [];

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        ReadCommentHandling = JsonCommentHandling.Skip,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Reads a snapshot; a file that is not one names itself and what is wrong.</summary>
    public static ChannelSnapshot Load(string path)
    {
        try
        {
            var snapshot = JsonSerializer.Deserialize<ChannelSnapshot>(File.ReadAllText(path), Options)
                ?? throw new InvalidDataException($"YouTube channel snapshot '{path}' is empty.");
            snapshot._directory = Path.GetDirectoryName(Path.GetFullPath(path));
            return snapshot;
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"YouTube channel snapshot '{path}' is not valid: {error.Message}", error);
        }
    }

    /// <summary>Writes the snapshot as indented JSON.</summary>
    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Options) + "\n");

    private string? _directory;

    /// <summary>The sandbox state this snapshot describes (no quota used, no streams).</summary>
    public SandboxStateData ToState()
    {
        var state = new SandboxStateData { ChannelId = ChannelId, ChannelTitle = ChannelTitle };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var images = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var v in Videos)
        {
            if (!seen.Add(v.Id)) { throw new InvalidDataException($"YouTube channel snapshot: video id '{v.Id}' appears twice."); }
            var video = new SandboxVideo
            {
                Id = v.Id,
                PublishedAt = v.PublishedAt,
                Title = v.Title,
                Description = v.Description ?? "",
                Tags = v.Tags is { Count: > 0 } tags ? [.. tags] : null,
                CategoryId = v.CategoryId ?? "28",
                PrivacyStatus = v.PrivacyStatus ?? "public",
                IsBroadcast = v.WasLive,
                ScheduledStart = v.ScheduledStart ?? (v.WasLive ? v.ActualStart : null),
                ActualStart = v.WasLive ? v.ActualStart ?? v.PublishedAt : null,
                ActualEnd = v.WasLive ? v.ActualEnd ?? (v.ActualStart ?? v.PublishedAt).AddHours(1) : null,
                LifeCycleStatus = v.WasLive ? "complete" : "created",
                OwnerChannelId = v.ChannelId is { } owner && owner != ChannelId ? owner : null,
            };
            if (v.Thumbnail is { } file)
            {
                var full = Path.Combine(_directory ?? Directory.GetCurrentDirectory(), file);
                if (!images.TryGetValue(full, out var bytes))
                {
                    if (!File.Exists(full)) { throw new InvalidDataException($"YouTube channel snapshot: thumbnail '{file}' of video '{v.Id}' does not exist ({full})."); }
                    images[full] = bytes = File.ReadAllBytes(full);
                }
                video.Thumbnail = bytes;
                video.ThumbnailContentType = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) ? "image/jpeg" : "image/png";
                video.ThumbnailVersion = 1;
            }
            state.Videos.Add(video);
        }
        return state;
    }
}

/// <summary>One video of a <see cref="ChannelSnapshot"/>.</summary>
public sealed class SnapshotVideo
{
    /// <summary>11 characters of <c>[A-Za-z0-9_-]</c>, as YouTube's.</summary>
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("title")] public string Title { get; set; } = "";
    [JsonPropertyName("description")] public string? Description { get; set; }
    [JsonPropertyName("tags")] public List<string>? Tags { get; set; }
    [JsonPropertyName("categoryId")] public string? CategoryId { get; set; }
    [JsonPropertyName("privacyStatus")] public string? PrivacyStatus { get; set; }
    [JsonPropertyName("publishedAt")] public DateTimeOffset PublishedAt { get; set; }

    /// <summary>True when the video is a past live stream (a completed broadcast).</summary>
    [JsonPropertyName("wasLive")] public bool WasLive { get; set; }
    [JsonPropertyName("scheduledStart")] public DateTimeOffset? ScheduledStart { get; set; }
    [JsonPropertyName("actualStart")] public DateTimeOffset? ActualStart { get; set; }
    [JsonPropertyName("actualEnd")] public DateTimeOffset? ActualEnd { get; set; }

    /// <summary>Another channel's id: a public video of someone else (videos.list answers it; it is not this channel's).</summary>
    [JsonPropertyName("channelId")] public string? ChannelId { get; set; }

    /// <summary>The creator's own thumbnail: a PNG or JPEG path relative to the snapshot file.</summary>
    [JsonPropertyName("thumbnail")] public string? Thumbnail { get; set; }
}

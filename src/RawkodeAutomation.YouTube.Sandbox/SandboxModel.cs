using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace RawkodeAutomation.YouTube.Sandbox;

/// <summary>A video on the sandbox channel. A live broadcast is a video too (same id), as on YouTube.</summary>
public sealed class SandboxVideo
{
    public string Id { get; set; } = "";
    public DateTimeOffset PublishedAt { get; set; }
    public string Title { get; set; } = "";
    public string Description { get; set; } = "";
    public List<string>? Tags { get; set; }
    public string CategoryId { get; set; } = "22";
    public string PrivacyStatus { get; set; } = "private";
    public bool SelfDeclaredMadeForKids { get; set; }
    public int Revision { get; set; }

    /// <summary>
    /// Null for the channel's own videos; another channel's id for a public video of someone else's that videos.list
    /// still answers (it is not in the uploads playlist and cannot be updated).
    /// </summary>
    public string? OwnerChannelId { get; set; }

    /// <summary>True for videos created by liveBroadcasts.insert.</summary>
    public bool IsBroadcast { get; set; }
    public DateTimeOffset? ScheduledStart { get; set; }
    public DateTimeOffset? ScheduledEnd { get; set; }
    public DateTimeOffset? ActualStart { get; set; }
    public DateTimeOffset? ActualEnd { get; set; }
    /// <summary>created, ready, testing, live, complete (liveBroadcast.status.lifeCycleStatus).</summary>
    public string LifeCycleStatus { get; set; } = "created";
    public string? BoundStreamId { get; set; }
    public bool EnableAutoStart { get; set; }
    public bool EnableAutoStop { get; set; }

    public byte[]? Thumbnail { get; set; }
    public string? ThumbnailContentType { get; set; }
    public int ThumbnailVersion { get; set; }

    /// <summary>upcoming, live or none (video.snippet.liveBroadcastContent).</summary>
    public string LiveBroadcastContent => !IsBroadcast ? "none" : LifeCycleStatus switch
    {
        "live" or "liveStarting" => "live",
        "complete" or "revoked" => "none",
        _ => "upcoming",
    };

    public string ETag => SandboxIds.ETag($"video:{Id}:{Revision}");
}

/// <summary>A liveStream on the sandbox channel.</summary>
public sealed class SandboxStream
{
    public string Id { get; set; } = "";
    public DateTimeOffset PublishedAt { get; set; }
    public string Title { get; set; } = "";
    public string Description { get; set; } = "";
    public string StreamName { get; set; } = "";
    public string IngestionType { get; set; } = "rtmp";
    public string Resolution { get; set; } = "variable";
    public string FrameRate { get; set; } = "variable";
    public bool IsReusable { get; set; } = true;
    public int Revision { get; set; }
    public string ETag => SandboxIds.ETag($"stream:{Id}:{Revision}");
}

/// <summary>A playlistItem.</summary>
public sealed class SandboxPlaylistItem
{
    public string Id { get; set; } = "";
    public string PlaylistId { get; set; } = "";
    public string VideoId { get; set; } = "";
    public long Position { get; set; }
    public DateTimeOffset PublishedAt { get; set; }
    public string ETag => SandboxIds.ETag($"playlistItem:{Id}");
}

/// <summary>Everything the sandbox persists.</summary>
public sealed class SandboxStateData
{
    public string ChannelId { get; set; } = "UCsandbox0000000000000000";
    public string ChannelTitle { get; set; } = "Rawkode Academy (sandbox)";
    public List<SandboxVideo> Videos { get; set; } = [];
    public List<SandboxStream> Streams { get; set; } = [];
    public List<SandboxPlaylistItem> PlaylistItems { get; set; } = [];
    /// <summary>The Pacific day <see cref="QuotaUsed"/> counts against.</summary>
    public DateOnly QuotaDay { get; set; }
    public int QuotaUsed { get; set; }

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public static SandboxStateData Load(string path) =>
        JsonSerializer.Deserialize<SandboxStateData>(File.ReadAllText(path), Options)
        ?? throw new InvalidDataException($"YouTube sandbox state file '{path}' is empty.");

    public void Save(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) { Directory.CreateDirectory(directory); }
        // Write then rename, so a crash never leaves half a file behind.
        var temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, Options));
        File.Move(temp, path, overwrite: true);
    }
}

internal static class SandboxIds
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /// <summary>An id shaped like YouTube's (base64url).</summary>
    public static string New(int length = 11)
    {
        Span<byte> bytes = stackalloc byte[length];
        RandomNumberGenerator.Fill(bytes);
        var chars = new char[length];
        for (var i = 0; i < length; i++) { chars[i] = Alphabet[bytes[i] & 63]; }
        return new string(chars);
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350", Justification = "An ETag names a version; nothing is protected by it.")]
    public static string ETag(string seed) =>
        Convert.ToBase64String(SHA1.HashData(Encoding.UTF8.GetBytes(seed))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>The YouTube quota day: midnight to midnight America/Los_Angeles (duplicated from the client on purpose: the sandbox must not share code with what it tests).</summary>
internal static class Pacific
{
    private static readonly TimeZoneInfo? Zone = Find();

    private static TimeZoneInfo? Find()
    {
        try { return TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles"); }
        catch (TimeZoneNotFoundException) { return null; }
        catch (InvalidTimeZoneException) { return null; }
    }

    public static DateOnly DayOf(DateTimeOffset instant)
    {
        // Without tzdata, assume PST/PDT by month; precise enough for a sandbox without a zone database.
        var offset = Zone?.GetUtcOffset(instant) ?? TimeSpan.FromHours(instant.Month is > 3 and < 11 ? -7 : -8);
        return DateOnly.FromDateTime(instant.ToOffset(offset).DateTime);
    }

    public static DateTimeOffset ToPacific(DateTimeOffset instant) =>
        instant.ToOffset(Zone?.GetUtcOffset(instant) ?? TimeSpan.FromHours(instant.Month is > 3 and < 11 ? -7 : -8));
}

using System.Globalization;
using System.Text;

namespace RawkodeAutomation.YouTube.Operations;

/// <summary>
/// What an episode's broadcast should look like. Plain data: the pipeline maps the domain to it.
/// </summary>
/// <param name="EpisodeId">e.g. <c>klustered/2021-05-20-guy-templeton</c>; written as a marker tag so the broadcast can be found again.</param>
/// <param name="Title">At most 100 characters, no <c>&lt;</c>/<c>&gt;</c>.</param>
/// <param name="Description">The rendered description: at most 5,000 UTF-8 bytes, no <c>&lt;</c>/<c>&gt;</c>.</param>
/// <param name="ScheduledStart">When the show starts.</param>
/// <param name="ScheduledEnd">Optional planned end.</param>
/// <param name="Visibility">public, unlisted or private.</param>
/// <param name="CategoryId">YouTube video category id, e.g. 28 (Science &amp; Technology).</param>
/// <param name="Tags">Tags; with our marker tags at most 500 characters as YouTube counts them.</param>
/// <param name="StreamKey">The show's persistent stream (found or created once, then bound to every broadcast).</param>
/// <param name="PlaylistId">Optional playlist the video is added to.</param>
/// <param name="KnownVideoId">The broadcast's id if we stored one (or the episode adopts one).</param>
public sealed record BroadcastSpec(
    string EpisodeId,
    string Title,
    string Description,
    DateTimeOffset ScheduledStart,
    DateTimeOffset? ScheduledEnd,
    string Visibility,
    string CategoryId,
    IReadOnlyList<string> Tags,
    string StreamKey,
    string? PlaylistId,
    string? KnownVideoId)
{
    /// <summary>
    /// The episode file's <c>youtube.videoId</c>: a claim, not a wish. A claimed id the channel does not have (or a
    /// video of another channel) fails the operation; nothing is created in its place.
    /// </summary>
    public string? ClaimedVideoId { get; init; }

    /// <summary>Where the claim was made (the episode file), for the message when it does not hold.</summary>
    public string? ClaimSource { get; init; }

    /// <summary>
    /// An id only this caller could have written (the pipeline derives it from the episode's workflow), written onto a
    /// broadcast at insert (<see cref="Markers.IntentLine"/>, in the description until the marker tag replaces it). A
    /// create that failed after the insert is recovered by adopting the unmarked broadcast that carries it; without it,
    /// no unmarked broadcast is ever adopted (a creator's own broadcast with the same title and start stays theirs).
    /// </summary>
    public string? CreateIntent { get; init; }
}

/// <summary>A thumbnail for an episode's video.</summary>
/// <param name="EpisodeId">For messages.</param>
/// <param name="VideoId">The video to set it on.</param>
/// <param name="Image">PNG or JPEG bytes, at most 2 MB.</param>
/// <param name="Hash">A content hash (e.g. hex SHA-256); an unchanged hash means no upload.</param>
public sealed record ThumbnailSpec(string EpisodeId, string VideoId, ReadOnlyMemory<byte> Image, string Hash)
{
    /// <summary>
    /// Whether the image the video shows (at the URL videos.list gives, fetched without credentials and without quota)
    /// is already this thumbnail. YouTube serves a re-encoded JPEG, never the bytes it was sent, so only the looks can
    /// tell (the pipeline compares them with <c>ThumbnailLikeness</c>). Set when an earlier attempt may have uploaded
    /// this image and failed before its marker was written (a crash between the two calls): if the video shows it, the
    /// upload is not repeated and only the marker is written. Null: no read-back, the marker alone decides.
    /// </summary>
    public Func<Uri, CancellationToken, Task<bool>>? ShowsAlready { get; init; }
}

/// <summary>The description a published video should have.</summary>
public sealed record DescriptionSpec(string EpisodeId, string VideoId, string Description);

/// <summary>A spec that YouTube would refuse; raised before any call is made.</summary>
public sealed class YouTubeSpecException(string episodeId, IReadOnlyList<string> problems)
    : Exception($"Episode '{episodeId}' cannot be sent to YouTube:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", problems))
{
    public string EpisodeId { get; } = episodeId;
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>YouTube's limits on metadata (docs/architecture.md, "Facts about the outside world"), checked before any call.</summary>
public static class YouTubeLimits
{
    public const int MaxTitleCharacters = 100;
    public const int MaxDescriptionBytes = 5000;
    public const int MaxTagsCharacters = 500;
    public const int MaxThumbnailBytes = 2 * 1024 * 1024;

    /// <summary>Characters as a person counts them (a surrogate pair is one).</summary>
    public static int CharacterCount(string text) => text.EnumerateRunes().Count();

    /// <summary>
    /// The length YouTube charges tags against its 500-character limit: the tags joined by commas, with a tag
    /// that contains a space counted with the quotes YouTube wraps it in.
    /// https://developers.google.com/youtube/v3/docs/videos#snippet.tags[]
    /// </summary>
    public static int TagsLength(IEnumerable<string> tags)
    {
        var list = tags.ToList();
        return list.Sum(t => CharacterCount(t) + (t.Contains(' ', StringComparison.Ordinal) ? 2 : 0)) + Math.Max(0, list.Count - 1);
    }

    public static void CheckTitle(string title, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(title)) { problems.Add("title is empty."); return; }
        var n = CharacterCount(title);
        if (n > MaxTitleCharacters) { problems.Add($"title is {n} characters; YouTube allows {MaxTitleCharacters}."); }
        if (title.AsSpan().IndexOfAny('<', '>') >= 0) { problems.Add($"title contains '<' or '>' at index {title.AsSpan().IndexOfAny('<', '>')}; YouTube rejects them."); }
    }

    public static void CheckDescription(string description, List<string> problems)
    {
        var bytes = Encoding.UTF8.GetByteCount(description);
        if (bytes > MaxDescriptionBytes)
        {
            problems.Add($"description is {bytes.ToString(CultureInfo.InvariantCulture)} UTF-8 bytes; YouTube allows {MaxDescriptionBytes} (over by {bytes - MaxDescriptionBytes}).");
        }
        var at = description.AsSpan().IndexOfAny('<', '>');
        if (at >= 0)
        {
            var line = description.AsSpan(0, at).Count('\n') + 1;
            problems.Add($"description contains '{description[at]}' on line {line}; YouTube rejects '<' and '>' ({bytes} UTF-8 bytes).");
        }
    }

    public static void CheckTags(IReadOnlyList<string> tags, List<string> problems)
    {
        var length = TagsLength(tags);
        if (length > MaxTagsCharacters) { problems.Add($"tags are {length} characters as YouTube counts them (with our marker tags); YouTube allows {MaxTagsCharacters}."); }
        foreach (var tag in tags.Where(t => t.AsSpan().IndexOfAny('<', '>') >= 0 || t.Contains(',', StringComparison.Ordinal)))
        {
            problems.Add($"tag '{tag}' contains '<', '>' or ','.");
        }
    }

    /// <summary>image/png or image/jpeg from the file's signature, or null.</summary>
    public static string? ImageContentType(ReadOnlySpan<byte> image) =>
        image.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) ? "image/png"
        : image.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) ? "image/jpeg"
        : null;
}

/// <summary>
/// Our marker tags. A broadcast we own carries <c>rawkode-episode:&lt;episode id&gt;</c>, and after a thumbnail
/// upload <c>rawkode-thumbnail:&lt;first 16 hex of its hash&gt;</c>. Tags are invisible to viewers, survive
/// description rewrites, and come back with videos.list part=snippet (1 unit per 50 videos).
/// </summary>
public static class Markers
{
    public const string EpisodePrefix = "rawkode-episode:";
    public const string ThumbnailPrefix = "rawkode-thumbnail:";

    /// <summary>Starts the line a broadcast carries between its insert and its marker tag (see <see cref="BroadcastSpec.CreateIntent"/>).</summary>
    public const string IntentPrefix = "rawkode-intent:";

    /// <summary>The line appended to a broadcast's description at insert: the create's intent.</summary>
    public static string IntentLine(string intent) => IntentPrefix + intent;

    /// <summary>
    /// The description a broadcast is inserted with: the episode's text followed by the intent line, the text shortened
    /// (on a character boundary) when both would exceed YouTube's 5,000 bytes. The marker write that follows the insert
    /// puts the episode's own text back.
    /// </summary>
    public static string WithIntent(string description, string intent)
    {
        var line = "\n\n" + IntentLine(intent);
        var budget = YouTubeLimits.MaxDescriptionBytes - Encoding.UTF8.GetByteCount(line);
        var text = description;
        while (Encoding.UTF8.GetByteCount(text) > budget)
        {
            var cut = text.Length - 1;
            if (cut > 0 && char.IsLowSurrogate(text[cut])) { cut--; }
            text = text[..cut];
        }
        return text + line;
    }

    /// <summary>Whether a broadcast's description carries exactly <paramref name="intent"/> as its last line.</summary>
    public static bool CarriesIntent(string? description, string intent) =>
        description is not null && description.EndsWith("\n" + IntentLine(intent), StringComparison.Ordinal);

    public static string EpisodeTag(string episodeId) => EpisodePrefix + episodeId;

    public static string ThumbnailTag(string hash) => ThumbnailPrefix + ShortHash(hash);

    public static string ShortHash(string hash) => (hash.Length > 16 ? hash[..16] : hash).ToLowerInvariant();

    public static bool IsMarker(string tag) =>
        tag.StartsWith(EpisodePrefix, StringComparison.Ordinal) || tag.StartsWith(ThumbnailPrefix, StringComparison.Ordinal);

    public static string? EpisodeOf(IEnumerable<string>? tags) =>
        tags?.FirstOrDefault(t => t.StartsWith(EpisodePrefix, StringComparison.Ordinal))?[EpisodePrefix.Length..];

    public static string? ThumbnailOf(IEnumerable<string>? tags) =>
        tags?.FirstOrDefault(t => t.StartsWith(ThumbnailPrefix, StringComparison.Ordinal))?[ThumbnailPrefix.Length..];

    /// <summary>What a stream's description starts with when the stream is ours.</summary>
    public const string StreamPrefix = "rawkode-stream:";

    /// <summary>The stream's description marker, so the show's persistent stream is found by its key.</summary>
    public static string StreamDescription(string streamKey) => StreamPrefix + streamKey;

    /// <summary>The stream key a description marks (<see cref="StreamDescription"/>), or null when the stream is not ours.</summary>
    public static string? StreamKeyOf(string? description) =>
        description is not null && description.StartsWith(StreamPrefix, StringComparison.Ordinal) && description.Length > StreamPrefix.Length
            ? description[StreamPrefix.Length..]
            : null;
}

/// <summary>Validates specs before any API call.</summary>
public static class SpecValidator
{
    private static readonly string[] Visibilities = ["public", "unlisted", "private"];

    /// <summary>Throws <see cref="YouTubeSpecException"/> listing every problem of <paramref name="spec"/>.</summary>
    public static void Validate(BroadcastSpec spec)
    {
        List<string> problems = [];
        if (string.IsNullOrWhiteSpace(spec.EpisodeId)) { problems.Add("episode id is empty."); }
        YouTubeLimits.CheckTitle(spec.Title, problems);
        YouTubeLimits.CheckDescription(spec.Description, problems);
        // A thumbnail marker may be added later; count a worst-case one so a later upload cannot overflow.
        YouTubeLimits.CheckTags([.. spec.Tags, Markers.EpisodeTag(spec.EpisodeId), Markers.ThumbnailTag(new string('0', 16))], problems);
        if (!Visibilities.Contains(spec.Visibility)) { problems.Add($"visibility '{spec.Visibility}' must be one of public, unlisted, private."); }
        if (!spec.CategoryId.All(char.IsAsciiDigit) || spec.CategoryId.Length == 0) { problems.Add($"categoryId '{spec.CategoryId}' must be a numeric YouTube category id."); }
        if (string.IsNullOrWhiteSpace(spec.StreamKey)) { problems.Add("stream key is empty."); }
        if (spec.ScheduledEnd is { } end && end <= spec.ScheduledStart) { problems.Add($"scheduled end {end:O} is not after the start {spec.ScheduledStart:O}."); }
        if (problems.Count > 0) { throw new YouTubeSpecException(spec.EpisodeId, problems); }
    }

    /// <summary>Throws when the image is not PNG/JPEG or is over 2 MB.</summary>
    public static string ValidateThumbnail(ThumbnailSpec spec)
    {
        List<string> problems = [];
        var type = YouTubeLimits.ImageContentType(spec.Image.Span);
        if (type is null) { problems.Add("thumbnail is neither PNG nor JPEG (YouTube accepts only those)."); }
        if (spec.Image.Length > YouTubeLimits.MaxThumbnailBytes) { problems.Add($"thumbnail is {spec.Image.Length} bytes; YouTube allows {YouTubeLimits.MaxThumbnailBytes} (2 MB)."); }
        if (string.IsNullOrWhiteSpace(spec.Hash)) { problems.Add("thumbnail hash is empty."); }
        if (problems.Count > 0) { throw new YouTubeSpecException(spec.EpisodeId, problems); }
        return type!;
    }

    /// <summary>Throws one <see cref="YouTubeSpecException"/> per call listing every bad description of the batch.</summary>
    public static void Validate(IReadOnlyList<DescriptionSpec> specs)
    {
        List<string> problems = [];
        foreach (var spec in specs)
        {
            List<string> own = [];
            YouTubeLimits.CheckDescription(spec.Description, own);
            if (string.IsNullOrWhiteSpace(spec.VideoId)) { own.Add("video id is empty."); }
            problems.AddRange(own.Select(p => $"{spec.EpisodeId}: {p}"));
        }
        if (problems.Count > 0)
        {
            var first = specs.First(s => problems[0].StartsWith(s.EpisodeId + ":", StringComparison.Ordinal)).EpisodeId;
            throw new YouTubeSpecException(problems.Count == 1 ? first : $"{first} (and others)", problems);
        }
    }
}

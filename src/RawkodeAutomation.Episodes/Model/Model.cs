namespace RawkodeAutomation.Episodes.Model;

/// <summary>Where a value came from in a YAML file, so every error can say <c>path:line:column</c>.</summary>
/// <param name="Path">The file path, relative to the repository root when known (forward slashes).</param>
/// <param name="Line">1-based line.</param>
/// <param name="Column">1-based column.</param>
public readonly record struct SourceLocation(string Path, int Line, int Column)
{
    public override string ToString() => $"{Path}:{Line}:{Column}";
}

/// <summary>The visibility of a broadcast on YouTube.</summary>
public enum Visibility
{
    Public,
    Unlisted,
    Private,
}

/// <summary>A show: <c>episodes/shows/&lt;show-id&gt;.yaml</c>.</summary>
public sealed record Show(
    string Id,
    string Name,
    string Host,
    string Description,
    IReadOnlyList<string> Hashtags,
    ShowYouTube YouTube,
    string? Thumbnail,
    SourceLocation Location);

/// <summary>The YouTube settings of a show.</summary>
/// <param name="CategoryId">YouTube video category, e.g. 28 (Science &amp; Technology).</param>
/// <param name="PlaylistId">Optional playlist that new episodes are added to.</param>
/// <param name="StreamKey">Names the one persistent liveStream per show that every broadcast binds to.</param>
public sealed record ShowYouTube(int CategoryId, string? PlaylistId, string StreamKey)
{
    /// <summary>
    /// <c>youtube.replaceThumbnail: true</c>: the rendered thumbnail replaces the creator's own on this show's adopted
    /// videos too (off by default: an existing video's thumbnail is the creator's).
    /// </summary>
    public bool ReplaceThumbnail { get; init; }
}

/// <summary>A person (guest or host): <c>episodes/people/&lt;person-id&gt;.yaml</c>. No e-mail, by design.</summary>
public sealed record Person(
    string Id,
    string Name,
    string? Bio,
    string? GitHub,
    string? Twitter,
    Uri? Website,
    SourceLocation Location);

/// <summary>A chapter marker in the description.</summary>
/// <param name="At">Offset from the start of the video.</param>
public sealed record Chapter(TimeSpan At, string Title);

/// <summary>An episode: <c>episodes/&lt;show-id&gt;/&lt;yyyy-mm-dd&gt;-&lt;slug&gt;.yaml</c>.</summary>
/// <param name="Id"><c>&lt;show-id&gt;/&lt;file name without .yaml&gt;</c>; never changes once published.</param>
/// <param name="ScheduledFor">Start time with its offset; null only for drafts.</param>
public sealed record Episode(
    string Id,
    string ShowId,
    string Slug,
    string Title,
    DateTimeOffset? ScheduledFor,
    TimeSpan Duration,
    Visibility Visibility,
    bool Draft,
    IReadOnlyList<string> Guests,
    IReadOnlyList<string> Technologies,
    string Summary,
    IReadOnlyList<Chapter> Chapters,
    IReadOnlyList<Uri> Links,
    EpisodeYouTube? YouTube,
    KlusteredSpec? Klustered,
    SourceLocation Location);

/// <summary>Adopt an existing broadcast/video instead of creating one.</summary>
/// <param name="VideoId">The video this episode IS: never recreated; an id the channel lacks is an error.</param>
public sealed record EpisodeYouTube(string? VideoId)
{
    /// <summary><c>youtube.replaceThumbnail: true</c>: the rendered thumbnail replaces the existing video's own.</summary>
    public bool ReplaceThumbnail { get; init; }
}

/// <summary>The Klustered section of an episode.</summary>
public sealed record KlusteredSpec(TimeSpan ProvisionBefore, TimeSpan TeardownAfter, IReadOnlyList<KlusteredTeam> Teams);

/// <summary>One team: who breaks, who fixes, the cluster they get and the breaks applied to it.</summary>
/// <param name="TimeToFix">Written back by the automation once the fixers won.</param>
public sealed record KlusteredTeam(
    string Name,
    IReadOnlyList<string> Breakers,
    IReadOnlyList<string> Fixers,
    ClusterSpec Cluster,
    IReadOnlyList<string> Breaks,
    TimeSpan? TimeToFix = null);

/// <summary>A Cluster API cluster request: the ClusterClass and the Kubernetes version.</summary>
public sealed record ClusterSpec(string Class, string KubernetesVersion, int ControlPlaneReplicas = 1, int WorkerReplicas = 1);

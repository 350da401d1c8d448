using RawkodeAutomation.Episodes.Model;

namespace RawkodeAutomation.Episodes.Loading;

/// <summary>Options for <see cref="EpisodeLoader"/>.</summary>
public sealed record EpisodeLoaderOptions
{
    /// <summary>Break ids that episodes may reference; null skips the check (e.g. when the library is unknown).</summary>
    public IReadOnlySet<string>? KnownBreakIds { get; init; }

    /// <summary>Cluster API ClusterClass names teams may ask for; null skips the check.</summary>
    public IReadOnlySet<string>? KnownClusterClasses { get; init; }

    /// <summary>
    /// Render every episode's description to check the 5,000-byte and no-angle-bracket rules. On by
    /// default; <c>plan</c> turns it off for the "from" side, which is only compared, never published.
    /// </summary>
    public bool ValidateDescriptions { get; init; } = true;

    /// <summary>
    /// Share parsed files between loads of two trees that mostly hold the same files (e.g. both sides of
    /// <c>plan</c>): a file whose path and bytes are unchanged is parsed once. Null: no sharing.
    /// </summary>
    public LoadCache? Cache { get; init; }

    /// <summary>
    /// "Now", for the checks that depend on it: the latest date an episode may be scheduled for
    /// (<see cref="ScheduleRange"/>; null: the clock), and a show that is over without <c>youtube.videoId</c> (a
    /// warning; null skips it, so that check stays a function of the files alone; <c>rawkode validate</c> passes the clock).
    /// </summary>
    public DateTimeOffset? Now { get; init; }

    /// <summary>The catalogue this repository ships with: <see cref="KnownBreaks.Default"/> and <see cref="KnownClusterClasses.Default"/>.</summary>
    public static EpisodeLoaderOptions Default { get; } = new()
    {
        KnownBreakIds = KnownBreaks.Default,
        KnownClusterClasses = Loading.KnownClusterClasses.Default,
    };
}

/// <summary>The outcome of loading an episodes tree: what could be loaded, and every finding.</summary>
/// <param name="Repository">
/// Every show, person and episode that loaded without errors; an episode whose show did not load is left
/// out, so every episode in it can be rendered. References to people may still dangle when invalid.
/// </param>
/// <param name="Diagnostics">All errors and warnings, sorted by path, line and column.</param>
public sealed record LoadResult(EpisodeRepository Repository, IReadOnlyList<Diagnostic> Diagnostics)
{
    /// <summary>True when there is no error (warnings are allowed).</summary>
    public bool IsValid => !Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);

    public IEnumerable<Diagnostic> Errors => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error);
    public IEnumerable<Diagnostic> Warnings => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning);
}

/// <summary>
/// The ids of the Klustered break library. Kept here until the Kubernetes break library can be asked
/// directly; the CLI passes these to <see cref="EpisodeLoaderOptions.KnownBreakIds"/>.
/// </summary>
public static class KnownBreaks
{
    public static IReadOnlySet<string> Default { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "coredns-homoglyph", "coredns-scaled-to-zero", "networkpolicy-deny-all", "quota-zero-pods", "limitrange-1mi",
        "webhook-rewrite-v2", "webhook-fail-closed", "service-selector-typo", "taint-all-nodes", "scheduler-name-typo",
        "controller-manager-no-deployments", "kubelet-max-pods", "apiserver-wrong-port", "chmod-kubectl",
        "hosts-blackhole-registry", "readiness-probe-wrong-port", "kubelet-stopped",
    };
}

/// <summary>The ClusterClasses in the default Cluster API catalogue.</summary>
public static class KnownClusterClasses
{
    public static IReadOnlySet<string> Default { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "kubeadm-small", "kubeadm-medium",
    };
}

/// <summary>
/// Parsed files by path and content, shared between <see cref="EpisodeLoader.Load"/> calls through
/// <see cref="EpisodeLoaderOptions.Cache"/>. Thread-safe. Holds every file it has seen, so keep one per
/// operation (one plan), not per process.
/// </summary>
public sealed class LoadCache
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (byte[] Bytes, object Parsed)> _files = new(StringComparer.Ordinal);

    internal T GetOrAdd<T>(string path, byte[] bytes, Func<string, byte[], T> parse)
        where T : class
    {
        if (_files.TryGetValue(path, out var cached) && cached.Bytes.AsSpan().SequenceEqual(bytes))
        {
            return (T)cached.Parsed;
        }

        var parsed = parse(path, bytes);
        _files[path] = (bytes, parsed);
        return parsed;
    }
}

/// <summary>
/// The dates an episode's <c>scheduledFor</c> may name: from 2005-01-01 (YouTube did not exist before) to
/// <see cref="YearsAhead"/> years from now (YouTube refuses to schedule far ahead, and a date like 9999-12-31 is a
/// typo that would otherwise reach every description that lists the series). The upper bound only ever moves
/// later, so a file that validated once keeps validating.
/// </summary>
public static class ScheduleRange
{
    /// <summary>The earliest accepted <c>scheduledFor</c>.</summary>
    public static DateTimeOffset Earliest { get; } = new(2005, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>How far ahead of now an episode may be scheduled.</summary>
    public const int YearsAhead = 5;

    /// <summary>The latest accepted <c>scheduledFor</c> at <paramref name="now"/>.</summary>
    public static DateTimeOffset Latest(DateTimeOffset now) => now.ToUniversalTime().AddYears(YearsAhead);
}

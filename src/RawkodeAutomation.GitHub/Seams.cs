namespace RawkodeAutomation.GitHub;

/// <summary>A commit seen on the watched branch, by a push webhook or by the local git watcher.</summary>
/// <param name="Repository"><c>owner/name</c> on GitHub, or the local repository's path.</param>
/// <param name="Branch">The branch the commit was pushed to.</param>
/// <param name="Sha">The pushed commit (the new head); the pipeline reads files at exactly this commit.</param>
/// <param name="Before">The previous head, or null for a new branch / first observation (then everything counts as changed).</param>
/// <param name="Forced">True when the push rewrote history (<paramref name="Before"/> is not an ancestor).</param>
/// <param name="DeliveryId">The webhook's <c>X-GitHub-Delivery</c>, or null for local git.</param>
public sealed record CommitObserved(string Repository, string Branch, string Sha, string? Before, bool Forced = false, string? DeliveryId = null);

/// <summary>
/// Where observed commits go: the pipeline implements this (e.g. by starting the <c>commit/&lt;sha&gt;</c>
/// workflow). Webhooks and the local watcher both call it, so both ways in share one path. It is called
/// at most once per webhook delivery; implementations should still be idempotent per sha (a force-push
/// back to an old sha is a new observation of the same commit).
/// </summary>
public interface ICommitSink
{
    /// <summary>Accepts a commit. Throwing makes the webhook answer 500 so GitHub may redeliver.</summary>
    Task CommitObservedAsync(CommitObserved commit, CancellationToken cancellationToken);
}

/// <summary>
/// Reads <c>episodes/</c> at an exact commit (never the branch head: pushes can arrive out of order or be
/// force-pushed). The dictionary is keyed by repo-relative path (<c>episodes/shows/klustered.yaml</c>), the
/// input of <c>RawkodeAutomation.Episodes.Loading.EpisodeLoader.Load</c>.
/// </summary>
public interface IEpisodeSource
{
    /// <summary>Every file under <c>episodes/</c> at <paramref name="sha"/>, keyed by repo-relative path (ordinal order).</summary>
    Task<IReadOnlyDictionary<string, byte[]>> GetEpisodeFilesAsync(string sha, CancellationToken cancellationToken);
}

/// <summary>The state of a commit status (<see href="https://docs.github.com/en/rest/commits/statuses#create-a-commit-status"/>).</summary>
public enum CommitStatusState
{
    Pending,
    Success,
    Failure,
    Error,
}

/// <summary>What the pipeline says about a commit.</summary>
/// <param name="State">pending → success/failure (error: the pipeline itself broke).</param>
/// <param name="Summary">One line. GitHub shows at most 140 characters; longer summaries are cut with an ellipsis.</param>
/// <param name="Details">Every finding (e.g. each validation error as <c>path:line:column: message</c>); posted in full as a commit comment.</param>
/// <param name="TargetUrl">Link to the run (e.g. the Temporal UI); null uses <see cref="GitHubOptions.RunUrlTemplate"/>.</param>
public sealed record CommitStatusReport(CommitStatusState State, string Summary, IReadOnlyList<string>? Details = null, string? TargetUrl = null);

/// <summary>Reports a commit's progress back to where it came from (a GitHub commit status, or the log for local git).</summary>
public interface ICommitStatusReporter
{
    /// <summary>Sets the status of <paramref name="sha"/>. Repeated calls replace the previous state (same context).</summary>
    Task ReportAsync(string sha, CommitStatusReport report, CancellationToken cancellationToken);
}

/// <summary>The outcome of a write-back.</summary>
/// <param name="Changed">False when the edit produced the current content already (no commit made).</param>
/// <param name="CommitSha">The automation's commit, when one was made.</param>
/// <param name="Attempts">How many compare-and-swap attempts it took (more than one means a concurrent change was merged around).</param>
public sealed record FileWriteResult(bool Changed, string? CommitSha, int Attempts);

/// <summary>
/// Commits a change to one file on the watched branch as the automation. The edit is a function of the file's
/// current content, so on a conflict (someone committed the same file meanwhile) it is re-applied to the new
/// content: a human's concurrent change is never overwritten.
/// </summary>
public interface IEpisodeFileWriter
{
    /// <summary>
    /// Reads <paramref name="path"/> at the branch head, applies <paramref name="edit"/> (input null when the file does not
    /// exist; return null to leave it unchanged), and commits the result with compare-and-swap on the file's blob sha,
    /// retrying on the new head on conflict.
    /// </summary>
    Task<FileWriteResult> UpdateAsync(string path, Func<byte[]?, byte[]?> edit, string message, CancellationToken cancellationToken);
}

/// <summary>The all-zero sha GitHub sends as <c>before</c> for a new branch.</summary>
public static class GitShas
{
    /// <summary>40 zeros.</summary>
    public const string Zero = "0000000000000000000000000000000000000000";

    /// <summary>True for null, empty or the all-zero sha.</summary>
    public static bool IsNone(string? sha) => string.IsNullOrEmpty(sha) || sha.All(c => c == '0');

    /// <summary>The first seven characters, for messages.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "A short sha, as git calls it.")]
    public static string Short(string sha) => sha.Length > 7 ? sha[..7] : sha;
}

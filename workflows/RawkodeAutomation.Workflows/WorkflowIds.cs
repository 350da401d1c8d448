namespace RawkodeAutomation.Workflows;

/// <summary>
/// Workflow ids are business keys, so a repeated commit, a replayed webhook or a restarted worker
/// always lands on the same entity and can never create a second broadcast.
/// </summary>
public static class WorkflowIds
{
    /// <summary>The task queue every pipeline workflow and activity runs on.</summary>
    public const string TaskQueue = "rawkode-pipeline";

    /// <summary>The single YouTube quota entity.</summary>
    public const string Quota = "youtube-quota";

    /// <summary>The cleanup Schedule's id; its passes run as <c>cleanup-&lt;scheduled time&gt;</c>.</summary>
    public const string Cleanup = "cleanup";

    /// <summary><c>episode/&lt;show&gt;/&lt;slug&gt;</c> for an episode id <c>&lt;show&gt;/&lt;slug&gt;</c>.</summary>
    public static string Episode(string episodeId) => "episode/" + episodeId;

    /// <summary><c>person/&lt;id&gt;</c>.</summary>
    public static string Person(string personId) => "person/" + personId;

    /// <summary><c>commit/&lt;sha&gt;</c>.</summary>
    public static string Commit(string sha) => "commit/" + sha;

    /// <summary>The episode id back from an episode workflow id, or null when it is not one.</summary>
    public static string? EpisodeIdOf(string workflowId) =>
        workflowId.StartsWith("episode/", StringComparison.Ordinal) ? workflowId["episode/".Length..] : null;
}

/// <summary>Names shared between workflows that signal each other by workflow id.</summary>
public static class PipelineSignals
{
    /// <summary>The quota entity tells a requester its units are reserved.</summary>
    public const string QuotaGranted = "QuotaGranted";

    /// <summary>A requester tells the quota entity what a call really cost.</summary>
    public const string QuotaSettled = "Settle";

    /// <summary>An episode tells the sweep that asked for it that its description work is done.</summary>
    public const string EpisodeSwept = "EpisodeSwept";
}

/// <summary>
/// Error types activities raise (as <c>ApplicationFailureException.ErrorType</c>) so workflows can
/// tell "wait for the quota reset" from "an operator must look at this".
/// </summary>
public static class PipelineErrors
{
    /// <summary>YouTube says the day's quota is spent: wait for the reset, then try again.</summary>
    public const string QuotaExceeded = "QuotaExceeded";

    /// <summary>The request itself is wrong (bad field, oversize description): retrying cannot help.</summary>
    public const string InvalidInput = "InvalidInput";

    /// <summary>The thing we point at does not exist (video id, cluster).</summary>
    public const string NotFound = "NotFound";

    /// <summary>Credentials or ownership say no (including the Klustered ownership guard).</summary>
    public const string Forbidden = "Forbidden";

    /// <summary>
    /// YouTube refused the channel's credentials (401, or the token endpoint refused the refresh token): no call can
    /// succeed until they change, so the call waits in the quota queue for new ones instead of failing the episode.
    /// </summary>
    public const string CredentialsRejected = "CredentialsRejected";

    /// <summary>Errors that are never retried by the activity retry policy.</summary>
    public static readonly IReadOnlyList<string> NonRetryable = [QuotaExceeded, InvalidInput, NotFound, Forbidden, CredentialsRejected];
}

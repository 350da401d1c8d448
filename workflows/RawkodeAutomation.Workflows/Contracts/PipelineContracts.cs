namespace RawkodeAutomation.Workflows.Contracts;

/// <summary>Input of <c>CommitWorkflow</c>.</summary>
/// <param name="Sha">The commit to apply (never the branch head: pushes can arrive out of order).</param>
/// <param name="Before">The previous head the changes are computed against; null for a first observation (everything counts).</param>
/// <param name="ObservedAt">When the commit reached us: specs from later observations win over earlier ones.</param>
/// <param name="Full">Signal every episode, not only those that differ from <paramref name="Before"/> (first run of <c>up</c>).</param>
/// <param name="RunUrl">Link for the commit status (the operator page of this run), when there is one.</param>
public sealed record CommitInput(string Sha, string? Before, DateTimeOffset ObservedAt, bool Full = false, string? RunUrl = null);

/// <summary>What a commit did.</summary>
public sealed record CommitOutcome(
    string Sha,
    bool Valid,
    IReadOnlyList<string> Errors,
    IReadOnlyList<string> EpisodesSignaled,
    IReadOnlyList<string> EpisodesDeleted,
    IReadOnlyList<string> PeopleSwept,
    string Summary);

/// <summary>A person's change, delivered to <c>PersonWorkflow</c> (signal-with-start).</summary>
/// <param name="AffectedEpisodeIds">Episodes whose rendered description changes because of this person.</param>
public sealed record PersonChange(string PersonId, string Commit, DateTimeOffset CommitTime, IReadOnlyList<string> AffectedEpisodeIds);

/// <summary>Input of <c>PersonWorkflow</c>; <paramref name="Carried"/> is set on continue-as-new.</summary>
public sealed record PersonWorkflowInput(string PersonId, int BatchSize = 20, PersonMemory? Carried = null);

/// <summary>One episode the sweep still owes, at the commit that asked for it.</summary>
public sealed record SweepItem(string EpisodeId, string Commit, DateTimeOffset CommitTime);

/// <summary>The durable memory of a person entity.</summary>
public sealed record PersonMemory(
    string? LastCommit,
    DateTimeOffset LastCommitTime,
    IReadOnlyList<SweepItem> Pending,
    IReadOnlyList<SweepItem> InFlight,
    IReadOnlyList<string> Done,
    IReadOnlyList<string> Failed,
    int Sweeps);

/// <summary>What an operator sees when querying a person.</summary>
public sealed record PersonStatus(
    string PersonId,
    string? LastCommit,
    int Pending,
    int InFlight,
    int Done,
    IReadOnlyList<string> Failed,
    int Sweeps,
    bool Busy);

/// <summary>Input of the cleanup entity.</summary>
public sealed record CleanupWorkflowInput(TimeSpan Interval, int Iterations = 0, CleanupReport? LastReport = null);

/// <summary>What one cleanup pass removed.</summary>
public sealed record CleanupReport(
    DateTimeOffset At,
    IReadOnlyList<string> ClustersDeleted,
    IReadOnlyList<string> BroadcastsDeleted,
    IReadOnlyList<string> Notes);

/// <summary>What an operator sees when querying the cleanup entity.</summary>
public sealed record CleanupStatus(int Iterations, CleanupReport? LastReport, string? LastError, DateTimeOffset? NextWakeUp);

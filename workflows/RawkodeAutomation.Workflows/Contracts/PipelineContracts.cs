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

/// <summary>
/// Input of one cleanup pass (<c>CleanupWorkflow</c>), started by the <c>cleanup</c> Temporal Schedule (or by an
/// operator triggering it).
/// </summary>
/// <param name="DryRun">Look and report what would be deleted, delete nothing.</param>
/// <param name="DriftOnly">
/// Only compare the channel with the episodes' entities (the drift check <c>rawkode up</c> runs at start-up); clusters,
/// leftover broadcasts and streams are left to the Schedule's passes.
/// </param>
public sealed record CleanupPassInput(bool DryRun = false, bool DriftOnly = false);

/// <summary>One thing a cleanup pass deleted or kept, and why.</summary>
/// <param name="Kind"><c>cluster</c>, <c>broadcast</c> or <c>stream</c>.</param>
/// <param name="Name">The Cluster API <c>Cluster</c> name, the broadcast's video id, or the liveStream id.</param>
/// <param name="EpisodeId">The episode it belongs to, when its label or marker says so.</param>
/// <param name="Reason">Why it was deleted or kept, for people.</param>
public sealed record CleanupItem(string Kind, string Name, string? EpisodeId, string Reason);

/// <summary>What one cleanup pass deleted and what it kept (and why).</summary>
/// <param name="DryRun">Nothing was deleted: <paramref name="Deleted"/> lists what would have been.</param>
/// <param name="Kept">Things that looked like leftovers but stayed (a live broadcast, a running episode's, ...).</param>
/// <param name="Notes">Counts and anything that stopped part of the pass (e.g. the head did not validate).</param>
/// <param name="QuotaUnitsSpent">YouTube units the pass's calls cost.</param>
/// <param name="Drifted">
/// Videos an episode's entity holds that YouTube no longer has (deleted in YouTube Studio, a lost sandbox state): an
/// upcoming broadcast is recreated by its entity; a show that is over is only reported (kind <c>drift</c>). Null in
/// reports recorded before the drift check existed.
/// </param>
public sealed record CleanupReport(
    DateTimeOffset At,
    bool DryRun,
    IReadOnlyList<CleanupItem> Deleted,
    IReadOnlyList<CleanupItem> Kept,
    IReadOnlyList<string> Notes,
    long QuotaUnitsSpent,
    IReadOnlyList<CleanupItem>? Drifted = null);

/// <summary>
/// The cleanup's drift check found that YouTube no longer has the video an episode's entity holds
/// (<c>EpisodeWorkflow.ChannelDriftAsync</c>).
/// </summary>
/// <param name="VideoId">The vanished video; the entity ignores the notice when it holds another one by now.</param>
/// <param name="Recreate">True for a broadcast whose show has not started: the entity forgets it and creates it again.</param>
/// <param name="Detail">What was found, for the entity's state.</param>
public sealed record ChannelDrift(string VideoId, bool Recreate, string Detail);

/// <summary>What an operator sees when querying a cleanup pass.</summary>
/// <param name="Phase">Where the pass is; its name is what JSON carries.</param>
/// <param name="Report">The report so far (the final one once <paramref name="Phase"/> is Done).</param>
public sealed record CleanupStatus(CleanupPhase Phase, CleanupReport Report);

/// <summary>Where a cleanup pass is (a name in JSON: the operator page and scripts read words).</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<CleanupPhase>))]
public enum CleanupPhase
{
    /// <summary>Not yet at its first step.</summary>
    Starting,

    /// <summary>Deleting Klustered clusters past their time to live.</summary>
    Clusters,

    /// <summary>Reading the channel's upcoming broadcasts.</summary>
    SurveyingBroadcasts,

    /// <summary>Waiting for the quota entity to grant units.</summary>
    WaitingForQuota,

    /// <summary>Deleting broadcasts whose episode is gone.</summary>
    DeletingBroadcasts,

    /// <summary>Reading the channel's live streams.</summary>
    SurveyingStreams,

    /// <summary>Deleting live streams no broadcast is bound to.</summary>
    DeletingStreams,

    /// <summary>Checking that the videos the entities hold still exist.</summary>
    CheckingDrift,

    /// <summary>Finished; the report is final.</summary>
    Done,
}

/// <summary>Where a commit workflow is (a name in JSON, as its query answers).</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<CommitPhase>))]
public enum CommitPhase
{
    /// <summary>Not yet at its first step.</summary>
    Starting,

    /// <summary>Posting the pending status on the commit.</summary>
    Reporting,

    /// <summary>Reading, validating and signalling the entities the commit changes.</summary>
    Applying,

    /// <summary>Applied; the status on the commit says success.</summary>
    Done,

    /// <summary>Rejected (invalid files) or unreadable; the status on the commit says why.</summary>
    Failed,
}

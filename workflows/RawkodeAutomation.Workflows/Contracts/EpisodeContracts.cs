namespace RawkodeAutomation.Workflows.Contracts;

/// <summary>
/// Everything the pipeline must make true on the outside for one episode, computed from the
/// repository at one commit. Workflow payloads use these records rather than the domain model so
/// the durable history does not change shape when the domain library evolves.
/// </summary>
/// <param name="EpisodeId"><c>&lt;show&gt;/&lt;slug&gt;</c>.</param>
/// <param name="Visibility"><c>public</c>, <c>unlisted</c> or <c>private</c>.</param>
/// <param name="Description">The rendered YouTube description (already within 5,000 UTF-8 bytes).</param>
/// <param name="ThumbnailFingerprint">Content hash of the thumbnail's inputs; upload only when it changes.</param>
/// <param name="AdoptVideoId">An existing broadcast/video to adopt instead of creating one.</param>
/// <param name="Commit">The commit this spec was computed from (not part of the fingerprint).</param>
/// <param name="CommitTime">The commit's time: a spec older than the one held is ignored.</param>
public sealed record DesiredEpisode(
    string EpisodeId,
    string ShowId,
    string Title,
    DateTimeOffset? ScheduledFor,
    TimeSpan Duration,
    string Visibility,
    bool Draft,
    string Description,
    IReadOnlyList<string> Tags,
    int CategoryId,
    string? PlaylistId,
    string StreamKey,
    string? AdoptVideoId,
    string ThumbnailFingerprint,
    KlusteredDesired? Klustered,
    string Commit,
    DateTimeOffset CommitTime)
{
    /// <summary>
    /// The episode or its show opted in (<c>youtube.replaceThumbnail: true</c>) to replace an adopted video's own
    /// thumbnail with the rendered one. Left out of the JSON when false, so specs recorded before it existed keep
    /// their fingerprints.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public bool ReplaceThumbnail { get; init; }
}

/// <summary>The Klustered section of an episode, as the pipeline needs it.</summary>
public sealed record KlusteredDesired(TimeSpan ProvisionBefore, TimeSpan TeardownAfter, IReadOnlyList<KlusteredTeamDesired> Teams);

/// <summary>One Klustered team: its cluster request and the breaks applied to it.</summary>
public sealed record KlusteredTeamDesired(
    string Name,
    IReadOnlyList<string> Breakers,
    IReadOnlyList<string> Fixers,
    string ClusterClass,
    string KubernetesVersion,
    int ControlPlaneReplicas,
    int WorkerReplicas,
    IReadOnlyList<string> Breaks);

/// <summary>Why a spec reached an episode: decides the quota priority of description writes.</summary>
public enum ChangeReason
{
    /// <summary>The episode's own file was added or edited (or the first full reconcile).</summary>
    EpisodeEdited,

    /// <summary>Only the rendered description changed, because a person, the show or a sibling changed.</summary>
    Sweep,
}

/// <summary>The signal every commit that touches an episode sends (signal-with-start).</summary>
/// <param name="Desired">The new desired spec; null when <paramref name="Deleted"/>.</param>
/// <param name="Deleted">The episode file is gone: cancel the episode and clean up.</param>
/// <param name="NotifyWorkflowId">A sweep to tell (signal <see cref="PipelineSignals.EpisodeSwept"/>) when done.</param>
/// <param name="Observed">The episode's video as the sweep that sent this read it, in one batched read for many episodes; null when it did not.</param>
public sealed record SpecChanged(
    string EpisodeId,
    DesiredEpisode? Desired,
    bool Deleted,
    ChangeReason Reason,
    string Commit,
    DateTimeOffset CommitTime,
    string? NotifyWorkflowId = null,
    ObservedVideo? Observed = null);

/// <summary>
/// One episode's video as a sweep read it (videos.list, 50 ids a call). What the episode needs to decide and write its
/// description without reading the video again: the current text's fingerprint (compared with the desired one), and the
/// rest of the snippet (a videos.update of part=snippet replaces the whole snippet) with the etag it was read at.
/// </summary>
/// <param name="VideoId">The video the episode's entity holds; null when it holds none (nothing was read).</param>
/// <param name="DescriptionFingerprint">Fingerprint of the description the video has; null when the video was not found.</param>
/// <param name="Snippet">The snippet apart from its description; null when the video was not found.</param>
public sealed record ObservedVideo(
    string EpisodeId,
    string? VideoId,
    DateTimeOffset ObservedAt,
    string? DescriptionFingerprint = null,
    ObservedSnippet? Snippet = null,
    string? ETag = null);

/// <summary>The writable part of a video's snippet, less the description.</summary>
public sealed record ObservedSnippet(string Title, string? CategoryId, IReadOnlyList<string>? Tags, string? DefaultLanguage, string? DefaultAudioLanguage);

/// <summary>Input of <c>EpisodeWorkflow</c>; <paramref name="State"/> is set on continue-as-new.</summary>
/// <param name="FixPollInterval">How often a running Klustered show is checked for the fix; null: every 30 s.</param>
public sealed record EpisodeWorkflowInput(string EpisodeId, EpisodeState? State = null, TimeSpan? FixPollInterval = null);

/// <summary>What the outside world is known to look like, as last confirmed by an activity.</summary>
/// <param name="VideoId">The broadcast/video id on YouTube, once created or adopted.</param>
/// <param name="BroadcastFingerprint">Fingerprint of the broadcast fields last written.</param>
/// <param name="DescriptionFingerprint">Fingerprint of the description last written.</param>
/// <param name="ThumbnailFingerprint">Fingerprint of the thumbnail last uploaded.</param>
public sealed record AppliedEpisode(
    string? VideoId = null,
    string? BroadcastFingerprint = null,
    string? DescriptionFingerprint = null,
    string? ThumbnailFingerprint = null);

/// <summary>The lifecycle of one Klustered team's cluster (a name in JSON; numbers recorded before still read).</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<TeamPhase>))]
public enum TeamPhase
{
    Waiting,
    Provisioned,
    Fixed,
    TornDown,
    Failed,
}

/// <summary>One team's progress, shown in queries and carried across continue-as-new.</summary>
/// <param name="Access">Where the automation's own access lives (the kubeconfig secret), never a credential.</param>
/// <param name="Credentials">The breakers' and fixers' credentials: file paths and windows, never the tokens.</param>
/// <param name="Verdict">What the check at the show's start found (hand-made breaks), or the library breaks' verification.</param>
/// <param name="HandedOverAt">When the breakers' window closed and the fixers' opened.</param>
public sealed record TeamState(
    string Name,
    TeamPhase Phase,
    string? ClusterName = null,
    string? Access = null,
    DateTimeOffset? ProvisionedAt = null,
    DateTimeOffset? FixedAt = null,
    TimeSpan? TimeToFix = null,
    bool TimeToFixRecorded = false,
    string? LastError = null,
    IReadOnlyList<AccessGrant>? Credentials = null,
    BreakVerdict Verdict = BreakVerdict.Unchecked,
    DateTimeOffset? HandedOverAt = null,
    string? VerdictDetail = null);

/// <summary>Who a Klustered credential is for (a name in JSON: the status page and payloads read as words).</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<AccessRole>))]
public enum AccessRole
{
    /// <summary>From provisioning until the show's start.</summary>
    Breakers,

    /// <summary>From the show's start until teardown.</summary>
    Fixers,
}

/// <summary>Whether a team's cluster was seen broken (a name in JSON).</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<BreakVerdict>))]
public enum BreakVerdict
{
    /// <summary>Not checked yet.</summary>
    Unchecked,

    /// <summary>The library breaks held (and, at the start, the v2 rollout still did not become Ready).</summary>
    Broken,

    /// <summary>No library breaks, and at the start the v2 rollout did not become Ready: the breakers did it by hand.</summary>
    BrokenByHand,

    /// <summary>At the start the v2 rollout became Ready (reverted to v1 for the fixers): nothing is broken.</summary>
    NotBroken,
}

/// <summary>
/// A credential handed out for a window: where its kubeconfig file is and when it is valid. Never the token: the
/// activity that made it wrote the file itself (mode 0600), so it is in no log, payload or history.
/// </summary>
/// <param name="Path">The kubeconfig file, e.g. <c>.rawkode/klustered/&lt;show&gt;/&lt;slug&gt;/&lt;team&gt;/breakers.kubeconfig</c>.</param>
/// <param name="ServiceAccount">The ServiceAccount in the workload cluster (<c>namespace/name</c>).</param>
/// <param name="ValidFrom">When the window opened.</param>
/// <param name="ValidUntil">When its token expires (the end of the window).</param>
/// <param name="RevokedAt">When its binding was removed (the breakers' at the show's start).</param>
public sealed record AccessGrant(
    AccessRole Role,
    string Path,
    string ServiceAccount,
    DateTimeOffset ValidFrom,
    DateTimeOffset ValidUntil,
    DateTimeOffset? RevokedAt = null);

/// <summary>
/// Everything an episode entity knows and has done, in one place: its handlers and steps mutate it, its query shows it
/// (with what is derived from it, see <see cref="EpisodeStatus"/>) and continue-as-new carries it whole.
/// </summary>
public sealed class EpisodeState
{
    /// <summary>The spec of the newest commit accepted (null until the first; kept after a deletion).</summary>
    public DesiredEpisode? Desired { get; set; }

    /// <summary>What YouTube is known to look like, as last confirmed by an activity.</summary>
    public AppliedEpisode Applied { get; set; } = new();

    /// <summary>Each Klustered team's progress (empty for other shows).</summary>
    public IList<TeamState> Teams { get; init; } = [];

    /// <summary>The episode's file was deleted: the entity removes what it made, then ends.</summary>
    public bool Deleted { get; set; }

    /// <summary>The last YouTube pass failed; a new spec, Retry or Skip moves it on.</summary>
    public bool Failed { get; set; }

    /// <summary>Something may differ from the spec: the next pass reconciles.</summary>
    public bool Dirty { get; set; }

    /// <summary>An operator asked for the thumbnail to be uploaded again, whatever its fingerprint.</summary>
    public bool ForceThumbnail { get; set; }

    /// <summary>The fixes of a Klustered show were written as chapters (or there were none).</summary>
    public bool FixChaptersRecorded { get; set; }

    public string? LastResult { get; set; }

    public string? LastError { get; set; }

    /// <summary>The YouTube units this entity's calls were charged, over all its runs.</summary>
    public long QuotaUnitsSpent { get; set; }

    /// <summary>Sweeps (workflow ids) waiting to hear that this episode applied the spec they sent.</summary>
    public IList<string> PendingNotifications { get; init; } = [];

    /// <summary>Why the current spec was sent (an edit of the episode, or a person's sweep): it sets the quota priority.</summary>
    public ChangeReason LastReason { get; set; } = ChangeReason.EpisodeEdited;
}

/// <summary>
/// Where an episode entity is. Its name is what JSON carries (the status page, the CLI and scripts read words), and every
/// reader compares the enum, never a string.
/// </summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<EpisodePhase>))]
public enum EpisodePhase
{
    /// <summary>At rest: YouTube matches the spec and no timer is set.</summary>
    Idle,

    /// <summary>Calling YouTube (or rendering) to make the video match the spec.</summary>
    Reconciling,

    /// <summary>Waiting for the quota entity to grant units (until the Pacific reset when the day is spent).</summary>
    WaitingForQuota,

    /// <summary>At rest until a timer: a Klustered step, or the show's end.</summary>
    Sleeping,

    /// <summary>The Klustered timeline is provisioning, breaking, handing over, watching for the fix or tearing down.</summary>
    Klustered,

    /// <summary>Deleting a video that already went live waits for an operator's Approve (or Skip to keep it).</summary>
    AwaitingApproval,

    /// <summary>The episode file was deleted: its clusters and broadcast are being removed.</summary>
    Cancelling,

    /// <summary>Finished: the episode was deleted (or released to its owner).</summary>
    Cancelled,

    /// <summary>A step failed for good; an operator's Retry or Skip, or a new spec, moves it on.</summary>
    Failed,
}

/// <summary>What an operator sees when querying an episode.</summary>
/// <param name="Busy">True while the entity has work to do before its next timer.</param>
/// <param name="Pending">What still differs between desired and applied.</param>
public sealed record EpisodeStatus(
    string EpisodeId,
    EpisodePhase Phase,
    bool Busy,
    DesiredEpisode? Desired,
    AppliedEpisode Applied,
    ReconcilePlan Pending,
    IReadOnlyList<TeamState> Teams,
    string? LastResult,
    string? LastError,
    DateTimeOffset? NextWakeUp,
    long QuotaUnitsSpent);

/// <summary>What is left to do on YouTube for one episode.</summary>
public sealed record ReconcilePlan(bool Broadcast, bool Description, bool Thumbnail)
{
    public static ReconcilePlan Nothing { get; } = new(false, false, false);

    public bool Any => Broadcast || Description || Thumbnail;
}

/// <summary>How an episode entity finished (deleted, or cancelled by an operator).</summary>
/// <param name="VideoKept">
/// True when the entity left its video in place on purpose (an operator's Skip on deleting a published video, or an
/// adopted video released to its human owner), so the cleanup must not delete it either; false when it did not.
/// Null in outcomes recorded before this field existed (the cleanup then falls back to reading <paramref name="Result"/>).
/// </param>
public sealed record EpisodeOutcome(string EpisodeId, string Result, long QuotaUnitsSpent, bool? VideoKept = null);

/// <summary>An operator's "skip": mark the pending change as applied without calling anything.</summary>
public sealed record SkipRequest(string Reason);

/// <summary>Sent to a sweep when an episode finished the work that sweep asked for.</summary>
public sealed record EpisodeSweptNotice(string EpisodeId, string Commit, bool Succeeded, string? Error);

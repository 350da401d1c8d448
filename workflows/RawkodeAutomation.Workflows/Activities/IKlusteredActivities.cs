using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Activities;

namespace RawkodeAutomation.Workflows.Activities;

/// <summary>
/// The Kubernetes side of a Klustered episode: one team's cluster at a time. Idempotent by cluster
/// name; the implementation refuses to touch any cluster without our ownership label.
/// </summary>
public interface IKlusteredActivities
{
    /// <summary>
    /// Provision the team's cluster, deploy the workload at v1, apply the library breaks (if any) and verify it is
    /// broken, then hand the breakers their credential for their window (until <see cref="KlusteredTeamInput.ShowStart"/>).
    /// The credential is written to a file by the activity; only its path and window come back.
    /// </summary>
    [Activity]
    Task<TeamProvisioned> ProvisionTeamAsync(KlusteredTeamInput input);

    /// <summary>
    /// The show's start for one team: close the breakers' window (their binding removed), check the cluster is broken
    /// (a v2 rollout attempt must not become Ready; reverted to v1 after) and open the fixers' window (until
    /// <see cref="KlusteredTeamInput.TeardownAt"/>). The fixers get access whatever the check says.
    /// </summary>
    [Activity]
    Task<TeamHandedOver> HandOverTeamAsync(KlusteredTeamInput input);

    /// <summary>
    /// After the show: add one chapter per team fixed during the stream ("Team A fixed the cluster (23m)") to the
    /// episode file, within YouTube's chapter rules (a commit by the automation).
    /// </summary>
    [Activity]
    Task<WriteBackResult> RecordFixChaptersAsync(RecordFixChaptersInput input);

    /// <summary>Is the team's workload running v2 and Ready?</summary>
    [Activity]
    Task<FixCheck> CheckFixedAsync(KlusteredTeamInput input);

    /// <summary>Delete the team's cluster.</summary>
    [Activity]
    Task<TeardownResult> TeardownTeamAsync(KlusteredTeamInput input);

    /// <summary>Write the team's time to fix back into the episode file (a commit by the automation).</summary>
    [Activity]
    Task<WriteBackResult> RecordTimeToFixAsync(RecordTimeToFixInput input);
}

/// <summary>One team of one episode.</summary>
/// <param name="Expiry">Ownership label: cleanup deletes the cluster after this even if the workflow is gone.</param>
/// <param name="ShowStart">The end of the breakers' window and the start of the fixers' (null in older histories).</param>
/// <param name="TeardownAt">The end of the fixers' window (null in older histories).</param>
public sealed record KlusteredTeamInput(
    string EpisodeId,
    KlusteredTeamDesired Team,
    DateTimeOffset Expiry,
    DateTimeOffset? ShowStart = null,
    DateTimeOffset? TeardownAt = null);

/// <summary>Result of <see cref="IKlusteredActivities.ProvisionTeamAsync"/>.</summary>
/// <param name="Access">Where the automation's own access lives (the kubeconfig secret), never a credential.</param>
/// <param name="BreaksVerified">Every library break held (the v1→v2 rollout did not succeed); true when there are none to verify.</param>
/// <param name="Breakers">The breakers' credential: where its file is and its window; null when none was asked for.</param>
public sealed record TeamProvisioned(string ClusterName, string Access, bool BreaksVerified, IReadOnlyList<string> Notes, AccessGrant? Breakers = null);

/// <summary>Result of <see cref="IKlusteredActivities.HandOverTeamAsync"/>.</summary>
/// <param name="Verdict">What the check at the start found.</param>
/// <param name="Fixers">The fixers' credential: where its file is and its window.</param>
/// <param name="Detail">What the check saw, for the operator page.</param>
public sealed record TeamHandedOver(BreakVerdict Verdict, AccessGrant? Fixers, string Detail);

/// <summary>Input of <see cref="IKlusteredActivities.RecordFixChaptersAsync"/>.</summary>
/// <param name="StreamStart">Where chapter 0:00 is (the show's scheduled start).</param>
/// <param name="Duration">The stream's length: a fix after its end gets no chapter.</param>
public sealed record RecordFixChaptersInput(string EpisodeId, DateTimeOffset StreamStart, TimeSpan Duration, IReadOnlyList<TeamFix> Fixes);

/// <summary>One team's fix, as a chapter needs it.</summary>
public sealed record TeamFix(string Team, DateTimeOffset FixedAt, TimeSpan TimeToFix);

/// <summary>Result of <see cref="IKlusteredActivities.CheckFixedAsync"/>.</summary>
public sealed record FixCheck(bool Fixed, DateTimeOffset? FixedAt, string? Detail);

/// <summary>Result of <see cref="IKlusteredActivities.TeardownTeamAsync"/>.</summary>
public sealed record TeardownResult(bool Deleted, string? Detail);

/// <summary>Input of <see cref="IKlusteredActivities.RecordTimeToFixAsync"/>.</summary>
public sealed record RecordTimeToFixInput(string EpisodeId, string Team, TimeSpan TimeToFix);

/// <summary>A commit the automation made, or why it did not.</summary>
public sealed record WriteBackResult(string? Commit, string Detail);

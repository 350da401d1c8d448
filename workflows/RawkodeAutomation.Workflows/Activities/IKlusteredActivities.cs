using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Activities;

namespace RawkodeAutomation.Workflows.Activities;

/// <summary>
/// The Kubernetes side of a Klustered episode: one team's cluster at a time. Idempotent by cluster
/// name; the implementation refuses to touch any cluster without our ownership label.
/// </summary>
public interface IKlusteredActivities
{
    /// <summary>Provision the team's cluster, deploy the workload at v1, apply the breaks and verify it is broken.</summary>
    [Activity]
    Task<TeamProvisioned> ProvisionTeamAsync(KlusteredTeamInput input);

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
public sealed record KlusteredTeamInput(string EpisodeId, KlusteredTeamDesired Team, DateTimeOffset Expiry);

/// <summary>Result of <see cref="IKlusteredActivities.ProvisionTeamAsync"/>.</summary>
/// <param name="Access">Where the fixers get access (e.g. the kubeconfig secret), never the credential itself.</param>
/// <param name="BreaksVerified">Every break held: the v1→v2 rollout did not succeed.</param>
public sealed record TeamProvisioned(string ClusterName, string Access, bool BreaksVerified, IReadOnlyList<string> Notes);

/// <summary>Result of <see cref="IKlusteredActivities.CheckFixedAsync"/>.</summary>
public sealed record FixCheck(bool Fixed, DateTimeOffset? FixedAt, string? Detail);

/// <summary>Result of <see cref="IKlusteredActivities.TeardownTeamAsync"/>.</summary>
public sealed record TeardownResult(bool Deleted, string? Detail);

/// <summary>Input of <see cref="IKlusteredActivities.RecordTimeToFixAsync"/>.</summary>
public sealed record RecordTimeToFixInput(string EpisodeId, string Team, TimeSpan TimeToFix);

/// <summary>A commit the automation made, or why it did not.</summary>
public sealed record WriteBackResult(string? Commit, string Detail);

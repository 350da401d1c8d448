using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using RawkodeAutomation.GitHub;
using RawkodeAutomation.Kubernetes;
using RawkodeAutomation.Worker.Decisions;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Activities;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Activities;
using Temporalio.Exceptions;
using DomainClusterSpec = RawkodeAutomation.Episodes.Model.ClusterSpec;

namespace RawkodeAutomation.Worker.Adapters;

/// <summary>
/// <see cref="IKlusteredActivities"/> on the Kubernetes area's <see cref="IClusterOperations"/> (Cluster API on
/// the management cluster, guarded by our ownership label), with the time to fix written back through the
/// GitHub area's <see cref="IEpisodeFileWriter"/> as a commit by the automation.
/// </summary>
public sealed class KubernetesKlusteredActivities(
    IClusterOperations clusters,
    IOptions<KubernetesOptions> kubernetes,
    IEpisodeFileWriter writer) : IKlusteredActivities
{
    /// <summary>
    /// The error type of a deterministic Klustered failure (a break that cannot be applied to this cluster, an unknown
    /// break or cluster class, a node script that failed, a timeout): never retried, so the episode shows it and an
    /// operator decides (Retry or Skip).
    /// </summary>
    public const string KlusteredFailed = "KlusteredFailed";

    /// <summary>The error type of a transient Kubernetes failure (5xx, 429, connection refused, HTTP timeout): retried with backoff.</summary>
    public const string KubernetesUnavailable = "KubernetesUnavailable";

    public Task<TeamProvisioned> ProvisionTeamAsync(KlusteredTeamInput input) => GuardAsync(input, "provisioning", async token =>
    {
        var context = ActivityExecutionContext.Current;
        var team = input.Team;
        var cluster = await clusters.ProvisionAsync(
            input.EpisodeId, team.Name,
            new DomainClusterSpec(team.ClusterClass, team.KubernetesVersion, team.ControlPlaneReplicas, team.WorkerReplicas),
            input.Expiry, token).ConfigureAwait(false);
        // Heartbeat the provisioning phase so an operator sees it in the Temporal UI.
        await clusters.WaitProvisionedAsync(cluster, new Progress<ClusterProgress>(p => context.Heartbeat(p.Phase)), token).ConfigureAwait(false);
        context.Heartbeat("deploying the workload at v1");
        await clusters.DeployWorkloadAsync(cluster, token).ConfigureAwait(false);

        // The breakers' credential before any library break: a break may take the API away.
        AccessGrant? breakers = null;
        if (input.ShowStart is { } showStart && showStart > DateTimeOffset.UtcNow)
        {
            context.Heartbeat("handing the breakers their credential");
            breakers = await GrantAsync(input, cluster, AccessRole.Breakers, showStart, token).ConfigureAwait(false);
        }

        // The fixers' credential is minted now too, while the API server surely answers, and kept aside until the
        // start: a break (library or by hand) may take the API server down, and the fixers must still get in once
        // they bring it back. At the start a fresh one replaces it when the API answers.
        if (input.ShowStart is not null && input.TeardownAt is { } teardownAt && teardownAt > DateTimeOffset.UtcNow)
        {
            context.Heartbeat("minting the fixers' credential ahead of the start");
            var standby = await clusters.GrantAccessAsync(cluster, nameof(AccessRole.Fixers), teardownAt, token).ConfigureAwait(false);
            await KlusteredAccessFiles.WriteAsync(StandbyPath(input, AccessRole.Fixers), standby, token).ConfigureAwait(false);
        }

        var access = $"secret {cluster.Namespace}/{cluster.Name}-kubeconfig (key value)";
        if (team.Breaks.Count == 0)
        {
            // Broken by hand: the breakers get the cluster at v1, and the check waits for the show's start.
            return new TeamProvisioned(cluster.Name, access, true, ["no library breaks: the breakers break it by hand; checked at the show's start"], breakers);
        }
        context.Heartbeat("applying breaks");
        await clusters.ApplyBreaksAsync(cluster, team.Breaks, token).ConfigureAwait(false);
        context.Heartbeat("verifying the cluster is broken");
        var verdict = await clusters.VerifyBrokenAsync(cluster, team.Breaks, token).ConfigureAwait(false);
        List<string> notes = [verdict.Summary, .. verdict.NotHolding.Select(b => $"break {b} did not hold")];
        return new TeamProvisioned(cluster.Name, access, verdict.Broken, notes, breakers);
    });

    /// <summary>
    /// How many attempts of the hand-over wait for an API server that does not answer (it may be restarting) before the
    /// hand-over goes ahead without it: with the retry policy's backoff, a few seconds.
    /// </summary>
    public const int HandOverAttemptsWithoutApi = 3;

    public Task<TeamHandedOver> HandOverTeamAsync(KlusteredTeamInput input) => GuardAsync(input, "handing over at the show's start", async token =>
    {
        var context = ActivityExecutionContext.Current;
        var cluster = Ref(input);
        // What did not answer, for the operator: a break may have taken the workload API server down on purpose.
        string? unreachable = null;
        var notes = new List<string>();

        async Task<bool> TryAsync(Func<Task> step)
        {
            if (unreachable is not null)
            {
                return false;
            }
            try
            {
                await step().ConfigureAwait(false);
                return true;
            }
            catch (Exception e) when (!token.IsCancellationRequested && KubernetesFailure.IsUnreachable(e))
            {
                if (context.Info.Attempt < HandOverAttemptsWithoutApi)
                {
                    // Perhaps restarting: try again (with backoff) before handing over without it.
                    throw new ApplicationFailureException(
                        $"episode {input.EpisodeId}, team {input.Team.Name}: the workload API server of cluster {cluster.Name} does not answer ({e.Message}); trying again before handing over without it",
                        e, KubernetesUnavailable);
                }
                unreachable = e.Message;
                return false;
            }
        }

        // The breakers' window closes first: whatever they do from now on is not part of the break.
        context.Heartbeat("closing the breakers' window");
        if (!await TryAsync(() => clusters.RevokeAccessAsync(cluster, nameof(AccessRole.Breakers), token)).ConfigureAwait(false))
        {
            notes.Add("the breakers' ClusterRoleBinding could not be removed (the API server does not answer); their token was issued to expire at the start");
        }
        File.Delete(KlusteredAccessFiles.PathFor(kubernetes.Value.AccessDirectory, input.EpisodeId, input.Team.Name, nameof(AccessRole.Breakers)));

        context.Heartbeat("checking the cluster is broken (a v2 rollout attempt, reverted to v1)");
        VerifyBrokenResult? check = null;
        await TryAsync(async () => check = await clusters.VerifyBrokenAsync(cluster, input.Team.Breaks, token).ConfigureAwait(false)).ConfigureAwait(false);
        var byHand = input.Team.Breaks.Count == 0;
        BreakVerdict verdict;
        string detail;
        if (check is null)
        {
            // No API server, no rollout: the cluster is broken whoever did it.
            verdict = byHand ? BreakVerdict.BrokenByHand : BreakVerdict.Broken;
            detail = $"the workload API server does not answer at the show's start ({unreachable}): nothing can roll out, so it is broken{(byHand ? " by hand" : "")}";
        }
        else
        {
            verdict = !check.Broken ? BreakVerdict.NotBroken : byHand ? BreakVerdict.BrokenByHand : BreakVerdict.Broken;
            detail = !byHand ? check.Summary
                : check.Broken ? "the v1→v2 rollout did not become Ready: broken by hand"
                : "the v1→v2 rollout became Ready (reverted to v1 for the fixers): not broken";
        }

        // The fixers get access either way: an unbroken cluster is still theirs to look at on the stream.
        context.Heartbeat("opening the fixers' window");
        var until = input.TeardownAt ?? input.Expiry;
        var standby = StandbyPath(input, AccessRole.Fixers);
        AccessGrant? fixers = null;
        await TryAsync(async () => fixers = await GrantAsync(input, cluster, AccessRole.Fixers, until, token).ConfigureAwait(false)).ConfigureAwait(false);
        if (fixers is not null)
        {
            // A fresh credential replaced the one kept aside.
            File.Delete(standby);
        }
        else
        {
            var path = KlusteredAccessFiles.PathFor(kubernetes.Value.AccessDirectory, input.EpisodeId, input.Team.Name, nameof(AccessRole.Fixers));
            if (KlusteredAccessFiles.Promote(standby, path))
            {
                var content = await File.ReadAllTextAsync(path, token).ConfigureAwait(false);
                var account = KlusteredAccessFiles.ServiceAccount(content) ?? $"{KubernetesClusterOperations.AccessNamespace}/{KubernetesClusterOperations.AccessName(nameof(AccessRole.Fixers))}";
                fixers = new AccessGrant(AccessRole.Fixers, path, account, DateTimeOffset.UtcNow, KlusteredAccessFiles.ValidUntil(content) ?? until);
                notes.Add($"the fixers got the credential minted at provisioning (ServiceAccount {account}, bound to cluster-admin, valid until {fixers.ValidUntil:u}): it works once they bring the API server back, unless the breakers deleted that ServiceAccount or its binding");
            }
            else
            {
                notes.Add($"the fixers have NO credential: the API server does not answer and none was minted at provisioning; hand them the cluster's admin kubeconfig (secret {cluster.Namespace}/{cluster.Name}-kubeconfig, key value) by hand");
            }
        }
        return new TeamHandedOver(verdict, fixers, notes.Count == 0 ? detail : $"{detail}; {string.Join("; ", notes)}");
    });

    private string StandbyPath(KlusteredTeamInput input, AccessRole role) =>
        KlusteredAccessFiles.StandbyPathFor(kubernetes.Value.AccessDirectory, input.EpisodeId, input.Team.Name, role.ToString());

    public async Task<WriteBackResult> RecordFixChaptersAsync(RecordFixChaptersInput input)
    {
        var path = $"episodes/{input.EpisodeId}.yaml";
        string? detail = null;
        var result = await writer.UpdateAsync(
            path,
            current =>
            {
                if (current is null)
                {
                    detail = $"{path} is gone";
                    return null;
                }
                var (file, why) = ChapterYaml.WithFixChapters(current, input.Fixes, input.StreamStart, input.Duration);
                detail = why;
                return file;
            },
            $"klustered: {input.EpisodeId} fix chapters ({string.Join(", ", input.Fixes.Select(f => f.Team))})",
            ActivityExecutionContext.Current.CancellationToken).ConfigureAwait(false);
        return new WriteBackResult(result.CommitSha, result.Changed ? $"written to {path}: {detail}" : $"{path} unchanged: {detail}");
    }

    /// <summary>Grants a role's access and writes its kubeconfig file; only the path and window leave this method.</summary>
    private async Task<AccessGrant> GrantAsync(KlusteredTeamInput input, ClusterRef cluster, AccessRole role, DateTimeOffset until, CancellationToken token)
    {
        var from = DateTimeOffset.UtcNow;
        var credential = await clusters.GrantAccessAsync(cluster, role.ToString(), until, token).ConfigureAwait(false);
        var path = KlusteredAccessFiles.PathFor(kubernetes.Value.AccessDirectory, input.EpisodeId, input.Team.Name, role.ToString());
        await KlusteredAccessFiles.WriteAsync(path, credential, token).ConfigureAwait(false);
        return new AccessGrant(role, path, credential.ServiceAccount, from, credential.ExpiresAt);
    }

    public Task<FixCheck> CheckFixedAsync(KlusteredTeamInput input) => GuardAsync(input, "checking for the fix", async token =>
    {
        var status = await clusters.IsFixedAsync(Ref(input), token).ConfigureAwait(false);
        return new FixCheck(status.Fixed, status.Fixed ? DateTimeOffset.UtcNow : null, status.Detail);
    });

    public Task<TeardownResult> TeardownTeamAsync(KlusteredTeamInput input) => GuardAsync(input, "tearing down", async token =>
    {
        await clusters.TeardownAsync(Ref(input), token).ConfigureAwait(false);
        return new TeardownResult(true, null);
    });

    public async Task<WriteBackResult> RecordTimeToFixAsync(RecordTimeToFixInput input)
    {
        var path = $"episodes/{input.EpisodeId}.yaml";
        var result = await writer.UpdateAsync(
            path,
            current => current is null ? null : TeamYaml.WithTimeToFix(current, input.Team, input.TimeToFix),
            $"klustered: {input.EpisodeId} {input.Team} fixed in {TeamYaml.Format(input.TimeToFix)}",
            ActivityExecutionContext.Current.CancellationToken).ConfigureAwait(false);
        return new WriteBackResult(result.CommitSha, result.Changed ? $"written to {path}" : $"{path} already had it");
    }

    /// <summary>
    /// Turns what went wrong into what Temporal should do about it: the ownership guard and deterministic failures are
    /// non-retryable (their message names the episode, the team and, from the break engine, the break); transient API
    /// failures are retried. Every message says where, so the episode's state tells an operator what to look at.
    /// </summary>
    private static async Task<T> GuardAsync<T>(KlusteredTeamInput input, string step, Func<CancellationToken, Task<T>> run)
    {
        var token = ActivityExecutionContext.Current.CancellationToken;
        var where = $"episode {input.EpisodeId}, team {input.Team.Name}";
        try
        {
            return await run(token).ConfigureAwait(false);
        }
        catch (OwnershipException e)
        {
            throw new ApplicationFailureException($"{where}: {e.Message}", e, PipelineErrors.Forbidden, nonRetryable: true);
        }
        catch (KlusteredException e)
        {
            throw new ApplicationFailureException($"{where}: {step} failed: {e.Message}", e, KlusteredFailed, nonRetryable: true);
        }
        catch (Exception e) when (!token.IsCancellationRequested && KubernetesFailure.IsTransient(e))
        {
            throw new ApplicationFailureException($"{where}: {step}: the Kubernetes API is unavailable ({KubernetesFailure.Describe(e)}), a transient error: retried with backoff", e, KubernetesUnavailable);
        }
        catch (k8s.Autorest.HttpOperationException e)
        {
            // A 4xx the Kubernetes area did not anticipate: the API will refuse it again.
            throw new ApplicationFailureException($"{where}: {step}: the Kubernetes API refused a request ({KubernetesFailure.Describe(e)})", e, KlusteredFailed, nonRetryable: true);
        }
    }

    private ClusterRef Ref(KlusteredTeamInput input) =>
        new(kubernetes.Value.Namespace, Ownership.ClusterName(input.EpisodeId, input.Team.Name), input.EpisodeId, input.Team.Name);
}

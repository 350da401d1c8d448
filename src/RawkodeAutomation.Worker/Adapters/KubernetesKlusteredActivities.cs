using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using RawkodeAutomation.GitHub;
using RawkodeAutomation.Kubernetes;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Activities;
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
        context.Heartbeat("applying breaks");
        await clusters.ApplyBreaksAsync(cluster, team.Breaks, token).ConfigureAwait(false);
        context.Heartbeat("verifying the cluster is broken");
        var verdict = await clusters.VerifyBrokenAsync(cluster, team.Breaks, token).ConfigureAwait(false);
        List<string> notes = [verdict.Summary, .. verdict.NotHolding.Select(b => $"break {b} did not hold")];
        return new TeamProvisioned(cluster.Name, $"secret {cluster.Namespace}/{cluster.Name}-kubeconfig (key value)", verdict.Broken, notes);
    });

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

/// <summary>
/// Writes <c>timeToFix</c> into a team of an episode file by editing lines, so a human's comments and
/// layout survive (a YAML round trip would drop them).
/// </summary>
public static class TeamYaml
{
    /// <summary>A duration in the episode schema's form, e.g. <c>1h2m3s</c>.</summary>
    public static string Format(TimeSpan t)
    {
        var s = new StringBuilder();
        if (t.TotalHours >= 1) { s.Append((int)t.TotalHours).Append('h'); }
        if (t.Minutes > 0) { s.Append(t.Minutes).Append('m'); }
        if (t.Seconds > 0 || s.Length == 0) { s.Append(t.Seconds).Append('s'); }
        return s.ToString();
    }

    /// <summary>The file with <c>timeToFix</c> set on the team; null when the team is not found (nothing to write).</summary>
    public static byte[]? WithTimeToFix(byte[] file, string team, TimeSpan timeToFix)
    {
        var lines = Encoding.UTF8.GetString(file).Split('\n').ToList();
        var at = lines.FindIndex(l => l.TrimStart().StartsWith("- name:", StringComparison.Ordinal)
            && l.Split(':', 2)[1].Trim().Trim('"', '\'') == team);
        if (at < 0)
        {
            return null;
        }
        var indent = new string(' ', lines[at].IndexOf('-', StringComparison.Ordinal) + 2);
        var value = $"{indent}timeToFix: {Format(timeToFix)}";
        // Replace an existing value inside this team's block, else add it right after the name.
        for (var i = at + 1; i < lines.Count && (lines[i].StartsWith(indent, StringComparison.Ordinal) || lines[i].Trim().Length == 0); i++)
        {
            if (lines[i].TrimStart().StartsWith("timeToFix:", StringComparison.Ordinal))
            {
                lines[i] = value;
                return Encoding.UTF8.GetBytes(string.Join('\n', lines));
            }
        }
        lines.Insert(at + 1, value);
        return Encoding.UTF8.GetBytes(string.Join('\n', lines));
    }
}

using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using RawkodeAutomation.GitHub;
using RawkodeAutomation.Kubernetes;
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

/// <summary>
/// Adds a chapter per fixed team ("Team A fixed the cluster (23m)") to an episode file, within YouTube's chapter rules
/// (first at 0:00, at least three, ascending, each at least 10 seconds long). The chapters block is rewritten; the
/// rest of the file keeps its lines.
/// </summary>
public static partial class ChapterYaml
{
    private static readonly TimeSpan MinimumLength = TimeSpan.FromSeconds(10);

    /// <summary>The chapter title for one team's fix.</summary>
    public static string Title(string team, TimeSpan timeToFix) => $"{DisplayName(team)} fixed the cluster ({Minutes(timeToFix)})";

    /// <summary><c>team-a</c> as people say it: <c>Team A</c>.</summary>
    public static string DisplayName(string team) =>
        string.Join(' ', team.Split('-', StringSplitOptions.RemoveEmptyEntries).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));

    /// <summary>A time to fix in whole minutes (<c>23m</c>, <c>1h 5m</c>), or seconds under a minute.</summary>
    public static string Minutes(TimeSpan t) =>
        t < TimeSpan.FromMinutes(1) ? $"{(int)t.TotalSeconds}s"
        : t < TimeSpan.FromHours(1) ? $"{(int)t.TotalMinutes}m"
        : $"{(int)t.TotalHours}h {t.Minutes}m";

    /// <summary>The file with the fix chapters added (null: nothing to write) and what happened, in words.</summary>
    public static (byte[]? File, string Detail) WithFixChapters(byte[] file, IReadOnlyList<TeamFix> fixes, DateTimeOffset streamStart, TimeSpan duration)
    {
        var text = Encoding.UTF8.GetString(file);
        var existing = ReadChapters(text);
        var chapters = (existing ?? [(TimeSpan.Zero, "Start")]).ToList();
        var skipped = new List<string>();
        var added = new List<string>();
        foreach (var fix in fixes.OrderBy(f => f.FixedAt))
        {
            var title = Title(fix.Team, fix.TimeToFix);
            if (chapters.Any(c => c.Title == title))
            {
                continue;
            }
            var at = TimeSpan.FromSeconds(Math.Floor((fix.FixedAt - streamStart).TotalSeconds));
            var before = chapters.Where(c => c.At <= at).Select(c => c.At).DefaultIfEmpty(TimeSpan.Zero).Max();
            // Too close to the chapter before it: a little later, still "at the fix" to a viewer.
            if (at - before < MinimumLength)
            {
                at = before + MinimumLength;
            }
            var next = chapters.Where(c => c.At > at).Select(c => (TimeSpan?)c.At).Min() ?? duration;
            if (next - at < MinimumLength)
            {
                skipped.Add($"{title} (too close to {(next == duration ? "the end of the stream" : "the chapter at " + Format(next))})");
                continue;
            }
            chapters.Add((at, title));
            chapters.Sort((a, b) => a.At.CompareTo(b.At));
            added.Add($"{Format(at)} {title}");
        }
        var why = skipped.Count > 0 ? $"; left out: {string.Join(", ", skipped)}" : "";
        if (added.Count == 0)
        {
            return (null, $"no chapter to add{why}");
        }
        if (chapters.Count < 3)
        {
            return (null, $"not written: YouTube needs at least three chapters and this would make {chapters.Count}; add the episode's own chapters to get the fix lines{why}");
        }

        var lines = text.Split('\n').ToList();
        var block = new List<string> { "chapters:" };
        block.AddRange(chapters.Select(c => $"  - {{ at: \"{Format(c.At)}\", title: \"{c.Title.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\" }}"));
        var start = lines.FindIndex(l => l.StartsWith("chapters:", StringComparison.Ordinal));
        if (start < 0)
        {
            var end = lines.Count > 0 && lines[^1].Length == 0 ? lines.Count - 1 : lines.Count;
            lines.InsertRange(end, block);
        }
        else
        {
            var end = start + 1;
            while (end < lines.Count && (lines[end].Length == 0 || lines[end][0] is ' ' or '-' or '#' or '\t'))
            {
                end++;
            }
            // Trailing blank or comment lines belong to whatever follows.
            while (end > start + 1 && (lines[end - 1].Trim().Length == 0 || lines[end - 1].TrimStart().StartsWith('#')))
            {
                end--;
            }
            lines.RemoveRange(start, end - start);
            lines.InsertRange(start, block);
        }
        return (Encoding.UTF8.GetBytes(string.Join('\n', lines)), $"added {string.Join(", ", added)}{why}");
    }

    /// <summary>The chapters the file has (null: none), read with a YAML parser so any style the loader accepts works.</summary>
    private static List<(TimeSpan At, string Title)>? ReadChapters(string text)
    {
        var stream = new YamlDotNet.RepresentationModel.YamlStream();
        stream.Load(new StringReader(text));
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlDotNet.RepresentationModel.YamlMappingNode root
            || !root.Children.TryGetValue(new YamlDotNet.RepresentationModel.YamlScalarNode("chapters"), out var node)
            || node is not YamlDotNet.RepresentationModel.YamlSequenceNode { Children.Count: > 0 } sequence)
        {
            return null;
        }
        var chapters = new List<(TimeSpan, string)>();
        foreach (var item in sequence.Children.OfType<YamlDotNet.RepresentationModel.YamlMappingNode>())
        {
            var at = item.Children.TryGetValue(new YamlDotNet.RepresentationModel.YamlScalarNode("at"), out var a) ? (a as YamlDotNet.RepresentationModel.YamlScalarNode)?.Value : null;
            var title = item.Children.TryGetValue(new YamlDotNet.RepresentationModel.YamlScalarNode("title"), out var t) ? (t as YamlDotNet.RepresentationModel.YamlScalarNode)?.Value : null;
            if (at is not null && title is not null && ChapterTime().Match(at) is { Success: true } m)
            {
                var hours = m.Groups["h"].Success ? int.Parse(m.Groups["h"].Value, CultureInfo.InvariantCulture) : 0;
                chapters.Add((new TimeSpan(hours, int.Parse(m.Groups["m"].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups["s"].Value, CultureInfo.InvariantCulture)), title.Trim()));
            }
        }
        return chapters;
    }

    private static string Format(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}" : $"{t.Minutes:00}:{t.Seconds:00}";

    [System.Text.RegularExpressions.GeneratedRegex(@"^(?:(?<h>\d{1,2}):)?(?<m>\d{1,2}):(?<s>\d{2})$")]
    private static partial System.Text.RegularExpressions.Regex ChapterTime();
}

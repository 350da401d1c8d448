using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Options;
using RawkodeAutomation.Episodes.Model;

namespace RawkodeAutomation.Kubernetes;

/// <summary>
/// <see cref="IClusterOperations"/> on Cluster API and KubernetesClient: <c>Cluster</c> objects with a ClusterClass
/// topology on the management cluster (https://cluster-api.sigs.k8s.io/tasks/experimental-features/cluster-class/write-clusterclass),
/// workload access through the <c>&lt;cluster&gt;-kubeconfig</c> secret, breaks through <see cref="BreakEngine"/>.
/// </summary>
public sealed partial class KubernetesClusterOperations : IClusterOperations, IDisposable
{
    private const string ClusterGroup = "cluster.x-k8s.io";
    private const string ClusterVersion = "v1beta1";
    private const string ClusterPlural = "clusters";

    private readonly KubernetesOptions _options;
    private readonly TimeProvider _time;
    private readonly Lazy<IKubernetes> _management;
    private readonly ConcurrentDictionary<string, IKubernetes> _workloads = new(StringComparer.Ordinal);

    public KubernetesClusterOperations(IOptions<KubernetesOptions> options, TimeProvider? timeProvider = null)
        : this(options.Value, timeProvider)
    {
    }

    public KubernetesClusterOperations(KubernetesOptions options, TimeProvider? timeProvider = null)
    {
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new KlusteredException("invalid Kubernetes configuration:\n  " + string.Join("\n  ", problems));
        }

        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _management = new Lazy<IKubernetes>(() => ClientFromKubeconfig(
            options.ManagementKubeconfigContent
            ?? (options.ManagementKubeconfig is { Length: > 0 } path
                ? File.ReadAllText(path)
                : throw new KlusteredException("Kubernetes:ManagementKubeconfig is not set: point it at the Cluster API management cluster's kubeconfig (or run `rawkode up`, which starts the Kubernetes sandbox)")),
            "the management cluster"));
    }

    private IKubernetes Management => _management.Value;

    /// <inheritdoc />
    public async Task<ClusterRef> ProvisionAsync(string episodeId, string team, ClusterSpec spec, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        var (clusterClass, classOptions) = ResolveClass(episodeId, team, spec);
        var cluster = new ClusterRef(_options.Namespace, Ownership.ClusterName(episodeId, team), episodeId, team);
        var existing = await GetClusterAsync(cluster, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            GuardCluster(existing, cluster, "adopt");
            return cluster;
        }

        var labels = new JsonObject();
        foreach (var (key, value) in Ownership.Labels(episodeId, team, expiresAt))
        {
            labels[key] = value;
        }

        var body = new JsonObject
        {
            ["apiVersion"] = $"{ClusterGroup}/{ClusterVersion}",
            ["kind"] = "Cluster",
            ["metadata"] = new JsonObject
            {
                ["name"] = cluster.Name,
                ["namespace"] = cluster.Namespace,
                ["labels"] = labels,
                ["annotations"] = new JsonObject
                {
                    [Ownership.EpisodeIdAnnotation] = episodeId,
                    [Ownership.ExpiresAtAnnotation] = expiresAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                },
            },
            ["spec"] = new JsonObject
            {
                ["clusterNetwork"] = new JsonObject
                {
                    ["pods"] = new JsonObject { ["cidrBlocks"] = new JsonArray("192.168.0.0/16") },
                    ["services"] = new JsonObject { ["cidrBlocks"] = new JsonArray("10.96.0.0/12") },
                },
                ["topology"] = new JsonObject
                {
                    ["class"] = clusterClass,
                    ["version"] = spec.KubernetesVersion,
                    ["controlPlane"] = new JsonObject { ["replicas"] = spec.ControlPlaneReplicas },
                    ["workers"] = new JsonObject
                    {
                        ["machineDeployments"] = new JsonArray(new JsonObject { ["class"] = classOptions.WorkerClass, ["name"] = "md-0", ["replicas"] = spec.WorkerReplicas }),
                    },
                },
            },
        };
        try
        {
            await new DynamicClient(Management).CreateAsync(body, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            // Created concurrently by a retried activity: adopt it if it is ours.
            GuardCluster(await GetClusterAsync(cluster, cancellationToken).ConfigureAwait(false), cluster, "adopt");
        }

        return cluster;
    }

    /// <inheritdoc />
    public async Task WaitProvisionedAsync(ClusterRef cluster, IProgress<ClusterProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var started = _time.GetUtcNow();
        var deadline = started + _options.ProvisionTimeout;
        string? lastReport = null;
        while (true)
        {
            var obj = await GetClusterAsync(cluster, cancellationToken).ConfigureAwait(false)
                ?? throw new KlusteredException($"Cluster {cluster.Namespace}/{cluster.Name} disappeared while provisioning");
            GuardCluster(obj, cluster, "wait for");
            var phase = obj["status"]?["phase"]?.GetValue<string>() ?? "Pending";
            var conditions = (obj["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
            var ready = conditions.Any(c => c["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == "True");
            var message = conditions.Select(c => c["message"]?.GetValue<string>()).FirstOrDefault(m => !string.IsNullOrEmpty(m));
            var report = $"{phase}|{message}";
            if (report != lastReport)
            {
                progress?.Report(new ClusterProgress(cluster, phase, message, _time.GetUtcNow() - started));
                lastReport = report;
            }

            if (conditions.Any(c => c["reason"]?.GetValue<string>() == "ClusterClassNotFound"))
            {
                throw new KlusteredException($"Cluster {cluster.Namespace}/{cluster.Name} cannot be provisioned: {message}");
            }

            if (phase == "Failed")
            {
                throw new KlusteredException($"Cluster {cluster.Namespace}/{cluster.Name} failed: {message ?? "no message"}");
            }

            if (phase == "Provisioned" && ready && await TryReadKubeconfigAsync(cluster, cancellationToken).ConfigureAwait(false) is not null)
            {
                return;
            }

            if (_time.GetUtcNow() > deadline)
            {
                throw new KlusteredException($"Cluster {cluster.Namespace}/{cluster.Name} was not provisioned within {_options.ProvisionTimeout} (last phase {phase}{(message is null ? "" : ": " + message)})");
            }

            await Task.Delay(_options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task<string> GetWorkloadKubeconfigAsync(ClusterRef cluster, CancellationToken cancellationToken = default)
    {
        await EnsureOwnedAsync(cluster, "read the kubeconfig of", cancellationToken).ConfigureAwait(false);
        return await TryReadKubeconfigAsync(cluster, cancellationToken).ConfigureAwait(false)
            ?? throw new KlusteredException($"Cluster {cluster.Namespace}/{cluster.Name} has no kubeconfig yet (secret {cluster.Name}-kubeconfig): is it provisioned?");
    }

    /// <inheritdoc />
    public async Task DeployWorkloadAsync(ClusterRef cluster, CancellationToken cancellationToken = default)
    {
        var client = new DynamicClient(await WorkloadAsync(cluster, "deploy to", cancellationToken).ConfigureAwait(false));
        var created = false;
        foreach (var manifest in KlusteredWorkload.Manifests(_options))
        {
            var target = DynamicClient.RefOf(manifest);
            var existing = await client.GetAsync(target, cancellationToken).ConfigureAwait(false);
            if (existing is null)
            {
                created = true;
                try
                {
                    await client.CreateAsync(manifest, cancellationToken).ConfigureAwait(false);
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
                {
                    // Created concurrently (a retried activity): fine if it is ours.
                    existing = await client.GetAsync(target, cancellationToken).ConfigureAwait(false);
                    if (existing is not null && !Ownership.IsOwned(Labels(existing)))
                    {
                        throw new OwnershipException($"refusing to take over {target} in cluster {cluster.Name}: it exists and lacks the label {Ownership.OwnedSelector}");
                    }
                }
                catch (HttpOperationException e) when (!KubernetesFailure.IsTransient(e))
                {
                    throw new KlusteredException($"the Klustered workload cannot be deployed to cluster {cluster.Name}: the API refused {target} ({KubernetesFailure.Describe(e)})", e);
                }
            }
            else if (!Ownership.IsOwned(Labels(existing)))
            {
                throw new OwnershipException($"refusing to take over {target} in cluster {cluster.Name}: it exists and lacks the label {Ownership.OwnedSelector}");
            }
        }

        if (!created)
        {
            // Deployed by an earlier run (a retried or re-run provisioning): the breaks applied since may keep v1 from
            // being Ready on purpose, so waiting for it would fail a cluster that is exactly as it should be.
            return;
        }

        var deadline = _time.GetUtcNow() + _options.WorkloadReadyTimeout;
        string detail;
        while (!(detail = await WorkloadReadyAsync(client, cancellationToken).ConfigureAwait(false)).Equals("ready", StringComparison.Ordinal))
        {
            if (_time.GetUtcNow() > deadline)
            {
                throw new KlusteredException($"the Klustered workload in cluster {cluster.Name} was not Ready within {_options.WorkloadReadyTimeout}: {detail}");
            }

            await Task.Delay(ShortPoll, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task ApplyBreaksAsync(ClusterRef cluster, IReadOnlyList<string> breakIds, CancellationToken cancellationToken = default)
    {
        var modules = Resolve(breakIds);
        var engine = new BreakEngine(new DynamicClient(await WorkloadAsync(cluster, "break", cancellationToken).ConfigureAwait(false)), _options, _time);

        // API breaks first, node breaks next, and whatever takes the API away last of all.
        foreach (var module in modules.OrderBy(m => m.CutsApiAccess).ThenBy(m => m.Level))
        {
            try
            {
                await engine.ApplyAsync(module, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException e) when (!KubernetesFailure.IsTransient(e))
            {
                // The API understood a step and refused it: the same step will be refused again.
                throw new KlusteredException($"break {module.Id} cannot be applied to cluster {cluster.Name}: the API refused a step ({KubernetesFailure.Describe(e)})", e);
            }
        }
    }

    /// <inheritdoc />
    public async Task<VerifyBrokenResult> VerifyBrokenAsync(ClusterRef cluster, IReadOnlyList<string> breakIds, CancellationToken cancellationToken = default)
    {
        var modules = Resolve(breakIds);
        var workload = await WorkloadAsync(cluster, "verify", cancellationToken).ConfigureAwait(false);
        var client = new DynamicClient(workload);
        var engine = new BreakEngine(client, _options, _time);

        // Each break's own check, polled until it holds (a webhook server needs a moment to become Ready). Once a break
        // has taken the API away, the others cannot be looked at any more: they count as holding, saying why.
        var cutter = modules.FirstOrDefault(m => m.CutsApiAccess);
        var checks = new List<BreakCheckResult>();
        foreach (var module in modules)
        {
            var deadline = _time.GetUtcNow() + _options.BreakStepTimeout;
            BreakCheckResult result;
            while (true)
            {
                try
                {
                    result = await engine.CheckAsync(module, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (cutter is not null && !cancellationToken.IsCancellationRequested && KubernetesFailure.IsUnreachable(e))
                {
                    result = new BreakCheckResult(module.Id, true, $"not checked: the API server is unreachable, as break {cutter.Id} intends ({e.Message})");
                }

                if (result.Holds || _time.GetUtcNow() >= deadline)
                {
                    break;
                }

                await Task.Delay(ShortPoll, _time, cancellationToken).ConfigureAwait(false);
            }

            checks.Add(result);
        }

        // The rollout attempt: set :v2 and give it the configured time; it must not become Ready.
        var rolloutSucceeded = false;
        var askedForFixed = false;
        var deployment = new ObjectRef("apps/v1", "Deployment", KlusteredWorkload.Namespace, KlusteredWorkload.DeploymentName);
        try
        {
            await client.PatchAsync(deployment, V1Patch.PatchType.StrategicMergePatch, KlusteredWorkload.SetImagePatch(KlusteredWorkload.Image(_options, _options.FixedTag)), cancellationToken).ConfigureAwait(false);
            askedForFixed = true;
            var deadline = _time.GetUtcNow() + _options.VerifyBrokenTimeout;
            while (_time.GetUtcNow() < deadline)
            {
                if ((await IsFixedAsync(workload, cancellationToken).ConfigureAwait(false)).Fixed)
                {
                    rolloutSucceeded = true;
                    break;
                }

                await Task.Delay(ShortPoll, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (HttpRequestException) when (modules.Any(m => m.CutsApiAccess))
        {
            // The API is gone, as a break intends: no rollout can succeed.
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.InternalServerError or HttpStatusCode.UnprocessableEntity)
        {
            // Admission rejected the rollout itself (e.g. a fail-closed webhook on Deployments): it did not succeed.
        }
        finally
        {
            if (askedForFixed)
            {
                // Hand the fixers the cluster at v1, as it was before the attempt, however the attempt ended: cancelled
                // (its activity timed out on a busy machine) or cut short by a failed read, a Deployment left asking for
                // :v2 would roll out by itself the moment the breaks are fixed. Not cancellable for that reason; if it
                // fails, so does this verification, and its retry tries again.
                await client.PatchAsync(deployment, V1Patch.PatchType.StrategicMergePatch, KlusteredWorkload.SetImagePatch(KlusteredWorkload.Image(_options, _options.BrokenTag)), CancellationToken.None).ConfigureAwait(false);
            }
        }

        var failedChecks = checks.Where(c => !c.Holds).Select(c => c.BreakId).ToList();
        var notHolding = failedChecks;
        if (rolloutSucceeded && failedChecks.Count == 0)
        {
            // Every break is in place and still the rollout went through: none of the rollout blockers held.
            var blockers = modules.Where(m => m.BlocksRollout).Select(m => m.Id).ToList();
            notHolding = blockers.Count > 0 ? blockers : modules.Select(m => m.Id).ToList();
        }

        var broken = !rolloutSucceeded && failedChecks.Count == 0;
        var summary = broken
            ? $"cluster {cluster.Name} is broken: the v1→v2 rollout did not succeed within {_options.VerifyBrokenTimeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)}s and every break holds ({string.Join(", ", breakIds)})"
            : $"cluster {cluster.Name} is NOT broken: {(rolloutSucceeded ? "the v1→v2 rollout succeeded" : "the rollout did not succeed")}; not holding: {string.Join(", ", notHolding.Select(id => $"{id} ({checks.First(c => c.BreakId == id).Detail})"))}";
        return new VerifyBrokenResult(broken, rolloutSucceeded, checks, notHolding, summary);
    }

    /// <inheritdoc />
    public async Task UndoBreaksAsync(ClusterRef cluster, IReadOnlyList<string> breakIds, CancellationToken cancellationToken = default)
    {
        var modules = Resolve(breakIds);
        var engine = new BreakEngine(new DynamicClient(await WorkloadAsync(cluster, "undo breaks on", cancellationToken).ConfigureAwait(false)), _options, _time);
        foreach (var module in modules.OrderBy(m => m.CutsApiAccess).ThenBy(m => m.Level).Reverse())
        {
            try
            {
                await engine.UndoAsync(module, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException e) when (!KubernetesFailure.IsTransient(e))
            {
                throw new KlusteredException($"break {module.Id} cannot be undone on cluster {cluster.Name}: the API refused a step ({KubernetesFailure.Describe(e)})", e);
            }
        }
    }

    /// <inheritdoc />
    public async Task<FixStatus> IsFixedAsync(ClusterRef cluster, CancellationToken cancellationToken = default)
    {
        var workload = await WorkloadAsync(cluster, "inspect", cancellationToken).ConfigureAwait(false);
        try
        {
            return await IsFixedAsync(workload, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            // During a show the API may be down on purpose (apiserver-wrong-port) or by the fixers' hands: not fixed yet.
            return new FixStatus(false, $"the API is unreachable: {e.Message}");
        }
        catch (HttpOperationException e) when (!cancellationToken.IsCancellationRequested)
        {
            // A webhook or RBAC break can refuse our reads too: not fixed yet, look again later.
            return new FixStatus(false, $"the API answered {KubernetesFailure.Describe(e)}");
        }
    }

    /// <inheritdoc />
    public async Task<FixStatus> WaitFixedAsync(ClusterRef cluster, DateTimeOffset brokenSince, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var workload = await WorkloadAsync(cluster, "watch", cancellationToken).ConfigureAwait(false);
        var deadline = _time.GetUtcNow() + timeout;
        while (true)
        {
            FixStatus status;
            string? resourceVersion = null;
            try
            {
                status = await IsFixedAsync(workload, cancellationToken).ConfigureAwait(false);
                resourceVersion = (await workload.AppsV1.ReadNamespacedDeploymentAsync(KlusteredWorkload.DeploymentName, KlusteredWorkload.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false)).Metadata.ResourceVersion;
            }
            catch (HttpRequestException e)
            {
                // The API may be broken on purpose (apiserver-wrong-port): keep watching.
                status = new FixStatus(false, $"the API is unreachable: {e.Message}");
            }
            catch (HttpOperationException e) when (!cancellationToken.IsCancellationRequested)
            {
                // The fixers may have deleted the Deployment, or a webhook may reject reads: keep watching.
                status = new FixStatus(false, $"the API answered {(int)e.Response.StatusCode}: {e.Message}");
            }

            if (status.Fixed)
            {
                return status with { TimeToFix = _time.GetUtcNow() - brokenSince };
            }

            var remaining = deadline - _time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return status;
            }

            // Wake on the next change of the Deployment, or after the poll interval (pods can change under it).
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(remaining < _options.PollInterval ? remaining : _options.PollInterval);
            try
            {
                if (resourceVersion is null)
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, _time, wait.Token).ConfigureAwait(false);
                }

                await foreach (var _ in workload.AppsV1.WatchListNamespacedDeploymentAsync(
                    KlusteredWorkload.Namespace, fieldSelector: $"metadata.name={KlusteredWorkload.DeploymentName}", resourceVersion: resourceVersion, cancellationToken: wait.Token).ConfigureAwait(false))
                {
                    break;
                }
            }
            catch (Exception e) when (e is OperationCanceledException or HttpRequestException or HttpOperationException && !cancellationToken.IsCancellationRequested)
            {
                // Poll interval elapsed, or the watch broke: look again.
            }
        }
    }

    /// <inheritdoc />
    public async Task TeardownAsync(ClusterRef cluster, CancellationToken cancellationToken = default)
    {
        var existing = await GetClusterAsync(cluster, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            return;
        }

        GuardCluster(existing, cluster, "delete");
        await new DynamicClient(Management).DeleteAsync(ClusterObject(cluster), cancellationToken).ConfigureAwait(false);
        if (_workloads.TryRemove(Key(cluster), out var client))
        {
            client.Dispose();
        }

        var deadline = _time.GetUtcNow() + _options.TeardownTimeout;
        while (await GetClusterAsync(cluster, cancellationToken).ConfigureAwait(false) is not null)
        {
            if (_time.GetUtcNow() > deadline)
            {
                throw new KlusteredException($"Cluster {cluster.Namespace}/{cluster.Name} was not deleted within {_options.TeardownTimeout}");
            }

            await Task.Delay(ShortPoll, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<OwnedCluster>> ListOwnedClustersAsync(CancellationToken cancellationToken = default)
    {
        var items = await new DynamicClient(Management).ListAsync($"{ClusterGroup}/{ClusterVersion}", "Cluster", _options.Namespace, Ownership.OwnedSelector, cancellationToken).ConfigureAwait(false);
        return items
            .Where(c => Ownership.IsOwned(Labels(c)))
            .Select(c =>
            {
                var labels = Labels(c);
                var expires = labels.TryGetValue(Ownership.ExpiresLabel, out var e) && long.TryParse(e, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                    ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                    : (DateTimeOffset?)null;
                return new OwnedCluster(
                    new ClusterRef(
                        c["metadata"]!["namespace"]!.GetValue<string>(),
                        c["metadata"]!["name"]!.GetValue<string>(),
                        c["metadata"]?["annotations"]?[Ownership.EpisodeIdAnnotation]?.GetValue<string>() ?? "",
                        labels.GetValueOrDefault(Ownership.TeamLabel, "")),
                    expires,
                    c["status"]?["phase"]?.GetValue<string>());
            })
            .ToList();
    }

    public void Dispose()
    {
        foreach (var client in _workloads.Values)
        {
            client.Dispose();
        }

        if (_management.IsValueCreated)
        {
            _management.Value.Dispose();
        }
    }

    private async Task<FixStatus> IsFixedAsync(IKubernetes workload, CancellationToken ct)
    {
        V1Deployment deployment;
        try
        {
            deployment = await workload.AppsV1.ReadNamespacedDeploymentAsync(KlusteredWorkload.DeploymentName, KlusteredWorkload.Namespace, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return new FixStatus(false, "Deployment default/klustered does not exist");
        }

        var wanted = KlusteredWorkload.Image(_options, _options.FixedTag);
        var container = deployment.Spec.Template.Spec.Containers.FirstOrDefault(c => c.Name == KlusteredWorkload.ContainerName);
        if (container?.Image != wanted)
        {
            return new FixStatus(false, $"the Deployment asks for {container?.Image ?? "no klustered container"}, not {wanted}");
        }

        var replicas = deployment.Spec.Replicas ?? 1;
        if (replicas < 1)
        {
            // Zero pods "running v2" is not a win.
            return new FixStatus(false, $"the Deployment is scaled to {replicas} replicas");
        }

        var status = deployment.Status;
        if (status is null || (status.ObservedGeneration ?? 0) < (deployment.Metadata.Generation ?? 0) || (status.UpdatedReplicas ?? 0) < replicas || (status.ReadyReplicas ?? 0) < replicas || (status.Replicas ?? 0) > replicas)
        {
            return new FixStatus(false, $"rollout in progress: {status?.UpdatedReplicas ?? 0} updated, {status?.ReadyReplicas ?? 0} ready, {status?.Replicas ?? 0} total of {replicas}");
        }

        // The pods themselves must run :v2: a mutating webhook can rewrite what the Deployment asks for.
        var selector = string.Join(",", deployment.Spec.Selector.MatchLabels.Select(kv => $"{kv.Key}={kv.Value}"));
        var pods = (await workload.CoreV1.ListNamespacedPodAsync(KlusteredWorkload.Namespace, labelSelector: selector, cancellationToken: ct).ConfigureAwait(false)).Items
            .Where(p => p.Metadata.DeletionTimestamp is null)
            .ToList();
        var readyOnV2 = pods.Count(p =>
            p.Status?.Phase == "Running" &&
            (p.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") ?? false) &&
            p.Spec.Containers.FirstOrDefault(c => c.Name == KlusteredWorkload.ContainerName)?.Image == wanted);
        if (readyOnV2 < replicas)
        {
            var images = string.Join(", ", pods.Select(p => p.Spec.Containers.FirstOrDefault(c => c.Name == KlusteredWorkload.ContainerName)?.Image).Distinct());
            return new FixStatus(false, $"{readyOnV2}/{replicas} pods are Ready on {wanted} (pods run: {images})");
        }

        return new FixStatus(true, $"klustered runs {wanted} with {replicas}/{replicas} Ready");
    }

    private static async Task<string> WorkloadReadyAsync(DynamicClient client, CancellationToken ct)
    {
        foreach (var name in new[] { KlusteredWorkload.DatabaseName, KlusteredWorkload.DeploymentName })
        {
            var deployment = await client.GetAsync(new ObjectRef("apps/v1", "Deployment", KlusteredWorkload.Namespace, name), ct).ConfigureAwait(false);
            var want = deployment?["spec"]?["replicas"]?.GetValue<int>() ?? 1;
            var have = deployment?["status"]?["readyReplicas"]?.GetValue<int>() ?? 0;
            if (have < want)
            {
                return $"{name}: {have}/{want} ready";
            }
        }

        return "ready";
    }

    private (string ClusterClass, ClusterClassOptions Options) ResolveClass(string episodeId, string team, ClusterSpec spec)
    {
        if (!_options.ClusterClasses.TryGetValue(spec.Class, out var classOptions))
        {
            throw new KlusteredException($"{episodeId} team {team}: unknown cluster class \"{spec.Class}\"; the catalogue has: {string.Join(", ", _options.ClusterClasses.Keys.Order(StringComparer.Ordinal))}");
        }

        if (!VersionPattern().IsMatch(spec.KubernetesVersion))
        {
            throw new KlusteredException($"{episodeId} team {team}: kubernetesVersion \"{spec.KubernetesVersion}\" must look like v1.31.0");
        }

        if (spec.ControlPlaneReplicas < 1 || spec.ControlPlaneReplicas > classOptions.MaxControlPlaneReplicas || spec.ControlPlaneReplicas % 2 == 0)
        {
            throw new KlusteredException($"{episodeId} team {team}: {spec.ControlPlaneReplicas} control-plane replicas is not allowed for {spec.Class} (an odd number from 1 to {classOptions.MaxControlPlaneReplicas})");
        }

        if (spec.WorkerReplicas < 0 || spec.WorkerReplicas > classOptions.MaxWorkerReplicas)
        {
            throw new KlusteredException($"{episodeId} team {team}: {spec.WorkerReplicas} workers is not allowed for {spec.Class} (0 to {classOptions.MaxWorkerReplicas})");
        }

        if (!Regex.IsMatch(team, "^[a-z0-9]+(-[a-z0-9]+)*$", RegexOptions.CultureInvariant))
        {
            throw new KlusteredException($"{episodeId}: team name \"{team}\" must be lowercase kebab-case");
        }

        return (classOptions.ClusterClass, classOptions);
    }

    private static List<BreakModule> Resolve(IReadOnlyList<string> breakIds)
    {
        var unknown = breakIds.Where(id => !BreakLibrary.Contains(id)).ToList();
        if (unknown.Count > 0)
        {
            throw new KlusteredException($"unknown break{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown.Select(u => $"\"{u}\""))}; the break library has: {string.Join(", ", BreakLibrary.Ids)}");
        }

        return breakIds.Distinct(StringComparer.Ordinal).Select(BreakLibrary.Get).ToList();
    }

    private async Task<IKubernetes> WorkloadAsync(ClusterRef cluster, string verb, CancellationToken ct)
    {
        await EnsureOwnedAsync(cluster, verb, ct).ConfigureAwait(false);
        if (_workloads.TryGetValue(Key(cluster), out var cached))
        {
            return cached;
        }

        var kubeconfig = await TryReadKubeconfigAsync(cluster, ct).ConfigureAwait(false)
            ?? throw new KlusteredException($"Cluster {cluster.Namespace}/{cluster.Name} has no kubeconfig yet (secret {cluster.Name}-kubeconfig): is it provisioned?");
        var client = ClientFromKubeconfig(kubeconfig, $"cluster {cluster.Name}");
        if (!_workloads.TryAdd(Key(cluster), client))
        {
            client.Dispose();
        }

        return _workloads[Key(cluster)];
    }

    /// <summary>The guard: the Cluster must exist and carry our ownership label (and belong to this episode and team).</summary>
    private async Task EnsureOwnedAsync(ClusterRef cluster, string verb, CancellationToken ct)
    {
        var obj = await GetClusterAsync(cluster, ct).ConfigureAwait(false)
            ?? throw new KlusteredException($"Cluster {cluster.Namespace}/{cluster.Name} does not exist");
        GuardCluster(obj, cluster, verb);
    }

    private static void GuardCluster(JsonObject? obj, ClusterRef cluster, string verb)
    {
        var labels = obj is null ? new Dictionary<string, string>() : Labels(obj);
        if (!Ownership.IsOwned(labels))
        {
            throw new OwnershipException($"refusing to {verb} Cluster {cluster.Namespace}/{cluster.Name}: it lacks the label {Ownership.OwnedSelector}");
        }

        if (labels.GetValueOrDefault(Ownership.EpisodeLabel) != Ownership.EpisodeHash(cluster.EpisodeId) || labels.GetValueOrDefault(Ownership.TeamLabel) != cluster.Team)
        {
            throw new OwnershipException($"refusing to {verb} Cluster {cluster.Namespace}/{cluster.Name}: it belongs to another episode or team (labels {Ownership.EpisodeLabel}={labels.GetValueOrDefault(Ownership.EpisodeLabel)}, {Ownership.TeamLabel}={labels.GetValueOrDefault(Ownership.TeamLabel)})");
        }
    }

    private async Task<JsonObject?> GetClusterAsync(ClusterRef cluster, CancellationToken ct) =>
        await new DynamicClient(Management).GetAsync(ClusterObject(cluster), ct).ConfigureAwait(false);

    private async Task<string?> TryReadKubeconfigAsync(ClusterRef cluster, CancellationToken ct)
    {
        try
        {
            var secret = await Management.CoreV1.ReadNamespacedSecretAsync($"{cluster.Name}-kubeconfig", cluster.Namespace, cancellationToken: ct).ConfigureAwait(false);
            return secret.Data?.TryGetValue("value", out var bytes) == true ? Encoding.UTF8.GetString(bytes) : null;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static ObjectRef ClusterObject(ClusterRef cluster) => new($"{ClusterGroup}/{ClusterVersion}", "Cluster", cluster.Namespace, cluster.Name);

    private static string Key(ClusterRef cluster) => $"{cluster.Namespace}/{cluster.Name}";

    private TimeSpan ShortPoll => _options.PollInterval < TimeSpan.FromSeconds(1) ? _options.PollInterval : TimeSpan.FromSeconds(1);

    private static Dictionary<string, string> Labels(JsonObject obj) =>
        (obj["metadata"]?["labels"] as JsonObject)?.ToDictionary(kv => kv.Key, kv => kv.Value?.GetValue<string>() ?? "", StringComparer.Ordinal)
        ?? new Dictionary<string, string>(StringComparer.Ordinal);

    private static k8s.Kubernetes ClientFromKubeconfig(string kubeconfig, string what)
    {
        try
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(kubeconfig));
            return new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(stream));
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or YamlDotNet.Core.YamlException or ArgumentException)
        {
            throw new KlusteredException($"the kubeconfig of {what} is not usable: {e.Message}", e);
        }
    }

    [GeneratedRegex(@"^v\d+\.\d+\.\d+$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPattern();
}

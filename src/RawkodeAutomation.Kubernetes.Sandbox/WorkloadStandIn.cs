using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace RawkodeAutomation.Kubernetes.Sandbox;

/// <summary>
/// Stands in for the controller manager, the scheduler and the kubelets of a sandbox cluster: Deployments become
/// pods (through admission, so quotas, limit ranges and webhooks apply), pods are scheduled onto nodes whose taints
/// they tolerate (by the default scheduler only), and become Ready when what they need works:
/// <list type="bullet">
/// <item>every readiness probe targets a port the container declares (a container listens on its declared ports only);</item>
/// <item>no container has a memory limit below 4Mi (it would be OOM-killed at start);</item>
/// <item>each <c>klustered.rawkode.dev/depends-on</c> address (<c>host:port</c>) resolves through cluster DNS (CoreDNS
/// Ready and serving the cluster domain), hits a Service port with Ready endpoints, and is allowed by NetworkPolicies.</item>
/// </list>
/// Privileged host pods (hostPID + privileged, how node-level breaks run scripts) cannot run here: with
/// <see cref="KubernetesSandboxOptions.HostPodPhase"/> = <see cref="KubernetesSandboxOptions.SimulatedHostPods"/> they
/// run against <see cref="NodeModel"/>, whose effects this stand-in reproduces; otherwise they end in that phase.
/// </summary>
internal sealed class WorkloadStandIn : IAsyncDisposable
{
    /// <summary>The annotation that declares a pod's runtime dependencies (comma-separated <c>host:port</c>).</summary>
    public const string DependsOnAnnotation = "klustered.rawkode.dev/depends-on";
    public const string ClusterDomain = "cluster.local";
    private const decimal MinimumMemory = 4m * 1024 * 1024;

    private readonly SandboxCluster _cluster;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, DateTime> _backoff = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _createFailures = new(StringComparer.Ordinal);
    private readonly Task _loop;
    private readonly NodeModel _nodes;

    public WorkloadStandIn(SandboxCluster cluster, NodeState? nodes = null)
    {
        _cluster = cluster;
        _nodes = new NodeModel(nodes);
        cluster.Store.Changed += _ => Wake();
        cluster.Store.Changed += StartDelayedEffect;
        _loop = Task.Run(LoopAsync);
    }

    private ObjectStore Store => _cluster.Store;

    // Runs inside the delete that commits the change, so the next request already sees the effect.
    private void StartDelayedEffect(WatchEvent change)
    {
        if (change.Type != "DELETED" || change.Resource.Kind != "Pod" || _cluster.Options.HostPodPhase != KubernetesSandboxOptions.SimulatedHostPods)
        {
            return;
        }

        switch (NodeModel.DelayedEffect(change.Object))
        {
            case NodeModel.ApiServerWrongPort:
                _cluster.TakeApiServerDown($"kube-apiserver listens on 6444 after break {NodeModel.ApiServerWrongPort}");
                break;
            case NodeModel.KubeletStopped when NodeOf(change.Object) is { } node:
                _nodes.StopKubelet(node);
                Wake();
                break;
        }
    }

    /// <summary>The node model's state (for the cluster's saved state).</summary>
    public NodeState ExportNodes() => _nodes.Export();

    /// <summary>The last unexpected error of a reconcile pass (for diagnostics; the loop carries on).</summary>
    public Exception? LastError { get; private set; }

    public void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already awake.
        }
        catch (ObjectDisposedException)
        {
            // Stopping.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Expected on stop.
        }

        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            // Wake on any change, and at least every 100 ms so back-offs expire.
            await _wake.WaitAsync(TimeSpan.FromMilliseconds(100), _stop.Token).ConfigureAwait(false);
            try
            {
                await ReconcileAsync().ConfigureAwait(false);
            }
            catch (ApiError e)
            {
                // A conflicting write or an object deleted under us: the next pass sees the new state.
                LastError = e;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A malformed object must not stop the controllers for every other object; keep it for diagnostics.
                LastError = e;
            }
        }
    }

    private async Task ReconcileAsync()
    {
        await ReconcileServiceAccountsAsync().ConfigureAwait(false);
        await ReconcileStaticPodsAsync().ConfigureAwait(false);
        await ReconcileNodesAsync().ConfigureAwait(false);

        // Without the deployment controller (a node-level break), Deployments keep their ReplicaSets and stale status.
        foreach (var deployment in _nodes.DeploymentControllerStopped ? [] : Store.List(_cluster.Type("Deployment"), null).Items)
        {
            await ReconcileDeploymentAsync(deployment).ConfigureAwait(false);
        }

        foreach (var replicaSet in Store.List(_cluster.Type("ReplicaSet"), null).Items)
        {
            await ReconcileReplicaSetAsync(replicaSet).ConfigureAwait(false);
        }

        foreach (var pod in Store.List(_cluster.Type("Pod"), null).Items)
        {
            await ReconcilePodAsync(pod).ConfigureAwait(false);
        }

        await ReconcileEndpointsAsync().ConfigureAwait(false);
        await ReconcileQuotasAsync().ConfigureAwait(false);
        await ReconcileDisruptionBudgetsAsync().ConfigureAwait(false);
    }

    /// <summary>The disruption controller: each PodDisruptionBudget's status (what <c>kubectl get pdb</c> shows).</summary>
    private async Task ReconcileDisruptionBudgetsAsync()
    {
        foreach (var budget in Store.List(_cluster.Type("PodDisruptionBudget"), null).Items)
        {
            var (expected, desired, current) = DisruptionBudgets.Count(Store, budget);
            var allowed = Math.Max(0, current - desired);
            await WriteStatusAsync(budget, new JsonObject
            {
                ["observedGeneration"] = budget["metadata"]?["generation"]?.DeepClone(),
                ["expectedPods"] = expected,
                ["desiredHealthy"] = desired,
                ["currentHealthy"] = current,
                ["disruptionsAllowed"] = allowed,
                ["conditions"] = new JsonArray(new JsonObject
                {
                    ["type"] = "DisruptionAllowed",
                    ["status"] = allowed > 0 ? "True" : "False",
                    ["reason"] = allowed > 0 ? "SufficientPods" : "InsufficientPods",
                    ["message"] = "",
                    ["observedGeneration"] = budget["metadata"]?["generation"]?.DeepClone(),
                    ["lastTransitionTime"] = budget["status"]?["conditions"]?[0]?["status"]?.GetValue<string>() == (allowed > 0 ? "True" : "False")
                        ? budget["status"]?["conditions"]?[0]?["lastTransitionTime"]?.DeepClone()
                        : DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                }),
            }).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Node-level breaks the model applies show where kubectl looks: a controller manager started without the deployment
    /// controller has <c>-deployment</c> in its mirror pod's <c>--controllers</c> flag, as the edited manifest would.
    /// </summary>
    private async Task ReconcileStaticPodsAsync()
    {
        var podType = _cluster.Type("Pod");
        foreach (var pod in Store.List(podType, "kube-system").Items.Where(p => LabelSelector.Labels(p).GetValueOrDefault("component") == "kube-controller-manager"))
        {
            var stopped = _nodes.Has(NodeOf(pod) ?? "", NodeModel.NoDeploymentController);
            var command = new JsonArray([.. SandboxCluster.ControllerManagerCommand.Select(c => (JsonNode)(stopped && c.StartsWith("--controllers=", StringComparison.Ordinal) ? c + ",-deployment" : c))]);
            var container = pod["spec"]?["containers"]?[0] as JsonObject;
            if (container is null || JsonNode.DeepEquals(container["command"], command))
            {
                continue;
            }

            var restarted = (JsonObject)pod.DeepClone();
            restarted["spec"]!["containers"]![0]!["command"] = command;
            await Store.UpdateAsync(podType, "kube-system", Name(pod), restarted, null, admit: false).ConfigureAwait(false);
            await _cluster.Events.RecordAsync(pod, "Normal", "Killing", $"Stopping container {container["name"]}", "kubelet", NodeOf(pod), $"spec.containers{{{container["name"]}}}").ConfigureAwait(false);
        }
    }

    private const string ManagedEndpoints = "endpoints.kubernetes.io/last-change-trigger-time";

    /// <summary>The endpoints controller: each Service with a selector gets an Endpoints object listing its pods' addresses.</summary>
    private async Task ReconcileEndpointsAsync()
    {
        var endpointsType = _cluster.Type("Endpoints");
        var services = Store.List(_cluster.Type("Service"), null).Items;
        foreach (var service in services.Where(s => s["spec"]?["selector"] is JsonObject { Count: > 0 }))
        {
            var selector = LabelSelector.FromSpec(service["spec"]?["selector"], nullSelectsNothing: true);
            var pods = Store.List(_cluster.Type("Pod"), Namespace(service)).Items
                .Where(p => selector.Matches(p) && p["status"]?["podIP"] is not null && p["metadata"]?["deletionTimestamp"] is null).ToList();
            JsonNode Address(JsonObject p) => new JsonObject
            {
                ["ip"] = p["status"]!["podIP"]!.DeepClone(),
                ["nodeName"] = p["spec"]?["nodeName"]?.DeepClone(),
                ["targetRef"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = Namespace(p), ["name"] = Name(p), ["uid"] = p["metadata"]!["uid"]!.DeepClone() },
            };
            var ports = ((service["spec"]?["ports"] as JsonArray)?.OfType<JsonObject>() ?? []).Select(port =>
            {
                var target = port["targetPort"] ?? port["port"];
                var number = target?.GetValueKind() == System.Text.Json.JsonValueKind.Number
                    ? target.GetValue<int>()
                    : pods.Select(p => ResolvePort(((p["spec"]?["containers"] as JsonArray)?.OfType<JsonObject>() ?? []).SelectMany(c => (c["ports"] as JsonArray)?.OfType<JsonObject>() ?? []).ToList(), target!)).FirstOrDefault(n => n is not null) ?? 0;
                var entry = new JsonObject { ["port"] = number, ["protocol"] = port["protocol"]?.DeepClone() ?? "TCP" };
                if (port["name"] is { } name)
                {
                    entry["name"] = name.DeepClone();
                }

                return (JsonNode)entry;
            }).ToArray();
            await ReconcileEndpointSliceAsync(service, pods, ports).ConfigureAwait(false);
            var subset = new JsonObject();
            var ready = pods.Where(IsReady).OrderBy(Name, StringComparer.Ordinal).Select(Address).ToArray();
            var notReady = pods.Where(p => !IsReady(p)).OrderBy(Name, StringComparer.Ordinal).Select(Address).ToArray();
            if (ready.Length > 0)
            {
                subset["addresses"] = new JsonArray(ready);
            }

            if (notReady.Length > 0)
            {
                subset["notReadyAddresses"] = new JsonArray(notReady);
            }

            subset["ports"] = new JsonArray(ports);
            var existing = Store.Get(endpointsType, Namespace(service), Name(service));
            var subsets = ready.Length + notReady.Length > 0 ? new JsonArray(subset) : null;
            if (existing is not null && JsonNode.DeepEquals(existing["subsets"], subsets is null ? null : ObjectStore.Normalise(new JsonObject { ["s"] = subsets.DeepClone() })["s"]))
            {
                continue;
            }

            var endpoints = existing ?? new JsonObject { ["metadata"] = new JsonObject { ["name"] = Name(service), ["namespace"] = Namespace(service), ["labels"] = service["metadata"]?["labels"]?.DeepClone() } };
            endpoints["metadata"]!["annotations"] = new JsonObject { [ManagedEndpoints] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) };
            endpoints["subsets"] = subsets;
            if (subsets is null)
            {
                endpoints.Remove("subsets");
            }

            if (existing is null)
            {
                await CreateIgnoringConflictAsync(endpointsType, Namespace(service)!, endpoints).ConfigureAwait(false);
            }
            else
            {
                await Store.UpdateAsync(endpointsType, Namespace(service), Name(service), endpoints, null, admit: false).ConfigureAwait(false);
            }
        }

        foreach (var orphan in Store.List(endpointsType, null).Items.Where(e => e["metadata"]?["annotations"]?[ManagedEndpoints] is not null &&
            !services.Any(s => Name(s) == Name(e) && Namespace(s) == Namespace(e) && s["spec"]?["selector"] is JsonObject { Count: > 0 })))
        {
            TryDelete(orphan);
        }

        foreach (var orphan in Store.List(_cluster.Type("EndpointSlice"), null).Items.Where(e => e["metadata"]?["labels"]?[SliceManagedBy]?.GetValue<string>() == SliceController &&
            !services.Any(s => Name(s) == e["metadata"]?["labels"]?[SliceServiceName]?.GetValue<string>() && Namespace(s) == Namespace(e) && s["spec"]?["selector"] is JsonObject { Count: > 0 })))
        {
            TryDelete(orphan);
        }
    }

    private const string SliceServiceName = "kubernetes.io/service-name";
    private const string SliceManagedBy = "endpointslice.kubernetes.io/managed-by";
    private const string SliceController = "endpointslice-controller.k8s.io";

    /// <summary>
    /// The EndpointSlice controller: one IPv4 slice per Service with a selector, named after the Service and labelled
    /// <c>kubernetes.io/service-name</c>, listing every matching pod with its readiness (what <c>kubectl describe
    /// service</c> reads since kubectl 1.30, and <c>kubectl get endpointslices</c>).
    /// </summary>
    private async Task ReconcileEndpointSliceAsync(JsonObject service, List<JsonObject> pods, JsonNode[] ports)
    {
        var sliceType = _cluster.Type("EndpointSlice");
        var existing = Store.List(sliceType, Namespace(service)).Items
            .FirstOrDefault(e => e["metadata"]?["labels"]?[SliceServiceName]?.GetValue<string>() == Name(service) && e["metadata"]?["labels"]?[SliceManagedBy]?.GetValue<string>() == SliceController);
        var endpoints = pods.OrderBy(Name, StringComparer.Ordinal).Select(p =>
        {
            var ready = IsReady(p);
            var endpoint = new JsonObject
            {
                ["addresses"] = new JsonArray(p["status"]!["podIP"]!.DeepClone()),
                ["conditions"] = new JsonObject { ["ready"] = ready, ["serving"] = ready, ["terminating"] = false },
                ["targetRef"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = Namespace(p), ["name"] = Name(p), ["uid"] = p["metadata"]!["uid"]!.DeepClone() },
            };
            if (p["spec"]?["nodeName"] is { } node)
            {
                endpoint["nodeName"] = node.DeepClone();
            }

            return (JsonNode)endpoint;
        }).ToArray();
        var wanted = new JsonObject
        {
            ["endpoints"] = endpoints.Length == 0 ? null : new JsonArray(endpoints),
            // An unnamed port is named "" in a slice (kubectl describe matches the Service's ports by name); a Service
            // without pods gets upstream's placeholder slice, with neither endpoints nor ports.
            ["ports"] = endpoints.Length == 0 ? null : new JsonArray([.. ports.Select(p => { var port = (JsonObject)p.DeepClone(); port["name"] ??= ""; return (JsonNode)port; })]),
        };
        if (existing is not null && JsonNode.DeepEquals(ObjectStore.Normalise(new JsonObject { ["endpoints"] = existing["endpoints"]?.DeepClone(), ["ports"] = existing["ports"]?.DeepClone() }), ObjectStore.Normalise((JsonObject)wanted.DeepClone())))
        {
            return;
        }

        var slice = existing ?? new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                // Upstream names a slice by generateName from the Service's name.
                ["generateName"] = Name(service) + "-",
                ["namespace"] = Namespace(service),
                ["labels"] = new JsonObject { [SliceServiceName] = Name(service), [SliceManagedBy] = SliceController },
                ["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = "v1",
                    ["kind"] = "Service",
                    ["name"] = Name(service),
                    ["uid"] = service["metadata"]!["uid"]!.DeepClone(),
                    ["controller"] = true,
                    ["blockOwnerDeletion"] = true,
                }),
            },
            ["addressType"] = "IPv4",
        };
        foreach (var field in new[] { "endpoints", "ports" })
        {
            slice[field] = wanted[field]?.DeepClone();
            if (slice[field] is null)
            {
                slice.Remove(field);
            }
        }

        if (existing is null)
        {
            await CreateIgnoringConflictAsync(sliceType, Namespace(service)!, slice).ConfigureAwait(false);
        }
        else
        {
            await Store.UpdateAsync(sliceType, Namespace(service), Name(slice), slice, null, admit: false).ConfigureAwait(false);
        }
    }

    /// <summary>The resource quota controller: <c>status.hard</c> and <c>status.used</c> of every ResourceQuota (kubectl describe quota).</summary>
    private async Task ReconcileQuotasAsync()
    {
        foreach (var quota in Store.List(_cluster.Type("ResourceQuota"), null).Items)
        {
            var ns = Namespace(quota);
            var hard = quota["spec"]?["hard"] as JsonObject ?? new JsonObject();
            var pods = Store.List(_cluster.Type("Pod"), ns).Items.Where(p => p["status"]?["phase"]?.GetValue<string>() is not ("Succeeded" or "Failed")).ToList();
            decimal Sum(string field, string resource) => pods.SelectMany(p => (p["spec"]?["containers"] as JsonArray)?.OfType<JsonObject>() ?? [])
                .Sum(c => Quantity.Read(c["resources"]?[field]?[resource]) ?? 0);
            string Count(string kind) => Store.List(_cluster.Type(kind), ns).Items.Count.ToString(CultureInfo.InvariantCulture);
            var used = new JsonObject();
            foreach (var (resource, _) in hard)
            {
                used[resource] = resource switch
                {
                    "pods" or "count/pods" => pods.Count.ToString(CultureInfo.InvariantCulture),
                    "requests.cpu" or "cpu" => Cpu(Sum("requests", "cpu")),
                    "limits.cpu" => Cpu(Sum("limits", "cpu")),
                    "requests.memory" or "memory" => Memory(Sum("requests", "memory")),
                    "limits.memory" => Memory(Sum("limits", "memory")),
                    "services" or "count/services" => Count("Service"),
                    "configmaps" or "count/configmaps" => Count("ConfigMap"),
                    "secrets" or "count/secrets" => Count("Secret"),
                    "count/deployments.apps" => Count("Deployment"),
                    "count/replicasets.apps" => Count("ReplicaSet"),
                    "resourcequotas" => Count("ResourceQuota"),
                    _ => "0",
                };
            }

            await WriteStatusAsync(quota, new JsonObject { ["hard"] = hard.DeepClone(), ["used"] = used }).ConfigureAwait(false);
        }
    }

    private static string Cpu(decimal cores) => cores == 0 ? "0" : cores == decimal.Truncate(cores) ? cores.ToString("0", CultureInfo.InvariantCulture) : $"{(cores * 1000).ToString("0", CultureInfo.InvariantCulture)}m";

    private static string Memory(decimal bytes) => bytes == 0 ? "0" : bytes % (1024 * 1024) == 0 ? $"{(bytes / (1024 * 1024)).ToString("0", CultureInfo.InvariantCulture)}Mi" : bytes.ToString("0", CultureInfo.InvariantCulture);

    /// <summary>
    /// The ServiceAccount, root-CA publisher and token controllers: every namespace gets the <c>default</c>
    /// ServiceAccount and the <c>kube-root-ca.crt</c> ConfigMap, and a <c>kubernetes.io/service-account-token</c> Secret
    /// gets its long-lived token, <c>ca.crt</c> and <c>namespace</c>.
    /// </summary>
    private async Task ReconcileServiceAccountsAsync()
    {
        var serviceAccountType = _cluster.Type("ServiceAccount");
        var configMapType = _cluster.Type("ConfigMap");
        foreach (var ns in Store.List(_cluster.Type("Namespace"), null).Items.Where(n => n["metadata"]?["deletionTimestamp"] is null).Select(Name))
        {
            if (Store.Get(serviceAccountType, ns, "default") is null)
            {
                await CreateIgnoringConflictAsync(serviceAccountType, ns, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "default", ["namespace"] = ns } }).ConfigureAwait(false);
            }

            if (Store.Get(configMapType, ns, "kube-root-ca.crt") is null)
            {
                await CreateIgnoringConflictAsync(configMapType, ns, new JsonObject
                {
                    ["metadata"] = new JsonObject { ["name"] = "kube-root-ca.crt", ["namespace"] = ns, ["annotations"] = new JsonObject { ["kubernetes.io/description"] = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters." } },
                    ["data"] = new JsonObject { ["ca.crt"] = _cluster.CertificateAuthorityPem },
                }).ConfigureAwait(false);
            }
        }

        var secretType = _cluster.Type("Secret");
        foreach (var secret in Store.List(secretType, null).Items.Where(s => s["type"]?.GetValue<string>() == "kubernetes.io/service-account-token" && s["data"]?["token"] is null))
        {
            var accountName = secret["metadata"]?["annotations"]?["kubernetes.io/service-account.name"]?.GetValue<string>();
            if (accountName is null || Store.Get(serviceAccountType, Namespace(secret), accountName) is not { } account)
            {
                continue;
            }

            var filled = (JsonObject)secret.DeepClone();
            var data = filled["data"] as JsonObject ?? new JsonObject();
            data["token"] = SandboxCluster.Base64(_cluster.Security.IssueLegacyToken(account, secret));
            data["ca.crt"] = SandboxCluster.Base64(_cluster.CertificateAuthorityPem);
            data["namespace"] = SandboxCluster.Base64(Namespace(secret)!);
            filled["data"] = data;
            filled["metadata"]!["annotations"]!["kubernetes.io/service-account.uid"] = account["metadata"]!["uid"]!.DeepClone();
            await Store.UpdateAsync(secretType, Namespace(secret), Name(secret), filled, null, admit: false).ConfigureAwait(false);
        }
    }

    private async Task CreateIgnoringConflictAsync(ResourceType type, string ns, JsonObject obj)
    {
        try
        {
            await Store.CreateAsync(type, ns, obj, admit: false).ConfigureAwait(false);
        }
        catch (ApiError e) when (e.Code == 409)
        {
            // Created by someone else in between.
        }
    }

    private const string RevisionAnnotation = "deployment.kubernetes.io/revision";

    /// <summary>
    /// The deployment controller: one ReplicaSet per pod template (named <c>&lt;deployment&gt;-&lt;template hash&gt;</c>,
    /// revision in <c>deployment.kubernetes.io/revision</c>, so <c>rollout history/undo</c> work); the current one is
    /// scaled to the wanted replicas, older ones to zero once it is Ready. A paused Deployment rolls nothing out.
    /// </summary>
    private async Task ReconcileDeploymentAsync(JsonObject deployment)
    {
        var ns = Namespace(deployment)!;
        var name = Name(deployment);
        var uid = deployment["metadata"]!["uid"]!.GetValue<string>();
        var template = deployment["spec"]?["template"] as JsonObject ?? new JsonObject();
        var hash = TemplateHash(template);
        var desired = deployment["spec"]?["replicas"]?.GetValue<int>() ?? 1;
        var paused = deployment["spec"]?["paused"]?.GetValue<bool>() == true;
        var rsType = _cluster.Type("ReplicaSet");
        var replicaSets = Store.List(rsType, ns).Items.Where(rs => OwnerUid(rs) == uid).ToList();
        var current = replicaSets.FirstOrDefault(rs => Labels(rs).GetValueOrDefault("pod-template-hash") == hash);
        var maxRevision = replicaSets.Select(Revision).DefaultIfEmpty(0).Max();
        if (current is null && !paused)
        {
            var labels = MergeLabels(template["metadata"]?["labels"], hash);
            var rsTemplate = (JsonObject)template.DeepClone();
            rsTemplate["metadata"] ??= new JsonObject();
            rsTemplate["metadata"]!["labels"] = labels.DeepClone();
            var selector = deployment["spec"]?["selector"]?.DeepClone() as JsonObject ?? new JsonObject();
            var matchLabels = selector["matchLabels"] as JsonObject ?? new JsonObject();
            matchLabels["pod-template-hash"] = hash;
            selector["matchLabels"] = matchLabels;
            var annotations = new JsonObject
            {
                [RevisionAnnotation] = (maxRevision + 1).ToString(CultureInfo.InvariantCulture),
                ["deployment.kubernetes.io/desired-replicas"] = desired.ToString(CultureInfo.InvariantCulture),
            };
            if (deployment["metadata"]?["annotations"]?["kubernetes.io/change-cause"] is { } cause)
            {
                annotations["kubernetes.io/change-cause"] = cause.DeepClone();
            }

            current = await Store.CreateAsync(rsType, ns, new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["name"] = $"{name}-{hash}",
                    ["namespace"] = ns,
                    ["labels"] = labels,
                    ["annotations"] = annotations,
                    ["ownerReferences"] = new JsonArray(new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = name, ["uid"] = uid, ["controller"] = true, ["blockOwnerDeletion"] = true }),
                },
                ["spec"] = new JsonObject { ["replicas"] = 0, ["selector"] = selector, ["template"] = rsTemplate },
            }, admit: false).ConfigureAwait(false);
            replicaSets.Add(current);
            maxRevision++;
        }
        else if (current is not null && !paused && Revision(current) < maxRevision)
        {
            // Rolling back to an older template reuses its ReplicaSet under a new revision, as upstream does.
            var bumped = (JsonObject)current.DeepClone();
            bumped["metadata"]!["annotations"] ??= new JsonObject();
            bumped["metadata"]!["annotations"]![RevisionAnnotation] = (++maxRevision).ToString(CultureInfo.InvariantCulture);
            current = await Store.UpdateAsync(rsType, ns, Name(current), bumped, null, admit: false).ConfigureAwait(false);
        }

        if (current is not null)
        {
            await ScaleReplicaSetAsync(deployment, current, desired).ConfigureAwait(false);
            var currentReady = current["status"]?["readyReplicas"]?.GetValue<int>() ?? 0;
            if (currentReady >= desired && !paused)
            {
                foreach (var old in replicaSets.Where(rs => rs != current))
                {
                    await ScaleReplicaSetAsync(deployment, old, 0).ConfigureAwait(false);
                }
            }
        }

        var pods = Store.List(_cluster.Type("Pod"), ns).Items.Where(p => replicaSets.Any(rs => OwnerUid(p) == rs["metadata"]!["uid"]!.GetValue<string>())).ToList();
        var currentPods = current is null ? [] : pods.Where(p => OwnerUid(p) == current["metadata"]!["uid"]!.GetValue<string>()).ToList();
        var ready = pods.Count(IsReady);
        var currentReadyPods = currentPods.Count(IsReady);
        var conditions = new JsonArray(
            new JsonObject { ["type"] = "Available", ["status"] = ready >= desired ? "True" : "False", ["reason"] = ready >= desired ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable", ["message"] = ready >= desired ? "Deployment has minimum availability." : "Deployment does not have minimum availability." },
            paused
                ? new JsonObject { ["type"] = "Progressing", ["status"] = "Unknown", ["reason"] = "DeploymentPaused", ["message"] = "Deployment is paused" }
                : new JsonObject { ["type"] = "Progressing", ["status"] = "True", ["reason"] = currentReadyPods >= desired ? "NewReplicaSetAvailable" : "ReplicaSetUpdated", ["message"] = currentReadyPods >= desired ? $"ReplicaSet \"{(current is null ? "" : Name(current))}\" has successfully progressed." : $"ReplicaSet \"{(current is null ? "" : Name(current))}\" is progressing." });
        if (current is not null && _createFailures.TryGetValue(Key(current), out var failure))
        {
            conditions.Add(new JsonObject { ["type"] = "ReplicaFailure", ["status"] = "True", ["reason"] = "FailedCreate", ["message"] = failure });
        }

        if (current is not null && deployment["metadata"]?["annotations"]?[RevisionAnnotation]?.GetValue<string>() != Revision(current).ToString(CultureInfo.InvariantCulture))
        {
            var annotated = (JsonObject)deployment.DeepClone();
            annotated["metadata"]!["annotations"] ??= new JsonObject();
            annotated["metadata"]!["annotations"]![RevisionAnnotation] = Revision(current).ToString(CultureInfo.InvariantCulture);
            deployment = await Store.UpdateAsync(_cluster.Type("Deployment"), ns, name, annotated, null, admit: false).ConfigureAwait(false);
        }

        var status = new JsonObject
        {
            ["observedGeneration"] = deployment["metadata"]!["generation"]?.GetValue<long>() ?? 1,
            ["replicas"] = pods.Count,
            ["updatedReplicas"] = currentPods.Count,
            ["readyReplicas"] = ready,
            ["availableReplicas"] = ready,
            ["unavailableReplicas"] = Math.Max(0, desired - ready),
            ["conditions"] = conditions,
        };
        if (ready == 0)
        {
            status.Remove("readyReplicas");
            status.Remove("availableReplicas");
        }

        await WriteStatusAsync(deployment, status).ConfigureAwait(false);
    }

    private async Task ScaleReplicaSetAsync(JsonObject deployment, JsonObject replicaSet, int replicas)
    {
        var was = replicaSet["spec"]?["replicas"]?.GetValue<int>() ?? 0;
        if (was == replicas)
        {
            return;
        }

        var scaled = (JsonObject)replicaSet.DeepClone();
        scaled["spec"]!["replicas"] = replicas;
        await Store.UpdateAsync(_cluster.Type("ReplicaSet"), Namespace(replicaSet), Name(replicaSet), scaled, null, admit: false).ConfigureAwait(false);
        await _cluster.Events.RecordAsync(deployment, "Normal", "ScalingReplicaSet",
            $"Scaled {(replicas > was ? "up" : "down")} replica set {Name(replicaSet)} from {was} to {replicas}", "deployment-controller").ConfigureAwait(false);
    }

    /// <summary>The ReplicaSet controller: pods (through admission, so quotas, limit ranges and webhooks apply) to match <c>spec.replicas</c>.</summary>
    private async Task ReconcileReplicaSetAsync(JsonObject replicaSet)
    {
        var ns = Namespace(replicaSet)!;
        var name = Name(replicaSet);
        var uid = replicaSet["metadata"]!["uid"]!.GetValue<string>();
        var key = Key(replicaSet);
        if (replicaSet["metadata"]?["ownerReferences"]?[0]?["kind"]?.GetValue<string>() == "Deployment" &&
            !Store.List(_cluster.Type("Deployment"), ns).Items.Any(d => d["metadata"]!["uid"]!.GetValue<string>() == OwnerUid(replicaSet)))
        {
            // Garbage collection: the owning Deployment is gone.
            TryDelete(replicaSet);
            return;
        }

        var template = replicaSet["spec"]?["template"] as JsonObject ?? new JsonObject();
        var desired = replicaSet["spec"]?["replicas"]?.GetValue<int>() ?? 1;
        var pods = Store.List(_cluster.Type("Pod"), ns).Items.Where(p => OwnerUid(p) == uid && p["metadata"]?["deletionTimestamp"] is null).ToList();

        // All missing pods in one pass, stopping at the first rejection (as a ReplicaSet's slow start does).
        for (var missing = desired - pods.Count; missing > 0 && (!_backoff.TryGetValue(key, out var until) || until <= DateTime.UtcNow); missing--)
        {
            var podName = $"{name}-{RandomSuffix()}";
            var pod = new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["name"] = podName,
                    ["namespace"] = ns,
                    ["labels"] = template["metadata"]?["labels"]?.DeepClone(),
                    ["annotations"] = template["metadata"]?["annotations"]?.DeepClone(),
                    ["ownerReferences"] = new JsonArray(new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "ReplicaSet", ["name"] = name, ["uid"] = uid, ["controller"] = true, ["blockOwnerDeletion"] = true }),
                },
                ["spec"] = template["spec"]?.DeepClone() ?? new JsonObject(),
            };
            try
            {
                pods.Add(await Store.CreateAsync(_cluster.Type("Pod"), ns, pod).ConfigureAwait(false));
                _createFailures.Remove(key);
                await _cluster.Events.RecordAsync(replicaSet, "Normal", "SuccessfulCreate", $"Created pod: {podName}", "replicaset-controller").ConfigureAwait(false);
            }
            catch (ApiError e)
            {
                // As the ReplicaSet controller does: record FailedCreate and retry later.
                _createFailures[key] = e.Message;
                _backoff[key] = DateTime.UtcNow.AddMilliseconds(250);
                await _cluster.Events.RecordAsync(replicaSet, "Warning", "FailedCreate", $"Error creating: {e.Message}", "replicaset-controller").ConfigureAwait(false);
            }
        }

        foreach (var extra in pods.Skip(Math.Max(0, desired)).ToList())
        {
            TryDelete(extra);
            pods.Remove(extra);
            await _cluster.Events.RecordAsync(replicaSet, "Normal", "SuccessfulDelete", $"Deleted pod: {Name(extra)}", "replicaset-controller").ConfigureAwait(false);
        }

        var ready = pods.Count(IsReady);
        var status = new JsonObject
        {
            ["replicas"] = pods.Count,
            ["fullyLabeledReplicas"] = pods.Count,
            ["readyReplicas"] = ready,
            ["availableReplicas"] = ready,
            ["observedGeneration"] = replicaSet["metadata"]!["generation"]?.GetValue<long>() ?? 1,
        };
        if (_createFailures.TryGetValue(key, out var failure))
        {
            status["conditions"] = new JsonArray(new JsonObject { ["type"] = "ReplicaFailure", ["status"] = "True", ["reason"] = "FailedCreate", ["message"] = failure });
        }

        await WriteStatusAsync(replicaSet, status).ConfigureAwait(false);
    }

    private static int Revision(JsonObject replicaSet) =>
        int.TryParse(replicaSet["metadata"]?["annotations"]?[RevisionAnnotation]?.GetValue<string>(), NumberStyles.None, CultureInfo.InvariantCulture, out var revision) ? revision : 0;

    private static string Key(JsonObject obj) => $"{Namespace(obj)}/{Name(obj)}";

    // Pod template hashes are stable across key order (a rollback's template hashes like the original).
    private static string TemplateHash(JsonObject template)
    {
        static JsonNode? Canonical(JsonNode? node) => node switch
        {
            JsonObject o => new JsonObject(o.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, Canonical(kv.Value)))),
            JsonArray a => new JsonArray([.. a.Select(Canonical)]),
            _ => node?.DeepClone(),
        };
        var text = Canonical(template)!.ToJsonString();
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        return string.Concat(bytes.Take(10).Select(b => alphabet[b % alphabet.Length]));
    }

    private static string RandomSuffix()
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        return string.Concat(RandomNumberGenerator.GetBytes(5).Select(b => alphabet[b % alphabet.Length]));
    }

    private async Task ReconcilePodAsync(JsonObject pod)
    {
        if (OwnerUid(pod) is { } owner && pod["metadata"]!["ownerReferences"]![0]!["kind"]?.GetValue<string>() is { } ownerKind && ownerKind is "Deployment" or "ReplicaSet" &&
            !Store.List(_cluster.Type(ownerKind), Namespace(pod)).Items.Any(d => d["metadata"]!["uid"]!.GetValue<string>() == owner))
        {
            // Garbage collection: the owner is gone.
            TryDelete(pod);
            return;
        }

        var spec = pod["spec"] as JsonObject ?? new JsonObject();
        if (spec["nodeName"] is null)
        {
            var scheduler = spec["schedulerName"]?.GetValue<string>() ?? "default-scheduler";
            if (scheduler != "default-scheduler")
            {
                // Nobody runs that scheduler: the pod stays Pending with no event, exactly as in a real cluster.
                await WriteStatusAsync(pod, new JsonObject { ["phase"] = "Pending" }).ConfigureAwait(false);
                return;
            }

            var nodes = Store.List(_cluster.Type("Node"), null).Items;
            // The scheduler's filters in upstream order; each node fails on the first one it does not pass.
            string? Filter(JsonObject n)
            {
                if (n["spec"]?["unschedulable"]?.GetValue<bool>() == true)
                {
                    return "node(s) were unschedulable";
                }

                if (!Tolerates(spec, n))
                {
                    return $"node(s) had untolerated taint {{{UntoleratedTaint(spec, n)}}}";
                }

                if (spec["nodeSelector"] is JsonObject nodeSelector && !LabelSelector.FromSpec(new JsonObject { ["matchLabels"] = nodeSelector.DeepClone() }).Matches(n))
                {
                    return "node(s) didn't match Pod's node affinity/selector";
                }

                return _nodes.Full(Name(n), PodsOn(Name(n))) is { } full ? full : null;
            }

            var verdicts = nodes.Select(n => (Node: n, Why: Filter(n))).ToList();

            // The scores, as upstream's defaults weigh them: spread an owner's pods over the nodes (the default
            // PodTopologySpread on the hostname), then the least loaded node; the name breaks ties so a test can rely on it.
            var siblings = OwnerUid(pod) is { } podOwner
                ? Store.List(_cluster.Type("Pod"), Namespace(pod)).Items.Where(p => OwnerUid(p) == podOwner && NodeOf(p) is not null).GroupBy(p => NodeOf(p)!).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal)
                : [];
            var node = verdicts.Where(v => v.Why is null)
                .Select(v => v.Node)
                .OrderBy(n => siblings.GetValueOrDefault(Name(n)))
                .ThenBy(n => PodsOn(Name(n)))
                .ThenBy(Name, StringComparer.Ordinal)
                .FirstOrDefault();
            if (node is null)
            {
                var reasons = verdicts.GroupBy(v => v.Why!).Select(g => g.Key == "Too many pods" ? $"{g.Count().ToString(CultureInfo.InvariantCulture)} Too many pods" : $"{g.Count().ToString(CultureInfo.InvariantCulture)} {g.Key}").ToList();
                reasons.Sort(StringComparer.Ordinal);
                var total = nodes.Count.ToString(CultureInfo.InvariantCulture);
                var message = nodes.Count == 0
                    ? "no nodes available to schedule pods"
                    : $"0/{total} nodes are available: {string.Join(", ", reasons)}. preemption: 0/{total} nodes are available: {total} Preemption is not helpful for scheduling.";
                await WriteStatusAsync(pod, new JsonObject
                {
                    ["phase"] = "Pending",
                    ["conditions"] = new JsonArray(new JsonObject { ["type"] = "PodScheduled", ["status"] = "False", ["reason"] = "Unschedulable", ["message"] = message }),
                }).ConfigureAwait(false);
                await _cluster.Events.RecordAsync(pod, "Warning", "FailedScheduling", message, "default-scheduler").ConfigureAwait(false);
                return;
            }

            var bound = (JsonObject)pod.DeepClone();
            bound["spec"]!["nodeName"] = Name(node);
            pod = await Store.UpdateAsync(_cluster.Type("Pod"), Namespace(pod), Name(pod), bound, null, admit: false).ConfigureAwait(false);
            await _cluster.Events.RecordAsync(pod, "Normal", "Scheduled", $"Successfully assigned {Namespace(pod)}/{Name(pod)} to {Name(node)}", "default-scheduler").ConfigureAwait(false);
        }

        if (_nodes.KubeletDown(NodeOf(pod)))
        {
            await MarkOnStoppedKubeletAsync(pod).ConfigureAwait(false);
            return;
        }

        if (IsHostPod(pod))
        {
            if (pod["status"]?["phase"]?.GetValue<string>() is "Succeeded" or "Failed")
            {
                // A script runs once; its pod keeps the outcome until it is deleted.
                return;
            }

            var (phase, message) = _cluster.Options.HostPodPhase == KubernetesSandboxOptions.SimulatedHostPods
                ? _nodes.Run(pod, Store.List(_cluster.Type("Pod"), null).Items.Where(p => NodeOf(p) == NodeOf(pod) && !IsHostPod(p)))
                : (_cluster.Options.HostPodPhase, _cluster.Options.HostPodPhase == "Failed" ? "the Kubernetes sandbox has no nodes to run host scripts on" : "the Kubernetes sandbox pretended the host script succeeded");
            await WriteStatusAsync(pod, new JsonObject { ["phase"] = phase, ["message"] = message }).ConfigureAwait(false);
            await ReportPodCapacityAsync(NodeOf(pod)).ConfigureAwait(false);
            return;
        }

        if (_nodes.Unpullable(NodeOf(pod)!, pod) is { } image)
        {
            var pullError = $"failed to pull image \"{image}\": dial tcp 0.0.0.0:443: connect: connection refused";
            await WriteStatusAsync(pod, new JsonObject
            {
                ["phase"] = "Pending",
                ["conditions"] = new JsonArray(
                    new JsonObject { ["type"] = "PodScheduled", ["status"] = "True" },
                    new JsonObject { ["type"] = "Ready", ["status"] = "False", ["reason"] = "ContainersNotReady", ["message"] = pullError }),
                ["containerStatuses"] = new JsonArray(((pod["spec"]?["containers"] as JsonArray)?.OfType<JsonObject>() ?? []).Select(c => (JsonNode)new JsonObject
                {
                    ["name"] = c["name"]?.DeepClone(),
                    ["image"] = c["image"]?.DeepClone(),
                    ["ready"] = false,
                    ["started"] = false,
                    ["state"] = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "ErrImagePull", ["message"] = pullError } },
                }).ToArray()),
            }).ConfigureAwait(false);
            return;
        }

        var (isReady, reason) = Readiness(pod);
        var containers = ((pod["spec"]?["containers"] as JsonArray)?.OfType<JsonObject>() ?? []).ToList();
        var nodeName = NodeOf(pod)!;
        var previous = (pod["status"]?["containerStatuses"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        var startedAt = pod["status"]?["startTime"]?.GetValue<string>() ?? DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        if (previous.Count == 0)
        {
            // First start on the node: what the kubelet reports for each container.
            foreach (var c in containers)
            {
                var fieldPath = $"spec.containers{{{c["name"]}}}";
                await _cluster.Events.RecordAsync(pod, "Normal", "Pulled", $"Container image \"{c["image"]}\" already present on machine", "kubelet", nodeName, fieldPath).ConfigureAwait(false);
                await _cluster.Events.RecordAsync(pod, "Normal", "Created", $"Created container {c["name"]}", "kubelet", nodeName, fieldPath).ConfigureAwait(false);
                await _cluster.Events.RecordAsync(pod, "Normal", "Started", $"Started container {c["name"]}", "kubelet", nodeName, fieldPath).ConfigureAwait(false);
            }
        }

        var oomKilled = reason?.Contains("OOMKilled", StringComparison.Ordinal) == true;
        if (!isReady && reason is not null && !oomKilled)
        {
            await _cluster.Events.RecordAsync(pod, "Warning", "Unhealthy", reason, "kubelet", nodeName, $"spec.containers{{{containers.FirstOrDefault()?["name"]}}}").ConfigureAwait(false);
        }

        var restarts = oomKilled ? Math.Min(5, 1 + (int)((DateTime.UtcNow - DateTime.Parse(startedAt, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal)).TotalSeconds / 20)) : 0;
        if (oomKilled)
        {
            await _cluster.Events.RecordAsync(pod, "Warning", "BackOff", $"Back-off restarting failed container {containers.FirstOrDefault()?["name"]} in pod {Name(pod)}_{Namespace(pod)}({pod["metadata"]!["uid"]})", "kubelet", nodeName).ConfigureAwait(false);
        }

        await WriteStatusAsync(pod, new JsonObject
        {
            ["phase"] = "Running",
            ["conditions"] = new JsonArray(
                new JsonObject { ["type"] = "PodReadyToStartContainers", ["status"] = "True" },
                new JsonObject { ["type"] = "Initialized", ["status"] = "True" },
                new JsonObject { ["type"] = "Ready", ["status"] = isReady ? "True" : "False", ["reason"] = isReady ? null : "ContainersNotReady", ["message"] = reason },
                new JsonObject { ["type"] = "ContainersReady", ["status"] = isReady ? "True" : "False", ["reason"] = isReady ? null : "ContainersNotReady" },
                new JsonObject { ["type"] = "PodScheduled", ["status"] = "True" }),
            ["hostIP"] = NodeAddress(nodeName),
            ["podIP"] = PodAddress(pod),
            ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = PodAddress(pod) }),
            ["startTime"] = startedAt,
            ["containerStatuses"] = new JsonArray(containers.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c["name"]?.DeepClone(),
                ["image"] = c["image"]?.DeepClone(),
                ["imageID"] = $"{c["image"]}@sha256:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(c["image"]?.ToString() ?? "")))}",
                ["containerID"] = $"containerd://{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{pod["metadata"]!["uid"]}/{c["name"]}")))}",
                ["ready"] = isReady,
                ["started"] = !oomKilled,
                ["restartCount"] = restarts,
                ["state"] = oomKilled
                    ? new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "CrashLoopBackOff", ["message"] = $"back-off 10s restarting failed container={c["name"]} pod={Name(pod)}_{Namespace(pod)}({pod["metadata"]!["uid"]})" } }
                    : new JsonObject { ["running"] = new JsonObject { ["startedAt"] = startedAt } },
                ["lastState"] = oomKilled
                    ? new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = 137, ["reason"] = "OOMKilled", ["startedAt"] = startedAt, ["finishedAt"] = startedAt } }
                    : new JsonObject(),
            }).ToArray()),
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// What a node whose kubelet stopped looks like once the node lifecycle controller noticed: Ready Unknown with the
    /// controller's reason and message, and its <c>node.kubernetes.io/unreachable</c> taints (put back if removed, as the
    /// controller does while the node stays unreachable).
    /// </summary>
    private async Task ReconcileNodesAsync()
    {
        await RenewNodeLeasesAsync().ConfigureAwait(false);
        foreach (var node in Store.List(_cluster.Type("Node"), null).Items.Where(n => _nodes.KubeletDown(Name(n))))
        {
            var taints = (node["spec"]?["taints"] as JsonArray)?.OfType<JsonObject>().Select(t => (JsonObject)t.DeepClone()).ToList() ?? [];
            var missing = UnreachableEffects
                .Where(effect => !taints.Any(t => t["key"]?.GetValue<string>() == UnreachableTaint && t["effect"]?.GetValue<string>() == effect))
                .ToList();
            var current = node;
            if (missing.Count > 0)
            {
                var next = (JsonObject)node.DeepClone();
                var spec = next["spec"] as JsonObject ?? new JsonObject();
                next["spec"] = spec;
                spec["taints"] = new JsonArray([.. taints, .. missing.Select(effect => (JsonNode)new JsonObject
                {
                    ["key"] = UnreachableTaint,
                    ["effect"] = effect,
                    ["timeAdded"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                })]);
                current = await Store.UpdateAsync(_cluster.Type("Node"), null, Name(node), next, null, admit: false).ConfigureAwait(false);
            }

            var status = (current["status"] as JsonObject)?.DeepClone() as JsonObject ?? new JsonObject();
            var previous = (status["conditions"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
            var ready = previous.FirstOrDefault(c => c["type"]?.GetValue<string>() == "Ready");
            if (ready?["status"]?.GetValue<string>() == "Unknown")
            {
                continue;
            }

            // The node lifecycle controller marks every condition the kubelet posted Unknown, keeping its last heartbeat.
            var now = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            status["conditions"] = new JsonArray([.. (previous.Count > 0 ? previous.Select(c => c["type"]?.GetValue<string>() ?? "Ready") : ["Ready"]).Select(type => (JsonNode)new JsonObject
            {
                ["type"] = type,
                ["status"] = "Unknown",
                ["reason"] = "NodeStatusUnknown",
                ["message"] = "Kubelet stopped posting node status.",
                ["lastHeartbeatTime"] = previous.FirstOrDefault(c => c["type"]?.GetValue<string>() == type)?["lastHeartbeatTime"]?.DeepClone(),
                ["lastTransitionTime"] = now,
            })]);
            await WriteStatusAsync(current, status).ConfigureAwait(false);
            await _cluster.Events.RecordAsync(current, "Normal", "NodeNotReady", $"Node {Name(current)} status is now: NodeNotReady", "node-controller").ConfigureAwait(false);
        }
    }

    /// <summary>How often a kubelet renews its node's Lease (upstream's default), and how long the Lease lasts.</summary>
    private static readonly TimeSpan LeaseRenewInterval = TimeSpan.FromSeconds(10);
    private const int LeaseDurationSeconds = 40;

    /// <summary>
    /// Each running kubelet's heartbeat: its node's Lease in <c>kube-node-lease</c>, renewed every 10 s (what
    /// <c>kubectl describe node</c> shows under Lease). A stopped kubelet renews nothing, so its RenewTime falls behind.
    /// </summary>
    private async Task RenewNodeLeasesAsync()
    {
        var leaseType = _cluster.Type("Lease");
        var now = DateTime.UtcNow;
        foreach (var node in Store.List(_cluster.Type("Node"), null).Items.Where(n => !_nodes.KubeletDown(Name(n))))
        {
            var name = Name(node);
            var lease = Store.Get(leaseType, "kube-node-lease", name);
            var renewed = lease?["spec"]?["renewTime"]?.GetValue<string>() is { } at && DateTime.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var last) ? last : (DateTime?)null;
            if (renewed is { } r && now - r < LeaseRenewInterval)
            {
                continue;
            }

            var spec = new JsonObject
            {
                ["holderIdentity"] = name,
                ["leaseDurationSeconds"] = LeaseDurationSeconds,
                ["renewTime"] = now.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture),
            };
            if (lease is null)
            {
                await Store.CreateAsync(leaseType, "kube-node-lease", new JsonObject
                {
                    ["apiVersion"] = "coordination.k8s.io/v1",
                    ["kind"] = "Lease",
                    ["metadata"] = new JsonObject
                    {
                        ["name"] = name,
                        ["namespace"] = "kube-node-lease",
                        ["ownerReferences"] = new JsonArray(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Node", ["name"] = name, ["uid"] = node["metadata"]!["uid"]!.DeepClone() }),
                    },
                    ["spec"] = spec,
                }, admit: false).ConfigureAwait(false);
                continue;
            }

            var next = (JsonObject)lease.DeepClone();
            next["spec"] = spec;
            await Store.UpdateAsync(leaseType, "kube-node-lease", name, next, null, admit: false).ConfigureAwait(false);
        }
    }

    /// <summary>The node lifecycle controller's taint for a node whose kubelet stopped posting status.</summary>
    private const string UnreachableTaint = "node.kubernetes.io/unreachable";

    /// <summary>The effects the node lifecycle controller taints an unreachable node with.</summary>
    private static readonly string[] UnreachableEffects = ["NoSchedule", "NoExecute"];

    /// <summary>
    /// A pod on a node whose kubelet stopped: nobody starts it (a new one stays Pending) or reports on it; the node
    /// lifecycle controller marks a running one not Ready.
    /// </summary>
    private async Task MarkOnStoppedKubeletAsync(JsonObject pod)
    {
        var status = (pod["status"] as JsonObject)?.DeepClone() as JsonObject ?? new JsonObject();
        if (status["phase"]?.GetValue<string>() is null or "Pending")
        {
            await WriteStatusAsync(pod, new JsonObject
            {
                ["phase"] = "Pending",
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "PodScheduled", ["status"] = "True" }),
            }).ConfigureAwait(false);
            return;
        }

        foreach (var condition in (status["conditions"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            if (condition["type"]?.GetValue<string>() == "Ready")
            {
                condition["status"] = "False";
            }
        }

        await WriteStatusAsync(pod, status).ConfigureAwait(false);
    }

    private int PodsOn(string node) =>
        Store.List(_cluster.Type("Pod"), null).Items.Count(p => NodeOf(p) == node && !IsHostPod(p) && p["status"]?["phase"]?.GetValue<string>() is not ("Succeeded" or "Failed"));

    private static string? NodeOf(JsonObject pod) => pod["spec"]?["nodeName"]?.GetValue<string>();

    /// <summary>kubelet reports its pod capacity in the Node's status: keep it in line with the model (kubectl describe node).</summary>
    private async Task ReportPodCapacityAsync(string? nodeName)
    {
        if (nodeName is null || Store.Get(_cluster.Type("Node"), null, nodeName) is not { } node)
        {
            return;
        }

        var status = (node["status"] as JsonObject)?.DeepClone() as JsonObject ?? new JsonObject();
        var pods = _nodes.PodCapacity(nodeName);
        foreach (var field in new[] { "capacity", "allocatable" })
        {
            if (status[field] is JsonObject resources)
            {
                resources["pods"] = pods;
            }
        }

        await WriteStatusAsync(node, status).ConfigureAwait(false);
    }

    private async Task WriteStatusAsync(JsonObject obj, JsonObject status)
    {
        if (obj["kind"]?.GetValue<string>() == "Pod")
        {
            // Set by the API server when the pod is created; every status a kubelet writes keeps it.
            status["qosClass"] ??= obj["status"]?["qosClass"]?.DeepClone() ?? Defaults.QosClass(obj);
        }

        status = ObjectStore.Normalise(status);
        if (JsonNode.DeepEquals(obj["status"], status))
        {
            return;
        }

        var next = (JsonObject)obj.DeepClone();
        next["status"] = status;
        var type = _cluster.Type(obj["kind"]!.GetValue<string>());
        await Store.UpdateAsync(type, Namespace(obj), Name(obj), next, "status", admit: false).ConfigureAwait(false);
    }

    /// <summary>Why a running pod is or is not Ready, in the sandbox's model (see the class summary).</summary>
    internal (bool Ready, string? Reason) Readiness(JsonObject pod)
    {
        foreach (var container in (pod["spec"]?["containers"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            var memory = Quantity.Read(container["resources"]?["limits"]?["memory"]);
            if (memory < MinimumMemory)
            {
                return (false, $"container {container["name"]} was OOMKilled (memory limit {container["resources"]!["limits"]!["memory"]})");
            }

            var probe = container["readinessProbe"];
            var port = probe?["httpGet"]?["port"] ?? probe?["tcpSocket"]?["port"] ?? probe?["grpc"]?["port"];
            var ports = (container["ports"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
            if (port is not null && ports.Count > 0 && ResolvePort(ports, port) is null)
            {
                return (false, $"Readiness probe failed: container {container["name"]} does not listen on port {port.ToJsonString()}");
            }
        }

        var dependsOn = pod["metadata"]?["annotations"]?[DependsOnAnnotation]?.GetValue<string>();
        foreach (var address in dependsOn?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [])
        {
            var problem = Reach(pod, address);
            if (problem is not null)
            {
                return (false, $"Readiness probe failed: cannot reach {address}: {problem}");
            }
        }

        return (true, null);
    }

    private string? Reach(JsonObject source, string address)
    {
        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            return $"\"{address}\" is not host:port";
        }

        var labels = address[..colon].Split('.');
        var sourceNamespace = Namespace(source)!;
        if (DnsProblem() is { } dns)
        {
            return dns;
        }

        var fqdnSuffix = $".svc.{ClusterDomain}";
        var host = address[..colon];
        if (host.Contains(".svc", StringComparison.Ordinal) && !host.EndsWith(".svc", StringComparison.Ordinal) && !host.EndsWith(fqdnSuffix, StringComparison.Ordinal))
        {
            return $"lookup {host}: no such host";
        }

        var serviceName = labels[0];
        var serviceNamespace = labels.Length > 1 ? labels[1] : sourceNamespace;
        var service = Store.Get(_cluster.Type("Service"), serviceNamespace, serviceName);
        if (service is null)
        {
            return $"lookup {host}: no such host";
        }

        var servicePort = (service["spec"]?["ports"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(p => p["port"]?.GetValue<int>() == port);
        if (servicePort is null)
        {
            return $"connection refused (service {serviceNamespace}/{serviceName} has no port {port.ToString(CultureInfo.InvariantCulture)})";
        }

        var endpoints = ReadyEndpoints(service).ToList();
        if (endpoints.Count == 0)
        {
            return $"connection refused (service {serviceNamespace}/{serviceName} has no ready endpoints)";
        }

        if (!AllowedEgress(source, port))
        {
            return "i/o timeout (egress denied by a NetworkPolicy)";
        }

        if (!endpoints.Any(e => AllowedIngress(source, e, servicePort["targetPort"] ?? servicePort["port"]!)))
        {
            return "i/o timeout (ingress denied by a NetworkPolicy)";
        }

        return null;
    }

    /// <summary>Cluster DNS works when a CoreDNS pod behind kube-dns is Ready and its Corefile serves the cluster domain.</summary>
    private string? DnsProblem()
    {
        var kubeDns = Store.Get(_cluster.Type("Service"), "kube-system", "kube-dns");
        if (kubeDns is null || !ReadyEndpoints(kubeDns).Any())
        {
            return "dial udp 10.96.0.10:53: connect: connection refused (no ready CoreDNS pods)";
        }

        var corefile = Store.Get(_cluster.Type("ConfigMap"), "kube-system", "coredns")?["data"]?["Corefile"]?.GetValue<string>() ?? "";
        var servesDomain = corefile.Split('\n')
            .Select(l => l.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Any(tokens => tokens.Length > 1 && tokens[0] == "kubernetes" && tokens.Skip(1).TakeWhile(t => t != "{").Contains(ClusterDomain, StringComparer.Ordinal));
        return servesDomain ? null : $"server misbehaving: CoreDNS does not serve the zone {ClusterDomain}";
    }

    /// <summary>The Running, Ready pods a Service selects.</summary>
    public IEnumerable<JsonObject> ReadyEndpoints(JsonObject service)
    {
        var selector = LabelSelector.FromSpec(service["spec"]?["selector"], nullSelectsNothing: true);
        return Store.List(_cluster.Type("Pod"), Namespace(service)).Items.Where(p => selector.Matches(p) && IsReady(p));
    }

    private bool AllowedIngress(JsonObject source, JsonObject target, JsonNode targetPort)
    {
        var port = targetPort.GetValueKind() == System.Text.Json.JsonValueKind.Number
            ? targetPort.GetValue<int>()
            : ResolvePort(((target["spec"]?["containers"] as JsonArray)?.OfType<JsonObject>() ?? []).SelectMany(c => (c["ports"] as JsonArray)?.OfType<JsonObject>() ?? []).ToList(), targetPort) ?? -1;
        return Allowed(target, source, port, "Ingress", "from");
    }

    private bool AllowedEgress(JsonObject source, int port) => Allowed(source, null, port, "Egress", "to");

    // A pod selected by any policy of this direction only accepts traffic some rule allows.
    private bool Allowed(JsonObject subject, JsonObject? peer, int port, string direction, string peersField)
    {
        var policies = Store.List(_cluster.Type("NetworkPolicy"), Namespace(subject)).Items
            .Where(p => LabelSelector.FromSpec(p["spec"]?["podSelector"]).Matches(subject))
            .Where(p => p["spec"]?["policyTypes"] is JsonArray types
                ? types.Any(t => t?.GetValue<string>() == direction)
                : direction == "Ingress" || p["spec"]?["egress"] is not null)
            .ToList();
        if (policies.Count == 0)
        {
            return true;
        }

        return policies.Any(policy => ((policy["spec"]?[direction.ToLowerInvariant()] as JsonArray)?.OfType<JsonObject>() ?? []).Any(rule =>
            (rule[peersField] is not JsonArray peers || peers.Count == 0 || peer is null || peers.OfType<JsonObject>().Any(p => PeerMatches(p, subject, peer))) &&
            (rule["ports"] is not JsonArray ports || ports.Count == 0 || ports.OfType<JsonObject>().Any(p => p["port"] is null || (p["port"]!.GetValueKind() == System.Text.Json.JsonValueKind.Number && p["port"]!.GetValue<int>() == port)))));
    }

    private bool PeerMatches(JsonObject peerRule, JsonObject subject, JsonObject peer)
    {
        if (peerRule["ipBlock"] is JsonObject ipBlock)
        {
            return ipBlock["cidr"]?.GetValue<string>() == "0.0.0.0/0";
        }

        var podSelector = peerRule["podSelector"];
        var namespaceSelector = peerRule["namespaceSelector"];
        var peerNamespace = Store.Get(_cluster.Type("Namespace"), null, Namespace(peer)!);
        var namespaceOk = namespaceSelector is null ? Namespace(peer) == Namespace(subject) : LabelSelector.FromSpec(namespaceSelector).Matches(peerNamespace);
        var podOk = podSelector is null || LabelSelector.FromSpec(podSelector).Matches(peer);
        return namespaceOk && podOk;
    }

    private static int? ResolvePort(List<JsonObject> ports, JsonNode port)
    {
        if (port.GetValueKind() == System.Text.Json.JsonValueKind.Number)
        {
            var number = port.GetValue<int>();
            return ports.Any(p => p["containerPort"]?.GetValue<int>() == number) ? number : null;
        }

        var name = port.GetValue<string>();
        return ports.FirstOrDefault(p => p["name"]?.GetValue<string>() == name)?["containerPort"]?.GetValue<int>();
    }

    private static string PodAddress(JsonObject pod) =>
        $"10.244.{SHA256.HashData(Encoding.UTF8.GetBytes(NodeOf(pod) ?? ""))[0] % 250 + 1}.{SHA256.HashData(Encoding.UTF8.GetBytes(pod["metadata"]!["uid"]!.ToString()))[0] % 250 + 2}";

    private static string NodeAddress(string node) => $"192.168.0.{SHA256.HashData(Encoding.UTF8.GetBytes(node))[0] % 250 + 2}";

    // The first NoSchedule/NoExecute taint the pod does not tolerate, as "key: value" (null: the node is cordoned).
    private static string? UntoleratedTaint(JsonObject podSpec, JsonObject node)
    {
        foreach (var taint in (node["spec"]?["taints"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            if (!Tolerates(podSpec, new JsonObject { ["spec"] = new JsonObject { ["taints"] = new JsonArray(taint.DeepClone()) } }))
            {
                return $"{taint["key"]}: {taint["value"]}";
            }
        }

        return null;
    }

    private static bool Tolerates(JsonObject podSpec, JsonObject node)
    {
        var tolerations = (podSpec["tolerations"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        foreach (var taint in (node["spec"]?["taints"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            var effect = taint["effect"]?.GetValue<string>();
            if (effect is not ("NoSchedule" or "NoExecute"))
            {
                continue;
            }

            var key = taint["key"]?.GetValue<string>();
            var value = taint["value"]?.GetValue<string>() ?? "";
            var tolerated = tolerations.Any(t =>
            {
                var op = t["operator"]?.GetValue<string>() ?? "Equal";
                var tKey = t["key"]?.GetValue<string>();
                var tEffect = t["effect"]?.GetValue<string>();
                var keyOk = tKey is null or "" ? op == "Exists" : tKey == key;
                var valueOk = op == "Exists" || (t["value"]?.GetValue<string>() ?? "") == value;
                return keyOk && valueOk && (tEffect is null or "" || tEffect == effect);
            });
            if (!tolerated)
            {
                return false;
            }
        }

        return true;
    }

    internal static bool IsHostPod(JsonObject pod) =>
        pod["spec"]?["hostPID"]?.GetValue<bool>() == true &&
        ((pod["spec"]?["containers"] as JsonArray)?.OfType<JsonObject>().Any(c => c["securityContext"]?["privileged"]?.GetValue<bool>() == true) ?? false);

    internal static bool IsReady(JsonObject pod) =>
        pod["status"]?["phase"]?.GetValue<string>() == "Running" &&
        ((pod["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().Any(c => c["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == "True") ?? false);

    private void TryDelete(JsonObject obj)
    {
        try
        {
            Store.Delete(_cluster.Type(obj["kind"]!.GetValue<string>()), Namespace(obj), Name(obj));
        }
        catch (ApiError e) when (e.Code == 404)
        {
            // Someone else deleted it first.
        }
    }

    private static JsonObject MergeLabels(JsonNode? labels, string hash)
    {
        var result = labels?.DeepClone() as JsonObject ?? new JsonObject();
        result["pod-template-hash"] = hash;
        return result;
    }

    private static string? OwnerUid(JsonObject obj) => obj["metadata"]?["ownerReferences"]?[0]?["uid"]?.GetValue<string>();

    private static IReadOnlyDictionary<string, string> Labels(JsonObject obj) => LabelSelector.Labels(obj);

    private static string Name(JsonObject obj) => obj["metadata"]!["name"]!.GetValue<string>();

    private static string? Namespace(JsonObject obj) => obj["metadata"]?["namespace"]?.GetValue<string>();
}

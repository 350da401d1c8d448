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
    private readonly NodeModel _nodes = new();

    public WorkloadStandIn(SandboxCluster cluster)
    {
        _cluster = cluster;
        cluster.Store.Changed += _ => Wake();
        _loop = Task.Run(LoopAsync);
    }

    private ObjectStore Store => _cluster.Store;

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
            catch (ApiError)
            {
                // A conflicting write or an object deleted under us: the next pass sees the new state.
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

        // Without the deployment controller (a node-level break), Deployments keep their pods and stale status.
        foreach (var deployment in _nodes.DeploymentControllerStopped ? [] : Store.List(_cluster.Type("Deployment"), null).Items)
        {
            await ReconcileDeploymentAsync(deployment).ConfigureAwait(false);
        }

        foreach (var pod in Store.List(_cluster.Type("Pod"), null).Items)
        {
            await ReconcilePodAsync(pod).ConfigureAwait(false);
        }
    }

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

    private async Task ReconcileDeploymentAsync(JsonObject deployment)
    {
        var ns = Namespace(deployment)!;
        var name = Name(deployment);
        var uid = deployment["metadata"]!["uid"]!.GetValue<string>();
        var key = $"{ns}/{name}";
        var template = deployment["spec"]?["template"] as JsonObject ?? new JsonObject();
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(template.ToJsonString())))[..10];
        var desired = deployment["spec"]?["replicas"]?.GetValue<int>() ?? 1;
        var pods = Store.List(_cluster.Type("Pod"), ns).Items.Where(p => OwnerUid(p) == uid).ToList();
        var current = pods.Where(p => Labels(p).GetValueOrDefault("pod-template-hash") == hash).ToList();
        var old = pods.Except(current).ToList();

        // All missing pods in one pass, stopping at the first rejection (as a ReplicaSet's slow start does).
        for (var missing = desired - current.Count; missing > 0 && (!_backoff.TryGetValue(key, out var until) || until <= DateTime.UtcNow); missing--)
        {
            var pod = new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["name"] = $"{name}-{hash[..8]}-{Guid.NewGuid().ToString("N")[..5]}",
                    ["namespace"] = ns,
                    ["labels"] = MergeLabels(template["metadata"]?["labels"], hash),
                    ["annotations"] = template["metadata"]?["annotations"]?.DeepClone(),
                    ["ownerReferences"] = new JsonArray(new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = name, ["uid"] = uid, ["controller"] = true }),
                },
                ["spec"] = template["spec"]?.DeepClone() ?? new JsonObject(),
            };
            try
            {
                current.Add(await Store.CreateAsync(_cluster.Type("Pod"), ns, pod).ConfigureAwait(false));
                pods.Add(current[^1]);
                _createFailures.Remove(key);
            }
            catch (ApiError e)
            {
                // As the ReplicaSet controller does: record FailedCreate and retry later.
                _createFailures[key] = e.Message;
                _backoff[key] = DateTime.UtcNow.AddMilliseconds(250);
            }
        }

        foreach (var extra in current.Skip(desired))
        {
            TryDelete(extra);
        }

        var currentReady = current.Count(IsReady);
        if (currentReady >= desired)
        {
            foreach (var stale in old)
            {
                TryDelete(stale);
            }
        }

        var ready = pods.Count(IsReady);
        var conditions = new JsonArray(
            new JsonObject { ["type"] = "Available", ["status"] = ready >= desired ? "True" : "False", ["reason"] = ready >= desired ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable" },
            new JsonObject { ["type"] = "Progressing", ["status"] = "True", ["reason"] = currentReady >= desired ? "NewReplicaSetAvailable" : "ReplicaSetUpdated" });
        if (_createFailures.TryGetValue(key, out var failure))
        {
            conditions.Add(new JsonObject { ["type"] = "ReplicaFailure", ["status"] = "True", ["reason"] = "FailedCreate", ["message"] = failure });
        }

        var status = new JsonObject
        {
            ["observedGeneration"] = deployment["metadata"]!["generation"]?.GetValue<long>() ?? 1,
            ["replicas"] = pods.Count,
            ["updatedReplicas"] = current.Count,
            ["readyReplicas"] = ready,
            ["availableReplicas"] = ready,
            ["unavailableReplicas"] = Math.Max(0, desired - ready),
            ["conditions"] = conditions,
        };
        await WriteStatusAsync(deployment, status).ConfigureAwait(false);
    }

    private async Task ReconcilePodAsync(JsonObject pod)
    {
        if (OwnerUid(pod) is { } owner && pod["metadata"]!["ownerReferences"]![0]!["kind"]?.GetValue<string>() == "Deployment" &&
            !Store.List(_cluster.Type("Deployment"), Namespace(pod)).Items.Any(d => d["metadata"]!["uid"]!.GetValue<string>() == owner))
        {
            // Garbage collection: the owning Deployment is gone.
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
            var tolerated = nodes.Where(n => Tolerates(spec, n) && n["spec"]?["unschedulable"]?.GetValue<bool>() != true).ToList();
            var node = tolerated.FirstOrDefault(n => _nodes.Full(Name(n), PodsOn(Name(n))) is null);
            if (node is null)
            {
                var full = tolerated.Count;
                var tainted = nodes.Count - full;
                var reasons = new List<string>();
                if (full > 0)
                {
                    reasons.Add($"{full.ToString(CultureInfo.InvariantCulture)} Too many pods");
                }

                if (tainted > 0 || nodes.Count == 0)
                {
                    reasons.Add($"{tainted.ToString(CultureInfo.InvariantCulture)} node(s) had untolerated taint(s)");
                }

                var message = $"0/{nodes.Count.ToString(CultureInfo.InvariantCulture)} nodes are available: {string.Join(", ", reasons)}.";
                await WriteStatusAsync(pod, new JsonObject
                {
                    ["phase"] = "Pending",
                    ["conditions"] = new JsonArray(new JsonObject { ["type"] = "PodScheduled", ["status"] = "False", ["reason"] = "Unschedulable", ["message"] = message }),
                }).ConfigureAwait(false);
                return;
            }

            var bound = (JsonObject)pod.DeepClone();
            bound["spec"]!["nodeName"] = Name(node);
            pod = await Store.UpdateAsync(_cluster.Type("Pod"), Namespace(pod), Name(pod), bound, null, admit: false).ConfigureAwait(false);
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
        var containers = (pod["spec"]?["containers"] as JsonArray)?.OfType<JsonObject>() ?? [];
        await WriteStatusAsync(pod, new JsonObject
        {
            ["phase"] = "Running",
            ["conditions"] = new JsonArray(
                new JsonObject { ["type"] = "PodScheduled", ["status"] = "True" },
                new JsonObject { ["type"] = "Ready", ["status"] = isReady ? "True" : "False", ["reason"] = isReady ? null : "ContainersNotReady", ["message"] = reason }),
            ["containerStatuses"] = new JsonArray(containers.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c["name"]?.DeepClone(),
                ["image"] = c["image"]?.DeepClone(),
                ["ready"] = isReady,
                ["started"] = true,
            }).ToArray()),
        }).ConfigureAwait(false);
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

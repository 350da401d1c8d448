using System.Text;
using System.Text.Json.Nodes;

namespace RawkodeAutomation.Kubernetes.Sandbox;

/// <summary>
/// A sandbox cluster's saved state: identity, secrets, port, every object and what node-level breaks did to its nodes
/// (see <see cref="SandboxCluster.RestoreAsync"/>).
/// </summary>
public sealed record ClusterState(string Name, PkiState Pki, string Token, int Port, IReadOnlyList<JsonObject> Objects, long ResourceVersion, NodeState? Nodes = null)
{
    public JsonObject ToJson() => new()
    {
        ["name"] = Name,
        ["caCertificate"] = Pki.CaCertificatePem,
        ["caKey"] = Pki.CaKeyPem,
        ["serviceAccountKey"] = Pki.ServiceAccountKeyPem,
        ["token"] = Token,
        ["port"] = Port,
        ["resourceVersion"] = ResourceVersion,
        ["objects"] = new JsonArray([.. Objects.Select(o => (JsonNode)o.DeepClone())]),
        ["nodes"] = (Nodes ?? NodeState.Healthy).ToJson(),
    };

    public static ClusterState FromJson(JsonNode json) => new(
        json["name"]!.GetValue<string>(),
        new PkiState(json["caCertificate"]!.GetValue<string>(), json["caKey"]!.GetValue<string>(), json["serviceAccountKey"]!.GetValue<string>()),
        json["token"]!.GetValue<string>(),
        json["port"]!.GetValue<int>(),
        [.. (json["objects"] as JsonArray ?? []).OfType<JsonObject>().Select(o => (JsonObject)o.DeepClone())],
        json["resourceVersion"]!.GetValue<long>(),
        NodeState.FromJson(json["nodes"]));
}

/// <summary>
/// One sandbox cluster: its own object store, API server (one loopback port per cluster, so a kubeconfig is just
/// a server URL and a token) and workload stand-in.
/// </summary>
public sealed class SandboxCluster : IAsyncDisposable
{
    private ApiServer _server = null!;

    private SandboxCluster(string name, KubernetesSandboxOptions options, ClusterState? state = null)
    {
        Name = name;
        Options = options;
        Catalog = new ResourceCatalog();
        Store = new ObjectStore(Catalog);
        Store.Admission = new AdmissionChain(this).AdmitAsync;
        Events = new EventRecorder(Store);
        Store.Changed += RegisterCustomResources;
        Store.Changed += change => ObjectChanged?.Invoke(change.Type, change.Object);
        Token = state?.Token ?? Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        Pki = state is null ? ClusterPki.Create([options.Host]) : ClusterPki.Import(state.Pki, [options.Host]);
        Security = new ClusterSecurity(Store, Pki, Token, options.Time);
        _adminCertificate = Pki.IssueClient(UserInfo.Admin.Name, [UserInfo.Masters]);
    }

    private readonly (string CertificatePem, string KeyPem) _adminCertificate;

    public string Name { get; }

    /// <summary>Every committed change (ADDED/MODIFIED/DELETED and the object), e.g. to see what a client submitted.</summary>
    public event Action<string, JsonObject>? ObjectChanged;

    /// <summary>The API server's base address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Server => _server.BaseUri;

    /// <summary>A static bearer token of the cluster's admin (<c>kubernetes-admin</c>, in <c>system:masters</c>).</summary>
    public string Token { get; }

    /// <summary>The cluster's CA, its serving certificate and its ServiceAccount token key.</summary>
    public ClusterPki Pki { get; }

    /// <summary>The cluster CA as PEM (what clients must trust).</summary>
    public string CertificateAuthorityPem => Pki.CaPem;

    internal ClusterSecurity Security { get; }

    internal EventRecorder Events { get; }

    internal KubernetesSandboxOptions Options { get; }

    internal ResourceCatalog Catalog { get; }

    internal ObjectStore Store { get; }

    internal WorkloadStandIn Workload { get; private set; } = null!;

    /// <summary>
    /// The admin kubeconfig (YAML) of this cluster, in the shape Cluster API writes to <c>&lt;cluster&gt;-kubeconfig</c>:
    /// the https server, <c>certificate-authority-data</c> and a client certificate for <c>kubernetes-admin</c>
    /// (group <c>system:masters</c>).
    /// </summary>
    public string Kubeconfig => KubeconfigYaml($"{Name}-admin", $"""
              client-certificate-data: {SandboxCluster.Base64(_adminCertificate.CertificatePem)}
              client-key-data: {SandboxCluster.Base64(_adminCertificate.KeyPem)}
        """);

    /// <summary>A kubeconfig that authenticates with <paramref name="token"/> (e.g. a ServiceAccount token) as <paramref name="user"/>.</summary>
    public string KubeconfigForToken(string token, string user = "token-user") => KubeconfigYaml(user, $"""
              token: {token}
        """);

    private string KubeconfigYaml(string user, string credentials) => $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: {Name}
          cluster:
            server: {Server.ToString().TrimEnd('/')}
            certificate-authority-data: {Base64(Pki.CaPem)}
        contexts:
        - name: {user}@{Name}
          context:
            cluster: {Name}
            user: {user}
        current-context: {user}@{Name}
        users:
        - name: {user}
          user:
        {credentials.TrimEnd()}

        """;

    /// <summary>Starts an empty cluster (the system namespaces only).</summary>
    public static async Task<SandboxCluster> StartAsync(string name, KubernetesSandboxOptions? options = null)
    {
        var cluster = new SandboxCluster(name, options ?? new KubernetesSandboxOptions());
        foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
        {
            await cluster.CreateAsync(new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Namespace",
                ["metadata"] = new JsonObject { ["name"] = ns, ["labels"] = new JsonObject { ["kubernetes.io/metadata.name"] = ns } },
                ["status"] = new JsonObject { ["phase"] = "Active" },
            }).ConfigureAwait(false);
        }

        foreach (var policy in ClusterSecurity.BootstrapPolicy())
        {
            await cluster.CreateAsync(policy).ConfigureAwait(false);
        }

        cluster.Workload = new WorkloadStandIn(cluster);
        cluster._server = await ApiServer.StartAsync(cluster.Store, cluster.Security, cluster.Options.Host).ConfigureAwait(false);
        return cluster;
    }

    /// <summary>
    /// Starts a cluster from a saved <paramref name="state"/>: same CA, token and objects, and the same port when it is
    /// free, so the kubeconfigs handed out before a restart keep working. Node-level breaks stay in effect, as they would
    /// on hosts that kept running: an API server a break took away stays away.
    /// </summary>
    public static async Task<SandboxCluster> RestoreAsync(ClusterState state, KubernetesSandboxOptions? options = null)
    {
        var cluster = new SandboxCluster(state.Name, options ?? new KubernetesSandboxOptions(), state);
        var crdType = cluster.Catalog.Find("apiextensions.k8s.io", "v1", "customresourcedefinitions")!;
        foreach (var crd in state.Objects.Where(o => o["kind"]?.GetValue<string>() == "CustomResourceDefinition"))
        {
            cluster.RegisterCustomResources(new WatchEvent("ADDED", crdType, 0, crd));
        }

        cluster.Store.Import(state.Objects, state.ResourceVersion);
        cluster.Workload = new WorkloadStandIn(cluster, state.Nodes);
        try
        {
            cluster._server = await ApiServer.StartAsync(cluster.Store, cluster.Security, cluster.Options.Host, state.Port).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The old port is taken: serve elsewhere (the sandbox rewrites the kubeconfig secrets).
            cluster._server = await ApiServer.StartAsync(cluster.Store, cluster.Security, cluster.Options.Host).ConfigureAwait(false);
        }

        if (state.Nodes?.ApiServerDown is { } why)
        {
            cluster._server.GoDown(why);
        }

        return cluster;
    }

    /// <summary>What <see cref="RestoreAsync"/> needs to bring this cluster back after a restart.</summary>
    public ClusterState ExportState()
    {
        var (objects, resourceVersion) = Store.Export();
        return new ClusterState(Name, Pki.Export(), Token, Server.Port, objects, resourceVersion, Workload.ExportNodes() with { ApiServerDown = _server.DownReason });
    }

    /// <summary>
    /// Starts a cluster that looks like a fresh kubeadm cluster: control-plane nodes (tainted), workers, and CoreDNS
    /// (its ConfigMap, Deployment and the kube-dns Service).
    /// </summary>
    public static async Task<SandboxCluster> StartWorkloadAsync(string name, int controlPlaneNodes, int workerNodes, KubernetesSandboxOptions? options = null)
    {
        var cluster = await StartAsync(name, options).ConfigureAwait(false);
        var apiServerIps = new List<string>();
        for (var i = 0; i < controlPlaneNodes; i++)
        {
            var node = await cluster.CreateAsync(Node($"{name}-control-plane-{i}", controlPlane: true)).ConfigureAwait(false);
            apiServerIps.AddRange((node["status"]?["addresses"] as JsonArray)?.OfType<JsonObject>()
                .Where(a => a["type"]?.GetValue<string>() == "InternalIP").Select(a => a["address"]!.GetValue<string>()) ?? []);
            foreach (var staticPod in StaticPods(node))
            {
                await cluster.CreateAsync(staticPod).ConfigureAwait(false);
            }
        }

        for (var i = 0; i < workerNodes; i++)
        {
            await cluster.CreateAsync(Node($"{name}-worker-{i}", controlPlane: false)).ConfigureAwait(false);
        }

        await cluster.CreateAsync(JsonNode.Parse("""
            {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"coredns","namespace":"kube-system"},
             "data":{"Corefile":".:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n    ready\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }\n    prometheus :9153\n    forward . /etc/resolv.conf {\n       max_concurrent 1000\n    }\n    cache 30\n    loop\n    reload\n    loadbalance\n}\n"}}
            """)!.AsObject()).ConfigureAwait(false);
        await cluster.CreateAsync(JsonNode.Parse("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"coredns","namespace":"kube-system","labels":{"k8s-app":"kube-dns"}},
             "spec":{"replicas":2,"selector":{"matchLabels":{"k8s-app":"kube-dns"}},
               "template":{"metadata":{"labels":{"k8s-app":"kube-dns"}},
                 "spec":{"priorityClassName":"system-cluster-critical",
                   "tolerations":[{"key":"CriticalAddonsOnly","operator":"Exists"},{"key":"node-role.kubernetes.io/control-plane","effect":"NoSchedule"}],
                   "containers":[{"name":"coredns","image":"registry.k8s.io/coredns/coredns:v1.11.3",
                     "ports":[{"name":"dns","containerPort":53,"protocol":"UDP"},{"name":"dns-tcp","containerPort":53,"protocol":"TCP"},{"name":"metrics","containerPort":9153},{"name":"liveness-probe","containerPort":8080},{"name":"readiness-probe","containerPort":8181}],
                     "readinessProbe":{"httpGet":{"path":"/ready","port":8181}},
                     "resources":{"limits":{"memory":"170Mi"},"requests":{"cpu":"100m","memory":"70Mi"}}}]}}}}
            """)!.AsObject()).ConfigureAwait(false);
        // kubeadm's labels: kubernetes.io/cluster-service is how `kubectl cluster-info` finds CoreDNS.
        await cluster.CreateAsync(JsonNode.Parse("""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"kube-dns","namespace":"kube-system","labels":{"k8s-app":"kube-dns","kubernetes.io/cluster-service":"true","kubernetes.io/name":"CoreDNS"}},
             "spec":{"clusterIP":"10.96.0.10","selector":{"k8s-app":"kube-dns"},"ports":[{"name":"dns","port":53,"protocol":"UDP"},{"name":"dns-tcp","port":53,"protocol":"TCP"},{"name":"metrics","port":9153,"protocol":"TCP"}]}}
            """)!.AsObject()).ConfigureAwait(false);
        await CreateKubernetesServiceAsync(cluster, apiServerIps).ConfigureAwait(false);

        // The API server's probes of the control plane (kubectl get componentstatuses): healthy on a fresh kubeadm cluster.
        foreach (var component in new[] { "scheduler", "controller-manager", "etcd-0" })
        {
            await cluster.CreateAsync(new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "ComponentStatus",
                ["metadata"] = new JsonObject { ["name"] = component },
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Healthy", ["status"] = "True", ["message"] = "ok" }),
            }).ConfigureAwait(false);
        }

        return cluster;
    }

    /// <summary>
    /// <c>default/kubernetes</c>, as every API server keeps it: the first service IP, port 443 to the API servers' 6443,
    /// with the Endpoints and EndpointSlice the API server writes itself (the Service has no selector).
    /// </summary>
    private static async Task CreateKubernetesServiceAsync(SandboxCluster cluster, List<string> apiServerIps)
    {
        await cluster.CreateAsync(JsonNode.Parse("""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"kubernetes","namespace":"default","labels":{"component":"apiserver","provider":"kubernetes"}},
             "spec":{"clusterIP":"10.96.0.1","ports":[{"name":"https","port":443,"protocol":"TCP","targetPort":6443}]}}
            """)!.AsObject()).ConfigureAwait(false);
        if (apiServerIps.Count == 0)
        {
            return;
        }

        var port = new JsonObject { ["name"] = "https", ["port"] = 6443, ["protocol"] = "TCP" };
        await cluster.CreateAsync(new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Endpoints",
            ["metadata"] = new JsonObject { ["name"] = "kubernetes", ["namespace"] = "default", ["labels"] = new JsonObject { ["endpointslice.kubernetes.io/skip-mirror"] = "true" } },
            ["subsets"] = new JsonArray(new JsonObject
            {
                ["addresses"] = new JsonArray([.. apiServerIps.Select(ip => (JsonNode)new JsonObject { ["ip"] = ip })]),
                ["ports"] = new JsonArray(port.DeepClone()),
            }),
        }).ConfigureAwait(false);
        await cluster.CreateAsync(new JsonObject
        {
            ["apiVersion"] = "discovery.k8s.io/v1",
            ["kind"] = "EndpointSlice",
            ["metadata"] = new JsonObject { ["name"] = "kubernetes", ["namespace"] = "default", ["labels"] = new JsonObject { ["kubernetes.io/service-name"] = "kubernetes" } },
            ["addressType"] = "IPv4",
            ["endpoints"] = new JsonArray([.. apiServerIps.Select(ip => (JsonNode)new JsonObject { ["addresses"] = new JsonArray(ip), ["conditions"] = new JsonObject { ["ready"] = true } })]),
            ["ports"] = new JsonArray(port.DeepClone()),
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// Fault injection: the next authenticated API requests answer with these status codes (e.g. 503, 429), one each,
    /// as an overloaded or restarting API server does; later requests are served normally.
    /// </summary>
    public void InjectFaults(params int[] statusCodes) => _server.InjectFaults(statusCodes);

    /// <summary>
    /// True once a node-level break took this cluster's API server away (<c>apiserver-wrong-port</c>): every connection
    /// is refused, as when kube-apiserver listens on another port. Only a person on the node could bring it back, and the
    /// sandbox has no nodes to log in to.
    /// </summary>
    public bool ApiServerDown => _server.IsDown;

    internal void TakeApiServerDown(string why) => _server.GoDown(why);

    /// <summary>Creates an object directly (bypassing HTTP and admission): for seeding and tests.</summary>
    public async Task<JsonObject> CreateAsync(JsonObject obj)
    {
        var type = TypeOf(obj);
        var status = obj["status"]?.DeepClone();
        var created = await Store.CreateAsync(type, obj["metadata"]?["namespace"]?.GetValue<string>(), obj, admit: false).ConfigureAwait(false);
        if (status is not null && type.HasStatus)
        {
            created["status"] = status;
            created = await Store.UpdateAsync(type, created["metadata"]!["namespace"]?.GetValue<string>(), created["metadata"]!["name"]!.GetValue<string>(), created, "status", admit: false).ConfigureAwait(false);
        }

        return created;
    }

    /// <summary>Reads an object directly, or <c>null</c>.</summary>
    public JsonObject? Get(string apiVersion, string kind, string? ns, string name) =>
        Store.Get(Catalog.FindByKind(apiVersion, kind) ?? throw new ArgumentException($"unknown kind {apiVersion} {kind}"), ns, name);

    /// <summary>Lists objects of one kind directly.</summary>
    public IReadOnlyList<JsonObject> List(string apiVersion, string kind, string? ns = null) =>
        Store.List(Catalog.FindByKind(apiVersion, kind) ?? throw new ArgumentException($"unknown kind {apiVersion} {kind}"), ns).Items;

    /// <summary>Why the sandbox considers a pod (not) Ready; for test diagnostics.</summary>
    public string? ExplainReadiness(JsonObject pod) => Workload.Readiness(pod).Reason;

    /// <summary>The last error a controller pass of the workload stand-in hit (it carries on); for test diagnostics.</summary>
    public Exception? LastControllerError => Workload.LastError;

    internal ResourceType Type(string kind) =>
        Catalog.All.FirstOrDefault(t => t.Kind == kind) ?? throw new InvalidOperationException($"the sandbox does not know kind {kind}");

    private ResourceType TypeOf(JsonObject obj) =>
        Catalog.FindByKind(obj["apiVersion"]?.GetValue<string>() ?? "", obj["kind"]?.GetValue<string>() ?? "")
        ?? throw new ArgumentException($"the sandbox does not serve {obj["apiVersion"]} {obj["kind"]}");

    // A CustomResourceDefinition makes its resource servable, as the apiextensions server does.
    private void RegisterCustomResources(WatchEvent change)
    {
        if (change.Resource.Kind != "CustomResourceDefinition" || change.Type == "DELETED")
        {
            return;
        }

        var spec = change.Object["spec"];
        var group = spec?["group"]?.GetValue<string>() ?? "";
        var names = spec?["names"];
        var namespaced = spec?["scope"]?.GetValue<string>() != "Cluster";
        foreach (var version in (spec?["versions"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            Catalog.Add(new ResourceType(
                group,
                version["name"]!.GetValue<string>(),
                names?["plural"]?.GetValue<string>() ?? "",
                names?["kind"]?.GetValue<string>() ?? "",
                namespaced,
                HasStatus: version["subresources"]?["status"] is not null,
                ShortNames: StringsOf(names?["shortNames"]),
                Categories: StringsOf(names?["categories"])));
        }
    }

    private static string[] StringsOf(JsonNode? array) => [.. (array as JsonArray ?? []).Select(v => v?.GetValue<string>()).OfType<string>()];

    /// <summary>The flags kubeadm gives kube-controller-manager (the node model edits <c>--controllers</c>).</summary>
    internal static readonly string[] ControllerManagerCommand =
    [
        "kube-controller-manager", "--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf", "--authorization-kubeconfig=/etc/kubernetes/controller-manager.conf",
        "--bind-address=127.0.0.1", "--client-ca-file=/etc/kubernetes/pki/ca.crt", "--cluster-name=kubernetes", "--controllers=*,bootstrapsigner,tokencleaner",
        "--kubeconfig=/etc/kubernetes/controller-manager.conf", "--leader-elect=true", "--use-service-account-credentials=true",
    ];

    // The mirror pods of kubeadm's static control-plane pods (/etc/kubernetes/manifests) on a control-plane node.
    private static IEnumerable<JsonObject> StaticPods(JsonObject node)
    {
        var nodeName = node["metadata"]!["name"]!.GetValue<string>();
        var components = new (string Name, string Image, string[] Command)[]
        {
            ("etcd", "registry.k8s.io/etcd:3.5.15-0", ["etcd", "--data-dir=/var/lib/etcd", "--listen-client-urls=https://127.0.0.1:2379", "--name=" + nodeName]),
            ("kube-apiserver", "registry.k8s.io/kube-apiserver:v1.31.0", ["kube-apiserver", "--authorization-mode=Node,RBAC", "--client-ca-file=/etc/kubernetes/pki/ca.crt", "--enable-admission-plugins=NodeRestriction", "--secure-port=6443", "--service-cluster-ip-range=10.96.0.0/12"]),
            ("kube-controller-manager", "registry.k8s.io/kube-controller-manager:v1.31.0", ControllerManagerCommand),
            ("kube-scheduler", "registry.k8s.io/kube-scheduler:v1.31.0", ["kube-scheduler", "--authentication-kubeconfig=/etc/kubernetes/scheduler.conf", "--bind-address=127.0.0.1", "--kubeconfig=/etc/kubernetes/scheduler.conf", "--leader-elect=true"]),
        };
        foreach (var (component, image, command) in components)
        {
            yield return new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Pod",
                ["metadata"] = new JsonObject
                {
                    ["name"] = $"{component}-{nodeName}",
                    ["namespace"] = "kube-system",
                    ["labels"] = new JsonObject { ["component"] = component, ["tier"] = "control-plane" },
                    ["annotations"] = new JsonObject
                    {
                        ["kubernetes.io/config.source"] = "file",
                        ["kubernetes.io/config.mirror"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(component + nodeName)))[..32],
                    },
                    ["ownerReferences"] = new JsonArray(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Node", ["name"] = nodeName, ["uid"] = node["metadata"]!["uid"]!.DeepClone(), ["controller"] = true }),
                },
                ["spec"] = new JsonObject
                {
                    ["nodeName"] = nodeName,
                    ["hostNetwork"] = true,
                    ["priorityClassName"] = "system-node-critical",
                    ["tolerations"] = new JsonArray(new JsonObject { ["operator"] = "Exists", ["effect"] = "NoExecute" }),
                    ["containers"] = new JsonArray(new JsonObject
                    {
                        ["name"] = component,
                        ["image"] = image,
                        ["command"] = new JsonArray([.. command.Select(c => (JsonNode)c)]),
                        ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = component == "etcd" ? "100m" : "200m" } },
                    }),
                },
            };
        }
    }

    private static JsonObject Node(string name, bool controlPlane)
    {
        // What the kubelet reports about its host, stable per node name.
        var id = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(name)));
        var now = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        JsonObject Condition(string type, string status, string reason, string message) =>
            new() { ["type"] = type, ["status"] = status, ["lastHeartbeatTime"] = now, ["lastTransitionTime"] = now, ["reason"] = reason, ["message"] = message };
        static Guid Guid(string hex) => new(Convert.FromHexString(hex)[..16]);

        var labels = new JsonObject { ["kubernetes.io/hostname"] = name, ["kubernetes.io/os"] = "linux" };
        var taints = new JsonArray();
        if (controlPlane)
        {
            labels["node-role.kubernetes.io/control-plane"] = "";
            taints.Add(new JsonObject { ["key"] = "node-role.kubernetes.io/control-plane", ["effect"] = "NoSchedule" });
        }

        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Node",
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels },
            ["spec"] = new JsonObject { ["taints"] = taints },
            ["status"] = new JsonObject
            {
                ["capacity"] = new JsonObject { ["cpu"] = "4", ["memory"] = "8Gi", ["pods"] = "110" },
                ["allocatable"] = new JsonObject { ["cpu"] = "4", ["memory"] = "8Gi", ["pods"] = "110" },
                ["conditions"] = new JsonArray(
                    Condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                    Condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                    Condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                    Condition("Ready", "True", "KubeletReady", "kubelet is posting ready status")),
                ["nodeInfo"] = new JsonObject { ["machineID"] = id[..32], ["systemUUID"] = Guid(id[32..]).ToString(), ["bootID"] = Guid(id[..32]).ToString(), ["kubeletVersion"] = "v1.31.0", ["containerRuntimeVersion"] = "containerd://1.7.22", ["osImage"] = "Ubuntu 24.04.1 LTS", ["kernelVersion"] = "6.8.0-45-generic", ["operatingSystem"] = "linux", ["architecture"] = "amd64" },
                ["addresses"] = new JsonArray(
                    new JsonObject { ["type"] = "InternalIP", ["address"] = $"192.168.0.{System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(name))[0] % 250 + 2}" },
                    new JsonObject { ["type"] = "Hostname", ["address"] = name }),
            },
        };
    }

    internal static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync().ConfigureAwait(false);
        await Workload.DisposeAsync().ConfigureAwait(false);
        Pki.Dispose();
    }
}

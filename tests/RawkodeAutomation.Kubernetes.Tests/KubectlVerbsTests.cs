using System.Text.RegularExpressions;

namespace RawkodeAutomation.Kubernetes.Tests;

/// <summary>
/// kubectl verbs a fixer reaches for beyond the break fixes themselves (<c>get all</c>, <c>describe node</c>,
/// <c>auth can-i --list</c>, <c>cluster-info dump</c>, <c>exec</c>), with the real kubectl against a sandbox cluster.
/// </summary>
public sealed class KubectlVerbsTests(KubectlClusterFixture fixture) : IClassFixture<KubectlClusterFixture>
{
    private Kubectl Admin => fixture.Admin;

    [Fact]
    public async Task GetAll_KubeSystem_ListsPodsServicesDeploymentsAndReplicaSets()
    {
        await WaitForCoreDnsAsync();

        var all = await Admin.OkAsync("get", "all", "-n", "kube-system");

        Assert.Matches(@"pod/coredns-\S+\s+1/1\s+Running", all);
        Assert.Matches(@"service/kube-dns\s+ClusterIP\s+10\.96\.0\.10", all);
        Assert.Matches(@"deployment\.apps/coredns\s+2/2", all);
        Assert.Matches(@"replicaset\.apps/coredns-\S+\s+2\s+2\s+2", all);
    }

    [Fact]
    public async Task DescribeNode_Worker_ShowsItsLeaseAndTheKubeletsConditions()
    {
        var worker = (await Admin.OkAsync("get", "nodes", "-o", "name")).Split('\n').Select(n => n.Trim()).First(n => n.Contains("-worker-", StringComparison.Ordinal))["node/".Length..];

        // The kubelet's heartbeat Lease appears within its renew interval.
        await Eventually.ThatAsync(
            async () => (await Admin.RunAsync("get", "lease", "-n", "kube-node-lease", worker)).ExitCode == 0,
            "the worker's Lease exists");
        var describe = await Admin.OkAsync("describe", "node", worker);

        Assert.DoesNotContain("Failed to get lease", describe, StringComparison.Ordinal);
        Assert.Matches(@$"HolderIdentity:\s+{worker}", describe);
        Assert.Matches(@"MemoryPressure\s+False\s+.*KubeletHasSufficientMemory\s+kubelet has sufficient memory available", describe);
        Assert.Matches(@"Ready\s+True\s+.*KubeletReady\s+kubelet is posting ready status", describe);
        Assert.DoesNotContain("0001", describe, StringComparison.Ordinal);
        Assert.Matches(@"Machine ID:\s+[0-9a-f]{32}", describe);
    }

    [Fact]
    public async Task QosClass_PodsByTheirResources_SetAsTheApiServerDoes()
    {
        await WaitForCoreDnsAsync();
        // CoreDNS requests CPU and memory and limits memory only: Burstable, as on kubeadm.
        Assert.Equal("Burstable Burstable", await Admin.OkAsync("get", "pods", "-n", "kube-system", "-l", "k8s-app=kube-dns", "-o", "jsonpath={.items[*].status.qosClass}"));

        var manifest = Admin.WriteFile("guaranteed.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: { name: guaranteed }
            spec:
              containers:
              - name: app
                image: nginx
                resources: { limits: { cpu: 100m, memory: 64Mi } }
            """);
        await Admin.OkAsync("create", "-f", manifest);
        try
        {
            // Limits only: requests default to them, so the pod is Guaranteed from the moment it is created.
            await Eventually.ThatAsync(
                async () => System.Text.RegularExpressions.Regex.IsMatch(await Admin.OkAsync("describe", "pod", "guaranteed"), @"QoS Class:\s+Guaranteed"),
                "kubectl describe pod says QoS Class Guaranteed");
        }
        finally
        {
            await Admin.OkAsync("delete", "pod", "guaranteed", "--wait=false");
        }
    }

    [Fact]
    public async Task AuthCanIList_ServiceAccountWithARole_ListsItsRules()
    {
        await Admin.OkAsync("create", "namespace", "rules");
        await Admin.OkAsync("create", "serviceaccount", "reader", "-n", "rules");
        await Admin.OkAsync("create", "role", "pod-reader", "-n", "rules", "--verb=get,list", "--resource=pods");
        await Admin.OkAsync("create", "rolebinding", "reader", "-n", "rules", "--role=pod-reader", "--serviceaccount=rules:reader");
        var token = (await Admin.OkAsync("create", "token", "reader", "-n", "rules")).Trim();
        using var reader = new Kubectl(fixture.Cluster.KubeconfigForToken(token, "reader"));

        var list = await reader.OkAsync("auth", "can-i", "--list", "-n", "rules");

        Assert.Matches(@"pods\s+\[\]\s+\[\]\s+\[get list\]", list);
        Assert.Matches(@"selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]", list);
        Assert.DoesNotContain("secrets", list, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClusterInfoDump_OutputDirectory_WritesEveryNamespace()
    {
        await WaitForCoreDnsAsync();
        var directory = Path.Combine(Admin.Directory, "dump");

        await Admin.OkAsync("cluster-info", "dump", "--output-directory", directory);

        Assert.Contains("coredns", await File.ReadAllTextAsync(Path.Combine(directory, "kube-system", "deployments.json")), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(directory, "kube-system", "replication-controllers.json")));
        Assert.Contains("kube-dns", await File.ReadAllTextAsync(Path.Combine(directory, "kube-system", "services.json")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("exec", "deploy/coredns", "--", "cat", "/etc/resolv.conf")]
    [InlineData("port-forward", "deploy/coredns", "19153:9153")]
    public async Task StreamingVerbs_NoContainerRuntime_FailSayingSoNotNotFound(params string[] args)
    {
        await WaitForCoreDnsAsync();

        var result = await Admin.RunAsync(["-n", "kube-system", .. args], null, TimeSpan.FromSeconds(60));

        result.FailedWith("the Kubernetes sandbox runs no containers");
        Assert.DoesNotContain("NotFound", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateDeployment_FourReplicas_SpreadAcrossTheWorkersAsTheSchedulerDoes()
    {
        await Admin.OkAsync("create", "deployment", "spread", "--image=nginx:1.27", "--replicas=4");
        await Admin.OkAsync("rollout", "status", "deployment/spread", "--timeout=60s");

        // The default scheduler spreads an owner's pods over the nodes they fit (the control plane is tainted): 2 and 2,
        // so draining one worker never takes the whole Deployment down.
        var nodes = (await Admin.OkAsync("get", "pods", "-l", "app=spread", "-o", "jsonpath={.items[*].spec.nodeName}")).Split(' ');
        var perNode = nodes.GroupBy(n => n).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(perNode.Count == 2 && perNode.Values.All(c => c == 2) && perNode.Keys.All(n => n.Contains("-worker-", StringComparison.Ordinal)), string.Join(", ", perNode));
    }

    [Fact]
    public async Task Expose_DeploymentThenScale_EndpointsAndDescribeFollowItsReadyPods()
    {
        await Admin.OkAsync("create", "deployment", "exposed", "--image=nginx:1.27", "--replicas=2", "--port=80");
        await Admin.OkAsync("rollout", "status", "deployment/exposed", "--timeout=60s");
        await Admin.OkAsync("expose", "deployment", "exposed", "--port=8080", "--target-port=80");
        await WaitForEndpointsAsync("exposed", 2);

        // When the Deployment scales, the endpoints controller follows (it used to stop at the first change).
        await Admin.OkAsync("scale", "deployment", "exposed", "--replicas=3");
        await Admin.OkAsync("rollout", "status", "deployment/exposed", "--timeout=60s");
        await WaitForEndpointsAsync("exposed", 3);
        Assert.Equal("80", await Admin.OkAsync("get", "endpoints", "exposed", "-o", "jsonpath={.subsets[0].ports[0].port}"));

        // kubectl describe service reads EndpointSlices: it lists the same addresses.
        var describe = await Admin.OkAsync("describe", "service", "exposed");
        Assert.Matches(@"Endpoints:\s+\d+\.\d+\.\d+\.\d+:80,\d+\.\d+\.\d+\.\d+:80,\d+\.\d+\.\d+\.\d+:80\n", describe);
        var slice = await Admin.OkAsync("get", "endpointslices", "-l", "kubernetes.io/service-name=exposed", "-o", "jsonpath={.items[0].addressType} {.items[0].ports[0].port} {.items[0].endpoints[*].conditions.ready}");
        Assert.Equal("IPv4 80 true true true", slice);
    }

    [Fact]
    public async Task GetServices_DefaultNamespace_TheKubernetesServicePointsAtTheApiServer()
    {
        var controlPlaneIp = await Admin.OkAsync("get", "node", "kc-control-plane-0", "-o", "jsonpath={.status.addresses[?(@.type==\"InternalIP\")].address}");

        // As on kubeadm: default/kubernetes on the first service IP, its endpoint the control plane's API server port,
        Assert.Matches(@"kubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443/TCP", await Admin.OkAsync("get", "services", "-n", "default"));
        Assert.Equal($"{controlPlaneIp}:6443", await Admin.OkAsync("get", "endpoints", "kubernetes", "-n", "default", "-o", "jsonpath={.subsets[0].addresses[0].ip}:{.subsets[0].ports[0].port}"));
        Assert.Matches(@$"Endpoints:\s+{Regex.Escape(controlPlaneIp)}:6443\n", await Admin.OkAsync("describe", "service", "kubernetes", "-n", "default"));

        // and cluster-info names CoreDNS through kube-dns's cluster-service label.
        Assert.Contains("CoreDNS", await Admin.OkAsync("cluster-info"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drain_PodDisruptionBudgetWithNoDisruptionLeft_WaitsUntilTheBudgetAllowsIt()
    {
        // Given two replicas (one per worker) and a budget that wants both healthy,
        await Admin.OkAsync("create", "deployment", "guarded", "--image=nginx:1.27", "--replicas=2");
        await Admin.OkAsync("rollout", "status", "deployment/guarded", "--timeout=60s");
        await Admin.OkAsync("create", "poddisruptionbudget", "guarded", "--selector=app=guarded", "--min-available=2");
        await Eventually.ThatAsync(
            async () => await Admin.OkAsync("get", "pdb", "guarded", "-o", "jsonpath={.status.currentHealthy}/{.status.desiredHealthy}/{.status.disruptionsAllowed}") == "2/2/0",
            "the budget's status counts both pods");
        Assert.Matches(@"guarded\s+2\s+N/A\s+0\s+", await Admin.OkAsync("get", "pdb"));
        var node = (await Admin.OkAsync("get", "pods", "-l", "app=guarded", "-o", "jsonpath={.items[0].spec.nodeName}")).Trim();
        try
        {
            // when the node is drained, the eviction is refused until drain's timeout, and the pod stays;
            var refused = await Admin.RunAsync("drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=10s");
            refused.FailedWith("Cannot evict pod as it would violate the pod's disruption budget.");
            Assert.Equal("2", await Admin.OkAsync("get", "deployment", "guarded", "-o", "jsonpath={.status.readyReplicas}"));
            Assert.Contains(node, await Admin.OkAsync("get", "pods", "-l", "app=guarded", "-o", "jsonpath={.items[*].spec.nodeName}"), StringComparison.Ordinal);

            // then once the budget allows one disruption, the same drain goes through.
            await Admin.OkAsync("patch", "pdb", "guarded", "--type=merge", "-p", """{"spec":{"minAvailable":1}}""");
            await Eventually.ThatAsync(
                async () => await Admin.OkAsync("get", "pdb", "guarded", "-o", "jsonpath={.status.disruptionsAllowed}") == "1",
                "the budget allows one disruption");
            Assert.Contains($"node/{node} drained", await Admin.OkAsync("drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=60s"), StringComparison.Ordinal);
            Assert.DoesNotContain(node, await Admin.OkAsync("get", "pods", "-l", "app=guarded", "-o", "jsonpath={.items[*].spec.nodeName}"), StringComparison.Ordinal);
        }
        finally
        {
            await Admin.OkAsync("uncordon", node);
        }
    }

    [Fact]
    public async Task GetComponentStatuses_HealthyControlPlane_ListedWithTheDeprecationWarningAndReadOnly()
    {
        // What a fixer of a control-plane break types first: the API server's view of the scheduler, controller manager and etcd.
        var result = await Admin.RunAsync("get", "componentstatuses");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Warning: v1 ComponentStatus is deprecated in v1.19+", result.Stderr, StringComparison.Ordinal);
        Assert.Matches(@"^NAME\s+STATUS\s+MESSAGE\s+ERROR\n", result.Stdout);
        foreach (var component in new[] { "scheduler", "controller-manager", "etcd-0" })
        {
            Assert.Matches(@$"\n{component}\s+Healthy\s+ok", result.Stdout);
        }

        (await Admin.RunAsync("delete", "componentstatus", "scheduler")).FailedWith("the server does not allow this method on the requested resource");
    }

    private async Task WaitForEndpointsAsync(string service, int count)
    {
        var podIps = Array.Empty<string>();
        await Eventually.ThatAsync(
            async () =>
            {
                podIps = [.. (await Admin.OkAsync("get", "pods", "-l", $"app={service}", "--field-selector=status.phase=Running", "-o", "jsonpath={.items[*].status.podIP}")).Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];
                var listed = (await Admin.RunAsync("get", "endpoints", service, "-o", "jsonpath={.subsets[0].addresses[*].ip}")).Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal);
                return podIps.Length == count && listed.SequenceEqual(podIps);
            },
            $"the Endpoints of {service} list its {count} pods");
    }

    private Task WaitForCoreDnsAsync() => Eventually.ThatAsync(
        async () => (await Admin.OkAsync("get", "deployment", "coredns", "-n", "kube-system", "-o", "jsonpath={.status.readyReplicas}")) == "2",
        "CoreDNS is Ready");
}

namespace RawkodeAutomation.Kubernetes.Tests;

/// <summary>
/// What a fixer sees with kubectl: server-side printed columns, Events with the reasons and messages a real cluster
/// writes, ReplicaSets with revisions (rollout history/undo), scale, logs and quota status.
/// </summary>
public sealed class KubectlObservabilityTests(KubectlClusterFixture fixture) : IClassFixture<KubectlClusterFixture>
{
    private Kubectl Kubectl => fixture.Admin;

    [Fact]
    public async Task Get_BuiltIns_PrintsTheApiServersColumns()
    {
        var nodes = await Kubectl.OkAsync("get", "nodes");
        Assert.Matches(@"^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\n", nodes);
        Assert.Matches(@"kc-control-plane-0\s+Ready\s+control-plane\s+\S+\s+v1\.31\.0", nodes);
        Assert.Matches(@"kc-worker-0\s+Ready\s+<none>", nodes);

        await Kubectl.OkAsync("rollout", "status", "deployment/coredns", "-n", "kube-system", "--timeout=60s");
        var deployments = await Kubectl.OkAsync("get", "deployments", "-n", "kube-system");
        Assert.Matches(@"NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\ncoredns\s+2/2\s+2\s+2\s+", deployments);
        var pods = await Kubectl.OkAsync("get", "pods", "-n", "kube-system", "-o", "wide");
        Assert.Matches(@"NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES\n", pods);
        Assert.Matches(@"coredns-\S+\s+1/1\s+Running\s+0\s+\S+\s+10\.244\.\d+\.\d+\s+kc-", pods);
        var services = await Kubectl.OkAsync("get", "services", "-n", "kube-system");
        // kubeadm's kube-dns also serves CoreDNS's metrics port.
        Assert.Matches(@"kube-dns\s+ClusterIP\s+10\.96\.0\.10\s+<none>\s+53/UDP,53/TCP,9153/TCP\s+", services);
        var endpoints = await Kubectl.OkAsync("get", "endpoints", "kube-dns", "-n", "kube-system");
        Assert.Matches(@"kube-dns\s+10\.244\.\d+\.\d+:53,", endpoints);
        Assert.Matches(@"NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\ncoredns-\S+\s+2\s+2\s+2\s+", await Kubectl.OkAsync("get", "replicasets", "-n", "kube-system"));
        Assert.Matches(@"NAME\s+STATUS\s+AGE\ndefault\s+Active\s+", await Kubectl.OkAsync("get", "namespaces"));
        Assert.Matches(@"coredns\s+1\s+", await Kubectl.OkAsync("get", "configmaps", "-n", "kube-system"));
    }

    [Fact]
    public async Task QuotaBreak_EventsAndQuotaStatus_SayWhy()
    {
        // Given a namespace whose quota allows no pods (the library's quota-zero-pods break),
        await Kubectl.OkAsync("create", "namespace", "quota");
        await Kubectl.OkAsync("create", "quota", "zero-pods", "--hard=pods=0", "-n", "quota");
        await Kubectl.OkAsync("create", "deployment", "web", "--image=nginx:1.27", "-n", "quota");

        // the ReplicaSet's FailedCreate event carries the quota's message,
        var events = "";
        await Eventually.ThatAsync(async () =>
        {
            events = await Kubectl.OkAsync("get", "events", "-n", "quota");
            return events.Contains("FailedCreate", StringComparison.Ordinal);
        }, "a FailedCreate event appears");
        Assert.Matches(@"LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\n", events);
        Assert.Matches(@"Warning\s+FailedCreate\s+replicaset/web-\S+\s+Error creating: pods ""web-\S+"" is forbidden: exceeded quota: zero-pods, requested: pods=1, used: pods=0, limited: pods=0", events);
        Assert.Matches(@"Normal\s+ScalingReplicaSet\s+deployment/web\s+Scaled up replica set web-\S+ from 0 to 1", events);

        // and the quota shows what is used.
        await Eventually.ThatAsync(async () => (await Kubectl.OkAsync("get", "quota", "-n", "quota")).Contains("pods: 0/0", StringComparison.Ordinal), "the quota shows pods: 0/0");
        var describe = await Kubectl.OkAsync("describe", "quota", "zero-pods", "-n", "quota");
        Assert.Matches(@"pods\s+0\s+0", describe);
    }

    [Fact]
    public async Task TaintBreak_FailedSchedulingEvent_NamesTheTaint()
    {
        await Kubectl.OkAsync("create", "namespace", "tainted");
        await Kubectl.OkAsync("run", "lonely", "--image=nginx:1.27", "-n", "tainted", "--overrides", """{"spec":{"nodeSelector":{"kubernetes.io/hostname":"kc-control-plane-0"}}}""");
        var events = "";
        await Eventually.ThatAsync(async () =>
        {
            events = await Kubectl.OkAsync("get", "events", "-n", "tainted", "--field-selector", "reason=FailedScheduling");
            return events.Contains("FailedScheduling", StringComparison.Ordinal);
        }, "a FailedScheduling event appears");
        Assert.Contains("0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node affinity/selector.", events, StringComparison.Ordinal);
        Assert.Matches(@"lonely\s+0/1\s+Pending", await Kubectl.OkAsync("get", "pod", "lonely", "-n", "tainted"));
    }

    [Fact]
    public async Task Rollout_HistoryUndoRestartPause_WorkOnReplicaSets()
    {
        await Kubectl.OkAsync("create", "deployment", "hist", "--image=nginx:1.27");
        await Kubectl.OkAsync("rollout", "status", "deployment/hist", "--timeout=60s");
        await Kubectl.OkAsync("set", "image", "deployment/hist", "nginx=nginx:1.28");
        await Kubectl.OkAsync("rollout", "status", "deployment/hist", "--timeout=60s");

        var history = await Kubectl.OkAsync("rollout", "history", "deployment/hist");
        Assert.Matches(@"REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>", history);

        await Kubectl.OkAsync("rollout", "undo", "deployment/hist");
        await Kubectl.OkAsync("rollout", "status", "deployment/hist", "--timeout=60s");
        Assert.Equal("nginx:1.27", await Kubectl.OkAsync("get", "deployment", "hist", "-o", "jsonpath={.spec.template.spec.containers[0].image}"));
        Assert.Matches(@"2\s+<none>\n3\s+<none>", await Kubectl.OkAsync("rollout", "history", "deployment/hist"));

        await Kubectl.OkAsync("rollout", "restart", "deployment/hist");
        await Kubectl.OkAsync("rollout", "status", "deployment/hist", "--timeout=60s");
        Assert.Matches(@"4\s+<none>", await Kubectl.OkAsync("rollout", "history", "deployment/hist"));

        await Kubectl.OkAsync("rollout", "pause", "deployment/hist");
        await Kubectl.OkAsync("set", "image", "deployment/hist", "nginx=nginx:1.29");
        var paused = await Kubectl.RunAsync("rollout", "status", "deployment/hist", "--timeout=3s");
        Assert.Contains("Waiting for deployment \"hist\" rollout to finish", paused.Stdout + paused.Stderr, StringComparison.Ordinal);
        await Kubectl.OkAsync("rollout", "resume", "deployment/hist");
        await Kubectl.OkAsync("rollout", "status", "deployment/hist", "--timeout=60s");
    }

    [Fact]
    public async Task ScaleLogsEvict_OnADeployment_WorkAsOnARealCluster()
    {
        await Kubectl.OkAsync("create", "deployment", "scaled", "--image=nginx:1.27");
        await Kubectl.OkAsync("scale", "deployment/scaled", "--replicas=3");
        await Kubectl.OkAsync("rollout", "status", "deployment/scaled", "--timeout=60s");
        Assert.Matches(@"scaled\s+3/3\s+3\s+3", await Kubectl.OkAsync("get", "deployment", "scaled"));

        var logs = await Kubectl.OkAsync("logs", "deployment/scaled");
        Assert.Contains("nginx", logs, StringComparison.Ordinal);

        await Kubectl.OkAsync("drain", "kc-worker-0", "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=60s");
        Assert.Matches(@"kc-worker-0\s+Ready,SchedulingDisabled", await Kubectl.OkAsync("get", "node", "kc-worker-0"));
        await Kubectl.OkAsync("uncordon", "kc-worker-0");
        await Kubectl.OkAsync("rollout", "status", "deployment/scaled", "--timeout=60s");
    }
}

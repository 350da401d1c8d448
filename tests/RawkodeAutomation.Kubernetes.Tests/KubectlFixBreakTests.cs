namespace RawkodeAutomation.Kubernetes.Tests;

/// <summary>
/// A fixer's game with kubectl only: every API-level break of the library is applied by the project's break engine,
/// then fixed with the real kubectl against the workload cluster's kubeconfig (from <c>&lt;cluster&gt;-kubeconfig</c>), the
/// v2 rollout is started with <c>kubectl set image</c>, and the project's fix detection sees the win.
/// </summary>
public sealed class KubectlFixBreakTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    // What a fixer types for each break (a break without an entry fails the test: every API break must be fixable).
    private static readonly Dictionary<string, Func<Kubectl, Task>> Fixes = new(StringComparer.Ordinal)
    {
        ["coredns-homoglyph"] = async k =>
        {
            var corefile = await k.OkAsync("get", "configmap", "coredns", "-n", "kube-system", "-o", "jsonpath={.data.Corefile}");
            var fixedCorefile = corefile.Replace("cluster.l\u043Ecal", "cluster.local", StringComparison.Ordinal);
            var patch = new System.Text.Json.Nodes.JsonObject { ["data"] = new System.Text.Json.Nodes.JsonObject { ["Corefile"] = fixedCorefile } }.ToJsonString();
            await k.OkAsync("patch", "configmap", "coredns", "-n", "kube-system", "--type=merge", "-p", patch);
        },
        ["coredns-scaled-to-zero"] = k => k.OkAsync("scale", "deployment", "coredns", "-n", "kube-system", "--replicas=2"),
        ["limitrange-1mi"] = k => k.OkAsync("delete", "limitrange", "limits"),
        ["networkpolicy-deny-all"] = k => k.OkAsync("delete", "networkpolicy", "allow-all-ingress"),
        ["quota-zero-pods"] = k => k.OkAsync("delete", "resourcequota", "compute"),
        ["readiness-probe-wrong-port"] = k => k.OkAsync("patch", "deployment", "klustered", "-p", """{"spec":{"template":{"spec":{"containers":[{"name":"klustered","readinessProbe":{"httpGet":{"port":8080}}}]}}}}"""),
        ["scheduler-name-typo"] = k => k.OkAsync("patch", "deployment", "klustered", "-p", """{"spec":{"template":{"spec":{"schedulerName":"default-scheduler"}}}}"""),
        ["service-selector-typo"] = k => k.OkAsync("patch", "service", "postgres", "-p", """{"spec":{"selector":{"app":"postgres"}}}"""),
        ["taint-all-nodes"] = k => k.OkAsync("taint", "nodes", "--all", "klustered.dev/broken-"),
        ["webhook-fail-closed"] = k => k.OkAsync("delete", "validatingwebhookconfiguration", "pod-policy.klustered.dev"),
        ["webhook-rewrite-v2"] = k => k.OkAsync("delete", "mutatingwebhookconfiguration", "image-policy.klustered.dev"),
    };

    public static TheoryData<string> ApiBreaks => new(BreakLibrary.All.Where(m => m.Level == BreakLevel.Api).Select(m => m.Id));

    [Theory]
    [MemberData(nameof(ApiBreaks))]
    public async Task FixWithKubectl_ApiBreak_FixDetectionSeesTheWin(string breakId)
    {
        Assert.True(Fixes.ContainsKey(breakId), $"no kubectl fix is known for break {breakId}");
        var ops = fixture.Operations;
        var cluster = await fixture.ReadyClusterAsync("k-" + breakId);
        try
        {
            // Given the break, applied by the break engine,
            await ops.ApplyBreaksAsync(cluster, [breakId]);
            using var kubectl = new Kubectl(await ops.GetWorkloadKubeconfigAsync(cluster));

            // when a fixer repairs it and rolls out v2 with kubectl only,
            await Fixes[breakId](kubectl);
            var since = DateTimeOffset.UtcNow;
            await kubectl.OkAsync("set", "image", "deployment/klustered", $"klustered={KlusteredWorkload.Image(fixture.Options, fixture.Options.FixedTag)}");

            // then the project's fix detection sees the workload Ready on v2.
            var status = await ops.WaitFixedAsync(cluster, since, TimeSpan.FromSeconds(60));
            Assert.True(status.Fixed, status.Detail);
            await kubectl.OkAsync("rollout", "status", "deployment/klustered", "--timeout=60s");
        }
        finally
        {
            await ops.TeardownAsync(cluster);
        }
    }
}

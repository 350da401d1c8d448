namespace RawkodeAutomation.Kubernetes.Tests;

/// <summary>
/// Every API-level break, end to end in the sandbox: it applies, the v1→v2 rollout is verified not to succeed,
/// and its undo lets a v2 rollout succeed.
/// </summary>
public sealed class ApiBreakTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    public static TheoryData<string> ApiBreaks => new(BreakLibrary.All.Where(m => m.Level == BreakLevel.Api).Select(m => m.Id));

    [Theory]
    [MemberData(nameof(ApiBreaks))]
    public async Task ApplyVerifyUndo_ApiBreak_BlocksRolloutUntilUndone(string breakId)
    {
        var ops = fixture.Operations;
        var cluster = await fixture.ReadyClusterAsync(SandboxFixture.TeamFor(breakId));
        try
        {
            // Given a workload at v1, when the break is applied,
            await ops.ApplyBreaksAsync(cluster, [breakId]);

            // then its check holds and the v2 rollout does not succeed in time.
            var verdict = await ops.VerifyBrokenAsync(cluster, [breakId]);
            Assert.True(verdict.Broken, verdict.Summary);
            Assert.False(verdict.RolloutSucceeded);
            Assert.All(verdict.Checks, c => Assert.True(c.Holds, c.Detail));
            Assert.False((await ops.IsFixedAsync(cluster)).Fixed);

            // Applying again changes nothing (idempotent by name).
            await ops.ApplyBreaksAsync(cluster, [breakId]);

            // When it is undone, a v2 rollout succeeds.
            await ops.UndoBreaksAsync(cluster, [breakId]);
            var since = DateTimeOffset.UtcNow;
            await fixture.RolloutV2Async(cluster);
            var status = await ops.WaitFixedAsync(cluster, since, TimeSpan.FromSeconds(20));
            Assert.True(status.Fixed, status.Detail);
            Assert.NotNull(status.TimeToFix);
        }
        finally
        {
            await ops.TeardownAsync(cluster);
        }
    }
}

/// <summary>
/// Node-level breaks: the sandbox has no nodes, so these tests check what is submitted (a privileged host pod per
/// chosen node running the module's script) with a sandbox that reports host scripts as succeeded.
/// </summary>
public sealed class NodeBreakTests(HostScriptSandboxFixture fixture) : IClassFixture<HostScriptSandboxFixture>
{
    public static TheoryData<string> NodeBreaks => new(BreakLibrary.All.Where(m => m.Level == BreakLevel.Node).Select(m => m.Id));

    [Theory]
    [MemberData(nameof(NodeBreaks))]
    public async Task ApplyAndUndo_NodeBreak_SubmitsPrivilegedHostPodsWithItsScripts(string breakId)
    {
        var module = BreakLibrary.Get(breakId);
        var ops = fixture.Operations;
        var cluster = await fixture.ReadyClusterAsync(SandboxFixture.TeamFor(breakId));
        var sandbox = fixture.WorkloadCluster(cluster);
        var submitted = new System.Collections.Concurrent.ConcurrentQueue<System.Text.Json.Nodes.JsonObject>();
        sandbox.ObjectChanged += (type, obj) =>
        {
            if (type == "ADDED" && obj["kind"]?.GetValue<string>() == "Pod" && obj["metadata"]?["labels"]?[Ownership.BreakLabel] is not null)
            {
                submitted.Enqueue(obj);
            }
        };
        var nodes = sandbox.List("v1", "Node").Select(n => (Name: n["metadata"]!["name"]!.GetValue<string>(), ControlPlane: n["metadata"]!["labels"]!.AsObject().ContainsKey("node-role.kubernetes.io/control-plane"))).ToList();
        var expectedNodes = nodes.Where(n => module.Node!.On switch { "control-plane" => n.ControlPlane, "workers" => !n.ControlPlane, _ => true }).Select(n => n.Name).Order().ToList();
        try
        {
            await ops.ApplyBreaksAsync(cluster, [breakId]);
            AssertScriptPods(submitted, "apply", module.Node!.Apply, expectedNodes);

            // The sandbox cannot run the script, so the rollout goes through: the verdict must say this break did not hold.
            var verdict = await ops.VerifyBrokenAsync(cluster, [breakId]);
            Assert.False(verdict.Broken, verdict.Summary);
            Assert.Contains(breakId, verdict.NotHolding);
            // (A break whose API checks prove it has no check script: no pod could run on the node it breaks.)
            AssertScriptPods(submitted, "check", module.Node.Check, module.Node.Check is null ? [] : expectedNodes);

            await ops.UndoBreaksAsync(cluster, [breakId]);
            AssertScriptPods(submitted, "undo", module.Node.Undo, expectedNodes);

            // Script pods are cleaned up after they finish.
            Assert.DoesNotContain(sandbox.List("v1", "Pod", "kube-system"), p => p["metadata"]!["labels"]?[Ownership.BreakLabel] is not null);
            var since = DateTimeOffset.UtcNow;
            await fixture.RolloutV2Async(cluster);
            Assert.True((await ops.WaitFixedAsync(cluster, since, TimeSpan.FromSeconds(20))).Fixed);
        }
        finally
        {
            await ops.TeardownAsync(cluster);
        }
    }

    private static void AssertScriptPods(IEnumerable<System.Text.Json.Nodes.JsonObject> submitted, string purpose, string? script, List<string> expectedNodes)
    {
        var pods = submitted.Where(p => p["metadata"]!["labels"]!["rawkode.dev/purpose"]?.GetValue<string>() == purpose).ToList();
        Assert.Equal(expectedNodes, pods.Select(p => p["spec"]!["nodeName"]!.GetValue<string>()).Order().ToList());
        foreach (var pod in pods)
        {
            var spec = pod["spec"]!;
            Assert.True(spec["hostPID"]!.GetValue<bool>());
            Assert.True(spec["hostNetwork"]!.GetValue<bool>());
            Assert.Equal("Never", spec["restartPolicy"]!.GetValue<string>());
            var container = spec["containers"]![0]!;
            Assert.True(container["securityContext"]!["privileged"]!.GetValue<bool>());
            var command = container["command"]!.AsArray().Select(c => c!.GetValue<string>()).ToList();
            Assert.Equal("nsenter", command[0]);
            Assert.Equal(["-t", "1", "-m", "-u", "-i", "-n", "-p"], command[1..8]);
            Assert.Equal(script, command[^1]);
        }
    }
}

/// <summary>The default sandbox refuses to pretend: node scripts fail there, with a message that says why.</summary>
public sealed class NodeBreakInDefaultSandboxTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    [Fact]
    public async Task ApplyBreaks_NodeBreakWithoutNodes_FailsSayingSo()
    {
        var cluster = await fixture.ReadyClusterAsync("t-no-nodes");
        try
        {
            var error = await Assert.ThrowsAsync<KlusteredException>(() => fixture.Operations.ApplyBreaksAsync(cluster, ["chmod-kubectl"]));
            Assert.Contains("chmod-kubectl", error.Message, StringComparison.Ordinal);
            Assert.Contains("no nodes", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await fixture.Operations.TeardownAsync(cluster);
        }
    }
}

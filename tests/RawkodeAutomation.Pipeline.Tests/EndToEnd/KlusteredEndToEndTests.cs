using System.Globalization;
using System.Text;
using k8s;
using k8s.Models;
using RawkodeAutomation.Kubernetes;
using RawkodeAutomation.Pipeline.Tests.Workflows;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Api.Enums.V1;

namespace RawkodeAutomation.Pipeline.Tests.EndToEnd;

/// <summary>
/// A Klustered episode on the embedded stack: committed to the test's git repository, picked up by the local git
/// watcher, run by the real <c>KubernetesKlusteredActivities</c> against the Kubernetes sandbox (Cluster API
/// stand-in, workload clusters with a loopback kube API), on the offline Temporal server.
/// </summary>
public class KlusteredEndToEndTests
{
    private const string Show = "klustered-demo";
    // Generous: a busy machine answers queries slowly (a query once timed out while the worker was loaded); the waits end on the condition.
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task KlusteredEpisode_TwoTeams_ProvisionedBrokenFixedRecordedAndTornDown()
    {
        // Given a show that starts in 12 s: provision 8 s before, 20 s long, tear down 2 s after it ends.
        var start = NowToSecond().AddSeconds(12);
        var episodeId = EpisodeId(start);
        await using var stack = await StartAsync(KlusteredChannel(start, """
            provisionBefore: 8s
              teardownAfter: 2s
              teams:
                - name: team-a
                  breakers: [ada-okafor]
                  fixers: [chen-wei]
                  cluster: { class: kubeadm-small, kubernetesVersion: v1.31.0 }
                  breaks: [quota-zero-pods]
                - name: team-b
                  breakers: [chen-wei]
                  fixers: [ada-okafor]
                  cluster: { class: kubeadm-small, kubernetesVersion: v1.31.0 }
                  breaks: [coredns-scaled-to-zero, taint-all-nodes]
            """, duration: "20s"));
        var provisionAt = start.AddSeconds(-8);
        var teardownAt = start.AddSeconds(22);

        // When the time comes, both teams' clusters are provisioned, get the workload at v1, and are verified broken.
        var provisioned = await WaitForEpisodeAsync(stack, episodeId,
            s => s.Teams.Count == 2 && s.Teams.All(t => t.Phase == TeamPhase.Provisioned), "both teams provisioned and broken");
        Assert.All(provisioned.Teams, t => Assert.True(t.ProvisionedAt >= provisionAt, $"{t.Name} provisioned at {t.ProvisionedAt:O}, before {provisionAt:O}"));
        Assert.All(provisioned.Teams, t => Assert.Null(t.LastError));
        var clusters = stack.Kubernetes.Management.List("cluster.x-k8s.io/v1beta1", "Cluster", "default");
        Assert.Equal(2, clusters.Count);
        foreach (var team in provisioned.Teams)
        {
            var cluster = Assert.Single(clusters, c => c["metadata"]!["name"]!.GetValue<string>() == team.ClusterName);
            var labels = cluster["metadata"]!["labels"]!;
            // The labels the cleanup schedule selects on: ours, which episode, which team, until when.
            Assert.Equal(Ownership.OwnedByValue, labels[Ownership.OwnedByLabel]!.GetValue<string>());
            Assert.Equal(Ownership.EpisodeHash(episodeId), labels[Ownership.EpisodeLabel]!.GetValue<string>());
            Assert.Equal(team.Name, labels[Ownership.TeamLabel]!.GetValue<string>());
            Assert.True(long.Parse(labels[Ownership.ExpiresLabel]!.GetValue<string>(), CultureInfo.InvariantCulture) > teardownAt.ToUnixTimeSeconds());
            using var workload = WorkloadClient(stack, team.ClusterName!);
            var image = await WorkloadImageAsync(workload);
            if (!image.EndsWith(":v1", StringComparison.Ordinal) && DateTimeOffset.UtcNow >= start)
            {
                // A busy machine got here after the start, where the hand-over checks the cluster is still broken with
                // a v2 rollout attempt of its own, reverted to v1 when it fails: wait for that revert.
                image = await Eventually.WaitAsync(() => WorkloadImageAsync(workload), i => i.EndsWith(":v1", StringComparison.Ordinal), $"{team.Name}'s workload back at v1 after the check at the start", Timeout);
            }
            Assert.EndsWith(":v1", image, StringComparison.Ordinal);
        }

        // And the breakers of each team hold a kubeconfig for their window, written beside the checkout, owner-only
        // (unless a busy machine provisioned the cluster after the start: then their window had closed already).
        foreach (var team in provisioned.Teams.Where(t => t.ProvisionedAt < start))
        {
            // (Theirs alone until the start; a busy machine can observe the team after the hand-over added the fixers'.)
            var breakers = Assert.Single(team.Credentials!, c => c.Role == AccessRole.Breakers);
            Assert.Equal((AccessRole.Breakers, start), (breakers.Role, breakers.ValidUntil));
            Assert.EndsWith(Path.Combine(".rawkode", "klustered", episodeId.Split('/')[0], episodeId.Split('/')[1], team.Name, "breakers.kubeconfig"), breakers.Path, StringComparison.Ordinal);
            if (!OperatingSystem.IsWindows())
            {
                try
                {
                    Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(breakers.Path));
                }
                catch (FileNotFoundException)
                {
                    // The hand-over at the start deletes the file: a busy machine can get there before this line does.
                    Assert.True(DateTimeOffset.UtcNow >= start, $"{breakers.Path} is missing before the show's start at {start:O}");
                }
            }
        }

        // And once the show runs, team-a's fixers fix their cluster with the kubeconfig handed to them at the start.
        var handedOver = await WaitForEpisodeAsync(stack, episodeId, s => s.Teams.All(t => t.HandedOverAt is not null), "handed over at the start");
        Assert.All(handedOver.Teams, t => Assert.True(t.HandedOverAt >= start, $"{t.Name} handed over at {t.HandedOverAt:O}, before {start:O}"));
        Assert.All(handedOver.Teams, t => Assert.Equal(BreakVerdict.Broken, t.Verdict));
        var teamA = handedOver.Teams.Single(t => t.Name == "team-a");
        Assert.False(File.Exists(teamA.Credentials!.Single(c => c.Role == AccessRole.Breakers).Path), "the breakers' file outlived their window");
        var fixers = teamA.Credentials!.Single(c => c.Role == AccessRole.Fixers);
        Assert.Equal(teardownAt, fixers.ValidUntil);
        await FixAsync(new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(new FileInfo(fixers.Path))));

        // Then the workflow sees the fix and records team-a's time to fix in the episode file, as a commit by the automation.
        var fixedState = await WaitForEpisodeAsync(stack, episodeId,
            s => s.Teams.Any(t => t is { Name: "team-a", Phase: TeamPhase.Fixed, TimeToFixRecorded: true }), "team-a's fix recorded");
        var timeToFix = fixedState.Teams.Single(t => t.Name == "team-a").TimeToFix!.Value;
        Assert.InRange(timeToFix, TimeSpan.Zero, TimeSpan.FromSeconds(30));
        var log = await stack.Git.RunAsync(["log", "-1", "--format=%an%n%s", "--", $"episodes/{episodeId}.yaml"]);
        Assert.StartsWith("rawkode-automation\nklustered: " + episodeId + " team-a fixed in", log, StringComparison.Ordinal);
        var file = await stack.Git.RunAsync(["show", $"HEAD:episodes/{episodeId}.yaml"]);
        var timeToFixLines = file.Split('\n').Where(l => l.TrimStart().StartsWith("timeToFix:", StringComparison.Ordinal)).ToList();
        Assert.Equal([$"      timeToFix: {Worker.Decisions.TeamYaml.Format(timeToFix)}"], timeToFixLines);
        Assert.True(file.IndexOf("timeToFix:", StringComparison.Ordinal) < file.IndexOf("- name: team-b", StringComparison.Ordinal), "timeToFix written under team-b");

        // And after teardownAfter both clusters are deleted; team-b was never fixed.
        var done = await WaitForEpisodeAsync(stack, episodeId, s => s.Teams.All(t => t.Phase == TeamPhase.TornDown), "both teams torn down");
        Assert.True(DateTimeOffset.UtcNow >= teardownAt, "torn down before teardownAfter");
        Assert.Empty(stack.Kubernetes.Management.List("cluster.x-k8s.io/v1beta1", "Cluster", "default"));
        Assert.Empty(stack.Kubernetes.WorkloadClusters);
        Assert.Null(done.Teams.Single(t => t.Name == "team-b").FixedAt);
        Assert.NotEqual(EpisodePhase.Failed, done.Phase);

        // The two clusters were provisioned side by side, not one after the other.
        var history = await EpisodeHistoryAsync(stack, episodeId);
        var provisions = history.Events.Where(e => e.ActivityTaskScheduledEventAttributes?.ActivityType.Name == "ProvisionTeam").Select(e => e.EventId).ToList();
        Assert.Equal(2, provisions.Count);
        var firstDone = history.Events.First(e => e.ActivityTaskCompletedEventAttributes is { } c && provisions.Contains(c.ScheduledEventId)).EventId;
        Assert.All(provisions, id => Assert.True(id < firstDone, "team-b's provisioning waited for team-a's"));
    }

    [Fact]
    public async Task KlusteredEpisode_BreakCannotBeApplied_NonRetryableFailureInEpisodeStateThenOperatorRetryProvisions()
    {
        // Given a sandbox whose host pods fail (it has no nodes), and a team with a node-level break due now (provisionBefore
        // is 1 h: the show is far enough ahead that its broadcast can still be scheduled on a busy machine).
        var start = NowToSecond().AddMinutes(10);
        var episodeId = EpisodeId(start);
        await using var stack = await StartAsync(KlusteredChannel(start, OneTeam("quota-zero-pods, kubelet-max-pods")), kubernetes: o => o.HostPodPhase = "Failed");

        // When the workflow provisions the team.
        // (The episode says Failed once its YouTube side is at rest too: the team can fail while the broadcast is still being made.)
        var failed = await WaitForEpisodeAsync(stack, episodeId, s => s.Phase == EpisodePhase.Failed && s.Teams.Any(t => t.Phase == TeamPhase.Failed), "team-a and the episode failed");

        // Then the episode is Failed, and the error names the episode, the team, the break and why.
        Assert.Equal(EpisodePhase.Failed, failed.Phase);
        var error = failed.Teams.Single().LastError!;
        Assert.Contains($"episode {episodeId}, team team-a", error, StringComparison.Ordinal);
        Assert.Contains("break kubelet-max-pods: the node apply script failed", error, StringComparison.Ordinal);
        Assert.Contains("no nodes", error, StringComparison.Ordinal);
        Assert.Contains(error, failed.LastError, StringComparison.Ordinal);

        // And the activity ran once: a deterministic failure is not retried.
        var history = await EpisodeHistoryAsync(stack, episodeId);
        var scheduled = history.Events
            .Where(e => e.ActivityTaskScheduledEventAttributes?.ActivityType.Name == "ProvisionTeam")
            .Select(e => e.EventId)
            .ToHashSet();
        var started = Assert.Single(history.Events, e => e.ActivityTaskStartedEventAttributes is { } a && scheduled.Contains(a.ScheduledEventId));
        Assert.Equal(1, started.ActivityTaskStartedEventAttributes.Attempt);
        var failure = Assert.Single(history.Events, e => e.ActivityTaskFailedEventAttributes is { } a && scheduled.Contains(a.ScheduledEventId)).ActivityTaskFailedEventAttributes;
        Assert.Equal(RetryState.NonRetryableFailure, failure.RetryState);
        Assert.True(failure.Failure.ApplicationFailureInfo.NonRetryable);
        Assert.Equal(Worker.Adapters.KubernetesKlusteredActivities.KlusteredFailed, failure.Failure.ApplicationFailureInfo.Type);

        // When the cause is gone (host scripts run against the sandbox's node model) and an operator signals Retry,
        var handle = stack.Client.GetWorkflowHandle<EpisodeWorkflow>(WorkflowIds.Episode(episodeId));
        stack.Kubernetes.Options.HostPodPhase = Kubernetes.Sandbox.KubernetesSandboxOptions.SimulatedHostPods;
        await handle.SignalAsync(wf => wf.RetryAsync());

        // then the team is provisioned again on the same cluster, both breaks verified, and the episode is no longer Failed.
        var retried = await WaitForEpisodeAsync(stack, episodeId, s => s.Teams.Single().Phase == TeamPhase.Provisioned, "team-a provisioned after Retry");
        Assert.Null(retried.Teams.Single().LastError);
        Assert.NotEqual(EpisodePhase.Failed, retried.Phase);
        Assert.Single(stack.Kubernetes.WorkloadClusters);
    }

    [Fact]
    public async Task KlusteredEpisode_ManagementApiOverloaded_ProvisioningRetriedAndSucceeds()
    {
        // Given a management cluster whose next two API requests fail as an overloaded one does (503, then 429), and a show
        // provisioned now (provisionBefore 1 h) far enough ahead that its broadcast can still be scheduled.
        var start = NowToSecond().AddMinutes(10);
        var episodeId = EpisodeId(start);
        await using var stack = await StartAsync(KlusteredChannel(start, OneTeam("quota-zero-pods")), beforeWorker: s => s.Kubernetes.Management.InjectFaults(503, 429));

        // When the workflow provisions the team, the transient failures are retried and it is provisioned and broken.
        var provisioned = await WaitForEpisodeAsync(stack, episodeId, s => s.Teams.Single().Phase == TeamPhase.Provisioned, "team-a provisioned");
        Assert.Null(provisioned.Teams.Single().LastError);
        var history = await EpisodeHistoryAsync(stack, episodeId);
        var scheduled = history.Events.Single(e => e.ActivityTaskScheduledEventAttributes?.ActivityType.Name == "ProvisionTeam").EventId;
        var started = history.Events.Single(e => e.ActivityTaskStartedEventAttributes?.ScheduledEventId == scheduled).ActivityTaskStartedEventAttributes;
        Assert.Equal(3, started.Attempt);
        Assert.Contains("the Kubernetes API is unavailable (429 TooManyRequests", started.LastFailure?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KlusteredEpisode_ClusterLosesOwnershipLabel_NeverTouchedAndTeardownTriedOnce()
    {
        // Given a show starting in 8 s: provision 6 s before, 40 s long (time for the label to go on a busy machine), tear down 1 s after it ends.
        var start = NowToSecond().AddSeconds(8);
        var episodeId = EpisodeId(start);
        await using var stack = await StartAsync(KlusteredChannel(start, OneTeam("quota-zero-pods", provisionBefore: "6s", teardownAfter: "1s"), duration: "40s"));
        var provisioned = await WaitForEpisodeAsync(stack, episodeId, s => s.Teams.Single().Phase == TeamPhase.Provisioned, "team-a provisioned");

        // When a human takes the cluster over (removes our ownership label) before the show ends,
        var clusterName = provisioned.Teams.Single().ClusterName!;
        using (var management = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(new MemoryStream(Encoding.UTF8.GetBytes(stack.Kubernetes.ManagementKubeconfig)))))
        {
            await management.CustomObjects.PatchNamespacedCustomObjectAsync(
                new V1Patch("{\"metadata\":{\"labels\":{\"" + Ownership.OwnedByLabel + "\":null}}}", V1Patch.PatchType.MergePatch),
                "cluster.x-k8s.io", "v1beta1", "default", "clusters", clusterName);
        }

        // then the pipeline refuses to touch it: the teardown is refused once, not retried in a loop, and says why.
        var done = await WaitForEpisodeAsync(stack, episodeId, s => s.Teams.Single().Phase == TeamPhase.TornDown, "team-a given up");
        Assert.Contains("refusing to delete Cluster", done.Teams.Single().LastError, StringComparison.Ordinal);
        Assert.NotNull(stack.Kubernetes.Management.Get("cluster.x-k8s.io/v1beta1", "Cluster", "default", clusterName));
        var history = await EpisodeHistoryAsync(stack, episodeId);
        var teardown = Assert.Single(history.Events, e => e.ActivityTaskScheduledEventAttributes?.ActivityType.Name == "TeardownTeam");
        var started = history.Events.Single(e => e.ActivityTaskStartedEventAttributes?.ScheduledEventId == teardown.EventId).ActivityTaskStartedEventAttributes;
        Assert.Equal(1, started.Attempt);
    }

    [Fact]
    public async Task KlusteredEpisode_FailedTeamSkippedByOperator_HandedOverAndWatchedForTheFix()
    {
        // Given a team whose node-level break cannot be applied: the sandbox's host scripts all fail here, as on nodes
        // nobody can reach (a show soon, but not so soon that a busy machine creates its broadcast after the start,
        // which YouTube refuses).
        var start = NowToSecond().AddSeconds(30);
        var episodeId = EpisodeId(start);
        await using var stack = await StartAsync(KlusteredChannel(start, OneTeam("quota-zero-pods, kubelet-max-pods")), kubernetes: o => o.HostPodPhase = "Failed");
        var failed = await WaitForEpisodeAsync(stack, episodeId, s => s.Teams.Any(t => t.Phase == TeamPhase.Failed), "team-a failed");
        Assert.Contains("the Kubernetes sandbox has no nodes to run host scripts on", failed.Teams.Single().LastError, StringComparison.Ordinal);

        // When an operator skips it,
        await stack.Client.GetWorkflowHandle<EpisodeWorkflow>(WorkflowIds.Episode(episodeId)).SignalAsync(wf => wf.SkipAsync(new SkipRequest("run the show without that break")));

        // then the cluster is handed over as it is, the failure stays visible, and the fix is watched for.
        var skipped = await WaitForEpisodeAsync(stack, episodeId, s => s.Teams.Single().Phase == TeamPhase.Provisioned, "team-a handed over");
        Assert.StartsWith("accepted by operator (run the show without that break)", skipped.Teams.Single().LastError, StringComparison.Ordinal);
        Assert.NotEqual(EpisodePhase.Failed, skipped.Phase);
        var clusterName = Ownership.ClusterName(episodeId, "team-a");
        // The fixers act once their window opens (the check at the start would otherwise roll their fix back to v1).
        await WaitForEpisodeAsync(stack, episodeId, s => s.Teams.Single().HandedOverAt is not null, "team-a handed over at the start");
        await FixAsync(stack, clusterName);
        await WaitForEpisodeAsync(stack, episodeId, s => s.Teams.Single() is { Phase: TeamPhase.Fixed, TimeToFixRecorded: true }, "team-a's fix recorded");
    }

    private static async Task<EmbeddedStack> StartAsync(Dictionary<string, byte[]> files, Action<Kubernetes.Sandbox.KubernetesSandboxOptions>? kubernetes = null, Action<EmbeddedStack>? beforeWorker = null)
    {
        var stack = await EmbeddedStack.StartAsync(files, kubernetes: kubernetes);
        // A running show is checked for the fix twice a second, so a fix is seen at once.
        stack.Settings["Pipeline:FixPollInterval"] = "00:00:00.500";
        // Sandbox-sized waits: the rollout attempt that proves a cluster broken gets 2.5 s (an unbroken one takes < 1 s).
        stack.Settings["Kubernetes:PollInterval"] = "00:00:00.100";
        stack.Settings["Kubernetes:ProvisionTimeout"] = "00:00:20";
        stack.Settings["Kubernetes:WorkloadReadyTimeout"] = "00:00:20";
        stack.Settings["Kubernetes:BreakStepTimeout"] = "00:00:05";
        stack.Settings["Kubernetes:VerifyBrokenTimeout"] = "00:00:02.500";
        stack.Settings["Kubernetes:TeardownTimeout"] = "00:00:10";
        beforeWorker?.Invoke(stack);
        await stack.StartWorkerAsync();
        return stack;
    }

    /// <summary>The <c>klustered:</c> block of an episode with one team, team-a, broken by ada-okafor and fixed by chen-wei.</summary>
    private static string OneTeam(string breaks, string provisionBefore = "1h", string teardownAfter = "1h") => $$"""
        provisionBefore: {{provisionBefore}}
          teardownAfter: {{teardownAfter}}
          teams:
            - name: team-a
              breakers: [ada-okafor]
              fixers: [chen-wei]
              cluster: { class: kubeadm-small, kubernetesVersion: v1.31.0 }
              breaks: [{{breaks}}]
        """;

    /// <summary>Fixes a team's cluster through its kube API, as its fixers would with kubectl: quota gone, workload at v2.</summary>
    private static async Task FixAsync(EmbeddedStack stack, string clusterName) => await FixAsync(WorkloadClient(stack, clusterName));

    private static async Task FixAsync(k8s.Kubernetes client)
    {
        using var fixer = client;
        await fixer.CoreV1.DeleteNamespacedResourceQuotaAsync("compute", "default");
        await fixer.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch("""{"spec":{"template":{"spec":{"containers":[{"name":"klustered","image":"ghcr.io/rawkode/klustered:v2"}]}}}}""", V1Patch.PatchType.StrategicMergePatch),
            "klustered", "default");
    }

    private static async Task<string> WorkloadImageAsync(k8s.Kubernetes workload) =>
        (await workload.AppsV1.ReadNamespacedDeploymentAsync("klustered", "default")).Spec.Template.Spec.Containers.Single().Image;

    private static Task<Temporalio.Common.WorkflowHistory> EpisodeHistoryAsync(EmbeddedStack stack, string episodeId) =>
        stack.Client.GetWorkflowHandle(WorkflowIds.Episode(episodeId)).FetchHistoryAsync();

    private static async Task<EpisodeStatus> WaitForEpisodeAsync(EmbeddedStack stack, string episodeId, Func<EpisodeStatus, bool> done, string what)
    {
        try
        {
            return await PipelineHarness.WaitForAsync(
                () => stack.Client.GetWorkflowHandle<EpisodeWorkflow>(WorkflowIds.Episode(episodeId)).QueryAsync(wf => wf.State),
                done, Timeout, what);
        }
        catch (TimeoutException e)
        {
            var diagnostics = await stack.DiagnoseAsync("klustered", WorkflowIds.Episode(episodeId));
            throw new TimeoutException($"{e.Message}\ndiagnostics in {diagnostics}", e);
        }
    }

    /// <summary>A client for a team's workload cluster from the kubeconfig Cluster API wrote to the management cluster.</summary>
    private static k8s.Kubernetes WorkloadClient(EmbeddedStack stack, string clusterName)
    {
        var secret = stack.Kubernetes.Management.Get("v1", "Secret", "default", $"{clusterName}-kubeconfig")
            ?? throw new InvalidOperationException($"no kubeconfig secret for {clusterName}");
        var kubeconfig = Convert.FromBase64String(secret["data"]!["value"]!.GetValue<string>());
        using var stream = new MemoryStream(kubeconfig);
        return new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(stream));
    }

    private static DateTimeOffset NowToSecond()
    {
        var now = DateTimeOffset.UtcNow;
        return new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, TimeSpan.Zero);
    }

    private static string EpisodeId(DateTimeOffset start) => $"{Show}/{start:yyyy-MM-dd}-live";

    private static Dictionary<string, byte[]> KlusteredChannel(DateTimeOffset start, string klustered, string duration = "10s")
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            [$"episodes/shows/{Show}.yaml"] = Utf8($"""
                name: Klustered Demo
                host: host-person
                description: Two teams break each other's clusters; the other team fixes them live.
                youtube:
                  categoryId: 28
                  streamKey: {Show}
                """),
            ["episodes/people/host-person.yaml"] = Channel.Person("Host Person", "Hosts the show."),
            ["episodes/people/ada-okafor.yaml"] = Channel.Person("Ada Okafor", "Breaks things."),
            ["episodes/people/chen-wei.yaml"] = Channel.Person("Chen Wei", "Fixes things."),
        };
        files[$"episodes/{EpisodeId(start)}.yaml"] = Utf8($"""
            title: "Klustered Demo: live"
            scheduledFor: {start.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}
            duration: {duration}
            visibility: public
            guests: [ada-okafor, chen-wei]
            technologies: [kubernetes]
            summary: Two teams, two broken clusters.
            klustered:
              {klustered}
            """);
        return files;
    }

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s + "\n");
}

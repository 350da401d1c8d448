using System.Text;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using RawkodeAutomation.Kubernetes;
using RawkodeAutomation.Pipeline.Tests.Workflows;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.YouTube;
using RawkodeAutomation.YouTube.Api;
using RawkodeAutomation.YouTube.Operations;
using Temporalio.Api.Enums.V1;
using DomainClusterSpec = RawkodeAutomation.Episodes.Model.ClusterSpec;

namespace RawkodeAutomation.Pipeline.Tests.EndToEnd;

/// <summary>
/// The cleanup Schedule on the embedded stack (offline Temporal on SQLite, the YouTube and Kubernetes sandboxes,
/// the local git watcher, the real adapters): a triggered pass removes leftovers and only leftovers.
/// </summary>
public sealed class CleanupEndToEndTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private const string KlusteredEpisode = "demo-show/2030-03-01-klustered";
    private const string AiredEpisode = "demo-show/2020-01-01-aired";

    [Fact]
    public async Task TriggeredPass_LeftoversOnTheSandboxes_DeletesOnlyLeftoversAndASecondPassChangesNothing()
    {
        // Given a channel of three episodes (one of them Klustered, far in the future) reconciled by the pipeline.
        var files = Channel.Base(2);
        files[$"episodes/{KlusteredEpisode}.yaml"] = Klustered();
        Channel.AddEpisode(files, 3, "guest-person");
        await using var stack = await EmbeddedStack.StartAsync(files);
        // A day-long interval: the Schedule's own ticks (at UTC midnight) stay out of the test's way.
        stack.Settings["Pipeline:CleanupInterval"] = "1.00:00:00";
        await stack.StartWorkerAsync();
        await stack.ConvergedAsync(4, Timeout);
        var youtube = stack.Services.GetRequiredService<IYouTubeClient>();
        var clusters = stack.Services.GetRequiredService<IClusterOperations>();

        // And episode 3's file deleted after its entity was lost (terminated), so nothing deletes its broadcast.
        var goneVideo = (await stack.EpisodeAsync(Channel.EpisodeId(3))).Applied.VideoId!;
        await stack.Client.GetWorkflowHandle(WorkflowIds.Episode(Channel.EpisodeId(3))).TerminateAsync("test: the entity is lost");
        await stack.CommitAsync(new Dictionary<string, byte[]?> { [$"episodes/{Channel.EpisodeId(3)}.yaml"] = null }, "delete episode 3");
        await PipelineHarness.WaitForAsync(
            async () => (await stack.Client.GetWorkflowHandle(WorkflowIds.Episode(Channel.EpisodeId(3))).DescribeAsync()).Status,
            s => s == WorkflowExecutionStatus.Completed, Timeout, "episode 3's deletion handled by a fresh entity");
        Assert.NotNull(stack.YouTube.FindVideo(goneVideo));

        // And a live broadcast of an episode that is gone, and a broadcast that is not ours.
        var operations = stack.Services.GetRequiredService<YouTubeOperations>();
        var live = await operations.EnsureBroadcastAsync(new BroadcastSpec(
            AiredEpisode, "Aired long ago", "Gone from the repository.", new DateTimeOffset(2030, 2, 1, 17, 0, 0, TimeSpan.Zero), null,
            "public", "28", [], "demo-show", null, null));
        await youtube.TransitionBroadcastAsync(live.VideoId, "live", "status");
        var unmarked = await youtube.InsertBroadcastAsync(new LiveBroadcast
        {
            Snippet = new LiveBroadcastSnippet { Title = "Someone else's stream", ScheduledStartTimeRaw = "2030-02-02T17:00:00Z" },
            Status = new LiveBroadcastStatus { PrivacyStatus = "private" },
        }, "snippet,status");

        // And three clusters with our label: one expired, one whose episode never existed, one the Klustered episode wants.
        var spec = new DomainClusterSpec("kubeadm-small", "v1.31.0");
        var expired = await clusters.ProvisionAsync(Channel.EpisodeId(1), "team-old", spec, DateTimeOffset.UtcNow.AddHours(-1));
        var orphan = await clusters.ProvisionAsync("demo-show/2029-01-01-never-merged", "team-a", spec, DateTimeOffset.UtcNow.AddHours(10));
        var wanted = await clusters.ProvisionAsync(KlusteredEpisode, "team-a", spec, DateTimeOffset.UtcNow.AddHours(10));
        // And someone else's Cluster that looks expired but lacks our ownership label.
        using var management = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(
            new MemoryStream(Encoding.UTF8.GetBytes(stack.Kubernetes.ManagementKubeconfig))));
        await management.CustomObjects.CreateNamespacedCustomObjectAsync(
            new Dictionary<string, object>
            {
                ["apiVersion"] = "cluster.x-k8s.io/v1beta1",
                ["kind"] = "Cluster",
                ["metadata"] = new Dictionary<string, object>
                {
                    ["name"] = "someone-elses",
                    ["labels"] = new Dictionary<string, string> { [Ownership.ExpiresLabel] = "1" },
                },
                ["spec"] = new Dictionary<string, object>(),
            },
            "cluster.x-k8s.io", "v1beta1", "default", "clusters");
        var videosBefore = stack.YouTube.Videos.Select(v => v.Id).Order().ToList();

        // When `up`'s setup runs (twice: idempotent) and an operator triggers the Schedule.
        Assert.Equal(CleanupScheduleChange.Created, await CleanupSchedule.EnsureAsync(stack.Client, stack.Options));
        Assert.Equal(CleanupScheduleChange.Unchanged, await CleanupSchedule.EnsureAsync(stack.Client, stack.Options));
        var first = await stack.TriggerCleanupAndWaitAsync(Timeout);

        // Then the leftovers are gone: the expired and orphaned clusters and episode 3's broadcast.
        Assert.False(first.DryRun);
        Assert.Equal(
            new[] { ("broadcast", goneVideo), ("cluster", expired.Name), ("cluster", orphan.Name) }.Order(),
            first.Deleted.Select(d => (d.Kind, d.Name)).Order());
        Assert.Null(stack.YouTube.FindVideo(goneVideo));
        Assert.Equal([wanted.Name], (await clusters.ListOwnedClustersAsync()).Select(c => c.Cluster.Name));
        await management.CustomObjects.GetNamespacedCustomObjectAsync("cluster.x-k8s.io", "v1beta1", "default", "clusters", "someone-elses");
        // And everything else stays: the episodes' broadcasts, the live one (reported, with why), the unmarked one.
        Assert.Equal(videosBefore.Where(id => id != goneVideo), stack.YouTube.Videos.Select(v => v.Id).Order());
        Assert.NotNull(stack.YouTube.FindVideo(unmarked.Id!));
        var kept = Assert.Single(first.Kept);
        Assert.Equal(("broadcast", live.VideoId, AiredEpisode), (kept.Kind, kept.Name, kept.EpisodeId));
        Assert.Contains("is live", kept.Reason, StringComparison.Ordinal);
        Assert.True(first.QuotaUnitsSpent >= 4 + 52, $"spent {first.QuotaUnitsSpent}");
        Assert.Contains(first.Notes, n => n.Contains("1 without it were left alone", StringComparison.Ordinal));

        // When a second pass runs, then nothing changes.
        var deletes = stack.YouTube.Calls("liveBroadcasts.delete");
        var second = await stack.TriggerCleanupAndWaitAsync(Timeout);
        Assert.Empty(second.Deleted);
        Assert.Equal([live.VideoId], second.Kept.Select(k => k.Name));
        Assert.Equal(videosBefore.Where(id => id != goneVideo), stack.YouTube.Videos.Select(v => v.Id).Order());
        Assert.Equal([wanted.Name], (await clusters.ListOwnedClustersAsync()).Select(c => c.Cluster.Name));
        Assert.Equal(deletes, stack.YouTube.Calls("liveBroadcasts.delete"));
    }

    private static byte[] Klustered() => Encoding.UTF8.GetBytes("""
        title: "Klustered in the demo show"
        scheduledFor: 2030-03-01T17:00:00Z
        duration: 90m
        visibility: public
        guests: [guest-person, other-person]
        technologies: [kubernetes]
        summary: Two teams break each other's clusters.
        klustered:
          provisionBefore: 2h
          teardownAfter: 4h
          teams:
            - name: team-a
              breakers: [guest-person]
              fixers: [other-person]
              cluster: { class: kubeadm-small, kubernetesVersion: v1.31.0 }
              breaks: [quota-zero-pods]

        """);
}

using System.Text;
using RawkodeAutomation.Pipeline.Tests.Workflows;
using RawkodeAutomation.Worker.Activities;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Contracts;
using RawkodeAutomation.YouTube.Operations;

namespace RawkodeAutomation.Pipeline.Tests.EndToEnd;

/// <summary>The channel converges to the branch head, whatever happened while `up` was down and whatever order commits arrive in.</summary>
public class ConvergeToHeadTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(240);

    [Fact]
    public async Task Restart_EpisodeRenamedWhileStopped_OldEntityCancelledAndOneBroadcastInTheSlot()
    {
        // Given three upcoming episodes on the channel, reconciled.
        var files = Channel.Base(3);
        await using var stack = await EmbeddedStack.StartAsync(files);
        await stack.StartWorkerAsync();
        await stack.ConvergedAsync(3, Timeout);
        var oldId = Channel.EpisodeId(2);
        const string newId = "demo-show/2030-01-02-episode-two";

        // When, while `up` is down, episode 2's file is renamed (git mv) and committed,
        await stack.StopWorkerAsync();
        var head = await stack.CommitAsync(
            new Dictionary<string, byte[]?> { [$"episodes/{oldId}.yaml"] = null, [$"episodes/{newId}.yaml"] = files[$"episodes/{oldId}.yaml"] },
            "rename episode 2");
        // and `up` starts again and applies the head in full (as UpRunner does; the git watcher may get there first).
        await stack.StartWorkerAsync();
        var outcome = await ApplyFullAsync(stack, head);

        // Then the old episode is deleted as if the rename had been seen live,
        Assert.True(outcome.Valid, outcome.Summary);
        Assert.Contains(oldId, outcome.EpisodesDeleted);
        ChannelStatus status;
        try
        {
            status = await PipelineHarness.WaitForAsync(
                () => PipelineStatusReader.ReadAsync(stack.Client),
                s => s.Episodes.Any(e => e.EpisodeId == newId && e.Applied.VideoId is not null)
                    && s.Episodes.All(e => !e.Busy && !e.Pending.Any && e.Phase != EpisodePhase.Failed),
                Timeout,
                "the renamed episode reconciled and nothing busy");
        }
        catch (TimeoutException e)
        {
            var diagnostics = await stack.DiagnoseAsync("rename", WorkflowIds.Episode(newId), WorkflowIds.Episode(oldId));
            throw new TimeoutException($"{e.Message}\ndiagnostics in {diagnostics}", e);
        }
        // its entity is gone and the slot has exactly one broadcast: the renamed episode's.
        Assert.Equal([Channel.EpisodeId(1), newId, Channel.EpisodeId(3)], status.Episodes.Select(e => e.EpisodeId).Order(StringComparer.Ordinal));
        var inSlot = stack.YouTube.Videos.Where(v => v.IsBroadcast && v.ScheduledStart == Channel.AirDate(2)).ToList();
        var broadcast = Assert.Single(inSlot);
        Assert.Equal(newId, Markers.EpisodeOf(broadcast.Tags));
    }

    [Fact]
    public async Task LateDelivery_CommitBehindTheAppliedHead_ChannelKeepsTheHeadAndGetsTheCommitsOtherChange()
    {
        // Given two upcoming episodes, reconciled, and a git watcher that does not poll again (deliveries are made by hand).
        var files = Channel.Base(2);
        await using var stack = await EmbeddedStack.StartAsync(files);
        stack.Settings["GitHub:LocalPollInterval"] = "1.00:00:00";
        await stack.StartWorkerAsync();
        await stack.ConvergedAsync(2, Timeout);
        var seed = (await stack.Git.RunAsync(["rev-parse", "HEAD"])).Trim();

        // And C1 (episode 1's title, episode 2's title) and C2 (episode 1's title again) pushed one after the other.
        var first = EpisodeFile(1);
        var second = EpisodeFile(2);
        var c1 = await stack.CommitAsync(new Dictionary<string, byte[]?>
        {
            [first] = Edit(files[first], "title: \"Episode 1\"", "title: \"Episode 1: first take\""),
            [second] = Edit(files[second], "title: \"Episode 2\"", "title: \"Episode 2: retitled in C1\""),
        }, "C1");
        var c2 = await stack.CommitAsync(new Dictionary<string, byte[]?>
        {
            [first] = Edit(files[first], "title: \"Episode 1\"", "title: \"Episode 1: second take\""),
        }, "C2");

        // When C1→C2 is delivered first and seed→C1 arrives late (GitHub does not promise order).
        var early = await Deliver(stack, new CommitInput(c2, c1, DateTimeOffset.UtcNow));
        Assert.True(early.Valid, early.Summary);
        var late = await Deliver(stack, new CommitInput(c1, seed, DateTimeOffset.UtcNow.AddSeconds(1)));
        Assert.True(late.Valid, late.Summary);

        // Then episode 1 keeps C2's title (the late commit is in C2's past), and episode 2 gets the title C1 gave it.
        Assert.Equal("Episode 1: second take", (await stack.EpisodeAsync(Channel.EpisodeId(1))).Desired?.Title);
        Assert.Equal("Episode 2: retitled in C1", (await stack.EpisodeAsync(Channel.EpisodeId(2))).Desired?.Title);
        await stack.ConvergedAsync(2, Timeout);
        Assert.Equal("Episode 1: second take", BroadcastOf(stack, Channel.EpisodeId(1)).Title);
        Assert.Equal("Episode 2: retitled in C1", BroadcastOf(stack, Channel.EpisodeId(2)).Title);
        Assert.Equal(2, stack.YouTube.Videos.Count(v => v.IsBroadcast));
    }

    /// <summary>What `rawkode up` does at start: apply the head in full, or wait for the run of it already started.</summary>
    private static async Task<CommitOutcome> ApplyFullAsync(EmbeddedStack stack, string head)
    {
        var started = await TemporalCommitSink.StartAsync(stack.Client, stack.Options, new CommitInput(head, null, DateTimeOffset.UtcNow, Full: true), CancellationToken.None);
        var handle = started ?? stack.Client.GetWorkflowHandle<CommitWorkflow, CommitOutcome>(WorkflowIds.Commit(head));
        return await handle.GetResultAsync();
    }

    private static async Task<CommitOutcome> Deliver(EmbeddedStack stack, CommitInput input)
    {
        var handle = await TemporalCommitSink.StartAsync(stack.Client, stack.Options, input, CancellationToken.None);
        Assert.NotNull(handle);
        return await handle.GetResultAsync();
    }

    private static YouTube.Sandbox.SandboxVideo BroadcastOf(EmbeddedStack stack, string episodeId) =>
        Assert.Single(stack.YouTube.Videos, v => Markers.EpisodeOf(v.Tags) == episodeId);

    private static string EpisodeFile(int i) => $"episodes/{Channel.EpisodeId(i)}.yaml";

    private static byte[] Edit(byte[] file, string from, string to)
    {
        var text = Encoding.UTF8.GetString(file);
        Assert.Contains(from, text, StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(text.Replace(from, to, StringComparison.Ordinal));
    }
}

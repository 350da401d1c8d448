using RawkodeAutomation.Pipeline.Tests.Decisions;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Api.Enums.V1;

namespace RawkodeAutomation.Pipeline.Tests.Workflows;

public class EpisodeWorkflowTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static SpecChanged Change(DesiredEpisode d, ChangeReason reason = ChangeReason.EpisodeEdited, string? notify = null) =>
        new(d.EpisodeId, d, false, reason, d.Commit, d.CommitTime, notify);

    [Fact]
    public async Task SpecChanged_NewEpisodeDeliveredTwice_OneBroadcastWithThumbnailAndDescription()
    {
        await using var h = await PipelineHarness.StartWithWorkerAsync();
        var spec = EpisodeDecisionsTests.Spec();

        await h.SignalAsync(Change(spec));
        await h.SignalAsync(Change(spec with { Commit = "c1-again" }));

        var state = await PipelineHarness.WaitForAsync(() => h.EpisodeAsync(spec.EpisodeId), s => !s.Busy && s.Applied.ThumbnailFingerprint is not null, Timeout, "episode reconciled");
        Assert.Equal(1, h.YouTube.Inserts);
        Assert.Equal(spec.Description, h.YouTube.Descriptions[state.Applied.VideoId!]);
        Assert.Equal(spec.ThumbnailFingerprint, h.YouTube.Thumbnails[state.Applied.VideoId!]);
        Assert.False(state.Pending.Any);
    }

    [Fact]
    public async Task EpisodeWorkflow_ServerSuggestsContinueAsNew_NewRunKeepsTheBroadcastAndAppliesLaterEdits()
    {
        // Given a server that suggests continuing as new after 40 events (real Temporal suggests it at about 4K),
        await using var h = await PipelineHarness.StartWithWorkerAsync(server: s => s.SuggestContinueAsNewAfterEvents = 40);
        var spec = EpisodeDecisionsTests.Spec();
        await h.SignalAsync(Change(spec));
        var created = await PipelineHarness.WaitForAsync(() => h.EpisodeAsync(spec.EpisodeId), s => !s.Busy && s.Applied.ThumbnailFingerprint is not null, Timeout, "episode reconciled");
        var handle = h.Client.GetWorkflowHandle<EpisodeWorkflow>(WorkflowIds.Episode(spec.EpisodeId));
        var firstRun = (await handle.DescribeAsync()).RunId;

        // when description edits keep coming (each one a reconcile of a dozen events),
        for (var i = 1; i <= 6; i++)
        {
            var edit = spec with { Description = $"About the show, take {i}.", Commit = $"c{i + 1}", CommitTime = spec.CommitTime.AddMinutes(i) };
            await h.SignalAsync(Change(edit));
            await PipelineHarness.WaitForAsync(
                () => h.EpisodeAsync(spec.EpisodeId), s => !s.Busy && h.YouTube.Descriptions[created.Applied.VideoId!] == edit.Description, Timeout, $"edit {i} applied");
        }

        // then the entity went on in a new run (the first one ended by continuing as new), holding the same broadcast;
        var described = await handle.DescribeAsync();
        Assert.NotEqual(firstRun, described.RunId);
        Assert.Equal(WorkflowExecutionStatus.ContinuedAsNew, (await h.Client.GetWorkflowHandle(handle.Id, firstRun).DescribeAsync()).Status);
        var state = await h.EpisodeAsync(spec.EpisodeId);
        Assert.Equal(created.Applied.VideoId, state.Applied.VideoId);
        Assert.Equal(1, h.YouTube.Inserts);

        // and an edit after it is applied by the new run, once.
        var last = spec with { Description = "About the show, final.", Commit = "c9", CommitTime = spec.CommitTime.AddHours(1) };
        await h.SignalAsync(Change(last));
        var settled = await PipelineHarness.WaitForAsync(
            () => h.EpisodeAsync(spec.EpisodeId), s => !s.Busy && h.YouTube.Descriptions[created.Applied.VideoId!] == last.Description, Timeout, "the edit after continue-as-new applied");
        Assert.Equal(created.Applied.VideoId, settled.Applied.VideoId);

        // The quota entity (a reservation and a settlement per call: well past 40 events) went on in a new run too, and its
        // ledger still counts every unit the calls were charged.
        var quotaRuns = 0;
        await foreach (var _ in h.Client.ListWorkflowsAsync($"WorkflowId = '{WorkflowIds.Quota}'"))
        {
            quotaRuns++;
        }
        Assert.True(quotaRuns > 1, $"the quota entity never continued as new ({quotaRuns} run)");
        var quota = await PipelineHarness.WaitForAsync(() => h.QuotaAsync(), q => q.Outstanding == 0, Timeout, "every reservation settled");
        Assert.Equal(h.YouTube.UnitsSpent, quota.TotalSpent);
        Assert.Equal(1, h.YouTube.Inserts);
    }
}

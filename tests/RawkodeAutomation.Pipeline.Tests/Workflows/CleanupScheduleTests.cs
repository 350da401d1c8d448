using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Client.Schedules;

namespace RawkodeAutomation.Pipeline.Tests.Workflows;

/// <summary><c>rawkode up</c>'s cleanup Schedule setup against the offline server (no worker needed).</summary>
public sealed class CleanupScheduleTests
{
    [Fact]
    public async Task EnsureAsync_RunTwice_CreatesTheScheduleOnceThenLeavesItAlone()
    {
        await using var h = await PipelineHarness.StartAsync(o => o.CleanupInterval = TimeSpan.FromHours(6));

        var first = await CleanupSchedule.EnsureAsync(h.Client, h.Options);
        var second = await CleanupSchedule.EnsureAsync(h.Client, h.Options);

        Assert.Equal(CleanupScheduleChange.Created, first);
        Assert.Equal(CleanupScheduleChange.Unchanged, second);
        var description = await h.Client.GetScheduleHandle(CleanupWorkflow.ScheduleId).DescribeAsync();
        var action = Assert.IsType<ScheduleActionStartWorkflow>(description.Schedule.Action);
        Assert.Equal(nameof(CleanupWorkflow), action.Workflow);
        Assert.Equal(h.Options.TaskQueue, action.Options.TaskQueue);
        Assert.Equal(WorkflowIds.Cleanup, action.Options.Id);
        Assert.Equal(TimeSpan.FromHours(6), Assert.Single(description.Schedule.Spec.Intervals).Every);
        Assert.Equal(ScheduleOverlapPolicy.Skip, description.Schedule.Policy.Overlap);
        Assert.True(CleanupSchedule.Matches(description.Schedule, h.Options));
        var listed = new List<string>();
        await foreach (var schedule in h.Client.ListSchedulesAsync())
        {
            listed.Add(schedule.Id);
        }
        Assert.Equal([CleanupWorkflow.ScheduleId], listed);
    }

    [Fact]
    public async Task EnsureAsync_IntervalChangedWhilePaused_UpdatesTheSpecAndStaysPaused()
    {
        await using var h = await PipelineHarness.StartAsync(o => o.CleanupInterval = TimeSpan.FromHours(6));
        await CleanupSchedule.EnsureAsync(h.Client, h.Options);
        var handle = h.Client.GetScheduleHandle(CleanupWorkflow.ScheduleId);
        await handle.PauseAsync("operator: maintenance");
        h.Options.CleanupInterval = TimeSpan.FromHours(2);

        var change = await CleanupSchedule.EnsureAsync(h.Client, h.Options);

        Assert.Equal(CleanupScheduleChange.Updated, change);
        var description = await handle.DescribeAsync();
        Assert.Equal(TimeSpan.FromHours(2), Assert.Single(description.Schedule.Spec.Intervals).Every);
        Assert.True(description.Schedule.State.Paused);
        Assert.Equal(CleanupScheduleChange.Unchanged, await CleanupSchedule.EnsureAsync(h.Client, h.Options));
    }

    [Fact]
    public async Task EnsureAsync_LongRunningCleanupWorkflowOfAnEarlierVersion_IsTerminated()
    {
        await using var h = await PipelineHarness.StartAsync();
        // What earlier versions of `up` started: a timer loop under the workflow id "cleanup".
        var legacy = await h.Client.StartWorkflowAsync(
            nameof(CleanupWorkflow), [new { Interval = "01:00:00", Iterations = 0 }], new WorkflowOptions(WorkflowIds.Cleanup, "nobody-polls-this"));

        await CleanupSchedule.EnsureAsync(h.Client, h.Options);

        Assert.Equal(WorkflowExecutionStatus.Terminated, (await legacy.DescribeAsync()).Status);
    }

    [Fact]
    public async Task EnsureAsync_NonPositiveInterval_SaysWhichKey()
    {
        await using var h = await PipelineHarness.StartAsync(o => o.CleanupInterval = TimeSpan.Zero);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => CleanupSchedule.EnsureAsync(h.Client, h.Options));

        Assert.Contains("Pipeline:CleanupInterval", error.Message, StringComparison.Ordinal);
    }
}

using RawkodeAutomation.TemporalServer.Engine;
using Temporalio.Api.Enums.V1;

namespace RawkodeAutomation.TemporalServer.Tests;

/// <summary>
/// Task matching on the engine itself, poll by poll: which parked poll a task goes to when polls are cancelled
/// or their worker shuts down.
/// </summary>
public sealed class PollMatchingTests : IDisposable
{
    private static readonly TimeSpan Promptly = EngineDriver.Promptly;

    private readonly EngineDriver _driver = new();

    private TemporalEngine Engine => _driver.Engine;

    private string TaskQueue => _driver.TaskQueue;

    public void Dispose() => _driver.Dispose();

    [Fact]
    public async Task PollWorkflowTask_ParkedPollCancelled_NextTaskGoesToLivePoll()
    {
        using var stopped = new CancellationTokenSource();
        var dead = _driver.PollWorkflowAsync("stopped-worker", cancellation: stopped.Token);
        await _driver.WaitParkedAsync(TaskKind.Workflow, 1);
        var live = _driver.PollWorkflowAsync("live-worker");
        await _driver.WaitParkedAsync(TaskKind.Workflow, 2);

        await stopped.CancelAsync();
        Assert.True((await dead.WaitAsync(Promptly)).TaskToken.IsEmpty);
        await _driver.WaitParkedAsync(TaskKind.Workflow, 1);
        var workflowId = _driver.StartWorkflow();

        var task = await live.WaitAsync(Promptly);
        Assert.Equal(workflowId, task.WorkflowExecution.WorkflowId);
    }

    [Fact]
    public async Task PollActivityTask_ParkedPollCancelled_NextTaskGoesToLivePoll()
    {
        using var stopped = new CancellationTokenSource();
        var dead = _driver.PollActivityAsync("stopped-worker", stopped.Token);
        await _driver.WaitParkedAsync(TaskKind.Activity, 1);
        var live = _driver.PollActivityAsync("live-worker");
        await _driver.WaitParkedAsync(TaskKind.Activity, 2);

        await stopped.CancelAsync();
        Assert.True((await dead.WaitAsync(Promptly)).TaskToken.IsEmpty);
        await _driver.ScheduleActivitiesAsync(TimeSpan.FromMinutes(1));

        var task = await live.WaitAsync(Promptly);
        Assert.Equal("1", task.ActivityId);
    }

    [Fact]
    public async Task ShutdownWorker_PollsParked_AnswersOnlyThatWorkersPollsEmptyAtOnce()
    {
        var workflowPoll = _driver.PollWorkflowAsync("stopping-worker");
        var activityPoll = _driver.PollActivityAsync("stopping-worker");
        var otherPoll = _driver.PollActivityAsync("other-worker");
        await _driver.WaitParkedAsync(TaskKind.Workflow, 1);
        await _driver.WaitParkedAsync(TaskKind.Activity, 2);

        Engine.ShutdownWorker(new() { Namespace = EngineDriver.Namespace, WorkerInstanceKey = "stopping-worker", TaskQueue = TaskQueue });

        Assert.True((await workflowPoll.WaitAsync(Promptly)).TaskToken.IsEmpty);
        Assert.True((await activityPoll.WaitAsync(Promptly)).TaskToken.IsEmpty);
        Assert.Equal(1, Engine.ParkedPolls(EngineDriver.Namespace, TaskQueue, TaskKind.Activity));
        await _driver.ScheduleActivitiesAsync(TimeSpan.FromMinutes(1));
        Assert.Equal("1", (await otherPoll.WaitAsync(Promptly)).ActivityId);
    }

    [Fact]
    public async Task ShutdownWorker_PollFromThatWorkerArrivesLater_AnswersEmptyAndLeavesTheTask()
    {
        Engine.ShutdownWorker(new() { Namespace = EngineDriver.Namespace, WorkerInstanceKey = "stopped-worker", TaskQueue = TaskQueue });
        var workflowId = _driver.StartWorkflow();

        Assert.True((await _driver.PollWorkflowAsync("stopped-worker").WaitAsync(Promptly)).TaskToken.IsEmpty);
        var task = await _driver.PollWorkflowAsync("next-worker").WaitAsync(Promptly);
        Assert.Equal(workflowId, task.WorkflowExecution.WorkflowId);
    }

    [Fact]
    public async Task ShutdownWorker_WorkerHoldsWorkflowTask_TaskRetriedWithinGraceNotItsTimeout()
    {
        var workflowId = _driver.StartWorkflow();
        var held = await _driver.PollWorkflowAsync("stopping-worker").WaitAsync(Promptly);
        Assert.Equal(workflowId, held.WorkflowExecution.WorkflowId);

        // The worker shuts down and never answers the task (its SDK dropped it): the next attempt comes after the
        // server's 2 s grace, well before the task's 10 s start-to-close timeout.
        Engine.ShutdownWorker(new() { Namespace = EngineDriver.Namespace, WorkerInstanceKey = "stopping-worker", TaskQueue = TaskQueue });

        var retried = await _driver.PollWorkflowAsync("next-worker").WaitAsync(TimeSpan.FromSeconds(7));
        Assert.Equal((workflowId, 2), (retried.WorkflowExecution.WorkflowId, retried.Attempt));
    }

    [Fact]
    public async Task ShutdownWorker_StickyQueuePolled_StickyPollAnswersEmpty()
    {
        var stickyQueue = Workers.NewTaskQueue();
        var sticky = _driver.PollWorkflowAsync("sticky-worker", kind: TaskQueueKind.Sticky, queue: stickyQueue);
        await _driver.WaitParkedAsync(TaskKind.Sticky, 1, stickyQueue);

        // No instance key: an SDK that only names its sticky queue still gets its sticky poll back.
        Engine.ShutdownWorker(new() { Namespace = EngineDriver.Namespace, StickyTaskQueue = stickyQueue });

        Assert.True((await sticky.WaitAsync(Promptly)).TaskToken.IsEmpty);
    }

    [Fact]
    public void DescribeNamespace_Capabilities_AdvertiseWorkerPollCompleteOnShutdown()
    {
        var description = Engine.DescribeNamespace(new() { Namespace = EngineDriver.Namespace });
        Assert.True(description.NamespaceInfo.Capabilities.WorkerPollCompleteOnShutdown);
    }
}

using Google.Protobuf.WellKnownTypes;
using RawkodeAutomation.TemporalServer.Engine;
using RawkodeAutomation.TemporalServer.Storage;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;

namespace RawkodeAutomation.TemporalServer.Tests;

/// <summary>
/// Task matching on the engine itself, poll by poll: which parked poll a task goes to when polls are cancelled
/// or their worker shuts down. The long poll is a full minute, so a task stranded on a dead poll is a timeout here.
/// </summary>
public sealed class PollMatchingTests : IDisposable
{
    private const string Namespace = "default";

    private static readonly TimeSpan Promptly = TimeSpan.FromSeconds(10);

    private readonly TemporalEngine _engine = new(new InMemoryExecutionStore(), TimeProvider.System, [], TimeSpan.FromMinutes(1));

    private readonly string _taskQueue = Workers.NewTaskQueue();

    public void Dispose() => _engine.Dispose();

    private Task<PollWorkflowTaskQueueResponse> PollWorkflowAsync(string worker, CancellationToken cancellation = default, TaskQueueKind kind = TaskQueueKind.Normal, string? queue = null) =>
        _engine.PollWorkflowTaskAsync(
            new()
            {
                Namespace = Namespace,
                TaskQueue = new TaskQueue { Name = queue ?? _taskQueue, Kind = kind },
                Identity = worker,
                WorkerInstanceKey = worker,
            },
            DateTime.MaxValue,
            cancellation);

    private Task<PollActivityTaskQueueResponse> PollActivityAsync(string worker, CancellationToken cancellation = default) =>
        _engine.PollActivityTaskAsync(
            new() { Namespace = Namespace, TaskQueue = new TaskQueue { Name = _taskQueue }, Identity = worker, WorkerInstanceKey = worker },
            DateTime.MaxValue,
            cancellation);

    private Task WaitParkedAsync(TaskKind kind, int count, string? queue = null) => Workers.WaitUntilAsync(
        () => Task.FromResult(_engine.ParkedPolls(Namespace, queue ?? _taskQueue, kind) == count),
        Promptly,
        $"{count} {kind} poll(s) parked");

    private string StartWorkflow()
    {
        var workflowId = Workers.NewId("matching");
        _engine.StartWorkflow(new()
        {
            Namespace = Namespace,
            WorkflowId = workflowId,
            WorkflowType = new WorkflowType { Name = "Matching" },
            TaskQueue = new TaskQueue { Name = _taskQueue },
            RequestId = Guid.NewGuid().ToString(),
        });
        return workflowId;
    }

    /// <summary>Starts a workflow and completes its first task with one activity, which then waits on the activity queue.</summary>
    private async Task ScheduleActivityAsync()
    {
        StartWorkflow();
        var task = await PollWorkflowAsync("scheduler").WaitAsync(Promptly);
        Assert.False(task.TaskToken.IsEmpty);
        _engine.CompleteWorkflowTask(new()
        {
            Namespace = Namespace,
            TaskToken = task.TaskToken,
            Identity = "scheduler",
            Commands =
            {
                new Command
                {
                    CommandType = CommandType.ScheduleActivityTask,
                    ScheduleActivityTaskCommandAttributes = new()
                    {
                        ActivityId = "1",
                        ActivityType = new ActivityType { Name = "Matched" },
                        StartToCloseTimeout = Duration.FromTimeSpan(TimeSpan.FromMinutes(1)),
                    },
                },
            },
        });
    }

    [Fact]
    public async Task PollWorkflowTask_ParkedPollCancelled_NextTaskGoesToLivePoll()
    {
        using var stopped = new CancellationTokenSource();
        var dead = PollWorkflowAsync("stopped-worker", stopped.Token);
        await WaitParkedAsync(TaskKind.Workflow, 1);
        var live = PollWorkflowAsync("live-worker");
        await WaitParkedAsync(TaskKind.Workflow, 2);

        await stopped.CancelAsync();
        Assert.True((await dead.WaitAsync(Promptly)).TaskToken.IsEmpty);
        await WaitParkedAsync(TaskKind.Workflow, 1);
        var workflowId = StartWorkflow();

        var task = await live.WaitAsync(Promptly);
        Assert.Equal(workflowId, task.WorkflowExecution.WorkflowId);
    }

    [Fact]
    public async Task PollActivityTask_ParkedPollCancelled_NextTaskGoesToLivePoll()
    {
        using var stopped = new CancellationTokenSource();
        var dead = PollActivityAsync("stopped-worker", stopped.Token);
        await WaitParkedAsync(TaskKind.Activity, 1);
        var live = PollActivityAsync("live-worker");
        await WaitParkedAsync(TaskKind.Activity, 2);

        await stopped.CancelAsync();
        Assert.True((await dead.WaitAsync(Promptly)).TaskToken.IsEmpty);
        await ScheduleActivityAsync();

        var task = await live.WaitAsync(Promptly);
        Assert.Equal("Matched", task.ActivityType.Name);
    }

    [Fact]
    public async Task ShutdownWorker_PollsParked_AnswersOnlyThatWorkersPollsEmptyAtOnce()
    {
        var workflowPoll = PollWorkflowAsync("stopping-worker");
        var activityPoll = PollActivityAsync("stopping-worker");
        var otherPoll = PollActivityAsync("other-worker");
        await WaitParkedAsync(TaskKind.Workflow, 1);
        await WaitParkedAsync(TaskKind.Activity, 2);

        _engine.ShutdownWorker(new() { Namespace = Namespace, WorkerInstanceKey = "stopping-worker", TaskQueue = _taskQueue });

        Assert.True((await workflowPoll.WaitAsync(Promptly)).TaskToken.IsEmpty);
        Assert.True((await activityPoll.WaitAsync(Promptly)).TaskToken.IsEmpty);
        Assert.Equal(1, _engine.ParkedPolls(Namespace, _taskQueue, TaskKind.Activity));
        await ScheduleActivityAsync();
        Assert.Equal("Matched", (await otherPoll.WaitAsync(Promptly)).ActivityType.Name);
    }

    [Fact]
    public async Task ShutdownWorker_PollFromThatWorkerArrivesLater_AnswersEmptyAndLeavesTheTask()
    {
        _engine.ShutdownWorker(new() { Namespace = Namespace, WorkerInstanceKey = "stopped-worker", TaskQueue = _taskQueue });
        var workflowId = StartWorkflow();

        Assert.True((await PollWorkflowAsync("stopped-worker").WaitAsync(Promptly)).TaskToken.IsEmpty);
        var task = await PollWorkflowAsync("next-worker").WaitAsync(Promptly);
        Assert.Equal(workflowId, task.WorkflowExecution.WorkflowId);
    }

    [Fact]
    public async Task ShutdownWorker_StickyQueuePolled_StickyPollAnswersEmpty()
    {
        var stickyQueue = Workers.NewTaskQueue();
        var sticky = PollWorkflowAsync("sticky-worker", kind: TaskQueueKind.Sticky, queue: stickyQueue);
        await WaitParkedAsync(0, 1, stickyQueue);

        // No instance key: an SDK that only names its sticky queue still gets its sticky poll back.
        _engine.ShutdownWorker(new() { Namespace = Namespace, StickyTaskQueue = stickyQueue });

        Assert.True((await sticky.WaitAsync(Promptly)).TaskToken.IsEmpty);
    }

    [Fact]
    public void DescribeNamespace_Capabilities_AdvertiseWorkerPollCompleteOnShutdown()
    {
        var description = _engine.DescribeNamespace(new() { Namespace = Namespace });
        Assert.True(description.NamespaceInfo.Capabilities.WorkerPollCompleteOnShutdown);
    }
}

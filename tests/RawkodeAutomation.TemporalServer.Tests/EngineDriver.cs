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
/// Drives a <see cref="TemporalEngine"/> directly, poll by poll, on one fresh task queue of the default
/// namespace; task polls wait a full minute, so a task stranded on a dead poll shows up as a timeout.
/// </summary>
internal sealed class EngineDriver : IDisposable
{
    public const string Namespace = "default";

    public static readonly TimeSpan Promptly = TimeSpan.FromSeconds(10);

    public TemporalEngine Engine { get; } = new(new InMemoryExecutionStore(), TimeProvider.System, [], TimeSpan.FromMinutes(1));

    public string TaskQueue { get; } = Workers.NewTaskQueue();

    public void Dispose() => Engine.Dispose();

    public Task<PollWorkflowTaskQueueResponse> PollWorkflowAsync(string worker, TaskQueueKind kind = TaskQueueKind.Normal, string? queue = null, CancellationToken cancellation = default) =>
        Engine.PollWorkflowTaskAsync(
            new()
            {
                Namespace = Namespace,
                TaskQueue = new TaskQueue { Name = queue ?? TaskQueue, Kind = kind },
                Identity = worker,
                WorkerInstanceKey = worker,
            },
            DateTime.MaxValue,
            cancellation);

    public Task<PollActivityTaskQueueResponse> PollActivityAsync(string worker, CancellationToken cancellation = default) =>
        Engine.PollActivityTaskAsync(ActivityPoll(worker), DateTime.MaxValue, cancellation);

    public PollActivityTaskQueueRequest ActivityPoll(string worker) =>
        new() { Namespace = Namespace, TaskQueue = new TaskQueue { Name = TaskQueue }, Identity = worker, WorkerInstanceKey = worker };

    public Task WaitParkedAsync(TaskKind kind, int count, string? queue = null) => Workers.WaitUntilAsync(
        () => Task.FromResult(Engine.ParkedPolls(Namespace, queue ?? TaskQueue, kind) == count),
        Promptly,
        $"{count} {kind} poll(s) parked");

    /// <summary>Signals the workflow <paramref name="workflowId"/> as a client would.</summary>
    public void Signal(string workflowId, string signalName) => Engine.Signal(new SignalWorkflowExecutionRequest
    {
        Namespace = Namespace,
        WorkflowExecution = new WorkflowExecution { WorkflowId = workflowId },
        SignalName = signalName,
        Identity = "client",
        RequestId = Guid.NewGuid().ToString(),
    });

    public string StartWorkflow()
    {
        var workflowId = Workers.NewId("engine");
        Engine.StartWorkflow(new()
        {
            Namespace = Namespace,
            WorkflowId = workflowId,
            WorkflowType = new WorkflowType { Name = "Driven" },
            TaskQueue = new TaskQueue { Name = TaskQueue },
            RequestId = Guid.NewGuid().ToString(),
        });
        return workflowId;
    }

    /// <summary>
    /// Starts a workflow and completes its first task with one activity per entry of
    /// <paramref name="startToClose"/> (ids "1", "2", ...; one attempt each), which then wait on the activity queue.
    /// </summary>
    public async Task<string> ScheduleActivitiesAsync(params TimeSpan[] startToClose)
    {
        var workflowId = StartWorkflow();
        var task = await PollWorkflowAsync("scheduler").WaitAsync(Promptly);
        Assert.False(task.TaskToken.IsEmpty);
        var completion = new RespondWorkflowTaskCompletedRequest { Namespace = Namespace, TaskToken = task.TaskToken, Identity = "scheduler" };
        for (var i = 0; i < startToClose.Length; i++)
        {
            completion.Commands.Add(new Command
            {
                CommandType = CommandType.ScheduleActivityTask,
                ScheduleActivityTaskCommandAttributes = new()
                {
                    ActivityId = $"{i + 1}",
                    ActivityType = new ActivityType { Name = "Driven" },
                    StartToCloseTimeout = Duration.FromTimeSpan(startToClose[i]),
                    RetryPolicy = new RetryPolicy { MaximumAttempts = 1 },
                },
            });
        }
        Engine.CompleteWorkflowTask(completion);
        return workflowId;
    }
}

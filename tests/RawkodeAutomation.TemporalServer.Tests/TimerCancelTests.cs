using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;

namespace RawkodeAutomation.TemporalServer.Tests;

/// <summary>A timer cancelled by a workflow task during which it fired, poll by poll on the engine.</summary>
public sealed class TimerCancelTests : IDisposable
{
    private static readonly TimeSpan Promptly = EngineDriver.Promptly;

    private readonly EngineDriver _driver = new();

    public void Dispose() => _driver.Dispose();

    [Fact]
    public async Task CancelTimer_TimerFiredWhileTheTaskRan_TimerCanceledWrittenAndTheFiredEventDropped()
    {
        // Given a workflow with a short timer running, and a workflow task (for a signal) started before it fires,
        var workflowId = _driver.StartWorkflow();
        var first = await _driver.PollWorkflowAsync("worker").WaitAsync(Promptly);
        Complete(first, new Command
        {
            CommandType = CommandType.StartTimer,
            StartTimerCommandAttributes = new() { TimerId = "1", StartToFireTimeout = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(200)) },
        });
        _driver.Signal(workflowId, "stop-waiting");
        var second = await _driver.PollWorkflowAsync("worker").WaitAsync(Promptly);
        Assert.Contains(second.History.Events, e => e.EventType == EventType.WorkflowExecutionSignaled);
        await Workers.WaitUntilAsync(
            () => Task.FromResult(_driver.Engine.BufferedEventTypes(EngineDriver.Namespace, workflowId).Contains(EventType.TimerFired)),
            Promptly, "the timer fired while the task runs");

        // when that task cancels the timer (its worker has not seen it fire) and schedules an activity,
        Complete(second,
            new Command { CommandType = CommandType.CancelTimer, CancelTimerCommandAttributes = new() { TimerId = "1" } },
            new Command
            {
                CommandType = CommandType.ScheduleActivityTask,
                ScheduleActivityTaskCommandAttributes = new()
                {
                    ActivityId = "1",
                    ActivityType = new ActivityType { Name = "Next" },
                    TaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = _driver.TaskQueue },
                    StartToCloseTimeout = Duration.FromTimeSpan(TimeSpan.FromMinutes(1)),
                },
            });

        // then the history has the cancel where the worker's commands put it, and no fired timer: a worker replaying
        // it (a restarted one, or one without the run cached) makes the same commands again.
        var history = await _driver.Engine.GetHistoryAsync(
            new GetWorkflowExecutionHistoryRequest { Namespace = EngineDriver.Namespace, Execution = new WorkflowExecution { WorkflowId = workflowId } },
            DateTime.UtcNow + Promptly, CancellationToken.None);
        var afterCompleted = history.History.Events.SkipWhile(e => e.EventId <= second.StartedEventId).Select(e => e.EventType).ToList();
        Assert.Equal([EventType.WorkflowTaskCompleted, EventType.TimerCanceled, EventType.ActivityTaskScheduled], afterCompleted);
    }

    private void Complete(PollWorkflowTaskQueueResponse task, params Command[] commands) =>
        _driver.Engine.CompleteWorkflowTask(new RespondWorkflowTaskCompletedRequest
        {
            Namespace = EngineDriver.Namespace,
            TaskToken = task.TaskToken,
            Identity = "worker",
            Commands = { commands },
        });
}

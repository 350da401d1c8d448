using Google.Protobuf.WellKnownTypes;
using RawkodeAutomation.TemporalServer.Engine;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Query.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;

namespace RawkodeAutomation.TemporalServer.Tests;

/// <summary>
/// Sticky task queues, poll by poll on the engine: a worker that completes a workflow task with sticky attributes
/// gets the run's next tasks on its own queue with only the events it has not seen, until the stickiness ends.
/// </summary>
public sealed class StickyQueueTests : IDisposable
{
    private const string Worker = "worker";

    private static readonly TimeSpan Promptly = EngineDriver.Promptly;

    private readonly EngineDriver _driver = new();

    private readonly string _sticky = Workers.NewTaskQueue() + "-sticky";

    private TemporalEngine Engine => _driver.Engine;

    public StickyQueueTests() =>
        // However slowly the machine runs the test, the sticky queue counts as polled by a live worker.
        Engine.StickyPollerUnavailableWindow = TimeSpan.FromDays(1);

    public void Dispose() => _driver.Dispose();

    private Task<PollWorkflowTaskQueueResponse> PollStickyAsync(CancellationToken cancellation = default) =>
        _driver.PollWorkflowAsync(Worker, TaskQueueKind.Sticky, _sticky, cancellation);

    /// <summary>Polls the sticky queue once and gives up at once, so the queue counts as polled but holds no poller.</summary>
    private async Task TouchStickyQueueAsync()
    {
        using var cancel = new CancellationTokenSource();
        var poll = PollStickyAsync(cancel.Token);
        await _driver.WaitParkedAsync(TaskKind.Sticky, 1, _sticky);
        await cancel.CancelAsync();
        Assert.True((await poll.WaitAsync(Promptly)).TaskToken.IsEmpty);
        await _driver.WaitParkedAsync(TaskKind.Sticky, 0, _sticky);
    }

    /// <summary>Starts a workflow and completes its first task asking for stickiness; returns the workflow id and that task.</summary>
    private async Task<(string WorkflowId, PollWorkflowTaskQueueResponse First)> StartStickyAsync(TimeSpan? scheduleToStart = null)
    {
        var workflowId = _driver.StartWorkflow();
        var first = await _driver.PollWorkflowAsync(Worker).WaitAsync(Promptly);
        await TouchStickyQueueAsync();
        Engine.CompleteWorkflowTask(Completion(first, scheduleToStart ?? TimeSpan.FromHours(1)));
        return (workflowId, first);
    }

    /// <summary>Signals the sticky run and takes the workflow task that brings the signal off the sticky queue.</summary>
    private async Task<PollWorkflowTaskQueueResponse> SignalAndTakeStickyTaskAsync(string workflowId)
    {
        var sticky = PollStickyAsync();
        Signal(workflowId);
        var task = await sticky.WaitAsync(Promptly);
        Assert.False(task.TaskToken.IsEmpty);
        return task;
    }

    /// <summary>A sticky run whose worker took one task on the sticky queue and whose next task waits there; returns its workflow id.</summary>
    private async Task<string> StickyTaskWaitingAsync()
    {
        var (workflowId, _) = await StartStickyAsync();
        Engine.CompleteWorkflowTask(Completion(await SignalAndTakeStickyTaskAsync(workflowId), TimeSpan.FromHours(1)));
        Signal(workflowId);
        return workflowId;
    }

    private RespondWorkflowTaskCompletedRequest Completion(PollWorkflowTaskQueueResponse task, TimeSpan? stickyScheduleToStart) => new()
    {
        Namespace = EngineDriver.Namespace,
        TaskToken = task.TaskToken,
        Identity = Worker,
        StickyAttributes = stickyScheduleToStart is { } timeout
            ? new StickyExecutionAttributes
            {
                WorkerTaskQueue = new TaskQueue { Name = _sticky, Kind = TaskQueueKind.Sticky, NormalName = _driver.TaskQueue },
                ScheduleToStartTimeout = Duration.FromTimeSpan(timeout),
            }
            : null,
    };

    private void Signal(string workflowId) => _driver.Signal(workflowId, "poke");

    private Task<QueryWorkflowResponse> QueryAsync(string workflowId) => Engine.QueryAsync(
        new QueryWorkflowRequest
        {
            Namespace = EngineDriver.Namespace,
            Execution = new WorkflowExecution { WorkflowId = workflowId },
            Query = new WorkflowQuery { QueryType = "state" },
        },
        DateTime.UtcNow + TimeSpan.FromMinutes(2),
        CancellationToken.None);

    private void AnswerQuery(PollWorkflowTaskQueueResponse task) => Engine.CompleteQueryTask(new RespondQueryTaskCompletedRequest
    {
        Namespace = EngineDriver.Namespace,
        TaskToken = task.TaskToken,
        CompletedType = QueryResultType.Answered,
        QueryResult = new Payloads(),
    });

    private static void AssertFullHistory(PollWorkflowTaskQueueResponse task)
    {
        Assert.False(task.TaskToken.IsEmpty);
        Assert.Equal(1, task.History.Events[0].EventId);
        Assert.Equal(task.StartedEventId, task.History.Events[^1].EventId);
    }

    [Fact]
    public async Task CompleteWithStickyAttributes_NextTaskGoesToStickyQueueWithOnlyNewEvents()
    {
        // Given a run whose first task was completed by a worker asking for stickiness,
        var (workflowId, first) = await StartStickyAsync();

        // When a signal schedules its next task,
        var sticky = PollStickyAsync();
        Signal(workflowId);

        // Then the task comes on the sticky queue, with the events since the first task started and nothing before,
        var task = await sticky.WaitAsync(Promptly);
        Assert.False(task.TaskToken.IsEmpty);
        Assert.Equal(first.StartedEventId, task.PreviousStartedEventId);
        Assert.Equal(first.StartedEventId + 1, task.History.Events[0].EventId);
        Assert.Equal(EventType.WorkflowTaskCompleted, task.History.Events[0].EventType);
        Assert.Equal(task.StartedEventId, task.History.Events[^1].EventId);
        Assert.Contains(task.History.Events, e => e.EventType == EventType.WorkflowExecutionSignaled);
        Assert.Equal(1, task.Attempt);
        Assert.Equal(_driver.TaskQueue, task.WorkflowExecutionTaskQueue.Name);

        // and its scheduled event names the sticky queue, as a real server's does.
        var scheduled = task.History.Events.Single(e => e.EventType == EventType.WorkflowTaskScheduled).WorkflowTaskScheduledEventAttributes;
        Assert.Equal(_sticky, scheduled.TaskQueue.Name);
        Assert.Equal(TaskQueueKind.Sticky, scheduled.TaskQueue.Kind);
        Assert.Equal(_driver.TaskQueue, scheduled.TaskQueue.NormalName);
    }

    [Fact]
    public async Task CompleteWithoutStickyAttributes_NextTaskGoesToNormalQueueWithFullHistory()
    {
        // Given a sticky run whose next task is completed by a worker that no longer caches it (no sticky attributes),
        var (workflowId, _) = await StartStickyAsync();
        Engine.CompleteWorkflowTask(Completion(await SignalAndTakeStickyTaskAsync(workflowId), null));

        // When another signal schedules a task,
        Signal(workflowId);

        // Then it goes to the normal queue with full history.
        AssertFullHistory(await _driver.PollWorkflowAsync(Worker).WaitAsync(Promptly));
    }

    [Fact]
    public async Task StickyTaskNotTakenInTime_TimesOutScheduleToStartAndGoesToNormalQueueWithFullHistory()
    {
        // Given a sticky run whose worker takes nothing within its sticky schedule-to-start timeout,
        var (workflowId, _) = await StartStickyAsync(TimeSpan.FromMilliseconds(200));

        // When a signal schedules its next task,
        Signal(workflowId);

        // Then the task times out on the sticky queue (schedule-to-start, no started event) and a new task, still
        // attempt 1, goes to the normal queue with full history,
        var task = await _driver.PollWorkflowAsync(Worker).WaitAsync(Promptly);
        AssertFullHistory(task);
        Assert.Equal(1, task.Attempt);
        var events = task.History.Events;
        var timedOut = events.Single(e => e.EventType == EventType.WorkflowTaskTimedOut);
        Assert.Equal(TimeoutType.ScheduleToStart, timedOut.WorkflowTaskTimedOutEventAttributes.TimeoutType);
        Assert.Equal(0, timedOut.WorkflowTaskTimedOutEventAttributes.StartedEventId);
        Assert.Equal(EventType.WorkflowTaskScheduled, events[(int)timedOut.WorkflowTaskTimedOutEventAttributes.ScheduledEventId - 1].EventType);
        var retried = events[(int)timedOut.EventId].WorkflowTaskScheduledEventAttributes;
        Assert.Equal(TaskQueueKind.Normal, retried.TaskQueue.Kind);
        Assert.Equal(_driver.TaskQueue, retried.TaskQueue.Name);
    }

    [Fact]
    public async Task StickyQueueNeverPolled_TaskGoesStraightToNormalQueue()
    {
        // Given a worker that asks for stickiness but has never polled its sticky queue (it is gone),
        var workflowId = _driver.StartWorkflow();
        var first = await _driver.PollWorkflowAsync(Worker).WaitAsync(Promptly);
        Engine.CompleteWorkflowTask(Completion(first, TimeSpan.FromHours(1)));

        // When a signal schedules the next task,
        Signal(workflowId);

        // Then it goes to the normal queue at once (no hour-long schedule-to-start wait), with full history.
        var task = await _driver.PollWorkflowAsync(Worker).WaitAsync(Promptly);
        AssertFullHistory(task);
        Assert.DoesNotContain(task.History.Events, e => e.EventType == EventType.WorkflowTaskTimedOut);
    }

    [Fact]
    public async Task FailedStickyTask_RetryGoesToNormalQueueWithFullHistory()
    {
        // Given a sticky run whose worker takes its next task on the sticky queue,
        var (workflowId, _) = await StartStickyAsync();
        var second = await SignalAndTakeStickyTaskAsync(workflowId);

        // When the worker fails it (as it does when it evicts the run from its cache),
        Engine.FailWorkflowTask(new RespondWorkflowTaskFailedRequest
        {
            Namespace = EngineDriver.Namespace,
            TaskToken = second.TaskToken,
            Identity = Worker,
            Cause = WorkflowTaskFailedCause.ResetStickyTaskQueue,
        });

        // Then the retry goes to the normal queue, with full history.
        var retry = await _driver.PollWorkflowAsync(Worker).WaitAsync(Promptly);
        AssertFullHistory(retry);
        Assert.Equal(2, retry.Attempt);
    }

    [Fact]
    public async Task ResetStickyTaskQueue_PendingTaskMovesToNormalQueueWithFullHistory()
    {
        // Given a sticky run whose worker took a task on the sticky queue, and whose next task waits there,
        var workflowId = await StickyTaskWaitingAsync();

        // When its stickiness is reset,
        Engine.ResetStickyTaskQueue(new ResetStickyTaskQueueRequest
        {
            Namespace = EngineDriver.Namespace,
            Execution = new WorkflowExecution { WorkflowId = workflowId },
        });

        // Then the task is handed out on the normal queue with full history.
        AssertFullHistory(await _driver.PollWorkflowAsync(Worker).WaitAsync(Promptly));
    }

    [Fact]
    public async Task ShutdownWorkerWithStickyQueue_PendingTaskMovesToNormalQueueWithFullHistory()
    {
        // Given a sticky run whose worker took a task on the sticky queue, and whose next task waits there,
        var workflowId = await StickyTaskWaitingAsync();

        // When the sticky worker shuts down,
        Engine.ShutdownWorker(new ShutdownWorkerRequest
        {
            Namespace = EngineDriver.Namespace,
            StickyTaskQueue = _sticky,
            Identity = Worker,
            WorkerInstanceKey = Worker,
        });

        // Then another worker gets the task on the normal queue with full history.
        AssertFullHistory(await _driver.PollWorkflowAsync("next-worker").WaitAsync(Promptly));
    }

    [Fact]
    public async Task QueryOfStickyRun_GoesToStickyQueueWithoutEvents()
    {
        // Given a sticky run with no workflow task scheduled,
        var (workflowId, first) = await StartStickyAsync();

        // When it is queried,
        var query = QueryAsync(workflowId);

        // Then the query goes to the sticky worker, which answers from its cache: no events and no started task.
        var task = await PollStickyAsync().WaitAsync(Promptly);
        Assert.Equal("state", task.Query?.QueryType);
        Assert.Empty(task.History.Events);
        Assert.Equal(0, task.StartedEventId);
        Assert.Equal(first.StartedEventId, task.PreviousStartedEventId);
        AnswerQuery(task);
        Assert.NotNull((await query.WaitAsync(Promptly)).QueryResult);
    }

    [Fact]
    public async Task QueryOfStickyRunNotTakenInTime_GoesToNormalQueueWithFullHistory()
    {
        // Given a sticky run whose worker takes nothing within its sticky schedule-to-start timeout,
        var (workflowId, first) = await StartStickyAsync(TimeSpan.FromMilliseconds(200));

        // When it is queried,
        var query = QueryAsync(workflowId);

        // Then the query goes to the normal queue, with the history a worker without the run needs to answer it.
        var task = await _driver.PollWorkflowAsync(Worker).WaitAsync(Promptly);
        Assert.Equal("state", task.Query?.QueryType);
        Assert.Equal(0, task.StartedEventId);
        Assert.Equal(1, task.History.Events[0].EventId);
        Assert.Equal(first.StartedEventId + 1, task.History.Events[^1].EventId);
        AnswerQuery(task);
        Assert.NotNull((await query.WaitAsync(Promptly)).QueryResult);
    }
}

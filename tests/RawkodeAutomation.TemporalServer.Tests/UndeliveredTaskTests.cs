using Grpc.Core;
using RawkodeAutomation.TemporalServer.Engine;
using RawkodeAutomation.TemporalServer.Grpc;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;

namespace RawkodeAutomation.TemporalServer.Tests;

/// <summary>
/// A poll took a task but its answer never reached the worker (the call was cancelled, the worker died): the
/// task comes back at once instead of waiting for its start-to-close timeout.
/// </summary>
public sealed class UndeliveredTaskTests : IDisposable
{
    private static readonly TimeSpan Promptly = EngineDriver.Promptly;

    private readonly EngineDriver _driver = new();

    private TemporalEngine Engine => _driver.Engine;

    public void Dispose() => _driver.Dispose();

    [Fact]
    public async Task ReturnUndeliveredTask_ActivityTaken_NextPollGetsSameAttemptAtOnce()
    {
        await _driver.ScheduleActivitiesAsync(TimeSpan.FromMinutes(1));
        var lost = await _driver.PollActivityAsync("lost-worker").WaitAsync(Promptly);

        Engine.ReturnUndeliveredTask(lost.TaskToken);

        var task = await _driver.PollActivityAsync("next-worker").WaitAsync(Promptly);
        Assert.Equal(("1", 1), (task.ActivityId, task.Attempt));
        Engine.CompleteActivity(new() { Namespace = EngineDriver.Namespace, TaskToken = task.TaskToken, Identity = "next-worker" });
        var history = (await _driver.PollWorkflowAsync("observer").WaitAsync(Promptly)).History.Events;
        Assert.Equal("next-worker", Assert.Single(history, e => e.EventType == EventType.ActivityTaskStarted).ActivityTaskStartedEventAttributes.Identity);
    }

    [Fact]
    public async Task ReturnUndeliveredTask_ActivityAlreadyHeartbeated_StaysWithItsWorker()
    {
        await _driver.ScheduleActivitiesAsync(TimeSpan.FromMinutes(1));
        var task = await _driver.PollActivityAsync("busy-worker").WaitAsync(Promptly);
        Engine.Heartbeat(new() { Namespace = EngineDriver.Namespace, TaskToken = task.TaskToken });

        // A heartbeat proves the worker has the task: taking it back now would run it twice.
        Engine.ReturnUndeliveredTask(task.TaskToken);

        Engine.CompleteActivity(new() { Namespace = EngineDriver.Namespace, TaskToken = task.TaskToken, Identity = "busy-worker" });
        var history = (await _driver.PollWorkflowAsync("observer").WaitAsync(Promptly)).History.Events;
        Assert.Equal("busy-worker", Assert.Single(history, e => e.EventType == EventType.ActivityTaskStarted).ActivityTaskStartedEventAttributes.Identity);
        Assert.Single(history, e => e.EventType == EventType.ActivityTaskCompleted);
    }

    [Fact]
    public async Task ReturnUndeliveredTask_WorkflowTaskTaken_NextAttemptDispatchedAtOnce()
    {
        var workflowId = _driver.StartWorkflow();
        var lost = await _driver.PollWorkflowAsync("lost-worker").WaitAsync(Promptly);

        Engine.ReturnUndeliveredTask(lost.TaskToken);

        var task = await _driver.PollWorkflowAsync("next-worker").WaitAsync(Promptly);
        Assert.Equal((workflowId, 2), (task.WorkflowExecution.WorkflowId, task.Attempt));
        Assert.Contains(task.History.Events, e => e.EventType == EventType.WorkflowTaskTimedOut);
    }

    [Fact]
    public async Task ReturnUndeliveredTask_QueryTaskTaken_NextPollAnswersTheQuery()
    {
        var workflowId = _driver.StartWorkflow();
        var first = await _driver.PollWorkflowAsync("worker").WaitAsync(Promptly);
        Engine.CompleteWorkflowTask(new() { Namespace = EngineDriver.Namespace, TaskToken = first.TaskToken, Identity = "worker" });
        var query = Engine.QueryAsync(
            new() { Namespace = EngineDriver.Namespace, Execution = new() { WorkflowId = workflowId }, Query = new() { QueryType = "state" } },
            DateTime.MaxValue,
            CancellationToken.None);
        var lost = await _driver.PollWorkflowAsync("lost-worker").WaitAsync(Promptly);
        Assert.Equal("state", lost.Query.QueryType);

        Engine.ReturnUndeliveredTask(lost.TaskToken);

        var task = await _driver.PollWorkflowAsync("next-worker").WaitAsync(Promptly);
        Assert.Equal("state", task.Query.QueryType);
        Engine.CompleteQueryTask(new()
        {
            Namespace = EngineDriver.Namespace,
            TaskToken = task.TaskToken,
            CompletedType = QueryResultType.Answered,
            QueryResult = new() { Payloads_ = { new Temporalio.Api.Common.V1.Payload { Data = Google.Protobuf.ByteString.CopyFromUtf8("ok") } } },
        });
        Assert.Equal("ok", (await query.WaitAsync(Promptly)).QueryResult.Payloads_[0].Data.ToStringUtf8());
    }

    [Fact]
    public async Task ReturnUndeliveredTask_ActivityStartedAgain_FirstStartsDeadlineDoesNotCutItShort()
    {
        // Activity 1 (4 s) is taken back at t0; activity 2 (2 s) times out at t0+2, after which activity 1 starts
        // again (its new deadline is t0+6 or later); activity 3 (5 s) times out at t0+5, after the first start's
        // deadline (t0+4). The workflow task that reports activity 3 shows whether activity 1 was cut short.
        await _driver.ScheduleActivitiesAsync(TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5));
        var first = await _driver.PollActivityAsync("lost-worker").WaitAsync(Promptly);
        Assert.Equal("1", first.ActivityId);
        await _driver.PollActivityAsync("worker").WaitAsync(Promptly);
        await _driver.PollActivityAsync("worker").WaitAsync(Promptly);
        Engine.ReturnUndeliveredTask(first.TaskToken);
        var afterActivity2 = await _driver.PollWorkflowAsync("observer").WaitAsync(Promptly);
        Engine.CompleteWorkflowTask(new() { Namespace = EngineDriver.Namespace, TaskToken = afterActivity2.TaskToken, Identity = "observer" });
        Assert.Equal("1", (await _driver.PollActivityAsync("next-worker").WaitAsync(Promptly)).ActivityId);

        var history = (await _driver.PollWorkflowAsync("observer").WaitAsync(Promptly)).History.Events;

        var scheduled = history.Where(e => e.EventType == EventType.ActivityTaskScheduled)
            .ToDictionary(e => e.EventId, e => e.ActivityTaskScheduledEventAttributes.ActivityId);
        var timedOut = history.Where(e => e.EventType == EventType.ActivityTaskTimedOut)
            .Select(e => scheduled[e.ActivityTaskTimedOutEventAttributes.ScheduledEventId]);
        Assert.Equal(["2", "3"], timedOut.Order());
    }

    [Fact]
    public async Task PollActivityTaskQueue_CallCancelledAsThePollTookTheTask_TaskGoesBackToTheQueue()
    {
        await _driver.ScheduleActivitiesAsync(TimeSpan.FromMinutes(1));
        var endpoint = new WorkflowServiceEndpoint(Engine, null!);

        var answer = await endpoint.PollActivityTaskQueue(_driver.ActivityPoll("lost-worker"), new CancelledAfterFirstLookContext()).WaitAsync(Promptly);

        Assert.True(answer.TaskToken.IsEmpty);
        var task = await _driver.PollActivityAsync("next-worker").WaitAsync(Promptly);
        Assert.Equal(("1", 1), (task.ActivityId, task.Attempt));
    }

    /// <summary>
    /// A call that is live when the poll starts (the engine takes the task) and cancelled from then on: what the
    /// server sees when a worker gives up on its poll just as the task is handed to it.
    /// </summary>
    private sealed class CancelledAfterFirstLookContext : ServerCallContext
    {
        private int _looks;

        protected override string MethodCore => "PollActivityTaskQueue";

        protected override string HostCore => "127.0.0.1";

        protected override string PeerCore => "ipv4:127.0.0.1:1";

        protected override DateTime DeadlineCore => DateTime.MaxValue;

        protected override Metadata RequestHeadersCore { get; } = [];

        protected override CancellationToken CancellationTokenCore =>
            Interlocked.Increment(ref _looks) == 1 ? CancellationToken.None : new CancellationToken(canceled: true);

        protected override Metadata ResponseTrailersCore { get; } = [];

        protected override Status StatusCore { get; set; }

        protected override WriteOptions? WriteOptionsCore { get; set; }

        protected override AuthContext AuthContextCore { get; } = new(null, []);

        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
            throw new NotSupportedException();

        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
    }
}

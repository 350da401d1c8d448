using Google.Protobuf.WellKnownTypes;
using RawkodeAutomation.TemporalServer.Engine;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Query.V1;
using Temporalio.Api.WorkflowService.V1;

namespace RawkodeAutomation.TemporalServer.Tests;

/// <summary>
/// Queries a worker answers outside a workflow task (a query that arrives while no workflow task is scheduled), poll by
/// poll on the engine.
/// </summary>
public sealed class QueryTaskTests : IDisposable
{
    private static readonly TimeSpan Promptly = EngineDriver.Promptly;

    private readonly EngineDriver _driver = new();

    private TemporalEngine Engine => _driver.Engine;

    public void Dispose() => _driver.Dispose();

    [Fact]
    public async Task PollWorkflowTask_SignalArrivesAfterQueryWentOut_QueryRidesWithTheSignalsWorkflowTask()
    {
        // Given a workflow waiting on a timer, with no workflow task scheduled, on a worker that does not cache it,
        var workflowId = _driver.StartWorkflow();
        var first = await _driver.PollWorkflowAsync("worker").WaitAsync(Promptly);
        Engine.CompleteWorkflowTask(new RespondWorkflowTaskCompletedRequest
        {
            Namespace = EngineDriver.Namespace,
            TaskToken = first.TaskToken,
            Identity = "worker",
            Commands =
            {
                new Command
                {
                    CommandType = CommandType.StartTimer,
                    StartTimerCommandAttributes = new() { TimerId = "1", StartToFireTimeout = Duration.FromTimeSpan(TimeSpan.FromHours(1)) },
                },
            },
        });
        var execution = new WorkflowExecution { WorkflowId = workflowId };

        // When a query goes out on its own and a signal schedules a workflow task before a worker takes the query,
        var query = Engine.QueryAsync(
            new QueryWorkflowRequest { Namespace = EngineDriver.Namespace, Execution = execution, Query = new WorkflowQuery { QueryType = "state" } },
            DateTime.UtcNow + TimeSpan.FromMinutes(1),
            CancellationToken.None);
        _driver.Signal(workflowId, "changed");
        var task = await _driver.PollWorkflowAsync("worker").WaitAsync(Promptly);

        // Then the query is not handed out on its own with the signal in its history (a worker, SDK core, would apply the
        // signal inside the query and lose the commands it made, and the next workflow task, replayed elsewhere, fails
        // as nondeterministic): it rides with the signal's workflow task, which the worker answers it in.
        Assert.Null(task.Query);
        Assert.NotEqual(0, task.StartedEventId);
        Assert.Contains(task.History.Events, e => e.EventType == EventType.WorkflowExecutionSignaled);
        var (queryId, ridden) = Assert.Single(task.Queries);
        Assert.Equal("state", ridden.QueryType);
        Engine.CompleteWorkflowTask(new RespondWorkflowTaskCompletedRequest
        {
            Namespace = EngineDriver.Namespace,
            TaskToken = task.TaskToken,
            Identity = "worker",
            QueryResults = { [queryId] = new WorkflowQueryResult { ResultType = QueryResultType.Answered, Answer = new Payloads() } },
        });
        Assert.NotNull((await query.WaitAsync(Promptly)).QueryResult);
    }

    [Fact]
    public async Task PollWorkflowTask_QueryOfRunNotSticky_GoesToNormalQueueWithFullHistoryAndNoStartedTask()
    {
        // Given a workflow whose first task was completed by a worker that does not cache it (no sticky attributes),
        var workflowId = _driver.StartWorkflow();
        var first = await _driver.PollWorkflowAsync("worker").WaitAsync(Promptly);
        Engine.CompleteWorkflowTask(new RespondWorkflowTaskCompletedRequest { Namespace = EngineDriver.Namespace, TaskToken = first.TaskToken, Identity = "worker" });

        // When it is queried,
        var query = Engine.QueryAsync(
            new QueryWorkflowRequest { Namespace = EngineDriver.Namespace, Execution = new WorkflowExecution { WorkflowId = workflowId }, Query = new WorkflowQuery { QueryType = "state" } },
            DateTime.UtcNow + TimeSpan.FromMinutes(1),
            CancellationToken.None);
        var queryTask = await _driver.PollWorkflowAsync("worker").WaitAsync(Promptly);

        // Then the query task carries the full history (a worker on the normal queue may not hold the run) and says no
        // workflow task was started (started event id 0), as a real server sends it.
        Assert.Equal("state", queryTask.Query?.QueryType);
        Assert.Equal(0, queryTask.StartedEventId);
        Assert.Equal(first.StartedEventId, queryTask.PreviousStartedEventId);
        Assert.Equal(1, queryTask.History.Events[0].EventId);
        Assert.Equal(EventType.WorkflowTaskCompleted, queryTask.History.Events[^1].EventType);
        Engine.CompleteQueryTask(new RespondQueryTaskCompletedRequest
        {
            Namespace = EngineDriver.Namespace,
            TaskToken = queryTask.TaskToken,
            CompletedType = QueryResultType.Answered,
            QueryResult = new Payloads(),
        });
        Assert.NotNull((await query.WaitAsync(Promptly)).QueryResult);
    }
}

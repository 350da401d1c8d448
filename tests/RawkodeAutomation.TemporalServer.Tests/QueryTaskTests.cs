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
    public async Task PollWorkflowTask_SignalArrivesAfterQueryWentOut_QueryTaskCarriesNoEventsAndNoStartedTask()
    {
        // Given a workflow waiting on a timer, with no workflow task scheduled,
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
        Engine.Signal(new SignalWorkflowExecutionRequest
        {
            Namespace = EngineDriver.Namespace,
            WorkflowExecution = execution,
            SignalName = "changed",
            Identity = "client",
            RequestId = Guid.NewGuid().ToString(),
        });
        var queryTask = await _driver.PollWorkflowAsync("worker").WaitAsync(Promptly);

        // Then the query task says no workflow task was started (started event id 0) and carries no events, as a real
        // server sends a query to a sticky worker: a worker (SDK core) given the signal would apply it inside the query
        // and lose the commands it made, and the next workflow task, replayed elsewhere, fails as nondeterministic.
        Assert.Equal("state", queryTask.Query?.QueryType);
        Assert.Equal(0, queryTask.StartedEventId);
        Assert.Equal(first.StartedEventId, queryTask.PreviousStartedEventId);
        Assert.Empty(queryTask.History.Events);
        Engine.CompleteQueryTask(new RespondQueryTaskCompletedRequest
        {
            Namespace = EngineDriver.Namespace,
            TaskToken = queryTask.TaskToken,
            CompletedType = QueryResultType.Answered,
            QueryResult = new Payloads(),
        });
        Assert.NotNull((await query.WaitAsync(Promptly)).QueryResult);

        // and the signal's workflow task comes next, with the signal in its history.
        var next = await _driver.PollWorkflowAsync("worker").WaitAsync(Promptly);
        Assert.Null(next.Query);
        Assert.Contains(next.History.Events, e => e.EventType == EventType.WorkflowExecutionSignaled);
        Assert.NotEqual(0, next.StartedEventId);
    }
}

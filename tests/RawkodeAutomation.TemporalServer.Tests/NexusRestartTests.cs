using Grpc.Core;
using RawkodeAutomation.TemporalServer.Engine;
using RawkodeAutomation.TemporalServer.Storage;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;

namespace RawkodeAutomation.TemporalServer.Tests;

/// <summary>A Nexus operation pending when the server stops carries on after a restart on the same database.</summary>
public sealed class NexusRestartTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rawkode-nexus-").FullName;
    private readonly string _workflowQueue = Workers.NewTaskQueue();
    private readonly string _nexusQueue = Workers.NewTaskQueue();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private TemporalEngine Open() =>
        new(new SqliteExecutionStore(Path.Combine(_directory, "temporal.db")), TimeProvider.System, [], TimeSpan.FromMinutes(1));

    private Task<PollNexusTaskQueueResponse> PollNexusAsync(TemporalEngine engine) =>
        engine.PollNexusTaskAsync(
            new() { Namespace = EngineDriver.Namespace, TaskQueue = new TaskQueue { Name = _nexusQueue }, Identity = "handler" },
            DateTime.MaxValue,
            CancellationToken.None);

    [Fact]
    public async Task Restart_NexusStartRequestWithAWorker_IsSentAgainAndItsAnswerCompletesTheOperation()
    {
        var execution = new WorkflowExecution { WorkflowId = Workers.NewId("nexus-restart") };
        PollNexusTaskQueueResponse before;
        using (var first = Open())
        {
            first.CreateNexusEndpoint(new()
            {
                Spec = new() { Name = "greetings", Target = new() { Worker = new() { Namespace = EngineDriver.Namespace, TaskQueue = _nexusQueue } } },
            });
            first.StartWorkflow(new()
            {
                Namespace = EngineDriver.Namespace,
                WorkflowId = execution.WorkflowId,
                WorkflowType = new WorkflowType { Name = "Caller" },
                TaskQueue = new TaskQueue { Name = _workflowQueue },
                RequestId = Guid.NewGuid().ToString(),
            });
            var task = await first.PollWorkflowTaskAsync(
                new() { Namespace = EngineDriver.Namespace, TaskQueue = new TaskQueue { Name = _workflowQueue }, Identity = "caller" },
                DateTime.MaxValue,
                CancellationToken.None).WaitAsync(EngineDriver.Promptly);
            var completion = new RespondWorkflowTaskCompletedRequest { Namespace = EngineDriver.Namespace, TaskToken = task.TaskToken, Identity = "caller" };
            completion.Commands.Add(new Command
            {
                CommandType = CommandType.ScheduleNexusOperation,
                ScheduleNexusOperationCommandAttributes = new() { Endpoint = "greetings", Service = "greeter", Operation = "hello" },
            });
            first.CompleteWorkflowTask(completion);
            before = await PollNexusAsync(first).WaitAsync(EngineDriver.Promptly);
        }

        using var second = Open();
        var after = await PollNexusAsync(second).WaitAsync(EngineDriver.Promptly);

        Assert.Equal(before.Request.StartOperation.RequestId, after.Request.StartOperation.RequestId);
        Assert.Equal("hello", after.Request.StartOperation.Operation);
        var answer = new Temporalio.Api.Nexus.V1.Response
        {
            StartOperation = new() { SyncSuccess = new() { Payload = new Payload { Data = Google.Protobuf.ByteString.CopyFromUtf8("\"hi\"") } } },
        };
        var stale = Assert.Throws<RpcException>(() => second.CompleteNexusTask(new() { Namespace = EngineDriver.Namespace, TaskToken = before.TaskToken, Response = answer }));
        Assert.Equal(StatusCode.NotFound, stale.StatusCode);
        second.CompleteNexusTask(new() { Namespace = EngineDriver.Namespace, TaskToken = after.TaskToken, Response = answer });
        var events = second.GetHistoryReverse(new() { Namespace = EngineDriver.Namespace, Execution = execution, MaximumPageSize = 1000 }).History.Events;
        var completed = Assert.Single(events, e => e.EventType == EventType.NexusOperationCompleted);
        Assert.Equal("\"hi\"", completed.NexusOperationCompletedEventAttributes.Result.Data.ToStringUtf8());
    }
}

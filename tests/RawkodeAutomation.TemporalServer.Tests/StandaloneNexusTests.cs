using RawkodeAutomation.TemporalServer.Tests.Workflows;
using RawkodeAutomation.Testing;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;

namespace RawkodeAutomation.TemporalServer.Tests;

/// <summary>
/// Standalone Nexus operations: started by a client (the SDK's <c>CreateNexusClient</c>), not by a workflow, and
/// served by a worker of the same SDK (sdk-dotnet's <c>TemporalClientNexusOperationTests</c> found them missing).
/// </summary>
[Collection(ServerCollection.Name)]
public class StandaloneNexusTests(ServerFixture fixture)
{
    private ITemporalClient Client => fixture.Environment.Client;

    private async Task WithEndpointAsync(Func<NexusClient<IGreetingNexusService>, string, Task> body)
    {
        var taskQueue = Workers.NewTaskQueue();
        var endpoint = await fixture.Environment.CreateNexusEndpointAsync($"endpoint-{taskQueue}", taskQueue);
        using var worker = new TemporalWorker(Client, new TemporalWorkerOptions(taskQueue)
            .AddNexusService(new GreetingNexusService())
            .AddWorkflow<NexusHandlerWorkflow>());
        try
        {
            await worker.ExecuteAsync(() => body(Client.CreateNexusClient<IGreetingNexusService>(endpoint.Spec.Name), endpoint.Spec.Name));
        }
        finally
        {
            await fixture.Environment.DeleteNexusEndpointAsync(endpoint);
        }
    }

    private static NexusOperationOptions Options() => new(Workers.NewId("standalone-op")) { ScheduleToCloseTimeout = TimeSpan.FromMinutes(1) };

    [Fact]
    public async Task ExecuteNexusOperationAsync_SyncHandler_ResultDescribedListedAndCounted()
    {
        await WithEndpointAsync(async (nexus, endpoint) =>
        {
            var options = Options();
            options.Summary = "greeting";
            var handle = await nexus.StartNexusOperationAsync(svc => svc.SayHello("Rawkode"), options);

            Assert.Equal("Hello, Rawkode", await handle.GetResultAsync());
            var described = await handle.DescribeAsync();
            Assert.Equal(NexusOperationExecutionStatus.Completed, described.Status);
            Assert.Equal("greeting", await described.GetStaticSummaryAsync());
            var listed = new List<NexusOperationExecution>();
            await foreach (var operation in Client.ListNexusOperationsAsync($"Endpoint = '{endpoint}'"))
            {
                listed.Add(operation);
            }
            Assert.Equal(handle.Id, Assert.Single(listed).OperationId);
            Assert.Equal(1, (await Client.CountNexusOperationsAsync($"Endpoint = '{endpoint}'")).Count);
            // The operation's record is no workflow.
            Assert.Equal(0, (await Client.CountWorkflowsAsync($"WorkflowId = '{handle.Id}'")).Count);
        });
    }

    [Fact]
    public async Task StartNexusOperationAsync_WorkflowRunHandler_CompletesWithTheWorkflowWhichLinksBack()
    {
        await WithEndpointAsync(async (nexus, _) =>
        {
            var handle = await nexus.StartNexusOperationAsync(svc => svc.SayHelloFromWorkflow("Rawkode"), Options());

            Assert.Equal("Hello from a workflow, Rawkode", await handle.GetResultAsync());
            var described = await Client.WorkflowService.DescribeNexusOperationExecutionAsync(new()
            {
                Namespace = Client.Options.Namespace,
                OperationId = handle.Id,
                RunId = handle.RunId,
            });
            var link = Assert.Single(described.Info.Links).WorkflowEvent;
            var started = (await Client.GetWorkflowHandle(link.WorkflowId).FetchHistoryAsync()).Events.First().WorkflowExecutionStartedEventAttributes;
            var backlink = Assert.Single(Assert.Single(started.CompletionCallbacks).Links).NexusOperation;
            Assert.Equal((handle.Id, handle.RunId), (backlink.OperationId, backlink.RunId));
        });
    }

    [Fact]
    public async Task CancelAsync_WorkflowRunHandler_HandlerWorkflowCancelledAndOperationCanceled()
    {
        await WithEndpointAsync(async (nexus, _) =>
        {
            var handle = await nexus.StartNexusOperationAsync(svc => svc.WaitForever("Rawkode"), Options());
            await Eventually.ThatAsync(
                async () => (await handle.DescribeAsync()).State == PendingNexusOperationState.Started,
                "operation started");

            await handle.CancelAsync();

            await Assert.ThrowsAsync<NexusOperationFailedException>(() => handle.GetResultAsync());
            Assert.Equal(NexusOperationExecutionStatus.Canceled, (await handle.DescribeAsync()).Status);
        });
    }

    [Fact]
    public async Task StartNexusOperationAsync_SameIdWhileRunning_AlreadyStartedUntilTerminated()
    {
        await WithEndpointAsync(async (nexus, _) =>
        {
            var options = Options();
            var handle = await nexus.StartNexusOperationAsync(svc => svc.WaitForever("Rawkode"), options);

            var duplicate = await Assert.ThrowsAsync<NexusOperationAlreadyStartedException>(() => nexus.StartNexusOperationAsync(svc => svc.WaitForever("again"), options));
            Assert.Equal(handle.RunId, duplicate.RunId);
            await handle.TerminateAsync();
            var described = await handle.DescribeAsync();
            Assert.Equal(NexusOperationExecutionStatus.Terminated, described.Status);
            Assert.NotNull(described.CloseTime);
        });
    }
}

using NexusRpc;
using NexusRpc.Handlers;
using RawkodeAutomation.TemporalServer.Tests.Workflows;
using RawkodeAutomation.Testing;
using Temporalio.Activities;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Nexus;
using Temporalio.Worker;

namespace RawkodeAutomation.TemporalServer.Tests;

/// <summary>The service the Nexus tests call from a workflow.</summary>
[NexusService]
public interface IGreetingNexusService
{
    [NexusOperation]
    string SayHello(string name);

    [NexusOperation]
    string SayHelloFromWorkflow(string name);

    [NexusOperation]
    string Refuse(string name);

    [NexusOperation]
    string WaitForever(string name);

    /// <summary>Backed by an update of <see cref="NexusUpdateTargetWorkflow"/> (the input is its workflow id).</summary>
    [NexusOperation]
    string GreetByUpdate(string workflowId);

    /// <summary>Backed by a standalone activity (<see cref="GreetingActivities.GreetAsync"/>).</summary>
    [NexusOperation]
    string GreetByActivity(string name);
}

/// <summary>The activity behind the activity-backed operation.</summary>
public static class GreetingActivities
{
    [Activity]
    public static Task<string> GreetAsync(string name) => Task.FromResult($"Hello from an activity, {name}");
}

[NexusServiceHandler(typeof(IGreetingNexusService))]
public class GreetingNexusService
{
    [NexusOperationHandler]
    public IOperationHandler<string, string> SayHello() =>
        OperationHandler.Sync<string, string>((_, name) => $"Hello, {name}");

    [NexusOperationHandler]
    public IOperationHandler<string, string> SayHelloFromWorkflow() =>
        WorkflowRunOperationHandler.FromHandleFactory((WorkflowRunOperationContext context, string name) =>
            context.StartWorkflowAsync((NexusHandlerWorkflow wf) => wf.RunAsync(name), new() { Id = Workers.NewId("nexus-handler") }));

    [NexusOperationHandler]
    public IOperationHandler<string, string> Refuse() =>
        OperationHandler.Sync<string, string>((_, name) => Refusal(name));

    private static string Refusal(string name) => throw new HandlerException(HandlerErrorType.BadRequest, $"no greeting for {name}");

    [NexusOperationHandler]
    public IOperationHandler<string, string> WaitForever() =>
        WorkflowRunOperationHandler.FromHandleFactory((WorkflowRunOperationContext context, string _) =>
            context.StartWorkflowAsync((NexusHandlerWorkflow wf) => wf.RunAsync("forever"), new() { Id = Workers.NewId("nexus-forever") }));

    [NexusOperationHandler]
    public IOperationHandler<string, string> GreetByUpdate() =>
        TemporalOperationHandler.FromHandleFactory<string, string>((_, client, workflowId) =>
            client.StartWorkflowUpdateAsync<NexusUpdateTargetWorkflow, string>(
                workflowId, wf => wf.GreetAsync("Rawkode"), new(WorkflowUpdateStage.Accepted)));

    [NexusOperationHandler]
    public IOperationHandler<string, string> GreetByActivity() =>
        TemporalOperationHandler.FromHandleFactory<string, string>((_, client, name) =>
            client.StartActivityAsync(() => GreetingActivities.GreetAsync(name), new() { Id = Workers.NewId("nexus-activity"), ScheduleToCloseTimeout = TimeSpan.FromMinutes(1) }));
}

/// <summary>
/// Nexus operations called from a workflow, through an endpoint created with the SDK's
/// <c>WorkflowEnvironment.CreateNexusEndpointAsync</c> and served by a worker of the same SDK.
/// </summary>
[Collection(ServerCollection.Name)]
public class NexusTests(ServerFixture fixture)
{
    private ITemporalClient Client => fixture.Environment.Client;

    private async Task<T> WithEndpointAsync<T>(Func<string, string, Task<T>> body)
    {
        var taskQueue = Workers.NewTaskQueue();
        var endpoint = await fixture.Environment.CreateNexusEndpointAsync($"endpoint-{taskQueue}", taskQueue);
        using var worker = new TemporalWorker(Client, new TemporalWorkerOptions(taskQueue)
            .AddNexusService(new GreetingNexusService())
            .AddWorkflow<NexusCallerWorkflow>()
            .AddWorkflow<NexusCancellingCallerWorkflow>()
            .AddWorkflow<NexusHandlerWorkflow>()
            .AddWorkflow<NexusUpdateTargetWorkflow>()
            .AddActivity(GreetingActivities.GreetAsync));
        try
        {
            return await worker.ExecuteAsync(() => body(endpoint.Spec.Name, taskQueue));
        }
        finally
        {
            await fixture.Environment.DeleteNexusEndpointAsync(endpoint);
        }
    }

    private Task<WorkflowHandle<NexusCallerWorkflow, string>> StartCallerAsync(string endpoint, string taskQueue, string operation, string name = "Rawkode") =>
        Client.StartWorkflowAsync((NexusCallerWorkflow wf) => wf.RunAsync(new(endpoint, operation, name)), new(Workers.NewId("nexus-caller"), taskQueue));

    [Fact]
    public async Task NexusOperation_SyncHandler_CallerGetsTheResult()
    {
        var result = await WithEndpointAsync(async (endpoint, taskQueue) =>
            await (await StartCallerAsync(endpoint, taskQueue, "sync")).GetResultAsync());

        Assert.Equal("Hello, Rawkode", result);
    }

    [Fact]
    public async Task NexusOperation_WorkflowRunHandler_CompletesWhenTheHandlerWorkflowDoes()
    {
        var (result, events) = await WithEndpointAsync(async (endpoint, taskQueue) =>
        {
            var handle = await StartCallerAsync(endpoint, taskQueue, "workflow");
            var result = await handle.GetResultAsync();
            return (result, (await handle.FetchHistoryAsync()).Events.ToList());
        });

        Assert.Equal("Hello from a workflow, Rawkode", result);
        var types = events.Select(e => e.EventType).ToList();
        Assert.True(
            types.IndexOf(EventType.NexusOperationScheduled) < types.IndexOf(EventType.NexusOperationStarted)
            && types.IndexOf(EventType.NexusOperationStarted) < types.IndexOf(EventType.NexusOperationCompleted),
            $"history: {string.Join(", ", types)}");
        // The handler's workflow is linked once, from the started event (sdk-dotnet counts one link per operation).
        var linked = Assert.Single(events, e => e.Links.Count > 0);
        Assert.Equal(EventType.NexusOperationStarted, linked.EventType);
        Assert.StartsWith("nexus-handler", Assert.Single(linked.Links).WorkflowEvent.WorkflowId);
    }

    [Fact]
    public async Task NexusOperation_UpdateBackedHandler_CompletesWhenTheAcceptedUpdateDoes()
    {
        var result = await WithEndpointAsync(async (endpoint, taskQueue) =>
        {
            var target = await Client.StartWorkflowAsync((NexusUpdateTargetWorkflow wf) => wf.RunAsync(), new(Workers.NewId("nexus-update-target"), taskQueue));
            var caller = await StartCallerAsync(endpoint, taskQueue, "update", target.Id);
            await Eventually.ThatAsync(
                async () => (await target.FetchHistoryAsync()).Events.Any(e => e.WorkflowExecutionUpdateAcceptedEventAttributes is not null),
                "the update accepted");

            // The update completes only now, after the handler answered that the operation started.
            await target.SignalAsync(wf => wf.ReleaseAsync());
            var result = await caller.GetResultAsync().WaitAsync(EngineDriver.Promptly * 3);
            await target.TerminateAsync();
            return result;
        });

        Assert.Equal("Hello from an update, Rawkode", result);
    }

    [Fact]
    public async Task NexusOperation_ActivityBackedHandler_CompletesWithTheStandaloneActivity()
    {
        var result = await WithEndpointAsync(async (endpoint, taskQueue) =>
            await (await StartCallerAsync(endpoint, taskQueue, "activity")).GetResultAsync().WaitAsync(EngineDriver.Promptly * 3));

        Assert.Equal("Hello from an activity, Rawkode", result);
    }

    [Fact]
    public async Task NexusOperation_HandlerBadRequest_FailsTheCallerWithTheHandlerError()
    {
        var error = await WithEndpointAsync(async (endpoint, taskQueue) =>
            await Assert.ThrowsAsync<WorkflowFailedException>(async () => await (await StartCallerAsync(endpoint, taskQueue, "refuse")).GetResultAsync()));

        var operation = Assert.IsType<NexusOperationFailureException>(error.InnerException);
        var handler = Assert.IsType<HandlerException>(operation.InnerException);
        Assert.Equal(HandlerErrorType.BadRequest, handler.ErrorType);
        Assert.Equal("no greeting for Rawkode", handler.Message);
    }

    [Fact]
    public async Task NexusOperation_CancelledByCaller_HandlerWorkflowIsCancelledAndCallerSeesIt()
    {
        var (result, handlerStatus) = await WithEndpointAsync(async (endpoint, taskQueue) =>
        {
            var handle = await Client.StartWorkflowAsync((NexusCancellingCallerWorkflow wf) => wf.RunAsync(endpoint), new(Workers.NewId("nexus-canceller"), taskQueue));
            var result = await handle.GetResultAsync();
            var started = (await handle.FetchHistoryAsync()).Events.Single(e => e.NexusOperationStartedEventAttributes is not null);
            var handlerId = started.Links.Single().WorkflowEvent.WorkflowId;
            return (result, (await Client.GetWorkflowHandle(handlerId).DescribeAsync()).Status);
        });

        Assert.Equal("canceled", result);
        Assert.Equal(WorkflowExecutionStatus.Canceled, handlerStatus);
    }
}

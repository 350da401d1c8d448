using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace RawkodeAutomation.TemporalServer.Tests.Workflows;

/// <summary>Calls <see cref="IGreetingNexusService"/> through the endpoint it is given.</summary>
[Workflow]
public class NexusCallerWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync(NexusCall call)
    {
        var client = Workflow.CreateNexusWorkflowClient<IGreetingNexusService>(call.Endpoint);
        return call.Operation switch
        {
            "sync" => client.ExecuteNexusOperationAsync(svc => svc.SayHello(call.Name)),
            "workflow" => client.ExecuteNexusOperationAsync(svc => svc.SayHelloFromWorkflow(call.Name)),
            "update" => client.ExecuteNexusOperationAsync(svc => svc.GreetByUpdate(call.Name)),
            "activity" => client.ExecuteNexusOperationAsync(svc => svc.GreetByActivity(call.Name)),
            _ => client.ExecuteNexusOperationAsync(svc => svc.Refuse(call.Name)),
        };
    }
}

/// <summary>Starts the workflow-backed operation, waits until it has started, then cancels it.</summary>
[Workflow]
public class NexusCancellingCallerWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string endpoint)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Workflow.CancellationToken);
        var handle = await Workflow.CreateNexusWorkflowClient<IGreetingNexusService>(endpoint)
            .StartNexusOperationAsync(svc => svc.WaitForever("caller"), new() { CancellationToken = cancel.Token });
        cancel.Cancel();
        try
        {
            return await handle.GetResultAsync();
        }
        catch (NexusOperationFailureException ex) when (ex.InnerException is CanceledFailureException)
        {
            return "canceled";
        }
    }
}

/// <summary>The workflow behind the workflow-backed operations.</summary>
[Workflow]
public class NexusHandlerWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string name)
    {
        if (name == "forever")
        {
            await Workflow.WaitConditionAsync(() => false);
        }
        return $"Hello from a workflow, {name}";
    }
}

/// <summary>The workflow whose update backs an operation: the update completes once the workflow is released.</summary>
[Workflow]
public class NexusUpdateTargetWorkflow
{
    private bool _released;

    [WorkflowRun]
    public Task RunAsync() => Workflow.WaitConditionAsync(() => false);

    [WorkflowSignal]
    public Task ReleaseAsync()
    {
        _released = true;
        return Task.CompletedTask;
    }

    [WorkflowUpdate]
    public async Task<string> GreetAsync(string name)
    {
        await Workflow.WaitConditionAsync(() => _released);
        return $"Hello from an update, {name}";
    }
}

/// <summary>What the caller asks of the Nexus service.</summary>
public record NexusCall(string Endpoint, string Operation, string Name);

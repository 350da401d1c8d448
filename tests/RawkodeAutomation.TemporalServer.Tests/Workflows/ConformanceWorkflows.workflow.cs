using Temporalio.Activities;
using Temporalio.Workflows;

namespace RawkodeAutomation.TemporalServer.Tests.Workflows;

public record GreetInput(string Name);

public static class GreetActivities
{
    [Activity]
    public static string Greet(string name) => $"Hello, {name}!";
}

[Workflow]
public class GreetWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string name) =>
        await Workflow.ExecuteActivityAsync(() => GreetActivities.Greet(name), new() { StartToCloseTimeout = TimeSpan.FromSeconds(10) });
}

using Temporalio.Activities;
using Temporalio.Workflows;

namespace RawkodeAutomation.Bench;

/// <summary>The benchmark's unit of work: one workflow that runs one activity and returns its result.</summary>
[Workflow("RawkodeServerBench")]
public class BenchWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string input) =>
        await Workflow.ExecuteActivityAsync(() => BenchActivities.Echo(input), new() { StartToCloseTimeout = TimeSpan.FromSeconds(30) });
}

/// <summary>Activities of <see cref="BenchWorkflow"/>.</summary>
public static class BenchActivities
{
    [Activity("RawkodeServerBenchEcho")]
    public static string Echo(string input) => input;
}

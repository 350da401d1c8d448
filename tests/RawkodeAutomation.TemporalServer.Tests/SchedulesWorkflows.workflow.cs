using Temporalio.Converters;
using Temporalio.Workflows;

namespace RawkodeAutomation.TemporalServer.Tests;

/// <summary>Counts its scheduled runs through the last completion result the schedule hands each run.</summary>
[Workflow]
public class CountingWorkflow
{
    [WorkflowRun]
    public Task<int> RunAsync()
    {
        var last = Workflow.Info.LastResult;
        var previous = last is { Count: > 0 } ? Workflow.PayloadConverter.ToValue<int>(last.First().Payload) : 0;
        return Task.FromResult(previous + 1);
    }
}

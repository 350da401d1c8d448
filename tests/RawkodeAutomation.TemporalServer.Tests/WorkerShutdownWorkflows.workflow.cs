using System.Collections.Concurrent;
using Temporalio.Activities;
using Temporalio.Workflows;

namespace RawkodeAutomation.TemporalServer.Tests;

public static class ChainActivities
{
    /// <summary>Steps run per workflow id, so a test can stop a worker part-way through a chain.</summary>
    public static ConcurrentDictionary<string, int> Steps { get; } = new();

    [Activity]
    public static int Step(int step)
    {
        Steps.AddOrUpdate(ActivityExecutionContext.Current.Info.WorkflowId ?? "", 1, (_, n) => n + 1);
        return step;
    }
}

/// <summary>
/// Runs its steps one activity after another, each once the test releases it. A step must be picked up within a
/// short schedule-to-start timeout, so an activity task stranded on a worker that stopped fails the workflow.
/// </summary>
[Workflow]
public class ChainWorkflow
{
    private int _released;

    [WorkflowRun]
    public async Task<int> RunAsync(int steps)
    {
        var sum = 0;
        for (var step = 1; step <= steps; step++)
        {
            var current = step;
            await Workflow.WaitConditionAsync(() => _released >= current);
            sum += await Workflow.ExecuteActivityAsync(
                () => ChainActivities.Step(current),
                new() { ScheduleToStartTimeout = TimeSpan.FromSeconds(10), StartToCloseTimeout = TimeSpan.FromSeconds(30) });
        }
        return sum;
    }

    [WorkflowSignal]
    public Task ReleaseAsync(int steps)
    {
        _released += steps;
        return Task.CompletedTask;
    }
}

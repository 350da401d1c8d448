using System.Collections.Concurrent;
using Temporalio.Activities;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace RawkodeAutomation.TemporalServer.Tests.TimeSkipping;

/// <summary>What a workflow saw of its own clock: when it started and when it finished.</summary>
public record ObservedTime(DateTime Started, DateTime Finished, int Attempts = 0)
{
    public TimeSpan Elapsed => Finished - Started;
}

/// <summary>Sleeps for a number of days and reports how much workflow time passed.</summary>
[Workflow]
public class SleepyWorkflow
{
    [WorkflowRun]
    public async Task<ObservedTime> RunAsync(double days)
    {
        var started = Workflow.UtcNow;
        await Workflow.DelayAsync(TimeSpan.FromDays(days));
        return new ObservedTime(started, Workflow.UtcNow);
    }
}

public static class FlakyOnceActivities
{
    /// <summary>Attempts seen per key.</summary>
    public static ConcurrentDictionary<string, int> Attempts { get; } = new();

    /// <summary>Fails its first attempt, then succeeds, returning the attempt number.</summary>
    [Activity]
    public static int FailOnce(string key)
    {
        var attempt = Attempts.AddOrUpdate(key, 1, (_, n) => n + 1);
        return attempt == 1 ? throw new ApplicationFailureException("first attempt fails", "Transient") : attempt;
    }
}

/// <summary>Runs an activity whose retry policy waits one day before the second attempt.</summary>
[Workflow]
public class DayBackoffWorkflow
{
    [WorkflowRun]
    public async Task<ObservedTime> RunAsync(string key)
    {
        var started = Workflow.UtcNow;
        var attempts = await Workflow.ExecuteActivityAsync(
            () => FlakyOnceActivities.FailOnce(key),
            new()
            {
                StartToCloseTimeout = TimeSpan.FromSeconds(30),
                RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromDays(1), BackoffCoefficient = 2, MaximumAttempts = 3 },
            });
        return new ObservedTime(started, Workflow.UtcNow, attempts);
    }
}

/// <summary>Waits for a signal or one hour, whichever comes first.</summary>
[Workflow]
public class SignalOrTimerWorkflow
{
    private bool _signalled;

    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        var started = Workflow.UtcNow;
        var signalled = await Workflow.WaitConditionAsync(() => _signalled, TimeSpan.FromHours(1));
        return $"{(signalled ? "signal" : "timer")} after {(Workflow.UtcNow - started).TotalMinutes:F0} min";
    }

    [WorkflowSignal]
    public Task PokeAsync()
    {
        _signalled = true;
        return Task.CompletedTask;
    }
}

/// <summary>Returns its own start time at once; what a schedule starts.</summary>
[Workflow]
public class StampWorkflow
{
    [WorkflowRun]
    public Task<DateTime> RunAsync() => Task.FromResult(Workflow.UtcNow);
}

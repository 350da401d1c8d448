using System.Collections.Concurrent;
using Temporalio.Activities;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace RawkodeAutomation.TemporalServer.Tests.Workflows;

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

/// <summary>Greets a name of <c>size</c> characters, made inside the workflow so only the activity input is that large.</summary>
[Workflow]
public class LargeGreetingWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(int size) =>
        await Workflow.ExecuteActivityAsync(() => GreetActivities.Greet(new string('x', size)), new() { StartToCloseTimeout = TimeSpan.FromSeconds(10) });
}

/// <summary>How a probe activity behaves on each attempt.</summary>
public record ProbeBehaviour(string Key, int FailAttempts = 0, string ErrorType = "Transient", bool NonRetryable = false, int SleepMs = 0, bool Heartbeat = false);

/// <summary>How the workflow schedules the probe activity.</summary>
public record ProbeScenario(
    ProbeBehaviour Behaviour,
    int MaximumAttempts = 0,
    double StartToCloseSeconds = 10,
    double? HeartbeatSeconds = null,
    double? ScheduleToCloseSeconds = null,
    double? ScheduleToStartSeconds = null,
    string? TaskQueue = null,
    string[]? NonRetryableErrorTypes = null,
    double? CancelAfterSeconds = null);

public static class ProbeActivities
{
    /// <summary>Attempts seen per key, and the heartbeat details each attempt started with.</summary>
    public static ConcurrentDictionary<string, ConcurrentQueue<string>> Log { get; } = new();

    [Activity]
    public static async Task<string> ProbeAsync(ProbeBehaviour behaviour)
    {
        var context = ActivityExecutionContext.Current;
        var attempt = context.Info.Attempt;
        var previous = context.Info.HeartbeatDetails.Count > 0 ? await context.Info.HeartbeatDetailAtAsync<string>(0) : "none";
        Log.GetOrAdd(behaviour.Key, _ => new()).Enqueue($"attempt={attempt} details={previous}");
        if (behaviour.Heartbeat)
        {
            context.Heartbeat($"progress-{attempt}");
        }
        if (attempt <= behaviour.FailAttempts)
        {
            throw new ApplicationFailureException($"attempt {attempt} failed", errorType: behaviour.ErrorType, nonRetryable: behaviour.NonRetryable);
        }
        var slept = 0;
        while (slept < behaviour.SleepMs)
        {
            await Task.Delay(50, context.CancellationToken);
            slept += 50;
            if (behaviour.Heartbeat)
            {
                context.Heartbeat($"progress-{attempt}");
            }
        }
        return $"ok attempt={attempt} details={previous}";
    }
}

/// <summary>
/// An activity that heartbeats until it is interrupted (paused, reset, cancelled). Caught, it returns how it was
/// interrupted; otherwise its attempt ends cancelled, and the next attempt returns at once with what it started with.
/// </summary>
public static class InterruptibleActivities
{
    private static readonly ConcurrentDictionary<string, bool> Interrupted = new();

    [Activity]
    public static async Task<string> RunUntilInterruptedAsync(string key, bool catchInterruption)
    {
        var context = ActivityExecutionContext.Current;
        var attempt = context.Info.Attempt;
        var details = context.Info.HeartbeatDetails.Count > 0 ? await context.Info.HeartbeatDetailAtAsync<string>(0) : "none";
        if (Interrupted.ContainsKey(key))
        {
            return $"attempt={attempt} resumed details={details}";
        }
        while (!context.CancellationToken.IsCancellationRequested)
        {
            context.Heartbeat($"beat-{attempt}");
            await Task.WhenAny(Task.Delay(100, context.CancellationToken));
        }
        if (catchInterruption)
        {
            return $"{context.CancelReason} paused={context.CancellationDetails?.IsPaused} reset={context.CancellationDetails?.IsReset} attempt={attempt}";
        }
        Interrupted[key] = true;
        context.CancellationToken.ThrowIfCancellationRequested();
        return "unreachable";
    }
}

/// <summary>
/// Runs <see cref="InterruptibleActivities.RunUntilInterruptedAsync"/> and returns its result; one attempt only, so
/// only a pause or a reset can give it another.
/// </summary>
[Workflow]
public class InterruptibleWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync(string key, bool catchInterruption) =>
        Workflow.ExecuteActivityAsync(
            () => InterruptibleActivities.RunUntilInterruptedAsync(key, catchInterruption),
            new()
            {
                StartToCloseTimeout = TimeSpan.FromMinutes(5),
                HeartbeatTimeout = TimeSpan.FromSeconds(5),
                RetryPolicy = new() { MaximumAttempts = 1 },
            });
}

[Workflow]
public class ProbeWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(ProbeScenario scenario)
    {
        static TimeSpan? Seconds(double? s) => s is { } v ? TimeSpan.FromSeconds(v) : null;
        using var cancel = new CancellationTokenSource();
        var options = new ActivityOptions
        {
            StartToCloseTimeout = TimeSpan.FromSeconds(scenario.StartToCloseSeconds),
            HeartbeatTimeout = Seconds(scenario.HeartbeatSeconds),
            ScheduleToCloseTimeout = Seconds(scenario.ScheduleToCloseSeconds),
            ScheduleToStartTimeout = Seconds(scenario.ScheduleToStartSeconds),
            TaskQueue = scenario.TaskQueue,
            CancellationToken = cancel.Token,
            CancellationType = ActivityCancellationType.WaitCancellationCompleted,
            RetryPolicy = new RetryPolicy
            {
                InitialInterval = TimeSpan.FromMilliseconds(100),
                BackoffCoefficient = 2,
                MaximumInterval = TimeSpan.FromMilliseconds(400),
                MaximumAttempts = scenario.MaximumAttempts,
                NonRetryableErrorTypes = scenario.NonRetryableErrorTypes,
            },
        };
        var activity = Workflow.ExecuteActivityAsync(() => ProbeActivities.ProbeAsync(scenario.Behaviour), options);
        if (scenario.CancelAfterSeconds is { } after)
        {
            var timer = Workflow.DelayAsync(TimeSpan.FromSeconds(after));
            if (await Workflow.WhenAnyAsync(activity, timer) == timer)
            {
                cancel.Cancel();
            }
        }
        try
        {
            return await activity;
        }
        catch (ActivityFailureException e) when (e.InnerException is TimeoutFailureException t)
        {
            return $"timeout {t.TimeoutType}" + (t.LastHeartbeatDetails.Count > 0 ? " with details" : "");
        }
        catch (ActivityFailureException e) when (e.InnerException is ApplicationFailureException a)
        {
            return $"failed {a.ErrorType} ({a.Message}) retry={e.RetryState}";
        }
        catch (ActivityFailureException e) when (e.InnerException is CanceledFailureException)
        {
            return "canceled";
        }
    }
}

public record Item(string Text);

[Workflow]
public class InteractiveWorkflow
{
    private readonly List<string> _items = [];
    private bool _finished;

    [WorkflowRun]
    public async Task<string> RunAsync(string title)
    {
        Title = title;
        await Workflow.WaitConditionAsync(() => _finished);
        return $"{Title}: {string.Join(",", _items)}";
    }

    public string Title { get; private set; } = "";

    [WorkflowSignal]
    public Task AddAsync(string item)
    {
        _items.Add(item);
        return Task.CompletedTask;
    }

    [WorkflowSignal]
    public Task FinishAsync()
    {
        _finished = true;
        return Task.CompletedTask;
    }

    [WorkflowQuery]
    public IReadOnlyList<string> Items() => _items;

    [WorkflowQuery]
    public string Explode() => throw new InvalidOperationException("query failed on purpose");

    [WorkflowUpdate]
    public async Task<string> RenameAsync(string title)
    {
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(10));
        var old = Title;
        Title = title;
        return old;
    }

    [WorkflowUpdateValidator(nameof(RenameAsync))]
    public void ValidateRename(string title)
    {
        if (string.IsNullOrWhiteSpace(title))
        {
            throw new ArgumentException("title must not be empty");
        }
    }
}

[Workflow]
public class TimerWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(int milliseconds)
    {
        var before = Workflow.UtcNow;
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(milliseconds));
        using var cancel = new CancellationTokenSource();
        var canceledTimer = Workflow.DelayAsync(TimeSpan.FromHours(1), cancel.Token);
        cancel.Cancel();
        try
        {
            await canceledTimer;
        }
        catch (TaskCanceledException)
        {
        }
        return $"slept {(Workflow.UtcNow - before).TotalMilliseconds >= milliseconds}";
    }
}

[Workflow]
public class ChildWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string input)
    {
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(10));
        if (input == "fail")
        {
            throw new ApplicationFailureException("child failed on purpose", errorType: "ChildBroke");
        }
        return $"child got {input}";
    }
}

[Workflow]
public class ParentWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string input)
    {
        try
        {
            var result = await Workflow.ExecuteChildWorkflowAsync(
                (ChildWorkflow child) => child.RunAsync(input),
                new() { Id = $"{Workflow.Info.WorkflowId}-child", StaticSummary = "child summary", StaticDetails = "child details" });
            return $"parent saw: {result}";
        }
        catch (ChildWorkflowFailureException e) when (e.InnerException is ApplicationFailureException a)
        {
            return $"parent saw failure: {a.ErrorType}";
        }
    }
}

[Workflow]
public class CountdownWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(int remaining)
    {
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(1));
        if (remaining > 0)
        {
            throw Workflow.CreateContinueAsNewException((CountdownWorkflow wf) => wf.RunAsync(remaining - 1));
        }
        return $"done in run {Workflow.Info.RunId != Workflow.Info.FirstExecutionRunId}";
    }
}

/// <summary>Waits for <see cref="FinishAsync"/>; its query says which build id the SDK believes ran the current task.</summary>
[Workflow]
public class BuildIdWorkflow
{
    private bool _finish;

    [WorkflowRun]
    public Task RunAsync() => Workflow.WaitConditionAsync(() => _finish);

    [WorkflowSignal]
    public Task FinishAsync()
    {
        _finish = true;
        return Task.CompletedTask;
    }

#pragma warning disable CS0618 // CurrentBuildId is what workers versioned by build id alone (no deployment) read.
    [WorkflowQuery]
    public string CurrentBuildId() => Workflow.CurrentBuildId;
#pragma warning restore CS0618
}

/// <summary>
/// Takes a path that depends on the build id of the worker running it (a timer, then an activity only under "1.0"),
/// so a worker with another build id replays it deterministically only if the history keeps who ran each task.
/// </summary>
[Workflow]
public class BuildIdBranchWorkflow
{
    private bool _finish;

    [WorkflowRun]
    public async Task RunAsync()
    {
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(1));
#pragma warning disable CS0618 // CurrentBuildId is what workers versioned by build id alone (no deployment) read.
        if (Workflow.CurrentBuildId == "1.0")
#pragma warning restore CS0618
        {
            await Workflow.ExecuteActivityAsync(() => GreetActivities.Greet("1.0"), new() { ScheduleToCloseTimeout = TimeSpan.FromHours(1) });
        }
        await Workflow.WaitConditionAsync(() => _finish);
    }

    [WorkflowSignal]
    public Task FinishAsync()
    {
        _finish = true;
        return Task.CompletedTask;
    }

#pragma warning disable CS0618
    [WorkflowQuery]
    public string CurrentBuildId() => Workflow.CurrentBuildId;
#pragma warning restore CS0618
}

[Workflow]
public class BlockingWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        await Workflow.WaitConditionAsync(() => false);
        return "never";
    }
}

[Workflow]
public class FlakyTaskWorkflow
{
    public static ConcurrentDictionary<string, int> Attempts { get; } = new();

    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        var attempt = Attempts.AddOrUpdate(Workflow.Info.WorkflowId, 1, (_, n) => n + 1);
        if (attempt == 1)
        {
            // Not a Temporal failure: the SDK fails the workflow task and the server must retry it.
            throw new InvalidOperationException("workflow task fails once");
        }
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(1));
        return "recovered";
    }
}

[Workflow]
public class MemoWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        Workflow.UpsertTypedSearchAttributes(SearchAttributeKey.CreateLong("EpisodeNumber").ValueSet(7));
        Workflow.UpsertMemo(MemoUpdate.ValueSet("note", "upserted"));
        await Workflow.WaitConditionAsync(() => Done);
        return "ok";
    }

    public bool Done { get; private set; }

    [WorkflowSignal]
    public Task DoneAsync()
    {
        Done = true;
        return Task.CompletedTask;
    }
}

[Workflow]
public class CancellingParentWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        var child = await Workflow.StartChildWorkflowAsync(
            (BlockingWorkflow wf) => wf.RunAsync(),
            new() { Id = $"{Workflow.Info.WorkflowId}-child" });
        try
        {
            await child.GetResultAsync();
            return "child finished";
        }
        catch (ChildWorkflowFailureException e) when (e.InnerException is CanceledFailureException)
        {
            return "child canceled";
        }
    }
}

public static class HumanActivities
{
    /// <summary>Where each waiting activity can be reached: workflow id, run id, activity id.</summary>
    public static ConcurrentDictionary<string, (string WorkflowId, string RunId, string ActivityId)> Waiting { get; } = new();

    [Activity]
    public static string WaitForHuman(string key)
    {
        var info = ActivityExecutionContext.Current.Info;
        Waiting[key] = (info.WorkflowId ?? "", info.WorkflowRunId ?? "", info.ActivityId);
        throw new CompleteAsyncException();
    }
}

[Workflow]
public class ApprovalWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string key) =>
        await Workflow.ExecuteActivityAsync(() => HumanActivities.WaitForHuman(key), new() { StartToCloseTimeout = TimeSpan.FromSeconds(30) });
}

[Workflow]
public class SignalSenderWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string targetId)
    {
        await Workflow.GetExternalWorkflowHandle<InteractiveWorkflow>(targetId).SignalAsync(wf => wf.AddAsync("from another workflow"));
        return "sent";
    }
}

[Workflow]
public class LocalActivityWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string name)
    {
        var greeting = await Workflow.ExecuteLocalActivityAsync(() => GreetActivities.Greet(name), new() { StartToCloseTimeout = TimeSpan.FromSeconds(10) });
        var version = Workflow.Patched("greeting-v2") ? "v2" : "v1";
        return $"{greeting} ({version})";
    }
}

[Workflow]
public class RetriedWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync()
    {
        if (Workflow.Info.Attempt < 3)
        {
            throw new ApplicationFailureException($"attempt {Workflow.Info.Attempt} failed");
        }
        return Task.FromResult($"succeeded on attempt {Workflow.Info.Attempt}");
    }
}

[Workflow]
public class BoundedHistoryWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(int generation)
    {
        while (!Workflow.ContinueAsNewSuggested)
        {
            await Workflow.DelayAsync(TimeSpan.FromMilliseconds(1));
        }
        if (generation == 0)
        {
            throw Workflow.CreateContinueAsNewException((BoundedHistoryWorkflow wf) => wf.RunAsync(1));
        }
        return $"generation {generation} continued at {Workflow.CurrentHistoryLength} events";
    }
}

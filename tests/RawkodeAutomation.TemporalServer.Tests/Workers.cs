using RawkodeAutomation.TemporalServer.Tests.Workflows;
using Temporalio.Client;
using Temporalio.Worker;

namespace RawkodeAutomation.TemporalServer.Tests;

/// <summary>A worker with every conformance workflow and activity on a fresh task queue.</summary>
internal static class Workers
{
    public static TemporalWorkerOptions Options(string taskQueue) => new TemporalWorkerOptions(taskQueue)
        .AddWorkflow<GreetWorkflow>()
        .AddWorkflow<LargeGreetingWorkflow>()
        .AddWorkflow<ProbeWorkflow>()
        .AddWorkflow<InteractiveWorkflow>()
        .AddWorkflow<TimerWorkflow>()
        .AddWorkflow<ChildWorkflow>()
        .AddWorkflow<ParentWorkflow>()
        .AddWorkflow<CountdownWorkflow>()
        .AddWorkflow<BlockingWorkflow>()
        .AddWorkflow<BuildIdWorkflow>()
        .AddWorkflow<BuildIdBranchWorkflow>()
        .AddWorkflow<InterruptibleWorkflow>()
        .AddWorkflow<FlakyTaskWorkflow>()
        .AddWorkflow<MemoWorkflow>()
        .AddWorkflow<CancellingParentWorkflow>()
        .AddWorkflow<ApprovalWorkflow>()
        .AddWorkflow<SignalSenderWorkflow>()
        .AddWorkflow<LocalActivityWorkflow>()
        .AddWorkflow<RetriedWorkflow>()
        .AddWorkflow<BoundedHistoryWorkflow>()
        .AddActivity(HumanActivities.WaitForHuman)
        .AddActivity(GreetActivities.Greet)
        .AddActivity(ProbeActivities.ProbeAsync)
        .AddActivity(InterruptibleActivities.RunUntilInterruptedAsync);

    public static string NewTaskQueue() => $"tq-{Guid.NewGuid():N}";

    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>Runs <paramref name="body"/> while a worker polls a fresh task queue.</summary>
    public static async Task<T> RunAsync<T>(ITemporalClient client, Func<string, Task<T>> body)
    {
        var taskQueue = NewTaskQueue();
        using var worker = new TemporalWorker(client, Options(taskQueue));
        return await worker.ExecuteAsync(() => body(taskQueue));
    }

    public static Task RunAsync(ITemporalClient client, Func<string, Task> body) =>
        RunAsync(client, async taskQueue =>
        {
            await body(taskQueue);
            return true;
        });

    /// <summary><see cref="Eventually.ThatAsync(Func{Task{bool}}, string, TimeSpan?)"/> in this project's argument order.</summary>
    public static Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null, string? what = null) =>
        Eventually.ThatAsync(condition, what ?? "the condition", timeout);
}

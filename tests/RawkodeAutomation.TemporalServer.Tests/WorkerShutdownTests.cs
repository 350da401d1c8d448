using RawkodeAutomation.TemporalServer.Tests.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Client;
using Temporalio.Worker;

namespace RawkodeAutomation.TemporalServer.Tests;

/// <summary>
/// A worker stops while its client stays connected; work scheduled afterwards must reach the next worker at
/// once. The server keeps its default 60 s long poll, so a task stranded on a dead poll shows up as a delay far
/// beyond <see cref="Promptly"/>.
/// </summary>
public sealed class WorkerShutdownTests : IAsyncLifetime
{
    /// <summary>How long a task may take to reach a live worker; a stranded one waits a whole long poll (60 s).</summary>
    private static readonly TimeSpan Promptly = TimeSpan.FromSeconds(15);

    private OfflineTemporalServer? _server;

    private OfflineTemporalServer Server => _server ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _server = await OfflineTemporalServer.StartNewAsync(new());

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private Task<TemporalClient> ConnectAsync() => TemporalClient.ConnectAsync(new(Server.Address));

    /// <summary>Runs one workflow to completion on a worker that then stops, so its polls were in flight when it stopped.</summary>
    private static async Task RunAndStopWorkerAsync(ITemporalClient client, string taskQueue)
    {
        using var worker = new TemporalWorker(client, Workers.Options(taskQueue));
        var result = await worker.ExecuteAsync(() => client.ExecuteWorkflowAsync(
            (GreetWorkflow wf) => wf.RunAsync("first"), new(Workers.NewId("before-stop"), taskQueue)));
        Assert.Equal("Hello, first!", result);
    }

    /// <summary>Starts a workflow that runs one activity, then a new worker, and waits for the result with a deadline.</summary>
    private static async Task<string> GreetOnNewWorkerAsync(ITemporalClient client, string taskQueue, string name)
    {
        var handle = await client.StartWorkflowAsync(
            (GreetWorkflow wf) => wf.RunAsync(name), new(Workers.NewId("after-stop"), taskQueue));
        using var worker = new TemporalWorker(client, Workers.Options(taskQueue));
        return await worker.ExecuteAsync(() => handle.GetResultAsync().WaitAsync(Promptly));
    }

    [Fact]
    public async Task StopWorker_WorkScheduledAfterwards_NextWorkerOnSameClientGetsItPromptly()
    {
        var client = await ConnectAsync();
        var taskQueue = Workers.NewTaskQueue();
        await RunAndStopWorkerAsync(client, taskQueue);

        Assert.Equal("Hello, second!", await GreetOnNewWorkerAsync(client, taskQueue, "second"));
    }

    [Fact]
    public async Task StopWorker_NextWorkerAlreadyPolling_ActivityScheduledLaterReachesIt()
    {
        var client = await ConnectAsync();
        var taskQueue = Workers.NewTaskQueue();
        var key = Workers.NewId("approval");
        var handle = await client.StartWorkflowAsync((InteractiveWorkflow wf) => wf.RunAsync("draft"), new(Workers.NewId("interactive"), taskQueue));
        using (var first = new TemporalWorker(client, Workers.Options(taskQueue)))
        {
            // The first worker takes the workflow's first task, then stops with its polls in flight.
            await first.ExecuteAsync(() => handle.QueryAsync(wf => wf.Items()).WaitAsync(Promptly));
        }

        using var second = new TemporalWorker(client, Workers.Options(taskQueue));
        var result = await second.ExecuteAsync(async () =>
        {
            // Workflow task and activity task are both scheduled after the second worker polls.
            var greeting = await client.ExecuteWorkflowAsync((GreetWorkflow wf) => wf.RunAsync(key), new(Workers.NewId("later"), taskQueue))
                .WaitAsync(Promptly);
            await handle.SignalAsync(wf => wf.FinishAsync()).WaitAsync(Promptly);
            return (greeting, await handle.GetResultAsync().WaitAsync(Promptly));
        });
        Assert.Equal($"Hello, {key}!", result.greeting);
        Assert.Equal("draft: ", result.Item2);
    }

    [Fact]
    public async Task StopWorker_SeveralStopStartCycles_EveryCycleGetsItsWorkPromptly()
    {
        var client = await ConnectAsync();
        var taskQueue = Workers.NewTaskQueue();
        for (var cycle = 0; cycle < 4; cycle++)
        {
            Assert.Equal($"Hello, cycle {cycle}!", await GreetOnNewWorkerAsync(client, taskQueue, $"cycle {cycle}"));
        }
    }

    [Fact]
    public async Task StopWorker_NextWorkerOnSecondClient_GetsWorkPromptly()
    {
        var first = await ConnectAsync();
        var taskQueue = Workers.NewTaskQueue();
        await RunAndStopWorkerAsync(first, taskQueue);

        var second = await ConnectAsync();
        Assert.Equal("Hello, other client!", await GreetOnNewWorkerAsync(second, taskQueue, "other client"));
    }

    [Fact]
    public async Task StopWorker_PollsInFlight_WorkerStopsPromptly()
    {
        var client = await ConnectAsync();
        var taskQueue = Workers.NewTaskQueue();
        using var worker = new TemporalWorker(client, Workers.Options(taskQueue));
        var stopwatch = new System.Diagnostics.Stopwatch();
        await worker.ExecuteAsync(async () =>
        {
            // After a finished workflow every poller of the worker is parked in a long poll again.
            await client.ExecuteWorkflowAsync((GreetWorkflow wf) => wf.RunAsync("idle"), new(Workers.NewId("idle"), taskQueue));
            stopwatch.Start();
        }).WaitAsync(Promptly * 2);
        Assert.True(stopwatch.Elapsed < Promptly, $"stopping took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task StopWorker_RightAfterEachStep_NoTaskStrandedOnTheStoppedWorkers()
    {
        var client = await ConnectAsync();
        var taskQueue = Workers.NewTaskQueue();
        var workflowId = Workers.NewId("chain");
        const int Steps = 8;
        var handle = await client.StartWorkflowAsync((ChainWorkflow wf) => wf.RunAsync(Steps), new(workflowId, taskQueue));
        int StepsRun() => ChainActivities.Steps.GetValueOrDefault(workflowId);

        // Each worker runs one step and stops the moment the step's activity ran: the activity's completion and
        // the workflow task that follows it are in flight while the worker shuts down.
        for (var worker = 1; worker < Steps; worker++)
        {
            using var stopping = new TemporalWorker(client, ChainOptions(taskQueue));
            var step = worker;
            await stopping.ExecuteAsync(async () =>
            {
                await handle.SignalAsync(wf => wf.ReleaseAsync(1));
                await Workers.WaitUntilAsync(() => Task.FromResult(StepsRun() >= step), Promptly, $"worker {worker} runs step {step}");
            });
        }
        using var last = new TemporalWorker(client, ChainOptions(taskQueue));
        var sum = await last.ExecuteAsync(async () =>
        {
            await handle.SignalAsync(wf => wf.ReleaseAsync(1));
            return await handle.GetResultAsync().WaitAsync(Promptly);
        });

        Assert.Equal(Steps * (Steps + 1) / 2, sum);
        var history = new List<HistoryEvent>();
        await foreach (var ev in handle.FetchHistoryEventsAsync())
        {
            history.Add(ev);
        }
        // A workflow task the stopping worker's SDK dropped comes back within the server's grace (2 s), not after
        // its 10 s start-to-close timeout; no activity task is lost (each ran on its first attempt).
        var started = history.Where(e => e.EventType == EventType.WorkflowTaskStarted).ToDictionary(e => e.EventId, e => e.EventTime.ToDateTime());
        Assert.All(
            history.Where(e => e.EventType == EventType.WorkflowTaskTimedOut),
            e => Assert.InRange(e.EventTime.ToDateTime() - started[e.WorkflowTaskTimedOutEventAttributes.StartedEventId], TimeSpan.Zero, TimeSpan.FromSeconds(5)));
        Assert.All(history.Where(e => e.EventType == EventType.ActivityTaskStarted), e => Assert.Equal(1, e.ActivityTaskStartedEventAttributes.Attempt));
    }

    private static TemporalWorkerOptions ChainOptions(string taskQueue) =>
        new TemporalWorkerOptions(taskQueue).AddWorkflow<ChainWorkflow>().AddActivity(ChainActivities.Step);
}

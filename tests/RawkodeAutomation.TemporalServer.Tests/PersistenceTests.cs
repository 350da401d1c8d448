using RawkodeAutomation.TemporalServer.Testing;
using RawkodeAutomation.TemporalServer.Tests.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Worker;

namespace RawkodeAutomation.TemporalServer.Tests;

public sealed class PersistenceTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rawkode-temporal-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Restart_SameDatabase_RunningWorkflowsTimersAndTasksCarryOn()
    {
        var database = Path.Combine(_directory, "temporal.db");
        var tq = Workers.NewTaskQueue();
        var activityQueue = Workers.NewTaskQueue();
        string interactiveId = "", timerId = "", greetId = "", probeId = "";

        // First life: a workflow waiting on a signal, a timer in flight, a pending workflow task, a pending activity.
        var first = await TemporalTestServer.StartAsync(database, callerAssembly: typeof(PersistenceTests).Assembly);
        try
        {
            var client = first.Client;
            using var worker = new TemporalWorker(client, Workers.Options(tq));
            await worker.ExecuteAsync(async () =>
            {
                var interactive = await client.StartWorkflowAsync((InteractiveWorkflow wf) => wf.RunAsync("durable"), new(Workers.NewId("p-interactive"), tq));
                interactiveId = interactive.Id;
                await interactive.SignalAsync(wf => wf.AddAsync("before"));
                Assert.Equal(["before"], await interactive.QueryAsync(wf => wf.Items()));
                var timer = await client.StartWorkflowAsync((TimerWorkflow wf) => wf.RunAsync(2500), new(Workers.NewId("p-timer"), tq));
                timerId = timer.Id;
                var scenario = new ProbeScenario(new(Guid.NewGuid().ToString()), TaskQueue: activityQueue);
                var probe = await client.StartWorkflowAsync((ProbeWorkflow wf) => wf.RunAsync(scenario), new(Workers.NewId("p-probe"), tq));
                probeId = probe.Id;
                await Workers.WaitUntilAsync(async () =>
                    (await timer.FetchHistoryAsync()).Events.Any(e => e.EventType == EventType.TimerStarted)
                    && (await probe.FetchHistoryAsync()).Events.Any(e => e.EventType == EventType.ActivityTaskScheduled), what: "timer and activity scheduled");
            });
            greetId = Workers.NewId("p-greet");
            await client.StartWorkflowAsync((GreetWorkflow wf) => wf.RunAsync("after restart"), new(greetId, tq));
        }
        finally
        {
            // Kills the server process: nothing gets a chance to flush on the way out.
            await first.ShutdownAsync();
        }

        // Second life on the same file.
        var second = await TemporalTestServer.StartAsync(database, callerAssembly: typeof(PersistenceTests).Assembly);
        try
        {
            var client = second.Client;
            using var worker = new TemporalWorker(client, Workers.Options(tq));
            using var activityWorker = new TemporalWorker(client, Workers.Options(activityQueue));
            await activityWorker.ExecuteAsync(() => worker.ExecuteAsync(async () =>
            {
                var interactive = client.GetWorkflowHandle<InteractiveWorkflow>(interactiveId);
                await interactive.SignalAsync(wf => wf.AddAsync("after"));
                await interactive.SignalAsync(wf => wf.FinishAsync());
                Assert.Equal("durable: before,after", await interactive.GetResultAsync<string>());
                Assert.Equal("slept True", await client.GetWorkflowHandle(timerId).GetResultAsync<string>());
                Assert.Equal("Hello, after restart!", await client.GetWorkflowHandle(greetId).GetResultAsync<string>());
                Assert.Equal("ok attempt=1 details=none", await client.GetWorkflowHandle(probeId).GetResultAsync<string>());
            }));
        }
        finally
        {
            await second.ShutdownAsync();
        }
    }

    [Fact]
    public async Task Restart_SameDatabase_AddedAndRemovedSearchAttributesAreKept()
    {
        var database = Path.Combine(_directory, "attributes.db");
        var room = SearchAttributeKey.CreateKeyword("StudioRoom");
        var workflowId = Workers.NewId("p-attributes");
        var tq = Workers.NewTaskQueue();

        // First life: register an attribute, remove a predefined one, start a run that carries the new one.
        var first = await TemporalTestServer.StartAsync(database, callerAssembly: typeof(PersistenceTests).Assembly);
        try
        {
            var client = first.Client;
            await client.OperatorService.AddSearchAttributesAsync(new() { Namespace = "default", SearchAttributes = { [room.Name] = IndexedValueType.Keyword } });
            await client.OperatorService.RemoveSearchAttributesAsync(new() { Namespace = "default", SearchAttributes = { "CustomTextField" } });
            await client.StartWorkflowAsync(
                (BlockingWorkflow wf) => wf.RunAsync(),
                new(workflowId, tq) { TypedSearchAttributes = new SearchAttributeCollection.Builder().Set(room, "studio-b").ToSearchAttributeCollection() });
        }
        finally
        {
            await first.ShutdownAsync();
        }

        // Second life: the registrations are what they were, so queries and new runs may use them.
        var second = await TemporalTestServer.StartAsync(database, callerAssembly: typeof(PersistenceTests).Assembly);
        try
        {
            var client = second.Client;
            var listed = await client.OperatorService.ListSearchAttributesAsync(new() { Namespace = "default" });
            Assert.Equal(IndexedValueType.Keyword, listed.CustomAttributes[room.Name]);
            Assert.DoesNotContain("CustomTextField", listed.CustomAttributes.Keys);
            Assert.Contains("CustomKeywordField", listed.CustomAttributes.Keys);
            var ids = new List<string>();
            await foreach (var execution in client.ListWorkflowsAsync($"{room.Name} = 'studio-b'"))
            {
                ids.Add(execution.Id);
            }
            Assert.Equal([workflowId], ids);
            await client.GetWorkflowHandle(workflowId).TerminateAsync("done");
        }
        finally
        {
            await second.ShutdownAsync();
        }
    }

    [Fact]
    public async Task Kill_WhileWorkflowsInFlight_EveryStartedWorkflowCompletesAfterRestart()
    {
        var database = Path.Combine(_directory, "load.db");
        var tq = Workers.NewTaskQueue();
        var ids = Enumerable.Range(0, 30).Select(i => Workers.NewId($"load-{i}")).ToList();

        var first = await TemporalTestServer.StartAsync(database, callerAssembly: typeof(PersistenceTests).Assembly);
        var worker = new TemporalWorker(first.Client, Workers.Options(tq));
        using var stopWorker = new CancellationTokenSource();
        var running = worker.ExecuteAsync(stopWorker.Token);
        foreach (var id in ids)
        {
            await first.Client.StartWorkflowAsync((GreetWorkflow wf) => wf.RunAsync(id), new(id, tq));
        }
        await Workers.WaitUntilAsync(async () => (await first.Client.CountWorkflowsAsync("ExecutionStatus = 'Completed'")).Count >= 3, what: "some workflows completed");
        // Kill the server mid-flight, with the worker still talking to it.
        await first.ShutdownAsync();
        stopWorker.Cancel();
        await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(30)));
        worker.Dispose();

        var second = await TemporalTestServer.StartAsync(database, callerAssembly: typeof(PersistenceTests).Assembly);
        try
        {
            using var worker2 = new TemporalWorker(second.Client, Workers.Options(tq));
            var results = await worker2.ExecuteAsync(() => Task.WhenAll(ids.Select(id => second.Client.GetWorkflowHandle(id).GetResultAsync<string>())));
            Assert.Equal(ids.Select(id => $"Hello, {id}!"), results);
        }
        finally
        {
            await second.ShutdownAsync();
        }
    }
}

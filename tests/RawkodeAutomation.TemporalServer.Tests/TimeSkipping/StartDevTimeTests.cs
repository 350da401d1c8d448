using RawkodeAutomation.TemporalServer.Testing;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Worker;

namespace RawkodeAutomation.TemporalServer.Tests.TimeSkipping;

/// <summary>`rawkode server start-dev` keeps real time: time skipping exists only in the test-server mode.</summary>
public class StartDevTimeTests
{
    [Fact]
    public async Task StartDev_ResultAwaitedOnOneHourTimer_TimeIsNotSkipped()
    {
        await using var env = await TemporalTestServer.StartAsync(callerAssembly: typeof(StartDevTimeTests).Assembly);
        Assert.False(env.SupportsTimeSkipping);
        // No TestService, so nobody can unlock time either.
        var unimplemented = await Assert.ThrowsAsync<Temporalio.Exceptions.RpcException>(
            () => env.Client.Connection.TestService.UnlockTimeSkippingAsync(new()));
        Assert.Equal(Temporalio.Exceptions.RpcException.StatusCode.Unimplemented, unimplemented.Code);

        var taskQueue = Workers.NewTaskQueue();
        using var worker = new TemporalWorker(env.Client, new TemporalWorkerOptions(taskQueue).AddWorkflow<SleepyWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((SleepyWorkflow wf) => wf.RunAsync(1.0 / 24), new(Workers.NewId("dev-sleepy"), taskQueue));
            await Workers.WaitUntilAsync(
                async () => (await handle.FetchHistoryAsync()).Events.Any(e => e.EventType == EventType.TimerStarted),
                what: "the workflow started its one-hour timer");
            // A client waiting for the result is what unlocks time on the test server; here the hour stays an hour.
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await Assert.ThrowsAnyAsync<Exception>(() => handle.GetResultAsync(rpcOptions: new RpcOptions { CancellationToken = wait.Token }));
            var history = await handle.FetchHistoryAsync();
            Assert.DoesNotContain(history.Events, e => e.EventType == EventType.TimerFired);
            Assert.Equal(WorkflowExecutionStatus.Running, (await handle.DescribeAsync()).Status);
            await handle.TerminateAsync("test over");
        });
    }
}

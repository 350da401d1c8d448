using RawkodeAutomation.TemporalServer.TimeSkipping;
using Temporalio.Client;
using Temporalio.Worker;

namespace RawkodeAutomation.TemporalServer.Tests.TimeSkipping;

/// <summary>The server hosted in the test process on a <see cref="SkippingClock"/> the test drives itself.</summary>
public class InProcessTimeSkippingTests
{
    [Fact]
    public async Task InProcess_UnlockedClock_ThirtyDaySleepFinishesAndClockFollows()
    {
        using var clock = new SkippingClock(startLocked: false);
        await using var server = await OfflineTemporalServer.StartNewAsync(new() { TimeProvider = clock });
        var client = await TemporalClient.ConnectAsync(new(server.Address));
        var taskQueue = Workers.NewTaskQueue();
        using var worker = new TemporalWorker(client, new TemporalWorkerOptions(taskQueue).AddWorkflow<SleepyWorkflow>());
        using var wall = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var observed = await worker.ExecuteAsync(async () =>
        {
            var handle = await client.StartWorkflowAsync((SleepyWorkflow wf) => wf.RunAsync(30), new(Workers.NewId("in-process"), taskQueue));
            return await handle.GetResultAsync(rpcOptions: new() { CancellationToken = wall.Token });
        });
        Assert.True(observed.Elapsed >= TimeSpan.FromDays(30), $"the workflow saw only {observed.Elapsed} pass");
        Assert.True(clock.Skipped >= TimeSpan.FromDays(30) - TimeSpan.FromMinutes(1), $"the clock skipped only {clock.Skipped}");
    }

    [Fact]
    public async Task InProcess_SystemClock_NoTestService()
    {
        await using var server = await OfflineTemporalServer.StartNewAsync(new());
        var client = await TemporalClient.ConnectAsync(new(server.Address));
        var error = await Assert.ThrowsAsync<Temporalio.Exceptions.RpcException>(() => client.Connection.TestService.GetCurrentTimeAsync(new()));
        Assert.Equal(Temporalio.Exceptions.RpcException.StatusCode.Unimplemented, error.Code);
    }
}

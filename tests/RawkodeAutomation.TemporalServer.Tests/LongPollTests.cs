using RawkodeAutomation.TemporalServer.Tests.Workflows;
using Temporalio.Client;
using Temporalio.Worker;

namespace RawkodeAutomation.TemporalServer.Tests;

/// <summary>Long polls that end empty (as they do every minute in production) must not disturb the SDK.</summary>
public class LongPollTests
{
    [Fact]
    public async Task ShortLongPolls_WorkflowOutlastsSeveralEmptyAnswers_ResultStillArrives()
    {
        await using var server = await OfflineTemporalServer.StartNewAsync(new() { LongPollTimeout = TimeSpan.FromMilliseconds(400) });
        var client = await TemporalClient.ConnectAsync(new(server.Address));
        var tq = Workers.NewTaskQueue();
        using var worker = new TemporalWorker(client, Workers.Options(tq));
        var result = await worker.ExecuteAsync(() => client.ExecuteWorkflowAsync(
            (TimerWorkflow wf) => wf.RunAsync(1500), new(Workers.NewId("short-polls"), tq)));
        Assert.Equal("slept True", result);
    }
}

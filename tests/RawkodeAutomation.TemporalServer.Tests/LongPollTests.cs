using RawkodeAutomation.TemporalServer.Tests.Workflows;
using Temporalio.Client;
using Temporalio.Worker;

namespace RawkodeAutomation.TemporalServer.Tests;

/// <summary>Server limits set low: long polls that end empty, and the history length that suggests continue-as-new.</summary>
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

    [Fact]
    public async Task SuggestContinueAsNew_HistoryPastLimit_WorkflowSeesSuggestion()
    {
        await using var server = await OfflineTemporalServer.StartNewAsync(new() { SuggestContinueAsNewAfterEvents = 20 });
        var client = await TemporalClient.ConnectAsync(new(server.Address));
        var tq = Workers.NewTaskQueue();
        using var worker = new TemporalWorker(client, Workers.Options(tq));
        var result = await worker.ExecuteAsync(() => client.ExecuteWorkflowAsync(
            (BoundedHistoryWorkflow wf) => wf.RunAsync(0), new(Workers.NewId("bounded"), tq)));
        Assert.Matches(@"^generation 1 continued at (19|2\d) events$", result);
    }
}

using RawkodeAutomation.TemporalServer.Tests.Workflows;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Worker;

namespace RawkodeAutomation.TemporalServer.Tests;

/// <summary>
/// Histories written by the server must replay cleanly: a determinism check of its event ordering
/// (buffered events, deferred activity-started events, child and update events).
/// </summary>
[Collection(ServerCollection.Name)]
public class ReplayTests(ServerFixture fixture)
{
    private ITemporalClient Client => fixture.Environment.Client;

    [Fact]
    public async Task Replay_HistoriesOfEveryFeature_ReplayWithoutNondeterminism()
    {
        var histories = await Workers.RunAsync(Client, async tq =>
        {
            var retry = new ProbeScenario(new(Guid.NewGuid().ToString(), FailAttempts: 2, Heartbeat: true), HeartbeatSeconds: 5);
            var cancel = new ProbeScenario(new(Guid.NewGuid().ToString(), SleepMs: 5000, Heartbeat: true), HeartbeatSeconds: 2, CancelAfterSeconds: 0.2);
            var handles = new List<WorkflowHandle>
            {
                await Client.StartWorkflowAsync((GreetWorkflow wf) => wf.RunAsync("replay"), new(Workers.NewId("r-greet"), tq)),
                await Client.StartWorkflowAsync((TimerWorkflow wf) => wf.RunAsync(50), new(Workers.NewId("r-timer"), tq)),
                await Client.StartWorkflowAsync((ParentWorkflow wf) => wf.RunAsync("ok"), new(Workers.NewId("r-parent"), tq)),
                await Client.StartWorkflowAsync((ParentWorkflow wf) => wf.RunAsync("fail"), new(Workers.NewId("r-parent-fail"), tq)),
                await Client.StartWorkflowAsync((FlakyTaskWorkflow wf) => wf.RunAsync(), new(Workers.NewId("r-flaky"), tq) { TaskTimeout = TimeSpan.FromSeconds(2) }),
                await Client.StartWorkflowAsync((ProbeWorkflow wf) => wf.RunAsync(retry), new(Workers.NewId("r-retry"), tq)),
                await Client.StartWorkflowAsync((ProbeWorkflow wf) => wf.RunAsync(cancel), new(Workers.NewId("r-cancel"), tq)),
            };
            var interactive = await Client.StartWorkflowAsync((InteractiveWorkflow wf) => wf.RunAsync("replay"), new(Workers.NewId("r-interactive"), tq));
            await interactive.SignalAsync(wf => wf.AddAsync("one"));
            await interactive.ExecuteUpdateAsync(wf => wf.RenameAsync("renamed"));
            await Task.WhenAll(Enumerable.Range(0, 5).Select(i => interactive.SignalAsync(wf => wf.AddAsync($"burst-{i}"))));
            await interactive.SignalAsync(wf => wf.FinishAsync());
            handles.Add(interactive);
            var countdown = await Client.StartWorkflowAsync((CountdownWorkflow wf) => wf.RunAsync(2), new(Workers.NewId("r-countdown"), tq));
            await countdown.GetResultAsync();
            handles.Add(Client.GetWorkflowHandle(countdown.Id, runId: countdown.ResultRunId));
            var result = new List<WorkflowHistory>();
            foreach (var handle in handles)
            {
                await handle.GetResultAsync<object?>(followRuns: false).ContinueWith(_ => { }, TaskScheduler.Default);
                result.Add(await handle.FetchHistoryAsync());
            }
            return result;
        });

        var replayer = new WorkflowReplayer(new WorkflowReplayerOptions()
            .AddWorkflow<GreetWorkflow>()
            .AddWorkflow<TimerWorkflow>()
            .AddWorkflow<ParentWorkflow>()
            .AddWorkflow<FlakyTaskWorkflow>()
            .AddWorkflow<ProbeWorkflow>()
            .AddWorkflow<InteractiveWorkflow>()
            .AddWorkflow<CountdownWorkflow>());
        foreach (var history in histories)
        {
            var replay = await replayer.ReplayWorkflowAsync(history, throwOnReplayFailure: false);
            Assert.True(replay.ReplayFailure is null, $"{history.Id}: {replay.ReplayFailure}");
        }
    }
}

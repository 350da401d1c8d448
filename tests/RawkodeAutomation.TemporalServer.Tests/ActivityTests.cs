using RawkodeAutomation.TemporalServer.Tests.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Workflow.V1;
using Temporalio.Client;

namespace RawkodeAutomation.TemporalServer.Tests;

[Collection(ServerCollection.Name)]
public class ActivityTests(ServerFixture fixture)
{
    private ITemporalClient Client => fixture.Environment.Client;

    private Task<string> RunProbeAsync(ProbeScenario scenario) =>
        Workers.RunAsync(Client, tq => Client.ExecuteWorkflowAsync(
            (ProbeWorkflow wf) => wf.RunAsync(scenario), new(Workers.NewId("probe"), tq)));

    private static string[] Attempts(string key) => [.. ProbeActivities.Log[key]];

    [Fact]
    public async Task Activity_FailsTwiceThenSucceeds_ServerRetriesWithBackoff()
    {
        var key = Guid.NewGuid().ToString();
        var result = await RunProbeAsync(new(new(key, FailAttempts: 2)));
        Assert.Equal("ok attempt=3 details=none", result);
        Assert.Equal(3, Attempts(key).Length);
    }

    [Fact]
    public async Task Activity_RetriesExhausted_FailsWithMaximumAttemptsReached()
    {
        var key = Guid.NewGuid().ToString();
        var result = await RunProbeAsync(new(new(key, FailAttempts: 10), MaximumAttempts: 3));
        Assert.Equal("failed Transient (attempt 3 failed) retry=MaximumAttemptsReached", result);
        Assert.Equal(3, Attempts(key).Length);
    }

    [Fact]
    public async Task Activity_NonRetryableFailure_IsNotRetried()
    {
        var key = Guid.NewGuid().ToString();
        var result = await RunProbeAsync(new(new(key, FailAttempts: 10, ErrorType: "Fatal", NonRetryable: true)));
        Assert.Equal("failed Fatal (attempt 1 failed) retry=NonRetryableFailure", result);
        Assert.Single(Attempts(key));
    }

    [Fact]
    public async Task Activity_NonRetryableErrorType_IsNotRetried()
    {
        var key = Guid.NewGuid().ToString();
        var result = await RunProbeAsync(new(new(key, FailAttempts: 10, ErrorType: "QuotaExceeded"), NonRetryableErrorTypes: ["QuotaExceeded"]));
        Assert.Equal("failed QuotaExceeded (attempt 1 failed) retry=NonRetryableFailure", result);
        Assert.Single(Attempts(key));
    }

    [Fact]
    public async Task Activity_StartToCloseExceeded_TimesOutAfterLastAttempt()
    {
        var key = Guid.NewGuid().ToString();
        var result = await RunProbeAsync(new(new(key, SleepMs: 5000), MaximumAttempts: 2, StartToCloseSeconds: 0.5));
        Assert.Equal("timeout StartToClose", result);
        Assert.Equal(2, Attempts(key).Length);
    }

    [Fact]
    public async Task Activity_ScheduleToCloseExceeded_TimesOut()
    {
        var key = Guid.NewGuid().ToString();
        var result = await RunProbeAsync(new(new(key, SleepMs: 5000), StartToCloseSeconds: 5, ScheduleToCloseSeconds: 1));
        Assert.Equal("timeout ScheduleToClose", result);
    }

    [Fact]
    public async Task Activity_NoWorkerOnItsQueue_TimesOutScheduleToStart()
    {
        var result = await RunProbeAsync(new(new(Guid.NewGuid().ToString()), ScheduleToStartSeconds: 0.5, TaskQueue: Workers.NewTaskQueue()));
        Assert.Equal("timeout ScheduleToStart", result);
    }

    [Fact]
    public async Task Activity_NeverHeartbeats_TimesOutHeartbeat()
    {
        var key = Guid.NewGuid().ToString();
        // Works silently past the heartbeat timeout.
        var result = await RunProbeAsync(new(new(key, SleepMs: 3000), MaximumAttempts: 1, HeartbeatSeconds: 0.5));
        Assert.Equal("timeout Heartbeat", result);
    }

    [Fact]
    public async Task Activity_HeartbeatThenFail_NextAttemptGetsDetails()
    {
        var key = Guid.NewGuid().ToString();
        var result = await RunProbeAsync(new(new(key, FailAttempts: 1, Heartbeat: true), HeartbeatSeconds: 5));
        Assert.Equal("ok attempt=2 details=progress-1", result);
    }

    [Fact]
    public async Task Activity_CanceledByWorkflow_HeartbeatDeliversCancellation()
    {
        var key = Guid.NewGuid().ToString();
        var result = await RunProbeAsync(new(new(key, SleepMs: 10_000, Heartbeat: true), HeartbeatSeconds: 2, CancelAfterSeconds: 0.5));
        Assert.Equal("canceled", result);
    }

    // ---- PauseActivity / UnpauseActivity / ResetActivity (sdk-dotnet's ExecuteActivityAsync_CaughtPause_Succeeds,
    // _UncaughtPause_Fails and _CaughtReset) --------------------------------------------------------------------------

    private const string Interruptible = "RunUntilInterrupted";

    /// <summary>Starts an interruptible activity and waits until it has heartbeated, so a pause or reset reaches it.</summary>
    private async Task<WorkflowHandle<InterruptibleWorkflow, string>> StartInterruptibleAsync(string taskQueue, bool catchInterruption)
    {
        var handle = await Client.StartWorkflowAsync(
            (InterruptibleWorkflow wf) => wf.RunAsync(Guid.NewGuid().ToString(), catchInterruption), new(Workers.NewId("interruptible"), taskQueue));
        await PendingActivityAsync(handle, a => a.LastHeartbeatTime is not null, "the activity heartbeated");
        return handle;
    }

    private async Task<PendingActivityInfo> PendingActivityAsync(WorkflowHandle handle, Func<PendingActivityInfo, bool> condition, string what)
    {
        PendingActivityInfo? found = null;
        var request = new Temporalio.Api.WorkflowService.V1.DescribeWorkflowExecutionRequest
        {
            Namespace = Client.Options.Namespace,
            Execution = new() { WorkflowId = handle.Id, RunId = handle.ResultRunId },
        };
        await Workers.WaitUntilAsync(
            async () => (found = (await Client.WorkflowService.DescribeWorkflowExecutionAsync(request)).PendingActivities.SingleOrDefault(condition)) is not null,
            TimeSpan.FromSeconds(30),
            what);
        return found!;
    }

    private Task PauseAsync(WorkflowHandle handle) =>
        Client.WorkflowService.PauseActivityAsync(new()
        {
            Namespace = Client.Options.Namespace,
            Execution = new() { WorkflowId = handle.Id, RunId = handle.ResultRunId },
            Identity = "activity-tests",
            Type = Interruptible,
            Reason = "studio break",
        });

    [Fact]
    public async Task PauseActivity_RunningAttemptCatchesIt_SeesReasonPaused()
    {
        var result = await Workers.RunAsync(Client, async tq =>
        {
            var handle = await StartInterruptibleAsync(tq, catchInterruption: true);
            await PauseAsync(handle);
            return await handle.GetResultAsync();
        });
        Assert.Equal("Paused paused=True reset=False attempt=1", result);
    }

    [Fact]
    public async Task PauseActivity_AttemptEndsWhilePaused_NextAttemptWaitsForUnpause()
    {
        var result = await Workers.RunAsync(Client, async tq =>
        {
            var handle = await StartInterruptibleAsync(tq, catchInterruption: false);
            await PauseAsync(handle);

            // The attempt the pause stopped has ended; the next one is held, not dispatched.
            var held = await PendingActivityAsync(handle, a => a.State == PendingActivityState.Paused, "the ended attempt held while paused");
            Assert.True(held.Paused);
            Assert.Equal(2, held.Attempt);
            Assert.Equal("studio break", held.PauseInfo.Manual.Reason);
            Assert.Equal("\"beat-1\"", held.HeartbeatDetails.Payloads_.Single().Data.ToStringUtf8());

            await Client.WorkflowService.UnpauseActivityAsync(new()
            {
                Namespace = Client.Options.Namespace,
                Execution = new() { WorkflowId = handle.Id, RunId = handle.ResultRunId },
                Identity = "activity-tests",
                Type = Interruptible,
            });
            return await handle.GetResultAsync();
        });
        Assert.Equal("attempt=2 resumed details=beat-1", result);
    }

    [Fact]
    public async Task ResetActivity_RunningAttempt_StartsOverFromAttemptOneWithoutHeartbeat()
    {
        var result = await Workers.RunAsync(Client, async tq =>
        {
            var handle = await StartInterruptibleAsync(tq, catchInterruption: false);
            await Client.WorkflowService.ResetActivityAsync(new()
            {
                Namespace = Client.Options.Namespace,
                Execution = new() { WorkflowId = handle.Id, RunId = handle.ResultRunId },
                Identity = "activity-tests",
                Type = Interruptible,
                ResetHeartbeat = true,
            });
            return await handle.GetResultAsync();
        });
        Assert.Equal("attempt=1 resumed details=none", result);
    }
}

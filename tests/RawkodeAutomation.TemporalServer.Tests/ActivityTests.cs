using RawkodeAutomation.TemporalServer.Tests.Workflows;
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
}

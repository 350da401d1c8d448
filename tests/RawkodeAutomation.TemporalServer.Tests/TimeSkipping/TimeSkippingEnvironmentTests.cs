using RawkodeAutomation.TemporalServer.Testing;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.TestService.V1;
using Temporalio.Client;
using Temporalio.Client.Schedules;
using Temporalio.Exceptions;
using Temporalio.Testing;
using Temporalio.Worker;

namespace RawkodeAutomation.TemporalServer.Tests.TimeSkipping;

/// <summary>
/// The project's time-skipping server as a test's <see cref="WorkflowEnvironment"/>, one server per test so the global
/// time lock of one test cannot move another's clock. Run twice: as the SDK starts it (the built <c>rawkode</c> through
/// <c>WorkflowEnvironment.StartTimeSkippingAsync</c> with <c>TestServer.ExistingPath</c>) and hosted in the test's
/// process (<see cref="InProcessTimeSkippingEnvironment"/>), which must behave the same.
/// </summary>
public abstract class TimeSkippingEnvironmentTests : IAsyncLifetime
{
    /// <summary>Longest any result may take in wall-clock time; without skipping these tests would wait for days.</summary>
    private static readonly TimeSpan WallClockLimit = TimeSpan.FromSeconds(60);

    private WorkflowEnvironment? _env;

    private WorkflowEnvironment Env => _env ?? throw new InvalidOperationException("not started");

    /// <summary>Starts the environment under test.</summary>
    protected abstract Task<WorkflowEnvironment> StartAsync();

    public async Task InitializeAsync() => _env = await StartAsync();

    public async Task DisposeAsync()
    {
        if (_env is not null)
        {
            await _env.ShutdownAsync();
        }
    }

    private static TemporalWorkerOptions WorkerOptions(string taskQueue) => new TemporalWorkerOptions(taskQueue)
        .AddWorkflow<SleepyWorkflow>()
        .AddWorkflow<DayBackoffWorkflow>()
        .AddWorkflow<SignalOrTimerWorkflow>()
        .AddWorkflow<StampWorkflow>()
        .AddActivity(FlakyOnceActivities.FailOnce);

    private async Task<T> WithWorkerAsync<T>(Func<string, Task<T>> body)
    {
        var taskQueue = Workers.NewTaskQueue();
        using var worker = new TemporalWorker(Env.Client, WorkerOptions(taskQueue));
        return await worker.ExecuteAsync(() => body(taskQueue));
    }

    private static RpcOptions Bounded(CancellationTokenSource wall) => new() { CancellationToken = wall.Token };

    [Fact]
    public async Task StartTimeSkipping_ExistingPathIsRawkode_SupportsTimeSkipping()
    {
        Assert.True(Env.SupportsTimeSkipping);
        var now = await Env.GetCurrentTimeAsync();
        // Nothing has run yet, so the server's clock is the real one.
        Assert.InRange(now, DateTime.UtcNow - TimeSpan.FromMinutes(1), DateTime.UtcNow + TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task WorkflowDelay_SevenDays_ResultArrivesAfterAWeekOfWorkflowTime()
    {
        using var wall = new CancellationTokenSource(WallClockLimit);
        var observed = await WithWorkerAsync(async taskQueue =>
        {
            var handle = await Env.Client.StartWorkflowAsync((SleepyWorkflow wf) => wf.RunAsync(7), new(Workers.NewId("sleepy"), taskQueue));
            return await handle.GetResultAsync(rpcOptions: Bounded(wall));
        });
        Assert.True(observed.Elapsed >= TimeSpan.FromDays(7), $"the workflow saw only {observed.Elapsed} pass");
        Assert.True(observed.Elapsed < TimeSpan.FromDays(7) + TimeSpan.FromMinutes(5), $"the workflow saw {observed.Elapsed} pass");
        // The server's clock moved on with the workflow's.
        Assert.True(await Env.GetCurrentTimeAsync() >= observed.Finished);
    }

    [Fact]
    public async Task ActivityRetry_OneDayBackoff_SecondAttemptSucceedsADayLater()
    {
        using var wall = new CancellationTokenSource(WallClockLimit);
        var key = Workers.NewId("backoff");
        var observed = await WithWorkerAsync(async taskQueue =>
        {
            var handle = await Env.Client.StartWorkflowAsync((DayBackoffWorkflow wf) => wf.RunAsync(key), new(Workers.NewId("backoff"), taskQueue));
            return await handle.GetResultAsync(rpcOptions: Bounded(wall));
        });
        Assert.Equal(2, observed.Attempts);
        Assert.Equal(2, FlakyOnceActivities.Attempts[key]);
        Assert.True(observed.Elapsed >= TimeSpan.FromDays(1), $"the retry came after only {observed.Elapsed}");
        Assert.True(observed.Elapsed < TimeSpan.FromDays(2), $"the retry came after {observed.Elapsed}");
    }

    [Fact]
    public async Task EnvironmentDelay_OneDay_CurrentTimeAdvancesByADay()
    {
        var before = await Env.GetCurrentTimeAsync();
        using var wall = new CancellationTokenSource(WallClockLimit);
        await Env.DelayAsync(TimeSpan.FromDays(1), wall.Token);
        var after = await Env.GetCurrentTimeAsync();
        Assert.InRange(after - before, TimeSpan.FromDays(1), TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        // DelayAsync took the lock back: time runs at wall-clock speed again.
        var again = await Env.GetCurrentTimeAsync();
        Assert.InRange(again - after, TimeSpan.Zero, TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Locked_WorkerRunningNobodyAwaitingResult_TimerDoesNotFireUntilResultAwaited()
    {
        using var wall = new CancellationTokenSource(WallClockLimit);
        var observed = await WithWorkerAsync(async taskQueue =>
        {
            var handle = await Env.Client.StartWorkflowAsync((SleepyWorkflow wf) => wf.RunAsync(1.0 / 24), new(Workers.NewId("locked"), taskQueue));
            await Workers.WaitUntilAsync(
                async () => (await handle.FetchHistoryAsync()).Events.Any(e => e.EventType == EventType.TimerStarted),
                what: "the workflow started its one-hour timer");
            var serverBefore = await Env.GetCurrentTimeAsync();
            var wallBefore = DateTime.UtcNow;
            // Watch for a second: with the lock held (nobody awaits a result) the clock runs at wall-clock speed.
            while (DateTime.UtcNow - wallBefore < TimeSpan.FromSeconds(1))
            {
                var moved = await Env.GetCurrentTimeAsync() - serverBefore;
                Assert.True(moved < DateTime.UtcNow - wallBefore + TimeSpan.FromSeconds(5), $"time ran away by {moved} while locked");
                Assert.Equal(WorkflowExecutionStatus.Running, (await handle.DescribeAsync()).Status);
                await Task.Delay(50);
            }
            // Awaiting the result unlocks time, and the hour passes at once.
            return await handle.GetResultAsync(rpcOptions: Bounded(wall));
        });
        Assert.True(observed.Elapsed >= TimeSpan.FromHours(1), $"the workflow saw only {observed.Elapsed} pass");
    }

    [Fact]
    public async Task TimerRacingSignal_SignalSentBeforeResultAwaited_SignalWins()
    {
        using var wall = new CancellationTokenSource(WallClockLimit);
        var result = await WithWorkerAsync(async taskQueue =>
        {
            var handle = await Env.Client.StartWorkflowAsync((SignalOrTimerWorkflow wf) => wf.RunAsync(), new(Workers.NewId("race-signal"), taskQueue));
            // Time is locked until the result is awaited, so the hour cannot pass before the signal arrives.
            await handle.SignalAsync(wf => wf.PokeAsync());
            return await handle.GetResultAsync(rpcOptions: Bounded(wall));
        });
        Assert.Equal("signal after 0 min", result);
    }

    [Fact]
    public async Task TimerRacingSignal_NoSignal_TimerFiresAfterAnHourOfWorkflowTime()
    {
        using var wall = new CancellationTokenSource(WallClockLimit);
        var result = await WithWorkerAsync(async taskQueue =>
        {
            var handle = await Env.Client.StartWorkflowAsync((SignalOrTimerWorkflow wf) => wf.RunAsync(), new(Workers.NewId("race-timer"), taskQueue));
            var outcome = await handle.GetResultAsync(rpcOptions: Bounded(wall));
            // Once the timer has won, a late signal is refused like on a real server: the run is closed.
            var late = await Assert.ThrowsAsync<RpcException>(() => handle.SignalAsync(wf => wf.PokeAsync()));
            Assert.Equal(RpcException.StatusCode.NotFound, late.Code);
            return outcome;
        });
        Assert.Equal("timer after 60 min", result);
    }

    [Fact]
    public async Task TestServiceSleep_Unlocked_AdvancesWithoutTakingTheLock()
    {
        var testService = Env.Client.Connection.TestService;
        var before = await Env.GetCurrentTimeAsync();
        await testService.UnlockTimeSkippingAsync(new());
        using var wall = new CancellationTokenSource(WallClockLimit);
        await testService.SleepAsync(new SleepRequest { Duration = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromDays(2)) }, new() { CancellationToken = wall.Token });
        var target = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(before.ToUniversalTime() + TimeSpan.FromDays(3));
        await testService.SleepUntilAsync(new SleepUntilRequest { Timestamp = target }, new() { CancellationToken = wall.Token });
        Assert.True(await Env.GetCurrentTimeAsync() >= target.ToDateTime());
        // Still unlocked: the next lock balances the unlock above, a second unlock has nothing to release.
        await testService.LockTimeSkippingAsync(new());
        await testService.UnlockTimeSkippingAsync(new());
        var unbalanced = await Assert.ThrowsAsync<Temporalio.Exceptions.RpcException>(() => testService.UnlockTimeSkippingAsync(new()));
        Assert.Equal(Temporalio.Exceptions.RpcException.StatusCode.FailedPrecondition, unbalanced.Code);
        Assert.Contains("not locked", unbalanced.Message);
    }

    [Fact]
    public async Task Schedule_DailyIntervalThreeDaysSkipped_RunsOncePerDay()
    {
        await WithWorkerAsync(async taskQueue =>
        {
            var workflowId = Workers.NewId("daily");
            var handle = await Env.Client.CreateScheduleAsync(
                Workers.NewId("daily-schedule"),
                new Schedule(
                    ScheduleActionStartWorkflow.Create((StampWorkflow wf) => wf.RunAsync(), new(id: workflowId, taskQueue: taskQueue)),
                    new ScheduleSpec { Intervals = [new ScheduleIntervalSpec(TimeSpan.FromDays(1))] })
                {
                    Policy = new() { Overlap = ScheduleOverlapPolicy.AllowAll },
                });
            using var wall = new CancellationTokenSource(WallClockLimit);
            // 73 hours hold three or four midnights (UTC), where a daily interval aligned to the epoch fires.
            await Env.DelayAsync(TimeSpan.FromHours(73), wall.Token);
            var description = await handle.DescribeAsync();
            Assert.InRange(description.Info.NumActions, 3, 4);
            Assert.All(description.Info.RecentActions, a => Assert.Equal(TimeSpan.Zero, a.ScheduledAt.ToUniversalTime().TimeOfDay));
            await handle.DeleteAsync();
            return true;
        });
    }

    [Fact]
    public async Task AutoTimeSkippingDisabled_ResultAwaited_TimeStaysLockedUntilEnabledAgain()
    {
        using var wall = new CancellationTokenSource(WallClockLimit);
        var observed = await WithWorkerAsync(async taskQueue =>
        {
            var handle = await Env.Client.StartWorkflowAsync((SleepyWorkflow wf) => wf.RunAsync(1.0 / 24), new(Workers.NewId("disabled"), taskQueue));
            await Env.WithAutoTimeSkippingDisabledAsync(async () =>
            {
                // Without auto time skipping the client does not unlock, so the hour is an hour.
                using var shortWait = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await Assert.ThrowsAnyAsync<Exception>(() => handle.GetResultAsync(rpcOptions: new() { CancellationToken = shortWait.Token }));
                Assert.Equal(WorkflowExecutionStatus.Running, (await handle.DescribeAsync()).Status);
            });
            return await handle.GetResultAsync(rpcOptions: Bounded(wall));
        });
        Assert.True(observed.Elapsed >= TimeSpan.FromHours(1), $"the workflow saw only {observed.Elapsed} pass");
    }
}

/// <summary>The built <c>rawkode</c>, started by the SDK as its time-skipping test server.</summary>
public sealed class SdkStartedTimeSkippingTests : TimeSkippingEnvironmentTests
{
    protected override async Task<WorkflowEnvironment> StartAsync() =>
        await TemporalTestServer.StartTimeSkippingAsync(typeof(SdkStartedTimeSkippingTests).Assembly);
}

/// <summary>The server hosted in the test's process, with the same time-skipping behaviour as the SDK's environment.</summary>
public sealed class InProcessEnvironmentTimeSkippingTests : TimeSkippingEnvironmentTests
{
    protected override async Task<WorkflowEnvironment> StartAsync() => await InProcessTimeSkippingEnvironment.StartAsync();

    [Fact]
    public async Task DelayAsync_WorkOutstandingForLongerThanTheClientsCallTimeout_WaitsForItInsteadOfTimingOut()
    {
        // Given work the clock cannot skip past (a workflow task nobody polls for), so a delay runs in real time,
        await using var env = await InProcessTimeSkippingEnvironment.StartAsync();
        await env.Client.StartWorkflowAsync("NobodyRunsThis", [], new(Workers.NewId("outstanding"), Workers.NewTaskQueue()));

        // when a test delays for longer than the SDK's default 30 s for a call (as skipping through a busy show does),
        var delay = TimeSpan.FromSeconds(35);
        var started = System.Diagnostics.Stopwatch.StartNew();
        await env.DelayAsync(delay);

        // then the delay ends when the clock gets there, not with the client's "Timeout expired".
        Assert.True(started.Elapsed >= delay - TimeSpan.FromSeconds(1), $"returned after {started.Elapsed}");
    }
}

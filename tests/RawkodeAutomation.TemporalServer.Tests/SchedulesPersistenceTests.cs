using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Client.Schedules;

namespace RawkodeAutomation.TemporalServer.Tests;

/// <summary>Schedules across a restart on the same SQLite file, with a clock that jumps over the downtime.</summary>
public sealed class SchedulesPersistenceTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rawkode-schedules-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>The real clock moved forward by a settable amount, so "the server was down for a minute" takes no time.</summary>
    private sealed class JumpingClock : TimeProvider
    {
        public TimeSpan Offset { get; set; }

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
    }

    [Fact]
    public async Task Start_SecondServerOnTheSameDatabase_IsRefusedNamingTheFirst_ThenStartsOnceItStopped()
    {
        var database = Path.Combine(_directory, "temporal.db");
        await using (var first = await OfflineTemporalServer.StartNewAsync(new() { DatabaseFilename = database }))
        {
            // Each server keeps its own copy of every run: two on one file would write over each other.
            var refused = await Assert.ThrowsAsync<TemporalDatabaseInUseException>(() => OfflineTemporalServer.StartNewAsync(new() { DatabaseFilename = database }));

            Assert.Equal(first.Address, refused.RunningAt);
            Assert.Contains($"the SQLite file {database} is in use by another offline Temporal server (listening at {first.Address})", refused.Message, StringComparison.Ordinal);
        }

        await using var next = await OfflineTemporalServer.StartNewAsync(new() { DatabaseFilename = database });
        Assert.Equal(next.Address + "\n", await File.ReadAllTextAsync(database + ".owner"));
    }

    [Fact]
    public async Task Restart_AfterMinuteDown_CatchesUpWithinWindowAndCountsTheRestMissed()
    {
        var database = Path.Combine(_directory, "temporal.db");
        var clock = new JumpingClock();
        var id = Workers.NewId("sched-restart");
        var workflowId = Workers.NewId("wf");
        var schedule = SchedulesTests.EverySecond(workflowId, ScheduleOverlapPolicy.AllowAll, TimeSpan.FromSeconds(2)) with
        {
            Policy = new() { Overlap = ScheduleOverlapPolicy.AllowAll, CatchupWindow = TimeSpan.FromSeconds(10) },
        };

        await using (var first = await OfflineTemporalServer.StartNewAsync(new() { DatabaseFilename = database, TimeProvider = clock }))
        {
            var client = await TemporalClient.ConnectAsync(new(first.Address));
            var handle = await client.CreateScheduleAsync(id, schedule);
            await SchedulesTests.WaitForAsync(handle, d => d.Info.NumActions >= 1, "an action before the restart");
            await handle.PauseAsync("kept across restarts");
            await handle.UnpauseAsync("running again");
        }

        // The server is down for a minute.
        clock.Offset = TimeSpan.FromMinutes(1);

        await using var second = await OfflineTemporalServer.StartNewAsync(new() { DatabaseFilename = database, TimeProvider = clock });
        var again = await TemporalClient.ConnectAsync(new(second.Address));
        var restarted = again.GetScheduleHandle(id);
        var description = await SchedulesTests.WaitForAsync(restarted, d => d.Info.NumActionsMissedCatchupWindow >= 20, "missed actions counted");
        Assert.Equal("running again", description.Schedule.State.Note);
        Assert.False(description.Schedule.State.Paused);
        // About 30 two-second slots passed: those older than the 10 s window are missed, the last few are caught up.
        Assert.InRange(description.Info.NumActionsMissedCatchupWindow, 20, 30);
        var caughtUp = description.Info.RecentActions.Where(a => a.StartedAt - a.ScheduledAt > TimeSpan.FromSeconds(1)).ToList();
        Assert.InRange(caughtUp.Count, 3, 6);
        Assert.All(caughtUp, a => Assert.True(a.StartedAt - a.ScheduledAt <= TimeSpan.FromSeconds(11)));
        foreach (var action in caughtUp)
        {
            var start = Assert.IsType<ScheduleActionExecutionStartWorkflow>(action.Action);
            await again.GetWorkflowHandle(start.WorkflowId, start.FirstExecutionRunId).DescribeAsync();
        }
        var before = description.Info.NumActions;
        await SchedulesTests.WaitForAsync(restarted, d => d.Info.NumActions > before, "a regular action after catching up");
        await restarted.DeleteAsync();
    }

    [Fact]
    public async Task Restart_PausedSchedule_NothingCaughtUpNothingCountedMissed()
    {
        var database = Path.Combine(_directory, "temporal.db");
        var clock = new JumpingClock();
        var id = Workers.NewId("sched-paused");
        await using (var first = await OfflineTemporalServer.StartNewAsync(new() { DatabaseFilename = database, TimeProvider = clock }))
        {
            var client = await TemporalClient.ConnectAsync(new(first.Address));
            // Created paused, so no action can slip in before the pause.
            var handle = await client.CreateScheduleAsync(id, SchedulesTests.EverySecond(Workers.NewId("wf"), ScheduleOverlapPolicy.AllowAll) with
            {
                State = new ScheduleState { Paused = true, Note = "held" },
            });
            Assert.True((await handle.DescribeAsync()).Schedule.State.Paused);
        }

        clock.Offset = TimeSpan.FromDays(2);

        await using var second = await OfflineTemporalServer.StartNewAsync(new() { DatabaseFilename = database, TimeProvider = clock });
        var restarted = (await TemporalClient.ConnectAsync(new(second.Address))).GetScheduleHandle(id);
        var description = await restarted.DescribeAsync();
        Assert.True(description.Schedule.State.Paused);
        Assert.Equal("held", description.Schedule.State.Note);
        Assert.Equal(0, description.Info.NumActionsMissedCatchupWindow);
        Assert.Equal(0, description.Info.NumActions);

        await restarted.UnpauseAsync("go");
        var running = await SchedulesTests.WaitForAsync(restarted, d => d.Info.NumActions >= 1, "an action after unpausing");
        // Only new times run: nothing from the two days the server was down.
        Assert.All(running.Info.RecentActions, a => Assert.True(a.StartedAt - a.ScheduledAt < TimeSpan.FromSeconds(5)));
        await restarted.DeleteAsync();
    }
}

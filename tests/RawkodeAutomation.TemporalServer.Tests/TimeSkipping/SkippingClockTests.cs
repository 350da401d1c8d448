using RawkodeAutomation.TemporalServer.TimeSkipping;

namespace RawkodeAutomation.TemporalServer.Tests.TimeSkipping;

/// <summary>The skippable clock on its own: lock counting, sleeps, and jumps to registered deadlines.</summary>
public class SkippingClockTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    /// <summary>A deadline queue with one settable entry, standing in for the server's scheduler.</summary>
    private sealed class OneDeadline : IDeadlineSource
    {
        public DateTime? NextDue { get; set; }

        public int Wakes { get; private set; }

        public void Wake() => Wakes++;
    }

    [Fact]
    public void Unlock_NotLocked_ThrowsNamingTheImbalance()
    {
        using var clock = new SkippingClock(startLocked: false);
        var error = Assert.Throws<InvalidOperationException>(clock.Unlock);
        Assert.Contains("not locked", error.Message);
    }

    [Fact]
    public void LockAndUnlock_Counted_SkipsOnlyAtZero()
    {
        using var clock = new SkippingClock(startLocked: true);
        var deadline = new OneDeadline { NextDue = clock.GetUtcNow().UtcDateTime + TimeSpan.FromDays(3) };
        using var registration = clock.AddDeadlineSource(deadline);
        clock.Lock();
        Assert.Equal(2, clock.LockCount);
        clock.Unlock();
        Assert.False(clock.TrySkip());
        Assert.True(clock.Skipped < TimeSpan.FromMinutes(1));
        clock.Unlock();
        Assert.Equal(0, clock.LockCount);
        // The pump may have jumped already; either way the clock now stands at (or past) the deadline.
        clock.TrySkip();
        Assert.True(clock.GetUtcNow().UtcDateTime >= deadline.NextDue);
        Assert.True(clock.Skipped > TimeSpan.FromDays(3) - TimeSpan.FromMinutes(1));
    }

    [Fact]
    public void TrySkip_DeadlineBeingFired_DoesNotJumpPastIt()
    {
        using var clock = new SkippingClock(startLocked: true);
        var firing = new OneDeadline { NextDue = DateTime.MinValue };
        using var registration = clock.AddDeadlineSource(firing);
        clock.Unlock();
        using var later = clock.AddDeadlineSource(new OneDeadline { NextDue = clock.GetUtcNow().UtcDateTime + TimeSpan.FromHours(1) });
        Assert.False(clock.TrySkip());
        Assert.True(clock.Skipped < TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task UnlockWithSleep_OneDay_AdvancesADayAndTakesTheLockBack()
    {
        using var clock = new SkippingClock(startLocked: true);
        var before = clock.GetUtcNow();
        using var wall = new CancellationTokenSource(Limit);
        await clock.UnlockWithSleepAsync(TimeSpan.FromDays(1), wall.Token);
        Assert.Equal(1, clock.LockCount);
        Assert.InRange(clock.GetUtcNow() - before, TimeSpan.FromDays(1), TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Sleep_Locked_WaitsRealTimeInsteadOfSkipping()
    {
        using var clock = new SkippingClock(startLocked: true);
        var before = clock.GetUtcNow();
        using var wall = new CancellationTokenSource(Limit);
        await clock.SleepAsync(TimeSpan.FromMilliseconds(200), wall.Token);
        Assert.True(clock.GetUtcNow() - before >= TimeSpan.FromMilliseconds(200));
        Assert.Equal(TimeSpan.Zero, clock.Skipped);
    }

    [Fact]
    public async Task UnlockWithSleep_Cancelled_LockCountRestored()
    {
        using var clock = new SkippingClock(startLocked: true);
        // A second holder keeps time locked, so the sleep cannot complete by skipping.
        clock.Lock();
        using var cancel = new CancellationTokenSource();
        var sleep = clock.UnlockWithSleepAsync(TimeSpan.FromDays(1), cancel.Token);
        Assert.Equal(1, clock.LockCount);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sleep);
        Assert.Equal(2, clock.LockCount);
    }

    [Fact]
    public async Task UnlockWithSleep_NotLocked_SleepsBySkippingAndStaysUnlocked()
    {
        using var clock = new SkippingClock(startLocked: false);
        var before = clock.GetUtcNow();
        using var wall = new CancellationTokenSource(Limit);

        await clock.UnlockWithSleepAsync(TimeSpan.FromDays(1), wall.Token);

        Assert.Equal(0, clock.LockCount);
        Assert.True(clock.GetUtcNow() - before >= TimeSpan.FromDays(1));
    }
}

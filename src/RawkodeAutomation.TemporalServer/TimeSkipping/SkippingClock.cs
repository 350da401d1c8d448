namespace RawkodeAutomation.TemporalServer.TimeSkipping;

/// <summary>
/// The clock of the time-skipping test server: it runs at wall-clock speed and, while nobody holds the time lock and
/// the server has no outstanding work, jumps straight to the next pending deadline (a workflow timer, an activity
/// retry backoff, a schedule's next action, a test's sleep). "Now" is the real time plus every jump so far.
/// </summary>
/// <remarks>
/// It mirrors the official Java test server's self-advancing timer
/// (https://github.com/temporalio/sdk-java/tree/master/temporal-test-server): locks are counted
/// (<see cref="Lock"/>/<see cref="Unlock"/>, the <c>temporal.api.testservice.v1.TestService</c> RPCs), and the
/// server itself counts as a lock while a workflow task, an activity attempt or a query is outstanding, so a
/// jump never overtakes work a worker still has to do. Waits (<see cref="TimeProvider.CreateTimer"/>) stay on
/// real time; after a jump the deadline schedulers are woken instead. Pass an instance as
/// <see cref="OfflineTemporalServerOptions.TimeProvider"/> to turn time skipping on; the server then serves the
/// TestService too.
/// </remarks>
public sealed class SkippingClock : TimeProvider, IDisposable
{
    private readonly Lock _sync = new();
    private readonly TimeProvider _real;
    private readonly List<IDeadlineSource> _sources = [];
    private readonly List<Sleeper> _sleepers = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;
    private TaskCompletionSource _poked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Func<Action, bool>? _whenIdle;
    private TimeSpan _offset;
    private int _locks;
    private bool _disposed;

    /// <summary>Creates a clock that starts at the real time.</summary>
    /// <param name="startLocked">
    /// True (what the official test server does unless started with <c>--enable-time-skipping</c>): time only
    /// skips once a caller unlocks it, e.g. the SDK while it waits for a workflow result.
    /// </param>
    /// <param name="realTime">The underlying clock; the system clock when null.</param>
    public SkippingClock(bool startLocked = true, TimeProvider? realTime = null)
    {
        _real = realTime ?? System;
        _locks = startLocked ? 1 : 0;
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>How many callers hold the time lock (time only skips at zero).</summary>
    public int LockCount
    {
        get
        {
            lock (_sync)
            {
                return _locks;
            }
        }
    }

    /// <summary>How far this clock is ahead of the real time: the sum of every jump.</summary>
    public TimeSpan Skipped
    {
        get
        {
            lock (_sync)
            {
                return _offset;
            }
        }
    }

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow()
    {
        lock (_sync)
        {
            return _real.GetUtcNow() + _offset;
        }
    }

    /// <inheritdoc />
    public override TimeZoneInfo LocalTimeZone => _real.LocalTimeZone;

    /// <summary>Stops time skipping until a matching <see cref="Unlock"/> (locks are counted).</summary>
    public void Lock()
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _locks++;
        }
    }

    /// <summary>Releases one lock; at zero, time skips whenever the server is idle.</summary>
    /// <exception cref="InvalidOperationException">No lock is held (unbalanced unlock).</exception>
    public void Unlock()
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_locks == 0)
            {
                throw new InvalidOperationException("time skipping is not locked: every UnlockTimeSkipping needs an earlier LockTimeSkipping");
            }
            _locks--;
        }
        Poke();
    }

    /// <summary>Completes once this clock reaches now + <paramref name="duration"/> (by skipping if unlocked).</summary>
    public Task SleepAsync(TimeSpan duration, CancellationToken cancellationToken = default) =>
        SleepUntilAsync(GetUtcNow() + (duration < TimeSpan.Zero ? TimeSpan.Zero : duration), cancellationToken);

    /// <summary>Completes once this clock reaches <paramref name="until"/> (by skipping if unlocked).</summary>
    public Task SleepUntilAsync(DateTimeOffset until, CancellationToken cancellationToken = default) =>
        AddSleeper(until, relock: false, cancellationToken);

    /// <summary>
    /// Unlocks, waits until this clock reaches now + <paramref name="duration"/>, and takes the lock again at that
    /// instant, so nothing after the wake-up time is skipped to (<c>UnlockTimeSkippingWithSleep</c>).
    /// </summary>
    public async Task UnlockWithSleepAsync(TimeSpan duration, CancellationToken cancellationToken = default)
    {
        bool locked;
        lock (_sync)
        {
            locked = _locks > 0;
        }
        if (!locked)
        {
            // Already unlocked: the Java test server accepts this as a plain sleep (the SDK's DelayAsync does it when
            // auto time skipping is off), rather than refusing an unbalanced unlock.
            await SleepAsync(duration, cancellationToken).ConfigureAwait(false);
            return;
        }
        var sleep = AddSleeper(GetUtcNow() + (duration < TimeSpan.Zero ? TimeSpan.Zero : duration), relock: true, cancellationToken);
        Unlock();
        await sleep.ConfigureAwait(false);
    }

    /// <summary>Makes the clock look again whether it may skip (something finished or a deadline was added).</summary>
    internal void Poke() => _poked.TrySetResult();

    /// <summary>
    /// The server's check for outstanding work: runs the action under the server's state lock only when nothing is
    /// outstanding, and says whether it ran. Without one (a bare clock), the action always runs.
    /// </summary>
    internal void AttachIdleCheck(Func<Action, bool>? whenIdle)
    {
        lock (_sync)
        {
            _whenIdle = whenIdle;
        }
        Poke();
    }

    /// <summary>Registers a queue of deadlines the clock may jump to; dispose the result to unregister.</summary>
    internal IDisposable AddDeadlineSource(IDeadlineSource source)
    {
        lock (_sync)
        {
            _sources.Add(source);
        }
        Poke();
        return new Registration(this, source);
    }

    /// <summary>One attempt to jump to the earliest deadline; true if time moved.</summary>
    internal bool TrySkip()
    {
        Func<Action, bool>? whenIdle;
        lock (_sync)
        {
            if (_locks > 0 || _disposed)
            {
                return false;
            }
            whenIdle = _whenIdle;
        }
        var advanced = false;
        IDeadlineSource[] sources = [];
        void Jump()
        {
            // Peeked inside the server's lock, so no state change can add an earlier deadline before the jump.
            DateTimeOffset? target = null;
            lock (_sync)
            {
                sources = [.. _sources];
            }
            foreach (var source in sources)
            {
                if (source.NextDue is { } due)
                {
                    var at = new DateTimeOffset(DateTime.SpecifyKind(due, DateTimeKind.Utc));
                    if (target is null || at < target)
                    {
                        target = at;
                    }
                }
            }
            lock (_sync)
            {
                if (_locks > 0 || _disposed)
                {
                    return;
                }
                foreach (var sleeper in _sleepers)
                {
                    if (target is null || sleeper.Until < target)
                    {
                        target = sleeper.Until;
                    }
                }
                var now = _real.GetUtcNow() + _offset;
                if (target is not { } to || to <= now)
                {
                    return;
                }
                _offset += to - now;
                advanced = true;
                WakeSleepersLocked();
            }
        }
        if (whenIdle is null)
        {
            Jump();
        }
        else
        {
            whenIdle(Jump);
        }
        if (advanced)
        {
            foreach (var source in sources)
            {
                source.Wake();
            }
        }
        return advanced;
    }

    public void Dispose()
    {
        List<Sleeper> sleepers;
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            sleepers = [.. _sleepers];
            _sleepers.Clear();
        }
        foreach (var sleeper in sleepers)
        {
            sleeper.Done.TrySetException(new ObjectDisposedException(nameof(SkippingClock), "the server is shutting down"));
        }
        _stop.Cancel();
        try
        {
            _pump.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The pump ends by cancellation; nothing to report.
        }
        _stop.Dispose();
    }

    private Task AddSleeper(DateTimeOffset until, bool relock, CancellationToken cancellationToken)
    {
        var sleeper = new Sleeper(until, relock);
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _sleepers.Add(sleeper);
        }
        if (cancellationToken.CanBeCanceled)
        {
            sleeper.Cancellation = cancellationToken.Register(() => CancelSleeper(sleeper, cancellationToken));
        }
        Poke();
        return sleeper.Done.Task;
    }

    private void CancelSleeper(Sleeper sleeper, CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            if (!_sleepers.Remove(sleeper))
            {
                return;
            }
            // A caller that gave up an UnlockTimeSkippingWithSleep gets its lock back, so locks stay balanced.
            if (sleeper.Relock)
            {
                _locks++;
            }
        }
        sleeper.Done.TrySetCanceled(cancellationToken);
    }

    /// <summary>Completes every sleeper whose time has come, taking their locks first.</summary>
    private void WakeSleepersLocked()
    {
        var now = _real.GetUtcNow() + _offset;
        for (var i = _sleepers.Count - 1; i >= 0; i--)
        {
            var sleeper = _sleepers[i];
            if (sleeper.Until > now)
            {
                continue;
            }
            _sleepers.RemoveAt(i);
            if (sleeper.Relock)
            {
                _locks++;
            }
            // Continuations run asynchronously, so completing under the lock is safe.
            sleeper.Done.TrySetResult();
            // Unregister, not Dispose: Dispose would wait for a running cancellation callback that needs this lock.
            sleeper.Cancellation.Unregister();
        }
    }

    private async Task PumpAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Task poked;
            lock (_sync)
            {
                if (_poked.Task.IsCompleted)
                {
                    _poked = new(TaskCreationOptions.RunContinuationsAsynchronously);
                }
                poked = _poked.Task;
            }
            try
            {
                TrySkip();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A failed attempt must not stop the clock; the next poke tries again.
                Console.Error.WriteLine($"temporal-server: time skipping failed: {ex.Message}");
            }
            var wait = TimeSpan.FromSeconds(30);
            lock (_sync)
            {
                WakeSleepersLocked();
                var now = _real.GetUtcNow() + _offset;
                foreach (var sleeper in _sleepers)
                {
                    var until = sleeper.Until - now;
                    if (until < wait)
                    {
                        wait = until;
                    }
                }
            }
            if (wait < TimeSpan.FromMilliseconds(1))
            {
                wait = TimeSpan.FromMilliseconds(1);
            }
            try
            {
                await Task.WhenAny(poked, Task.Delay(wait, _real, _stop.Token)).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void RemoveSource(IDeadlineSource source)
    {
        lock (_sync)
        {
            _sources.Remove(source);
        }
    }

    private sealed class Sleeper(DateTimeOffset until, bool relock)
    {
        public DateTimeOffset Until { get; } = until;
        public bool Relock { get; } = relock;
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public CancellationTokenRegistration Cancellation { get; set; }
    }

    private sealed class Registration(SkippingClock clock, IDeadlineSource source) : IDisposable
    {
        public void Dispose() => clock.RemoveSource(source);
    }
}

/// <summary>A queue of deadlines the <see cref="SkippingClock"/> may jump to (the server's schedulers).</summary>
internal interface IDeadlineSource
{
    /// <summary>The earliest pending deadline (UTC); <see cref="DateTime.MinValue"/> while one is being fired.</summary>
    DateTime? NextDue { get; }

    /// <summary>Look at the clock again: it just jumped.</summary>
    void Wake();
}

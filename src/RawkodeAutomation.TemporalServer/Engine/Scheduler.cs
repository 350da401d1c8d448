using RawkodeAutomation.TemporalServer.TimeSkipping;

namespace RawkodeAutomation.TemporalServer.Engine;

internal enum TimerKind
{
    UserTimer,
    WorkflowTaskStartToClose,
    WorkflowTaskDispatch,
    StickyScheduleToStart,
    StickyQueryScheduleToStart,
    ActivityScheduleToStart,
    ActivityStartToClose,
    ActivityScheduleToClose,
    ActivityHeartbeat,
    ActivityRetry,
    WorkflowRunTimeout,
    NexusScheduleToClose,
    NexusScheduleToStart,
    NexusStartToClose,
    NexusRequestTimeout,
    NexusRetry,
}

/// <summary>One pending deadline. Stale entries are harmless: the engine re-validates each on firing.</summary>
internal readonly record struct TimerEntry(TimerKind Kind, string RunId, long Key, int Attempt, string? Name = null);

/// <summary>
/// A single scheduler loop for every deadline in the server (user timers, task timeouts, retry backoffs),
/// so firing order is deterministic: earliest due first, then insertion order. On a <see cref="SkippingClock"/>
/// it is a deadline source the clock may jump to.
/// </summary>
internal sealed class Scheduler : IDisposable, IDeadlineSource
{
    private readonly PriorityQueue<TimerEntry, (DateTime Due, long Seq)> _queue = new();
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly Action<TimerEntry> _fire;
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SkippingClock? _skipping;
    private readonly IDisposable? _registration;
    private long _seq;
    private bool _firing;
    private Task? _loop;

    public Scheduler(TimeProvider time, Action<TimerEntry> fire)
    {
        _time = time;
        _fire = fire;
        if (time is SkippingClock skipping)
        {
            _skipping = skipping;
            _registration = skipping.AddDeadlineSource(this);
        }
    }

    /// <inheritdoc />
    public DateTime? NextDue
    {
        get
        {
            lock (_lock)
            {
                // An entry taken off the queue but not fired yet still counts: the clock must not jump past it.
                return _firing ? DateTime.MinValue : _queue.TryPeek(out _, out var priority) ? priority.Due : null;
            }
        }
    }

    /// <inheritdoc />
    public void Wake()
    {
        lock (_lock)
        {
            _changed.TrySetResult();
        }
    }

    public void Start() => _loop = Task.Run(RunAsync);

    public void Add(DateTime due, TimerEntry entry)
    {
        lock (_lock)
        {
            _queue.Enqueue(entry, (due, _seq++));
            _changed.TrySetResult();
        }
        _skipping?.Poke();
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TimerEntry? due = null;
            TimeSpan wait = TimeSpan.FromSeconds(30);
            Task changed;
            lock (_lock)
            {
                changed = _changed.Task;
                if (_queue.TryPeek(out var entry, out var priority))
                {
                    var now = _time.GetUtcNow().UtcDateTime;
                    if (priority.Due <= now)
                    {
                        _queue.Dequeue();
                        due = entry;
                        _firing = true;
                    }
                    else
                    {
                        wait = priority.Due - now;
                        if (wait > TimeSpan.FromSeconds(30))
                        {
                            wait = TimeSpan.FromSeconds(30);
                        }
                    }
                }
                if (due is null && _changed.Task.IsCompleted)
                {
                    _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
                    changed = _changed.Task;
                    continue;
                }
            }
            if (due is { } fire)
            {
                try
                {
                    _fire(fire);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // A failing timer must not stop every other deadline in the server.
                    Console.Error.WriteLine($"temporal-server: timer {fire.Kind} for run {fire.RunId} failed: {ex.Message}");
                }
                finally
                {
                    lock (_lock)
                    {
                        _firing = false;
                    }
                    // A stale entry changes nothing else, so nothing else would tell the clock to look again.
                    _skipping?.Poke();
                }
                continue;
            }
            try
            {
                await Task.WhenAny(changed, Task.Delay(wait, _time, _stop.Token)).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public void Dispose()
    {
        _registration?.Dispose();
        _stop.Cancel();
        try
        {
            _loop?.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The loop ends by cancellation; nothing to report.
        }
        _stop.Dispose();
    }
}

namespace RawkodeAutomation.TemporalServer.Engine;

internal enum TimerKind
{
    UserTimer,
    WorkflowTaskStartToClose,
    WorkflowTaskDispatch,
    ActivityScheduleToStart,
    ActivityStartToClose,
    ActivityScheduleToClose,
    ActivityHeartbeat,
    ActivityRetry,
    WorkflowRunTimeout,
}

/// <summary>One pending deadline. Stale entries are harmless: the engine re-validates each on firing.</summary>
internal readonly record struct TimerEntry(TimerKind Kind, string RunId, long Key, int Attempt, string? Name = null);

/// <summary>
/// A single scheduler loop for every deadline in the server (user timers, task timeouts, retry backoffs),
/// so firing order is deterministic: earliest due first, then insertion order.
/// </summary>
internal sealed class Scheduler : IDisposable
{
    private readonly PriorityQueue<TimerEntry, (DateTime Due, long Seq)> _queue = new();
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly Action<TimerEntry> _fire;
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _seq;
    private Task? _loop;

    public Scheduler(TimeProvider time, Action<TimerEntry> fire)
    {
        _time = time;
        _fire = fire;
    }

    public void Start() => _loop = Task.Run(RunAsync);

    public void Add(DateTime due, TimerEntry entry)
    {
        lock (_lock)
        {
            _queue.Enqueue(entry, (due, _seq++));
            _changed.TrySetResult();
        }
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

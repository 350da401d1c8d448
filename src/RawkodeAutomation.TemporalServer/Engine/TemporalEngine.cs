using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using RawkodeAutomation.TemporalServer.Storage;
using RawkodeAutomation.TemporalServer.TimeSkipping;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.TaskQueue.V1;

namespace RawkodeAutomation.TemporalServer.Engine;

/// <summary>
/// The whole server state machine: namespaces, runs (mutable state + history), task queues, deadlines and
/// visibility. One lock serialises every state change, which keeps event ordering deterministic and makes
/// "persist, then acknowledge" trivially true: each public operation commits to the store before it returns.
/// </summary>
internal sealed partial class TemporalEngine : IDisposable
{
    private readonly Lock _gate = new();
    private readonly IExecutionStore _store;
    private readonly TimeProvider _time;
    private readonly Scheduler _scheduler;
    private readonly Dictionary<string, NamespaceEntry> _namespaces = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RunState> _runs = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Ns, string WorkflowId), List<RunState>> _byWorkflowId = new();
    private readonly Dictionary<(string Ns, string Name, TaskKind Kind), TaskQueueState> _queues = new();
    private readonly Dictionary<string, QueryTask> _queries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TaskCompletionSource> _changed = new(StringComparer.Ordinal);
    private readonly HashSet<RunState> _dirty = [];
    private readonly List<Action> _afterCommit = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly SkippingClock? _skipping;
    private bool _disposed;

    /// <summary>History length from which workflow tasks suggest continue-as-new (a real server's default is 4096 events).</summary>
    private readonly int _suggestContinueAsNewAfterEvents;

    /// <summary>Longest a task poll waits before answering empty.</summary>
    private readonly TimeSpan _taskPoll;

    /// <summary>Longest a history, update or query wait holds before answering with what it has.</summary>
    private readonly TimeSpan _waitPoll;

    /// <summary>Payload size limits (a real server's <c>limit.blobSize.error</c> and <c>limit.memoSize.error</c>).</summary>
    private readonly PayloadLimits _limits;

    public TemporalEngine(IExecutionStore store, TimeProvider time, IEnumerable<string> namespaces, TimeSpan? longPoll = null, int suggestContinueAsNewAfterEvents = 4096, PayloadLimits? limits = null)
    {
        _limits = limits ?? new PayloadLimits();
        _suggestContinueAsNewAfterEvents = suggestContinueAsNewAfterEvents;
        _store = store;
        _taskPoll = longPoll ?? TimeSpan.FromSeconds(60);
        _waitPoll = _taskPoll < TimeSpan.FromSeconds(20) ? _taskPoll : TimeSpan.FromSeconds(20);
        _time = time;
        _scheduler = new Scheduler(time, OnTimer);
        foreach (var ns in namespaces.Prepend("default").Distinct(StringComparer.Ordinal))
        {
            _namespaces[ns] = new NamespaceEntry(ns, DeterministicId(ns));
        }
        LoadSearchAttributes();
        Load();
        _scheduler.Start();
        if (time is SkippingClock skipping)
        {
            _skipping = skipping;
            skipping.AttachIdleCheck(RunIfIdle);
        }
    }

    public CancellationToken Stopping => _stopping.Token;

    public IReadOnlyCollection<NamespaceEntry> Namespaces
    {
        get
        {
            lock (_gate)
            {
                return [.. _namespaces.Values];
            }
        }
    }

    private DateTime Now => _time.GetUtcNow().UtcDateTime;

    public void Dispose()
    {
        _skipping?.AttachIdleCheck(null);
        _stopping.Cancel();
        lock (_gate)
        {
            _disposed = true;
            foreach (var queue in _queues.Values)
            {
                queue.WakeAll();
            }
        }
        _scheduler.Dispose();
        lock (_gate)
        {
            _store.Dispose();
        }
        // _stopping is deliberately not disposed: late long polls still link to its token.
    }

    // ---- infrastructure -------------------------------------------------------------------------

    internal sealed record NamespaceEntry(string Name, string Id);

    /// <summary>Largest payload (blob) and memo a request or command may carry; a real server's defaults are 2 MiB each.</summary>
    internal sealed record PayloadLimits(int BlobSizeError = 2 * 1024 * 1024, int MemoSizeError = 2 * 1024 * 1024);

    private static string DeterministicId(string name)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("rawkode-namespace/" + name));
        return new Guid(hash.AsSpan(0, 16)).ToString();
    }

    private NamespaceEntry RequireNamespace(string ns)
    {
        if (string.IsNullOrEmpty(ns))
        {
            throw Errors.InvalidArgument("Namespace not set on request.");
        }
        return _namespaces.TryGetValue(ns, out var entry) ? entry : throw Errors.NamespaceNotFound(ns);
    }

    public void EnsureNamespace(string ns)
    {
        lock (_gate)
        {
            RequireNamespace(ns);
        }
    }

    private TaskQueueState Queue(string ns, string name, TaskKind kind)
    {
        if (!_queues.TryGetValue((ns, name, kind), out var queue))
        {
            queue = new TaskQueueState();
            _queues[(ns, name, kind)] = queue;
        }
        return queue;
    }

    private void MarkDirty(RunState run) => _dirty.Add(run);

    /// <summary>Persists every run changed by the current operation, then wakes whoever waits on them.</summary>
    private void Commit()
    {
        if (_disposed)
        {
            // Nothing may be acknowledged that was not stored; the client retries against the next server life.
            _dirty.Clear();
            _afterCommit.Clear();
            throw new global::Grpc.Core.RpcException(new global::Grpc.Core.Status(global::Grpc.Core.StatusCode.Unavailable, "the server is shutting down"));
        }
        if (_dirty.Count > 0)
        {
            _store.Save(_dirty);
            foreach (var run in _dirty)
            {
                run.PersistedEvents = run.History.Count;
                if (_changed.Remove(run.RunId, out var signal))
                {
                    signal.TrySetResult();
                }
            }
            _dirty.Clear();
        }
        foreach (var action in _afterCommit)
        {
            action();
        }
        _afterCommit.Clear();
        // Work may have finished (or a deadline appeared): a skipping clock looks again whether it may jump.
        _skipping?.Poke();
    }

    /// <summary>
    /// Runs <paramref name="action"/> under the state lock if no work is outstanding, the way the official test
    /// server holds its time lock: while a workflow task is scheduled or running, an activity attempt is scheduled
    /// or running (not while it waits out a retry backoff), or a query waits for a worker. A skipping clock jumps
    /// only from inside this, so no state change can slip in between the check and the jump.
    /// </summary>
    private bool RunIfIdle(Action action)
    {
        lock (_gate)
        {
            if (_disposed || _queries.Count > 0)
            {
                return false;
            }
            foreach (var run in _runs.Values)
            {
                if (!run.IsRunning)
                {
                    continue;
                }
                if (run.WftScheduledId != 0)
                {
                    return false;
                }
                foreach (var activity in run.Activities.Values)
                {
                    if (activity.RetryAt is null)
                    {
                        return false;
                    }
                }
                foreach (var op in run.NexusOperations.Values)
                {
                    if (op.InFlight || op.CancelInFlight || (op.OperationToken is null && op.RetryAt is null))
                    {
                        return false;
                    }
                }
            }
            action();
            return true;
        }
    }

    /// <summary>A task that completes the next time the run changes; used by every long poll.</summary>
    private Task ChangedSignal(RunState run)
    {
        if (!_changed.TryGetValue(run.RunId, out var signal))
        {
            signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _changed[run.RunId] = signal;
        }
        return signal.Task;
    }

    private void Register(RunState run)
    {
        if (IsStandalone(run))
        {
            RegisterStandalone(run);
            return;
        }
        _runs[run.RunId] = run;
        if (!_byWorkflowId.TryGetValue((run.Namespace, run.WorkflowId), out var list))
        {
            list = [];
            _byWorkflowId[(run.Namespace, run.WorkflowId)] = list;
        }
        list.Add(run);
    }

    private RunState? CurrentRun(string ns, string workflowId) =>
        _byWorkflowId.TryGetValue((ns, workflowId), out var list) && list.Count > 0 ? list[^1] : null;

    /// <summary>Finds a run by workflow id and optional run id (empty: the latest run), or NotFound.</summary>
    private RunState FindRun(string ns, WorkflowExecution? execution)
    {
        if (execution is null || string.IsNullOrEmpty(execution.WorkflowId))
        {
            throw Errors.InvalidArgument("WorkflowId is not set on request.");
        }
        if (!string.IsNullOrEmpty(execution.RunId))
        {
            if (!Guid.TryParse(execution.RunId, out _))
            {
                throw Errors.InvalidArgument("Invalid RunId.");
            }
            if (_runs.TryGetValue(execution.RunId, out var byRun) && byRun.Namespace == ns && byRun.WorkflowId == execution.WorkflowId)
            {
                return byRun;
            }
            throw Errors.WorkflowNotFound(execution.WorkflowId, execution.RunId);
        }
        return CurrentRun(ns, execution.WorkflowId) ?? throw Errors.WorkflowNotFound(execution.WorkflowId, execution.RunId);
    }

    private static WorkflowExecution ExecutionOf(RunState run) => new() { WorkflowId = run.WorkflowId, RunId = run.RunId };

    private HistoryEvent NewEvent(EventType type) => new() { EventType = type, EventTime = Timestamp.FromDateTime(Now) };

    /// <summary>Appends an event to the committed history right away (the caller knows no task is in flight).</summary>
    private HistoryEvent Append(RunState run, HistoryEvent ev)
    {
        FixReferences(run, ev);
        ev.EventId = run.NextEventId;
        ev.TaskId = ev.EventId;
        ev.EventTime ??= Timestamp.FromDateTime(Now);
        run.History.Add(ev);
        run.HistorySizeBytes += ev.CalculateSize();
        OnNumbered(run, ev);
        MarkDirty(run);
        return ev;
    }

    /// <summary>
    /// Adds an event that needs the workflow's attention: buffered while a workflow task is in flight,
    /// otherwise appended with a new workflow task scheduled if none is pending.
    /// </summary>
    private void AddWorkflowEvent(RunState run, HistoryEvent ev, bool scheduleTask = true)
    {
        MarkDirty(run);
        if (run.WftStartedId != 0)
        {
            run.Buffered.Add(ev);
            return;
        }
        Append(run, ev);
        if (run.WftScheduledId == 0 && scheduleTask)
        {
            ScheduleWorkflowTask(run);
        }
    }

    /// <summary>Numbers buffered events after a workflow task completes, fixing up references to events in the same batch.</summary>
    private bool FlushBuffered(RunState run)
    {
        if (run.Buffered.Count == 0)
        {
            return false;
        }
        var buffered = run.Buffered;
        run.Buffered = [];
        foreach (var ev in buffered)
        {
            Append(run, ev);
        }
        return true;
    }

    /// <summary>Activity close events whose <c>started_event_id</c> is found from their <c>scheduled_event_id</c>.</summary>
    internal static readonly HashSet<HistoryEvent.AttributesOneofCase> ActivityCloseCases =
    [
        HistoryEvent.AttributesOneofCase.ActivityTaskCompletedEventAttributes,
        HistoryEvent.AttributesOneofCase.ActivityTaskFailedEventAttributes,
        HistoryEvent.AttributesOneofCase.ActivityTaskTimedOutEventAttributes,
        HistoryEvent.AttributesOneofCase.ActivityTaskCanceledEventAttributes,
    ];

    /// <summary>Child workflow close events whose <c>started_event_id</c> is found from their <c>initiated_event_id</c>.</summary>
    internal static readonly HashSet<HistoryEvent.AttributesOneofCase> ChildCloseCases =
    [
        HistoryEvent.AttributesOneofCase.ChildWorkflowExecutionCompletedEventAttributes,
        HistoryEvent.AttributesOneofCase.ChildWorkflowExecutionFailedEventAttributes,
        HistoryEvent.AttributesOneofCase.ChildWorkflowExecutionCanceledEventAttributes,
        HistoryEvent.AttributesOneofCase.ChildWorkflowExecutionTerminatedEventAttributes,
        HistoryEvent.AttributesOneofCase.ChildWorkflowExecutionTimedOutEventAttributes,
    ];

    /// <summary>
    /// A close event built before its started event was numbered carries <c>started_event_id</c> -1; once it is
    /// appended, point it at the started event of its activity (by scheduled id) or child (by initiated id).
    /// The nine attribute messages share those field names, so they are read through the protobuf descriptors
    /// rather than one copy of the same three lines per message type (a test pins the names).
    /// </summary>
    internal static void FixReferences(RunState run, HistoryEvent ev)
    {
        var activity = ActivityCloseCases.Contains(ev.AttributesCase);
        if (!activity && !ChildCloseCases.Contains(ev.AttributesCase))
        {
            return;
        }
        // A oneof case's value is the field number of the member that is set.
        var attributes = (IMessage)HistoryEvent.Descriptor.FindFieldByNumber((int)ev.AttributesCase).Accessor.GetValue(ev);
        var started = attributes.Descriptor.FindFieldByName("started_event_id");
        if ((long)started.Accessor.GetValue(attributes) >= 0)
        {
            return;
        }
        var key = (long)attributes.Descriptor.FindFieldByName(activity ? "scheduled_event_id" : "initiated_event_id").Accessor.GetValue(attributes);
        started.Accessor.SetValue(attributes, activity
            ? run.History.LastOrDefault(e => e.EventType == EventType.ActivityTaskStarted && e.ActivityTaskStartedEventAttributes.ScheduledEventId == key)?.EventId ?? 0
            : run.History.LastOrDefault(e => e.EventType == EventType.ChildWorkflowExecutionStarted && e.ChildWorkflowExecutionStartedEventAttributes.InitiatedEventId == key)?.EventId ?? 0);
    }

    /// <summary>Keeps mutable state that refers to event ids in step with numbering.</summary>
    private static void OnNumbered(RunState run, HistoryEvent ev)
    {
        if (ev.EventType == EventType.ChildWorkflowExecutionStarted
            && run.Children.TryGetValue(ev.ChildWorkflowExecutionStartedEventAttributes.InitiatedEventId, out var child))
        {
            child.StartedEventId = ev.EventId;
        }
    }

    // ---- workflow tasks ---------------------------------------------------------------------------

    private void ScheduleWorkflowTask(RunState run, int attempt = 1, TimeSpan? delay = null)
    {
        if (IsStandalone(run))
        {
            // A standalone activity's or Nexus operation's record has no workflow to run.
            return;
        }
        run.WftAttempt = attempt;
        var scheduled = Append(run, new HistoryEvent
        {
            EventType = EventType.WorkflowTaskScheduled,
            EventTime = Timestamp.FromDateTime(Now),
            WorkflowTaskScheduledEventAttributes = new()
            {
                TaskQueue = ScheduledTaskQueue(run),
                StartToCloseTimeout = Duration.FromTimeSpan(run.WorkflowTaskTimeout),
                Attempt = run.WftAttempt,
            },
        });
        run.WftScheduledId = scheduled.EventId;
        run.WftStartedId = 0;
        run.WftScheduledTime = Now;
        if (delay is { } d && d > TimeSpan.Zero)
        {
            _scheduler.Add(Now + d, new TimerEntry(TimerKind.WorkflowTaskDispatch, run.RunId, run.WftScheduledId, run.WftAttempt));
        }
        else
        {
            DispatchWorkflowTask(run);
        }
    }

    private void DispatchWorkflowTask(RunState run)
    {
        if (run.StickyTaskQueue is { } sticky)
        {
            DispatchStickyWorkflowTask(run, sticky);
            return;
        }
        var entry = new TaskEntry(run.RunId, run.WftScheduledId, run.WftAttempt);
        var queue = Queue(run.Namespace, run.TaskQueue, TaskKind.Workflow);
        _afterCommit.Add(() => queue.Add(entry));
    }

    /// <summary>Ends the in-flight (or scheduled) workflow task as failed or timed out and schedules the next attempt.</summary>
    private void RetryWorkflowTask(RunState run, HistoryEvent failureEvent)
    {
        // The worker that failed the task dropped the run from its cache: the retry needs full history.
        ClearStickiness(run);
        run.PendingQueries.InsertRange(0, run.InFlightQueries);
        run.InFlightQueries.Clear();
        Append(run, failureEvent);
        FlushBuffered(run);
        var attempt = run.WftAttempt + 1;
        run.WftScheduledId = 0;
        run.WftStartedId = 0;
        // Back off repeated failures so a workflow that always fails its task does not spin.
        var delay = attempt <= 2 ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(10, Math.Pow(2, attempt - 3)));
        ScheduleWorkflowTask(run, attempt, delay);
    }

    /// <summary>The run with <paramref name="runId"/> while it is still running; null once it closed or when unknown.</summary>
    private RunState? RunningRun(string runId) => _runs.TryGetValue(runId, out var run) && run.IsRunning ? run : null;

    private void OnTimer(TimerEntry entry)
    {
        lock (_gate)
        {
            if (_disposed || RunningRun(entry.RunId) is not { } run)
            {
                return;
            }
            switch (entry.Kind)
            {
                case TimerKind.UserTimer:
                    FireUserTimer(run, entry);
                    break;
                case TimerKind.WorkflowTaskStartToClose:
                    if (run.WftScheduledId == entry.Key && run.WftStartedId != 0 && run.WftAttempt == entry.Attempt)
                    {
                        RetryWorkflowTask(run, WorkflowTaskTimedOutEvent(run));
                    }
                    break;
                case TimerKind.WorkflowTaskDispatch:
                    if (run.WftScheduledId == entry.Key && run.WftStartedId == 0)
                    {
                        DispatchWorkflowTask(run);
                    }
                    break;
                case TimerKind.StickyScheduleToStart:
                    OnStickyScheduleToStart(run, entry);
                    break;
                case TimerKind.StickyQueryScheduleToStart:
                    OnStickyQueryScheduleToStart(run, entry);
                    break;
                case TimerKind.WorkflowRunTimeout:
                    if (run.RunExpiration is { } expiry && expiry <= Now.AddMilliseconds(5))
                    {
                        CloseRun(run, WorkflowExecutionStatus.TimedOut, new HistoryEvent
                        {
                            EventType = EventType.WorkflowExecutionTimedOut,
                            WorkflowExecutionTimedOutEventAttributes = new() { RetryState = RetryState.Timeout },
                        });
                    }
                    break;
                case TimerKind.NexusScheduleToClose or TimerKind.NexusScheduleToStart or TimerKind.NexusStartToClose
                    or TimerKind.NexusRequestTimeout or TimerKind.NexusRetry:
                    OnNexusTimer(run, entry);
                    break;
                default:
                    OnActivityTimer(run, entry);
                    break;
            }
            Commit();
        }
    }
}

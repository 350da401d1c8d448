using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using RawkodeAutomation.TemporalServer.Engine;
using RawkodeAutomation.TemporalServer.Storage;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Schedule.V1;
using Temporalio.Api.WorkflowService.V1;

namespace RawkodeAutomation.TemporalServer.Schedules;

/// <summary>
/// Temporal Schedules (https://docs.temporal.io/schedule) on top of the engine: each schedule's next action
/// time sits in a <see cref="Scheduler"/> driven by the engine's clock; firing starts a workflow with id
/// <c>&lt;workflowId&gt;-&lt;scheduled time RFC3339&gt;</c> through the engine, applying the overlap policy.
/// One lock serialises schedule changes; it is always taken before the engine's, never inside it.
/// </summary>
internal sealed class ScheduleService : IDisposable
{
    private const int RecentActionsKept = 10;
    private const int FutureActionTimesShown = 10;

    /// <summary>Most actions buffered behind a running workflow (real Temporal's default buffer limit).</summary>
    private const int MaxBuffered = 1000;

    /// <summary>Real Temporal's default catch-up window.</summary>
    private static readonly TimeSpan DefaultCatchupWindow = TimeSpan.FromDays(365);

    /// <summary>While actions are buffered behind a running workflow, how often the schedule looks again.</summary>
    private static readonly TimeSpan BufferRecheck = TimeSpan.FromMilliseconds(250);

    private readonly Lock _gate = new();
    private readonly TemporalEngine _engine;
    private readonly IScheduleStore _store;
    private readonly TimeProvider _time;
    private readonly Scheduler _timers;
    private readonly Dictionary<(string Ns, string Id), Entry> _schedules = [];
    private bool _disposed;

    private sealed class Entry
    {
        public required string Namespace { get; init; }
        public required string Id { get; init; }
        public required DescribeScheduleResponse State { get; set; }
        public DateTime Cursor { get; set; }
        public List<long> Buffered { get; set; } = [];
        public long Generation { get; set; }
        public Schedule Schedule => State.Schedule;
        public ScheduleInfo Info => State.Info;
    }

    public ScheduleService(TemporalEngine engine, IScheduleStore store, TimeProvider time)
    {
        _engine = engine;
        _store = store;
        _time = time;
        _timers = new Scheduler(time, OnTimer);
        foreach (var stored in store.LoadAll())
        {
            var entry = new Entry
            {
                Namespace = stored.Namespace,
                Id = stored.ScheduleId,
                State = DescribeScheduleResponse.Parser.ParseFrom(stored.Data),
                Cursor = stored.Cursor,
                Buffered = [.. stored.Buffered],
            };
            _schedules[(entry.Namespace, entry.Id)] = entry;
            // Due now: whatever was missed while the server was down is caught up (or counted as missed).
            Arm(entry, Now);
        }
        _timers.Start();
    }

    private DateTime Now => _time.GetUtcNow().UtcDateTime;

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }
        _timers.Dispose();
        lock (_gate)
        {
            _store.Dispose();
        }
    }

    // ---- RPCs -------------------------------------------------------------------------------------

    public CreateScheduleResponse Create(CreateScheduleRequest request)
    {
        lock (_gate)
        {
            ThrowIfStopped();
            _engine.EnsureNamespace(request.Namespace);
            RequireId(request.ScheduleId);
            ValidateSchedule(request.Schedule);
            if (_schedules.ContainsKey((request.Namespace, request.ScheduleId)))
            {
                // A real server runs each schedule as a workflow, so a duplicate is "workflow already started".
                throw Errors.AlreadyStarted($"schedule with id {request.ScheduleId} is already registered", request.RequestId, "");
            }
            var now = Now;
            var schedule = request.Schedule.Clone();
            ScheduleSpecCalculator.CompileCronStrings(schedule.Spec);
            schedule.State ??= new ScheduleState();
            schedule.Policies ??= new SchedulePolicies();
            var entry = new Entry
            {
                Namespace = request.Namespace,
                Id = request.ScheduleId,
                State = new DescribeScheduleResponse
                {
                    Schedule = schedule,
                    Info = new ScheduleInfo { CreateTime = Timestamp.FromDateTime(now) },
                    Memo = request.Memo,
                    SearchAttributes = request.SearchAttributes,
                    ConflictToken = Token(1),
                },
                Cursor = now,
            };
            _schedules[(entry.Namespace, entry.Id)] = entry;
            if (request.InitialPatch is { } patch)
            {
                ApplyPatch(entry, patch);
            }
            Save(entry);
            Arm(entry);
            return new CreateScheduleResponse { ConflictToken = entry.State.ConflictToken };
        }
    }

    public DescribeScheduleResponse Describe(DescribeScheduleRequest request)
    {
        lock (_gate)
        {
            var entry = Find(request.Namespace, request.ScheduleId);
            RefreshRunning(entry);
            var response = entry.State.Clone();
            response.Info.BufferSize = entry.Buffered.Count;
            response.Info.FutureActionTimes.Clear();
            response.Info.FutureActionTimes.AddRange(FutureTimes(entry).Select(Timestamp.FromDateTime));
            return response;
        }
    }

    public UpdateScheduleResponse Update(UpdateScheduleRequest request)
    {
        lock (_gate)
        {
            var entry = Find(request.Namespace, request.ScheduleId);
            if (!request.ConflictToken.IsEmpty && request.ConflictToken != entry.State.ConflictToken)
            {
                throw Errors.FailedPrecondition("mismatched conflict token");
            }
            ValidateSchedule(request.Schedule);
            var schedule = request.Schedule.Clone();
            ScheduleSpecCalculator.CompileCronStrings(schedule.Spec);
            schedule.State ??= new ScheduleState();
            schedule.Policies ??= new SchedulePolicies();
            entry.State.Schedule = schedule;
            if (request.SearchAttributes is { } attributes)
            {
                entry.State.SearchAttributes = attributes;
            }
            Touch(entry);
            Save(entry);
            Arm(entry);
            return new UpdateScheduleResponse();
        }
    }

    public PatchScheduleResponse Patch(PatchScheduleRequest request)
    {
        lock (_gate)
        {
            var entry = Find(request.Namespace, request.ScheduleId);
            if (request.Patch is { } patch)
            {
                ApplyPatch(entry, patch);
            }
            Touch(entry);
            Save(entry);
            Arm(entry);
            return new PatchScheduleResponse();
        }
    }

    public DeleteScheduleResponse Delete(DeleteScheduleRequest request)
    {
        lock (_gate)
        {
            var entry = Find(request.Namespace, request.ScheduleId);
            _schedules.Remove((entry.Namespace, entry.Id));
            entry.Generation = -1;
            _store.Delete(entry.Namespace, entry.Id);
            return new DeleteScheduleResponse();
        }
    }

    public ListSchedulesResponse List(ListSchedulesRequest request)
    {
        lock (_gate)
        {
            ThrowIfStopped();
            _engine.EnsureNamespace(request.Namespace);
            var proxies = _schedules.Values.Where(e => e.Namespace == request.Namespace).ToDictionary(e => e, VisibilityProxy);
            // Any registered attribute may be queried, whether or not a schedule carries it now (a schedule whose
            // attributes were replaced simply stops matching); the two schedule fields are always known.
            Func<RunState, bool> matches;
            try
            {
                matches = VisibilityQuery.Parse(request.Query, name => name is "ScheduleId" or "TemporalSchedulePaused" || _engine.IsRegisteredAttribute(name));
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
            {
                throw Errors.InvalidArgument($"ListSchedules: invalid query: {e.Status.Detail}");
            }
            var pageSize = request.MaximumPageSize <= 0 ? 1000 : request.MaximumPageSize;
            var offset = 0;
            if (!request.NextPageToken.IsEmpty && !int.TryParse(request.NextPageToken.ToStringUtf8(), out offset))
            {
                throw Errors.InvalidArgument("ListSchedules: invalid next_page_token.");
            }
            var all = proxies.Where(p => matches(p.Value)).Select(p => p.Key).OrderBy(e => e.Id, StringComparer.Ordinal).ToList();
            var response = new ListSchedulesResponse();
            foreach (var entry in all.Skip(offset).Take(pageSize))
            {
                RefreshRunning(entry);
                var info = new ScheduleListInfo
                {
                    Spec = entry.Schedule.Spec,
                    WorkflowType = entry.Schedule.Action.StartWorkflow.WorkflowType,
                    Notes = entry.Schedule.State.Notes,
                    Paused = entry.Schedule.State.Paused,
                };
                info.RecentActions.AddRange(entry.Info.RecentActions);
                info.FutureActionTimes.AddRange(FutureTimes(entry).Take(5).Select(Timestamp.FromDateTime));
                response.Schedules.Add(new ScheduleListEntry
                {
                    ScheduleId = entry.Id,
                    Memo = entry.State.Memo,
                    SearchAttributes = entry.State.SearchAttributes,
                    Info = info,
                });
            }
            if (offset + pageSize < all.Count)
            {
                response.NextPageToken = ByteString.CopyFromUtf8((offset + pageSize).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            return response;
        }
    }

    public ListScheduleMatchingTimesResponse MatchingTimes(ListScheduleMatchingTimesRequest request)
    {
        lock (_gate)
        {
            var entry = Find(request.Namespace, request.ScheduleId);
            var response = new ListScheduleMatchingTimesResponse();
            response.StartTime.AddRange(MatchingTimes(entry.Schedule.Spec, request.StartTime, request.EndTime, "ListScheduleMatchingTimes").Select(Timestamp.FromDateTime));
            return response;
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------

    /// <summary>
    /// A schedule seen as a row of the visibility query language: its search attributes plus
    /// <c>ScheduleId</c> and <c>TemporalSchedulePaused</c>, and the action's workflow type.
    /// </summary>
    private static RunState VisibilityProxy(Entry entry)
    {
        var attributes = entry.State.SearchAttributes?.Clone() ?? new SearchAttributes();
        attributes.IndexedFields["ScheduleId"] = JsonPayload(entry.Id, "Keyword");
        attributes.IndexedFields["TemporalSchedulePaused"] = new Payload
        {
            Metadata = { ["encoding"] = ByteString.CopyFromUtf8("json/plain"), ["type"] = ByteString.CopyFromUtf8("Bool") },
            Data = ByteString.CopyFromUtf8(entry.Schedule.State.Paused ? "true" : "false"),
        };
        return new RunState
        {
            Namespace = entry.Namespace,
            WorkflowId = entry.Id,
            WorkflowType = entry.Schedule.Action.StartWorkflow.WorkflowType.Name,
            StartTime = entry.Info.CreateTime?.ToDateTime() ?? default,
            SearchAttributes = attributes,
        };
    }

    /// <summary>Most action times one backfill or matching-times request may cover.</summary>
    private const int MaxMatchingTimes = 1000;

    /// <summary>Nominal times of <paramref name="spec"/> in [start, end].</summary>
    private static List<DateTime> MatchingTimes(ScheduleSpec spec, Timestamp? start, Timestamp? end, string where)
    {
        if (start is null || end is null)
        {
            throw Errors.InvalidArgument($"{where}: start_time and end_time are required.");
        }
        var from = start.ToDateTime();
        var to = end.ToDateTime();
        if (to < from)
        {
            throw Errors.InvalidArgument($"{where}: end_time {to:O} is before start_time {from:O}.");
        }
        var times = new List<DateTime>();
        var after = from.AddTicks(-1);
        while (ScheduleSpecCalculator.NextNominal(spec, after) is { } next && next <= to)
        {
            if (times.Count == MaxMatchingTimes)
            {
                throw Errors.InvalidArgument($"{where}: the range holds more than {MaxMatchingTimes} action times; use a shorter range.");
            }
            times.Add(next);
            after = next;
        }
        return times;
    }

    private static void RequireId(string id)
    {
        if (string.IsNullOrEmpty(id))
        {
            throw Errors.InvalidArgument("ScheduleId is not set on request.");
        }
    }

    private static void ValidateSchedule(Schedule? schedule)
    {
        if (schedule is null)
        {
            throw Errors.InvalidArgument("Schedule is not set on request.");
        }
        ScheduleSpecCalculator.Validate(schedule.Spec);
        var start = schedule.Action?.StartWorkflow
            ?? throw Errors.InvalidArgument("Schedule.Action.StartWorkflow is not set: starting a workflow is the only schedule action.");
        if (string.IsNullOrEmpty(start.WorkflowId))
        {
            throw Errors.InvalidArgument("Schedule.Action.StartWorkflow.WorkflowId is not set.");
        }
        if (string.IsNullOrEmpty(start.WorkflowType?.Name))
        {
            throw Errors.InvalidArgument("Schedule.Action.StartWorkflow.WorkflowType is not set.");
        }
        if (string.IsNullOrEmpty(start.TaskQueue?.Name))
        {
            throw Errors.InvalidArgument("Schedule.Action.StartWorkflow.TaskQueue is not set.");
        }
    }

    /// <summary>After shutdown nothing may be acknowledged: the client retries against the next server life.</summary>
    private void ThrowIfStopped()
    {
        if (_disposed)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the server is shutting down"));
        }
    }

    private Entry Find(string ns, string id)
    {
        ThrowIfStopped();
        _engine.EnsureNamespace(ns);
        RequireId(id);
        return _schedules.TryGetValue((ns, id), out var entry) ? entry : throw Errors.NotFound($"schedule \"{id}\" not found");
    }

    private static ByteString Token(long value) => ByteString.CopyFrom(BitConverter.GetBytes(value));

    private void Touch(Entry entry)
    {
        entry.Info.UpdateTime = Timestamp.FromDateTime(Now);
        var token = entry.State.ConflictToken.Length == 8 ? BitConverter.ToInt64(entry.State.ConflictToken.Span) : 0;
        entry.State.ConflictToken = Token(token + 1);
    }

    private void Save(Entry entry) =>
        _store.Save(new StoredSchedule(entry.Namespace, entry.Id, entry.State.ToByteArray(), entry.Cursor, [.. entry.Buffered]));

    private void ApplyPatch(Entry entry, SchedulePatch patch)
    {
        var state = entry.Schedule.State;
        if (!string.IsNullOrEmpty(patch.Pause))
        {
            state.Paused = true;
            state.Notes = patch.Pause;
        }
        if (!string.IsNullOrEmpty(patch.Unpause))
        {
            state.Paused = false;
            state.Notes = patch.Unpause;
        }
        if (patch.TriggerImmediately is { } trigger)
        {
            // A manual trigger ignores pause and remaining actions, as in real Temporal.
            var now = Now;
            TakeAction(entry, now, now, trigger.OverlapPolicy, manual: true);
        }
        for (var i = 0; i < patch.BackfillRequest.Count; i++)
        {
            var backfill = patch.BackfillRequest[i];
            var times = MatchingTimes(entry.Schedule.Spec, backfill.StartTime, backfill.EndTime, $"SchedulePatch.BackfillRequest[{i}]");
            var now = Now;
            foreach (var nominal in times)
            {
                // Backfills ignore pause and remaining actions, as in real Temporal.
                TakeAction(entry, nominal, now, backfill.OverlapPolicy, manual: true);
            }
        }
    }

    private static IEnumerable<DateTime> FutureTimes(Entry entry)
    {
        var spec = entry.Schedule.Spec;
        var after = entry.Cursor;
        var limited = entry.Schedule.State.LimitedActions;
        var remaining = entry.Schedule.State.RemainingActions;
        for (var i = 0; i < FutureActionTimesShown && (!limited || i < remaining); i++)
        {
            if (ScheduleSpecCalculator.NextNominal(spec, after) is not { } next)
            {
                yield break;
            }
            yield return ScheduleSpecCalculator.WithJitter(spec, entry.Id, next);
            after = next;
        }
    }

    /// <summary>Puts the schedule's next due time on the timer loop (stale entries are ignored by generation).</summary>
    private void Arm(Entry entry, DateTime? at = null)
    {
        entry.Generation++;
        DateTime? due = at;
        if (due is null && ScheduleSpecCalculator.NextNominal(entry.Schedule.Spec, entry.Cursor) is { } next)
        {
            due = ScheduleSpecCalculator.WithJitter(entry.Schedule.Spec, entry.Id, next);
        }
        if (entry.Buffered.Count > 0)
        {
            var recheck = Now + BufferRecheck;
            due = due is { } d && d < recheck ? d : recheck;
        }
        if (due is { } when)
        {
            _timers.Add(when, new TimerEntry(TimerKind.UserTimer, entry.Id, entry.Generation, 0, entry.Namespace));
        }
    }

    private void OnTimer(TimerEntry timer)
    {
        lock (_gate)
        {
            if (_disposed || timer.Name is null || !_schedules.TryGetValue((timer.Name, timer.RunId), out var entry) || entry.Generation != timer.Key)
            {
                return;
            }
            var now = Now;
            var spec = entry.Schedule.Spec;
            var state = entry.Schedule.State;
            var catchup = entry.Schedule.Policies.CatchupWindow?.ToTimeSpan() is { } window && window > TimeSpan.Zero ? window : DefaultCatchupWindow;
            StartBuffered(entry, now);
            FastForward(entry, now, catchup);
            while (ScheduleSpecCalculator.NextNominal(spec, entry.Cursor) is { } nominal)
            {
                var actual = ScheduleSpecCalculator.WithJitter(spec, entry.Id, nominal);
                if (actual > now)
                {
                    break;
                }
                entry.Cursor = nominal;
                if (state.Paused || (state.LimitedActions && state.RemainingActions <= 0))
                {
                    continue;
                }
                if (now - actual > catchup)
                {
                    entry.Info.MissedCatchupWindow++;
                    continue;
                }
                TakeAction(entry, nominal, now, entry.Schedule.Policies.OverlapPolicy, manual: false);
            }
            try
            {
                Save(entry);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Console.Error.WriteLine($"temporal-server: schedule {entry.Id} could not be stored: {ex.Message}");
            }
            Arm(entry);
        }
    }

    /// <summary>Most missed action times counted one by one after a long downtime; older ones are skipped uncounted.</summary>
    private const int MaxMissedCounted = 100_000;

    /// <summary>
    /// After a long downtime, steps over the times that can no longer run without walking them one by one
    /// under the lock: a paused (or exhausted) schedule jumps straight to now, and at most
    /// <see cref="MaxMissedCounted"/> times beyond the catch-up window are counted as missed.
    /// </summary>
    private static void FastForward(Entry entry, DateTime now, TimeSpan catchup)
    {
        var state = entry.Schedule.State;
        if (state.Paused || (state.LimitedActions && state.RemainingActions <= 0))
        {
            if (entry.Cursor < now)
            {
                entry.Cursor = now;
            }
            return;
        }
        var horizon = now - catchup;
        var counted = 0;
        while (counted < MaxMissedCounted && ScheduleSpecCalculator.NextNominal(entry.Schedule.Spec, entry.Cursor) is { } nominal
            && ScheduleSpecCalculator.WithJitter(entry.Schedule.Spec, entry.Id, nominal) < horizon)
        {
            entry.Cursor = nominal;
            entry.Info.MissedCatchupWindow++;
            counted++;
        }
        if (counted == MaxMissedCounted && entry.Cursor < horizon)
        {
            entry.Cursor = horizon;
        }
    }

    /// <summary>Drops running workflows that have closed, and refreshes the status of recent actions.</summary>
    private void RefreshRunning(Entry entry)
    {
        var running = entry.Info.RunningWorkflows.ToList();
        entry.Info.RunningWorkflows.Clear();
        foreach (var execution in running)
        {
            var status = StatusOf(entry.Namespace, execution);
            if (status == WorkflowExecutionStatus.Running)
            {
                entry.Info.RunningWorkflows.Add(execution);
            }
            else if (entry.Schedule.Policies.PauseOnFailure && status is WorkflowExecutionStatus.Failed or WorkflowExecutionStatus.TimedOut)
            {
                entry.Schedule.State.Paused = true;
                entry.Schedule.State.Notes = $"paused: workflow {execution.WorkflowId} {(status == WorkflowExecutionStatus.Failed ? "failed" : "timed out")}";
            }
        }
        foreach (var action in entry.Info.RecentActions)
        {
            if (action.StartWorkflowResult is { } execution)
            {
                action.StartWorkflowStatus = StatusOf(entry.Namespace, execution);
            }
        }
    }

    private WorkflowExecutionStatus StatusOf(string ns, WorkflowExecution execution)
    {
        try
        {
            return _engine.Describe(new DescribeWorkflowExecutionRequest { Namespace = ns, Execution = execution })
                .WorkflowExecutionInfo.Status;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return WorkflowExecutionStatus.Unspecified;
        }
    }

    private void StartBuffered(Entry entry, DateTime now)
    {
        if (entry.Buffered.Count == 0)
        {
            return;
        }
        RefreshRunning(entry);
        if (entry.Info.RunningWorkflows.Count > 0)
        {
            return;
        }
        var nominal = new DateTime(entry.Buffered[0], DateTimeKind.Utc);
        entry.Buffered.RemoveAt(0);
        Start(entry, nominal, now);
    }

    /// <summary>One action at <paramref name="nominal"/> under an overlap policy (unspecified means skip).</summary>
    private void TakeAction(Entry entry, DateTime nominal, DateTime now, ScheduleOverlapPolicy policy, bool manual)
    {
        if (policy == ScheduleOverlapPolicy.Unspecified)
        {
            policy = entry.Schedule.Policies.OverlapPolicy;
        }
        RefreshRunning(entry);
        var running = entry.Info.RunningWorkflows.ToList();
        if (running.Count == 0 || policy == ScheduleOverlapPolicy.AllowAll)
        {
            Start(entry, nominal, now, manual);
            return;
        }
        switch (policy)
        {
            case ScheduleOverlapPolicy.BufferOne:
                if (entry.Buffered.Count == 0)
                {
                    entry.Buffered.Add(nominal.Ticks);
                }
                else
                {
                    entry.Info.BufferDropped++;
                }
                break;
            case ScheduleOverlapPolicy.BufferAll:
                if (entry.Buffered.Count < MaxBuffered)
                {
                    entry.Buffered.Add(nominal.Ticks);
                }
                else
                {
                    entry.Info.BufferDropped++;
                }
                break;
            case ScheduleOverlapPolicy.CancelOther:
                foreach (var execution in running)
                {
                    TryEngine(() => _engine.RequestCancel(new RequestCancelWorkflowExecutionRequest
                    {
                        Namespace = entry.Namespace,
                        WorkflowExecution = execution,
                        Identity = "temporal-scheduler",
                        Reason = "cancelled by schedule overlap policy",
                        RequestId = Guid.NewGuid().ToString(),
                    }));
                }
                // The new run starts once the cancelled ones have closed.
                entry.Buffered.Clear();
                entry.Buffered.Add(nominal.Ticks);
                break;
            case ScheduleOverlapPolicy.TerminateOther:
                foreach (var execution in running)
                {
                    TryEngine(() => _engine.Terminate(new TerminateWorkflowExecutionRequest
                    {
                        Namespace = entry.Namespace,
                        WorkflowExecution = execution,
                        Identity = "temporal-scheduler",
                        Reason = "terminated by schedule overlap policy",
                    }));
                }
                entry.Info.RunningWorkflows.Clear();
                Start(entry, nominal, now, manual);
                break;
            default:
                entry.Info.OverlapSkipped++;
                break;
        }
    }

    private static void TryEngine(Action action)
    {
        try
        {
            action();
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            // Closed in the meantime: nothing to stop.
        }
    }

    private void Start(Entry entry, DateTime nominal, DateTime now, bool manual = false)
    {
        var action = entry.Schedule.Action.StartWorkflow;
        // Real Temporal names each run after the schedule's workflow id and the nominal time, to the second.
        var workflowId = $"{action.WorkflowId}-{nominal:yyyy-MM-ddTHH:mm:ssZ}";
        var requestId = DeterministicRequestId(entry, nominal, manual);
        var (lastResult, lastFailure) = LastOutcome(entry);
        StartWorkflowExecutionResponse started;
        try
        {
            started = _engine.StartWorkflow(new StartWorkflowExecutionRequest
            {
                Namespace = entry.Namespace,
                WorkflowId = workflowId,
                WorkflowType = action.WorkflowType,
                TaskQueue = action.TaskQueue,
                Input = action.Input,
                WorkflowExecutionTimeout = action.WorkflowExecutionTimeout,
                WorkflowRunTimeout = action.WorkflowRunTimeout,
                WorkflowTaskTimeout = action.WorkflowTaskTimeout,
                RetryPolicy = action.RetryPolicy,
                Memo = action.Memo,
                SearchAttributes = ScheduledSearchAttributes(action.SearchAttributes, entry.Id, nominal),
                Header = action.Header,
                UserMetadata = action.UserMetadata,
                LastCompletionResult = lastResult,
                ContinuedFailure = lastFailure,
                Identity = "temporal-scheduler",
                RequestId = requestId,
                WorkflowIdReusePolicy = WorkflowIdReusePolicy.AllowDuplicate,
            });
        }
        catch (RpcException e)
        {
            // Counted nowhere by real Temporal either; the schedule carries on with its next time.
            Console.Error.WriteLine($"temporal-server: schedule {entry.Id} could not start {workflowId}: {e.Status.Detail}");
            return;
        }
        var execution = new WorkflowExecution { WorkflowId = workflowId, RunId = started.RunId };
        entry.Info.ActionCount++;
        entry.Info.RunningWorkflows.Add(execution);
        entry.Info.RecentActions.Add(new ScheduleActionResult
        {
            ScheduleTime = Timestamp.FromDateTime(nominal),
            ActualTime = Timestamp.FromDateTime(now),
            StartWorkflowResult = execution,
            StartWorkflowStatus = WorkflowExecutionStatus.Running,
        });
        while (entry.Info.RecentActions.Count > RecentActionsKept)
        {
            entry.Info.RecentActions.RemoveAt(0);
        }
        var state = entry.Schedule.State;
        if (!manual && state.LimitedActions && state.RemainingActions > 0)
        {
            state.RemainingActions--;
        }
    }

    /// <summary>
    /// What real Temporal hands each scheduled run: the result of the latest successful run among the recent
    /// actions, and the failure of the latest run if it failed after that success.
    /// </summary>
    private (Payloads? Result, Temporalio.Api.Failure.V1.Failure? Failure) LastOutcome(Entry entry)
    {
        Temporalio.Api.Failure.V1.Failure? failure = null;
        for (var i = entry.Info.RecentActions.Count - 1; i >= 0; i--)
        {
            if (entry.Info.RecentActions[i].StartWorkflowResult is not { } execution)
            {
                continue;
            }
            Temporalio.Api.History.V1.HistoryEvent? last;
            try
            {
                last = _engine.GetHistoryReverse(new GetWorkflowExecutionHistoryReverseRequest { Namespace = entry.Namespace, Execution = execution, MaximumPageSize = 1 })
                    .History.Events.FirstOrDefault();
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                continue;
            }
            switch (last?.EventType)
            {
                case EventType.WorkflowExecutionCompleted:
                    return (last.WorkflowExecutionCompletedEventAttributes.Result, failure);
                case EventType.WorkflowExecutionFailed:
                    failure ??= last.WorkflowExecutionFailedEventAttributes.Failure;
                    break;
                default:
                    break;
            }
        }
        return (null, failure);
    }

    /// <summary>The attributes real Temporal adds to every scheduled run, so visibility can find a schedule's runs.</summary>
    private static SearchAttributes ScheduledSearchAttributes(SearchAttributes? given, string scheduleId, DateTime nominal)
    {
        var attributes = given?.Clone() ?? new SearchAttributes();
        attributes.IndexedFields["TemporalScheduledById"] = JsonPayload(scheduleId, "Keyword");
        attributes.IndexedFields["TemporalScheduledStartTime"] = JsonPayload(nominal.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture), "Datetime");
        return attributes;
    }

    private static Payload JsonPayload(string value, string type) => new()
    {
        Metadata =
        {
            ["encoding"] = ByteString.CopyFromUtf8("json/plain"),
            ["type"] = ByteString.CopyFromUtf8(type),
        },
        Data = ByteString.CopyFromUtf8(System.Text.Json.JsonSerializer.Serialize(value)),
    };

    private static string DeterministicRequestId(Entry entry, DateTime nominal, bool manual)
    {
        if (manual)
        {
            return Guid.NewGuid().ToString();
        }
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"schedule/{entry.Namespace}/{entry.Id}/{nominal.Ticks}"));
        return new Guid(hash.AsSpan(0, 16)).ToString();
    }
}

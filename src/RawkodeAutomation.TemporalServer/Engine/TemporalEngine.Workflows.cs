// Deprecated API fields (namespace on commands, control, binary checksum, TERMINATE_IF_RUNNING) are still
// sent by SDKs and written by real servers, so the server must keep honouring them.
#pragma warning disable CS0612, CS0618

using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Sdk.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;

namespace RawkodeAutomation.TemporalServer.Engine;

internal sealed partial class TemporalEngine
{
    /// <summary>Everything needed to create a run, whoever starts it (client, parent, continue-as-new).</summary>
    private sealed class StartSpec
    {
        public required string Namespace { get; init; }
        public required string WorkflowId { get; init; }
        public required WorkflowType Type { get; init; }
        public required string TaskQueue { get; init; }
        public Payloads? Input { get; init; }
        public Duration? ExecutionTimeout { get; init; }
        public Duration? RunTimeout { get; init; }
        public Duration? TaskTimeout { get; init; }
        public string Identity { get; init; } = "";
        public string RequestId { get; init; } = "";
        public RetryPolicy? RetryPolicy { get; init; }
        public Memo? Memo { get; init; }
        public SearchAttributes? SearchAttributes { get; init; }
        public Header? Header { get; init; }
        public ParentRef? Parent { get; init; }
        public string? ContinuedRunId { get; init; }
        public string? FirstRunId { get; init; }
        public ContinueAsNewInitiator Initiator { get; init; }
        public Failure? ContinuedFailure { get; init; }
        public Payloads? LastCompletionResult { get; init; }
        public Duration? StartDelay { get; init; }
        public UserMetadata? UserMetadata { get; init; }
        public Priority? Priority { get; init; }
        public Temporalio.Api.Workflow.V1.VersioningOverride? VersioningOverride { get; init; }
        public string? NewRunId { get; init; }
        public int Attempt { get; init; } = 1;
        /// <summary>Called when the chain of runs closes (a Nexus operation's completion); carried to each next run.</summary>
        public IEnumerable<Callback> CompletionCallbacks { get; init; } = [];
        /// <summary>Links on the started event (to the Nexus operation that started the workflow).</summary>
        public IEnumerable<Link> Links { get; init; } = [];
    }

    // ---- start ------------------------------------------------------------------------------------

    public StartWorkflowExecutionResponse StartWorkflow(StartWorkflowExecutionRequest request)
    {
        lock (_gate)
        {
            RequireNamespace(request.Namespace);
            ValidateStart(request.WorkflowId, request.WorkflowType, request.TaskQueue, request.RequestId,
                [request.WorkflowExecutionTimeout, request.WorkflowRunTimeout, request.WorkflowTaskTimeout, request.WorkflowStartDelay]);
            CheckPayloads(request.Input);
            RequireRegistered(request.SearchAttributes);
            var (run, started) = StartWithPolicies(request.Namespace, request.WorkflowId, request.RequestId, request.WorkflowIdReusePolicy, request.WorkflowIdConflictPolicy, () => new StartSpec
            {
                Namespace = request.Namespace,
                WorkflowId = request.WorkflowId,
                Type = request.WorkflowType,
                TaskQueue = request.TaskQueue.Name,
                Input = request.Input,
                ExecutionTimeout = request.WorkflowExecutionTimeout,
                RunTimeout = request.WorkflowRunTimeout,
                TaskTimeout = request.WorkflowTaskTimeout,
                Identity = request.Identity,
                RequestId = request.RequestId,
                RetryPolicy = request.RetryPolicy,
                Memo = request.Memo,
                SearchAttributes = request.SearchAttributes,
                Header = request.Header,
                ContinuedFailure = request.ContinuedFailure,
                LastCompletionResult = request.LastCompletionResult,
                StartDelay = request.WorkflowStartDelay,
                UserMetadata = request.UserMetadata,
                Priority = request.Priority,
                VersioningOverride = request.VersioningOverride,
                CompletionCallbacks = request.CompletionCallbacks,
                Links = request.Links,
            }, null);
            if (!started && request.OnConflictOptions is { AttachCompletionCallbacks: true } && run.IsRunning)
            {
                // A Nexus start that found the workflow running (conflict policy use-existing) waits for that run instead.
                run.AttachedCallbacks.AddRange(request.CompletionCallbacks);
                MarkDirty(run);
            }
            Commit();
            return new StartWorkflowExecutionResponse { RunId = run.RunId, Started = started, Status = run.Status };
        }
    }

    public SignalWithStartWorkflowExecutionResponse SignalWithStart(SignalWithStartWorkflowExecutionRequest request)
    {
        lock (_gate)
        {
            RequireNamespace(request.Namespace);
            ValidateStart(request.WorkflowId, request.WorkflowType, request.TaskQueue, request.RequestId,
                [request.WorkflowExecutionTimeout, request.WorkflowRunTimeout, request.WorkflowTaskTimeout, request.WorkflowStartDelay]);
            if (string.IsNullOrEmpty(request.SignalName))
            {
                throw Errors.InvalidArgument("SignalName is not set on request.");
            }
            CheckPayloads(request.Input);
            CheckPayloads(request.SignalInput);
            RequireRegistered(request.SearchAttributes);
            var signal = NewEvent(EventType.WorkflowExecutionSignaled);
            signal.WorkflowExecutionSignaledEventAttributes = new()
            {
                SignalName = request.SignalName,
                Input = request.SignalInput,
                Identity = request.Identity,
                Header = request.Header,
            };
            var current = CurrentRun(request.Namespace, request.WorkflowId);
            if (current is { IsRunning: true })
            {
                AddWorkflowEvent(current, signal);
                Commit();
                return new SignalWithStartWorkflowExecutionResponse { RunId = current.RunId, Started = false };
            }
            // Signal-with-start never fails on a running workflow; only a closed one consults the reuse policy.
            var (run, started) = StartWithPolicies(request.Namespace, request.WorkflowId, request.RequestId, request.WorkflowIdReusePolicy, WorkflowIdConflictPolicy.UseExisting, () => new StartSpec
            {
                Namespace = request.Namespace,
                WorkflowId = request.WorkflowId,
                Type = request.WorkflowType,
                TaskQueue = request.TaskQueue.Name,
                Input = request.Input,
                ExecutionTimeout = request.WorkflowExecutionTimeout,
                RunTimeout = request.WorkflowRunTimeout,
                TaskTimeout = request.WorkflowTaskTimeout,
                Identity = request.Identity,
                RequestId = request.RequestId,
                RetryPolicy = request.RetryPolicy,
                Memo = request.Memo,
                SearchAttributes = request.SearchAttributes,
                Header = request.Header,
                StartDelay = request.WorkflowStartDelay,
                UserMetadata = request.UserMetadata,
                Priority = request.Priority,
                VersioningOverride = request.VersioningOverride,
            }, signal);
            Commit();
            return new SignalWithStartWorkflowExecutionResponse { RunId = run.RunId, Started = started };
        }
    }

    private static void ValidateStart(string workflowId, WorkflowType? type, TaskQueue? taskQueue, string requestId, IEnumerable<Duration?> durations)
    {
        if (string.IsNullOrEmpty(workflowId))
        {
            throw Errors.InvalidArgument("WorkflowId is not set on request.");
        }
        if (workflowId.Length > 1000)
        {
            throw Errors.InvalidArgument("WorkflowId length exceeds limit.");
        }
        if (type is null || string.IsNullOrEmpty(type.Name))
        {
            throw Errors.InvalidArgument("WorkflowType is not set on request.");
        }
        if (taskQueue is null || string.IsNullOrEmpty(taskQueue.Name))
        {
            throw Errors.InvalidArgument("TaskQueue is not set on request.");
        }
        if (requestId.Length > 255)
        {
            throw Errors.InvalidArgument("RequestId length exceeds limit.");
        }
        foreach (var duration in durations)
        {
            if (duration is not null && (duration.Seconds < 0 || duration.Nanos < 0))
            {
                throw Errors.InvalidArgument("Invalid timeout: durations must not be negative.");
            }
        }
    }

    private void CheckPayloads(Payloads? payloads)
    {
        if (payloads is not null && payloads.CalculateSize() > _limits.BlobSizeError)
        {
            throw Errors.InvalidArgument("Blob data size exceeds limit.");
        }
    }

    private (RunState Run, bool Started) StartWithPolicies(string ns, string workflowId, string requestId, WorkflowIdReusePolicy reuse, WorkflowIdConflictPolicy conflict, Func<StartSpec> spec, HistoryEvent? signal)
    {
        var current = CurrentRun(ns, workflowId);
        if (current is not null && !string.IsNullOrEmpty(requestId) && current.RequestId == requestId)
        {
            // A retried start with the same request id is the same start.
            return (current, true);
        }
        if (current is { IsRunning: true })
        {
            if (reuse == WorkflowIdReusePolicy.TerminateIfRunning)
            {
                conflict = WorkflowIdConflictPolicy.TerminateExisting;
            }
            switch (conflict)
            {
                case WorkflowIdConflictPolicy.UseExisting:
                    if (signal is not null)
                    {
                        AddWorkflowEvent(current, signal);
                    }
                    return (current, false);
                case WorkflowIdConflictPolicy.TerminateExisting:
                    TerminateRun(current, "terminated by a new start with WorkflowIdConflictPolicy TERMINATE_EXISTING", null, "");
                    break;
                default:
                    throw Errors.AlreadyStarted($"Workflow execution is already running. WorkflowId: {workflowId}, RunId: {current.RunId}.", current.RequestId, current.RunId);
            }
        }
        else if (current is not null)
        {
            if (reuse == WorkflowIdReusePolicy.RejectDuplicate)
            {
                throw Errors.AlreadyStarted($"Workflow execution already finished and WorkflowIdReusePolicy is REJECT_DUPLICATE. WorkflowId: {workflowId}, RunId: {current.RunId}.", current.RequestId, current.RunId);
            }
            if (reuse == WorkflowIdReusePolicy.AllowDuplicateFailedOnly && current.Status is WorkflowExecutionStatus.Completed)
            {
                throw Errors.AlreadyStarted($"Workflow execution already finished successfully and WorkflowIdReusePolicy is ALLOW_DUPLICATE_FAILED_ONLY. WorkflowId: {workflowId}, RunId: {current.RunId}.", current.RequestId, current.RunId);
            }
        }
        return (CreateRun(spec(), signal), true);
    }

    private RunState CreateRun(StartSpec spec, HistoryEvent? signal)
    {
        var now = Now;
        var runId = spec.NewRunId ?? Guid.NewGuid().ToString();
        var taskTimeout = spec.TaskTimeout is { } tt && tt.ToTimeSpan() > TimeSpan.Zero ? tt.ToTimeSpan() : TimeSpan.FromSeconds(10);
        if (taskTimeout > TimeSpan.FromSeconds(120))
        {
            taskTimeout = TimeSpan.FromSeconds(120);
        }
        TimeSpan? runTimeout = spec.RunTimeout is { } rt && rt.ToTimeSpan() > TimeSpan.Zero ? rt.ToTimeSpan() : null;
        TimeSpan? execTimeout = spec.ExecutionTimeout is { } et && et.ToTimeSpan() > TimeSpan.Zero ? et.ToTimeSpan() : null;
        if (runTimeout is null || (execTimeout is { } e && e < runTimeout))
        {
            runTimeout = execTimeout ?? runTimeout;
        }
        var run = new RunState
        {
            Namespace = spec.Namespace,
            WorkflowId = spec.WorkflowId,
            RunId = runId,
            Sequence = ++_sequence,
            FirstRunId = spec.FirstRunId ?? runId,
            WorkflowType = spec.Type.Name,
            TaskQueue = spec.TaskQueue,
            RequestId = spec.RequestId,
            StartTime = now,
            ExecutionTime = now + (spec.StartDelay?.ToTimeSpan() ?? TimeSpan.Zero),
            WorkflowTaskTimeout = taskTimeout,
            RunTimeout = runTimeout,
            ExecutionTimeout = execTimeout,
            RunExpiration = runTimeout is { } r ? now + r : null,
            Memo = spec.Memo?.Clone() ?? new Memo(),
            SearchAttributes = spec.SearchAttributes?.Clone() ?? new SearchAttributes(),
            Parent = spec.Parent,
        };
        var attributes = new WorkflowExecutionStartedEventAttributes
        {
            WorkflowType = spec.Type,
            TaskQueue = new TaskQueue { Name = spec.TaskQueue, Kind = TaskQueueKind.Normal },
            Input = spec.Input,
            WorkflowExecutionTimeout = execTimeout is { } x ? Duration.FromTimeSpan(x) : null,
            WorkflowRunTimeout = runTimeout is { } y ? Duration.FromTimeSpan(y) : null,
            WorkflowTaskTimeout = Duration.FromTimeSpan(taskTimeout),
            ContinuedExecutionRunId = spec.ContinuedRunId ?? "",
            Initiator = spec.Initiator,
            ContinuedFailure = spec.ContinuedFailure,
            LastCompletionResult = spec.LastCompletionResult,
            OriginalExecutionRunId = runId,
            Identity = spec.Identity,
            FirstExecutionRunId = run.FirstRunId,
            RetryPolicy = spec.RetryPolicy,
            Attempt = spec.Attempt,
            Memo = spec.Memo,
            SearchAttributes = spec.SearchAttributes,
            Header = spec.Header,
            WorkflowId = spec.WorkflowId,
            Priority = spec.Priority,
            VersioningOverride = spec.VersioningOverride,
            FirstWorkflowTaskBackoff = spec.StartDelay is { } delay && delay.ToTimeSpan() > TimeSpan.Zero ? delay : null,
        };
        if (execTimeout is { } exec)
        {
            attributes.WorkflowExecutionExpirationTime = Timestamp.FromDateTime(now + exec);
        }
        if (spec.Parent is { } parent)
        {
            attributes.ParentWorkflowNamespace = parent.Namespace;
            attributes.ParentWorkflowNamespaceId = _namespaces.TryGetValue(parent.Namespace, out var pns) ? pns.Id : "";
            attributes.ParentWorkflowExecution = new WorkflowExecution { WorkflowId = parent.WorkflowId, RunId = parent.RunId };
            attributes.ParentInitiatedEventId = parent.InitiatedEventId;
            // The root of a chain of children: the parent's root, or the parent itself when it has no parent.
            attributes.RootWorkflowExecution = _runs.TryGetValue(parent.RunId, out var parentRun)
                && parentRun.StartedEvent.WorkflowExecutionStartedEventAttributes.RootWorkflowExecution is { } root
                ? root
                : new WorkflowExecution { WorkflowId = parent.WorkflowId, RunId = parent.RunId };
        }
        Register(run);
        attributes.CompletionCallbacks.AddRange(spec.CompletionCallbacks);
        var started = NewEvent(EventType.WorkflowExecutionStarted);
        started.WorkflowExecutionStartedEventAttributes = attributes;
        started.Links.AddRange(spec.Links);
        if (spec.UserMetadata is not null)
        {
            started.UserMetadata = spec.UserMetadata;
        }
        Append(run, started);
        if (signal is not null)
        {
            Append(run, signal);
        }
        var startDelay = run.ExecutionTime - now;
        ScheduleWorkflowTask(run, 1, startDelay > TimeSpan.Zero ? startDelay : null);
        if (run.RunExpiration is { } expiration)
        {
            _scheduler.Add(expiration, new TimerEntry(TimerKind.WorkflowRunTimeout, run.RunId, 0, 0));
        }
        return run;
    }

    // ---- signal, cancel, terminate ------------------------------------------------------------------

    public void Signal(SignalWorkflowExecutionRequest request)
    {
        lock (_gate)
        {
            RequireNamespace(request.Namespace);
            if (string.IsNullOrEmpty(request.SignalName))
            {
                throw Errors.InvalidArgument("SignalName is not set on request.");
            }
            CheckPayloads(request.Input);
            var run = FindRun(request.Namespace, request.WorkflowExecution);
            if (!run.IsRunning)
            {
                throw Errors.AlreadyCompleted();
            }
            var ev = NewEvent(EventType.WorkflowExecutionSignaled);
            ev.WorkflowExecutionSignaledEventAttributes = new()
            {
                SignalName = request.SignalName,
                Input = request.Input,
                Identity = request.Identity,
                Header = request.Header,
            };
            ev.Links.AddRange(request.Links);
            AddWorkflowEvent(run, ev);
            Commit();
        }
    }

    public void RequestCancel(RequestCancelWorkflowExecutionRequest request)
    {
        lock (_gate)
        {
            RequireNamespace(request.Namespace);
            var run = FindRun(request.Namespace, request.WorkflowExecution);
            if (!string.IsNullOrEmpty(request.FirstExecutionRunId) && run.FirstRunId != request.FirstExecutionRunId)
            {
                throw Errors.WorkflowNotFound(request.WorkflowExecution.WorkflowId, request.FirstExecutionRunId);
            }
            if (!run.IsRunning)
            {
                // The real server answers success: cancelling a workflow that already finished is a no-op.
                return;
            }
            RequestCancelRun(run, request.Identity, request.Reason, null);
            Commit();
        }
    }

    private void RequestCancelRun(RunState run, string identity, string reason, (string Ns, WorkflowExecution Execution, long InitiatedId)? external)
    {
        if (run.CancelRequested)
        {
            return;
        }
        run.CancelRequested = true;
        var ev = NewEvent(EventType.WorkflowExecutionCancelRequested);
        ev.WorkflowExecutionCancelRequestedEventAttributes = new() { Identity = identity, Cause = reason ?? "" };
        if (external is { } ext)
        {
            ev.WorkflowExecutionCancelRequestedEventAttributes.ExternalInitiatedEventId = ext.InitiatedId;
            ev.WorkflowExecutionCancelRequestedEventAttributes.ExternalWorkflowExecution = ext.Execution;
        }
        AddWorkflowEvent(run, ev);
    }

    public void Terminate(TerminateWorkflowExecutionRequest request)
    {
        lock (_gate)
        {
            RequireNamespace(request.Namespace);
            var run = FindRun(request.Namespace, request.WorkflowExecution);
            if (!string.IsNullOrEmpty(request.FirstExecutionRunId) && run.FirstRunId != request.FirstExecutionRunId)
            {
                throw Errors.WorkflowNotFound(request.WorkflowExecution.WorkflowId, request.FirstExecutionRunId);
            }
            if (!run.IsRunning)
            {
                throw Errors.AlreadyCompleted();
            }
            TerminateRun(run, request.Reason, request.Details, request.Identity);
            Commit();
        }
    }

    private void TerminateRun(RunState run, string reason, Payloads? details, string identity)
    {
        var ev = NewEvent(EventType.WorkflowExecutionTerminated);
        ev.WorkflowExecutionTerminatedEventAttributes = new() { Reason = reason ?? "", Details = details, Identity = identity ?? "" };
        CloseRun(run, WorkflowExecutionStatus.Terminated, ev);
    }

    /// <summary>
    /// Closes a run with its close event. A workflow task still in flight is failed first (as a real server
    /// does for a forced close), buffered events are kept, and children follow their parent close policy.
    /// </summary>
    private void CloseRun(RunState run, WorkflowExecutionStatus status, HistoryEvent closeEvent)
    {
        if (!run.IsRunning)
        {
            return;
        }
        if (run.WftStartedId != 0)
        {
            Append(run, new HistoryEvent
            {
                EventType = EventType.WorkflowTaskFailed,
                EventTime = Timestamp.FromDateTime(Now),
                WorkflowTaskFailedEventAttributes = new()
                {
                    ScheduledEventId = run.WftScheduledId,
                    StartedEventId = run.WftStartedId,
                    Cause = WorkflowTaskFailedCause.ForceCloseCommand,
                },
            });
        }
        FlushBuffered(run);
        closeEvent.EventTime ??= Timestamp.FromDateTime(Now);
        Append(run, closeEvent);
        run.Status = status;
        run.CloseTime = Now;
        run.WftScheduledId = 0;
        run.WftStartedId = 0;
        run.Activities.Clear();
        run.Timers.Clear();
        run.NexusOperations.Clear();
        MarkDirty(run);

        foreach (var child in run.Children.Values.ToList())
        {
            if (child.RunId is null || !_runs.TryGetValue(child.RunId, out var childRun))
            {
                continue;
            }
            var latest = CurrentRun(childRun.Namespace, childRun.WorkflowId);
            if (latest is not { IsRunning: true } || latest.FirstRunId != childRun.FirstRunId)
            {
                continue;
            }
            switch (child.ParentClosePolicy)
            {
                case ParentClosePolicy.Abandon:
                    break;
                case ParentClosePolicy.RequestCancel:
                    RequestCancelRun(latest, "", "by parent close policy", null);
                    break;
                default:
                    TerminateRun(latest, "by parent close policy", null, "");
                    break;
            }
        }
        run.Children.Clear();
        ReleaseQueries(run, inFlightOnly: false);

        // A run that continues in a new run (continue-as-new, retry) is not the end of the child for its parent.
        if (run.NewRunId is null && run.Parent is { } parent)
        {
            NotifyParent(run, parent, closeEvent);
        }
        if (run.NewRunId is null)
        {
            DeliverCompletionCallbacks(run, closeEvent);
        }
        foreach (var update in run.Updates.Values.Where(u => u.Stage == UpdateStage.Accepted))
        {
            // An accepted update that the closed run never completed: what its waiters get, its Nexus operations get.
            DeliverUpdateCallbacks(run, update, AcceptedUpdateCompletedWorkflow());
        }
    }

    private void NotifyParent(RunState child, ParentRef parent, HistoryEvent closeEvent)
    {
        if (RunningRun(parent.RunId) is not { } parentRun
            || !parentRun.Children.TryGetValue(parent.InitiatedEventId, out var childState))
        {
            return;
        }
        var execution = new WorkflowExecution { WorkflowId = child.WorkflowId, RunId = childState.RunId ?? child.RunId };
        var type = new WorkflowType { Name = childState.WorkflowType };
        var startedId = childState.StartedEventId > 0 ? childState.StartedEventId : -1;
        var ns = child.Namespace;
        HistoryEvent ev;
        switch (closeEvent.EventType)
        {
            case EventType.WorkflowExecutionCompleted:
                ev = NewEvent(EventType.ChildWorkflowExecutionCompleted);
                ev.ChildWorkflowExecutionCompletedEventAttributes = new()
                {
                    Result = closeEvent.WorkflowExecutionCompletedEventAttributes.Result,
                    Namespace = ns,
                    NamespaceId = _namespaces[ns].Id,
                    WorkflowExecution = execution,
                    WorkflowType = type,
                    InitiatedEventId = parent.InitiatedEventId,
                    StartedEventId = startedId,
                };
                break;
            case EventType.WorkflowExecutionFailed:
                ev = NewEvent(EventType.ChildWorkflowExecutionFailed);
                ev.ChildWorkflowExecutionFailedEventAttributes = new()
                {
                    Failure = closeEvent.WorkflowExecutionFailedEventAttributes.Failure,
                    Namespace = ns,
                    NamespaceId = _namespaces[ns].Id,
                    WorkflowExecution = execution,
                    WorkflowType = type,
                    InitiatedEventId = parent.InitiatedEventId,
                    StartedEventId = startedId,
                    RetryState = closeEvent.WorkflowExecutionFailedEventAttributes.RetryState,
                };
                break;
            case EventType.WorkflowExecutionCanceled:
                ev = NewEvent(EventType.ChildWorkflowExecutionCanceled);
                ev.ChildWorkflowExecutionCanceledEventAttributes = new()
                {
                    Details = closeEvent.WorkflowExecutionCanceledEventAttributes.Details,
                    Namespace = ns,
                    NamespaceId = _namespaces[ns].Id,
                    WorkflowExecution = execution,
                    WorkflowType = type,
                    InitiatedEventId = parent.InitiatedEventId,
                    StartedEventId = startedId,
                };
                break;
            case EventType.WorkflowExecutionTimedOut:
                ev = NewEvent(EventType.ChildWorkflowExecutionTimedOut);
                ev.ChildWorkflowExecutionTimedOutEventAttributes = new()
                {
                    Namespace = ns,
                    NamespaceId = _namespaces[ns].Id,
                    WorkflowExecution = execution,
                    WorkflowType = type,
                    InitiatedEventId = parent.InitiatedEventId,
                    StartedEventId = startedId,
                    RetryState = RetryState.Timeout,
                };
                break;
            default:
                ev = NewEvent(EventType.ChildWorkflowExecutionTerminated);
                ev.ChildWorkflowExecutionTerminatedEventAttributes = new()
                {
                    Namespace = ns,
                    NamespaceId = _namespaces[ns].Id,
                    WorkflowExecution = execution,
                    WorkflowType = type,
                    InitiatedEventId = parent.InitiatedEventId,
                    StartedEventId = startedId,
                };
                break;
        }
        parentRun.Children.Remove(parent.InitiatedEventId);
        AddWorkflowEvent(parentRun, ev);
    }

    // ---- describe and history ---------------------------------------------------------------------

    public DescribeWorkflowExecutionResponse Describe(DescribeWorkflowExecutionRequest request)
    {
        lock (_gate)
        {
            RequireNamespace(request.Namespace);
            var run = FindRun(request.Namespace, request.Execution);
            var response = new DescribeWorkflowExecutionResponse
            {
                ExecutionConfig = new()
                {
                    TaskQueue = new TaskQueue { Name = run.TaskQueue, Kind = TaskQueueKind.Normal },
                    WorkflowExecutionTimeout = run.ExecutionTimeout is { } e ? Duration.FromTimeSpan(e) : null,
                    WorkflowRunTimeout = run.RunTimeout is { } r ? Duration.FromTimeSpan(r) : null,
                    DefaultWorkflowTaskTimeout = Duration.FromTimeSpan(run.WorkflowTaskTimeout),
                    // The static summary/details given at start live on the started event.
                    UserMetadata = run.History.Count > 0 ? run.History[0].UserMetadata : null,
                },
                WorkflowExecutionInfo = ExecutionInfo(run),
                WorkflowExtendedInfo = new() { CancelRequested = run.CancelRequested },
            };
            if (run.RunExpiration is { } expiration)
            {
                response.WorkflowExtendedInfo.RunExpirationTime = Timestamp.FromDateTime(expiration);
            }
            foreach (var activity in run.Activities.Values.OrderBy(a => a.ScheduledEventId))
            {
                var info = new Temporalio.Api.Workflow.V1.PendingActivityInfo
                {
                    ActivityId = activity.ActivityId,
                    ActivityType = new ActivityType { Name = activity.ActivityType },
                    State = activity.CancelRequested ? PendingActivityState.CancelRequested
                        : activity.Paused ? (activity.StartedTime is null ? PendingActivityState.Paused : PendingActivityState.PauseRequested)
                        : activity.StartedTime is null ? PendingActivityState.Scheduled : PendingActivityState.Started,
                    Paused = activity.Paused,
                    HeartbeatDetails = activity.HeartbeatDetails,
                    Attempt = activity.Attempt,
                    MaximumAttempts = activity.RetryPolicy.MaximumAttempts,
                    ScheduledTime = Timestamp.FromDateTime(activity.CurrentAttemptScheduledTime),
                    LastFailure = activity.LastFailure,
                    LastWorkerIdentity = activity.StartedIdentity ?? "",
                };
                if (activity.LastHeartbeatTime is { } hb)
                {
                    info.LastHeartbeatTime = Timestamp.FromDateTime(hb);
                }
                if (activity.PausedTime is { } pausedAt)
                {
                    info.PauseInfo = new()
                    {
                        PauseTime = Timestamp.FromDateTime(pausedAt),
                        Manual = new() { Identity = activity.PausedBy ?? "", Reason = activity.PauseReason ?? "" },
                    };
                }
                if (activity.StartedTime is { } st)
                {
                    info.LastStartedTime = Timestamp.FromDateTime(st);
                }
                if (activity.RetryAt is { } next)
                {
                    info.NextAttemptScheduleTime = Timestamp.FromDateTime(next);
                }
                response.PendingActivities.Add(info);
            }
            foreach (var child in run.Children.Values.OrderBy(c => c.InitiatedEventId))
            {
                response.PendingChildren.Add(new Temporalio.Api.Workflow.V1.PendingChildExecutionInfo
                {
                    WorkflowId = child.WorkflowId,
                    RunId = child.RunId ?? "",
                    WorkflowTypeName = child.WorkflowType,
                    InitiatedId = child.InitiatedEventId,
                    ParentClosePolicy = child.ParentClosePolicy,
                });
            }
            if (run.IsRunning && run.WftScheduledId != 0)
            {
                response.PendingWorkflowTask = new()
                {
                    State = run.WftStartedId != 0 ? PendingWorkflowTaskState.Started : PendingWorkflowTaskState.Scheduled,
                    ScheduledTime = Timestamp.FromDateTime(run.WftScheduledTime),
                    OriginalScheduledTime = Timestamp.FromDateTime(run.WftScheduledTime),
                    Attempt = run.WftAttempt,
                };
                if (run.WftStartedId != 0)
                {
                    response.PendingWorkflowTask.StartedTime = Timestamp.FromDateTime(run.WftStartedTime);
                }
            }
            return response;
        }
    }

    private Temporalio.Api.Workflow.V1.WorkflowExecutionInfo ExecutionInfo(RunState run)
    {
        var info = new Temporalio.Api.Workflow.V1.WorkflowExecutionInfo
        {
            Execution = ExecutionOf(run),
            Type = new WorkflowType { Name = run.WorkflowType },
            StartTime = Timestamp.FromDateTime(run.StartTime),
            ExecutionTime = Timestamp.FromDateTime(run.ExecutionTime),
            Status = run.Status,
            HistoryLength = run.History.Count,
            HistorySizeBytes = run.HistorySizeBytes,
            Memo = run.Memo.Clone(),
            SearchAttributes = run.SearchAttributes.Clone(),
            TaskQueue = run.TaskQueue,
            FirstRunId = run.FirstRunId,
            StateTransitionCount = run.History.Count,
            VersioningInfo = DescribedVersioning(run),
        };
        if (run.CloseTime is { } closed)
        {
            info.CloseTime = Timestamp.FromDateTime(closed);
            info.ExecutionDuration = Duration.FromTimeSpan(closed - run.ExecutionTime < TimeSpan.Zero ? TimeSpan.Zero : closed - run.ExecutionTime);
        }
        if (run.Parent is { } parent)
        {
            info.ParentNamespaceId = _namespaces.TryGetValue(parent.Namespace, out var ns) ? ns.Id : "";
            info.ParentExecution = new WorkflowExecution { WorkflowId = parent.WorkflowId, RunId = parent.RunId };
        }
        return info;
    }

    public async Task<GetWorkflowExecutionHistoryResponse> GetHistoryAsync(GetWorkflowExecutionHistoryRequest request, DateTime deadline, CancellationToken cancellation)
    {
        var waitUntil = LongPollEnd(deadline, _waitPoll);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                RequireNamespace(request.Namespace);
                var run = FindRun(request.Namespace, request.Execution);
                var response = new GetWorkflowExecutionHistoryResponse { History = new History() };
                if (request.HistoryEventFilterType == HistoryEventFilterType.CloseEvent)
                {
                    if (!run.IsRunning)
                    {
                        response.History.Events.Add(run.History[^1]);
                        return response;
                    }
                    if (!request.WaitNewEvent || Now >= waitUntil)
                    {
                        response.NextPageToken = request.NextPageToken.IsEmpty ? PageToken(1) : request.NextPageToken;
                        return response;
                    }
                }
                else
                {
                    var from = request.NextPageToken.IsEmpty ? 1 : ReadPageToken(request.NextPageToken);
                    var pageSize = request.MaximumPageSize > 0 ? request.MaximumPageSize : 1000;
                    var available = run.History.Count - (int)(from - 1);
                    if (available > 0)
                    {
                        var take = Math.Min(available, pageSize);
                        response.History.Events.AddRange(run.History.Skip((int)(from - 1)).Take(take));
                        var next = from + take;
                        if (next <= run.History.Count || (request.WaitNewEvent && run.IsRunning))
                        {
                            response.NextPageToken = PageToken(next);
                        }
                        return response;
                    }
                    if (!request.WaitNewEvent || !run.IsRunning || Now >= waitUntil)
                    {
                        if (request.WaitNewEvent && run.IsRunning)
                        {
                            response.NextPageToken = PageToken(from);
                        }
                        return response;
                    }
                }
                changed = ChangedSignal(run);
            }
            await WaitAsync(changed, waitUntil, cancellation).ConfigureAwait(false);
        }
    }

    /// <summary>History newest first (what UIs page through); the token is the id of the next event to return.</summary>
    public GetWorkflowExecutionHistoryReverseResponse GetHistoryReverse(GetWorkflowExecutionHistoryReverseRequest request)
    {
        lock (_gate)
        {
            RequireNamespace(request.Namespace);
            var run = FindRun(request.Namespace, request.Execution);
            var from = request.NextPageToken.IsEmpty ? run.History.Count : Math.Min(ReadPageToken(request.NextPageToken), run.History.Count);
            var pageSize = request.MaximumPageSize > 0 ? request.MaximumPageSize : 1000;
            var response = new GetWorkflowExecutionHistoryReverseResponse { History = new History() };
            var take = (int)Math.Min(pageSize, from);
            for (var id = from; id > from - take; id--)
            {
                response.History.Events.Add(run.History[(int)id - 1]);
            }
            if (from - take >= 1)
            {
                response.NextPageToken = PageToken(from - take);
            }
            return response;
        }
    }

    private static ByteString PageToken(long next) => ByteString.CopyFrom(BitConverter.GetBytes(next));

    private static long ReadPageToken(ByteString token)
    {
        if (token.Length != 8)
        {
            throw Errors.InvalidArgument("Invalid NextPageToken.");
        }
        var value = BitConverter.ToInt64(token.Span);
        return value >= 1 ? value : throw Errors.InvalidArgument("Invalid NextPageToken.");
    }

    /// <summary>When a long poll must answer: a little before the caller's deadline, and never later than <paramref name="cap"/>.</summary>
    private DateTime LongPollEnd(DateTime deadline, TimeSpan cap)
    {
        var now = Now;
        var end = now + cap;
        if (deadline != DateTime.MaxValue)
        {
            // The caller's deadline is wall-clock time; this server's clock may run ahead of it (time skipping).
            var beforeDeadline = now + (deadline.ToUniversalTime() - DateTime.UtcNow) - TimeSpan.FromSeconds(2);
            if (beforeDeadline < end)
            {
                end = beforeDeadline;
            }
        }
        return end;
    }

    private async Task WaitAsync(Task signal, DateTime until, CancellationToken cancellation)
    {
        var remaining = until - Now;
        if (remaining <= TimeSpan.Zero)
        {
            return;
        }
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation, _stopping.Token);
        try
        {
            await signal.WaitAsync(remaining, _time, linked.Token).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The long poll ran its course; the caller answers with what it has.
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested && !cancellation.IsCancellationRequested)
        {
            // Server shutting down: answer now.
        }
    }
}

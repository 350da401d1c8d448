using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;

namespace RawkodeAutomation.TemporalServer.Engine;

internal sealed partial class TemporalEngine
{
    private string? ScheduleActivity(RunState run, ScheduleActivityTaskCommandAttributes attributes, long wftCompleted, CommandContext context)
    {
        if (string.IsNullOrEmpty(attributes.ActivityId))
        {
            return "ActivityId is not set on ScheduleActivityTaskCommand.";
        }
        if (string.IsNullOrEmpty(attributes.ActivityType?.Name))
        {
            return "ActivityType is not set on ScheduleActivityTaskCommand.";
        }
        if (run.Activities.Values.Any(a => a.ActivityId == attributes.ActivityId))
        {
            return $"Activity {attributes.ActivityId} is already pending.";
        }
        static TimeSpan? Positive(Duration? d) => d is not null && d.ToTimeSpan() > TimeSpan.Zero ? d.ToTimeSpan() : null;
        static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
        // The real server's rules (validateActivityScheduleAttributes): schedule-to-close bounds the other two; with
        // only start-to-close, schedule-to-close and schedule-to-start become the run timeout, and a run without one
        // gets an explicit zero ("no limit") on the event rather than nothing. The TypeScript worker refuses an
        // activity task whose schedule-to-close is absent.
        var scheduleToClose = Positive(attributes.ScheduleToCloseTimeout);
        var scheduleToStart = Positive(attributes.ScheduleToStartTimeout);
        var startToClose = Positive(attributes.StartToCloseTimeout);
        if (scheduleToClose is { } bound)
        {
            scheduleToStart = Min(scheduleToStart ?? bound, bound);
            startToClose = Min(startToClose ?? bound, bound);
        }
        else if (startToClose is not null)
        {
            scheduleToClose = run.RunTimeout;
            scheduleToStart ??= run.RunTimeout;
        }
        else
        {
            return "A valid StartToClose or ScheduleToCloseTimeout is not set on ScheduleActivityTaskCommand.";
        }
        if (run.RunTimeout is { } runTimeout)
        {
            scheduleToClose = Min(scheduleToClose ?? runTimeout, runTimeout);
            scheduleToStart = Min(scheduleToStart ?? runTimeout, runTimeout);
            startToClose = Min(startToClose.Value, runTimeout);
        }
        var heartbeat = Positive(attributes.HeartbeatTimeout);
        if (heartbeat is { } hb && hb > startToClose)
        {
            heartbeat = startToClose;
        }
        var retry = attributes.RetryPolicy?.Clone() ?? new RetryPolicy();
        if (retry.InitialInterval is null || retry.InitialInterval.ToTimeSpan() <= TimeSpan.Zero)
        {
            retry.InitialInterval = Duration.FromTimeSpan(TimeSpan.FromSeconds(1));
        }
        if (retry.BackoffCoefficient < 1)
        {
            retry.BackoffCoefficient = 2.0;
        }
        if (retry.MaximumInterval is null || retry.MaximumInterval.ToTimeSpan() <= TimeSpan.Zero)
        {
            retry.MaximumInterval = Duration.FromTimeSpan(retry.InitialInterval.ToTimeSpan() * 100);
        }
        var taskQueue = string.IsNullOrEmpty(attributes.TaskQueue?.Name) ? run.TaskQueue : attributes.TaskQueue.Name;
        var ev = NewEvent(EventType.ActivityTaskScheduled);
        ev.ActivityTaskScheduledEventAttributes = new()
        {
            ActivityId = attributes.ActivityId,
            ActivityType = attributes.ActivityType,
            TaskQueue = new TaskQueue { Name = taskQueue, Kind = TaskQueueKind.Normal },
            Header = attributes.Header,
            Input = attributes.Input,
            ScheduleToCloseTimeout = Duration.FromTimeSpan(scheduleToClose ?? TimeSpan.Zero),
            ScheduleToStartTimeout = Duration.FromTimeSpan(scheduleToStart ?? TimeSpan.Zero),
            StartToCloseTimeout = Duration.FromTimeSpan(startToClose.Value),
            HeartbeatTimeout = heartbeat is { } c ? Duration.FromTimeSpan(c) : null,
            WorkflowTaskCompletedEventId = wftCompleted,
            RetryPolicy = retry,
            Priority = attributes.Priority,
        };
        Append(run, ev);
        var now = Now;
        var activity = new ActivityState
        {
            ScheduledEventId = ev.EventId,
            ActivityId = attributes.ActivityId,
            ActivityType = attributes.ActivityType.Name,
            TaskQueue = taskQueue,
            ScheduledTime = now,
            CurrentAttemptScheduledTime = now,
            ScheduleToClose = scheduleToClose,
            ScheduleToStart = scheduleToStart,
            StartToClose = startToClose,
            Heartbeat = heartbeat,
            RetryPolicy = retry,
        };
        run.Activities[activity.ScheduledEventId] = activity;
        DispatchActivity(run, activity);
        if (scheduleToClose is { } s2c)
        {
            _scheduler.Add(now + s2c, new TimerEntry(TimerKind.ActivityScheduleToClose, run.RunId, activity.ScheduledEventId, 0));
        }
        return null;
    }

    private void DispatchActivity(RunState run, ActivityState activity)
    {
        if (activity.Paused)
        {
            // UnpauseActivity dispatches it.
            return;
        }
        var entry = new TaskEntry(run.RunId, activity.ScheduledEventId, activity.Attempt);
        var queue = Queue(run.Namespace, activity.TaskQueue, TaskKind.Activity);
        _afterCommit.Add(() => queue.Add(entry));
        if (activity.ScheduleToStart is { } s2s)
        {
            _scheduler.Add(Now + s2s, new TimerEntry(TimerKind.ActivityScheduleToStart, run.RunId, activity.ScheduledEventId, activity.Attempt));
        }
    }

    private void RequestCancelActivity(RunState run, long scheduledEventId, long wftCompleted, CommandContext context)
    {
        if (!run.Activities.TryGetValue(scheduledEventId, out var activity))
        {
            return;
        }
        var requested = NewEvent(EventType.ActivityTaskCancelRequested);
        requested.ActivityTaskCancelRequestedEventAttributes = new() { ScheduledEventId = scheduledEventId, WorkflowTaskCompletedEventId = wftCompleted };
        Append(run, requested);
        if (activity.StartedTime is null)
        {
            run.Activities.Remove(scheduledEventId);
            var canceled = NewEvent(EventType.ActivityTaskCanceled);
            canceled.ActivityTaskCanceledEventAttributes = new()
            {
                ScheduledEventId = scheduledEventId,
                LatestCancelRequestedEventId = requested.EventId,
                Identity = context.Identity,
            };
            Append(run, canceled);
            context.NeedsWorkflowTask = true;
            return;
        }
        activity.CancelRequested = true;
        activity.CancelRequestedEventId = requested.EventId;
    }

    public Task<PollActivityTaskQueueResponse> PollActivityTaskAsync(PollActivityTaskQueueRequest request, DateTime deadline, CancellationToken cancellation)
    {
        var name = request.TaskQueue?.Name;
        if (string.IsNullOrEmpty(name))
        {
            throw Errors.InvalidArgument("TaskQueue is not set on request.");
        }
        RegisterDeploymentVersion(request.Namespace, name, request.DeploymentOptions);
        return PollTaskQueueAsync<PollActivityTaskQueueResponse>(request.Namespace, name, TaskKind.Activity, request.WorkerInstanceKey, deadline,
            entry => StartActivityTask(entry, request.Identity), cancellation,
            entry => IsForWorkerVersion(request.Namespace, name, request.DeploymentOptions, entry));
    }

    /// <summary>Un-starts an attempt whose task never reached a worker and puts it back at the head of its queue.</summary>
    private void ReturnActivityTask(RunState run, TaskToken token)
    {
        if (!run.Activities.TryGetValue(token.ScheduledEventId, out var activity) || activity.Attempt != token.Attempt
            || activity.StartedTime is null || activity.LastHeartbeatTime is not null || activity.CancelRequested)
        {
            return;
        }
        activity.StartedTime = null;
        activity.StartedIdentity = null;
        activity.StartedRequestId = null;
        MarkDirty(run);
        var entry = new TaskEntry(run.RunId, activity.ScheduledEventId, activity.Attempt);
        var queue = Queue(run.Namespace, activity.TaskQueue, TaskKind.Activity);
        _afterCommit.Add(() => queue.AddFirst(entry));
    }

    private PollActivityTaskQueueResponse? StartActivityTask(TaskEntry entry, string identity)
    {
        if (RunningRun(entry.RunId) is not { } run
            || !run.Activities.TryGetValue(entry.Id, out var activity)
            || activity.Attempt != entry.Attempt || activity.StartedTime is not null || activity.RetryAt is not null || activity.Paused)
        {
            return null;
        }
        var now = Now;
        activity.StartedTime = now;
        activity.StartedIdentity = identity;
        activity.StartedRequestId = Guid.NewGuid().ToString();
        activity.LastHeartbeatTime = null;
        MarkDirty(run);
        if (activity.StartToClose is { } st2c)
        {
            _scheduler.Add(now + st2c, new TimerEntry(TimerKind.ActivityStartToClose, run.RunId, activity.ScheduledEventId, activity.Attempt));
        }
        if (activity.Heartbeat is { } hb)
        {
            _scheduler.Add(now + hb, new TimerEntry(TimerKind.ActivityHeartbeat, run.RunId, activity.ScheduledEventId, activity.Attempt));
        }
        var scheduled = run.History[(int)activity.ScheduledEventId - 1].ActivityTaskScheduledEventAttributes;
        var task = new PollActivityTaskQueueResponse
        {
            TaskToken = new TaskToken(TaskKind.Activity, run.Namespace, run.WorkflowId, run.RunId, activity.ScheduledEventId, activity.Attempt, 0, "").Encode(),
            WorkflowNamespace = run.Namespace,
            WorkflowType = new WorkflowType { Name = run.WorkflowType },
            WorkflowExecution = ExecutionOf(run),
            ActivityType = scheduled.ActivityType,
            ActivityId = activity.ActivityId,
            Header = scheduled.Header,
            Input = scheduled.Input,
            HeartbeatDetails = activity.HeartbeatDetails,
            ScheduledTime = Timestamp.FromDateTime(activity.ScheduledTime),
            CurrentAttemptScheduledTime = Timestamp.FromDateTime(activity.CurrentAttemptScheduledTime),
            StartedTime = Timestamp.FromDateTime(now),
            Attempt = activity.Attempt,
            ScheduleToCloseTimeout = scheduled.ScheduleToCloseTimeout,
            StartToCloseTimeout = scheduled.StartToCloseTimeout,
            HeartbeatTimeout = scheduled.HeartbeatTimeout,
            RetryPolicy = scheduled.RetryPolicy,
            Priority = scheduled.Priority,
        };
        if (IsStandaloneActivity(run))
        {
            // A standalone activity belongs to no workflow: the worker knows it by its run id.
            task.WorkflowType = null;
            task.WorkflowExecution = null;
            task.ActivityRunId = run.RunId;
        }
        return task;
    }

    private (RunState Run, ActivityState Activity) RequireActivity(ByteString tokenBytes, string ns)
    {
        var token = DecodeTaskToken(tokenBytes, ns, TaskKind.Activity, "an activity");
        if (RunningRun(token.RunId) is not { } run
            || !run.Activities.TryGetValue(token.ScheduledEventId, out var activity)
            || activity.Attempt != token.Attempt || activity.StartedTime is null)
        {
            throw Errors.NotFound("Activity task not found.");
        }
        return (run, activity);
    }

    private (RunState Run, ActivityState Activity) RequireActivityById(string ns, string workflowId, string runId, string activityId)
    {
        RequireNamespace(ns);
        if (string.IsNullOrEmpty(activityId))
        {
            throw Errors.InvalidArgument("ActivityId is not set on request.");
        }
        var run = FindRun(ns, new WorkflowExecution { WorkflowId = workflowId, RunId = runId });
        var activity = run.IsRunning ? run.Activities.Values.FirstOrDefault(a => a.ActivityId == activityId) : null;
        if (activity is null)
        {
            throw Errors.NotFound("Activity task not found.");
        }
        if (activity.StartedTime is null)
        {
            // Completing by id an attempt that no worker holds: treat it as started now, like a real server does.
            activity.StartedTime = Now;
        }
        return (run, activity);
    }

    /// <summary>Runs <paramref name="action"/> under the lock on the attempt a worker's task token names.</summary>
    private T WithActivity<T>(ByteString taskToken, string ns, Func<RunState, ActivityState, T> action)
    {
        lock (_gate)
        {
            var (run, activity) = RequireActivity(taskToken, ns);
            return action(run, activity);
        }
    }

    /// <summary>Runs <paramref name="action"/> under the lock on the pending activity named by workflow and activity id.</summary>
    private T WithActivityById<T>(string ns, string workflowId, string runId, string activityId, Func<RunState, ActivityState, T> action)
    {
        lock (_gate)
        {
            var (run, activity) = RequireActivityById(ns, workflowId, runId, activityId);
            return action(run, activity);
        }
    }

    private void WithActivity(ByteString taskToken, string ns, Action<RunState, ActivityState> action) =>
        WithActivity(taskToken, ns, (run, activity) =>
        {
            action(run, activity);
            return true;
        });

    private void WithActivityById(string ns, string workflowId, string runId, string activityId, Action<RunState, ActivityState> action) =>
        WithActivityById(ns, workflowId, runId, activityId, (run, activity) =>
        {
            action(run, activity);
            return true;
        });

    public RecordActivityTaskHeartbeatResponse Heartbeat(RecordActivityTaskHeartbeatRequest request) =>
        WithActivity(request.TaskToken, request.Namespace, (run, activity) => HeartbeatLocked(run, activity, request.Details));

    public RecordActivityTaskHeartbeatByIdResponse HeartbeatById(RecordActivityTaskHeartbeatByIdRequest request) =>
        WithActivityById(request.Namespace, request.WorkflowId, request.RunId, request.ActivityId, (run, activity) =>
        {
            var response = HeartbeatLocked(run, activity, request.Details);
            return new RecordActivityTaskHeartbeatByIdResponse { CancelRequested = response.CancelRequested, ActivityPaused = response.ActivityPaused, ActivityReset = response.ActivityReset };
        });

    private RecordActivityTaskHeartbeatResponse HeartbeatLocked(RunState run, ActivityState activity, Payloads? details)
    {
        CheckPayloads(details);
        if (details is not null)
        {
            activity.HeartbeatDetails = details;
        }
        activity.LastHeartbeatTime = Now;
        MarkDirty(run);
        Commit();
        return new RecordActivityTaskHeartbeatResponse { CancelRequested = activity.CancelRequested, ActivityPaused = activity.Paused, ActivityReset = activity.ResetRequested };
    }

    public void CompleteActivity(RespondActivityTaskCompletedRequest request) =>
        WithActivity(request.TaskToken, request.Namespace, (run, activity) => CompleteActivityLocked(run, activity, request.Result, request.Identity));

    public void CompleteActivityById(RespondActivityTaskCompletedByIdRequest request) =>
        WithActivityById(request.Namespace, request.WorkflowId, request.RunId, request.ActivityId, (run, activity) => CompleteActivityLocked(run, activity, request.Result, request.Identity));

    private void CompleteActivityLocked(RunState run, ActivityState activity, Payloads? result, string identity)
    {
        CheckPayloads(result);
        var ev = NewEvent(EventType.ActivityTaskCompleted);
        ev.ActivityTaskCompletedEventAttributes = new()
        {
            Result = result,
            ScheduledEventId = activity.ScheduledEventId,
            StartedEventId = -1,
            Identity = identity,
        };
        CloseActivity(run, activity, ev);
        Commit();
    }

    public void FailActivity(RespondActivityTaskFailedRequest request) =>
        WithActivity(request.TaskToken, request.Namespace, (run, activity) => FailActivityLocked(run, activity, request.Failure, request.LastHeartbeatDetails, request.Identity));

    public void FailActivityById(RespondActivityTaskFailedByIdRequest request) =>
        WithActivityById(request.Namespace, request.WorkflowId, request.RunId, request.ActivityId, (run, activity) => FailActivityLocked(run, activity, request.Failure, request.LastHeartbeatDetails, request.Identity));

    private void FailActivityLocked(RunState run, ActivityState activity, Failure? failure, Payloads? lastHeartbeat, string identity)
    {
        failure ??= new Failure { Message = "activity failed", ApplicationFailureInfo = new() };
        if (lastHeartbeat is not null)
        {
            activity.HeartbeatDetails = lastHeartbeat;
        }
        FailAttempt(run, activity, failure, identity);
        Commit();
    }

    /// <summary>Ends the running attempt as failed: retried when the policy allows, else closed with <c>ActivityTaskFailed</c>.</summary>
    private void FailAttempt(RunState run, ActivityState activity, Failure failure, string identity) =>
        RetryOrClose(run, activity, failure, null, state =>
        {
            var ev = NewEvent(EventType.ActivityTaskFailed);
            ev.ActivityTaskFailedEventAttributes = new()
            {
                Failure = failure,
                ScheduledEventId = activity.ScheduledEventId,
                StartedEventId = -1,
                Identity = identity,
                RetryState = state,
            };
            return ev;
        });

    /// <summary>
    /// Ends an attempt that failed or timed out: the next attempt is scheduled when the retry policy allows it,
    /// otherwise the activity closes with the event <paramref name="closeEvent"/> builds for the final retry state.
    /// </summary>
    private void RetryOrClose(RunState run, ActivityState activity, Failure failure, TimeoutType? timeout, Func<RetryState, HistoryEvent> closeEvent)
    {
        if (activity.ResetRequested && timeout is not (TimeoutType.ScheduleToClose or TimeoutType.ScheduleToStart))
        {
            // The attempt a reset stopped: the activity starts over from attempt 1, at once.
            activity.ResetRequested = false;
            if (activity.ResetHeartbeat)
            {
                activity.HeartbeatDetails = null;
                activity.ResetHeartbeat = false;
            }
            activity.Attempt = 0;
            ScheduleRetry(run, activity, failure, TimeSpan.Zero);
            return;
        }
        if (activity.Paused && timeout is not (TimeoutType.ScheduleToClose or TimeoutType.ScheduleToStart))
        {
            // A paused activity stays pending whatever its retry policy says, even with no attempts left: the next
            // attempt is held until UnpauseActivity, which dispatches it without a backoff.
            ScheduleRetry(run, activity, failure, TimeSpan.Zero);
            return;
        }
        var (retry, backoff, state) = NextRetry(activity, failure, timeout);
        if (retry)
        {
            ScheduleRetry(run, activity, failure, backoff);
        }
        else
        {
            CloseActivity(run, activity, closeEvent(state));
        }
    }

    public void CancelActivity(RespondActivityTaskCanceledRequest request) =>
        WithActivity(request.TaskToken, request.Namespace, (run, activity) => CancelActivityLocked(run, activity, request.Details, request.Identity));

    public void CancelActivityById(RespondActivityTaskCanceledByIdRequest request) =>
        WithActivityById(request.Namespace, request.WorkflowId, request.RunId, request.ActivityId, (run, activity) => CancelActivityLocked(run, activity, request.Details, request.Identity));

    private void CancelActivityLocked(RunState run, ActivityState activity, Payloads? details, string identity)
    {
        if (!activity.CancelRequested && (activity.Paused || activity.ResetRequested))
        {
            // The SDK cancels an attempt its heartbeat was told is paused or reset; nobody asked to cancel the activity,
            // so the attempt ends like a failed one (retried, held while paused).
            var failure = new Failure { Message = activity.ResetRequested ? "activity reset" : "activity paused", CanceledFailureInfo = new() { Details = details } };
            FailAttempt(run, activity, failure, identity);
            Commit();
            return;
        }
        var ev = NewEvent(EventType.ActivityTaskCanceled);
        ev.ActivityTaskCanceledEventAttributes = new()
        {
            Details = details,
            LatestCancelRequestedEventId = activity.CancelRequestedEventId,
            ScheduledEventId = activity.ScheduledEventId,
            StartedEventId = -1,
            Identity = identity,
        };
        CloseActivity(run, activity, ev);
        Commit();
    }

    /// <summary>Writes the (deferred) started event of the final attempt and the activity's close event.</summary>
    private void CloseActivity(RunState run, ActivityState activity, HistoryEvent closeEvent)
    {
        run.Activities.Remove(activity.ScheduledEventId);
        if (activity.StartedTime is { } startedTime)
        {
            var started = new HistoryEvent
            {
                EventType = EventType.ActivityTaskStarted,
                EventTime = Timestamp.FromDateTime(startedTime),
                ActivityTaskStartedEventAttributes = new()
                {
                    ScheduledEventId = activity.ScheduledEventId,
                    Identity = activity.StartedIdentity ?? "",
                    RequestId = activity.StartedRequestId ?? "",
                    Attempt = activity.Attempt,
                    LastFailure = activity.LastFailure,
                },
            };
            AddWorkflowEvent(run, started, scheduleTask: false);
        }
        else
        {
            switch (closeEvent.AttributesCase)
            {
                case HistoryEvent.AttributesOneofCase.ActivityTaskTimedOutEventAttributes:
                    closeEvent.ActivityTaskTimedOutEventAttributes.StartedEventId = 0;
                    break;
                case HistoryEvent.AttributesOneofCase.ActivityTaskCanceledEventAttributes:
                    closeEvent.ActivityTaskCanceledEventAttributes.StartedEventId = 0;
                    break;
                default:
                    break;
            }
        }
        AddWorkflowEvent(run, closeEvent);
        if (IsStandaloneActivity(run))
        {
            CloseStandaloneActivity(run, closeEvent);
        }
    }

    private (bool Retry, TimeSpan Backoff, RetryState State) NextRetry(ActivityState activity, Failure failure, TimeoutType? timeout)
    {
        if (timeout is TimeoutType.ScheduleToClose or TimeoutType.ScheduleToStart)
        {
            return (false, TimeSpan.Zero, RetryState.Timeout);
        }
        var app = failure.ApplicationFailureInfo;
        if (app is not null && (app.NonRetryable || activity.RetryPolicy.NonRetryableErrorTypes.Contains(app.Type)))
        {
            return (false, TimeSpan.Zero, RetryState.NonRetryableFailure);
        }
        var max = activity.RetryPolicy.MaximumAttempts;
        if (max > 0 && activity.Attempt >= max)
        {
            return (false, TimeSpan.Zero, RetryState.MaximumAttemptsReached);
        }
        TimeSpan backoff;
        if (app?.NextRetryDelay is { } explicitDelay && explicitDelay.ToTimeSpan() > TimeSpan.Zero)
        {
            backoff = explicitDelay.ToTimeSpan();
        }
        else
        {
            var initial = activity.RetryPolicy.InitialInterval.ToTimeSpan();
            var factor = Math.Pow(activity.RetryPolicy.BackoffCoefficient, activity.Attempt - 1);
            var millis = Math.Min(initial.TotalMilliseconds * factor, activity.RetryPolicy.MaximumInterval.ToTimeSpan().TotalMilliseconds);
            backoff = TimeSpan.FromMilliseconds(millis);
        }
        if (activity.ScheduleToClose is { } s2c && Now + backoff >= activity.ScheduledTime + s2c)
        {
            return (false, TimeSpan.Zero, RetryState.Timeout);
        }
        return (true, backoff, RetryState.InProgress);
    }

    private void ScheduleRetry(RunState run, ActivityState activity, Failure failure, TimeSpan backoff)
    {
        activity.Attempt++;
        activity.LastFailure = failure;
        activity.StartedTime = null;
        activity.StartedIdentity = null;
        activity.LastHeartbeatTime = null;
        activity.RetryAt = Now + backoff;
        activity.CurrentAttemptScheduledTime = activity.RetryAt.Value;
        MarkDirty(run);
        _scheduler.Add(activity.RetryAt.Value, new TimerEntry(TimerKind.ActivityRetry, run.RunId, activity.ScheduledEventId, activity.Attempt));
    }

    private static Failure TimeoutFailure(TimeoutType type, ActivityState activity) => new()
    {
        Message = type switch
        {
            TimeoutType.StartToClose => "activity StartToClose timeout",
            TimeoutType.ScheduleToStart => "activity ScheduleToStart timeout",
            TimeoutType.ScheduleToClose => "activity ScheduleToClose timeout",
            _ => "activity Heartbeat timeout",
        },
        Source = "Server",
        TimeoutFailureInfo = new() { TimeoutType = type, LastHeartbeatDetails = activity.HeartbeatDetails },
    };

    private void TimeOutActivity(RunState run, ActivityState activity, TimeoutType type)
    {
        var failure = TimeoutFailure(type, activity);
        RetryOrClose(run, activity, failure, type, state =>
        {
            if (activity.LastFailure is { } last && type is not TimeoutType.StartToClose and not TimeoutType.Heartbeat)
            {
                failure.Cause = last;
            }
            var ev = NewEvent(EventType.ActivityTaskTimedOut);
            ev.ActivityTaskTimedOutEventAttributes = new()
            {
                Failure = failure,
                ScheduledEventId = activity.ScheduledEventId,
                StartedEventId = -1,
                RetryState = state,
            };
            return ev;
        });
    }

    private void OnActivityTimer(RunState run, TimerEntry entry)
    {
        if (!run.Activities.TryGetValue(entry.Key, out var activity))
        {
            return;
        }
        switch (entry.Kind)
        {
            case TimerKind.ActivityScheduleToClose:
                TimeOutActivity(run, activity, TimeoutType.ScheduleToClose);
                break;
            case TimerKind.ActivityScheduleToStart when activity.Attempt == entry.Attempt && activity.StartedTime is null && activity.RetryAt is null:
                TimeOutActivity(run, activity, TimeoutType.ScheduleToStart);
                break;
            // The due-time check skips the timer of an earlier start of the same attempt (a task that was taken back).
            case TimerKind.ActivityStartToClose when activity.Attempt == entry.Attempt && activity.StartedTime is { } startedAt
                && activity.StartToClose is { } startToClose && Now + TimeSpan.FromMilliseconds(5) >= startedAt + startToClose:
                TimeOutActivity(run, activity, TimeoutType.StartToClose);
                break;
            case TimerKind.ActivityHeartbeat when activity.Attempt == entry.Attempt && activity.StartedTime is { } started && activity.Heartbeat is { } hb:
                {
                    var last = activity.LastHeartbeatTime ?? started;
                    if (Now + TimeSpan.FromMilliseconds(5) >= last + hb)
                    {
                        TimeOutActivity(run, activity, TimeoutType.Heartbeat);
                    }
                    else
                    {
                        _scheduler.Add(last + hb, entry);
                    }
                    break;
                }
            case TimerKind.ActivityRetry when activity.Attempt == entry.Attempt && activity.RetryAt is not null:
                activity.RetryAt = null;
                MarkDirty(run);
                DispatchActivity(run, activity);
                break;
            default:
                break;
        }
    }
}

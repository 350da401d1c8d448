using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Activity.V1;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;
using Failure = Temporalio.Api.Failure.V1.Failure;

namespace RawkodeAutomation.TemporalServer.Engine;

/// <summary>
/// Standalone activities, started by a client rather than a workflow (<c>StartActivityExecution</c>, what an
/// activity-backed Nexus operation's handler calls). Like a standalone Nexus operation, each is kept as a hidden run
/// whose one pending activity is the activity itself, so workers poll, heartbeat, complete, fail and retry it as they
/// do a workflow's; when it closes, the hidden run closes with the same status and its completion callbacks complete
/// the Nexus operation that started it.
/// </summary>
internal sealed partial class TemporalEngine
{
    /// <summary>The workflow type that marks a run as the record of a standalone activity.</summary>
    internal const string StandaloneActivityType = "__temporal_standalone_activity";

    /// <summary>The activity's <c>ActivityTaskScheduled</c> event, right after the hidden run's started event.</summary>
    private const long StandaloneActivityScheduledEventId = 2;

    private static bool IsStandaloneActivity(RunState run) => run.WorkflowType == StandaloneActivityType;

    public StartActivityExecutionResponse StartActivityExecution(StartActivityExecutionRequest request)
    {
        lock (_gate)
        {
            RequireNamespace(request.Namespace);
            if (string.IsNullOrEmpty(request.ActivityId) || string.IsNullOrEmpty(request.ActivityType?.Name) || string.IsNullOrEmpty(request.TaskQueue?.Name))
            {
                throw Errors.InvalidArgument("ActivityId, ActivityType and TaskQueue must be set on request.");
            }
            RequireRegistered(request.SearchAttributes);
            if (CurrentStandalone(StandaloneActivityType, request.Namespace, request.ActivityId) is { } current)
            {
                if (!string.IsNullOrEmpty(request.RequestId) && current.RequestId == request.RequestId)
                {
                    return new() { RunId = current.RunId, Started = true };
                }
                if (current.IsRunning)
                {
                    if (request.IdConflictPolicy != ActivityIdConflictPolicy.UseExisting)
                    {
                        throw Errors.ActivityAlreadyStarted($"Activity {request.ActivityId} is already running.", current.RequestId, current.RunId);
                    }
                    if (request.OnConflictOptions is { AttachCompletionCallbacks: true })
                    {
                        current.AttachedCallbacks.AddRange(request.CompletionCallbacks);
                        MarkDirty(current);
                        Commit();
                    }
                    return new() { RunId = current.RunId, Started = false };
                }
                if (request.IdReusePolicy == ActivityIdReusePolicy.RejectDuplicate
                    || (request.IdReusePolicy == ActivityIdReusePolicy.AllowDuplicateFailedOnly && current.Status == WorkflowExecutionStatus.Completed))
                {
                    throw Errors.ActivityAlreadyStarted($"Activity {request.ActivityId} already finished and its id reuse policy refuses another.", current.RequestId, current.RunId);
                }
            }
            var run = CreateStandaloneActivityRun(request);
            Commit();
            return new() { RunId = run.RunId, Started = true };
        }
    }

    private RunState CreateStandaloneActivityRun(StartActivityExecutionRequest request)
    {
        var run = NewStandaloneRun(StandaloneActivityType, request.Namespace, request.ActivityId, request.TaskQueue.Name,
            request.RequestId, request.Identity, request.SearchAttributes, request.CompletionCallbacks, request.Links, request.UserMetadata);
        var context = new CommandContext(run, 0, request.Identity);
        var refused = ScheduleActivity(run, new ScheduleActivityTaskCommandAttributes
        {
            ActivityId = request.ActivityId,
            ActivityType = request.ActivityType,
            TaskQueue = request.TaskQueue,
            Header = request.Header,
            Input = request.Input,
            ScheduleToCloseTimeout = request.ScheduleToCloseTimeout,
            ScheduleToStartTimeout = request.ScheduleToStartTimeout,
            StartToCloseTimeout = request.StartToCloseTimeout,
            HeartbeatTimeout = request.HeartbeatTimeout,
            RetryPolicy = request.RetryPolicy,
            Priority = request.Priority,
        }, 0, context);
        if (refused is not null)
        {
            throw Errors.InvalidArgument(refused);
        }
        foreach (var action in context.Deferred)
        {
            action();
        }
        return run;
    }

    /// <summary>
    /// Closes the hidden run of a standalone activity that just closed with <paramref name="closeEvent"/>, and completes
    /// the Nexus operations waiting on it (its completion callbacks).
    /// </summary>
    private void CloseStandaloneActivity(RunState run, HistoryEvent closeEvent)
    {
        run.Status = closeEvent.EventType switch
        {
            EventType.ActivityTaskCompleted => WorkflowExecutionStatus.Completed,
            EventType.ActivityTaskCanceled => WorkflowExecutionStatus.Canceled,
            EventType.ActivityTaskTimedOut => WorkflowExecutionStatus.TimedOut,
            EventType.WorkflowExecutionTerminated => WorkflowExecutionStatus.Terminated,
            _ => WorkflowExecutionStatus.Failed,
        };
        run.CloseTime = Now;
        run.Activities.Clear();
        MarkDirty(run);
        var outcome = StandaloneActivityOutcome(run);
        var callbacks = run.StartedEvent.WorkflowExecutionStartedEventAttributes.CompletionCallbacks.Concat(run.AttachedCallbacks);
        foreach (var callback in callbacks)
        {
            if (CallbackTarget(callback, run, StandaloneActivityScheduledEventId, EventType.ActivityTaskScheduled, "") is not var (caller, op))
            {
                continue;
            }
            HistoryEvent ev;
            if (outcome.Failure is null)
            {
                ev = NewEvent(EventType.NexusOperationCompleted);
                ev.NexusOperationCompletedEventAttributes = new() { ScheduledEventId = op.ScheduledEventId, RequestId = op.RequestId, Result = outcome.Result?.Payloads_.FirstOrDefault() };
            }
            else if (run.Status == WorkflowExecutionStatus.Canceled)
            {
                ev = NewEvent(EventType.NexusOperationCanceled);
                ev.NexusOperationCanceledEventAttributes = new() { ScheduledEventId = op.ScheduledEventId, RequestId = op.RequestId, Failure = OperationFailure(op, outcome.Failure) };
            }
            else
            {
                ev = NewEvent(EventType.NexusOperationFailed);
                ev.NexusOperationFailedEventAttributes = new() { ScheduledEventId = op.ScheduledEventId, RequestId = op.RequestId, Failure = OperationFailure(op, outcome.Failure) };
            }
            CloseNexusOperation(caller, op, ev);
        }
    }

    public void RequestCancelActivityExecution(RequestCancelActivityExecutionRequest request)
    {
        lock (_gate)
        {
            var run = RunningStandalone(StandaloneActivityType, request.Namespace, request.ActivityId, request.RunId);
            if (!run.Activities.TryGetValue(StandaloneActivityScheduledEventId, out var activity) || activity.CancelRequested)
            {
                return;
            }
            RequestCancelActivity(run, StandaloneActivityScheduledEventId, 0, new CommandContext(run, 0, request.Identity));
            if (!run.Activities.ContainsKey(StandaloneActivityScheduledEventId))
            {
                // Not started yet: cancelled at once.
                CloseStandaloneActivity(run, run.History[^1]);
            }
            MarkDirty(run);
            Commit();
        }
    }

    public void TerminateActivityExecution(TerminateActivityExecutionRequest request)
    {
        lock (_gate)
        {
            var run = RunningStandalone(StandaloneActivityType, request.Namespace, request.ActivityId, request.RunId);
            CloseStandaloneActivity(run, TerminatedEvent(run, request.Reason, request.Identity));
            Commit();
        }
    }

    public DescribeActivityExecutionResponse DescribeActivityExecution(DescribeActivityExecutionRequest request)
    {
        lock (_gate)
        {
            RequireNamespace(request.Namespace);
            var run = FindStandalone(StandaloneActivityType, request.Namespace, request.ActivityId, request.RunId);
            var scheduled = run.History[(int)StandaloneActivityScheduledEventId - 1].ActivityTaskScheduledEventAttributes;
            run.Activities.TryGetValue(StandaloneActivityScheduledEventId, out var activity);
            var info = new ActivityExecutionInfo
            {
                ActivityId = run.WorkflowId,
                RunId = run.RunId,
                ActivityType = scheduled.ActivityType,
                Status = run.Status switch
                {
                    WorkflowExecutionStatus.Running => ActivityExecutionStatus.Running,
                    WorkflowExecutionStatus.Completed => ActivityExecutionStatus.Completed,
                    WorkflowExecutionStatus.Canceled => ActivityExecutionStatus.Canceled,
                    WorkflowExecutionStatus.Terminated => ActivityExecutionStatus.Terminated,
                    WorkflowExecutionStatus.TimedOut => ActivityExecutionStatus.TimedOut,
                    _ => ActivityExecutionStatus.Failed,
                },
                RunState = activity is null ? PendingActivityState.Unspecified
                    : activity.CancelRequested ? PendingActivityState.CancelRequested
                    : activity.StartedTime is not null ? PendingActivityState.Started
                    : PendingActivityState.Scheduled,
                TaskQueue = run.TaskQueue,
                ScheduleToCloseTimeout = scheduled.ScheduleToCloseTimeout,
                ScheduleToStartTimeout = scheduled.ScheduleToStartTimeout,
                StartToCloseTimeout = scheduled.StartToCloseTimeout,
                HeartbeatTimeout = scheduled.HeartbeatTimeout,
                RetryPolicy = scheduled.RetryPolicy,
                Attempt = activity?.Attempt ?? 1,
                ScheduleTime = Timestamp.FromDateTime(run.StartTime),
                LastFailure = activity?.LastFailure,
                StateTransitionCount = run.History.Count,
                SearchAttributes = run.SearchAttributes.Clone(),
                UserMetadata = run.StartedEvent.UserMetadata,
                Priority = scheduled.Priority,
            };
            if (run.CloseTime is { } closed)
            {
                info.CloseTime = Timestamp.FromDateTime(closed);
                info.ExecutionDuration = Duration.FromTimeSpan(closed - run.StartTime);
            }
            var response = new DescribeActivityExecutionResponse
            {
                RunId = run.RunId,
                Info = info,
                LongPollToken = ByteString.CopyFrom(BitConverter.GetBytes(run.History.Count)),
            };
            if (request.IncludeInput)
            {
                response.Input = scheduled.Input;
            }
            if (request.IncludeOutcome && !run.IsRunning)
            {
                response.Outcome = StandaloneActivityOutcome(run);
            }
            return response;
        }
    }

    /// <summary>Waits (a long poll) until the activity has closed, and answers its outcome (none if it has not).</summary>
    public async Task<PollActivityExecutionResponse> PollActivityExecutionAsync(PollActivityExecutionRequest request, DateTime deadline, CancellationToken cancellation)
    {
        var until = LongPollEnd(deadline, _waitPoll);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                RequireNamespace(request.Namespace);
                var run = FindStandalone(StandaloneActivityType, request.Namespace, request.ActivityId, request.RunId);
                if (!run.IsRunning || Now >= until)
                {
                    return new PollActivityExecutionResponse { RunId = run.RunId, Outcome = run.IsRunning ? null : StandaloneActivityOutcome(run) };
                }
                changed = ChangedSignal(run);
            }
            await WaitAsync(changed, until, cancellation).ConfigureAwait(false);
            cancellation.ThrowIfCancellationRequested();
        }
    }

    /// <summary>A closed activity's outcome: its result, or why it did not complete.</summary>
    private static ActivityExecutionOutcome StandaloneActivityOutcome(RunState run)
    {
        var close = run.History[^1];
        return close.EventType switch
        {
            EventType.ActivityTaskCompleted => new() { Result = close.ActivityTaskCompletedEventAttributes.Result ?? new Payloads() },
            EventType.ActivityTaskFailed => new() { Failure = close.ActivityTaskFailedEventAttributes.Failure, RetryState = close.ActivityTaskFailedEventAttributes.RetryState },
            EventType.ActivityTaskTimedOut => new() { Failure = close.ActivityTaskTimedOutEventAttributes.Failure, RetryState = close.ActivityTaskTimedOutEventAttributes.RetryState },
            EventType.ActivityTaskCanceled => new()
            {
                Failure = new Failure { Message = "activity canceled", CanceledFailureInfo = new() { Details = close.ActivityTaskCanceledEventAttributes.Details } },
            },
            _ => new()
            {
                Failure = new Failure { Message = close.WorkflowExecutionTerminatedEventAttributes?.Reason is { Length: > 0 } reason ? reason : "activity terminated", TerminatedFailureInfo = new() },
            },
        };
    }
}

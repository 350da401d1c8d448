using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Nexus.V1;
using Temporalio.Api.WorkflowService.V1;
using Failure = Temporalio.Api.Failure.V1.Failure;

namespace RawkodeAutomation.TemporalServer.Engine;

/// <summary>
/// Standalone Nexus operations, started by a client rather than a workflow (<c>StartNexusOperationExecution</c> and the
/// rest of that family). Each operation is kept as a hidden run whose one pending Nexus operation is the operation
/// itself, so dispatch, retries, timeouts, cancel requests and the completion callback of a workflow the handler
/// started are the ones workflow callers get. The hidden run is known by its workflow type; it never gets a workflow
/// task, is not listed with workflows, and closes with its operation (the status follows the operation's close event).
/// </summary>
internal sealed partial class TemporalEngine
{
    /// <summary>The workflow type that marks a run as the record of a standalone Nexus operation.</summary>
    internal const string StandaloneNexusType = "__temporal_standalone_nexus_operation";

    /// <summary>The operation's <c>NexusOperationScheduled</c> event, right after the hidden run's started event.</summary>
    private const long StandaloneScheduledEventId = 2;

    /// <summary>Operation fields a standalone operation query may name, besides the search attributes.</summary>
    private static readonly HashSet<string> StandaloneQueryFields = new(StringComparer.Ordinal) { "OperationId", "Endpoint", "Service", "Operation" };

    private static bool IsStandaloneNexus(RunState run) => run.WorkflowType == StandaloneNexusType;

    public StartNexusOperationExecutionResponse StartNexusOperationExecution(StartNexusOperationExecutionRequest request)
    {
        lock (_gate)
        {
            RequireNamespace(request.Namespace);
            if (string.IsNullOrEmpty(request.OperationId))
            {
                throw Errors.InvalidArgument("OperationId is not set on request.");
            }
            if (string.IsNullOrEmpty(request.Service) || string.IsNullOrEmpty(request.Operation))
            {
                throw Errors.InvalidArgument("Service and Operation must be set on request.");
            }
            if (EndpointByName(request.Endpoint) is not { } endpoint)
            {
                throw Errors.NotFound($"Nexus endpoint {request.Endpoint} not found.");
            }
            RequireRegistered(request.SearchAttributes);
            if (CurrentStandalone(StandaloneNexusType, request.Namespace, request.OperationId) is { } current)
            {
                if (!string.IsNullOrEmpty(request.RequestId) && current.RequestId == request.RequestId)
                {
                    return new() { RunId = current.RunId, Started = true };
                }
                if (current.IsRunning)
                {
                    if (request.IdConflictPolicy == NexusOperationIdConflictPolicy.UseExisting)
                    {
                        return new() { RunId = current.RunId, Started = false };
                    }
                    throw Errors.NexusOperationAlreadyStarted($"Nexus operation {request.OperationId} is already running.", current.RequestId, current.RunId);
                }
                if (request.IdReusePolicy == NexusOperationIdReusePolicy.RejectDuplicate
                    || (request.IdReusePolicy == NexusOperationIdReusePolicy.AllowDuplicateFailedOnly && current.Status == WorkflowExecutionStatus.Completed))
                {
                    throw Errors.NexusOperationAlreadyStarted($"Nexus operation {request.OperationId} already finished and its id reuse policy refuses another.", current.RequestId, current.RunId);
                }
            }
            var run = CreateStandaloneRun(request, endpoint);
            Commit();
            return new() { RunId = run.RunId, Started = true };
        }
    }

    private RunState CreateStandaloneRun(StartNexusOperationExecutionRequest request, Endpoint endpoint)
    {
        var run = NewStandaloneRun(StandaloneNexusType, request.Namespace, request.OperationId, endpoint.Spec.Target.Worker.TaskQueue,
            request.RequestId, request.Identity, request.SearchAttributes, request.CompletionCallbacks, request.Links, request.UserMetadata);
        var schedule = new ScheduleNexusOperationCommandAttributes
        {
            Endpoint = request.Endpoint,
            Service = request.Service,
            Operation = request.Operation,
            Input = request.Input,
            ScheduleToCloseTimeout = request.ScheduleToCloseTimeout,
            ScheduleToStartTimeout = request.ScheduleToStartTimeout,
            StartToCloseTimeout = request.StartToCloseTimeout,
        };
        schedule.NexusHeader.Add(request.NexusHeader);
        ScheduleNexusOperation(run, schedule, 0);
        return run;
    }

    /// <summary>Closes the hidden run of a standalone operation whose operation just closed with <paramref name="closeEvent"/>.</summary>
    private void CloseStandaloneNexus(RunState run, HistoryEvent closeEvent)
    {
        run.Status = closeEvent.EventType switch
        {
            EventType.NexusOperationCompleted => WorkflowExecutionStatus.Completed,
            EventType.NexusOperationCanceled => WorkflowExecutionStatus.Canceled,
            EventType.NexusOperationTimedOut => WorkflowExecutionStatus.TimedOut,
            EventType.WorkflowExecutionTerminated => WorkflowExecutionStatus.Terminated,
            _ => WorkflowExecutionStatus.Failed,
        };
        run.CloseTime = Now;
        run.NexusOperations.Clear();
        MarkDirty(run);
    }

    public void RequestCancelNexusOperationExecution(RequestCancelNexusOperationExecutionRequest request)
    {
        lock (_gate)
        {
            var run = RunningStandalone(StandaloneNexusType, request.Namespace, request.OperationId, request.RunId);
            if (!run.NexusOperations.TryGetValue(StandaloneScheduledEventId, out var op) || op.CancelRequestedEventId != 0)
            {
                return;
            }
            RequestCancelNexusOperation(run, new() { ScheduledEventId = StandaloneScheduledEventId }, 0, new CommandContext(run, 0, request.Identity));
            if (!run.NexusOperations.ContainsKey(StandaloneScheduledEventId))
            {
                // Nothing had started on the handler's side: the operation was cancelled at once.
                CloseStandaloneNexus(run, run.History[^1]);
            }
            Commit();
        }
    }

    public void TerminateNexusOperationExecution(TerminateNexusOperationExecutionRequest request)
    {
        lock (_gate)
        {
            var run = RunningStandalone(StandaloneNexusType, request.Namespace, request.OperationId, request.RunId);
            CloseStandaloneNexus(run, TerminatedEvent(run, request.Reason, request.Identity));
            Commit();
        }
    }

    public DescribeNexusOperationExecutionResponse DescribeNexusOperationExecution(DescribeNexusOperationExecutionRequest request)
    {
        lock (_gate)
        {
            RequireNamespace(request.Namespace);
            var run = FindStandalone(StandaloneNexusType, request.Namespace, request.OperationId, request.RunId);
            var scheduled = run.History[(int)StandaloneScheduledEventId - 1].NexusOperationScheduledEventAttributes;
            var started = run.History.FirstOrDefault(e => e.EventType == EventType.NexusOperationStarted);
            run.NexusOperations.TryGetValue(StandaloneScheduledEventId, out var op);
            var info = new NexusOperationExecutionInfo
            {
                OperationId = run.WorkflowId,
                RunId = run.RunId,
                Endpoint = scheduled.Endpoint,
                Service = scheduled.Service,
                Operation = scheduled.Operation,
                Status = StandaloneStatus(run),
                State = op is null ? PendingNexusOperationState.Unspecified
                    : op.OperationToken is not null ? PendingNexusOperationState.Started
                    : op.RetryAt is not null ? PendingNexusOperationState.BackingOff
                    : PendingNexusOperationState.Scheduled,
                ScheduleToCloseTimeout = scheduled.ScheduleToCloseTimeout,
                ScheduleToStartTimeout = scheduled.ScheduleToStartTimeout,
                StartToCloseTimeout = scheduled.StartToCloseTimeout,
                Attempt = op?.Attempt ?? 1,
                ScheduleTime = Timestamp.FromDateTime(run.StartTime),
                RequestId = run.RequestId,
                OperationToken = started?.NexusOperationStartedEventAttributes.OperationToken ?? "",
                StateTransitionCount = run.History.Count,
                SearchAttributes = run.SearchAttributes.Clone(),
                UserMetadata = run.StartedEvent.UserMetadata,
                Identity = run.StartedEvent.WorkflowExecutionStartedEventAttributes.Identity,
                LastAttemptFailure = op?.LastFailure,
            };
            info.NexusHeader.Add(scheduled.NexusHeader);
            if (started is not null)
            {
                info.Links.AddRange(started.Links);
            }
            if (scheduled.ScheduleToCloseTimeout is { } s2c && s2c.ToTimeSpan() > TimeSpan.Zero)
            {
                info.ExpirationTime = Timestamp.FromDateTime(run.StartTime + s2c.ToTimeSpan());
            }
            if (run.CloseTime is { } closed)
            {
                info.CloseTime = Timestamp.FromDateTime(closed);
                info.ExecutionDuration = Duration.FromTimeSpan(closed - run.StartTime);
            }
            if (op is { CancelRequestedEventId: > 0 })
            {
                info.CancellationInfo = new()
                {
                    RequestedTime = run.History[(int)op.CancelRequestedEventId - 1].EventTime,
                    State = op.CancelDone ? NexusOperationCancellationState.Succeeded : NexusOperationCancellationState.Scheduled,
                    Attempt = op.CancelAttempt,
                };
            }
            var response = new DescribeNexusOperationExecutionResponse
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
                SetStandaloneOutcome(run, result => response.Result = result, failure => response.Failure = failure);
            }
            return response;
        }
    }

    /// <summary>Waits (a long poll) until the operation has started or closed, as asked, and answers its outcome once closed.</summary>
    public async Task<PollNexusOperationExecutionResponse> PollNexusOperationExecutionAsync(PollNexusOperationExecutionRequest request, DateTime deadline, CancellationToken cancellation)
    {
        var until = LongPollEnd(deadline, _waitPoll);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                RequireNamespace(request.Namespace);
                var run = FindStandalone(StandaloneNexusType, request.Namespace, request.OperationId, request.RunId);
                var token = run.History.FirstOrDefault(e => e.EventType == EventType.NexusOperationStarted)?.NexusOperationStartedEventAttributes.OperationToken;
                var reached = !run.IsRunning ? NexusOperationWaitStage.Closed
                    : token is not null ? NexusOperationWaitStage.Started
                    : NexusOperationWaitStage.Unspecified;
                var wanted = request.WaitStage == NexusOperationWaitStage.Started ? NexusOperationWaitStage.Started : NexusOperationWaitStage.Closed;
                if (reached >= wanted || Now >= until)
                {
                    var response = new PollNexusOperationExecutionResponse { RunId = run.RunId, WaitStage = reached, OperationToken = token ?? "" };
                    if (reached == NexusOperationWaitStage.Closed)
                    {
                        SetStandaloneOutcome(run, result => response.Result = result, failure => response.Failure = failure);
                    }
                    return response;
                }
                changed = ChangedSignal(run);
            }
            await WaitAsync(changed, until, cancellation).ConfigureAwait(false);
            cancellation.ThrowIfCancellationRequested();
        }
    }

    public ListNexusOperationExecutionsResponse ListNexusOperationExecutions(ListNexusOperationExecutionsRequest request)
    {
        lock (_gate)
        {
            RequireNamespace(request.Namespace);
            var predicate = VisibilityQuery.Parse(request.Query, name => StandaloneQueryFields.Contains(name) || IsKnownAttribute(name));
            var all = StandaloneRuns(StandaloneNexusType, request.Namespace).Where(predicate).OrderByDescending(r => r.StartTime).ThenByDescending(r => r.Sequence).ToList();
            var offset = PageOffset(request.NextPageToken);
            var pageSize = request.PageSize > 0 ? request.PageSize : 1000;
            var response = new ListNexusOperationExecutionsResponse();
            foreach (var run in all.Skip(offset).Take(pageSize))
            {
                var scheduled = run.History[(int)StandaloneScheduledEventId - 1].NexusOperationScheduledEventAttributes;
                var listed = new NexusOperationExecutionListInfo
                {
                    OperationId = run.WorkflowId,
                    RunId = run.RunId,
                    Endpoint = scheduled.Endpoint,
                    Service = scheduled.Service,
                    Operation = scheduled.Operation,
                    ScheduleTime = Timestamp.FromDateTime(run.StartTime),
                    Status = StandaloneStatus(run),
                    SearchAttributes = run.SearchAttributes.Clone(),
                    StateTransitionCount = run.History.Count,
                };
                if (run.CloseTime is { } closed)
                {
                    listed.CloseTime = Timestamp.FromDateTime(closed);
                    listed.ExecutionDuration = Duration.FromTimeSpan(closed - run.StartTime);
                }
                response.Operations.Add(listed);
            }
            response.NextPageToken = NextPageToken(offset, pageSize, all.Count);
            return response;
        }
    }

    public CountNexusOperationExecutionsResponse CountNexusOperationExecutions(CountNexusOperationExecutionsRequest request)
    {
        lock (_gate)
        {
            RequireNamespace(request.Namespace);
            var (predicate, groupBy) = VisibilityQuery.ParseCount(request.Query, name => StandaloneQueryFields.Contains(name) || IsKnownAttribute(name));
            var matching = StandaloneRuns(StandaloneNexusType, request.Namespace).Where(predicate).ToList();
            var response = new CountNexusOperationExecutionsResponse { Count = matching.Count };
            foreach (var (value, count) in CountGroups(matching, groupBy))
            {
                var group = new CountNexusOperationExecutionsResponse.Types.AggregationGroup { Count = count };
                group.GroupValues.Add(value);
                response.Groups.Add(group);
            }
            return response;
        }
    }

    private static NexusOperationExecutionStatus StandaloneStatus(RunState run) => run.Status switch
    {
        WorkflowExecutionStatus.Running => NexusOperationExecutionStatus.Running,
        WorkflowExecutionStatus.Completed => NexusOperationExecutionStatus.Completed,
        WorkflowExecutionStatus.Canceled => NexusOperationExecutionStatus.Canceled,
        WorkflowExecutionStatus.Terminated => NexusOperationExecutionStatus.Terminated,
        WorkflowExecutionStatus.TimedOut => NexusOperationExecutionStatus.TimedOut,
        _ => NexusOperationExecutionStatus.Failed,
    };

    /// <summary>Sets a closed operation's outcome on an answer whose result and failure are one oneof (setting either to null would clear the other).</summary>
    private static void SetStandaloneOutcome(RunState run, Action<Payload> setResult, Action<Failure> setFailure)
    {
        var (result, failure) = StandaloneOutcome(run);
        if (failure is not null)
        {
            setFailure(failure);
        }
        else
        {
            setResult(result ?? new Payload());
        }
    }

    /// <summary>
    /// A closed operation's outcome: its result (an empty payload for none, so that the answer always carries one), or
    /// why it did not complete (the handler's failure, without the wrapper a calling workflow sees).
    /// </summary>
    private static (Payload? Result, Failure? Failure) StandaloneOutcome(RunState run)
    {
        var close = run.History[^1];
        return close.EventType switch
        {
            EventType.NexusOperationCompleted => (close.NexusOperationCompletedEventAttributes.Result ?? new Payload(), null),
            EventType.NexusOperationFailed => (null, Unwrapped(close.NexusOperationFailedEventAttributes.Failure)),
            EventType.NexusOperationCanceled => (null, Unwrapped(close.NexusOperationCanceledEventAttributes.Failure)),
            EventType.NexusOperationTimedOut => (null, Unwrapped(close.NexusOperationTimedOutEventAttributes.Failure)),
            EventType.WorkflowExecutionTerminated => (null, new Failure
            {
                Message = string.IsNullOrEmpty(close.WorkflowExecutionTerminatedEventAttributes.Reason) ? "operation terminated" : close.WorkflowExecutionTerminatedEventAttributes.Reason,
                TerminatedFailureInfo = new(),
            }),
            _ => (null, new Failure { Message = "operation failed" }),
        };

        static Failure Unwrapped(Failure failure) => failure.NexusOperationExecutionFailureInfo is not null && failure.Cause is not null ? failure.Cause : failure;
    }

    /// <summary>The Nexus form of a link to a standalone operation (what the SDKs parse into <c>Link.NexusOperation</c>).</summary>
    private static Temporalio.Api.Nexus.V1.Link StandaloneOperationLink(RunState run) => new()
    {
        Url = $"temporal:///namespaces/{Uri.EscapeDataString(run.Namespace)}/nexus-operations/{Uri.EscapeDataString(run.WorkflowId)}/{Uri.EscapeDataString(run.RunId)}/details",
        Type = Temporalio.Api.Common.V1.Link.Types.NexusOperation.Descriptor.FullName,
    };
}

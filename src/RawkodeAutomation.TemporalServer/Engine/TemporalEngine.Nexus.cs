using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Nexus.V1;
using Temporalio.Api.WorkflowService.V1;
using Failure = Temporalio.Api.Failure.V1.Failure;

namespace RawkodeAutomation.TemporalServer.Engine;

/// <summary>
/// Nexus operations called from workflows (https://docs.temporal.io/nexus), the way a real server runs them for an
/// endpoint whose target is a worker: <c>ScheduleNexusOperation</c> puts a start request on the endpoint's task queue
/// (<c>PollNexusTaskQueue</c>), a synchronous answer completes the operation, an asynchronous one starts it, and the
/// workflow the handler started completes it through its completion callback when it closes. Handler errors are
/// retried (with backoff) unless they are not retryable; every request carries a <c>request-timeout</c> header no
/// longer than what is left of the operation's timeouts.
/// </summary>
internal sealed partial class TemporalEngine
{
    /// <summary>The callback URL of operations this server completes itself (a real server's internal callbacks).</summary>
    internal const string SystemCallbackUrl = "temporal://system";

    /// <summary>Callback header that names the caller's operation; the handler passes it back on the workflow it starts.</summary>
    internal const string CallbackTokenHeader = "temporal-callback-token";

    /// <summary>Callback header in which a handler passes the operation token it answers with.</summary>
    private const string OperationTokenHeader = "Nexus-Operation-Token";

    /// <summary>Longest one Nexus request may take before it is retried (a real server's default request timeout).</summary>
    private static readonly TimeSpan NexusRequestTimeout = TimeSpan.FromSeconds(10);

    private readonly Dictionary<string, Endpoint> _endpoints = new(StringComparer.Ordinal);

    // ---- endpoints (OperatorService) ----------------------------------------------------------------

    public Temporalio.Api.OperatorService.V1.CreateNexusEndpointResponse CreateNexusEndpoint(Temporalio.Api.OperatorService.V1.CreateNexusEndpointRequest request)
    {
        lock (_gate)
        {
            ValidateEndpointSpec(request.Spec, null);
            var now = Timestamp.FromDateTime(Now);
            var id = Guid.NewGuid().ToString();
            var endpoint = new Endpoint
            {
                Id = id,
                Version = 1,
                Spec = request.Spec,
                CreatedTime = now,
                LastModifiedTime = now,
                UrlPrefix = $"/nexus/endpoints/{id}",
            };
            _endpoints[id] = endpoint;
            return new() { Endpoint = endpoint };
        }
    }

    public Temporalio.Api.OperatorService.V1.UpdateNexusEndpointResponse UpdateNexusEndpoint(Temporalio.Api.OperatorService.V1.UpdateNexusEndpointRequest request)
    {
        lock (_gate)
        {
            var endpoint = RequireEndpoint(request.Id, request.Version);
            ValidateEndpointSpec(request.Spec, request.Id);
            endpoint.Spec = request.Spec;
            endpoint.Version++;
            endpoint.LastModifiedTime = Timestamp.FromDateTime(Now);
            return new() { Endpoint = endpoint };
        }
    }

    public Temporalio.Api.OperatorService.V1.DeleteNexusEndpointResponse DeleteNexusEndpoint(Temporalio.Api.OperatorService.V1.DeleteNexusEndpointRequest request)
    {
        lock (_gate)
        {
            RequireEndpoint(request.Id, request.Version);
            _endpoints.Remove(request.Id);
            return new();
        }
    }

    public Temporalio.Api.OperatorService.V1.GetNexusEndpointResponse GetNexusEndpoint(Temporalio.Api.OperatorService.V1.GetNexusEndpointRequest request)
    {
        lock (_gate)
        {
            return new() { Endpoint = RequireEndpoint(request.Id, null) };
        }
    }

    public Temporalio.Api.OperatorService.V1.ListNexusEndpointsResponse ListNexusEndpoints(Temporalio.Api.OperatorService.V1.ListNexusEndpointsRequest request)
    {
        lock (_gate)
        {
            var all = _endpoints.Values
                .Where(e => string.IsNullOrEmpty(request.Name) || e.Spec.Name == request.Name)
                .OrderBy(e => e.Spec.Name, StringComparer.Ordinal)
                .ToList();
            var skip = request.NextPageToken.IsEmpty ? 0 : int.Parse(request.NextPageToken.ToStringUtf8(), CultureInfo.InvariantCulture);
            var size = request.PageSize > 0 ? request.PageSize : 100;
            var response = new Temporalio.Api.OperatorService.V1.ListNexusEndpointsResponse();
            response.Endpoints.AddRange(all.Skip(skip).Take(size));
            if (skip + size < all.Count)
            {
                response.NextPageToken = ByteString.CopyFromUtf8((skip + size).ToString(CultureInfo.InvariantCulture));
            }
            return response;
        }
    }

    private Endpoint RequireEndpoint(string id, long? version)
    {
        if (string.IsNullOrEmpty(id))
        {
            throw Errors.InvalidArgument("Endpoint ID is not set on request.");
        }
        if (!_endpoints.TryGetValue(id, out var endpoint))
        {
            throw Errors.NotFound($"Nexus endpoint with ID {id} not found.");
        }
        if (version is { } v && v != endpoint.Version)
        {
            throw Errors.FailedPrecondition($"Nexus endpoint version mismatch: expected {endpoint.Version}, got {v}.");
        }
        return endpoint;
    }

    private void ValidateEndpointSpec(EndpointSpec? spec, string? id)
    {
        if (spec is null || string.IsNullOrEmpty(spec.Name))
        {
            throw Errors.InvalidArgument("Endpoint name is not set on request.");
        }
        if (_endpoints.Values.Any(e => e.Spec.Name == spec.Name && e.Id != id))
        {
            throw Errors.AlreadyExists($"Nexus endpoint with name {spec.Name} already exists.");
        }
        if (spec.Target?.Worker is not { } worker || string.IsNullOrEmpty(worker.TaskQueue))
        {
            throw Errors.InvalidArgument("Endpoint target must be a worker target with a task queue (external targets are not supported).");
        }
        RequireNamespace(worker.Namespace);
    }

    private Endpoint? EndpointByName(string name) => _endpoints.Values.FirstOrDefault(e => e.Spec.Name == name);

    // ---- commands ---------------------------------------------------------------------------------

    private string? ScheduleNexusOperation(RunState run, ScheduleNexusOperationCommandAttributes attributes, long wftCompleted)
    {
        if (EndpointByName(attributes.Endpoint) is not { } endpoint)
        {
            return $"Nexus endpoint {attributes.Endpoint} is not registered.";
        }
        static TimeSpan? Positive(Duration? d) => d is not null && d.ToTimeSpan() > TimeSpan.Zero ? d.ToTimeSpan() : null;
        var ev = NewEvent(EventType.NexusOperationScheduled);
        ev.NexusOperationScheduledEventAttributes = new()
        {
            Endpoint = attributes.Endpoint,
            EndpointId = endpoint.Id,
            Service = attributes.Service,
            Operation = attributes.Operation,
            Input = attributes.Input,
            ScheduleToCloseTimeout = attributes.ScheduleToCloseTimeout,
            ScheduleToStartTimeout = attributes.ScheduleToStartTimeout,
            StartToCloseTimeout = attributes.StartToCloseTimeout,
            WorkflowTaskCompletedEventId = wftCompleted,
            RequestId = Guid.NewGuid().ToString(),
        };
        ev.NexusOperationScheduledEventAttributes.NexusHeader.Add(attributes.NexusHeader);
        Append(run, ev);
        var now = Now;
        var op = new NexusOperationState
        {
            ScheduledEventId = ev.EventId,
            Endpoint = attributes.Endpoint,
            Service = attributes.Service,
            Operation = attributes.Operation,
            RequestId = ev.NexusOperationScheduledEventAttributes.RequestId,
            TargetNamespace = endpoint.Spec.Target.Worker.Namespace,
            TaskQueue = endpoint.Spec.Target.Worker.TaskQueue,
            ScheduledTime = now,
            ScheduleToClose = Positive(attributes.ScheduleToCloseTimeout),
            ScheduleToStart = Positive(attributes.ScheduleToStartTimeout),
            StartToClose = Positive(attributes.StartToCloseTimeout),
        };
        run.NexusOperations[op.ScheduledEventId] = op;
        if (op.ScheduleToClose is { } s2c)
        {
            _scheduler.Add(now + s2c, new TimerEntry(TimerKind.NexusScheduleToClose, run.RunId, op.ScheduledEventId, 0));
        }
        if (op.ScheduleToStart is { } s2s)
        {
            _scheduler.Add(now + s2s, new TimerEntry(TimerKind.NexusScheduleToStart, run.RunId, op.ScheduledEventId, 0));
        }
        DispatchNexus(run, op, cancel: false);
        return null;
    }

    private string? RequestCancelNexusOperation(RunState run, RequestCancelNexusOperationCommandAttributes attributes, long wftCompleted, CommandContext context)
    {
        if (!run.NexusOperations.TryGetValue(attributes.ScheduledEventId, out var op))
        {
            return $"Nexus operation with scheduled event ID {attributes.ScheduledEventId} is not pending.";
        }
        if (op.CancelRequestedEventId != 0)
        {
            return $"Nexus operation with scheduled event ID {attributes.ScheduledEventId} is already being cancelled.";
        }
        var requested = NewEvent(EventType.NexusOperationCancelRequested);
        requested.NexusOperationCancelRequestedEventAttributes = new() { ScheduledEventId = op.ScheduledEventId, WorkflowTaskCompletedEventId = wftCompleted };
        Append(run, requested);
        op.CancelRequestedEventId = requested.EventId;
        if (op.OperationToken is null && !op.InFlight)
        {
            // Nothing has started on the handler's side yet: the operation is cancelled here and now.
            var canceled = NewEvent(EventType.NexusOperationCanceled);
            canceled.NexusOperationCanceledEventAttributes = new()
            {
                ScheduledEventId = op.ScheduledEventId,
                RequestId = op.RequestId,
                Failure = OperationFailure(op, new Failure { Message = "operation canceled", CanceledFailureInfo = new() }),
            };
            run.NexusOperations.Remove(op.ScheduledEventId);
            Append(run, canceled);
            context.NeedsWorkflowTask = true;
        }
        else if (op.OperationToken is not null)
        {
            DispatchNexus(run, op, cancel: true);
        }
        // A start still with the handler: the cancel request goes out once it answers that the operation started.
        return null;
    }

    // ---- tasks ------------------------------------------------------------------------------------

    private void DispatchNexus(RunState run, NexusOperationState op, bool cancel)
    {
        var entry = new TaskEntry(run.RunId, op.ScheduledEventId, cancel ? op.CancelAttempt : op.Attempt, NexusCancel: cancel);
        var queue = Queue(op.TargetNamespace, op.TaskQueue, TaskKind.Nexus);
        _afterCommit.Add(() => queue.Add(entry));
    }

    public Task<PollNexusTaskQueueResponse> PollNexusTaskAsync(PollNexusTaskQueueRequest request, DateTime deadline, CancellationToken cancellation)
    {
        var name = request.TaskQueue?.Name;
        if (string.IsNullOrEmpty(name))
        {
            throw Errors.InvalidArgument("TaskQueue is not set on request.");
        }
        return PollTaskQueueAsync<PollNexusTaskQueueResponse>(request.Namespace, name, TaskKind.Nexus, request.WorkerInstanceKey, deadline, StartNexusTask, cancellation);
    }

    private PollNexusTaskQueueResponse? StartNexusTask(TaskEntry entry)
    {
        if (RunningRun(entry.RunId) is not { } run || !run.NexusOperations.TryGetValue(entry.Id, out var op))
        {
            return null;
        }
        var cancel = entry.NexusCancel;
        if (cancel ? op.CancelInFlight || op.CancelDone || op.CancelAttempt != entry.Attempt || op.CancelRetryAt is not null
                   : op.InFlight || op.OperationToken is not null || op.Attempt != entry.Attempt || op.RetryAt is not null)
        {
            return null;
        }
        var now = Now;
        var timeout = NexusRequestTimeout;
        if (op.ScheduleToClose is { } s2c && op.ScheduledTime + s2c - now < timeout)
        {
            timeout = op.ScheduledTime + s2c - now;
        }
        if (!cancel && op.ScheduleToStart is { } s2s && op.ScheduledTime + s2s - now < timeout)
        {
            timeout = op.ScheduledTime + s2s - now;
        }
        if (timeout < TimeSpan.FromMilliseconds(1))
        {
            timeout = TimeSpan.FromMilliseconds(1);
        }
        if (cancel)
        {
            op.CancelInFlight = true;
        }
        else
        {
            op.InFlight = true;
        }
        MarkDirty(run);
        _scheduler.Add(now + timeout, new TimerEntry(TimerKind.NexusRequestTimeout, run.RunId, op.ScheduledEventId, entry.Attempt, cancel ? "cancel" : "start"));
        var scheduled = run.History[(int)op.ScheduledEventId - 1].NexusOperationScheduledEventAttributes;
        var request = new Request
        {
            ScheduledTime = Timestamp.FromDateTime(now),
            Endpoint = op.Endpoint,
            Capabilities = new() { TemporalFailureResponses = true },
        };
        foreach (var (key, value) in scheduled.NexusHeader)
        {
            request.Header[key.ToLowerInvariant()] = value;
        }
        request.Header["request-timeout"] = $"{(long)Math.Ceiling(timeout.TotalMilliseconds)}ms";
        if (cancel)
        {
            request.CancelOperation = new()
            {
                Service = op.Service,
                Operation = op.Operation,
#pragma warning disable CS0612 // the deprecated operation id is what older handlers read
                OperationId = op.OperationToken ?? "",
#pragma warning restore CS0612
                OperationToken = op.OperationToken ?? "",
            };
        }
        else
        {
            var start = new StartOperationRequest
            {
                Service = op.Service,
                Operation = op.Operation,
                RequestId = op.RequestId,
                Callback = SystemCallbackUrl,
                Payload = scheduled.Input,
            };
            start.CallbackHeader[CallbackTokenHeader] = CallbackToken.For(run, op).Encode();
            start.Links.Add(IsStandaloneNexus(run) ? StandaloneOperationLink(run) : new Temporalio.Api.Nexus.V1.Link
            {
                Url = WorkflowEventUrl(run.Namespace, run.WorkflowId, run.RunId, op.ScheduledEventId, EventType.NexusOperationScheduled),
                Type = Temporalio.Api.Common.V1.Link.Types.WorkflowEvent.Descriptor.FullName,
            });
            request.StartOperation = start;
        }
        return new PollNexusTaskQueueResponse
        {
            TaskToken = new TaskToken(TaskKind.Nexus, op.TargetNamespace, run.WorkflowId, run.RunId, op.ScheduledEventId, entry.Attempt, 0, cancel ? "cancel" : "start").Encode(),
            Request = request,
        };
    }

    /// <summary>
    /// The operation a worker's Nexus task token names, or null when that operation has already ended (its handler
    /// workflow completed before the start answer arrived, or it timed out): the late answer changes nothing.
    /// </summary>
    private (RunState Run, NexusOperationState Op, bool Cancel)? RequireNexusTask(ByteString tokenBytes, string ns)
    {
        var token = DecodeTaskToken(tokenBytes, ns, TaskKind.Nexus, "a Nexus");
        var cancel = token.QueryId == "cancel";
        if (!_runs.TryGetValue(token.RunId, out var run))
        {
            throw Errors.NotFound("Nexus task not found or already expired.");
        }
        if (!run.IsRunning || !run.NexusOperations.TryGetValue(token.ScheduledEventId, out var op))
        {
            return null;
        }
        if (cancel ? !op.CancelInFlight || op.CancelAttempt != token.Attempt : !op.InFlight || op.Attempt != token.Attempt)
        {
            throw Errors.NotFound("Nexus task not found or already expired.");
        }
        return (run, op, cancel);
    }

    public void CompleteNexusTask(RespondNexusTaskCompletedRequest request)
    {
        lock (_gate)
        {
            if (RequireNexusTask(request.TaskToken, request.Namespace) is not var (run, op, cancel))
            {
                return;
            }
            if (cancel)
            {
                op.CancelInFlight = false;
                op.CancelDone = true;
                var done = NewEvent(EventType.NexusOperationCancelRequestCompleted);
                done.NexusOperationCancelRequestCompletedEventAttributes = new() { ScheduledEventId = op.ScheduledEventId, RequestedEventId = op.CancelRequestedEventId };
                AddWorkflowEvent(run, done);
                MarkDirty(run);
                Commit();
                return;
            }
            op.InFlight = false;
            var response = request.Response?.StartOperation
                ?? throw Errors.InvalidArgument("Response is not a StartOperation response, which the request was.");
            switch (response.VariantCase)
            {
                case StartOperationResponse.VariantOneofCase.SyncSuccess:
                    {
                        var ev = NewEvent(EventType.NexusOperationCompleted);
                        ev.NexusOperationCompletedEventAttributes = new() { ScheduledEventId = op.ScheduledEventId, Result = response.SyncSuccess.Payload, RequestId = op.RequestId };
                        ev.Links.AddRange(ToTemporalLinks(response.SyncSuccess.Links));
                        CloseNexusOperation(run, op, ev);
                        break;
                    }
                case StartOperationResponse.VariantOneofCase.AsyncSuccess:
                    {
#pragma warning disable CS0612 // the deprecated operation id is what older handlers send
                        var token = string.IsNullOrEmpty(response.AsyncSuccess.OperationToken) ? response.AsyncSuccess.OperationId : response.AsyncSuccess.OperationToken;
#pragma warning restore CS0612
                        StartNexusOperation(run, op, token, response.AsyncSuccess.Links);
                        break;
                    }
                case StartOperationResponse.VariantOneofCase.Failure:
                    FailNexusOperation(run, op, response.Failure);
                    break;
#pragma warning disable CS0612 // what a worker without Temporal failure responses sends
                case StartOperationResponse.VariantOneofCase.OperationError:
                    {
                        var error = response.OperationError;
                        var failure = FromNexusFailure(error.Failure);
                        if (error.OperationState == "canceled")
                        {
                            failure.CanceledFailureInfo = new();
                        }
                        else
                        {
                            failure.ApplicationFailureInfo = new() { NonRetryable = true };
                        }
                        FailNexusOperation(run, op, failure);
                        break;
                    }
#pragma warning restore CS0612
                default:
                    throw Errors.InvalidArgument("StartOperation response has no result.");
            }
            MarkDirty(run);
            Commit();
        }
    }

    public void FailNexusTask(RespondNexusTaskFailedRequest request)
    {
        lock (_gate)
        {
            if (RequireNexusTask(request.TaskToken, request.Namespace) is not var (run, op, cancel))
            {
                return;
            }
#pragma warning disable CS0612 // the legacy handler error of workers without Temporal failure responses
            var failure = request.Failure ?? HandlerFailure(request.Error);
#pragma warning restore CS0612
            NexusRequestFailed(run, op, cancel, failure);
            Commit();
        }
    }

    /// <summary>A request that failed (a handler error, or no answer in time): retried unless the error says it must not be.</summary>
    private void NexusRequestFailed(RunState run, NexusOperationState op, bool cancel, Failure failure)
    {
        MarkDirty(run);
        var retryable = IsRetryable(failure.NexusHandlerFailureInfo);
        if (cancel)
        {
            op.CancelInFlight = false;
            if (retryable)
            {
                op.CancelAttempt++;
                op.CancelRetryAt = Now + NexusBackoff(op.CancelAttempt);
                _scheduler.Add(op.CancelRetryAt.Value, new TimerEntry(TimerKind.NexusRetry, run.RunId, op.ScheduledEventId, op.CancelAttempt, "cancel"));
                return;
            }
            op.CancelDone = true;
            var ev = NewEvent(EventType.NexusOperationCancelRequestFailed);
            ev.NexusOperationCancelRequestFailedEventAttributes = new() { ScheduledEventId = op.ScheduledEventId, RequestedEventId = op.CancelRequestedEventId, Failure = failure };
            AddWorkflowEvent(run, ev);
            return;
        }
        op.InFlight = false;
        op.LastFailure = failure;
        if (retryable)
        {
            op.Attempt++;
            op.RetryAt = Now + NexusBackoff(op.Attempt);
            _scheduler.Add(op.RetryAt.Value, new TimerEntry(TimerKind.NexusRetry, run.RunId, op.ScheduledEventId, op.Attempt, "start"));
            return;
        }
        var failed = NewEvent(EventType.NexusOperationFailed);
        failed.NexusOperationFailedEventAttributes = new() { ScheduledEventId = op.ScheduledEventId, RequestId = op.RequestId, Failure = OperationFailure(op, failure) };
        CloseNexusOperation(run, op, failed);
    }

    /// <summary>Backoff before attempt <paramref name="attempt"/>: 1 s, doubling, at most 10 s.</summary>
    private static TimeSpan NexusBackoff(int attempt) => TimeSpan.FromSeconds(Math.Min(10, Math.Pow(2, Math.Max(attempt - 2, 0))));

    /// <summary>Nexus handler error types that a retry cannot fix (https://github.com/nexus-rpc/api/blob/main/SPEC.md#predefined-handler-errors).</summary>
    private static readonly HashSet<string> NonRetryableHandlerErrors = ["BAD_REQUEST", "UNAUTHENTICATED", "UNAUTHORIZED", "NOT_FOUND", "NOT_IMPLEMENTED", "CONFLICT"];

    private static bool IsRetryable(NexusHandlerFailureInfo? info) => info?.RetryBehavior switch
    {
        NexusHandlerErrorRetryBehavior.Retryable => true,
        NexusHandlerErrorRetryBehavior.NonRetryable => false,
        _ => info is null || !NonRetryableHandlerErrors.Contains(info.Type),
    };

    private void StartNexusOperation(RunState run, NexusOperationState op, string token, IEnumerable<Temporalio.Api.Nexus.V1.Link> links)
    {
        op.OperationToken = token;
        op.StartedTime = Now;
        var ev = NewEvent(EventType.NexusOperationStarted);
        ev.NexusOperationStartedEventAttributes = new()
        {
            ScheduledEventId = op.ScheduledEventId,
#pragma warning disable CS0612 // kept for SDKs that still read the operation id
            OperationId = token,
#pragma warning restore CS0612
            OperationToken = token,
            RequestId = op.RequestId,
        };
        ev.Links.AddRange(ToTemporalLinks(links));
        AddWorkflowEvent(run, ev);
        if (op.StartToClose is { } s2c)
        {
            _scheduler.Add(Now + s2c, new TimerEntry(TimerKind.NexusStartToClose, run.RunId, op.ScheduledEventId, 0));
        }
        if (op.CancelRequestedEventId != 0 && !op.CancelDone)
        {
            DispatchNexus(run, op, cancel: true);
        }
    }

    /// <summary>An operation that ended unsuccessfully: cancelled when the failure says so, else failed.</summary>
    private void FailNexusOperation(RunState run, NexusOperationState op, Failure failure)
    {
        HistoryEvent ev;
        if (failure.CanceledFailureInfo is not null)
        {
            ev = NewEvent(EventType.NexusOperationCanceled);
            ev.NexusOperationCanceledEventAttributes = new() { ScheduledEventId = op.ScheduledEventId, RequestId = op.RequestId, Failure = OperationFailure(op, failure) };
        }
        else
        {
            ev = NewEvent(EventType.NexusOperationFailed);
            ev.NexusOperationFailedEventAttributes = new() { ScheduledEventId = op.ScheduledEventId, RequestId = op.RequestId, Failure = OperationFailure(op, failure) };
        }
        CloseNexusOperation(run, op, ev);
    }

    private void CloseNexusOperation(RunState run, NexusOperationState op, HistoryEvent ev)
    {
        run.NexusOperations.Remove(op.ScheduledEventId);
        AddWorkflowEvent(run, ev);
        if (IsStandaloneNexus(run))
        {
            CloseStandaloneNexus(run, ev);
        }
    }

    private void TimeOutNexusOperation(RunState run, NexusOperationState op, TimeoutType type)
    {
        var ev = NewEvent(EventType.NexusOperationTimedOut);
        ev.NexusOperationTimedOutEventAttributes = new()
        {
            ScheduledEventId = op.ScheduledEventId,
            RequestId = op.RequestId,
            Failure = OperationFailure(op, new Failure { Message = "operation timed out", TimeoutFailureInfo = new() { TimeoutType = type } }),
        };
        CloseNexusOperation(run, op, ev);
    }

    private void OnNexusTimer(RunState run, TimerEntry entry)
    {
        if (!run.NexusOperations.TryGetValue(entry.Key, out var op))
        {
            return;
        }
        var cancel = entry.Name == "cancel";
        switch (entry.Kind)
        {
            case TimerKind.NexusScheduleToClose:
                TimeOutNexusOperation(run, op, TimeoutType.ScheduleToClose);
                break;
            case TimerKind.NexusScheduleToStart when op.OperationToken is null:
                TimeOutNexusOperation(run, op, TimeoutType.ScheduleToStart);
                break;
            case TimerKind.NexusStartToClose:
                TimeOutNexusOperation(run, op, TimeoutType.StartToClose);
                break;
            case TimerKind.NexusRequestTimeout when cancel ? op.CancelInFlight && op.CancelAttempt == entry.Attempt : op.InFlight && op.Attempt == entry.Attempt:
                NexusRequestFailed(run, op, cancel, new Failure
                {
                    Message = "request timed out",
                    NexusHandlerFailureInfo = new() { Type = "UPSTREAM_TIMEOUT" },
                });
                break;
            case TimerKind.NexusRetry when cancel && op.CancelAttempt == entry.Attempt && op.CancelRetryAt is not null:
                op.CancelRetryAt = null;
                MarkDirty(run);
                DispatchNexus(run, op, cancel: true);
                break;
            case TimerKind.NexusRetry when !cancel && op.Attempt == entry.Attempt && op.RetryAt is not null:
                op.RetryAt = null;
                MarkDirty(run);
                DispatchNexus(run, op, cancel: false);
                break;
        }
    }

    /// <summary>
    /// After a restart: the operation's deadlines are set again, and a request that was with a worker is sent again
    /// as the next attempt (the answer to the old one can no longer arrive; its task token is stale).
    /// </summary>
    private void RecoverNexusOperation(RunState run, NexusOperationState op)
    {
        if (op.ScheduleToClose is { } s2c)
        {
            _scheduler.Add(op.ScheduledTime + s2c, new TimerEntry(TimerKind.NexusScheduleToClose, run.RunId, op.ScheduledEventId, 0));
        }
        if (op.OperationToken is null)
        {
            if (op.ScheduleToStart is { } s2s)
            {
                _scheduler.Add(op.ScheduledTime + s2s, new TimerEntry(TimerKind.NexusScheduleToStart, run.RunId, op.ScheduledEventId, 0));
            }
            if (op.RetryAt is { } retryAt)
            {
                _scheduler.Add(retryAt, new TimerEntry(TimerKind.NexusRetry, run.RunId, op.ScheduledEventId, op.Attempt, "start"));
                return;
            }
            if (op.InFlight)
            {
                op.InFlight = false;
                op.Attempt++;
                MarkDirty(run);
            }
            DispatchNexus(run, op, cancel: false);
            return;
        }
        if (op.StartToClose is { } st2c && op.StartedTime is { } started)
        {
            _scheduler.Add(started + st2c, new TimerEntry(TimerKind.NexusStartToClose, run.RunId, op.ScheduledEventId, 0));
        }
        if (op.CancelRequestedEventId == 0 || op.CancelDone)
        {
            return;
        }
        if (op.CancelRetryAt is { } cancelRetryAt)
        {
            _scheduler.Add(cancelRetryAt, new TimerEntry(TimerKind.NexusRetry, run.RunId, op.ScheduledEventId, op.CancelAttempt, "cancel"));
            return;
        }
        if (op.CancelInFlight)
        {
            op.CancelInFlight = false;
            op.CancelAttempt++;
            MarkDirty(run);
        }
        DispatchNexus(run, op, cancel: true);
    }

    // ---- completion callbacks -------------------------------------------------------------------------

    /// <summary>
    /// Delivers the close of a run that a Nexus operation started to that operation (the run's completion callbacks).
    /// Callbacks to other URLs (a handler outside this server) are not called.
    /// </summary>
    private void DeliverCompletionCallbacks(RunState run, HistoryEvent closeEvent)
    {
        var callbacks = run.StartedEvent.WorkflowExecutionStartedEventAttributes.CompletionCallbacks.Concat(run.AttachedCallbacks);
        foreach (var callback in callbacks)
        {
            // The handler's workflow closed before its start answer arrived: the operation started all the same,
            // with the token the SDKs' workflow-run handlers give it.
            if (CallbackTarget(callback, run, 1, EventType.WorkflowExecutionStarted, WorkflowRunOperationToken(run)) is not var (caller, op))
            {
                continue;
            }
            HistoryEvent ev;
            switch (closeEvent.EventType)
            {
                case EventType.WorkflowExecutionCompleted:
                    ev = NewEvent(EventType.NexusOperationCompleted);
                    ev.NexusOperationCompletedEventAttributes = new()
                    {
                        ScheduledEventId = op.ScheduledEventId,
                        RequestId = op.RequestId,
                        Result = closeEvent.WorkflowExecutionCompletedEventAttributes.Result?.Payloads_.FirstOrDefault(),
                    };
                    break;
                case EventType.WorkflowExecutionFailed:
                    ev = NewEvent(EventType.NexusOperationFailed);
                    ev.NexusOperationFailedEventAttributes = new()
                    {
                        ScheduledEventId = op.ScheduledEventId,
                        RequestId = op.RequestId,
                        Failure = OperationFailure(op, closeEvent.WorkflowExecutionFailedEventAttributes.Failure),
                    };
                    break;
                case EventType.WorkflowExecutionCanceled:
                    ev = NewEvent(EventType.NexusOperationCanceled);
                    ev.NexusOperationCanceledEventAttributes = new()
                    {
                        ScheduledEventId = op.ScheduledEventId,
                        RequestId = op.RequestId,
                        Failure = OperationFailure(op, new Failure
                        {
                            Message = "operation canceled",
                            CanceledFailureInfo = new() { Details = closeEvent.WorkflowExecutionCanceledEventAttributes.Details },
                        }),
                    };
                    break;
                case EventType.WorkflowExecutionTimedOut:
                    ev = NewEvent(EventType.NexusOperationFailed);
                    ev.NexusOperationFailedEventAttributes = new()
                    {
                        ScheduledEventId = op.ScheduledEventId,
                        RequestId = op.RequestId,
                        Failure = OperationFailure(op, new Failure { Message = "operation exceeded internal timeout", TimeoutFailureInfo = new() { TimeoutType = TimeoutType.StartToClose } }),
                    };
                    break;
                default:
                    ev = NewEvent(EventType.NexusOperationFailed);
                    ev.NexusOperationFailedEventAttributes = new()
                    {
                        ScheduledEventId = op.ScheduledEventId,
                        RequestId = op.RequestId,
                        Failure = OperationFailure(op, new Failure { Message = "operation terminated", TerminatedFailureInfo = new() }),
                    };
                    break;
            }
            // Like a real server's, the close event carries no link: the handler's workflow is linked once, from NexusOperationStarted.
            CloseNexusOperation(caller, op, ev);
        }
    }

    /// <summary>
    /// The caller's operation a completion callback names, when it is one of this server's own and the operation is
    /// still pending. An operation whose start answer has not arrived yet is started first (the answer, when it comes,
    /// changes nothing), with the token the callback carries or else <paramref name="fallbackToken"/>, linked to the
    /// event of <paramref name="run"/> that backs it.
    /// </summary>
    private (RunState Caller, NexusOperationState Op)? CallbackTarget(Callback callback, RunState run, long eventId, EventType eventType, string fallbackToken)
    {
        if (callback.Nexus is not { Url: SystemCallbackUrl } nexus
            || !nexus.Header.TryGetValue(CallbackTokenHeader, out var encoded)
            || CallbackToken.Decode(encoded) is not { } token
            || RunningRun(token.RunId) is not { } caller
            || !caller.NexusOperations.TryGetValue(token.ScheduledEventId, out var op)
            || op.RequestId != token.RequestId)
        {
            return null;
        }
        if (op.OperationToken is null)
        {
            op.InFlight = false;
            var operationToken = nexus.Header.FirstOrDefault(h => string.Equals(h.Key, OperationTokenHeader, StringComparison.OrdinalIgnoreCase)).Value;
            var link = new Temporalio.Api.Nexus.V1.Link
            {
                Url = WorkflowEventUrl(run.Namespace, run.WorkflowId, run.RunId, eventId, eventType),
                Type = Temporalio.Api.Common.V1.Link.Types.WorkflowEvent.Descriptor.FullName,
            };
            StartNexusOperation(caller, op, string.IsNullOrEmpty(operationToken) ? fallbackToken : operationToken, [link]);
        }
        return (caller, op);
    }

    /// <summary>
    /// Delivers the outcome of an update that a Nexus operation's handler started (an update-backed operation) to that
    /// operation, through the update request's completion callbacks (and those of requests deduplicated onto it).
    /// </summary>
    private void DeliverUpdateCallbacks(RunState run, UpdateState state, Temporalio.Api.Update.V1.Outcome outcome)
    {
        foreach (var callback in state.Request.CompletionCallbacks.Concat(state.AttachedCallbacks))
        {
            if (CallbackTarget(callback, run, state.AcceptedEventId, EventType.WorkflowExecutionUpdateAccepted, "") is not var (caller, op))
            {
                continue;
            }
            HistoryEvent ev;
            if (outcome.Failure is { } failure)
            {
                ev = NewEvent(EventType.NexusOperationFailed);
                ev.NexusOperationFailedEventAttributes = new() { ScheduledEventId = op.ScheduledEventId, RequestId = op.RequestId, Failure = OperationFailure(op, failure) };
            }
            else
            {
                ev = NewEvent(EventType.NexusOperationCompleted);
                ev.NexusOperationCompletedEventAttributes = new()
                {
                    ScheduledEventId = op.ScheduledEventId,
                    RequestId = op.RequestId,
                    Result = outcome.Success?.Payloads_.FirstOrDefault(),
                };
            }
            CloseNexusOperation(caller, op, ev);
        }
    }

    /// <summary>The token a workflow-run operation handler gives the operation: base64url of <c>{"t":1,"ns":…,"wid":…}</c>.</summary>
    private static string WorkflowRunOperationToken(RunState run) =>
        Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["t"] = 1, ["ns"] = run.Namespace, ["wid"] = run.WorkflowId }))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>What the caller's workflow sees when an operation ends unsuccessfully: the operation, and why.</summary>
    private static Failure OperationFailure(NexusOperationState op, Failure cause) => new()
    {
        Message = "nexus operation completed unsuccessfully",
        Cause = cause,
        NexusOperationExecutionFailureInfo = new()
        {
            ScheduledEventId = op.ScheduledEventId,
            Endpoint = op.Endpoint,
            Service = op.Service,
            Operation = op.Operation,
#pragma warning disable CS0612 // kept for SDKs that still read the operation id
            OperationId = op.OperationToken ?? "",
#pragma warning restore CS0612
            OperationToken = op.OperationToken ?? "",
        },
    };

    /// <summary>A legacy handler error as the Temporal failure a newer worker would have sent.</summary>
    private static Failure HandlerFailure(HandlerError? error)
    {
        var failure = FromNexusFailure(error?.Failure);
        failure.NexusHandlerFailureInfo = new() { Type = error?.ErrorType ?? "INTERNAL", RetryBehavior = error?.RetryBehavior ?? NexusHandlerErrorRetryBehavior.Unspecified };
        return failure;
    }

    private static Failure FromNexusFailure(Temporalio.Api.Nexus.V1.Failure? failure) => new() { Message = failure?.Message ?? "" };

    // ---- links ------------------------------------------------------------------------------------

    /// <summary>The Nexus form of a link to one event of a workflow's history (the URL the SDKs build and parse).</summary>
    private static string WorkflowEventUrl(string ns, string workflowId, string runId, long eventId, EventType type) =>
        $"temporal:///namespaces/{Uri.EscapeDataString(ns)}/workflows/{Uri.EscapeDataString(workflowId)}/{Uri.EscapeDataString(runId)}/history"
        + $"?referenceType=EventReference&eventID={eventId}&eventType={EventTypeNames.Value[type]}";

    // Lazy: the engine is built while a test server's first call waits, and descriptors are slow to build cold.
    private static readonly Lazy<Google.Protobuf.Reflection.EnumDescriptor> EventTypeDescriptor = new(() =>
        EventTypeReflection.Descriptor.FindTypeByName<Google.Protobuf.Reflection.EnumDescriptor>("EventType"));

    private static readonly Lazy<Dictionary<EventType, string>> EventTypeNames = new(() =>
        EventTypeDescriptor.Value.Values.ToDictionary(v => (EventType)v.Number, v => v.Name));

    /// <summary>Links a handler returned, as the history's links; links of kinds this server does not know are left out.</summary>
    private static IEnumerable<Temporalio.Api.Common.V1.Link> ToTemporalLinks(IEnumerable<Temporalio.Api.Nexus.V1.Link> links)
    {
        foreach (var link in links)
        {
            if (link.Type != Temporalio.Api.Common.V1.Link.Types.WorkflowEvent.Descriptor.FullName
                || !Uri.TryCreate(link.Url, UriKind.Absolute, out var uri) || uri.Scheme != "temporal")
            {
                continue;
            }
            var pieces = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (pieces is not ["namespaces", var ns, "workflows", var workflowId, var runId, "history"])
            {
                continue;
            }
            var query = uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
                .Select(p => p.Split('=', 2))
                .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => p.Length > 1 ? Uri.UnescapeDataString(p[1]) : "");
            var workflowEvent = new Temporalio.Api.Common.V1.Link.Types.WorkflowEvent
            {
                Namespace = Uri.UnescapeDataString(ns),
                WorkflowId = Uri.UnescapeDataString(workflowId),
                RunId = Uri.UnescapeDataString(runId),
            };
            var type = query.TryGetValue("eventType", out var typeName) ? ParseEventType(typeName) : EventType.Unspecified;
            if (query.GetValueOrDefault("referenceType") == "RequestIdReference")
            {
                workflowEvent.RequestIdRef = new() { RequestId = query.GetValueOrDefault("requestID") ?? "", EventType = type };
            }
            else
            {
                workflowEvent.EventRef = new()
                {
                    EventId = long.TryParse(query.GetValueOrDefault("eventID"), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : 0,
                    EventType = type,
                };
            }
            yield return new Temporalio.Api.Common.V1.Link { WorkflowEvent = workflowEvent };
        }
    }

    /// <summary>An event type by its proto name (<c>EVENT_TYPE_WORKFLOW_EXECUTION_STARTED</c>) or C# name (<c>WorkflowExecutionStarted</c>).</summary>
    private static EventType ParseEventType(string name) =>
        EventTypeDescriptor.Value.FindValueByName(name) is { } byProto ? (EventType)byProto.Number
        : System.Enum.TryParse<EventType>(name, ignoreCase: false, out var byName) ? byName
        : EventType.Unspecified;

    /// <summary>Names the caller's operation in the callback header the handler hands back when its workflow closes.</summary>
    private sealed record CallbackToken(string Namespace, string WorkflowId, string RunId, long ScheduledEventId, string RequestId)
    {
        public static CallbackToken For(RunState run, NexusOperationState op) => new(run.Namespace, run.WorkflowId, run.RunId, op.ScheduledEventId, op.RequestId);

        public string Encode() => Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(this));

        public static CallbackToken? Decode(string encoded)
        {
            try
            {
                return JsonSerializer.Deserialize<CallbackToken>(Encoding.UTF8.GetString(Convert.FromBase64String(encoded)));
            }
            catch (Exception ex) when (ex is FormatException or JsonException)
            {
                return null;
            }
        }
    }
}

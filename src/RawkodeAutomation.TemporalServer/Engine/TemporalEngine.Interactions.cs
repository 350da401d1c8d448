using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.ErrorDetails.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Namespace.V1;
using Temporalio.Api.Query.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;
using ProtocolMessage = Temporalio.Api.Protocol.V1.Message;
using UpdateAcceptance = Temporalio.Api.Update.V1.Acceptance;
using UpdateOutcome = Temporalio.Api.Update.V1.Outcome;
using UpdateRejection = Temporalio.Api.Update.V1.Rejection;
using UpdateResponse = Temporalio.Api.Update.V1.Response;

namespace RawkodeAutomation.TemporalServer.Engine;

internal sealed partial class TemporalEngine
{
    // ---- system and namespaces ------------------------------------------------------------------------

    public static GetSystemInfoResponse SystemInfo() => new()
    {
        ServerVersion = "1.27.0-rawkode-offline",
        // Only what is implemented is advertised.
        Capabilities = new()
        {
            SignalAndQueryHeader = true,
            InternalErrorDifferentiation = true,
            ActivityFailureIncludeHeartbeat = true,
            EncodedFailureAttributes = true,
            UpsertMemo = true,
            SdkMetadata = true,
            SupportsSchedules = true,
            EagerWorkflowStart = false,
            // Only the stamp: with it the SDK sends its build id as worker_version_stamp (use_versioning false), which
            // lands on WorkflowTaskCompleted, where a replaying worker reads Workflow.CurrentBuildId from. Routing
            // by build id (use_versioning true) is not implemented.
            BuildIdBasedVersioning = true,
            CountGroupByExecutionStatus = false,
            Nexus = true,
        },
    };

    public DescribeNamespaceResponse DescribeNamespace(DescribeNamespaceRequest request)
    {
        lock (_gate)
        {
            NamespaceEntry entry;
            if (!string.IsNullOrEmpty(request.Id))
            {
                entry = _namespaces.Values.FirstOrDefault(n => n.Id == request.Id) ?? throw Errors.NamespaceNotFound(request.Id);
            }
            else
            {
                entry = RequireNamespace(request.Namespace);
            }
            return NamespaceDescription(entry);
        }
    }

    public ListNamespacesResponse ListNamespaces()
    {
        lock (_gate)
        {
            var response = new ListNamespacesResponse();
            response.Namespaces.AddRange(_namespaces.Values.OrderBy(n => n.Name, StringComparer.Ordinal).Select(NamespaceDescription));
            return response;
        }
    }

    private DescribeNamespaceResponse NamespaceDescription(NamespaceEntry entry) => new()
    {
        NamespaceInfo = new NamespaceInfo
        {
            // The SDK checks what it sends against these and fails its own task (PayloadsTooLarge) rather than have
            // the server terminate the run for an oversized command.
            Limits = new() { BlobSizeLimitError = _limits.BlobSizeError, MemoSizeLimitError = _limits.MemoSizeError },
            Name = entry.Name,
            Id = entry.Id,
            State = NamespaceState.Registered,
            Description = "RawkodeAutomation offline namespace",
            // WorkerPollCompleteOnShutdown: ShutdownWorker answers the worker's outstanding polls (below), so the SDK
            // lets its polls finish instead of cancelling them, and no task is handed to a poll that is going away.
            Capabilities = new() { SyncUpdate = true, AsyncUpdate = true, WorkerPollCompleteOnShutdown = true },
        },
        Config = new NamespaceConfig { WorkflowExecutionRetentionTtl = Duration.FromTimeSpan(TimeSpan.FromDays(1)) },
        ReplicationConfig = new Temporalio.Api.Replication.V1.NamespaceReplicationConfig
        {
            ActiveClusterName = "active",
            Clusters = { new Temporalio.Api.Replication.V1.ClusterReplicationConfig { ClusterName = "active" } },
        },
        IsGlobalNamespace = false,
    };

    /// <summary>
    /// How long polls from a worker that shut down are still answered empty (a real server's matching keeps 30 s).
    /// Measured on the wall clock, not the engine's (possibly skipping) clock: it covers polls still on the wire.
    /// </summary>
    private static readonly TimeSpan ShutDownWorkerMemory = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a workflow task that a shutting-down worker holds may still take before it times out. The SDK's
    /// core may drop a task that reached it just as it shut down (its poll stream ends at the first empty answer,
    /// and it reads the sticky and normal queues in random order), which would otherwise cost the whole
    /// start-to-close timeout; a task the worker really works on completes well within this.
    /// </summary>
    private static readonly TimeSpan ShutDownWorkerTaskGrace = TimeSpan.FromSeconds(2);

    /// <summary>Worker instance keys that called <c>ShutdownWorker</c>, with when they may be forgotten.</summary>
    private readonly Dictionary<(string Ns, string WorkerInstanceKey), DateTime> _shutDownWorkers = new();

    /// <summary>
    /// <c>ShutdownWorker</c> (https://github.com/temporalio/api/blob/master/temporal/api/workflowservice/v1/service.proto):
    /// answers every outstanding poll of the worker at once with an empty response, answers its later polls
    /// (already on the wire) empty too, releases its sticky queue, and gives the workflow tasks it holds
    /// <see cref="ShutDownWorkerTaskGrace"/> to complete. A worker that advertises graceful poll shutdown then
    /// stops without cancelling a poll the server might just have handed a task to.
    /// </summary>
    public void ShutdownWorker(ShutdownWorkerRequest request)
    {
        lock (_gate)
        {
            RequireNamespace(request.Namespace);
            var now = DateTime.UtcNow;
            foreach (var expired in _shutDownWorkers.Where(e => e.Value <= now).Select(e => e.Key).ToList())
            {
                _shutDownWorkers.Remove(expired);
            }
            if (!string.IsNullOrEmpty(request.WorkerInstanceKey))
            {
                _shutDownWorkers[(request.Namespace, request.WorkerInstanceKey)] = now + ShutDownWorkerMemory;
                ShortenHeldWorkflowTasks(request.WorkerInstanceKey);
                foreach (var ((ns, _, _), queue) in _queues)
                {
                    if (ns == request.Namespace)
                    {
                        queue.ReleaseWorker(request.WorkerInstanceKey);
                    }
                }
            }
            if (!string.IsNullOrEmpty(request.StickyTaskQueue))
            {
                if (_queues.Remove((request.Namespace, request.StickyTaskQueue, TaskKind.Sticky), out var sticky))
                {
                    sticky.ReleaseAll();
                }
                ReleaseStickyQueue(request.Namespace, request.StickyTaskQueue);
            }
            if (!_disposed)
            {
                Commit();
            }
        }
    }

    /// <summary>Moves the timeout of every workflow task the worker still holds to at most the grace period from now.</summary>
    private void ShortenHeldWorkflowTasks(string workerInstanceKey)
    {
        foreach (var (runId, held) in _workflowTaskHolders.Where(h => h.Value.WorkerInstanceKey == workerInstanceKey).ToList())
        {
            _workflowTaskHolders.Remove(runId);
            if (RunningRun(runId) is { } run && run.WftScheduledId == held.ScheduledId
                && run.WftAttempt == held.Attempt && run.WftStartedId != 0)
            {
                // A second start-to-close deadline for the same attempt: whichever fires first times the task out.
                _scheduler.Add(Now + ShutDownWorkerTaskGrace, new TimerEntry(TimerKind.WorkflowTaskStartToClose, runId, held.ScheduledId, held.Attempt));
            }
        }
    }

    private bool IsShutDownWorker(string ns, string workerInstanceKey) =>
        !string.IsNullOrEmpty(workerInstanceKey)
        && _shutDownWorkers.TryGetValue((ns, workerInstanceKey), out var forgetAt)
        && forgetAt > DateTime.UtcNow;

    /// <summary>Polls parked on a task queue right now; tests wait on this instead of sleeping.</summary>
    internal int ParkedPolls(string ns, string taskQueue, TaskKind kind)
    {
        lock (_gate)
        {
            return _queues.TryGetValue((ns, taskQueue, kind), out var queue) ? queue.PollerCount : 0;
        }
    }

    /// <summary>The event types waiting for the run's in-flight workflow task to end (for tests).</summary>
    internal IReadOnlyList<EventType> BufferedEventTypes(string ns, string workflowId)
    {
        lock (_gate)
        {
            return [.. FindRun(ns, new WorkflowExecution { WorkflowId = workflowId }).Buffered.Select(e => e.EventType)];
        }
    }

    // ---- queries ------------------------------------------------------------------------------------

    public async Task<QueryWorkflowResponse> QueryAsync(QueryWorkflowRequest request, DateTime deadline, CancellationToken cancellation)
    {
        QueryTask task;
        lock (_gate)
        {
            RequireNamespace(request.Namespace);
            if (request.Query is null || string.IsNullOrEmpty(request.Query.QueryType))
            {
                throw Errors.InvalidArgument("QueryType is not set on request.");
            }
            CheckPayloads(request.Query.QueryArgs);
            var run = FindRun(request.Namespace, request.Execution);
            if (!run.IsRunning && request.QueryRejectCondition is QueryRejectCondition.NotOpen
                || (request.QueryRejectCondition is QueryRejectCondition.NotCompletedCleanly && !run.IsRunning && run.Status != WorkflowExecutionStatus.Completed))
            {
                return new QueryWorkflowResponse { QueryRejected = new QueryRejected { Status = run.Status } };
            }
            task = new QueryTask { Id = Guid.NewGuid().ToString(), RunId = run.RunId, Query = request.Query };
            _queries[task.Id] = task;
            if (run.IsRunning && run.WftScheduledId != 0)
            {
                // Events the worker has not processed yet: answer with the next workflow task, as a real server
                // does, so a query right after a signal sees that signal.
                run.PendingQueries.Add(task);
            }
            else
            {
                DispatchLegacyQuery(run, task);
            }
        }
        var until = LongPollEnd(deadline, _taskPoll);
        await WaitAsync(task.Result.Task, until, cancellation).ConfigureAwait(false);
        lock (_gate)
        {
            _queries.Remove(task.Id);
        }
        if (!task.Result.Task.IsCompleted)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, "query timed out before a worker answered it"));
        }
        var result = task.Result.Task.Result;
        if (result.CompletedType == QueryResultType.Answered)
        {
            return new QueryWorkflowResponse { QueryResult = result.QueryResult };
        }
        var status = new GrpcStatus { Code = (int)StatusCode.InvalidArgument, Message = result.ErrorMessage };
        status.Details.Add(Any.Pack(new QueryFailedFailure { Failure = result.Failure }));
        throw new RpcException(new Status(StatusCode.InvalidArgument, result.ErrorMessage), new Metadata { { "grpc-status-details-bin", Google.Protobuf.MessageExtensions.ToByteArray(status) } });
    }

    /// <summary>
    /// Sends a query out on its own: to the sticky queue while the run is sticky (its worker answers from its cache),
    /// with a deadline after which it goes to the normal queue instead; otherwise to the normal queue.
    /// </summary>
    private void DispatchLegacyQuery(RunState run, QueryTask task)
    {
        task.Taken = false;
        task.StickyQueue = run.IsRunning ? StickyQueueFor(run) : null;
        if (task.StickyQueue is not null)
        {
            _scheduler.Add(Now + run.StickyScheduleToStartTimeout, new TimerEntry(TimerKind.StickyQueryScheduleToStart, run.RunId, 0, 0, task.Id));
        }
        QueryQueue(run, task).Add(new TaskEntry(run.RunId, 0, 0, task));
    }

    private TaskQueueState QueryQueue(RunState run, QueryTask task) => task.StickyQueue is { } sticky
        ? Queue(run.Namespace, sticky, TaskKind.Sticky)
        : Queue(run.Namespace, run.TaskQueue, TaskKind.Workflow);

    /// <summary>Queries that can no longer ride with a workflow task go out on their own.</summary>
    private void ReleaseQueries(RunState run, bool inFlightOnly)
    {
        var released = run.InFlightQueries.ToList();
        run.InFlightQueries.Clear();
        if (!inFlightOnly || !run.IsRunning || run.WftScheduledId == 0)
        {
            released.AddRange(run.PendingQueries);
            run.PendingQueries.Clear();
        }
        foreach (var task in released.Where(t => !t.Result.Task.IsCompleted))
        {
            if (run.IsRunning && run.WftScheduledId != 0)
            {
                run.PendingQueries.Add(task);
            }
            else
            {
                DispatchLegacyQuery(run, task);
            }
        }
    }

    private static void AnswerQueries(RunState run, Google.Protobuf.Collections.MapField<string, WorkflowQueryResult> results)
    {
        foreach (var task in run.InFlightQueries.ToList())
        {
            if (results.TryGetValue(task.Id, out var result))
            {
                run.InFlightQueries.Remove(task);
                task.Result.TrySetResult(new RespondQueryTaskCompletedRequest
                {
                    CompletedType = result.ResultType,
                    QueryResult = result.Answer,
                    ErrorMessage = result.ErrorMessage,
                    Failure = result.Failure,
                });
            }
        }
    }

    /// <summary>
    /// Hands a query out on its own to a poll of the normal queue (<paramref name="stickyQueue"/> null) or of a sticky
    /// queue, if it still waits on that queue. A query that finds a workflow task scheduled meanwhile (a signal came)
    /// rides with that task instead, so it sees the new events in order, as every query that arrives then does.
    /// </summary>
    private PollWorkflowTaskQueueResponse? StartQueryTask(QueryTask query, string? stickyQueue)
    {
        if (!_queries.ContainsKey(query.Id) || query.Result.Task.IsCompleted || !_runs.TryGetValue(query.RunId, out var run)
            || query.Taken || query.StickyQueue != stickyQueue)
        {
            return null;
        }
        query.Taken = true;
        if (run.IsRunning && run.WftScheduledId != 0)
        {
            run.PendingQueries.Add(query);
            return null;
        }
        var response = new PollWorkflowTaskQueueResponse
        {
            TaskToken = new TaskToken(TaskKind.Query, run.Namespace, run.WorkflowId, run.RunId, 0, 1, 0, query.Id).Encode(),
            WorkflowExecution = ExecutionOf(run),
            WorkflowType = new WorkflowType { Name = run.WorkflowType },
            PreviousStartedEventId = run.PreviousStartedId,
            // No workflow task is started for a query (a real server sends 0 here too). SDK core reads a non-zero id as
            // a workflow task: it would apply the events after the last completed task (a signal) inside the query and
            // lose the commands they produce, and the next workflow task would fail as nondeterministic.
            StartedEventId = 0,
            Attempt = 1,
            Query = query.Query,
            History = new History(),
            WorkflowExecutionTaskQueue = new TaskQueue { Name = run.TaskQueue, Kind = TaskQueueKind.Normal },
            ScheduledTime = Timestamp.FromDateTime(Now),
            StartedTime = Timestamp.FromDateTime(Now),
        };
        // A sticky worker keeps the run in its cache and answers from it, so it gets no events; a worker on the normal
        // queue may not hold the run and gets full history. That history holds only events a workflow task already
        // handled (otherwise the query rides with the scheduled task, above): a worker (SDK core) given events it has
        // not seen would apply them inside the query and lose the commands they lead to, and the next workflow task,
        // replayed elsewhere, would fail as nondeterministic.
        if (stickyQueue is null)
        {
            response.History.Events.AddRange(run.History);
        }
        return response;
    }

    public void CompleteQueryTask(RespondQueryTaskCompletedRequest request)
    {
        var token = TaskToken.Decode(request.TaskToken);
        if (token.Kind != TaskKind.Query)
        {
            throw Errors.InvalidArgument("Task token is not a query task token.");
        }
        lock (_gate)
        {
            RequireNamespace(token.Namespace);
            if (!_queries.Remove(token.QueryId, out var task))
            {
                throw Errors.NotFound("Query task not found, or already expired.");
            }
            task.Result.TrySetResult(request);
        }
    }

    // ---- updates ------------------------------------------------------------------------------------

    public async Task<UpdateWorkflowExecutionResponse> UpdateAsync(UpdateWorkflowExecutionRequest request, DateTime deadline, CancellationToken cancellation)
    {
        RunState run;
        UpdateState state;
        lock (_gate)
        {
            RequireNamespace(request.Namespace);
            ValidateUpdate(request);
            run = FindRun(request.Namespace, request.WorkflowExecution);
            state = AdmitUpdate(run, request);
            Commit();
        }
        var response = await WaitUpdateAsync(run, state, request.WaitPolicy?.LifecycleStage ?? UpdateWorkflowExecutionLifecycleStage.Unspecified, deadline, cancellation).ConfigureAwait(false);
        return new UpdateWorkflowExecutionResponse { UpdateRef = response.UpdateRef, Outcome = response.Outcome, Stage = response.Stage };
    }

    private void ValidateUpdate(UpdateWorkflowExecutionRequest request)
    {
        if (string.IsNullOrEmpty(request.Request?.Meta?.UpdateId))
        {
            throw Errors.InvalidArgument("Update ID is not set on request.");
        }
        if (string.IsNullOrEmpty(request.Request.Input?.Name))
        {
            throw Errors.InvalidArgument("Update name is not set on request.");
        }
        CheckPayloads(request.Request.Input.Args);
    }

    /// <summary>Admits an update to a run (or finds the one with the same id) and makes sure a workflow task will carry it.</summary>
    private UpdateState AdmitUpdate(RunState run, UpdateWorkflowExecutionRequest request)
    {
        var updateId = request.Request.Meta.UpdateId;
        if (!string.IsNullOrEmpty(request.FirstExecutionRunId) && run.FirstRunId != request.FirstExecutionRunId)
        {
            throw Errors.WorkflowNotFound(run.WorkflowId, request.FirstExecutionRunId);
        }
        if (run.Updates.TryGetValue(updateId, out var state))
        {
            if (state.Stage is UpdateStage.Admitted or UpdateStage.Accepted && request.Request.CompletionCallbacks.Count > 0)
            {
                // A Nexus operation deduplicated onto an update still in flight is completed with it too.
                state.AttachedCallbacks.AddRange(request.Request.CompletionCallbacks);
                MarkDirty(run);
            }
            return state;
        }
        if (!run.IsRunning)
        {
            throw Errors.AlreadyCompleted();
        }
        state = new UpdateState { UpdateId = updateId, Stage = UpdateStage.Admitted, Request = request.Request };
        run.Updates[updateId] = state;
        MarkDirty(run);
        if (run.WftScheduledId == 0)
        {
            ScheduleWorkflowTask(run);
        }
        return state;
    }

    /// <summary>
    /// Update-with-start: the only multi-operation the API defines. A failed operation is reported through
    /// <c>MultiOperationExecutionFailure</c>, the other one as aborted, which is what the SDK unpacks.
    /// </summary>
    public async Task<ExecuteMultiOperationResponse> ExecuteMultiOperationAsync(ExecuteMultiOperationRequest request, DateTime deadline, CancellationToken cancellation)
    {
        if (request.Operations.Count != 2
            || request.Operations[0].OperationCase != ExecuteMultiOperationRequest.Types.Operation.OperationOneofCase.StartWorkflow
            || request.Operations[1].OperationCase != ExecuteMultiOperationRequest.Types.Operation.OperationOneofCase.UpdateWorkflow)
        {
            throw Errors.InvalidArgument("Operations must be exactly one StartWorkflow followed by one UpdateWorkflow.");
        }
        var start = request.Operations[0].StartWorkflow;
        var update = request.Operations[1].UpdateWorkflow;
        if (update.WorkflowExecution?.WorkflowId != start.WorkflowId || !string.IsNullOrEmpty(update.WorkflowExecution?.RunId))
        {
            throw Errors.InvalidArgument("The update must name the started workflow's id and no run id.");
        }
        RunState run;
        UpdateState state;
        StartWorkflowExecutionResponse started;
        lock (_gate)
        {
            RequireNamespace(request.Namespace);
            try
            {
                ValidateUpdate(update);
            }
            catch (RpcException ex)
            {
                throw MultiOperationFailure(ex, 1);
            }
            try
            {
                started = StartWorkflow(start);
            }
            catch (RpcException ex)
            {
                throw MultiOperationFailure(ex, 0);
            }
            try
            {
                run = FindRun(request.Namespace, new WorkflowExecution { WorkflowId = start.WorkflowId, RunId = started.RunId });
                state = AdmitUpdate(run, update);
                Commit();
            }
            catch (RpcException ex)
            {
                throw MultiOperationFailure(ex, 1);
            }
        }
        var updated = await WaitUpdateAsync(run, state, update.WaitPolicy?.LifecycleStage ?? UpdateWorkflowExecutionLifecycleStage.Unspecified, deadline, cancellation).ConfigureAwait(false);
        return new ExecuteMultiOperationResponse
        {
            Responses =
            {
                new ExecuteMultiOperationResponse.Types.Response { StartWorkflow = started },
                new ExecuteMultiOperationResponse.Types.Response
                {
                    UpdateWorkflow = new UpdateWorkflowExecutionResponse { UpdateRef = updated.UpdateRef, Outcome = updated.Outcome, Stage = updated.Stage },
                },
            },
        };
    }

    private static RpcException MultiOperationFailure(RpcException failed, int index)
    {
        var failure = new MultiOperationExecutionFailure();
        for (var i = 0; i < 2; i++)
        {
            var status = new MultiOperationExecutionFailure.Types.OperationStatus();
            if (i == index)
            {
                status.Code = (int)failed.StatusCode;
                status.Message = failed.Status.Detail;
                var bytes = failed.Trailers.GetValueBytes("grpc-status-details-bin");
                if (bytes is not null)
                {
                    status.Details.AddRange(GrpcStatus.Parser.ParseFrom(bytes).Details);
                }
            }
            else
            {
                status.Code = (int)StatusCode.Aborted;
                status.Message = "Operation was aborted.";
            }
            failure.Statuses.Add(status);
        }
        var message = $"MultiOperation could not be executed: {failed.Status.Detail}";
        var grpcStatus = new GrpcStatus { Code = (int)failed.StatusCode, Message = message };
        grpcStatus.Details.Add(Any.Pack(failure));
        return new RpcException(new Status(failed.StatusCode, message), new Metadata { { "grpc-status-details-bin", Google.Protobuf.MessageExtensions.ToByteArray(grpcStatus) } });
    }

    public async Task<PollWorkflowExecutionUpdateResponse> PollUpdateAsync(PollWorkflowExecutionUpdateRequest request, DateTime deadline, CancellationToken cancellation)
    {
        RunState run;
        UpdateState? state;
        lock (_gate)
        {
            RequireNamespace(request.Namespace);
            if (request.UpdateRef is null || string.IsNullOrEmpty(request.UpdateRef.UpdateId))
            {
                throw Errors.InvalidArgument("Update reference is not set on request.");
            }
            run = FindRun(request.Namespace, request.UpdateRef.WorkflowExecution);
            if (!run.Updates.TryGetValue(request.UpdateRef.UpdateId, out state))
            {
                throw Errors.NotFound($"update {request.UpdateRef.UpdateId} not found");
            }
        }
        return await WaitUpdateAsync(run, state, request.WaitPolicy?.LifecycleStage ?? UpdateWorkflowExecutionLifecycleStage.Unspecified, deadline, cancellation).ConfigureAwait(false);
    }

    private async Task<PollWorkflowExecutionUpdateResponse> WaitUpdateAsync(RunState run, UpdateState state, UpdateWorkflowExecutionLifecycleStage wanted, DateTime deadline, CancellationToken cancellation)
    {
        // As in real Temporal, the caller's deadline is a hard limit here: the reached stage is answered when this
        // server's long-poll interval ends, but a deadline that comes first ends the call DEADLINE_EXCEEDED. Answering
        // "admitted" just before a short deadline would make the SDK send the update again at once, for ever.
        // The deadline is wall-clock time, this server's clock may jump ahead of it (time skipping).
        var until = Now + _waitPoll;
        var hardDeadline = deadline == DateTime.MaxValue ? DateTime.MaxValue : deadline.ToUniversalTime();
        while (true)
        {
            Task changed;
            DateTime waitUntil;
            lock (_gate)
            {
                var reached = state.Stage switch
                {
                    UpdateStage.Completed or UpdateStage.Rejected => true,
                    UpdateStage.Accepted => wanted != UpdateWorkflowExecutionLifecycleStage.Completed,
                    _ => wanted is UpdateWorkflowExecutionLifecycleStage.Admitted or UpdateWorkflowExecutionLifecycleStage.Unspecified,
                };
                if (state.Stage == UpdateStage.Accepted && !run.IsRunning)
                {
                    // The workflow closed after accepting the update but before completing it: the real server completes
                    // the update with this failure rather than answering "already completed".
                    return new PollWorkflowExecutionUpdateResponse
                    {
                        UpdateRef = new Temporalio.Api.Update.V1.UpdateRef { WorkflowExecution = ExecutionOf(run), UpdateId = state.UpdateId },
                        Outcome = AcceptedUpdateCompletedWorkflow(),
                        Stage = UpdateWorkflowExecutionLifecycleStage.Completed,
                    };
                }
                if (!reached && !run.IsRunning)
                {
                    throw Errors.AlreadyCompleted();
                }
                var wallNow = DateTime.UtcNow;
                if (!reached && wallNow >= hardDeadline)
                {
                    throw Errors.DeadlineExceeded();
                }
                if (reached || Now >= until)
                {
                    return new PollWorkflowExecutionUpdateResponse
                    {
                        UpdateRef = new Temporalio.Api.Update.V1.UpdateRef { WorkflowExecution = ExecutionOf(run), UpdateId = state.UpdateId },
                        Outcome = state.Outcome,
                        Stage = state.Stage switch
                        {
                            UpdateStage.Completed or UpdateStage.Rejected => UpdateWorkflowExecutionLifecycleStage.Completed,
                            UpdateStage.Accepted => UpdateWorkflowExecutionLifecycleStage.Accepted,
                            _ => UpdateWorkflowExecutionLifecycleStage.Admitted,
                        },
                    };
                }
                changed = ChangedSignal(run);
                waitUntil = until;
                if (hardDeadline != DateTime.MaxValue && Now + (hardDeadline - wallNow) < waitUntil)
                {
                    waitUntil = Now + (hardDeadline - wallNow);
                }
            }
            await WaitAsync(changed, waitUntil, cancellation).ConfigureAwait(false);
            cancellation.ThrowIfCancellationRequested();
        }
    }

    private static Temporalio.Api.Update.V1.Outcome AcceptedUpdateCompletedWorkflow() => new()
    {
        Failure = new Temporalio.Api.Failure.V1.Failure
        {
            Message = "Workflow Update failed because the Workflow completed before the Update completed.",
            Source = "Server",
            ApplicationFailureInfo = new() { Type = "AcceptedUpdateCompletedWorkflow", NonRetryable = true },
        },
    };

    private void ApplyMessage(RunState run, ProtocolMessage message)
    {
        if (message.Body is null || !run.Updates.TryGetValue(message.ProtocolInstanceId, out var state))
        {
            return;
        }
        MarkDirty(run);
        if (message.Body.Is(UpdateAcceptance.Descriptor))
        {
            if (state.Stage != UpdateStage.Admitted)
            {
                return;
            }
            var acceptance = message.Body.Unpack<UpdateAcceptance>();
            var ev = NewEvent(EventType.WorkflowExecutionUpdateAccepted);
            ev.WorkflowExecutionUpdateAcceptedEventAttributes = new()
            {
                ProtocolInstanceId = state.UpdateId,
                AcceptedRequestMessageId = acceptance.AcceptedRequestMessageId,
                AcceptedRequestSequencingEventId = acceptance.AcceptedRequestSequencingEventId,
                AcceptedRequest = acceptance.AcceptedRequest ?? state.Request,
            };
            Append(run, ev);
            state.Stage = UpdateStage.Accepted;
            state.AcceptedEventId = ev.EventId;
        }
        else if (message.Body.Is(UpdateResponse.Descriptor))
        {
            if (state.Stage != UpdateStage.Accepted)
            {
                return;
            }
            var response = message.Body.Unpack<UpdateResponse>();
            var ev = NewEvent(EventType.WorkflowExecutionUpdateCompleted);
            ev.WorkflowExecutionUpdateCompletedEventAttributes = new()
            {
                Meta = response.Meta,
                AcceptedEventId = state.AcceptedEventId,
                Outcome = response.Outcome,
            };
            Append(run, ev);
            state.Stage = UpdateStage.Completed;
            state.Outcome = response.Outcome;
            DeliverUpdateCallbacks(run, state, response.Outcome);
        }
        else if (message.Body.Is(UpdateRejection.Descriptor))
        {
            if (state.Stage != UpdateStage.Admitted)
            {
                return;
            }
            var rejection = message.Body.Unpack<UpdateRejection>();
            state.Stage = UpdateStage.Rejected;
            state.Outcome = new UpdateOutcome { Failure = rejection.Failure };
            // A rejected update leaves no trace in history; its id may be used again.
            run.Updates.Remove(state.UpdateId);
        }
    }
}

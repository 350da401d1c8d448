// Deprecated API fields (namespace on commands, control, binary checksum, TERMINATE_IF_RUNNING) are still
// sent by SDKs and written by real servers, so the server must keep honouring them.
#pragma warning disable CS0612, CS0618

using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;
using ProtocolMessage = Temporalio.Api.Protocol.V1.Message;
using UpdateAcceptance = Temporalio.Api.Update.V1.Acceptance;
using UpdateRejection = Temporalio.Api.Update.V1.Rejection;
using UpdateResponse = Temporalio.Api.Update.V1.Response;

namespace RawkodeAutomation.TemporalServer.Engine;

internal sealed partial class TemporalEngine
{
    // ---- polling ------------------------------------------------------------------------------------

    public Task<PollWorkflowTaskQueueResponse> PollWorkflowTaskAsync(PollWorkflowTaskQueueRequest request, DateTime deadline, CancellationToken cancellation)
    {
        var name = request.TaskQueue?.Name;
        if (string.IsNullOrEmpty(name))
        {
            throw Errors.InvalidArgument("TaskQueue is not set on request.");
        }
        if (request.TaskQueue!.Kind == TaskQueueKind.Sticky)
        {
            // A sticky queue holds only tasks of runs sticky to its worker; version routing was decided when they were
            // put there (see StickyQueueFor), and the queue is no task queue of a worker deployment.
            return PollTaskQueueAsync<PollWorkflowTaskQueueResponse>(request.Namespace, name, TaskKind.Sticky, request.WorkerInstanceKey, deadline,
                entry => entry.Query is { } query ? StartQueryTask(query, name) : StartWorkflowTask(entry, request.Identity, request.WorkerInstanceKey, name), cancellation);
        }
        RegisterDeploymentVersion(request.Namespace, name, request.DeploymentOptions);
        return PollTaskQueueAsync<PollWorkflowTaskQueueResponse>(request.Namespace, name, TaskKind.Workflow, request.WorkerInstanceKey, deadline,
            entry => entry.Query is { } query ? StartQueryTask(query, null) : StartWorkflowTask(entry, request.Identity, request.WorkerInstanceKey, null), cancellation,
            entry => IsForWorkerVersion(request.Namespace, name, request.DeploymentOptions, entry));
    }

    /// <summary>
    /// One task poll: takes the first task <paramref name="start"/> can start, else parks until a task arrives,
    /// the long poll ends, the call is cancelled or the worker shuts down (then it answers empty).
    /// </summary>
    private async Task<TResponse> PollTaskQueueAsync<TResponse>(
        string ns,
        string name,
        TaskKind kind,
        string workerInstanceKey,
        DateTime deadline,
        Func<TaskEntry, TResponse?> start,
        CancellationToken cancellation,
        Func<TaskEntry, bool>? isForThisWorker = null)
        where TResponse : class, new()
    {
        var until = LongPollEnd(deadline, _taskPoll);
        while (true)
        {
            Poller poller;
            TaskQueueState queue;
            lock (_gate)
            {
                RequireNamespace(ns);
                queue = Queue(ns, name, kind);
                queue.LastPollTime = DateTime.UtcNow;
                if (PollMustEnd(ns, workerInstanceKey, cancellation))
                {
                    queue.PassOn();
                    return new TResponse();
                }
                var skipped = new List<TaskEntry>();
                TResponse? taken = null;
                while (queue.Tasks.TryDequeue(out var entry))
                {
                    if (isForThisWorker is not null && !isForThisWorker(entry))
                    {
                        skipped.Add(entry);
                    }
                    else if (start(entry) is { } response)
                    {
                        taken = response;
                        break;
                    }
                }
                queue.Restore(skipped);
                if (taken is not null)
                {
                    Commit();
                    return taken;
                }
                if (Now >= until)
                {
                    return new TResponse();
                }
                poller = queue.AddPoller(workerInstanceKey);
            }
            if (await WaitPollerAsync(queue, poller, until, cancellation).ConfigureAwait(false) == PollerWake.WorkerShutdown)
            {
                return new TResponse();
            }
        }
    }

    /// <summary>
    /// Whether a task poll must answer empty instead of taking a task: its call was cancelled, the server is
    /// stopping, or its worker already called <c>ShutdownWorker</c> (a poll that was on the wire when the worker
    /// shut down must not take a task the worker will never run).
    /// </summary>
    private bool PollMustEnd(string ns, string workerInstanceKey, CancellationToken cancellation) =>
        cancellation.IsCancellationRequested || _stopping.IsCancellationRequested || IsShutDownWorker(ns, workerInstanceKey);

    /// <summary>Parks a poller until it is woken, its long poll ends or its call is cancelled; it always leaves the queue.</summary>
    private async Task<PollerWake> WaitPollerAsync(TaskQueueState queue, Poller poller, DateTime until, CancellationToken cancellation)
    {
        try
        {
            await WaitAsync(poller.Woken, until, cancellation).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The caller went away; the poll loop answers (and passes on any wake-up it got).
        }
        finally
        {
            lock (_gate)
            {
                queue.RemovePoller(poller);
            }
        }
        return poller.Woken.Result;
    }

    /// <summary>
    /// Takes back a task whose poll answer never reached its worker: the call was cancelled or its connection
    /// dropped after the poll had taken the task. An activity goes back, unstarted and on the same attempt, to the
    /// head of its queue; a workflow task times out now (as its start-to-close timeout would later) so its next
    /// attempt is scheduled at once; a query goes back on the queue. A task that has moved on since (completed,
    /// heartbeated, a newer attempt) is left alone. Without this the task would wait for its start-to-close timeout.
    /// </summary>
    public void ReturnUndeliveredTask(ByteString taskToken)
    {
        TaskToken token;
        try
        {
            token = TaskToken.Decode(taskToken);
        }
        catch (global::Grpc.Core.RpcException)
        {
            return;
        }
        lock (_gate)
        {
            if (_disposed || RunningRun(token.RunId) is not { } run)
            {
                return;
            }
            switch (token.Kind)
            {
                case TaskKind.Activity:
                    ReturnActivityTask(run, token);
                    break;
                case TaskKind.Workflow when run.WftScheduledId == token.ScheduledEventId && run.WftStartedId == token.StartedEventId
                    && run.WftStartedId != 0 && run.WftAttempt == token.Attempt:
                    RetryWorkflowTask(run, WorkflowTaskTimedOutEvent(run));
                    break;
                case TaskKind.Query when _queries.TryGetValue(token.QueryId, out var query) && !query.Result.Task.IsCompleted:
                    query.Taken = false;
                    var queue = QueryQueue(run, query);
                    _afterCommit.Add(() => queue.AddFirst(new TaskEntry(run.RunId, 0, 0, query)));
                    break;
                default:
                    break;
            }
            Commit();
        }
    }

    /// <summary>
    /// The event that ends the workflow task as timed out: a started one start-to-close (for <see cref="RetryWorkflowTask"/>),
    /// one a sticky worker never took schedule-to-start (its started event id stays 0).
    /// </summary>
    private HistoryEvent WorkflowTaskTimedOutEvent(RunState run, TimeoutType timeoutType = TimeoutType.StartToClose) => new()
    {
        EventType = EventType.WorkflowTaskTimedOut,
        EventTime = Timestamp.FromDateTime(Now),
        WorkflowTaskTimedOutEventAttributes = new()
        {
            ScheduledEventId = run.WftScheduledId,
            StartedEventId = run.WftStartedId,
            TimeoutType = timeoutType,
        },
    };

    /// <summary>Which worker instance holds each run's started workflow task (see <see cref="ShutdownWorker"/>).</summary>
    private readonly Dictionary<string, (long ScheduledId, int Attempt, string WorkerInstanceKey)> _workflowTaskHolders = new(StringComparer.Ordinal);

    /// <summary>
    /// Starts the scheduled workflow task for a poll of the normal queue (<paramref name="stickyQueue"/> null) or of a
    /// sticky queue. A sticky poll gets the task only while the run is still sticky to that queue, and then only the
    /// events since the last task its worker started; a normal poll gets full history and ends any stickiness (the
    /// task was moved off the sticky queue).
    /// </summary>
    private PollWorkflowTaskQueueResponse? StartWorkflowTask(TaskEntry entry, string identity, string workerInstanceKey, string? stickyQueue)
    {
        if (RunningRun(entry.RunId) is not { } run
            || run.WftScheduledId != entry.Id || run.WftStartedId != 0 || run.WftAttempt != entry.Attempt
            || (stickyQueue is not null && run.StickyTaskQueue != stickyQueue))
        {
            return null;
        }
        if (stickyQueue is null)
        {
            ClearStickiness(run);
        }
        var firstEventId = stickyQueue is null ? 1 : run.PreviousStartedId + 1;
        var requestId = Guid.NewGuid().ToString();
        var started = Append(run, new HistoryEvent
        {
            EventType = EventType.WorkflowTaskStarted,
            EventTime = Timestamp.FromDateTime(Now),
            WorkflowTaskStartedEventAttributes = new()
            {
                ScheduledEventId = run.WftScheduledId,
                Identity = identity,
                RequestId = requestId,
                HistorySizeBytes = run.HistorySizeBytes,
                // Past the limits a real server suggests continue-as-new (4096 events or 4 MB by default).
                SuggestContinueAsNew = run.History.Count + 1 >= _suggestContinueAsNewAfterEvents || run.HistorySizeBytes >= 4 * 1024 * 1024,
                TargetWorkerDeploymentVersionChanged = TargetVersionChanged(run),
            },
        });
        run.WftStartedId = started.EventId;
        run.WftStartedTime = Now;
        if (!string.IsNullOrEmpty(workerInstanceKey))
        {
            _workflowTaskHolders[run.RunId] = (run.WftScheduledId, run.WftAttempt, workerInstanceKey);
        }
        _scheduler.Add(Now + run.WorkflowTaskTimeout, new TimerEntry(TimerKind.WorkflowTaskStartToClose, run.RunId, run.WftScheduledId, run.WftAttempt));
        var token = new TaskToken(TaskKind.Workflow, run.Namespace, run.WorkflowId, run.RunId, run.WftScheduledId, run.WftAttempt, run.WftStartedId, "");
        var response = new PollWorkflowTaskQueueResponse
        {
            TaskToken = token.Encode(),
            WorkflowExecution = ExecutionOf(run),
            WorkflowType = new WorkflowType { Name = run.WorkflowType },
            PreviousStartedEventId = run.PreviousStartedId,
            StartedEventId = run.WftStartedId,
            Attempt = run.WftAttempt,
            History = new History(),
            WorkflowExecutionTaskQueue = new TaskQueue { Name = run.TaskQueue, Kind = TaskQueueKind.Normal },
            ScheduledTime = Timestamp.FromDateTime(run.WftScheduledTime),
            StartedTime = Timestamp.FromDateTime(run.WftStartedTime),
        };
        response.History.Events.AddRange(run.History.Skip((int)firstEventId - 1));
        foreach (var query in run.PendingQueries.Where(q => !q.Result.Task.IsCompleted))
        {
            response.Queries[query.Id] = query.Query;
            run.InFlightQueries.Add(query);
        }
        run.PendingQueries.Clear();
        foreach (var update in run.Updates.Values.Where(u => u.Stage == UpdateStage.Admitted))
        {
            update.DeliveredInWorkflowTask = run.WftStartedId;
            response.Messages.Add(new ProtocolMessage
            {
                Id = update.UpdateId + "/request",
                ProtocolInstanceId = update.UpdateId,
                EventId = run.WftStartedId - 1,
                Body = Any.Pack(update.Request),
            });
        }
        return response;
    }

    /// <summary>
    /// Decodes a worker's task token and checks it is of <paramref name="kind"/> and for <paramref name="ns"/>
    /// (an empty namespace on the request means "the token's"); <paramref name="kindName"/> names the kind in the error.
    /// </summary>
    private TaskToken DecodeTaskToken(ByteString tokenBytes, string ns, TaskKind kind, string kindName)
    {
        var token = TaskToken.Decode(tokenBytes);
        if (token.Kind != kind)
        {
            throw Errors.InvalidArgument($"Task token is not {kindName} task token.");
        }
        if (!string.IsNullOrEmpty(ns) && ns != token.Namespace)
        {
            throw Errors.InvalidArgument("Namespace does not match the task token.");
        }
        RequireNamespace(token.Namespace);
        return token;
    }

    private RunState RequireWorkflowTask(ByteString tokenBytes, string ns)
    {
        var token = DecodeTaskToken(tokenBytes, ns, TaskKind.Workflow, "a workflow");
        if (RunningRun(token.RunId) is not { } run
            || run.WftScheduledId != token.ScheduledEventId || run.WftStartedId != token.StartedEventId || run.WftAttempt != token.Attempt)
        {
            throw Errors.NotFound("Workflow task not found.");
        }
        return run;
    }

    // ---- completion ---------------------------------------------------------------------------------

    public RespondWorkflowTaskCompletedResponse CompleteWorkflowTask(RespondWorkflowTaskCompletedRequest request)
    {
        lock (_gate)
        {
            var run = RequireWorkflowTask(request.TaskToken, request.Namespace);
            AnswerQueries(run, request.QueryResults);
            if (ValidateCommands(run, request.Commands) is { } invalid)
            {
                if (invalid.Terminates)
                {
                    var reason = TerminateForOversizedCommand(run, invalid.Cause, invalid.Message, request.Identity);
                    Commit();
                    throw Errors.InvalidArgument(reason);
                }
                // Nothing of a task with a malformed command is applied; the task fails and is retried.
                FailWorkflowTaskLocked(run, invalid.Cause, invalid.Message, request.Identity);
                Commit();
                throw Errors.InvalidArgument(invalid.Message);
            }
            var closes = request.Commands.Any(c => c.CommandType is CommandType.CompleteWorkflowExecution or CommandType.FailWorkflowExecution
                or CommandType.CancelWorkflowExecution or CommandType.ContinueAsNewWorkflowExecution);
            var newUpdates = run.Updates.Values.Any(u => u.Stage == UpdateStage.Admitted && u.DeliveredInWorkflowTask != run.WftStartedId);
            if (closes && (run.Buffered.Count > 0 || newUpdates))
            {
                // The workflow would close without seeing what arrived meanwhile: a real server refuses it the same way.
                FailWorkflowTaskLocked(run, WorkflowTaskFailedCause.UnhandledCommand, "Workflow task completed with new events or updates pending.", request.Identity, immediateRetry: true);
                Commit();
                return new RespondWorkflowTaskCompletedResponse();
            }

            var completedAttributes = new WorkflowTaskCompletedEventAttributes
            {
                    ScheduledEventId = run.WftScheduledId,
                    StartedEventId = run.WftStartedId,
                    Identity = request.Identity,
                    BinaryChecksum = request.BinaryChecksum,
                    SdkMetadata = request.SdkMetadata,
                    MeteringMetadata = request.MeteringMetadata,
                    // Newer SDKs send their build id in deployment options instead of the (deprecated) version stamp.
                    WorkerVersion = request.WorkerVersionStamp
                        ?? (string.IsNullOrEmpty(request.DeploymentOptions?.BuildId) ? null : new WorkerVersionStamp { BuildId = request.DeploymentOptions.BuildId }),
            };
            RecordWorkflowTaskVersioning(run, request, completedAttributes);
            var completed = Append(run, new HistoryEvent
            {
                EventType = EventType.WorkflowTaskCompleted,
                EventTime = Timestamp.FromDateTime(Now),
                WorkflowTaskCompletedEventAttributes = completedAttributes,
            });
            var deliveredIn = run.WftStartedId;
            SetStickiness(run, request);
            run.PreviousStartedId = run.WftStartedId;
            run.WftScheduledId = 0;
            run.WftStartedId = 0;
            run.WftAttempt = 0;

            var context = new CommandContext(run, completed.EventId, request.Identity);
            var messages = request.Messages.ToDictionary(m => m.Id, StringComparer.Ordinal);
            var handledMessages = new HashSet<string>(StringComparer.Ordinal);
            foreach (var command in request.Commands)
            {
                if (!run.IsRunning)
                {
                    break;
                }
                if (command.CommandType == CommandType.ProtocolMessage)
                {
                    var id = command.ProtocolMessageCommandAttributes.MessageId;
                    if (messages.TryGetValue(id, out var message) && handledMessages.Add(id))
                    {
                        ApplyMessage(run, message);
                    }
                    continue;
                }
                var firstNewEvent = run.History.Count;
                ApplyCommand(context, command);
                // A command's summary/details (user metadata) belong on the event the command produced.
                if (command.UserMetadata is { } metadata && run.History.Count > firstNewEvent)
                {
                    run.History[firstNewEvent].UserMetadata = metadata;
                }
            }
            foreach (var message in request.Messages)
            {
                if (run.IsRunning && handledMessages.Add(message.Id))
                {
                    ApplyMessage(run, message);
                }
            }
            if (run.IsRunning)
            {
                var hadBuffered = FlushBuffered(run);
                foreach (var action in context.Deferred)
                {
                    action();
                }
                var undelivered = run.Updates.Values.Any(u => u.Stage == UpdateStage.Admitted && u.DeliveredInWorkflowTask != deliveredIn);
                if (run.IsRunning && run.WftScheduledId == 0
                    && (hadBuffered || context.NeedsWorkflowTask || request.ForceCreateNewWorkflowTask || undelivered))
                {
                    ScheduleWorkflowTask(run);
                }
            }
            else
            {
                foreach (var action in context.Deferred)
                {
                    action();
                }
            }
            ReleaseQueries(run, inFlightOnly: true);
            Commit();
            return new RespondWorkflowTaskCompletedResponse();
        }
    }

    public void FailWorkflowTask(RespondWorkflowTaskFailedRequest request)
    {
        lock (_gate)
        {
            var run = RequireWorkflowTask(request.TaskToken, request.Namespace);
            var cause = request.Cause == WorkflowTaskFailedCause.Unspecified ? WorkflowTaskFailedCause.WorkflowWorkerUnhandledFailure : request.Cause;
            RetryWorkflowTask(run, new HistoryEvent
            {
                EventType = EventType.WorkflowTaskFailed,
                EventTime = Timestamp.FromDateTime(Now),
                WorkflowTaskFailedEventAttributes = new()
                {
                    ScheduledEventId = run.WftScheduledId,
                    StartedEventId = run.WftStartedId,
                    Cause = cause,
                    Failure = request.Failure,
                    Identity = request.Identity,
                    BinaryChecksum = request.BinaryChecksum,
                },
            });
            Commit();
        }
    }

    private void FailWorkflowTaskLocked(RunState run, WorkflowTaskFailedCause cause, string message, string identity, bool immediateRetry = false)
    {
        var failed = new HistoryEvent
        {
            EventType = EventType.WorkflowTaskFailed,
            EventTime = Timestamp.FromDateTime(Now),
            WorkflowTaskFailedEventAttributes = new()
            {
                ScheduledEventId = run.WftScheduledId,
                StartedEventId = run.WftStartedId,
                Cause = cause,
                Failure = new Failure { Message = message, ServerFailureInfo = new() },
                Identity = identity,
            },
        };
        if (immediateRetry)
        {
            ClearStickiness(run);
            Append(run, failed);
            FlushBuffered(run);
            run.WftScheduledId = 0;
            run.WftStartedId = 0;
            ScheduleWorkflowTask(run);
        }
        else
        {
            RetryWorkflowTask(run, failed);
        }
    }

    /// <summary>
    /// A real server's answer to a command whose payload is over the blob (or memo) size limit: the task fails with
    /// the command's cause and the run is terminated by the server, both saying "Cause: message". Returns that text.
    /// </summary>
    private string TerminateForOversizedCommand(RunState run, WorkflowTaskFailedCause cause, string message, string identity)
    {
        var reason = $"{cause}: {message}";
        run.PendingQueries.InsertRange(0, run.InFlightQueries);
        run.InFlightQueries.Clear();
        Append(run, new HistoryEvent
        {
            EventType = EventType.WorkflowTaskFailed,
            EventTime = Timestamp.FromDateTime(Now),
            WorkflowTaskFailedEventAttributes = new()
            {
                ScheduledEventId = run.WftScheduledId,
                StartedEventId = run.WftStartedId,
                Cause = cause,
                Failure = new Failure { Message = reason, ServerFailureInfo = new() { NonRetryable = true } },
                Identity = identity,
            },
        });
        run.WftScheduledId = 0;
        run.WftStartedId = 0;
        TerminateRun(run, reason, null, "history-service");
        return reason;
    }

    /// <summary>
    /// The size check a real server makes of each command, with its cause and words (a few of which read oddly, such
    /// as the activity cause for a completion result, but are what the SDKs and people see).
    /// </summary>
    private (WorkflowTaskFailedCause Cause, string Message)? OversizedPayload(Command command)
    {
        // The field is named as the real server names it (two with a stray space), with the limit it is held to.
        (WorkflowTaskFailedCause, string)? Over(int size, long limit, WorkflowTaskFailedCause cause, string field) =>
            size > limit ? (cause, $"{field} exceeds size limit.") : null;
        (WorkflowTaskFailedCause, string)? Blob(IMessage? payload, WorkflowTaskFailedCause cause, string field) =>
            Over(payload?.CalculateSize() ?? 0, _limits.BlobSizeError, cause, field);
        (WorkflowTaskFailedCause, string)? Memo(Memo? memo, WorkflowTaskFailedCause cause, string field) =>
            Over(memo?.CalculateSize() ?? 0, _limits.MemoSizeError, cause, field);
        return command.AttributesCase switch
        {
            Command.AttributesOneofCase.ScheduleActivityTaskCommandAttributes => Blob(command.ScheduleActivityTaskCommandAttributes.Input,
                WorkflowTaskFailedCause.BadScheduleActivityAttributes, "ScheduleActivityTaskCommandAttributes.Input"),
            Command.AttributesOneofCase.CompleteWorkflowExecutionCommandAttributes => Blob(command.CompleteWorkflowExecutionCommandAttributes.Result,
                WorkflowTaskFailedCause.BadScheduleActivityAttributes, "CompleteWorkflowExecutionCommandAttributes.Result"),
            Command.AttributesOneofCase.FailWorkflowExecutionCommandAttributes => Blob(command.FailWorkflowExecutionCommandAttributes.Failure,
                WorkflowTaskFailedCause.BadFailWorkflowExecutionAttributes, "FailWorkflowExecutionCommandAttributes.Failure"),
            Command.AttributesOneofCase.SignalExternalWorkflowExecutionCommandAttributes => Blob(command.SignalExternalWorkflowExecutionCommandAttributes.Input,
                WorkflowTaskFailedCause.BadSignalWorkflowExecutionAttributes, "SignalExternalWorkflowExecutionCommandAttributes.Input"),
            Command.AttributesOneofCase.StartChildWorkflowExecutionCommandAttributes =>
                Blob(command.StartChildWorkflowExecutionCommandAttributes.Input, WorkflowTaskFailedCause.BadStartChildExecutionAttributes, "StartChildWorkflowExecutionCommandAttributes. Input")
                ?? Memo(command.StartChildWorkflowExecutionCommandAttributes.Memo, WorkflowTaskFailedCause.BadStartChildExecutionAttributes, "StartChildWorkflowExecutionCommandAttributes.Memo"),
            Command.AttributesOneofCase.ContinueAsNewWorkflowExecutionCommandAttributes =>
                Blob(command.ContinueAsNewWorkflowExecutionCommandAttributes.Input, WorkflowTaskFailedCause.BadContinueAsNewAttributes, "ContinueAsNewWorkflowExecutionCommandAttributes. Input")
                ?? Memo(command.ContinueAsNewWorkflowExecutionCommandAttributes.Memo, WorkflowTaskFailedCause.BadContinueAsNewAttributes, "ContinueAsNewWorkflowExecutionCommandAttributes. Memo"),
            Command.AttributesOneofCase.ScheduleNexusOperationCommandAttributes => Blob(command.ScheduleNexusOperationCommandAttributes.Input,
                WorkflowTaskFailedCause.BadScheduleNexusOperationAttributes, "ScheduleNexusOperationCommandAttributes.Input"),
            Command.AttributesOneofCase.RecordMarkerCommandAttributes => Over(command.RecordMarkerCommandAttributes.Details.Sum(d => d.Key.Length + d.Value.CalculateSize()),
                _limits.BlobSizeError, WorkflowTaskFailedCause.BadRecordMarkerAttributes, "RecordMarkerCommandAttributes.Details"),
            Command.AttributesOneofCase.UpsertWorkflowSearchAttributesCommandAttributes => Over(MapSize(command.UpsertWorkflowSearchAttributesCommandAttributes.SearchAttributes?.IndexedFields),
                _limits.BlobSizeError, WorkflowTaskFailedCause.BadSearchAttributes, "UpsertWorkflowSearchAttributesCommandAttributes"),
            Command.AttributesOneofCase.ModifyWorkflowPropertiesCommandAttributes => Over(MapSize(command.ModifyWorkflowPropertiesCommandAttributes.UpsertedMemo?.Fields),
                _limits.BlobSizeError, WorkflowTaskFailedCause.BadModifyWorkflowPropertiesAttributes, "ModifyWorkflowPropertiesCommandAttributes"),
            _ => null,
        };

        static int MapSize(IDictionary<string, Payload>? fields) => fields?.Sum(f => f.Key.Length + f.Value.Data.Length) ?? 0;
    }

    /// <summary>
    /// Checks every command before any is applied, as a real server does; returns the failure cause and a
    /// message naming the command, or null when the whole task is acceptable. <c>Terminates</c> marks a command
    /// over the size limits: a real server terminates the run for it rather than retrying the task.
    /// </summary>
    private (WorkflowTaskFailedCause Cause, string Message, bool Terminates)? ValidateCommands(RunState run, Google.Protobuf.Collections.RepeatedField<Command> commands)
    {
        var activityIds = run.Activities.Values.Select(a => a.ActivityId).ToHashSet(StringComparer.Ordinal);
        var timerIds = run.Timers.Keys.ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < commands.Count; i++)
        {
            var command = commands[i];
            var where = $"command {i + 1} ({command.CommandType})";
            switch (command.AttributesCase)
            {
                case Command.AttributesOneofCase.ScheduleActivityTaskCommandAttributes:
                    {
                        var a = command.ScheduleActivityTaskCommandAttributes;
                        static bool Positive(Duration? d) => d is not null && d.ToTimeSpan() > TimeSpan.Zero;
                        if (string.IsNullOrEmpty(a.ActivityId) || string.IsNullOrEmpty(a.ActivityType?.Name))
                        {
                            return (WorkflowTaskFailedCause.BadScheduleActivityAttributes, $"{where}: ActivityId and ActivityType are required.", false);
                        }
                        if (!Positive(a.StartToCloseTimeout) && !Positive(a.ScheduleToCloseTimeout))
                        {
                            return (WorkflowTaskFailedCause.BadScheduleActivityAttributes, $"{where}: a valid StartToClose or ScheduleToCloseTimeout is not set.", false);
                        }
                        if (!activityIds.Add(a.ActivityId))
                        {
                            return (WorkflowTaskFailedCause.BadScheduleActivityAttributes, $"{where}: activity {a.ActivityId} is already pending.", false);
                        }
                        break;
                    }
                case Command.AttributesOneofCase.StartTimerCommandAttributes:
                    {
                        var a = command.StartTimerCommandAttributes;
                        if (string.IsNullOrEmpty(a.TimerId) || a.StartToFireTimeout is null || a.StartToFireTimeout.ToTimeSpan() <= TimeSpan.Zero)
                        {
                            return (WorkflowTaskFailedCause.BadStartTimerAttributes, $"{where}: TimerId and a positive StartToFireTimeout are required.", false);
                        }
                        if (!timerIds.Add(a.TimerId))
                        {
                            return (WorkflowTaskFailedCause.BadStartTimerAttributes, $"{where}: timer {a.TimerId} is already running.", false);
                        }
                        break;
                    }
                case Command.AttributesOneofCase.StartChildWorkflowExecutionCommandAttributes:
                    {
                        var a = command.StartChildWorkflowExecutionCommandAttributes;
                        var ns = string.IsNullOrEmpty(a.Namespace) ? run.Namespace : a.Namespace;
                        if (string.IsNullOrEmpty(a.WorkflowId) || string.IsNullOrEmpty(a.WorkflowType?.Name))
                        {
                            return (WorkflowTaskFailedCause.BadStartChildExecutionAttributes, $"{where}: WorkflowId and WorkflowType are required.", false);
                        }
                        if (!_namespaces.ContainsKey(ns))
                        {
                            return (WorkflowTaskFailedCause.BadStartChildExecutionAttributes, $"{where}: namespace {ns} is not found.", false);
                        }
                        if (UnregisteredAttribute(a.SearchAttributes) is { } name)
                        {
                            return (WorkflowTaskFailedCause.BadSearchAttributes, $"{where}: search attribute {name} is not defined", false);
                        }
                        break;
                    }
                case Command.AttributesOneofCase.UpsertWorkflowSearchAttributesCommandAttributes
                    when UnregisteredAttribute(command.UpsertWorkflowSearchAttributesCommandAttributes.SearchAttributes) is { } name:
                    return (WorkflowTaskFailedCause.BadSearchAttributes, $"{where}: search attribute {name} is not defined", false);
                case Command.AttributesOneofCase.ContinueAsNewWorkflowExecutionCommandAttributes
                    when UnregisteredAttribute(command.ContinueAsNewWorkflowExecutionCommandAttributes.SearchAttributes) is { } name:
                    return (WorkflowTaskFailedCause.BadSearchAttributes, $"{where}: search attribute {name} is not defined", false);
                case Command.AttributesOneofCase.ScheduleNexusOperationCommandAttributes:
                    {
                        var a = command.ScheduleNexusOperationCommandAttributes;
                        if (string.IsNullOrEmpty(a.Endpoint) || string.IsNullOrEmpty(a.Service) || string.IsNullOrEmpty(a.Operation))
                        {
                            return (WorkflowTaskFailedCause.BadScheduleNexusOperationAttributes, $"{where}: Endpoint, Service and Operation are required.", false);
                        }
                        if (EndpointByName(a.Endpoint) is null)
                        {
                            return (WorkflowTaskFailedCause.BadScheduleNexusOperationAttributes, $"{where}: endpoint \"{a.Endpoint}\" is not registered.", false);
                        }
                        break;
                    }
                case Command.AttributesOneofCase.RequestCancelNexusOperationCommandAttributes
                    when !run.NexusOperations.ContainsKey(command.RequestCancelNexusOperationCommandAttributes.ScheduledEventId):
                    return (WorkflowTaskFailedCause.BadRequestCancelNexusOperationAttributes,
                        $"{where}: no pending Nexus operation was scheduled by event {command.RequestCancelNexusOperationCommandAttributes.ScheduledEventId}.", false);
                case Command.AttributesOneofCase.RequestCancelNexusOperationCommandAttributes:
                    break;
                case Command.AttributesOneofCase.None:
                    return (WorkflowTaskFailedCause.UnhandledCommand, $"{where}: command has no attributes.", false);
                case Command.AttributesOneofCase.RequestCancelActivityTaskCommandAttributes:
                case Command.AttributesOneofCase.CancelTimerCommandAttributes:
                case Command.AttributesOneofCase.CompleteWorkflowExecutionCommandAttributes:
                case Command.AttributesOneofCase.FailWorkflowExecutionCommandAttributes:
                case Command.AttributesOneofCase.CancelWorkflowExecutionCommandAttributes:
                case Command.AttributesOneofCase.ContinueAsNewWorkflowExecutionCommandAttributes:
                case Command.AttributesOneofCase.SignalExternalWorkflowExecutionCommandAttributes:
                case Command.AttributesOneofCase.RequestCancelExternalWorkflowExecutionCommandAttributes:
                case Command.AttributesOneofCase.UpsertWorkflowSearchAttributesCommandAttributes:
                case Command.AttributesOneofCase.ModifyWorkflowPropertiesCommandAttributes:
                case Command.AttributesOneofCase.RecordMarkerCommandAttributes:
                case Command.AttributesOneofCase.ProtocolMessageCommandAttributes:
                    break;
                default:
                    return (WorkflowTaskFailedCause.UnhandledCommand, $"{where}: this server does not support {command.CommandType}.", false);
            }
            if (OversizedPayload(command) is { } oversized)
            {
                return (oversized.Cause, oversized.Message, true);
            }
        }
        return null;
    }

    private sealed class CommandContext(RunState run, long completedEventId, string identity)
    {
        public RunState Run { get; } = run;
        public long CompletedEventId { get; } = completedEventId;
        public string Identity { get; } = identity;
        public List<Action> Deferred { get; } = [];
        public bool NeedsWorkflowTask { get; set; }
    }

    /// <summary>
    /// Merges upserted search attributes or memo fields into the run's; an empty or JSON <c>null</c> payload
    /// removes the key, which is how a workflow unsets one.
    /// </summary>
    private static void MergeUpserted(Google.Protobuf.Collections.MapField<string, Payload> target, Google.Protobuf.Collections.MapField<string, Payload> upserted)
    {
        foreach (var (key, value) in upserted)
        {
            if (value.Data.IsEmpty || value.Data.ToStringUtf8() == "null")
            {
                target.Remove(key);
            }
            else
            {
                target[key] = value;
            }
        }
    }

    /// <summary>Applies one command; returns an error message when the command is malformed.</summary>
    private string? ApplyCommand(CommandContext context, Command command)
    {
        var run = context.Run;
        var wftCompleted = context.CompletedEventId;
        switch (command.CommandType)
        {
            case CommandType.ScheduleActivityTask:
                return ScheduleActivity(run, command.ScheduleActivityTaskCommandAttributes, wftCompleted, context);
            case CommandType.RequestCancelActivityTask:
                RequestCancelActivity(run, command.RequestCancelActivityTaskCommandAttributes.ScheduledEventId, wftCompleted, context);
                return null;
            case CommandType.ScheduleNexusOperation:
                return ScheduleNexusOperation(run, command.ScheduleNexusOperationCommandAttributes, wftCompleted);
            case CommandType.RequestCancelNexusOperation:
                return RequestCancelNexusOperation(run, command.RequestCancelNexusOperationCommandAttributes, wftCompleted, context);
            case CommandType.StartTimer:
                {
                    var attributes = command.StartTimerCommandAttributes;
                    if (string.IsNullOrEmpty(attributes.TimerId) || attributes.StartToFireTimeout is null || attributes.StartToFireTimeout.ToTimeSpan() <= TimeSpan.Zero)
                    {
                        return "StartTimer: TimerId and a positive StartToFireTimeout are required.";
                    }
                    if (run.Timers.ContainsKey(attributes.TimerId))
                    {
                        return $"StartTimer: timer {attributes.TimerId} is already running.";
                    }
                    var ev = NewEvent(EventType.TimerStarted);
                    ev.TimerStartedEventAttributes = new()
                    {
                        TimerId = attributes.TimerId,
                        StartToFireTimeout = attributes.StartToFireTimeout,
                        WorkflowTaskCompletedEventId = wftCompleted,
                    };
                    Append(run, ev);
                    var fire = Now + attributes.StartToFireTimeout.ToTimeSpan();
                    run.Timers[attributes.TimerId] = new TimerState { TimerId = attributes.TimerId, StartedEventId = ev.EventId, FireTime = fire };
                    _scheduler.Add(fire, new TimerEntry(TimerKind.UserTimer, run.RunId, ev.EventId, 0, attributes.TimerId));
                    return null;
                }
            case CommandType.CancelTimer:
                {
                    var id = command.CancelTimerCommandAttributes.TimerId;
                    long? startedEventId = run.Timers.Remove(id, out var timer) ? timer.StartedEventId : null;
                    // A timer that fired while this task ran has its TimerFired waiting in the buffer, unseen by the
                    // worker: as a real server does, the cancel wins and the fired event is dropped, so the history
                    // says what the worker decided and a replay of it makes the same commands.
                    var fired = run.Buffered.FindIndex(e => e.TimerFiredEventAttributes?.TimerId == id);
                    if (startedEventId is null && fired >= 0)
                    {
                        startedEventId = run.Buffered[fired].TimerFiredEventAttributes.StartedEventId;
                        run.Buffered.RemoveAt(fired);
                    }
                    if (startedEventId is { } started)
                    {
                        var ev = NewEvent(EventType.TimerCanceled);
                        ev.TimerCanceledEventAttributes = new()
                        {
                            TimerId = id,
                            StartedEventId = started,
                            WorkflowTaskCompletedEventId = wftCompleted,
                            Identity = context.Identity,
                        };
                        Append(run, ev);
                    }
                    return null;
                }
            case CommandType.CompleteWorkflowExecution:
                {
                    var ev = NewEvent(EventType.WorkflowExecutionCompleted);
                    ev.WorkflowExecutionCompletedEventAttributes = new()
                    {
                        Result = command.CompleteWorkflowExecutionCommandAttributes.Result,
                        WorkflowTaskCompletedEventId = wftCompleted,
                    };
                    CloseRun(run, WorkflowExecutionStatus.Completed, ev);
                    return null;
                }
            case CommandType.FailWorkflowExecution:
                {
                    var failure = command.FailWorkflowExecutionCommandAttributes.Failure ?? new Failure { Message = "workflow failed" };
                    var (retry, backoff, state) = NextWorkflowRetry(run, failure);
                    var ev = NewEvent(EventType.WorkflowExecutionFailed);
                    ev.WorkflowExecutionFailedEventAttributes = new()
                    {
                        Failure = failure,
                        WorkflowTaskCompletedEventId = wftCompleted,
                        RetryState = state,
                    };
                    if (retry)
                    {
                        RetryWorkflow(run, ev, failure, backoff, context.Identity);
                    }
                    else
                    {
                        CloseRun(run, WorkflowExecutionStatus.Failed, ev);
                    }
                    return null;
                }
            case CommandType.CancelWorkflowExecution:
                {
                    var ev = NewEvent(EventType.WorkflowExecutionCanceled);
                    ev.WorkflowExecutionCanceledEventAttributes = new()
                    {
                        Details = command.CancelWorkflowExecutionCommandAttributes.Details,
                        WorkflowTaskCompletedEventId = wftCompleted,
                    };
                    CloseRun(run, WorkflowExecutionStatus.Canceled, ev);
                    return null;
                }
            case CommandType.ContinueAsNewWorkflowExecution:
                ContinueAsNew(run, command.ContinueAsNewWorkflowExecutionCommandAttributes, wftCompleted, context.Identity);
                return null;
            case CommandType.StartChildWorkflowExecution:
                return StartChild(context, command.StartChildWorkflowExecutionCommandAttributes);
            case CommandType.SignalExternalWorkflowExecution:
                SignalExternal(context, command.SignalExternalWorkflowExecutionCommandAttributes);
                return null;
            case CommandType.RequestCancelExternalWorkflowExecution:
                CancelExternal(context, command.RequestCancelExternalWorkflowExecutionCommandAttributes);
                return null;
            case CommandType.UpsertWorkflowSearchAttributes:
                {
                    var attributes = command.UpsertWorkflowSearchAttributesCommandAttributes.SearchAttributes ?? new SearchAttributes();
                    var ev = NewEvent(EventType.UpsertWorkflowSearchAttributes);
                    ev.UpsertWorkflowSearchAttributesEventAttributes = new() { SearchAttributes = attributes, WorkflowTaskCompletedEventId = wftCompleted };
                    Append(run, ev);
                    MergeUpserted(run.SearchAttributes.IndexedFields, attributes.IndexedFields);
                    return null;
                }
            case CommandType.ModifyWorkflowProperties:
                {
                    var memo = command.ModifyWorkflowPropertiesCommandAttributes.UpsertedMemo ?? new Memo();
                    var ev = NewEvent(EventType.WorkflowPropertiesModified);
                    ev.WorkflowPropertiesModifiedEventAttributes = new() { UpsertedMemo = memo, WorkflowTaskCompletedEventId = wftCompleted };
                    Append(run, ev);
                    MergeUpserted(run.Memo.Fields, memo.Fields);
                    return null;
                }
            case CommandType.RecordMarker:
                {
                    var attributes = command.RecordMarkerCommandAttributes;
                    var ev = NewEvent(EventType.MarkerRecorded);
                    ev.MarkerRecordedEventAttributes = new()
                    {
                        MarkerName = attributes.MarkerName,
                        WorkflowTaskCompletedEventId = wftCompleted,
                        Header = attributes.Header,
                        Failure = attributes.Failure,
                    };
                    ev.MarkerRecordedEventAttributes.Details.Add(attributes.Details);
                    Append(run, ev);
                    return null;
                }
            default:
                return $"Command {command.CommandType} is not supported by this server.";
        }
    }

    /// <summary>Whether a failed run is retried under the retry policy it was started with, and after what backoff.</summary>
    private (bool Retry, TimeSpan Backoff, RetryState State) NextWorkflowRetry(RunState run, Failure failure)
    {
        var started = run.StartedEvent.WorkflowExecutionStartedEventAttributes;
        var policy = started.RetryPolicy;
        if (policy is null)
        {
            return (false, TimeSpan.Zero, RetryState.RetryPolicyNotSet);
        }
        var app = failure.ApplicationFailureInfo;
        if (app is not null && (app.NonRetryable || policy.NonRetryableErrorTypes.Contains(app.Type)))
        {
            return (false, TimeSpan.Zero, RetryState.NonRetryableFailure);
        }
        if (policy.MaximumAttempts > 0 && started.Attempt >= policy.MaximumAttempts)
        {
            return (false, TimeSpan.Zero, RetryState.MaximumAttemptsReached);
        }
        var initial = policy.InitialInterval is { } i && i.ToTimeSpan() > TimeSpan.Zero ? i.ToTimeSpan() : TimeSpan.FromSeconds(1);
        var coefficient = policy.BackoffCoefficient >= 1 ? policy.BackoffCoefficient : 2.0;
        var maximum = policy.MaximumInterval is { } m && m.ToTimeSpan() > TimeSpan.Zero ? m.ToTimeSpan() : initial * 100;
        var backoff = app?.NextRetryDelay is { } explicitDelay && explicitDelay.ToTimeSpan() > TimeSpan.Zero
            ? explicitDelay.ToTimeSpan()
            : TimeSpan.FromMilliseconds(Math.Min(initial.TotalMilliseconds * Math.Pow(coefficient, Math.Max(started.Attempt, 1) - 1), maximum.TotalMilliseconds));
        if (started.WorkflowExecutionExpirationTime is { } expiration && Now + backoff >= expiration.ToDateTime())
        {
            return (false, TimeSpan.Zero, RetryState.Timeout);
        }
        return (true, backoff, RetryState.InProgress);
    }

    /// <summary>Closes a failed run and starts its retry as the next run of the same chain.</summary>
    private void RetryWorkflow(RunState run, HistoryEvent failedEvent, Failure failure, TimeSpan backoff, string identity)
    {
        var started = run.StartedEvent.WorkflowExecutionStartedEventAttributes;
        var newRunId = Guid.NewGuid().ToString();
        failedEvent.WorkflowExecutionFailedEventAttributes.NewExecutionRunId = newRunId;
        run.NewRunId = newRunId;
        CloseRun(run, WorkflowExecutionStatus.Failed, failedEvent);
        CreateRun(new StartSpec
        {
            Namespace = run.Namespace,
            WorkflowId = run.WorkflowId,
            Type = started.WorkflowType,
            TaskQueue = run.TaskQueue,
            Input = started.Input,
            ExecutionTimeout = started.WorkflowExecutionTimeout,
            RunTimeout = started.WorkflowRunTimeout,
            TaskTimeout = started.WorkflowTaskTimeout,
            Identity = identity,
            RequestId = Guid.NewGuid().ToString(),
            RetryPolicy = started.RetryPolicy,
            Priority = started.Priority,
            Memo = run.Memo,
            SearchAttributes = run.SearchAttributes,
            Header = started.Header,
            Parent = run.Parent,
            ContinuedRunId = run.RunId,
            FirstRunId = run.FirstRunId,
            Initiator = ContinueAsNewInitiator.Retry,
            ContinuedFailure = failure,
            StartDelay = Duration.FromTimeSpan(backoff),
            NewRunId = newRunId,
            Attempt = started.Attempt + 1,
            CompletionCallbacks = [.. started.CompletionCallbacks, .. run.AttachedCallbacks],
        }, null);
    }

    private void ContinueAsNew(RunState run, ContinueAsNewWorkflowExecutionCommandAttributes attributes, long wftCompleted, string identity)
    {
        var newRunId = Guid.NewGuid().ToString();
        var taskQueue = string.IsNullOrEmpty(attributes.TaskQueue?.Name) ? run.TaskQueue : attributes.TaskQueue.Name;
        var type = string.IsNullOrEmpty(attributes.WorkflowType?.Name) ? new WorkflowType { Name = run.WorkflowType } : attributes.WorkflowType;
        var runTimeout = attributes.WorkflowRunTimeout ?? (run.RunTimeout is { } rt ? Duration.FromTimeSpan(rt) : null);
        var taskTimeout = attributes.WorkflowTaskTimeout ?? Duration.FromTimeSpan(run.WorkflowTaskTimeout);
        var ev = NewEvent(EventType.WorkflowExecutionContinuedAsNew);
        ev.WorkflowExecutionContinuedAsNewEventAttributes = new()
        {
            NewExecutionRunId = newRunId,
            WorkflowType = type,
            TaskQueue = new TaskQueue { Name = taskQueue, Kind = TaskQueueKind.Normal },
            Input = attributes.Input,
            WorkflowRunTimeout = runTimeout,
            WorkflowTaskTimeout = taskTimeout,
            WorkflowTaskCompletedEventId = wftCompleted,
            BackoffStartInterval = attributes.BackoffStartInterval,
            Initiator = attributes.Initiator == ContinueAsNewInitiator.Unspecified ? ContinueAsNewInitiator.Workflow : attributes.Initiator,
            Failure = attributes.Failure,
            LastCompletionResult = attributes.LastCompletionResult,
            Header = attributes.Header,
            Memo = attributes.Memo,
            SearchAttributes = attributes.SearchAttributes,
            InitialVersioningBehavior = attributes.InitialVersioningBehavior,
        };
        run.NewRunId = newRunId;
        CloseRun(run, WorkflowExecutionStatus.ContinuedAsNew, ev);
        var next = CreateRun(new StartSpec
        {
            Namespace = run.Namespace,
            WorkflowId = run.WorkflowId,
            Type = type,
            TaskQueue = taskQueue,
            Input = attributes.Input,
            ExecutionTimeout = run.ExecutionTimeout is { } et ? Duration.FromTimeSpan(et) : null,
            RunTimeout = runTimeout,
            TaskTimeout = taskTimeout,
            Identity = identity,
            RequestId = Guid.NewGuid().ToString(),
            RetryPolicy = attributes.RetryPolicy,
            Memo = attributes.Memo ?? run.Memo,
            Priority = run.StartedEvent.WorkflowExecutionStartedEventAttributes.Priority,
            SearchAttributes = attributes.SearchAttributes ?? run.SearchAttributes,
            Header = attributes.Header,
            Parent = run.Parent,
            ContinuedRunId = run.RunId,
            FirstRunId = run.FirstRunId,
            Initiator = ev.WorkflowExecutionContinuedAsNewEventAttributes.Initiator,
            ContinuedFailure = attributes.Failure,
            LastCompletionResult = attributes.LastCompletionResult,
            StartDelay = attributes.BackoffStartInterval,
            NewRunId = newRunId,
            CompletionCallbacks = [.. run.StartedEvent.WorkflowExecutionStartedEventAttributes.CompletionCallbacks, .. run.AttachedCallbacks],
        }, null);
        ContinueVersioning(run, next, attributes.InitialVersioningBehavior);
    }

    private string? StartChild(CommandContext context, StartChildWorkflowExecutionCommandAttributes attributes)
    {
        var run = context.Run;
        var ns = string.IsNullOrEmpty(attributes.Namespace) ? run.Namespace : attributes.Namespace;
        if (string.IsNullOrEmpty(attributes.WorkflowId) || string.IsNullOrEmpty(attributes.WorkflowType?.Name))
        {
            return "StartChildWorkflowExecution: WorkflowId and WorkflowType are required.";
        }
        if (!_namespaces.TryGetValue(ns, out var childNamespace))
        {
            return $"StartChildWorkflowExecution: namespace {ns} is not found.";
        }
        var taskQueue = string.IsNullOrEmpty(attributes.TaskQueue?.Name) ? run.TaskQueue : attributes.TaskQueue.Name;
        var ev = NewEvent(EventType.StartChildWorkflowExecutionInitiated);
        ev.StartChildWorkflowExecutionInitiatedEventAttributes = new()
        {
            Namespace = ns,
            NamespaceId = childNamespace.Id,
            WorkflowId = attributes.WorkflowId,
            WorkflowType = attributes.WorkflowType,
            TaskQueue = new TaskQueue { Name = taskQueue, Kind = TaskQueueKind.Normal },
            Input = attributes.Input,
            WorkflowExecutionTimeout = attributes.WorkflowExecutionTimeout,
            WorkflowRunTimeout = attributes.WorkflowRunTimeout,
            WorkflowTaskTimeout = attributes.WorkflowTaskTimeout,
            ParentClosePolicy = attributes.ParentClosePolicy,
            Control = attributes.Control,
            WorkflowTaskCompletedEventId = context.CompletedEventId,
            WorkflowIdReusePolicy = attributes.WorkflowIdReusePolicy,
            RetryPolicy = attributes.RetryPolicy,
            CronSchedule = attributes.CronSchedule,
            Header = attributes.Header,
            Memo = attributes.Memo,
            SearchAttributes = attributes.SearchAttributes,
            Priority = attributes.Priority,
        };
        Append(run, ev);
        var initiatedId = ev.EventId;
        var child = new ChildState
        {
            InitiatedEventId = initiatedId,
            Namespace = ns,
            WorkflowId = attributes.WorkflowId,
            WorkflowType = attributes.WorkflowType.Name,
            ParentClosePolicy = attributes.ParentClosePolicy,
        };
        run.Children[initiatedId] = child;
        context.Deferred.Add(() =>
        {
            if (!run.IsRunning)
            {
                return;
            }
            try
            {
                var (childRun, _) = StartWithPolicies(ns, attributes.WorkflowId, Guid.NewGuid().ToString(), attributes.WorkflowIdReusePolicy, WorkflowIdConflictPolicy.Fail, () => new StartSpec
                {
                    Namespace = ns,
                    WorkflowId = attributes.WorkflowId,
                    Type = attributes.WorkflowType,
                    TaskQueue = taskQueue,
                    Input = attributes.Input,
                    ExecutionTimeout = attributes.WorkflowExecutionTimeout,
                    RunTimeout = attributes.WorkflowRunTimeout,
                    TaskTimeout = attributes.WorkflowTaskTimeout,
                    RetryPolicy = attributes.RetryPolicy,
                    Memo = attributes.Memo,
                    SearchAttributes = attributes.SearchAttributes,
                    Header = attributes.Header,
                    Parent = new ParentRef { Namespace = run.Namespace, WorkflowId = run.WorkflowId, RunId = run.RunId, InitiatedEventId = initiatedId },
                    Priority = attributes.Priority,
                    // The command's summary/details, set on the initiated event once the command was applied, are the
                    // child's own static summary/details.
                    UserMetadata = ev.UserMetadata,
                }, null);
                child.RunId = childRun.RunId;
                var started = NewEvent(EventType.ChildWorkflowExecutionStarted);
                started.ChildWorkflowExecutionStartedEventAttributes = new()
                {
                    Namespace = ns,
                    NamespaceId = _namespaces[ns].Id,
                    InitiatedEventId = initiatedId,
                    WorkflowExecution = ExecutionOf(childRun),
                    WorkflowType = attributes.WorkflowType,
                    Header = attributes.Header,
                };
                AddWorkflowEvent(run, started);
            }
            catch (global::Grpc.Core.RpcException ex) when (ex.StatusCode == global::Grpc.Core.StatusCode.AlreadyExists)
            {
                run.Children.Remove(initiatedId);
                var failed = NewEvent(EventType.StartChildWorkflowExecutionFailed);
                failed.StartChildWorkflowExecutionFailedEventAttributes = new()
                {
                    Namespace = ns,
                    NamespaceId = _namespaces[ns].Id,
                    WorkflowId = attributes.WorkflowId,
                    WorkflowType = attributes.WorkflowType,
                    Cause = StartChildWorkflowExecutionFailedCause.WorkflowAlreadyExists,
                    Control = attributes.Control,
                    InitiatedEventId = initiatedId,
                    WorkflowTaskCompletedEventId = context.CompletedEventId,
                };
                AddWorkflowEvent(run, failed);
            }
        });
        return null;
    }

    private void SignalExternal(CommandContext context, SignalExternalWorkflowExecutionCommandAttributes attributes)
    {
        var run = context.Run;
        var ns = string.IsNullOrEmpty(attributes.Namespace) ? run.Namespace : attributes.Namespace;
        var ev = NewEvent(EventType.SignalExternalWorkflowExecutionInitiated);
        ev.SignalExternalWorkflowExecutionInitiatedEventAttributes = new()
        {
            Namespace = ns,
            NamespaceId = _namespaces.TryGetValue(ns, out var nsEntry) ? nsEntry.Id : "",
            WorkflowExecution = attributes.Execution,
            SignalName = attributes.SignalName,
            Input = attributes.Input,
            Control = attributes.Control,
            ChildWorkflowOnly = attributes.ChildWorkflowOnly,
            Header = attributes.Header,
            WorkflowTaskCompletedEventId = context.CompletedEventId,
        };
        Append(run, ev);
        var initiatedId = ev.EventId;
        context.Deferred.Add(() =>
        {
            if (!run.IsRunning)
            {
                return;
            }
            var target = _namespaces.ContainsKey(ns) ? TryFindRun(ns, attributes.Execution) : null;
            if (target is { IsRunning: true })
            {
                var signal = NewEvent(EventType.WorkflowExecutionSignaled);
                signal.WorkflowExecutionSignaledEventAttributes = new()
                {
                    SignalName = attributes.SignalName,
                    Input = attributes.Input,
                    Identity = context.Identity,
                    Header = attributes.Header,
                    ExternalWorkflowExecution = ExecutionOf(run),
                };
                AddWorkflowEvent(target, signal);
                var done = NewEvent(EventType.ExternalWorkflowExecutionSignaled);
                done.ExternalWorkflowExecutionSignaledEventAttributes = new()
                {
                    InitiatedEventId = initiatedId,
                    Namespace = ns,
                    NamespaceId = ev.SignalExternalWorkflowExecutionInitiatedEventAttributes.NamespaceId,
                    WorkflowExecution = attributes.Execution,
                    Control = attributes.Control,
                };
                AddWorkflowEvent(run, done);
            }
            else
            {
                var failed = NewEvent(EventType.SignalExternalWorkflowExecutionFailed);
                failed.SignalExternalWorkflowExecutionFailedEventAttributes = new()
                {
                    Cause = SignalExternalWorkflowExecutionFailedCause.ExternalWorkflowExecutionNotFound,
                    WorkflowTaskCompletedEventId = context.CompletedEventId,
                    Namespace = ns,
                    NamespaceId = ev.SignalExternalWorkflowExecutionInitiatedEventAttributes.NamespaceId,
                    WorkflowExecution = attributes.Execution,
                    InitiatedEventId = initiatedId,
                    Control = attributes.Control,
                };
                AddWorkflowEvent(run, failed);
            }
        });
    }

    private void CancelExternal(CommandContext context, RequestCancelExternalWorkflowExecutionCommandAttributes attributes)
    {
        var run = context.Run;
        var ns = string.IsNullOrEmpty(attributes.Namespace) ? run.Namespace : attributes.Namespace;
        var execution = new WorkflowExecution { WorkflowId = attributes.WorkflowId, RunId = attributes.RunId };
        var ev = NewEvent(EventType.RequestCancelExternalWorkflowExecutionInitiated);
        ev.RequestCancelExternalWorkflowExecutionInitiatedEventAttributes = new()
        {
            WorkflowTaskCompletedEventId = context.CompletedEventId,
            Namespace = ns,
            NamespaceId = _namespaces.TryGetValue(ns, out var nsEntry) ? nsEntry.Id : "",
            WorkflowExecution = execution,
            Control = attributes.Control,
            ChildWorkflowOnly = attributes.ChildWorkflowOnly,
            Reason = attributes.Reason,
        };
        Append(run, ev);
        var initiatedId = ev.EventId;
        context.Deferred.Add(() =>
        {
            if (!run.IsRunning)
            {
                return;
            }
            var target = _namespaces.ContainsKey(ns) ? TryFindRun(ns, execution) : null;
            if (target is { IsRunning: true })
            {
                RequestCancelRun(target, context.Identity, attributes.Reason, (run.Namespace, ExecutionOf(run), initiatedId));
                var done = NewEvent(EventType.ExternalWorkflowExecutionCancelRequested);
                done.ExternalWorkflowExecutionCancelRequestedEventAttributes = new()
                {
                    InitiatedEventId = initiatedId,
                    Namespace = ns,
                    NamespaceId = ev.RequestCancelExternalWorkflowExecutionInitiatedEventAttributes.NamespaceId,
                    WorkflowExecution = ExecutionOf(target),
                };
                AddWorkflowEvent(run, done);
            }
            else
            {
                var failed = NewEvent(EventType.RequestCancelExternalWorkflowExecutionFailed);
                failed.RequestCancelExternalWorkflowExecutionFailedEventAttributes = new()
                {
                    Cause = CancelExternalWorkflowExecutionFailedCause.ExternalWorkflowExecutionNotFound,
                    WorkflowTaskCompletedEventId = context.CompletedEventId,
                    Namespace = ns,
                    NamespaceId = ev.RequestCancelExternalWorkflowExecutionInitiatedEventAttributes.NamespaceId,
                    WorkflowExecution = execution,
                    InitiatedEventId = initiatedId,
                    Control = attributes.Control,
                };
                AddWorkflowEvent(run, failed);
            }
        });
    }

    private RunState? TryFindRun(string ns, WorkflowExecution? execution)
    {
        try
        {
            return FindRun(ns, execution);
        }
        catch (global::Grpc.Core.RpcException)
        {
            return null;
        }
    }

    private void FireUserTimer(RunState run, TimerEntry entry)
    {
        if (entry.Name is null || !run.Timers.TryGetValue(entry.Name, out var timer) || timer.StartedEventId != entry.Key)
        {
            return;
        }
        run.Timers.Remove(entry.Name);
        var ev = NewEvent(EventType.TimerFired);
        ev.TimerFiredEventAttributes = new() { TimerId = timer.TimerId, StartedEventId = timer.StartedEventId };
        AddWorkflowEvent(run, ev);
    }
}

using System.Text.Json.Serialization;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;

namespace RawkodeAutomation.TemporalServer.Engine;

/// <summary>
/// The mutable state of one workflow run: what the history service of a real Temporal cluster keeps next
/// to the event history. Everything needed to carry on after a restart lives here or in the history;
/// task queues are rebuilt from it on load.
/// </summary>
internal sealed class RunState
{
    public string Namespace { get; set; } = "";
    public string WorkflowId { get; set; } = "";
    public string RunId { get; set; } = "";
    public string FirstRunId { get; set; } = "";
    /// <summary>Creation order across the server; orders runs of one workflow id and ties in listings.</summary>
    public long Sequence { get; set; }
    public string WorkflowType { get; set; } = "";
    public string TaskQueue { get; set; } = "";
    public string RequestId { get; set; } = "";
    public WorkflowExecutionStatus Status { get; set; } = WorkflowExecutionStatus.Running;
    public DateTime StartTime { get; set; }
    public DateTime ExecutionTime { get; set; }
    public DateTime? CloseTime { get; set; }
    public TimeSpan WorkflowTaskTimeout { get; set; } = TimeSpan.FromSeconds(10);
    public TimeSpan? RunTimeout { get; set; }
    public TimeSpan? ExecutionTimeout { get; set; }
    public DateTime? RunExpiration { get; set; }

    /// <summary>Committed history; persisted as individual rows, not in the state snapshot.</summary>
    [JsonIgnore]
    public List<HistoryEvent> History { get; set; } = [];

    /// <summary>How many events of <see cref="History"/> the store already holds.</summary>
    [JsonIgnore]
    public int PersistedEvents { get; set; }

    /// <summary>Events that arrived while a workflow task was in flight; numbered when it completes.</summary>
    public List<HistoryEvent> Buffered { get; set; } = [];

    public long WftScheduledId { get; set; }
    public long WftStartedId { get; set; }
    public int WftAttempt { get; set; }
    public DateTime WftScheduledTime { get; set; }
    public DateTime WftStartedTime { get; set; }
    public long PreviousStartedId { get; set; }

    /// <summary>
    /// The sticky queue of the worker that completed the last workflow task, while the run is sticky to it (its next
    /// workflow task and queries go there, with only the events that worker has not seen). Soft state, as the worker's
    /// cache it stands for: not persisted, so after a restart a run starts again on its normal queue with full history.
    /// </summary>
    [JsonIgnore]
    public string? StickyTaskQueue { get; set; }

    /// <summary>How long a task may wait on <see cref="StickyTaskQueue"/> before it goes to the normal queue instead.</summary>
    [JsonIgnore]
    public TimeSpan StickyScheduleToStartTimeout { get; set; }

    /// <summary>The deployment options of the sticky worker, to tell whether version routing still sends the run to it.</summary>
    [JsonIgnore]
    public Temporalio.Api.Deployment.V1.WorkerDeploymentOptions? StickyDeploymentOptions { get; set; }

    public Dictionary<long, ActivityState> Activities { get; set; } = [];
    public Dictionary<string, TimerState> Timers { get; set; } = [];
    public Dictionary<long, ChildState> Children { get; set; } = [];
    public Dictionary<string, UpdateState> Updates { get; set; } = [];
    public Dictionary<long, NexusOperationState> NexusOperations { get; set; } = [];

    /// <summary>Completion callbacks attached after the start (a Nexus start that used this running workflow).</summary>
    public List<Callback> AttachedCallbacks { get; set; } = [];

    /// <summary>The versioning behaviour and worker deployment version of the last workflow task that declared them.</summary>
    public Temporalio.Api.Workflow.V1.WorkflowExecutionVersioningInfo? VersioningInfo { get; set; }

    /// <summary>Continued as new with <c>USE_RAMPING_VERSION</c>: the first task goes to the ramping version, if any.</summary>
    public bool StartsOnRampingVersion { get; set; }

    public bool CancelRequested { get; set; }
    public Memo Memo { get; set; } = new();
    public SearchAttributes SearchAttributes { get; set; } = new();
    public string? NewRunId { get; set; }
    public ParentRef? Parent { get; set; }
    public long HistorySizeBytes { get; set; }

    /// <summary>Queries waiting to ride along with the next workflow task (so they see every event so far).</summary>
    [JsonIgnore]
    public List<QueryTask> PendingQueries { get; } = [];

    /// <summary>Queries handed out with the workflow task in flight.</summary>
    [JsonIgnore]
    public List<QueryTask> InFlightQueries { get; } = [];

    [JsonIgnore]
    public bool IsRunning => Status == WorkflowExecutionStatus.Running;

    [JsonIgnore]
    public long NextEventId => History.Count + 1;

    [JsonIgnore]
    public HistoryEvent StartedEvent => History[0];
}

internal sealed class ParentRef
{
    public string Namespace { get; set; } = "";
    public string WorkflowId { get; set; } = "";
    public string RunId { get; set; } = "";
    public long InitiatedEventId { get; set; }
}

internal sealed class ActivityState
{
    public long ScheduledEventId { get; set; }
    public string ActivityId { get; set; } = "";
    public string ActivityType { get; set; } = "";
    public string TaskQueue { get; set; } = "";
    public int Attempt { get; set; } = 1;
    public DateTime ScheduledTime { get; set; }
    public DateTime CurrentAttemptScheduledTime { get; set; }
    /// <summary>When a retry is waiting on its backoff, the time it becomes dispatchable again.</summary>
    public DateTime? RetryAt { get; set; }
    public DateTime? StartedTime { get; set; }
    public string? StartedIdentity { get; set; }
    public string? StartedRequestId { get; set; }
    public DateTime? LastHeartbeatTime { get; set; }
    public Payloads? HeartbeatDetails { get; set; }
    public Failure? LastFailure { get; set; }
    public bool CancelRequested { get; set; }
    public long CancelRequestedEventId { get; set; }
    public TimeSpan? ScheduleToClose { get; set; }
    public TimeSpan? ScheduleToStart { get; set; }
    public TimeSpan? StartToClose { get; set; }
    public TimeSpan? Heartbeat { get; set; }
    public RetryPolicy RetryPolicy { get; set; } = new();
    /// <summary>Paused by <c>PauseActivity</c>: not dispatched until unpaused; a running attempt is told at its heartbeat.</summary>
    public bool Paused { get; set; }
    public DateTime? PausedTime { get; set; }
    public string? PausedBy { get; set; }
    public string? PauseReason { get; set; }
    /// <summary>Reset by <c>ResetActivity</c> while an attempt ran: that attempt is told at its heartbeat, and the next is attempt 1.</summary>
    public bool ResetRequested { get; set; }
    /// <summary>The reset also drops the heartbeat details, including any the stopped attempt still sends.</summary>
    public bool ResetHeartbeat { get; set; }
}

/// <summary>A Nexus operation the workflow scheduled, until it completes, fails, is cancelled or times out.</summary>
internal sealed class NexusOperationState
{
    public long ScheduledEventId { get; set; }
    public string Endpoint { get; set; } = "";
    public string Service { get; set; } = "";
    public string Operation { get; set; } = "";
    public string RequestId { get; set; } = "";
    /// <summary>Where the endpoint sends its requests: a worker's namespace and task queue.</summary>
    public string TargetNamespace { get; set; } = "";
    public string TaskQueue { get; set; } = "";
    public DateTime ScheduledTime { get; set; }
    public TimeSpan? ScheduleToClose { get; set; }
    public TimeSpan? ScheduleToStart { get; set; }
    public TimeSpan? StartToClose { get; set; }
    /// <summary>Attempt of the start request; a handler error that may be retried moves it on.</summary>
    public int Attempt { get; set; } = 1;
    /// <summary>A start request is with a worker.</summary>
    public bool InFlight { get; set; }
    public DateTime? RetryAt { get; set; }
    public Failure? LastFailure { get; set; }
    /// <summary>Set once the handler answered that the operation started (asynchronously).</summary>
    public string? OperationToken { get; set; }
    public DateTime? StartedTime { get; set; }
    /// <summary>The <c>NexusOperationCancelRequested</c> event; 0 while nobody asked to cancel.</summary>
    public long CancelRequestedEventId { get; set; }
    public int CancelAttempt { get; set; } = 1;
    public bool CancelInFlight { get; set; }
    public DateTime? CancelRetryAt { get; set; }
    /// <summary>The cancel request was answered (or failed for good).</summary>
    public bool CancelDone { get; set; }
}

internal sealed class TimerState
{
    public string TimerId { get; set; } = "";
    public long StartedEventId { get; set; }
    public DateTime FireTime { get; set; }
}

internal sealed class ChildState
{
    public long InitiatedEventId { get; set; }
    public string Namespace { get; set; } = "";
    public string WorkflowId { get; set; } = "";
    public string WorkflowType { get; set; } = "";
    public string? RunId { get; set; }
    public long StartedEventId { get; set; }
    public ParentClosePolicy ParentClosePolicy { get; set; }
}

internal enum UpdateStage
{
    Admitted,
    Accepted,
    Completed,
    Rejected,
}

internal sealed class UpdateState
{
    public string UpdateId { get; set; } = "";
    public UpdateStage Stage { get; set; }
    public Temporalio.Api.Update.V1.Request Request { get; set; } = new();
    public Temporalio.Api.Update.V1.Outcome? Outcome { get; set; }
    public long AcceptedEventId { get; set; }
    /// <summary>Started event id of the workflow task that carried the request to a worker.</summary>
    public long DeliveredInWorkflowTask { get; set; }
    /// <summary>Completion callbacks of later requests with the same update id (deduplicated onto this update).</summary>
    public List<Callback> AttachedCallbacks { get; set; } = [];
}

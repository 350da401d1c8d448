using Temporalio.Api.Enums.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;

namespace RawkodeAutomation.TemporalServer.Engine;

/// <summary>
/// Sticky task queues: a worker that completes a workflow task names its own queue (<c>sticky_attributes</c>) and
/// keeps the run in its cache; the run's next workflow tasks and queries go to that queue, carrying only the events
/// the worker has not seen. A task the sticky worker does not take in time, a failed task, <c>ResetStickyTaskQueue</c>
/// or the worker's <c>ShutdownWorker</c> end the stickiness, and the run's tasks go to its normal queue with full history.
/// </summary>
internal sealed partial class TemporalEngine
{
    /// <summary>
    /// A sticky queue nobody has polled for this long is taken to have lost its worker: a new task goes straight to
    /// the normal queue instead of waiting out the schedule-to-start timeout (a real server's matching waits 10 s).
    /// Tests that need a sticky queue to stay available however slowly they run widen it.
    /// </summary>
    internal TimeSpan StickyPollerUnavailableWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Used when a worker asks for stickiness without a schedule-to-start timeout (the SDKs' default).</summary>
    private static readonly TimeSpan DefaultStickyScheduleToStart = TimeSpan.FromSeconds(10);

    /// <summary>
    /// After a completed workflow task: the run becomes sticky to the queue the worker named, or stops being sticky
    /// when the worker named none (it does not cache the run).
    /// </summary>
    private static void SetStickiness(RunState run, RespondWorkflowTaskCompletedRequest request)
    {
        if (string.IsNullOrEmpty(request.StickyAttributes?.WorkerTaskQueue?.Name))
        {
            ClearStickiness(run);
            return;
        }
        var timeout = request.StickyAttributes.ScheduleToStartTimeout?.ToTimeSpan() ?? TimeSpan.Zero;
        run.StickyTaskQueue = request.StickyAttributes.WorkerTaskQueue.Name;
        run.StickyScheduleToStartTimeout = timeout > TimeSpan.Zero ? timeout : DefaultStickyScheduleToStart;
        run.StickyDeploymentOptions = request.DeploymentOptions;
    }

    private static void ClearStickiness(RunState run)
    {
        run.StickyTaskQueue = null;
        run.StickyDeploymentOptions = null;
    }

    /// <summary>
    /// The run's sticky queue if its next task should go there: a worker still polls it, and version routing
    /// (a worker deployment) would not send the task to another worker anyway. Otherwise stickiness ends here.
    /// </summary>
    private string? StickyQueueFor(RunState run)
    {
        if (run.StickyTaskQueue is not { } sticky)
        {
            return null;
        }
        if (!StickyWorkerAvailable(run.Namespace, sticky)
            || !IsForWorkerVersion(run.Namespace, run.TaskQueue, run.StickyDeploymentOptions, new TaskEntry(run.RunId, run.WftScheduledId, run.WftAttempt)))
        {
            ClearStickiness(run);
            return null;
        }
        return sticky;
    }

    private bool StickyWorkerAvailable(string ns, string sticky) =>
        _queues.TryGetValue((ns, sticky, TaskKind.Sticky), out var queue)
        && (queue.PollerCount > 0 || DateTime.UtcNow - queue.LastPollTime <= StickyPollerUnavailableWindow);

    /// <summary>The queue a workflow task scheduled now goes to, as its <c>WorkflowTaskScheduled</c> event names it.</summary>
    private TaskQueue ScheduledTaskQueue(RunState run) => StickyQueueFor(run) is { } sticky
        ? new TaskQueue { Name = sticky, Kind = TaskQueueKind.Sticky, NormalName = run.TaskQueue }
        : new TaskQueue { Name = run.TaskQueue, Kind = TaskQueueKind.Normal };

    /// <summary>Puts the scheduled workflow task on the sticky queue, with its schedule-to-start deadline.</summary>
    private void DispatchStickyWorkflowTask(RunState run, string sticky)
    {
        var entry = new TaskEntry(run.RunId, run.WftScheduledId, run.WftAttempt);
        var queue = Queue(run.Namespace, sticky, TaskKind.Sticky);
        _afterCommit.Add(() => queue.Add(entry));
        _scheduler.Add(Now + run.StickyScheduleToStartTimeout, new TimerEntry(TimerKind.StickyScheduleToStart, run.RunId, run.WftScheduledId, run.WftAttempt));
    }

    /// <summary>
    /// The sticky worker did not take the workflow task in time: as a real server does, the task times out
    /// (schedule-to-start), stickiness ends, and a new task (same attempt) goes to the normal queue with full history.
    /// </summary>
    private void OnStickyScheduleToStart(RunState run, TimerEntry entry)
    {
        if (run.WftScheduledId != entry.Key || run.WftStartedId != 0 || run.WftAttempt != entry.Attempt || run.StickyTaskQueue is null)
        {
            return;
        }
        ClearStickiness(run);
        Append(run, WorkflowTaskTimedOutEvent(run, TimeoutType.ScheduleToStart));
        run.WftScheduledId = 0;
        ScheduleWorkflowTask(run, run.WftAttempt);
    }

    /// <summary>
    /// Ends the run's stickiness and moves what waits on its sticky queue (the scheduled workflow task, queries) to the
    /// normal queue; the copies left on the sticky queue are skipped by its polls.
    /// </summary>
    private void MoveToNormalQueue(RunState run)
    {
        if (run.StickyTaskQueue is null)
        {
            return;
        }
        ClearStickiness(run);
        if (run.WftScheduledId != 0 && run.WftStartedId == 0)
        {
            DispatchWorkflowTask(run);
        }
        foreach (var query in _queries.Values.Where(q => q.RunId == run.RunId && q.StickyQueue is not null && !q.Taken && !q.Result.Task.IsCompleted))
        {
            DispatchLegacyQuery(run, query);
        }
    }

    /// <summary>A sticky query the worker did not take in time: as a real server does, stickiness ends and it goes to the normal queue.</summary>
    private void OnStickyQueryScheduleToStart(RunState run, TimerEntry entry)
    {
        if (entry.Name is { } queryId && _queries.TryGetValue(queryId, out var query)
            && query.StickyQueue is not null && !query.Taken && !query.Result.Task.IsCompleted)
        {
            MoveToNormalQueue(run);
        }
    }

    /// <summary><c>ResetStickyTaskQueue</c>: the run's next tasks go to its normal queue with full history.</summary>
    public void ResetStickyTaskQueue(ResetStickyTaskQueueRequest request)
    {
        lock (_gate)
        {
            RequireNamespace(request.Namespace);
            var run = FindRun(request.Namespace, request.Execution);
            MoveToNormalQueue(run);
            Commit();
        }
    }

    /// <summary>A worker shut down: runs sticky to its queue go back to their normal queues.</summary>
    private void ReleaseStickyQueue(string ns, string sticky)
    {
        foreach (var run in _runs.Values.Where(r => r.Namespace == ns && r.StickyTaskQueue == sticky).ToList())
        {
            MoveToNormalQueue(run);
        }
    }
}

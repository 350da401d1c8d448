using Temporalio.Api.WorkflowService.V1;

namespace RawkodeAutomation.TemporalServer.Engine;

/// <summary>
/// Pausing, unpausing and resetting a pending activity from outside the workflow (<c>PauseActivity</c>,
/// <c>UnpauseActivity</c>, <c>ResetActivity</c>), as the real server does it: a paused activity is not dispatched; a
/// running attempt learns of a pause or reset from its heartbeat response (the SDK then cancels it with reason Paused or
/// Reset), and the attempt it ends with is retried without backoff: held while paused, from attempt 1 after a reset.
/// </summary>
internal sealed partial class TemporalEngine
{
    public PauseActivityResponse PauseActivity(PauseActivityRequest request)
    {
        ChangeActivities(request.Namespace, request.Execution,
            request.ActivityCase == PauseActivityRequest.ActivityOneofCase.Id ? request.Id : null,
            request.ActivityCase == PauseActivityRequest.ActivityOneofCase.Type ? request.Type : null,
            all: false,
            (_, activity) =>
            {
                if (activity.Paused)
                {
                    return;
                }
                activity.Paused = true;
                activity.PausedTime = Now;
                activity.PausedBy = request.Identity;
                activity.PauseReason = request.Reason;
            });
        return new PauseActivityResponse();
    }

    public UnpauseActivityResponse UnpauseActivity(UnpauseActivityRequest request)
    {
        ChangeActivities(request.Namespace, request.Execution,
            request.ActivityCase == UnpauseActivityRequest.ActivityOneofCase.Id ? request.Id : null,
            request.ActivityCase == UnpauseActivityRequest.ActivityOneofCase.Type ? request.Type : null,
            all: request.ActivityCase == UnpauseActivityRequest.ActivityOneofCase.UnpauseAll && request.UnpauseAll,
            (run, activity) =>
            {
                if (!activity.Paused)
                {
                    return;
                }
                Unpause(activity);
                if (request.ResetAttempts && activity.StartedTime is null)
                {
                    activity.Attempt = 1;
                }
                if (request.ResetHeartbeat)
                {
                    activity.HeartbeatDetails = null;
                }
                DispatchIfWaiting(run, activity);
            });
        return new UnpauseActivityResponse();
    }

    public ResetActivityResponse ResetActivity(ResetActivityRequest request)
    {
        ChangeActivities(request.Namespace, request.Execution,
            request.ActivityCase == ResetActivityRequest.ActivityOneofCase.Id ? request.Id : null,
            request.ActivityCase == ResetActivityRequest.ActivityOneofCase.Type ? request.Type : null,
            all: request.ActivityCase == ResetActivityRequest.ActivityOneofCase.MatchAll && request.MatchAll,
            (run, activity) =>
            {
                if (request.ResetHeartbeat)
                {
                    activity.HeartbeatDetails = null;
                }
                if (!request.KeepPaused && activity.Paused)
                {
                    Unpause(activity);
                }
                if (activity.StartedTime is not null)
                {
                    // The running attempt keeps its task token until it ends; its heartbeat tells the worker to stop.
                    activity.ResetRequested = true;
                    activity.ResetHeartbeat = request.ResetHeartbeat;
                }
                else
                {
                    activity.Attempt = 1;
                    DispatchIfWaiting(run, activity);
                }
            });
        return new ResetActivityResponse();
    }

    /// <summary>
    /// Applies <paramref name="change"/> to each pending activity of a running workflow that matches by id, by type or
    /// (with <paramref name="all"/>) every one, in schedule order, and stores the run once.
    /// </summary>
    private void ChangeActivities(string ns, Temporalio.Api.Common.V1.WorkflowExecution? execution, string? id, string? type, bool all, Action<RunState, ActivityState> change)
    {
        lock (_gate)
        {
            var run = RunningActivityOwner(ns, execution);
            foreach (var activity in MatchActivities(run, id, type, all))
            {
                change(run, activity);
            }
            MarkDirty(run);
            Commit();
        }
    }

    private RunState RunningActivityOwner(string ns, Temporalio.Api.Common.V1.WorkflowExecution? execution)
    {
        RequireNamespace(ns);
        var run = FindRun(ns, execution);
        return run.IsRunning ? run : throw Errors.AlreadyCompleted();
    }

    private static List<ActivityState> MatchActivities(RunState run, string? id, string? type, bool all)
    {
        if (id is null && type is null && !all)
        {
            throw Errors.InvalidArgument("Either activity id, activity type or match all must be set.");
        }
        var matched = run.Activities.Values
            .Where(a => all || (id is not null && a.ActivityId == id) || (type is not null && a.ActivityType == type))
            .OrderBy(a => a.ScheduledEventId)
            .ToList();
        return matched.Count > 0 ? matched : throw Errors.NotFound(id is not null ? $"Activity with id {id} is not found." : $"No pending activity of type {type}.");
    }

    private static void Unpause(ActivityState activity)
    {
        activity.Paused = false;
        activity.PausedTime = null;
        activity.PausedBy = null;
        activity.PauseReason = null;
    }

    /// <summary>Dispatches an activity that is neither running nor waiting out a retry backoff (it was held or reset).</summary>
    private void DispatchIfWaiting(RunState run, ActivityState activity)
    {
        if (activity.StartedTime is not null || activity.Paused)
        {
            return;
        }
        activity.RetryAt = null;
        activity.CurrentAttemptScheduledTime = Now;
        DispatchActivity(run, activity);
    }
}

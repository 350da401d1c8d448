using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;

namespace RawkodeAutomation.TemporalServer.Engine;

internal sealed partial class TemporalEngine
{
    private long _sequence;

    /// <summary>
    /// Rebuilds the in-memory world from the store after a restart: task queues and deadlines are derived
    /// from each run's mutable state, so nothing pending is lost. A workflow task that was in flight when the
    /// server died cannot be answered any more; it is timed out at once and handed out again.
    /// </summary>
    private void Load()
    {
        var runs = _store.LoadAll();
        lock (_gate)
        {
            foreach (var run in runs)
            {
                if (!_namespaces.ContainsKey(run.Namespace))
                {
                    _namespaces[run.Namespace] = new NamespaceEntry(run.Namespace, DeterministicId(run.Namespace));
                }
                Register(run);
                _sequence = Math.Max(_sequence, run.Sequence);
            }
            foreach (var run in runs.Where(r => r.IsRunning))
            {
                Recover(run);
            }
            Commit();
        }
    }

    private void Recover(RunState run)
    {
        if (run.WftScheduledId != 0 && run.WftStartedId != 0)
        {
            RetryWorkflowTask(run, WorkflowTaskTimedOutEvent(run));
        }
        else if (run.WftScheduledId != 0)
        {
            DispatchWorkflowTask(run);
        }
        else if (run.Buffered.Count > 0 || run.Updates.Values.Any(u => u.Stage == UpdateStage.Admitted))
        {
            FlushBuffered(run);
            ScheduleWorkflowTask(run);
        }
        foreach (var activity in run.Activities.Values)
        {
            if (activity.RetryAt is { } retryAt)
            {
                _scheduler.Add(retryAt, new TimerEntry(TimerKind.ActivityRetry, run.RunId, activity.ScheduledEventId, activity.Attempt));
            }
            else if (activity.StartedTime is { } started)
            {
                if (activity.StartToClose is { } st2c)
                {
                    _scheduler.Add(started + st2c, new TimerEntry(TimerKind.ActivityStartToClose, run.RunId, activity.ScheduledEventId, activity.Attempt));
                }
                if (activity.Heartbeat is { } hb)
                {
                    _scheduler.Add((activity.LastHeartbeatTime ?? started) + hb, new TimerEntry(TimerKind.ActivityHeartbeat, run.RunId, activity.ScheduledEventId, activity.Attempt));
                }
            }
            else
            {
                DispatchActivity(run, activity);
            }
            if (activity.ScheduleToClose is { } s2c)
            {
                _scheduler.Add(activity.ScheduledTime + s2c, new TimerEntry(TimerKind.ActivityScheduleToClose, run.RunId, activity.ScheduledEventId, 0));
            }
        }
        foreach (var op in run.NexusOperations.Values)
        {
            RecoverNexusOperation(run, op);
        }
        foreach (var timer in run.Timers.Values)
        {
            _scheduler.Add(timer.FireTime, new TimerEntry(TimerKind.UserTimer, run.RunId, timer.StartedEventId, 0, timer.TimerId));
        }
        if (run.RunExpiration is { } expiration)
        {
            _scheduler.Add(expiration, new TimerEntry(TimerKind.WorkflowRunTimeout, run.RunId, 0, 0));
        }
    }
}

using System.Linq.Expressions;
using Microsoft.Extensions.Logging;
using Temporalio.Api.Enums.V1;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace RawkodeAutomation.Workflows;

/// <summary>
/// Runs an activity, and schedules it again when it was never picked up within the schedule-to-start
/// timeout. A task that never started has had no effect, so scheduling it again is safe; this covers a
/// task handed to a worker that died before it started it (seen with the offline server when a worker
/// is killed mid-poll), and a task queue nobody polled for a while.
/// </summary>
internal static class ActivityCalls
{
    /// <summary>How long a task may wait for a worker before it is scheduled again.</summary>
    public static readonly TimeSpan ScheduleToStart = TimeSpan.FromSeconds(20);

    public static async Task<TResult> RunAsync<TActivity, TResult>(Expression<Func<TActivity, Task<TResult>>> call, ActivityOptions options)
    {
        var withTimeout = (ActivityOptions)options.Clone();
        withTimeout.ScheduleToStartTimeout = ScheduleToStart;
        while (true)
        {
            try
            {
                return await Workflow.ExecuteActivityAsync(call, withTimeout);
            }
            catch (ActivityFailureException e) when (e.InnerException is TimeoutFailureException { TimeoutType: TimeoutType.ScheduleToStart })
            {
                Workflow.Logger.LogWarning("Activity {Activity} was not picked up within {Timeout}; scheduling it again", e.ActivityType, ScheduleToStart);
            }
        }
    }
}

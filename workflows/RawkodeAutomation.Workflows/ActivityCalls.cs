using System.Linq.Expressions;
using Microsoft.Extensions.Logging;
using Temporalio.Api.Enums.V1;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace RawkodeAutomation.Workflows;

/// <summary>
/// Runs an activity. Earlier versions set a 20 s schedule-to-start timeout and scheduled the activity again when it
/// expired, to cover tasks the offline server lost when a worker stopped; the server no longer loses them
/// (<c>ShutdownWorker</c>, undelivered tasks taken back), and on a real Temporal Service the timeout only churned
/// history while workers were down. No timeout is set any more; the catch stays so histories recorded with it
/// (a schedule-to-start timeout followed by the same activity scheduled again) still replay.
/// </summary>
internal static class ActivityCalls
{
    public static async Task<TResult> RunAsync<TActivity, TResult>(Expression<Func<TActivity, Task<TResult>>> call, ActivityOptions options)
    {
        while (true)
        {
            try
            {
                return await Workflow.ExecuteActivityAsync(call, options);
            }
            catch (ActivityFailureException e) when (e.InnerException is TimeoutFailureException { TimeoutType: TimeoutType.ScheduleToStart })
            {
                Workflow.Logger.LogWarning("Activity {Activity} was not picked up before its schedule-to-start timeout; scheduling it again", e.ActivityType);
            }
        }
    }
}

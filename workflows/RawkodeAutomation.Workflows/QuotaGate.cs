using RawkodeAutomation.Workflows.Activities;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace RawkodeAutomation.Workflows;

/// <summary>
/// The one way a workflow spends YouTube quota: reserve units with the quota entity, wait for its grant, make the
/// call, settle with what the call really cost. YouTube's own quotaExceeded settles what was called with the day
/// marked spent and queues again, so the call waits for the reset and then runs: nothing is skipped. Credentials
/// YouTube refused settle what was called with the credentials marked rejected and queue again, so the call waits
/// until a worker starts with other credentials and then runs by itself (no operator Retry, no ResetDay). Any other
/// failure is charged what its attempts called (the activity heartbeats its running total and puts it in its
/// failure; a timed-out attempt leaves it in its last heartbeat) and rethrown; the whole reservation only when the
/// failure does not say (an activity that does not meter).
/// Workflow code: the owner feeds it the quota entity's grant signal.
/// </summary>
/// <param name="charged">Told every unit settled, to keep the owner's count.</param>
/// <param name="waiting">Told when a request starts (true) and stops (false) waiting for its grant.</param>
internal sealed class QuotaGate(Action<long> charged, Action<bool> waiting)
{
    /// <summary>What a request that waits for new credentials says while it waits.</summary>
    internal const string CredentialsWait = "YouTube refused the channel's credentials; waiting for a worker with new ones (fix YouTube:ClientId, YouTube:ClientSecret or YouTube:RefreshToken and restart)";

    private readonly Dictionary<string, QuotaGrant> _grants = [];

    /// <summary>The quota entity granted a request (the owner's <c>QuotaGranted</c> signal).</summary>
    public void Granted(QuotaGrant grant) => _grants[grant.RequestId] = grant;

    /// <summary>Runs <paramref name="call"/> within <paramref name="units"/> reserved at <paramref name="priority"/>.</summary>
    /// <param name="description">What the reservation is for, as the quota entity shows it.</param>
    /// <param name="spent">What the call's result says it cost.</param>
    /// <param name="parked">Told why, when the call waits (for the quota reset, or for new credentials) and runs again after.</param>
    public async Task<T> RunAsync<T>(long units, QuotaPriority priority, string description, Func<Task<T>> call, Func<T, long> spent, Action<string>? parked = null)
    {
        while (true)
        {
            var requestId = $"{Workflow.Info.WorkflowId}#{Workflow.NewGuid():N}";
            waiting(true);
            await ActivityCalls.RunAsync(
                (IQuotaActivities a) => a.RequestQuotaAsync(new QuotaRequest(requestId, Workflow.Info.WorkflowId, units, priority, description)),
                PipelineActivityOptions.Signal);
            await Workflow.WaitConditionAsync(() => _grants.ContainsKey(requestId));
            _grants.Remove(requestId);
            waiting(false);
            try
            {
                var result = await call();
                charged(spent(result));
                await SettleAsync(new QuotaSettlement(requestId, spent(result), false));
                return result;
            }
            catch (ActivityFailureException e) when (e.InnerException is ApplicationFailureException { ErrorType: PipelineErrors.QuotaExceeded })
            {
                // Failed requests cost at least a unit; report the day as spent and queue again.
                var called = Math.Max(1, Called(e) ?? 1);
                charged(called);
                await SettleAsync(new QuotaSettlement(requestId, called, true));
                parked?.Invoke("YouTube quota exhausted; waiting for the daily reset");
            }
            catch (ActivityFailureException e) when (e.InnerException is ApplicationFailureException { ErrorType: PipelineErrors.CredentialsRejected })
            {
                // Every call fails the same way until the credentials change: wait for that in the queue, then run.
                var called = Called(e) ?? 0;
                charged(called);
                await SettleAsync(new QuotaSettlement(requestId, called, false, CredentialsRejected: true));
                parked?.Invoke(CredentialsWait + ": " + (e.InnerException?.Message ?? e.Message));
            }
            catch (ActivityFailureException e)
            {
                var called = Called(e) ?? units;
                charged(called);
                await SettleAsync(new QuotaSettlement(requestId, called, false));
                throw;
            }
        }
    }

    /// <summary>
    /// What the failed activity's attempts called, in units: the details of its failure, or the last heartbeat of an
    /// attempt that timed out (lost with a killed worker). Null when neither says.
    /// </summary>
    private static long? Called(ActivityFailureException e)
    {
        try
        {
            return e.InnerException switch
            {
                ApplicationFailureException { Details.Count: > 0 } app => app.Details.ElementAt<long>(0),
                TimeoutFailureException { LastHeartbeatDetails.Count: > 0 } timeout => timeout.LastHeartbeatDetails.ElementAt<long>(0),
                _ => null,
            };
        }
        catch (Exception conversion) when (conversion is InvalidOperationException or FormatException or System.Text.Json.JsonException or ArgumentException)
        {
            // Details of another shape (not a YouTube activity's units): unknown.
            return null;
        }
    }

    private static Task SettleAsync(QuotaSettlement settlement) =>
        Workflow.GetExternalWorkflowHandle(WorkflowIds.Quota).SignalAsync(PipelineSignals.QuotaSettled, [settlement]);
}

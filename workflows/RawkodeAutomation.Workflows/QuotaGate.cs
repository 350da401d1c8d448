using RawkodeAutomation.Workflows.Activities;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace RawkodeAutomation.Workflows;

/// <summary>
/// The one way a workflow spends YouTube quota: reserve units with the quota entity, wait for its grant, make the
/// call, settle with what the call really cost. YouTube's own quotaExceeded settles one unit with the day marked
/// spent and queues again, so the call waits for the reset and then runs: nothing is skipped. Any other failure is
/// charged the whole reservation (what it cost is unknown, and the day must never be overspent) and rethrown.
/// Workflow code: the owner feeds it the quota entity's grant signal.
/// </summary>
/// <param name="charged">Told every unit settled, to keep the owner's count.</param>
/// <param name="waiting">Told when a request starts (true) and stops (false) waiting for its grant.</param>
internal sealed class QuotaGate(Action<long> charged, Action<bool> waiting)
{
    private readonly Dictionary<string, QuotaGrant> _grants = [];

    /// <summary>The quota entity granted a request (the owner's <c>QuotaGranted</c> signal).</summary>
    public void Granted(QuotaGrant grant) => _grants[grant.RequestId] = grant;

    /// <summary>Runs <paramref name="call"/> within <paramref name="units"/> reserved at <paramref name="priority"/>.</summary>
    /// <param name="description">What the reservation is for, as the quota entity shows it.</param>
    /// <param name="spent">What the call's result says it cost.</param>
    /// <param name="exhausted">Told when YouTube said the day is spent and the call waits for the reset.</param>
    public async Task<T> RunAsync<T>(long units, QuotaPriority priority, string description, Func<Task<T>> call, Func<T, long> spent, Action? exhausted = null)
    {
        while (true)
        {
            var requestId = $"{Workflow.Info.WorkflowId}#{Workflow.NewGuid():N}";
            waiting(true);
            await ActivityCalls.RunAsync(
                (IQuotaActivities a) => a.RequestQuotaAsync(new QuotaRequest(requestId, Workflow.Info.WorkflowId, units, priority, description)),
                PipelineOptions.Signal);
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
                charged(1);
                await SettleAsync(new QuotaSettlement(requestId, 1, true));
                exhausted?.Invoke();
            }
            catch (ActivityFailureException)
            {
                charged(units);
                await SettleAsync(new QuotaSettlement(requestId, units, false));
                throw;
            }
        }
    }

    private static Task SettleAsync(QuotaSettlement settlement) =>
        Workflow.GetExternalWorkflowHandle(WorkflowIds.Quota).SignalAsync(PipelineSignals.QuotaSettled, [settlement]);
}

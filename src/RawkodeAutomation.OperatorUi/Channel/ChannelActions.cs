using System.Globalization;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace RawkodeAutomation.OperatorUi.Channel;

/// <summary>What an operator's button asked for: the action, the entity's workflow id and the form's fields.</summary>
internal sealed record ChannelAction(string Name, string Target, string? Reason, string? Budget, string? Reserve);

/// <summary>How an action went: sent (and accepted), or refused with the validator's (or the page's) reason.</summary>
internal sealed record ActionResult(bool Accepted, string Message);

/// <summary>
/// The buttons of the channel page. Episode and person actions are the workflows' Updates, so their validators
/// answer first: a refusal ("nothing failed; there is nothing to retry") comes back to the page instead of a signal
/// that silently does nothing. The quota's ResetDay and SetBudget are signals (they cannot be refused); the page
/// checks their input itself.
/// </summary>
internal static class ChannelActions
{
    /// <summary>Episode updates, by the form's action name: (update name, what it does for people).</summary>
    public static readonly IReadOnlyDictionary<string, string> EpisodeUpdates = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["RetryFailed"] = "retry the failed step",
        ["SkipFailed"] = "accept the current state as applied",
        ["ForceRerenderNow"] = "render and upload the thumbnail again",
        ["ApproveDeletion"] = "delete the broadcast of a deleted episode that already went live",
    };

    public static async Task<ActionResult> RunAsync(ITemporalClient client, ChannelAction action, CancellationToken cancellationToken)
    {
        var rpc = new RpcOptions { CancellationToken = cancellationToken };
        try
        {
            switch (action.Name)
            {
                case var name when EpisodeUpdates.ContainsKey(name) && action.Target.StartsWith("episode/", StringComparison.Ordinal):
                    object?[] args = name == "SkipFailed" ? [new SkipRequest(action.Reason?.Trim() ?? "")] : [];
                    return await UpdateAsync(client, action.Target, name, args, rpc).ConfigureAwait(false);
                case "RetryFailed" when action.Target.StartsWith("person/", StringComparison.Ordinal):
                    return await UpdateAsync(client, action.Target, "RetryFailed", [], rpc).ConfigureAwait(false);
                case "ResetDay" when action.Target == WorkflowIds.Quota:
                    await client.GetWorkflowHandle<YouTubeQuotaWorkflow>(WorkflowIds.Quota).SignalAsync(w => w.ResetDayAsync(), new() { Rpc = rpc }).ConfigureAwait(false);
                    return new ActionResult(true, "ResetDay sent: the day's budget is whole again");
                case "SetBudget" when action.Target == WorkflowIds.Quota:
                    if (ParseBudget(action.Budget, action.Reserve) is { } refusal)
                    {
                        return new ActionResult(false, refusal);
                    }
                    var budget = new QuotaBudget(long.Parse(action.Budget!, CultureInfo.InvariantCulture), long.Parse(action.Reserve!, CultureInfo.InvariantCulture));
                    await client.GetWorkflowHandle<YouTubeQuotaWorkflow>(WorkflowIds.Quota).SignalAsync(w => w.SetBudgetAsync(budget), new() { Rpc = rpc }).ConfigureAwait(false);
                    return new ActionResult(true, $"SetBudget sent: {budget.DailyBudget} units a day, {budget.SweepReserve} of them kept from sweeps");
                case "TriggerCleanup" when action.Target == CleanupWorkflow.ScheduleId:
                    await CleanupSchedule.TriggerAsync(client, cancellationToken).ConfigureAwait(false);
                    return new ActionResult(true, "cleanup pass triggered (skipped if one is still running)");
                default:
                    return new ActionResult(false, $"'{action.Name}' is not something the page can send to '{action.Target}'");
            }
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.NotFound)
        {
            return new ActionResult(false, $"{action.Target}: no such running entity ({e.Message})");
        }
        catch (RpcException e)
        {
            return new ActionResult(false, $"{action.Name} to {action.Target}: Temporal answered {e.Code}: {e.Message}");
        }
    }

    /// <summary>Null when the budget and reserve are whole numbers with 0 ≤ reserve &lt; budget; else why not.</summary>
    public static string? ParseBudget(string? budget, string? reserve)
    {
        if (!long.TryParse(budget, NumberStyles.None, CultureInfo.InvariantCulture, out var b) || b < 1)
        {
            return $"SetBudget: the daily budget '{budget}' is not a whole number of units above 0";
        }
        if (!long.TryParse(reserve, NumberStyles.None, CultureInfo.InvariantCulture, out var r))
        {
            return $"SetBudget: the sweep reserve '{reserve}' is not a whole number of units (0 or more)";
        }
        return r >= b ? $"SetBudget: the sweep reserve ({r}) must be smaller than the daily budget ({b}), or sweeps could never run" : null;
    }

    private static async Task<ActionResult> UpdateAsync(ITemporalClient client, string workflowId, string update, object?[] args, RpcOptions rpc)
    {
        try
        {
            // Accepted is enough: the validator has spoken, and a retry may take as long as YouTube does.
            var handle = await client.GetWorkflowHandle(workflowId)
                .StartUpdateAsync(update, args, new WorkflowUpdateStartOptions(WorkflowUpdateStage.Accepted) { Rpc = rpc }).ConfigureAwait(false);
            // A rejection comes back as the update's outcome, already known: reading the result throws it at once.
            // An accepted update still running has no outcome yet; its poll is cancelled, not awaited.
            using var stopPolling = CancellationTokenSource.CreateLinkedTokenSource(rpc.CancellationToken ?? CancellationToken.None);
            var result = handle.GetResultAsync(new RpcOptions { CancellationToken = stopPolling.Token });
            if (result.IsCompleted)
            {
                await result.ConfigureAwait(false);
            }
            else
            {
                await stopPolling.CancelAsync().ConfigureAwait(false);
                _ = result.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }
            return new ActionResult(true, $"{update} accepted by {workflowId}");
        }
        catch (WorkflowUpdateFailedException e)
        {
            return new ActionResult(false, e.InnerException?.Message ?? e.Message);
        }
    }
}

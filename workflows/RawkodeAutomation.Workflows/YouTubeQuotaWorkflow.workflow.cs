using Microsoft.Extensions.Logging;
using RawkodeAutomation.Episodes.Quota;
using RawkodeAutomation.Workflows.Contracts;
using RawkodeAutomation.Workflows.Decisions;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace RawkodeAutomation.Workflows;

/// <summary>
/// The single YouTube quota entity (<see cref="WorkflowIds.Quota"/>). Every YouTube activity first
/// reserves units here (priorities: live scheduling, then thumbnails, then sweeps), and settles with
/// what the call really cost. The budget is whole again at midnight Pacific (a durable timer on
/// <see cref="PacificDay.NextReset"/>); a request that does not fit waits, so a sweep that runs out
/// pauses and resumes after the reset.
/// </summary>
[Workflow]
public sealed class YouTubeQuotaWorkflow
{
    private readonly QuotaLedger _ledger;
    private bool _changed = true;

    /// <summary>Builds the ledger before any signal is delivered (signal-with-start delivers one in the first task).</summary>
    [WorkflowInit]
    public YouTubeQuotaWorkflow(QuotaWorkflowInput input)
    {
        _ledger = input.Carried is { } carried
            ? new QuotaLedger(carried)
            : QuotaLedger.Create(PacificDay.KeyOf(Workflow.UtcNow), input.DailyBudget, input.SweepReserve);
    }

    /// <summary>Used and remaining units, the queue per priority, the next reset.</summary>
    [WorkflowQuery]
    public QuotaStatus State => _ledger.ToStatus(Workflow.UtcNow);

    /// <summary>The requests waiting for units, highest priority first, then in arrival order (the order they are granted in).</summary>
    [WorkflowQuery]
    public IReadOnlyList<QueuedQuotaRequest> Queue =>
        [.. _ledger.Queue.OrderBy(q => q.Request.Priority).ThenBy(q => q.Sequence)];

    [WorkflowRun]
    public async Task RunAsync(QuotaWorkflowInput input)
    {
        while (true)
        {
            if (_ledger.RollOverIfNewDay(Workflow.UtcNow))
            {
                Workflow.Logger.LogInformation("Quota day {Day} began", _ledger.Day);
            }
            _changed = false;
            var grants = _ledger.TakeGrantable();
            if (grants.Count > 0)
            {
                await Workflow.WhenAllAsync(grants.Select(g => DeliverAsync(g.Request, g.Grant)));
            }
            if (_changed)
            {
                continue;
            }
            if (Workflow.ContinueAsNewSuggested && Workflow.AllHandlersFinished)
            {
                var next = input with { Carried = _ledger.ToState() };
                throw Workflow.CreateContinueAsNewException((YouTubeQuotaWorkflow wf) => wf.RunAsync(next));
            }
            var untilReset = PacificDay.NextReset(Workflow.UtcNow) - Workflow.UtcNow;
            await Workflow.WaitConditionAsync(() => _changed, untilReset > TimeSpan.Zero ? untilReset : TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>A requester asks for units (sent by the RequestQuota activity with signal-with-start).</summary>
    [WorkflowSignal]
    public Task RequestAsync(QuotaRequest request)
    {
        _changed |= _ledger.Enqueue(request);
        return Task.CompletedTask;
    }

    /// <summary>A requester reports what its call really cost.</summary>
    [WorkflowSignal(PipelineSignals.QuotaSettled)]
    public Task SettleAsync(QuotaSettlement settlement)
    {
        _changed |= _ledger.Settle(settlement, settlement.CredentialsRejected);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Operator or test: YouTube's day rolled over now (e.g. the simulated clock of the sandbox, or
    /// quota restored by Google) — the budget is whole again without waiting for our timer.
    /// </summary>
    [WorkflowSignal]
    public Task ResetDayAsync()
    {
        _ledger.Reset(_ledger.Day);
        _changed = true;
        return Task.CompletedTask;
    }

    /// <summary>
    /// A worker started and says which credentials it calls YouTube with (a fingerprint, never the secrets). Requests
    /// parked because YouTube refused other credentials are granted again.
    /// </summary>
    [WorkflowSignal]
    public Task CredentialsInUseAsync(string fingerprint)
    {
        _changed |= _ledger.UseCredentials(fingerprint);
        return Task.CompletedTask;
    }

    /// <summary>Operator: change the daily budget and the reserve sweeps may not touch.</summary>
    [WorkflowSignal]
    public Task SetBudgetAsync(QuotaBudget budget)
    {
        _ledger.SetBudget(budget.DailyBudget, budget.SweepReserve);
        _changed = true;
        return Task.CompletedTask;
    }

    private async Task DeliverAsync(QuotaRequest request, QuotaGrant grant)
    {
        try
        {
            await Workflow.GetExternalWorkflowHandle(request.RequesterWorkflowId).SignalAsync(PipelineSignals.QuotaGranted, [grant]);
        }
        catch (TemporalException e)
        {
            // The requester is gone (deleted episode, terminated run): give the units back.
            Workflow.Logger.LogInformation("Quota grant for {Requester} undeliverable: {Error}", request.RequesterWorkflowId, e.Message);
            _ledger.Settle(new QuotaSettlement(grant.RequestId, 0, false));
            _changed = true;
        }
    }
}

using RawkodeAutomation.Workflows.Activities;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace RawkodeAutomation.Workflows;

/// <summary>
/// One per commit (<c>commit/&lt;sha&gt;</c>): reads the commit's files, validates them, signals the
/// affected entities and reports the status back to the commit. Started with a reject-duplicate id
/// policy, so the same commit delivered twice is applied once; and the entities ignore a spec they
/// already hold, so even a second application changes nothing.
/// </summary>
[Workflow]
public sealed class CommitWorkflow
{
    private CommitPhase _phase = CommitPhase.Starting;
    private CommitOutcome? _outcome;

    /// <summary>Where the commit is.</summary>
    [WorkflowQuery]
    public CommitPhase Phase => _phase;

    /// <summary>The outcome, once known.</summary>
    [WorkflowQuery]
    public CommitOutcome? Outcome => _outcome;

    [WorkflowRun]
    public async Task<CommitOutcome> RunAsync(CommitInput input)
    {
        _phase = CommitPhase.Reporting;
        await ReportAsync(input, "pending", "rawkode: validating and applying episodes/");
        _phase = CommitPhase.Applying;
        CommitOutcome outcome;
        try
        {
            outcome = await ActivityCalls.RunAsync((ICommitActivities a) => a.ApplyCommitAsync(input), PipelineActivityOptions.Long);
        }
        catch (ActivityFailureException e)
        {
            var message = e.InnerException?.Message ?? e.Message;
            _outcome = new CommitOutcome(input.Sha, false, [message], [], [], [], "could not read the commit: " + message);
            await ReportAsync(input, "error", Truncate(_outcome.Summary));
            _phase = CommitPhase.Failed;
            return _outcome;
        }
        _outcome = outcome;
        await ReportAsync(input, outcome.Valid ? "success" : "failure", Truncate(outcome.Summary), outcome.Errors);
        _phase = outcome.Valid ? CommitPhase.Done : CommitPhase.Failed;
        return outcome;
    }

    private static async Task ReportAsync(CommitInput input, string state, string description, IReadOnlyList<string>? details = null)
    {
        try
        {
            await ActivityCalls.RunAsync(
                (ICommitActivities a) => a.ReportCommitStatusAsync(new CommitStatusInput(input.Sha, state, description, input.RunUrl, details)),
                PipelineActivityOptions.Short);
        }
        catch (ActivityFailureException)
        {
            // A status that cannot be posted must not stop the channel from being reconciled.
        }
    }

    // GitHub limits a status description to 140 characters.
    private static string Truncate(string s) => s.Length <= 140 ? s : s[..137] + "...";
}

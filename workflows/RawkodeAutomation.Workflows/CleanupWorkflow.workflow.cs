using RawkodeAutomation.Workflows.Activities;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace RawkodeAutomation.Workflows;

/// <summary>
/// The cleanup entity (<see cref="WorkflowIds.Cleanup"/>): clusters past their TTL, broadcasts whose
/// episode is gone, anything labelled as ours that nothing owns. A long-running workflow with a
/// durable timer between passes, because the offline server has no Schedules; on a real Temporal
/// Service a Schedule can start the same activity instead.
/// </summary>
[Workflow]
public sealed class CleanupWorkflow
{
    private int _iterations;
    private CleanupReport? _last;
    private string? _lastError;
    private DateTimeOffset? _next;
    private bool _runNow;

    /// <summary>Passes so far, the last report, the next pass.</summary>
    [WorkflowQuery]
    public CleanupStatus State => new(_iterations, _last, _lastError, _next);

    [WorkflowRun]
    public async Task RunAsync(CleanupWorkflowInput input)
    {
        _iterations = input.Iterations;
        _last = input.LastReport;
        for (var pass = 0; pass < 50; pass++)
        {
            try
            {
                _last = await ActivityCalls.RunAsync(
                    (ICleanupActivities a) => a.CleanupAsync(new CleanupInput(Workflow.UtcNow)), PipelineOptions.Long);
                _lastError = null;
            }
            catch (ActivityFailureException e)
            {
                _lastError = e.InnerException?.Message ?? e.Message;
            }
            _iterations++;
            _runNow = false;
            _next = Workflow.UtcNow + input.Interval;
            await Workflow.WaitConditionAsync(() => _runNow, input.Interval);
            _next = null;
        }
        // Fifty passes per run keeps the history small.
        var next = input with { Iterations = _iterations, LastReport = _last };
        throw Workflow.CreateContinueAsNewException((CleanupWorkflow wf) => wf.RunAsync(next));
    }

    /// <summary>Operator: run a pass now instead of waiting for the timer.</summary>
    [WorkflowSignal]
    public Task RunNowAsync()
    {
        _runNow = true;
        return Task.CompletedTask;
    }
}

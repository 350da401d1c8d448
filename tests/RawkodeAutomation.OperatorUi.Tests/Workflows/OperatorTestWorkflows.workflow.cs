using Temporalio.Common;
using Temporalio.Workflows;

namespace RawkodeAutomation.OperatorUi.Tests.Workflows;

/// <summary>What an operator approves: the input the page must decode and show.</summary>
public sealed record ApprovalRequest(string Episode, string Note);

/// <summary>The answer of <see cref="ApprovalWorkflow.State"/>.</summary>
public sealed record ApprovalState(bool Approved, string? Note);

/// <summary>Waits for an operator's <c>Approve</c> signal, then completes with the note it carried.</summary>
[Workflow]
public sealed class ApprovalWorkflow
{
    private string? _note;

    [WorkflowRun]
    public async Task<string> RunAsync(ApprovalRequest request)
    {
        await Workflow.WaitConditionAsync(() => _note is not null);
        return $"approved {request.Episode}: {_note}";
    }

    /// <summary>What an operator asks: approved yet, and with which note.</summary>
    [WorkflowQuery]
    public ApprovalState State() => new(_note is not null, _note);

    [WorkflowSignal]
    public Task ApproveAsync(string note)
    {
        _note = note;
        return Task.CompletedTask;
    }
}

/// <summary>Fails at once with an application error, so the page has a failure to show.</summary>
[Workflow]
public sealed class FailingWorkflow
{
    [WorkflowRun]
    public Task RunAsync() => throw new Temporalio.Exceptions.ApplicationFailureException("thumbnail template 'klustered' not found", errorType: "TemplateMissing", nonRetryable: true);
}

/// <summary>Runs an activity that always fails, so the page has a pending activity with attempts and a last failure.</summary>
[Workflow]
public sealed class RetryingWorkflow
{
    [WorkflowRun]
    public Task RunAsync() => Workflow.ExecuteActivityAsync(
        () => OperatorTestActivities.CallSandbox(),
        new ActivityOptions
        {
            StartToCloseTimeout = TimeSpan.FromSeconds(10),
            RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromMilliseconds(300), BackoffCoefficient = 1, MaximumAttempts = 0 },
        });
}

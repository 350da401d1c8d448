using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RawkodeAutomation.GitHub;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace RawkodeAutomation.Worker.Activities;

/// <summary>
/// The GitHub area's <see cref="ICommitSink"/>: every observed commit (webhook or local watcher)
/// starts <c>commit/&lt;sha&gt;</c>. The id is rejected when that commit already ran, so a redelivered
/// webhook or a restarted watcher applies a commit once.
/// </summary>
public sealed class TemporalCommitSink(ITemporalClient client, IOptions<PipelineOptions> options, TimeProvider time, ILogger<TemporalCommitSink> logger)
    : ICommitSink
{
    public async Task CommitObservedAsync(CommitObserved commit, CancellationToken cancellationToken)
    {
        var run = await StartAsync(client, options.Value, new CommitInput(commit.Sha, commit.Before, time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Commit {Sha} on {Branch}: {Result}", GitShas.Short(commit.Sha), commit.Branch, run is null ? "already applied" : "applying");
    }

    /// <summary>Starts the commit workflow; null when the commit was already applied (or is being applied).</summary>
    public static async Task<WorkflowHandle<CommitWorkflow, CommitOutcome>?> StartAsync(
        ITemporalClient client, PipelineOptions options, CommitInput input, CancellationToken cancellationToken)
    {
        var url = options.RunUrlTemplate?.Replace("{sha}", input.Sha, StringComparison.Ordinal);
        var withUrl = input with { RunUrl = input.RunUrl ?? url };
        try
        {
            return await client.StartWorkflowAsync(
                (CommitWorkflow wf) => wf.RunAsync(withUrl),
                new WorkflowOptions(WorkflowIds.Commit(input.Sha), options.TaskQueue)
                {
                    IdReusePolicy = WorkflowIdReusePolicy.RejectDuplicate,
                    Rpc = new RpcOptions { CancellationToken = cancellationToken },
                }).ConfigureAwait(false);
        }
        catch (WorkflowAlreadyStartedException)
        {
            return null;
        }
    }
}

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RawkodeAutomation.Episodes.Model;
using RawkodeAutomation.Episodes.Planning;
using RawkodeAutomation.GitHub;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.Worker.Seams;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Activities;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Activities;
using Temporalio.Client;

namespace RawkodeAutomation.Worker.Activities;

/// <summary>
/// <see cref="ICommitActivities"/>: reads a commit through <see cref="IEpisodeSource"/> (GitHub or the
/// local checkout), builds the desired state, computes the commit's <see cref="ChannelChange"/> against the
/// previous head (the same change <c>rawkode plan</c> prints) and signals (with start) exactly the entities it
/// names. An invalid commit signals nothing.
/// </summary>
public sealed class CommitActivities(
    IEpisodeSource source,
    ICommitStatusReporter reporter,
    IDesiredStateBuilder builder,
    ITemporalClient client,
    IOptions<PipelineOptions> options,
    ILogger<CommitActivities> logger) : ICommitActivities
{
    [Activity]
    public async Task<CommitOutcome> ApplyCommitAsync(CommitInput input)
    {
        var token = ActivityExecutionContext.Current.CancellationToken;
        var files = await source.GetEpisodeFilesAsync(input.Sha, token).ConfigureAwait(false);
        var state = builder.Build(files, input.Sha, input.ObservedAt);
        if (state.Errors.Count > 0)
        {
            var summary = state.Errors.Count == 1 ? $"1 error: {state.Errors[0]}" : $"{state.Errors.Count} errors; first: {state.Errors[0]}";
            return new CommitOutcome(input.Sha, false, state.Errors, [], [], [], summary);
        }

        var previous = DesiredState.Invalid([]);
        if (!input.Full && !GitShas.IsNone(input.Before))
        {
            var before = await source.GetEpisodeFilesAsync(input.Before!, token).ConfigureAwait(false);
            previous = builder.Build(before, input.Before!, input.ObservedAt);
        }

        // A previous head that did not validate was never applied: compare against nothing (everything is new).
        var change = ChannelChange.Compute(previous.Errors.Count > 0 ? EpisodeRepository.Empty : previous.Repository, state.Repository,
            new ChangeOptions { Now = input.ObservedAt });
        await SignalAsync(change, state, input, token).ConfigureAwait(false);
        var summaryText = change.Summary();
        logger.LogInformation("Commit {Sha}: {Summary}", GitShas.Short(input.Sha), summaryText);
        return new CommitOutcome(
            input.Sha,
            true,
            [],
            [.. change.Signalled.Select(e => e.EpisodeId)],
            change.Deleted,
            [.. change.PersonSweeps.Keys],
            summaryText);
    }

    [Activity]
    public async Task<CommitStatusResult> ReportCommitStatusAsync(CommitStatusInput input)
    {
        var state = input.State switch
        {
            "pending" => CommitStatusState.Pending,
            "success" => CommitStatusState.Success,
            "failure" => CommitStatusState.Failure,
            _ => CommitStatusState.Error,
        };
        var url = input.TargetUrl ?? options.Value.RunUrlTemplate?.Replace("{sha}", input.Sha, StringComparison.Ordinal);
        await reporter.ReportAsync(input.Sha, new CommitStatusReport(state, input.Description, input.Details, url), ActivityExecutionContext.Current.CancellationToken)
            .ConfigureAwait(false);
        return new CommitStatusResult(true, reporter.GetType().Name);
    }

    [Activity]
    public async Task<SignalEpisodesResult> SignalEpisodesAsync(SignalEpisodesInput input)
    {
        var token = ActivityExecutionContext.Current.CancellationToken;
        var files = await source.GetEpisodeFilesAsync(input.Commit, token).ConfigureAwait(false);
        var state = builder.Build(files, input.Commit, input.CommitTime);
        List<string> signaled = [], missing = [];
        List<SpecChanged> changes = [];
        foreach (var id in input.EpisodeIds)
        {
            if (state.Episodes.TryGetValue(id, out var desired))
            {
                changes.Add(new SpecChanged(id, desired, false, input.Reason, input.Commit, input.CommitTime, input.NotifyWorkflowId));
                signaled.Add(id);
            }
            else
            {
                missing.Add(id);
            }
        }
        await EntitySignals.SignalEpisodesAsync(client, options.Value, changes, token).ConfigureAwait(false);
        return new SignalEpisodesResult(signaled, missing);
    }

    private async Task SignalAsync(ChannelChange change, DesiredState state, CommitInput input, CancellationToken token)
    {
        var changes = change.Signalled
            .Select(e => new SpecChanged(e.EpisodeId, state.Episodes[e.EpisodeId], false,
                e.Route == ChangeRoute.Edited ? ChangeReason.EpisodeEdited : ChangeReason.Sweep, input.Sha, input.ObservedAt))
            .Concat(change.Deleted.Select(id => new SpecChanged(id, null, true, ChangeReason.EpisodeEdited, input.Sha, input.ObservedAt)))
            .ToList();
        await EntitySignals.SignalEpisodesAsync(client, options.Value, changes, token).ConfigureAwait(false);
        foreach (var (personId, episodes) in change.PersonSweeps)
        {
            ActivityExecutionContext.Current.Heartbeat();
            var personChange = new PersonChange(personId, input.Sha, input.ObservedAt, episodes);
            var workflowOptions = new WorkflowOptions(WorkflowIds.Person(personId), options.Value.TaskQueue);
            workflowOptions.SignalWithStart((PersonWorkflow wf) => wf.PersonChangedAsync(personChange));
            await client.StartWorkflowAsync(
                (PersonWorkflow wf) => wf.RunAsync(new PersonWorkflowInput(personId, options.Value.SweepBatchSize, null)),
                workflowOptions).ConfigureAwait(false);
        }
    }
}

/// <summary>Signal-with-start of episode entities, a bounded number at a time.</summary>
public static class EntitySignals
{
    /// <summary>Delivers each change to <c>episode/&lt;id&gt;</c>, starting the entity if needed.</summary>
    public static Task SignalEpisodesAsync(ITemporalClient client, PipelineOptions options, IReadOnlyList<SpecChanged> changes, CancellationToken token) =>
        Parallel.ForEachAsync(changes, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.SignalParallelism), CancellationToken = token }, async (change, _) =>
        {
            var workflowOptions = new WorkflowOptions(WorkflowIds.Episode(change.EpisodeId), options.TaskQueue);
            workflowOptions.SignalWithStart((EpisodeWorkflow wf) => wf.SpecChangedAsync(change));
            await client.StartWorkflowAsync((EpisodeWorkflow wf) => wf.RunAsync(new EpisodeWorkflowInput(change.EpisodeId, null)), workflowOptions)
                .ConfigureAwait(false);
        });
}

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
using Temporalio.Exceptions;

namespace RawkodeAutomation.Worker.Activities;

/// <summary>
/// <see cref="ICommitActivities"/>: reads a commit through <see cref="IEpisodeSource"/> (GitHub or the
/// local checkout), builds the desired state, computes the commit's <see cref="ChannelChange"/> against the
/// previous head (the same change <c>rawkode plan</c> prints) and signals (with start) exactly the entities it
/// names. An invalid commit signals nothing.
/// </summary>
/// <remarks>
/// Commits are ordered by git history, not by when they arrive (<see cref="ICommitHistory"/>): a commit already in the
/// past of the branch head (a late or redelivered push) still names the entities it touches, but they are told what the
/// head says, so the channel never rolls back. A commit compared against nothing (the first one <c>rawkode up</c>
/// applies, a new branch, or a previous head that did not validate) also reconciles the set of running episode entities
/// with the tree: an entity whose episode is gone is cancelled as if its deletion had been seen.
/// </remarks>
public sealed class CommitActivities(
    IEpisodeSource source,
    ICommitStatusReporter reporter,
    IDesiredStateBuilder builder,
    ITemporalClient client,
    IOptions<PipelineOptions> options,
    ILogger<CommitActivities> logger,
    ICurrentRevision revision,
    ICommitHistory history) : ICommitActivities
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

        var (target, targetCommit) = await NewestAsync(input.Sha, state, input.ObservedAt, token).ConfigureAwait(false);
        if (target is null)
        {
            return new CommitOutcome(input.Sha, true, [], [], [], [],
                $"behind the branch head {GitShas.Short(targetCommit)}, which does not validate: nothing applied (the head's fix applies everything)");
        }

        var previous = DesiredState.Invalid([]);
        if (!input.Full && !GitShas.IsNone(input.Before))
        {
            var before = await source.GetEpisodeFilesAsync(input.Before!, token).ConfigureAwait(false);
            previous = builder.Build(before, input.Before!, input.ObservedAt);
        }

        ChannelChange change;
        IReadOnlyList<string> unplanned = [];
        var changeOptions = new ChangeOptions { Now = input.ObservedAt };
        var againstNothing = input.Full || GitShas.IsNone(input.Before) || previous.Errors.Count > 0;
        if (againstNothing)
        {
            // Compared against nothing (everything is new), a change has no deletions of its own: the running entities
            // say what was applied before, and those the tree no longer has are the deletions (a rename or a delete
            // committed while `up` was down, or in a commit that did not validate).
            (var gone, unplanned) = await RunningEntitiesGoneFromAsync(target, targetCommit, input.ObservedAt, token).ConfigureAwait(false);
            change = ChannelChange.Compute(gone, target.Repository, changeOptions);
        }
        else
        {
            // The commit's own change says whom it touches; what they are told comes from the target (the head when
            // this commit is already behind it).
            change = ChannelChange.Compute(previous.Repository, state.Repository, changeOptions);
        }

        await SignalAsync(change, unplanned, target, targetCommit, input, token).ConfigureAwait(false);
        var summaryText = change.Summary();
        if (againstNothing)
        {
            // Every episode is compared with what its entity already applied: the units are what an empty channel
            // would cost, an upper bound; entities already in step make no calls at all.
            summaryText += " at most (a full apply: episodes already in step make no calls)";
        }
        if (unplanned.Count > 0)
        {
            summaryText += $"; {unplanned.Count} running entit{(unplanned.Count == 1 ? "y" : "ies")} without a readable spec cancelled";
        }
        if (targetCommit != input.Sha)
        {
            summaryText = $"behind the branch head {GitShas.Short(targetCommit)}: its episodes get the head's specs; " + summaryText;
        }
        logger.LogInformation("Commit {Sha}: {Summary}", GitShas.Short(input.Sha), summaryText);
        return new CommitOutcome(
            input.Sha,
            true,
            [],
            [.. change.Signalled.Select(e => e.EpisodeId)],
            [.. change.Deleted.Concat(unplanned)],
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
        var (state, _) = await NewestAsync(input.Commit, builder.Build(files, input.Commit, input.CommitTime), input.CommitTime, token).ConfigureAwait(false);
        List<string> signaled = [], missing = [];
        List<SpecChanged> changes = [];
        foreach (var id in input.EpisodeIds)
        {
            // A sweep behind a head that does not validate tells nobody (it would roll back); the sweep counts them as done.
            if (state is not null && state.Episodes.TryGetValue(id, out var desired))
            {
                changes.Add(new SpecChanged(id, desired, false, input.Reason, desired.Commit, input.CommitTime, input.NotifyWorkflowId,
                    input.Observed?.FirstOrDefault(o => o.EpisodeId == id)));
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

    /// <summary>
    /// What the entities a commit touches are told: the commit's own state, unless the commit is already in the past of
    /// the branch head (delivered late, or redelivered), then the head's state, so a late commit never rolls an episode
    /// back. Null when the head it is behind does not validate (nothing is applied then; the head's fix applies everything).
    /// Only a commit behind the head is replaced: a commit the head does not contain (a force-push) keeps arrival order.
    /// </summary>
    /// <returns>The state to tell, and the commit it was read at (<paramref name="sha"/>, or the head it is behind).</returns>
    private async Task<(DesiredState? State, string Commit)> NewestAsync(string sha, DesiredState state, DateTimeOffset at, CancellationToken token)
    {
        var head = await revision.ResolveAsync(token).ConfigureAwait(false);
        if (string.IsNullOrEmpty(head) || string.Equals(head, sha, StringComparison.Ordinal)
            || !await history.IsAncestorAsync(sha, head, token).ConfigureAwait(false))
        {
            return (state, sha);
        }
        var newest = builder.Build(await source.GetEpisodeFilesAsync(head, token).ConfigureAwait(false), head, at);
        return (newest.Errors.Count == 0 ? newest : null, head);
    }

    /// <summary>
    /// The running episode entities whose episode <paramref name="target"/> no longer has, as the "before" tree of a change
    /// (each loaded at the commit its entity holds, so the change prices and names its deletion, renames included), and
    /// the ids of those whose spec cannot be read any more (their commit was rewritten away): still cancelled.
    /// </summary>
    /// <remarks>
    /// The set of entities comes from Temporal visibility (running <c>EpisodeWorkflow</c>s, ids from
    /// <see cref="WorkflowIds.EpisodeIdOf"/>), the way the status page and the cleanup see them: the entities are the
    /// record of what was applied, so there is no separate "last applied commit" to keep in step with them or to lose.
    /// An entity holding a spec from a commit newer than the target (in the target's future) is left alone.
    /// </remarks>
    private async Task<(EpisodeRepository Gone, IReadOnlyList<string> Unplanned)> RunningEntitiesGoneFromAsync(
        DesiredState target, string targetCommit, DateTimeOffset at, CancellationToken token)
    {
        var orphans = new List<(string Id, string? Commit)>();
        var query = $"WorkflowType = '{nameof(EpisodeWorkflow)}' AND ExecutionStatus = 'Running'";
        await foreach (var wf in client.ListWorkflowsAsync(query, new() { Rpc = new() { CancellationToken = token } }).ConfigureAwait(false))
        {
            if (WorkflowIds.EpisodeIdOf(wf.Id) is not { } id || target.Episodes.ContainsKey(id))
            {
                continue;
            }
            ActivityExecutionContext.Current.Heartbeat();
            string? commit;
            try
            {
                var status = await client.GetWorkflowHandle<EpisodeWorkflow>(wf.Id).QueryAsync(w => w.State, new() { Rpc = new() { CancellationToken = token } })
                    .ConfigureAwait(false);
                commit = status.Desired?.Commit;
            }
            catch (Exception e) when (e is RpcException or WorkflowQueryFailedException)
            {
                // Completed between the list and the query: nothing to cancel.
                continue;
            }
            if (commit is not null && !string.Equals(commit, targetCommit, StringComparison.Ordinal)
                && await history.IsAncestorAsync(targetCommit, commit, token).ConfigureAwait(false))
            {
                // Its spec is newer than the tree applied here (a commit landed meanwhile): that commit decides, not this one.
                continue;
            }
            orphans.Add((id, commit));
        }

        List<string> unplanned = [];
        Dictionary<string, Show> shows = new(StringComparer.Ordinal);
        Dictionary<string, Person> people = new(StringComparer.Ordinal);
        Dictionary<string, Episode> episodes = new(StringComparer.Ordinal);
        Dictionary<string, DescriptionTemplate> templates = new(StringComparer.Ordinal);
        Dictionary<string, byte[]> avatars = new(StringComparer.Ordinal);
        foreach (var group in orphans.GroupBy(o => o.Commit))
        {
            EpisodeRepository? repository = null;
            if (group.Key is { } commit)
            {
                try
                {
                    var built = builder.Build(await source.GetEpisodeFilesAsync(commit, token).ConfigureAwait(false), commit, at);
                    repository = built.Errors.Count == 0 ? built.Repository : null;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning("Commit {Sha} held by {Count} running episode(s) cannot be read ({Error}); they are cancelled without a plan",
                        GitShas.Short(commit), group.Count(), e.Message);
                }
            }
            foreach (var (id, _) in group)
            {
                if (repository?.Episodes.GetValueOrDefault(id) is not { } episode || !repository.Shows.TryGetValue(episode.ShowId, out var show))
                {
                    unplanned.Add(id);
                    continue;
                }
                episodes[id] = episode;
                shows.TryAdd(episode.ShowId, show);
                foreach (var (key, value) in repository.People)
                {
                    people.TryAdd(key, value);
                }
                foreach (var (key, value) in repository.Avatars)
                {
                    avatars.TryAdd(key, value);
                }
                if (repository.DescriptionTemplates.TryGetValue(episode.ShowId, out var template))
                {
                    templates.TryAdd(episode.ShowId, template);
                }
            }
        }
        var gone = new EpisodeRepository(shows, people, episodes) { DescriptionTemplates = templates, Avatars = avatars };
        return (gone, unplanned);
    }

    /// <summary>
    /// Signals the change's entities with what <paramref name="target"/> says about each: its spec, or its deletion when
    /// the target does not have it (the same as the change's own answer unless the commit is behind the head).
    /// </summary>
    private async Task SignalAsync(
        ChannelChange change, IReadOnlyList<string> unplanned, DesiredState target, string targetCommit, CommitInput input, CancellationToken token)
    {
        SpecChanged Told(string id, ChangeReason reason) => target.Episodes.TryGetValue(id, out var desired)
            ? new SpecChanged(id, desired, false, reason, desired.Commit, input.ObservedAt)
            : new SpecChanged(id, null, true, ChangeReason.EpisodeEdited, targetCommit, input.ObservedAt);
        var changes = change.Signalled
            .Select(e => Told(e.EpisodeId, e.Route == ChangeRoute.Edited ? ChangeReason.EpisodeEdited : ChangeReason.Sweep))
            .Concat(change.Deleted.Concat(unplanned).Select(id => Told(id, ChangeReason.EpisodeEdited)))
            .ToList();
        await EntitySignals.SignalEpisodesAsync(client, options.Value, changes, token).ConfigureAwait(false);
        foreach (var (personId, episodes) in change.PersonSweeps)
        {
            ActivityExecutionContext.Current.Heartbeat();
            var personChange = new PersonChange(personId, targetCommit, input.ObservedAt, episodes);
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
            await client.StartWorkflowAsync((EpisodeWorkflow wf) => wf.RunAsync(new EpisodeWorkflowInput(change.EpisodeId, null, options.FixPollInterval)), workflowOptions)
                .ConfigureAwait(false);
        });
}

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RawkodeAutomation.GitHub;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.Worker.Seams;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Activities;
using RawkodeAutomation.Workflows.Contracts;
using RawkodeAutomation.Workflows.Decisions;
using Temporalio.Activities;
using Temporalio.Client;

namespace RawkodeAutomation.Worker.Activities;

/// <summary>
/// <see cref="ICommitActivities"/>: reads a commit through <see cref="IEpisodeSource"/> (GitHub or the
/// local checkout), builds the desired state, and signals (with start) exactly the entities whose spec
/// differs from the previous head. An invalid commit signals nothing.
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

        var full = input.Full || GitShas.IsNone(input.Before);
        var previous = DesiredState.Invalid([]);
        HashSet<string> changedPaths = [];
        if (!full)
        {
            var before = await source.GetEpisodeFilesAsync(input.Before!, token).ConfigureAwait(false);
            previous = builder.Build(before, input.Before!, input.ObservedAt);
            // A previous head that did not validate was never applied: compare against nothing.
            full = previous.Errors.Count > 0;
            foreach (var change in await source.GetChangedPathsAsync(input.Before, input.Sha, token).ConfigureAwait(false))
            {
                changedPaths.Add(change.Path);
            }
        }

        var effects = CommitEffects.Compute(state, full ? DesiredState.Invalid([]) : previous, changedPaths, full);
        await SignalAsync(effects, input, token).ConfigureAwait(false);
        var summaryText = effects.Summary();
        logger.LogInformation("Commit {Sha}: {Summary}", GitShas.Short(input.Sha), summaryText);
        return new CommitOutcome(
            input.Sha,
            true,
            [],
            [.. effects.Direct.Select(d => d.EpisodeId)],
            effects.Deleted,
            [.. effects.PersonSweeps.Keys],
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

    private async Task SignalAsync(CommitEffects effects, CommitInput input, CancellationToken token)
    {
        var changes = effects.Direct
            .Select(d => new SpecChanged(d.EpisodeId, d.Desired, false, d.Reason, input.Sha, input.ObservedAt))
            .Concat(effects.Deleted.Select(id => new SpecChanged(id, null, true, ChangeReason.EpisodeEdited, input.Sha, input.ObservedAt)))
            .ToList();
        await EntitySignals.SignalEpisodesAsync(client, options.Value, changes, token).ConfigureAwait(false);
        foreach (var (personId, episodes) in effects.PersonSweeps)
        {
            ActivityExecutionContext.Current.Heartbeat();
            var change = new PersonChange(personId, input.Sha, input.ObservedAt, episodes);
            var workflowOptions = new WorkflowOptions(WorkflowIds.Person(personId), options.Value.TaskQueue);
            workflowOptions.SignalWithStart((PersonWorkflow wf) => wf.PersonChangedAsync(change));
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

/// <summary>One episode signalled directly by a commit.</summary>
public sealed record DirectChange(string EpisodeId, DesiredEpisode Desired, ChangeReason Reason);

/// <summary>
/// Which entities a commit touches, as a pure function of the desired state before and after and the
/// changed paths: an episode whose own file changed is signalled directly (live-scheduling priority);
/// one whose spec changed only because a person changed goes to that person's sweep; anything else
/// that changed (show edits, the series index) is signalled directly at sweep priority.
/// </summary>
public sealed record CommitEffects(
    IReadOnlyList<DirectChange> Direct,
    IReadOnlyList<string> Deleted,
    IReadOnlyDictionary<string, IReadOnlyList<string>> PersonSweeps)
{
    public static CommitEffects Compute(DesiredState now, DesiredState before, IReadOnlySet<string> changedPaths, bool full)
    {
        List<DirectChange> direct = [];
        var sweeps = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        var changedPeople = now.PersonFiles.Keys.Concat(before.PersonFiles.Keys).Distinct()
            .Where(p => PathsOf(now, p).Concat(PathsOf(before, p)).Any(changedPaths.Contains))
            .ToHashSet(StringComparer.Ordinal);

        foreach (var (id, desired) in now.Episodes.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (full || !before.Episodes.TryGetValue(id, out var old))
            {
                direct.Add(new DirectChange(id, desired, ChangeReason.EpisodeEdited));
                continue;
            }
            if (EpisodeDecisions.SpecFingerprint(old) == EpisodeDecisions.SpecFingerprint(desired))
            {
                continue;
            }
            var ownFileChanged = now.EpisodeFiles.TryGetValue(id, out var path) && changedPaths.Contains(path);
            if (ownFileChanged)
            {
                direct.Add(new DirectChange(id, desired, ChangeReason.EpisodeEdited));
                continue;
            }
            var person = now.PeopleOfEpisode.GetValueOrDefault(id, []).Where(changedPeople.Contains).Order(StringComparer.Ordinal).FirstOrDefault();
            if (person is not null)
            {
                if (!sweeps.TryGetValue(person, out var list))
                {
                    sweeps[person] = list = [];
                }
                list.Add(id);
            }
            else
            {
                direct.Add(new DirectChange(id, desired, ChangeReason.Sweep));
            }
        }
        var deleted = before.Episodes.Keys.Where(id => !now.Episodes.ContainsKey(id)).Order(StringComparer.Ordinal).ToList();
        return new CommitEffects(direct, deleted, sweeps.ToDictionary(s => s.Key, s => (IReadOnlyList<string>)s.Value, StringComparer.Ordinal));
    }

    private static IEnumerable<string> PathsOf(DesiredState state, string personId) => state.PersonFiles.GetValueOrDefault(personId, []);

    /// <summary>One line for the commit status.</summary>
    public string Summary()
    {
        var edited = Direct.Count(d => d.Reason == ChangeReason.EpisodeEdited);
        var swept = Direct.Count(d => d.Reason == ChangeReason.Sweep) + PersonSweeps.Values.Sum(v => v.Count);
        var parts = new List<string> { $"{edited} episode(s) to reconcile" };
        if (swept > 0)
        {
            parts.Add($"{swept} description(s) to sweep");
        }
        if (Deleted.Count > 0)
        {
            parts.Add($"{Deleted.Count} episode(s) deleted");
        }
        if (PersonSweeps.Count > 0)
        {
            parts.Add($"people changed: {string.Join(", ", PersonSweeps.Keys)}");
        }
        return string.Join("; ", parts);
    }
}

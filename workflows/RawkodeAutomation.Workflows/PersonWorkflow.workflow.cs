using Microsoft.Extensions.Logging;
using RawkodeAutomation.Episodes.Quota;
using RawkodeAutomation.Workflows.Activities;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace RawkodeAutomation.Workflows;

/// <summary>
/// One per person (<c>person/&lt;id&gt;</c>). When the person changes, the commit hands over every
/// episode whose rendered description changes because of them (from the dependency graph); this
/// entity sweeps them in batches, in id order, and waits for each episode to report back, so the
/// sweep's progress is visible and nothing is skipped or done twice. The episodes reserve their
/// quota at sweep priority, so a sweep that runs out of quota pauses until the reset.
/// </summary>
/// <remarks>
/// Before it signals a batch, the sweep reads the videos of the next (up to) 50 episodes it owes in one videos.list call
/// (<see cref="IYouTubeActivities.ObserveVideosAsync"/>, 1 unit at sweep priority) and hands each episode what it read, so
/// a bio edit touching N videos costs ⌈N/50⌉ reads plus 50 units per description that actually changes, not N reads.
/// </remarks>
[Workflow]
public sealed class PersonWorkflow
{
    /// <summary>How long a batched read is trusted: later batches (after a wait for quota, say) are read again.</summary>
    internal static readonly TimeSpan ObservationMaxAge = TimeSpan.FromMinutes(10);

    private readonly QuotaGate _quota;
    private readonly Dictionary<string, ObservedVideo> _observed = new(StringComparer.Ordinal);
    private long _unitsSpent;
    private string _personId = "";
    private string? _lastCommit;
    private DateTimeOffset _lastCommitTime;
    private List<SweepItem> _pending = [];
    private List<SweepItem> _inFlight = [];
    private List<string> _done = [];
    private List<string> _failed = [];
    private int _sweeps;

    /// <summary>Sweep progress: pending, in flight, done, failed.</summary>
    [WorkflowQuery]
    public PersonStatus State => new(
        _personId, _lastCommit, _pending.Count, _inFlight.Count, _done.Count, [.. _failed], _sweeps, _pending.Count + _inFlight.Count > 0);

    /// <summary>Restores carried state before any signal of the new run is delivered.</summary>
    [WorkflowInit]
    public PersonWorkflow(PersonWorkflowInput input)
    {
        _quota = new QuotaGate(units => _unitsSpent += units, _ => { });
        _personId = input.PersonId;
        if (input.Carried is { } m)
        {
            _lastCommit = m.LastCommit;
            _lastCommitTime = m.LastCommitTime;
            _pending = [.. m.Pending];
            _inFlight = [.. m.InFlight];
            _done = [.. m.Done];
            _failed = [.. m.Failed];
            _sweeps = m.Sweeps;
        }
    }

    [WorkflowRun]
    public async Task RunAsync(PersonWorkflowInput input)
    {
        var batchSize = Math.Max(1, input.BatchSize);
        while (true)
        {
            await Workflow.WaitConditionAsync(() => _pending.Count > 0 || _inFlight.Count > 0);
            if (_inFlight.Count == 0)
            {
                var batch = _pending.Take(batchSize).ToList();
                _pending.RemoveRange(0, batch.Count);
                _inFlight.AddRange(batch);
                await ObserveAsync(batch);
                foreach (var group in batch.GroupBy(b => (b.Commit, b.CommitTime)))
                {
                    var ids = group.Select(b => b.EpisodeId).ToList();
                    var (commit, commitTime) = group.Key;
                    List<ObservedVideo> read = [.. ids.Select(id => _observed.GetValueOrDefault(id)).OfType<ObservedVideo>()];
                    var observed = read.Count > 0 ? read : null;
                    foreach (var id in ids)
                    {
                        _observed.Remove(id);
                    }
                    try
                    {
                        var signaled = await ActivityCalls.RunAsync(
                            (ICommitActivities a) => a.SignalEpisodesAsync(
                                new SignalEpisodesInput(commit, commitTime, ids, ChangeReason.Sweep, Workflow.Info.WorkflowId,
                                    observed)),
                            PipelineActivityOptions.Short);
                        foreach (var missing in signaled.Missing)
                        {
                            // Deleted since: nothing to rewrite.
                            Complete(missing, succeeded: true);
                        }
                    }
                    catch (ActivityFailureException)
                    {
                        foreach (var id in ids)
                        {
                            Complete(id, succeeded: false);
                        }
                    }
                }
            }
            await Workflow.WaitConditionAsync(() => _inFlight.Count == 0);
            if (_pending.Count == 0 && Workflow.ContinueAsNewSuggested && Workflow.AllHandlersFinished)
            {
                var next = input with { Carried = new PersonMemory(_lastCommit, _lastCommitTime, [], [], [], [.. _failed], _sweeps) };
                throw Workflow.CreateContinueAsNewException((PersonWorkflow wf) => wf.RunAsync(next));
            }
        }
    }

    /// <summary>
    /// Reads the videos of <paramref name="batch"/>'s episodes that have no fresh read yet, 50 episodes to a call, taking
    /// the episodes queued after it into the last call, so the next batches find theirs read already and a sweep of N
    /// episodes reads ⌈N/50⌉ times whatever its batch size. A failed read is not the sweep's failure: the episodes then
    /// read for themselves.
    /// </summary>
    private async Task ObserveAsync(List<SweepItem> batch)
    {
        var now = Workflow.UtcNow;
        foreach (var stale in _observed.Where(o => now - o.Value.ObservedAt > ObservationMaxAge).Select(o => o.Key).ToList())
        {
            _observed.Remove(stale);
        }
        while (batch.Any(b => !_observed.ContainsKey(b.EpisodeId)))
        {
            var ids = batch.Concat(_pending).Select(b => b.EpisodeId).Where(id => !_observed.ContainsKey(id)).Distinct(StringComparer.Ordinal)
                .Take(YouTubeCosts.IdsPerList).ToList();
            try
            {
                var read = await _quota.RunAsync(YouTubeCosts.Of(YouTubeCosts.VideosList), QuotaPriority.Sweep, $"person {_personId}: read {ids.Count} videos",
                    () => ActivityCalls.RunAsync((IYouTubeActivities a) => a.ObserveVideosAsync(new ObserveVideosInput(ids)), PipelineActivityOptions.Short),
                    r => r.UnitsSpent);
                foreach (var video in read.Videos)
                {
                    // Aged by the workflow's clock (the activity's is another machine's, or real time under a time-skipping test).
                    _observed[video.EpisodeId] = video with { ObservedAt = Workflow.UtcNow };
                }
                foreach (var id in ids.Where(id => !_observed.ContainsKey(id)))
                {
                    // Not answered for: observed as holding nothing, so it reads for itself and is not asked about again.
                    _observed[id] = new ObservedVideo(id, null, Workflow.UtcNow);
                }
            }
            catch (ActivityFailureException e)
            {
                Workflow.Logger.LogWarning("Sweep {Person}: reading {Count} videos failed ({Error}); each episode reads its own", _personId, ids.Count, e.Message);
                return;
            }
        }
    }

    /// <summary>The quota entity reserved units for one of our requests (the batched read).</summary>
    [WorkflowSignal(PipelineSignals.QuotaGranted)]
    public Task QuotaGrantedAsync(QuotaGrant grant)
    {
        _quota.Granted(grant);
        return Task.CompletedTask;
    }

    /// <summary>The person changed at a commit; these episodes' descriptions change with it.</summary>
    [WorkflowSignal]
    public Task PersonChangedAsync(PersonChange change)
    {
        _lastCommit = change.Commit;
        _lastCommitTime = change.CommitTime;
        _sweeps++;
        foreach (var id in change.AffectedEpisodeIds.Distinct().Order(StringComparer.Ordinal))
        {
            var queued = _pending.FindIndex(p => p.EpisodeId == id);
            if (queued >= 0)
            {
                // Already waiting: take the newer commit instead of sweeping it twice.
                _pending[queued] = new SweepItem(id, change.Commit, change.CommitTime);
            }
            else
            {
                _pending.Add(new SweepItem(id, change.Commit, change.CommitTime));
            }
            _done.Remove(id);
            _failed.Remove(id);
        }
        return Task.CompletedTask;
    }

    /// <summary>An episode finished what this sweep asked for.</summary>
    [WorkflowSignal(PipelineSignals.EpisodeSwept)]
    public Task EpisodeSweptAsync(EpisodeSweptNotice notice)
    {
        Complete(notice.EpisodeId, notice.Succeeded);
        return Task.CompletedTask;
    }

    /// <summary>Operator: sweep the failed episodes again.</summary>
    [WorkflowSignal]
    public Task RetryAsync()
    {
        foreach (var id in _failed)
        {
            _pending.Add(new SweepItem(id, _lastCommit ?? "", _lastCommitTime));
        }
        _failed.Clear();
        return Task.CompletedTask;
    }

    /// <summary>Operator (update <c>RetryFailed</c>): like the Retry signal, validated; answers with the sweep's state.</summary>
    [WorkflowUpdate("RetryFailed")]
    public async Task<PersonStatus> RetryFailedAsync()
    {
        await RetryAsync();
        return State;
    }

    /// <summary>Rejects <see cref="RetryFailedAsync"/> when no episode of the sweep failed.</summary>
    [WorkflowUpdateValidator(nameof(RetryFailedAsync))]
    public void ValidateRetryFailed()
    {
        if (_failed.Count == 0)
        {
            throw new ApplicationFailureException($"person {_personId}: no episode of the sweep failed; there is nothing to retry", "NothingToRetry");
        }
    }

    private void Complete(string episodeId, bool succeeded)
    {
        if (_inFlight.RemoveAll(i => i.EpisodeId == episodeId) == 0)
        {
            return;
        }
        if (succeeded)
        {
            if (!_done.Contains(episodeId))
            {
                _done.Add(episodeId);
            }
        }
        else if (!_failed.Contains(episodeId))
        {
            _failed.Add(episodeId);
        }
    }
}

using Microsoft.Extensions.Logging;
using RawkodeAutomation.Episodes.Quota;
using RawkodeAutomation.Workflows.Activities;
using RawkodeAutomation.Workflows.Contracts;
using RawkodeAutomation.Workflows.Decisions;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace RawkodeAutomation.Workflows;

/// <summary>
/// One per episode (<c>episode/&lt;show&gt;/&lt;slug&gt;</c>). Holds the desired spec, receives
/// <see cref="SpecChangedAsync"/> (signal-with-start) on every commit that touches it, and reconciles
/// YouTube: broadcast exists and matches, description rewritten when its text changed, thumbnail
/// uploaded when its content hash changed. Klustered episodes also run the cluster lifecycle on
/// durable timers. Deleting the file cancels the episode. Continue-as-new keeps history bounded.
/// </summary>
[Workflow]
public sealed class EpisodeWorkflow
{
    /// <summary>How often a running Klustered show is checked for the fix, unless the input says otherwise.</summary>
    private static readonly TimeSpan DefaultFixPollInterval = TimeSpan.FromSeconds(30);

    private readonly string _episodeId;
    private readonly TimeSpan? _fixPollInterval;
    private readonly QuotaGate _quota;

    /// <summary>Everything the entity knows and has done: mutated by the handlers and steps, carried whole across continue-as-new.</summary>
    private readonly EpisodeState _state;

    // What only this run needs (the signals' hand-offs to the loops, and where the loops are); none of it outlives a run.
    private EpisodePhase _phase = EpisodePhase.Idle;
    private bool _approved;
    private bool _skipRequested;
    private long _reconcilePasses;
    private ObservedVideo? _observed;
    private Task? _klusteredLoop;
    private bool _klusteredRunning;
    private DateTimeOffset? _klusteredWakeUp;
    private int _klusteredKick;

    /// <summary>Desired vs. applied, what is pending, the last result and the next wake-up.</summary>
    [WorkflowQuery]
    public EpisodeStatus State => new(
        _episodeId,
        PhaseNow,
        Busy,
        _state.Desired,
        _state.Applied,
        HistoryDecisions.Pending(EpisodeDecisions.Plan(_state.Deleted ? null : _state.Desired, _state.Applied, _state.ForceThumbnail), _state.Desired, _state.Applied.VideoId, Workflow.UtcNow),
        [.. _state.Teams],
        _state.LastResult,
        // A YouTube pass that succeeds clears its error; a failed team's stays visible until Retry, Skip or teardown.
        _state.LastError ?? _state.Teams.Where(t => t.Phase == TeamPhase.Failed).Select(t => $"team {t.Name}: {t.LastError}").FirstOrDefault(),
        _klusteredWakeUp,
        _state.QuotaUnitsSpent);

    private bool Busy => _phase is EpisodePhase.Reconciling or EpisodePhase.WaitingForQuota || _klusteredRunning
        || (_state.Dirty && !_state.Failed) || (_state.Deleted && _phase != EpisodePhase.AwaitingApproval);

    /// <summary>The YouTube side's phase, unless it is at rest and the Klustered timeline has something to say.</summary>
    private EpisodePhase PhaseNow => _phase is not (EpisodePhase.Idle or EpisodePhase.Sleeping)
        ? _phase
        : _state.Teams.Any(t => t.Phase == TeamPhase.Failed) ? EpisodePhase.Failed
        : _klusteredRunning ? EpisodePhase.Klustered
        : _klusteredWakeUp is not null ? EpisodePhase.Sleeping
        : _phase;

    private TimeSpan FixPollInterval => _fixPollInterval ?? DefaultFixPollInterval;

    private bool ShouldContinueAsNew =>
        Workflow.ContinueAsNewSuggested && Workflow.AllHandlersFinished && !_klusteredRunning;

    /// <summary>Restores carried state before any signal of the new run is delivered.</summary>
    [WorkflowInit]
    public EpisodeWorkflow(EpisodeWorkflowInput input)
    {
        _episodeId = input.EpisodeId;
        _fixPollInterval = input.FixPollInterval;
        _state = input.State ?? new EpisodeState();
        var before = _phase;
        _quota = new QuotaGate(units => _state.QuotaUnitsSpent += units, waiting =>
        {
            (before, _phase) = waiting ? (_phase, EpisodePhase.WaitingForQuota) : (before, before);
        });
    }

    [WorkflowRun]
    public async Task<EpisodeOutcome> RunAsync(EpisodeWorkflowInput input)
    {
        while (true)
        {
            if (_klusteredLoop is { IsFaulted: true } faulted)
            {
                // A bug in the Klustered timeline fails the workflow task (and is retried), as it did in the single loop.
                await faulted;
            }
            if (_state.Deleted)
            {
                if (_klusteredLoop is { } loop)
                {
                    // It stops at its next wait; its clusters are torn down below, once, not while it still provisions.
                    await Workflow.WaitConditionAsync(() => loop.IsCompleted);
                }
                return await CancelEpisodeAsync();
            }
            if (_klusteredLoop is not { IsCompleted: false })
            {
                _klusteredLoop = KlusteredLoopAsync();
            }
            if (_state.Dirty && !_state.Failed)
            {
                _state.Dirty = false;
                await ReconcileYouTubeAsync();
                _reconcilePasses++;
                await NotifySweepsAsync();
            }
            if (_state.Deleted || (_state.Dirty && !_state.Failed))
            {
                continue;
            }

            // Histories stay bounded: an entity at rest continues as new when the server suggests it (its history is long).
            if (ShouldContinueAsNew)
            {
                throw ContinueAsNew();
            }

            // The Klustered timeline keeps its own timer; PhaseNow reads the teams' state when it is asked.
            _phase = _state.Failed ? EpisodePhase.Failed : EpisodePhase.Idle;
            await Workflow.WaitConditionAsync(() => _state.Deleted || (_state.Dirty && !_state.Failed) || ShouldContinueAsNew || _klusteredLoop is { IsFaulted: true });
        }
    }

    /// <summary>A commit changed (or deleted) the episode. Older or identical specs are ignored.</summary>
    [WorkflowSignal]
    public Task SpecChangedAsync(SpecChanged change)
    {
        if (change.NotifyWorkflowId is { } notify && !_state.PendingNotifications.Contains(notify))
        {
            _state.PendingNotifications.Add(notify);
        }
        // What the sweep read of our video in its batch: the next description write uses it instead of reading again.
        // Only new sweeps send it, so older histories replay as they ran.
        if (change.Observed is { } observed)
        {
            _observed = observed;
        }
        if (change.Deleted)
        {
            if (_state.Desired is null || change.CommitTime >= _state.Desired.CommitTime)
            {
                _state.Deleted = true;
            }
            return Task.CompletedTask;
        }
        var accepted = false;
        if (change.Desired is { } desired && EpisodeDecisions.ShouldAccept(_state.Desired, desired))
        {
            accepted = true;
            _state.Desired = desired;
            _state.LastReason = change.Reason;
            // A new spec is an implicit retry: whatever failed may work with the new input.
            _state.Failed = false;
            _state.Deleted = false;
            EnsureTeams();
            _klusteredKick++;
        }
        if (!accepted && _state.Failed && change.NotifyWorkflowId is not null)
        {
            // A sweep asking again (its operator's Retry) is a retry here too: otherwise a failed episode would
            // never reconcile, never answer, and the sweep would wait for it forever.
            _state.Failed = false;
        }
        // Always re-check, even for an identical spec: a sweep waiting on us must hear back.
        _state.Dirty = true;
        return Task.CompletedTask;
    }

    /// <summary>
    /// The cleanup's drift check: YouTube no longer has the video this entity holds. A broadcast of a show still to come
    /// is forgotten and created again (with its thumbnail); anything else is only reported in the state. A notice about
    /// a video this entity no longer holds (it made a new one meanwhile) changes nothing. New histories only: older
    /// ones never received it, so replay is unaffected.
    /// </summary>
    [WorkflowSignal]
    public Task ChannelDriftAsync(ChannelDrift drift)
    {
        if (_state.Deleted || _state.Applied.VideoId != drift.VideoId)
        {
            return Task.CompletedTask;
        }
        if (drift.Recreate)
        {
            _state.Applied = new AppliedEpisode();
            _state.LastResult = $"{drift.Detail}; recreating it";
            _state.Failed = false;
            _state.Dirty = true;
        }
        else
        {
            _state.LastError = drift.Detail;
        }
        return Task.CompletedTask;
    }

    /// <summary>The quota entity reserved units for one of our requests.</summary>
    [WorkflowSignal(PipelineSignals.QuotaGranted)]
    public Task QuotaGrantedAsync(QuotaGrant grant)
    {
        _quota.Granted(grant);
        return Task.CompletedTask;
    }

    /// <summary>Operator: try the failed step again.</summary>
    [WorkflowSignal]
    public Task RetryAsync()
    {
        RetryFailedTeams();
        _state.Failed = false;
        _state.Dirty = true;
        return Task.CompletedTask;
    }

    /// <summary>Operator: accept the current state as applied (skip the failing change), or keep a published video on delete.</summary>
    [WorkflowSignal]
    public Task SkipAsync(SkipRequest request)
    {
        _skipRequested = true;
        SkipFailedTeams(request.Reason);
        if (_state.Desired is { } && !_state.Deleted && _state.Applied.VideoId is null)
        {
            // Nothing can be marked applied before the broadcast exists: everything else is written onto it.
            _state.LastResult = $"skip ignored ({request.Reason}): the broadcast does not exist yet, so there is nothing to keep; fix the episode file, or Retry";
            return Task.CompletedTask;
        }
        if (_state.Desired is { } d && !_state.Deleted)
        {
            _state.Applied = _state.Applied with
            {
                BroadcastFingerprint = _state.Applied.VideoId is null ? null : EpisodeDecisions.BroadcastFingerprint(d),
                DescriptionFingerprint = EpisodeDecisions.DescriptionFingerprint(d),
                ThumbnailFingerprint = d.ThumbnailFingerprint,
            };
            _state.Failed = false;
            _state.LastResult = $"skipped by operator: {request.Reason}";
            // The operator accepted the state as it is: the error no longer describes it.
            _state.LastError = null;
            _state.ForceThumbnail = false;
        }
        _state.Dirty = true;
        return Task.CompletedTask;
    }

    /// <summary>Operator: render and upload the thumbnail again even if its inputs did not change.</summary>
    [WorkflowSignal]
    public Task ForceRerenderAsync()
    {
        _state.ForceThumbnail = true;
        _state.Failed = false;
        _state.Dirty = true;
        return Task.CompletedTask;
    }

    /// <summary>Operator: approve the pending destructive step (deleting a broadcast that already went live).</summary>
    [WorkflowSignal]
    public Task ApproveAsync()
    {
        if (_phase != EpisodePhase.AwaitingApproval)
        {
            // Only an approval given once asked counts (see CancelEpisodeAsync).
            _state.LastResult = "approve: nothing is waiting for approval";
        }
        _approved = true;
        return Task.CompletedTask;
    }

    // Operator updates: the same steps as the signals, but validated first (an operator learns at once that
    // there is nothing to retry, skip or approve, and nothing is written to the history), and answered with
    // the entity's state once the step ran. Signals stay for tools that can only signal.

    /// <summary>Operator (update <c>RetryFailed</c>): run the failed step again; answers with the state after that attempt.</summary>
    [WorkflowUpdate("RetryFailed")]
    public async Task<EpisodeStatus> RetryFailedAsync()
    {
        var before = _reconcilePasses;
        await RetryAsync();
        await Workflow.WaitConditionAsync(() => _reconcilePasses > before || _state.Deleted);
        return State;
    }

    /// <summary>Rejects <see cref="RetryFailedAsync"/> when nothing failed.</summary>
    [WorkflowUpdateValidator(nameof(RetryFailedAsync))]
    public void ValidateRetryFailed()
    {
        if (_state.Deleted)
        {
            throw new ApplicationFailureException($"episode {_episodeId}: its file was deleted; there is nothing to retry", "NothingToRetry");
        }
        if (!_state.Failed && !_state.Teams.Any(t => t.Phase == TeamPhase.Failed))
        {
            throw new ApplicationFailureException($"episode {_episodeId}: nothing failed (phase {_phase}); there is nothing to retry", "NothingToRetry");
        }
    }

    /// <summary>Operator (update <c>SkipFailed</c>): accept the current state as applied, or keep the published video of a deleted episode.</summary>
    [WorkflowUpdate("SkipFailed")]
    public async Task<EpisodeStatus> SkipFailedAsync(SkipRequest request)
    {
        await SkipAsync(request);
        return State;
    }

    /// <summary>Rejects <see cref="SkipFailedAsync"/> when there is nothing to skip, or nothing to mark applied yet.</summary>
    [WorkflowUpdateValidator(nameof(SkipFailedAsync))]
    public void ValidateSkipFailed(SkipRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            throw new ApplicationFailureException("skip: say why (the reason is kept in the episode's state)", "ReasonRequired");
        }
        if (_phase == EpisodePhase.AwaitingApproval)
        {
            return;
        }
        if (_state.Deleted || _state.Desired is null || _state.Applied.VideoId is null)
        {
            throw new ApplicationFailureException(
                $"episode {_episodeId}: the broadcast does not exist yet, so there is nothing to keep; fix the episode file, or retry", "NothingToSkip");
        }
        if (!_state.Failed && !_state.Teams.Any(t => t.Phase == TeamPhase.Failed) && !EpisodeDecisions.Plan(_state.Desired, _state.Applied, _state.ForceThumbnail).Any)
        {
            throw new ApplicationFailureException($"episode {_episodeId}: nothing is pending or failed; there is nothing to skip", "NothingToSkip");
        }
    }

    /// <summary>Operator (update <c>ForceRerenderNow</c>): upload the thumbnail again; answers with the state after the upload ran.</summary>
    [WorkflowUpdate("ForceRerenderNow")]
    public async Task<EpisodeStatus> ForceRerenderNowAsync()
    {
        var before = _reconcilePasses;
        await ForceRerenderAsync();
        await Workflow.WaitConditionAsync(() => _reconcilePasses > before || _state.Deleted);
        return State;
    }

    /// <summary>Rejects <see cref="ForceRerenderNowAsync"/> for a deleted or draft episode.</summary>
    [WorkflowUpdateValidator(nameof(ForceRerenderNowAsync))]
    public void ValidateForceRerenderNow()
    {
        if (_state.Deleted || _state.Desired is null || _state.Desired.Draft)
        {
            throw new ApplicationFailureException($"episode {_episodeId}: deleted or a draft; there is no thumbnail to upload", "NothingToRender");
        }
    }

    /// <summary>Operator (update <c>ApproveDeletion</c>): delete the broadcast of a deleted episode that already went live.</summary>
    [WorkflowUpdate("ApproveDeletion")]
    public async Task<string> ApproveDeletionAsync()
    {
        await ApproveAsync();
        // The entity completes once the video is deleted, so the answer cannot wait for it: the workflow's result says how it went.
        return $"approved: deleting broadcast {_state.Applied.VideoId}; the workflow's result says how it went";
    }

    /// <summary>Rejects <see cref="ApproveDeletionAsync"/> unless the entity is waiting for an approval.</summary>
    [WorkflowUpdateValidator(nameof(ApproveDeletionAsync))]
    public void ValidateApproveDeletion()
    {
        if (_phase != EpisodePhase.AwaitingApproval)
        {
            throw new ApplicationFailureException($"episode {_episodeId}: nothing is waiting for approval (phase {_phase})", "NothingToApprove");
        }
    }

    /// <summary>
    /// Waits until <paramref name="woken"/> holds or <paramref name="wakeAt"/> passes (no wake-up: only
    /// <paramref name="woken"/>); a wake-up already in the past returns at once. The main loop and the Klustered
    /// timeline both sleep this way.
    /// </summary>
    private static async Task SleepAsync(DateTimeOffset? wakeAt, Func<bool> woken)
    {
        if (wakeAt is not { } at)
        {
            await Workflow.WaitConditionAsync(woken);
            return;
        }
        var delay = at - Workflow.UtcNow;
        if (delay > TimeSpan.Zero)
        {
            await Workflow.WaitConditionAsync(woken, delay);
        }
    }

    private async Task ReconcileYouTubeAsync()
    {
        var desired = _state.Desired;
        var plan = EpisodeDecisions.Plan(desired, _state.Applied, _state.ForceThumbnail);
        if (desired is null || !plan.Any)
        {
            _state.LastResult ??= desired is { Draft: true } ? "draft: not published" : "up to date";
            return;
        }
        // A channel has history: a show that is over is never created as a broadcast.
        var role = HistoryDecisions.RoleOf(desired, _state.Applied.VideoId, Workflow.UtcNow);
        if (role == YouTubeRole.NotOnYouTube)
        {
            _state.LastError = null;
            _state.LastResult = HistoryDecisions.NotOnYouTubeResult;
            return;
        }
        _phase = EpisodePhase.Reconciling;
        // A sweep's read is good for this pass only: a later pass reads for itself.
        var observed = _observed;
        _observed = null;
        try
        {
            if (plan.Broadcast)
            {
                var result = await WithQuotaAsync(YouTubeCosts.Reserve.Broadcast, QuotaPriority.LiveScheduling, "broadcast",
                    () => ActivityCalls.RunAsync(
                        (IYouTubeActivities a) => a.EnsureBroadcastAsync(new EnsureBroadcastInput(desired, _state.Applied.VideoId, role == YouTubeRole.ExistingVideo)),
                        PipelineActivityOptions.Short),
                    r => r.UnitsSpent);
                _state.Applied = _state.Applied with
                {
                    VideoId = result.VideoId,
                    BroadcastFingerprint = EpisodeDecisions.BroadcastFingerprint(desired),
                    DescriptionFingerprint = result.DescriptionApplied
                        ? EpisodeDecisions.DescriptionFingerprint(desired)
                        : _state.Applied.DescriptionFingerprint,
                };
                _state.LastResult = $"broadcast {result.Action} ({result.VideoId})";
            }
            var videoId = _state.Applied.VideoId!;
            // Read with the sweep's batch (one videos.list for up to 50 episodes) and not rewritten by us since.
            var seen = !plan.Broadcast && observed is { Snippet: not null } o && o.VideoId == videoId ? o : null;
            if (_state.Applied.DescriptionFingerprint != EpisodeDecisions.DescriptionFingerprint(desired)
                && seen?.DescriptionFingerprint == EpisodeDecisions.DescriptionFingerprint(desired))
            {
                // The video already says it: nothing to call, nothing to spend.
                _state.Applied = _state.Applied with { DescriptionFingerprint = EpisodeDecisions.DescriptionFingerprint(desired) };
                _state.LastResult = "description already up to date (read with the sweep's batch)";
            }
            else if (_state.Applied.DescriptionFingerprint != EpisodeDecisions.DescriptionFingerprint(desired))
            {
                var units = seen is null ? YouTubeCosts.Reserve.Description : YouTubeCosts.Of(YouTubeCosts.VideosUpdate);
                var result = await WithQuotaAsync(units, EpisodeDecisions.DescriptionPriority(_state.LastReason), "description",
                    () => ActivityCalls.RunAsync(
                        (IYouTubeActivities a) => a.EnsureDescriptionAsync(
                            new EnsureDescriptionInput(desired.EpisodeId, videoId, desired.Title, desired.CategoryId, desired.Description, seen)),
                        PipelineActivityOptions.Short),
                    r => r.UnitsSpent);
                _state.Applied = _state.Applied with { DescriptionFingerprint = EpisodeDecisions.DescriptionFingerprint(desired) };
                _state.LastResult = result.Changed ? "description rewritten" : "description already up to date";
            }
            if (!HistoryDecisions.UploadsThumbnail(desired, role) && !_state.ForceThumbnail)
            {
                // An adopted video keeps the creator's thumbnail unless the episode or its show opted in.
                if (_state.Applied.ThumbnailFingerprint != desired.ThumbnailFingerprint)
                {
                    _state.Applied = _state.Applied with { ThumbnailFingerprint = desired.ThumbnailFingerprint };
                    _state.LastResult = $"{_state.LastResult}; kept the video's own thumbnail (youtube.replaceThumbnail is off)";
                }
            }
            else if (_state.ForceThumbnail || _state.Applied.ThumbnailFingerprint != desired.ThumbnailFingerprint)
            {
                var force = _state.ForceThumbnail;
                var previous = _state.Applied.ThumbnailFingerprint;
                var result = await WithQuotaAsync(YouTubeCosts.Reserve.Thumbnail, QuotaPriority.Thumbnail, "thumbnail",
                    () => ActivityCalls.RunAsync(
                        (IYouTubeActivities a) => a.EnsureThumbnailAsync(
                            new EnsureThumbnailInput(desired.EpisodeId, videoId, desired.Commit, desired.ThumbnailFingerprint, previous, force)),
                        PipelineActivityOptions.Short),
                    r => r.UnitsSpent);
                _state.Applied = _state.Applied with { ThumbnailFingerprint = result.Fingerprint };
                // A ForceRerender that arrived during this upload asks for another one: keep it.
                if (force || !_state.ForceThumbnail)
                {
                    _state.ForceThumbnail = false;
                }
                _state.LastResult = result.Uploaded ? $"thumbnail uploaded ({result.Bytes} bytes)" : "thumbnail already up to date";
            }
            _state.LastError = null;
            _state.LastResult = $"reconciled at {desired.Commit[..Math.Min(12, desired.Commit.Length)]}: {_state.LastResult}";
        }
        catch (ActivityFailureException e)
        {
            _state.Failed = true;
            _state.LastError = Describe(e);
            Workflow.Logger.LogWarning("Episode {EpisodeId} failed: {Error}", _episodeId, _state.LastError);
        }
        finally
        {
            _phase = EpisodePhase.Idle;
        }
    }

    /// <summary>Reserve units, run the call, settle with what it cost (see <see cref="QuotaGate"/>).</summary>
    private Task<T> WithQuotaAsync<T>(long units, QuotaPriority priority, string purpose, Func<Task<T>> call, Func<T, long> spent) =>
        _quota.RunAsync(units, priority, $"{_episodeId}: {purpose}", call, spent,
            reason => _state.LastError = $"{purpose}: {reason}");

    private async Task NotifySweepsAsync()
    {
        if (_state.PendingNotifications.Count == 0 || _state.Desired is null)
        {
            return;
        }
        var notice = new EpisodeSweptNotice(_episodeId, _state.Desired.Commit, !_state.Failed, _state.LastError);
        foreach (var target in _state.PendingNotifications.ToList())
        {
            try
            {
                await Workflow.GetExternalWorkflowHandle(target).SignalAsync(PipelineSignals.EpisodeSwept, [notice]);
            }
            catch (Exception e) when (e is ActivityFailureException or ApplicationFailureException or TemporalException)
            {
                // The sweep finished or was terminated; there is nobody left to tell.
                Workflow.Logger.LogInformation("Sweep {Target} gone: {Error}", target, e.Message);
            }
        }
        _state.PendingNotifications.Clear();
    }

    /// <summary>Runs due Klustered steps for every team; returns when to wake next.</summary>
    private async Task<DateTimeOffset?> RunKlusteredAsync()
    {
        var desired = _state.Desired;
        if (desired?.Klustered is null || desired.ScheduledFor is null || desired.Draft)
        {
            return null;
        }
        EnsureTeams();
        var expiry = KlusteredSchedule.Timeline(desired).TeardownAt + TimeSpan.FromHours(1);
        // Every team's step at once: clusters provisioned one after another would take as many times as long.
        var teams = _state.Teams.Count;
        var wakeUps = (await Workflow.WhenAllAsync(Enumerable.Range(0, teams).Select(i => RunTeamStepAsync(i, desired, expiry)))).ToList();
        if (!_state.FixChaptersRecorded && !_state.Deleted)
        {
            wakeUps.Add(await RecordFixChaptersAsync(desired));
        }
        return KlusteredSchedule.Earliest(wakeUps);
    }

    /// <summary>Once the stream is over, each team fixed during it gets a chapter; returns when to look again (null: done).</summary>
    private async Task<DateTimeOffset?> RecordFixChaptersAsync(DesiredEpisode desired)
    {
        var fixes = KlusteredSchedule.FixChapters(Workflow.UtcNow, desired, _state.Teams, FixPollInterval);
        if (fixes is null)
        {
            return desired.ScheduledFor!.Value + desired.Duration + FixPollInterval;
        }
        _state.FixChaptersRecorded = true;
        if (fixes.Count == 0)
        {
            return null;
        }
        try
        {
            var written = await ActivityCalls.RunAsync(
                (IKlusteredActivities a) => a.RecordFixChaptersAsync(new RecordFixChaptersInput(desired.EpisodeId, desired.ScheduledFor!.Value, desired.Duration, fixes)),
                PipelineActivityOptions.Short);
            _state.LastResult = $"fix chapters: {written.Detail}";
        }
        catch (ActivityFailureException e)
        {
            // Not tried again in a loop: the time to fix is in the file already; the chapters can be added by hand.
            _state.LastError = $"fix chapters: {Describe(e)}";
        }
        return null;
    }

    /// <summary>The due step of one team (provision, check for the fix, tear down); returns when that team needs us next.</summary>
    private async Task<DateTimeOffset?> RunTeamStepAsync(int i, DesiredEpisode desired, DateTimeOffset expiry)
    {
        if (_state.Deleted)
        {
            // The episode was deleted meanwhile: provision nothing more; the cancellation tears down what exists.
            return null;
        }
        var team = _state.Teams[i];
        var spec = desired.Klustered!.Teams.FirstOrDefault(t => t.Name == team.Name);
        if (spec is null)
        {
            return null;
        }
        var step = KlusteredSchedule.Next(Workflow.UtcNow, desired, team, FixPollInterval);
        var timeline = KlusteredSchedule.Timeline(desired);
        var input = new KlusteredTeamInput(desired.EpisodeId, spec, expiry, timeline.ShowStart, timeline.TeardownAt);
        try
        {
            switch (step.Action)
            {
                case KlusteredAction.Provision:
                    var provisioned = await ActivityCalls.RunAsync(
                        (IKlusteredActivities a) => a.ProvisionTeamAsync(input), PipelineActivityOptions.Long);
                    team = team with
                    {
                        Phase = provisioned.BreaksVerified ? TeamPhase.Provisioned : TeamPhase.Failed,
                        ClusterName = provisioned.ClusterName,
                        Access = provisioned.Access,
                        ProvisionedAt = Workflow.UtcNow,
                        LastError = provisioned.BreaksVerified ? null : "breaks did not hold: " + string.Join("; ", provisioned.Notes),
                        Credentials = provisioned.Breakers is { } breakers ? [breakers] : team.Credentials,
                        Verdict = spec.Breaks.Count > 0 && provisioned.BreaksVerified ? BreakVerdict.Broken : team.Verdict,
                    };
                    break;
                case KlusteredAction.HandOver:
                    var handedOver = await ActivityCalls.RunAsync(
                        (IKlusteredActivities a) => a.HandOverTeamAsync(input), PipelineActivityOptions.Long);
                    var now = Workflow.UtcNow;
                    team = team with
                    {
                        HandedOverAt = now,
                        Verdict = handedOver.Verdict,
                        VerdictDetail = handedOver.Detail,
                        Credentials =
                        [
                            .. (team.Credentials ?? []).Select(c => c.Role == AccessRole.Breakers && c.RevokedAt is null ? c with { RevokedAt = now } : c),
                            .. handedOver.Fixers is { } fixers ? [fixers] : Array.Empty<AccessGrant>(),
                        ],
                    };
                    // Without a credential (API server down and none minted at provisioning) the detail says what to do by hand.
                    _state.LastResult = handedOver.Fixers is null
                        ? $"team {team.Name}: {KlusteredSchedule.Describe(handedOver.Verdict)}; the fixers have NO credential: {handedOver.Detail}"
                        : $"team {team.Name}: {KlusteredSchedule.Describe(handedOver.Verdict)}; fixers have access";
                    break;
                case KlusteredAction.CheckFixed:
                    var check = await ActivityCalls.RunAsync(
                        (IKlusteredActivities a) => a.CheckFixedAsync(input), PipelineActivityOptions.Short);
                    if (check.Fixed)
                    {
                        var fixedAt = check.FixedAt ?? Workflow.UtcNow;
                        team = team with
                        {
                            Phase = TeamPhase.Fixed,
                            FixedAt = fixedAt,
                            TimeToFix = KlusteredSchedule.TimeToFix(desired.ScheduledFor!.Value, team.ProvisionedAt, fixedAt),
                        };
                    }
                    break;
                case KlusteredAction.Teardown:
                    await ActivityCalls.RunAsync((IKlusteredActivities a) => a.TeardownTeamAsync(input), PipelineActivityOptions.Long);
                    team = team with { Phase = TeamPhase.TornDown };
                    break;
                case KlusteredAction.Expire:
                    team = team with { Phase = TeamPhase.TornDown, LastError = "the show's window passed before provisioning" };
                    break;
            }
            if (team is { Phase: TeamPhase.Fixed, TimeToFix: { } ttf, TimeToFixRecorded: false })
            {
                var written = await ActivityCalls.RunAsync(
                    (IKlusteredActivities a) => a.RecordTimeToFixAsync(new RecordTimeToFixInput(desired.EpisodeId, team.Name, ttf)),
                    PipelineActivityOptions.Short);
                team = team with { TimeToFixRecorded = true };
                _state.LastResult = $"team {team.Name} fixed in {ttf}: {written.Detail}";
            }
        }
        catch (ActivityFailureException e) when (step.Action == KlusteredAction.Teardown)
        {
            // Not again in a loop: the cluster carries its expiry label, so the cleanup schedule deletes it.
            team = team with { Phase = TeamPhase.TornDown, LastError = $"teardown failed and is not tried again here (the cleanup schedule deletes clusters carrying our label once expired): {Describe(e)}" };
            _state.LastError = $"team {team.Name}: {team.LastError}";
        }
        catch (ActivityFailureException e)
        {
            team = team with { Phase = TeamPhase.Failed, LastError = Describe(e) };
            _state.LastError = $"team {team.Name}: {Describe(e)}";
        }
        _state.Teams[i] = team;
        var after = KlusteredSchedule.Next(Workflow.UtcNow, desired, team, FixPollInterval);
        // An action that is due again right away (e.g. teardown after a fix) runs on the next pass.
        return after.Action is KlusteredAction.None ? after.WakeAt : after.WakeAt ?? Workflow.UtcNow;
    }

    /// <summary>
    /// The Klustered timeline beside the YouTube reconcile, so a wait for YouTube quota never delays provisioning, fix
    /// detection or teardown: runs the due steps,
    /// sleeps until the next one, wakes early for a new spec or an operator's Retry/Skip, and ends when the episode is deleted.
    /// </summary>
    private async Task KlusteredLoopAsync()
    {
        while (!_state.Deleted)
        {
            var kick = _klusteredKick;
            _klusteredRunning = true;
            DateTimeOffset? wakeAt;
            try
            {
                wakeAt = await RunKlusteredAsync();
            }
            finally
            {
                _klusteredRunning = false;
            }
            _klusteredWakeUp = wakeAt;
            Func<bool> woken = () => _state.Deleted || _klusteredKick != kick;
            await SleepAsync(wakeAt, woken);
            _klusteredWakeUp = null;
        }
    }

    private async Task<EpisodeOutcome> CancelEpisodeAsync()
    {
        _phase = EpisodePhase.Cancelling;
        // Clusters first: they cost money by the hour.
        if (_state.Desired?.Klustered is { } k)
        {
            for (var i = 0; i < _state.Teams.Count; i++)
            {
                var team = _state.Teams[i];
                var spec = k.Teams.FirstOrDefault(t => t.Name == team.Name);
                if (spec is null || team.Phase is TeamPhase.Waiting or TeamPhase.TornDown)
                {
                    continue;
                }
                try
                {
                    await ActivityCalls.RunAsync(
                        (IKlusteredActivities a) => a.TeardownTeamAsync(new KlusteredTeamInput(_episodeId, spec, Workflow.UtcNow)),
                        PipelineActivityOptions.Long);
                    _state.Teams[i] = team with { Phase = TeamPhase.TornDown };
                }
                catch (ActivityFailureException e)
                {
                    // The cleanup entity removes it later: it is labelled with an expiry.
                    _state.Teams[i] = team with { LastError = Describe(e) };
                }
            }
        }
        var result = "cancelled";
        var videoKept = false;
        switch (EpisodeDecisions.OnDeleted(_state.Applied, _state.Desired, Workflow.UtcNow))
        {
            case DeletionAction.NeedsApproval:
                _phase = EpisodePhase.AwaitingApproval;
                // An Approve or Skip sent earlier (for something else) must not decide this.
                _approved = false;
                _skipRequested = false;
                _state.LastResult = "episode file deleted but its broadcast already went live: approve to delete the video, skip to keep it";
                await Workflow.WaitConditionAsync(() => _approved || _skipRequested || !_state.Deleted);
                if (!_state.Deleted)
                {
                    // The file came back while we waited: carry on as a live entity.
                    throw ContinueAsNew();
                }
                result = _approved ? await DeleteBroadcastAsync() : "cancelled; published video kept by operator";
                videoKept = !_approved;
                break;
            case DeletionAction.DeleteBroadcast:
                result = await DeleteBroadcastAsync();
                break;
            case DeletionAction.Release:
                result = $"cancelled; adopted video {_state.Applied.VideoId} released, not deleted";
                videoKept = true;
                break;
        }
        _phase = EpisodePhase.Cancelled;
        _state.LastResult = result;
        await NotifySweepsAsync();
        return new EpisodeOutcome(_episodeId, result, _state.QuotaUnitsSpent, videoKept);
    }

    private async Task<string> DeleteBroadcastAsync()
    {
        var videoId = _state.Applied.VideoId!;
        try
        {
            var deleted = await WithQuotaAsync(YouTubeCosts.Reserve.EpisodeDelete, QuotaPriority.LiveScheduling, "delete",
                () => ActivityCalls.RunAsync(
                    (IYouTubeActivities a) => a.DeleteBroadcastAsync(new DeleteBroadcastInput(_episodeId, videoId)),
                    PipelineActivityOptions.Short),
                r => r.UnitsSpent);
            _state.Applied = new AppliedEpisode();
            return deleted.Deleted ? $"cancelled; broadcast {videoId} deleted" : $"cancelled; broadcast {videoId} was already gone";
        }
        catch (ActivityFailureException e)
        {
            // The cleanup entity deletes broadcasts whose episode is gone.
            return $"cancelled; deleting broadcast {videoId} failed ({Describe(e)}), cleanup will retry";
        }
    }

    /// <summary>
    /// Operator Retry for Klustered: a failed team starts over from provisioning, which is idempotent (the cluster,
    /// the workload and the breaks are adopted when they are already there).
    /// </summary>
    private void RetryFailedTeams()
    {
        if (!_state.Teams.Any(t => t.Phase == TeamPhase.Failed))
        {
            return;
        }
        for (var i = 0; i < _state.Teams.Count; i++)
        {
            if (_state.Teams[i].Phase == TeamPhase.Failed)
            {
                _state.Teams[i] = _state.Teams[i] with { Phase = TeamPhase.Waiting, LastError = null };
            }
        }
        _klusteredKick++;
    }

    /// <summary>
    /// Operator Skip for Klustered: a failed team's cluster is handed over as it is (watched for the fix, torn down
    /// on time), with the failure kept in its state. If it never got a cluster, the first fix check says so.
    /// </summary>
    private void SkipFailedTeams(string reason)
    {
        if (!_state.Teams.Any(t => t.Phase == TeamPhase.Failed))
        {
            return;
        }
        for (var i = 0; i < _state.Teams.Count; i++)
        {
            if (_state.Teams[i] is { Phase: TeamPhase.Failed } team)
            {
                _state.Teams[i] = team with { Phase = TeamPhase.Provisioned, LastError = $"accepted by operator ({reason}) after: {team.LastError}" };
            }
        }
        _klusteredKick++;
    }

    private void EnsureTeams()
    {
        if (_state.Desired?.Klustered is not { } k)
        {
            return;
        }
        foreach (var spec in k.Teams)
        {
            if (!_state.Teams.Any(t => t.Name == spec.Name))
            {
                _state.Teams.Add(new TeamState(spec.Name, TeamPhase.Waiting));
            }
        }
    }

    /// <summary>Continues as new with the whole state (a forced re-render still asked for is carried in it).</summary>
    private ContinueAsNewException ContinueAsNew()
    {
        var next = new EpisodeWorkflowInput(_episodeId, _state, _fixPollInterval);
        return Workflow.CreateContinueAsNewException((EpisodeWorkflow wf) => wf.RunAsync(next));
    }

    private static string Describe(Exception e) =>
        e.InnerException is { } inner ? $"{inner.Message}" : e.Message;
}

using Microsoft.Extensions.Logging;
using RawkodeAutomation.Episodes.Quota;
using RawkodeAutomation.Workflows.Activities;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace RawkodeAutomation.Workflows;

/// <summary>
/// One cleanup pass, started by the <see cref="ScheduleId"/> Temporal Schedule (overlap Skip, so passes never
/// run side by side) or by an operator triggering that Schedule: clusters past their TTL and orphaned clusters
/// first (they cost money by the hour), then broadcasts whose episode is gone, then the streams of shows that have no
/// episode left (after the broadcasts, whose deletion may free a stream). YouTube calls draw from the quota
/// entity at sweep priority, the lowest: the cleanup can always wait for tomorrow. The result is the
/// <see cref="CleanupReport"/> (the Schedule's recent actions link to each pass); <see cref="State"/> shows a
/// pass in flight.
/// </summary>
[Workflow]
public sealed class CleanupWorkflow
{
    /// <summary>The Schedule's id; its passes run as <c>cleanup-&lt;scheduled time&gt;</c>.</summary>
    public const string ScheduleId = WorkflowIds.Cleanup;

    /// <summary>Units reserved before the survey (two pages of 50 broadcasts each way); settled with what it really cost.</summary>
    public static long SurveyUnits { get; } = YouTubeCosts.Of(
        YouTubeCosts.LiveBroadcastsList, YouTubeCosts.LiveBroadcastsList, YouTubeCosts.VideosList, YouTubeCosts.VideosList);

    private readonly QuotaGate _quota;
    private readonly List<CleanupItem> _deleted = [];
    private readonly List<CleanupItem> _kept = [];
    private readonly List<string> _notes = [];
    private readonly List<CleanupItem> _drifted = [];
    private CleanupPhase _phase = CleanupPhase.Starting;
    private DateTimeOffset _at;
    private bool _dryRun;
    private long _units;

    public CleanupWorkflow()
    {
        var before = _phase;
        _quota = new QuotaGate(units => _units += units, waiting =>
        {
            (before, _phase) = waiting ? (_phase, CleanupPhase.WaitingForQuota) : (before, before);
        });
    }

    /// <summary>Where the pass is and what it has deleted and kept so far.</summary>
    [WorkflowQuery]
    public CleanupStatus State => new(_phase, Report());

    [WorkflowRun]
    public async Task<CleanupReport> RunAsync(CleanupPassInput input)
    {
        _at = Workflow.UtcNow;
        _dryRun = input.DryRun;
        if (input.DriftOnly)
        {
            await CheckDriftAsync(input.DryRun);
            return Finish();
        }

        _phase = CleanupPhase.Clusters;
        try
        {
            var clusters = await ActivityCalls.RunAsync(
                (ICleanupActivities a) => a.CleanClustersAsync(new CleanClustersInput(_at, input.DryRun)), PipelineActivityOptions.Long);
            _deleted.AddRange(clusters.Deleted);
            _kept.AddRange(clusters.Kept);
            _notes.AddRange(clusters.Notes);
        }
        catch (ActivityFailureException e)
        {
            // Broadcasts are independent of clusters: report and carry on.
            _notes.Add("clusters: " + Describe(e));
        }

        _phase = CleanupPhase.SurveyingBroadcasts;
        BroadcastSurvey? survey = null;
        try
        {
            survey = await WithQuotaAsync(SurveyUnits, "survey broadcasts",
                () => ActivityCalls.RunAsync((ICleanupActivities a) => a.SurveyBroadcastsAsync(new SurveyBroadcastsInput(_at)), PipelineActivityOptions.Short),
                r => r.UnitsSpent);
            _kept.AddRange(survey.Kept);
            _notes.AddRange(survey.Notes);
        }
        catch (ActivityFailureException e)
        {
            _notes.Add("broadcasts: " + Describe(e));
        }

        if (survey is not null)
        {
            _phase = CleanupPhase.DeletingBroadcasts;
            foreach (var leftover in survey.Leftovers)
            {
                if (input.DryRun)
                {
                    _deleted.Add(leftover);
                    continue;
                }
                try
                {
                    var deletion = await WithQuotaAsync(YouTubeCosts.Reserve.LeftoverBroadcastDelete, $"delete broadcast {leftover.Name}",
                        () => ActivityCalls.RunAsync(
                            (ICleanupActivities a) => a.DeleteLeftoverBroadcastAsync(new DeleteLeftoverBroadcastInput(leftover.EpisodeId ?? "", leftover.Name)),
                            PipelineActivityOptions.Short),
                        r => r.UnitsSpent);
                    if (deletion.Deleted)
                    {
                        _deleted.Add(leftover);
                    }
                    else
                    {
                        _kept.Add(leftover with { Reason = deletion.Detail });
                    }
                }
                catch (ActivityFailureException e)
                {
                    _kept.Add(leftover with { Reason = "deleting failed, the next pass tries again: " + Describe(e) });
                }
            }
        }

        await CleanStreamsAsync(input.DryRun);
        await CheckDriftAsync(input.DryRun);
        return Finish();
    }

    private CleanupReport Finish()
    {
        _phase = CleanupPhase.Done;
        var report = Report();
        Workflow.Logger.LogInformation(
            "Cleanup pass: {Deleted} deleted, {Kept} kept, {Drifted} drifted, {Units} units",
            report.Deleted.Count, report.Kept.Count, report.Drifted?.Count ?? 0, report.QuotaUnitsSpent);
        return report;
    }

    /// <summary>
    /// Drift: the videos the episode entities hold that YouTube no longer has (deleted in YouTube Studio, a lost sandbox
    /// state). Costs one videos.list unit per 50 held videos. A vanished upcoming broadcast's entity is told to create it
    /// again; a vanished video of a show under way or over is reported (here and in its entity's state), never recreated.
    /// </summary>
    private async Task CheckDriftAsync(bool dryRun)
    {
        _phase = CleanupPhase.CheckingDrift;
        HeldVideos held;
        VideoPresence presence;
        try
        {
            held = await ActivityCalls.RunAsync((ICleanupActivities a) => a.ListHeldVideosAsync(new ListHeldVideosInput(_at)), PipelineActivityOptions.Short);
            _notes.AddRange(held.Notes);
            if (held.Videos.Count == 0)
            {
                return;
            }
            var ids = held.Videos.Select(v => v.VideoId).Distinct().ToList();
            presence = await WithQuotaAsync(YouTubeCosts.Reserve.DriftCheck(ids.Count), "drift check",
                () => ActivityCalls.RunAsync((ICleanupActivities a) => a.CheckVideosAsync(new CheckVideosInput(ids)), PipelineActivityOptions.Short),
                r => r.UnitsSpent);
        }
        catch (ActivityFailureException e)
        {
            _notes.Add("drift: " + Describe(e));
            return;
        }
        var missing = presence.Missing.ToHashSet();
        foreach (var video in held.Videos.Where(v => missing.Contains(v.VideoId)))
        {
            var what = video.RecreateIfMissing
                ? $"YouTube no longer has broadcast {video.VideoId}; {video.Why}"
                : $"YouTube no longer has video {video.VideoId}; not recreated: {video.Why}";
            _drifted.Add(new CleanupItem("drift", video.VideoId, video.EpisodeId, dryRun && video.RecreateIfMissing ? "(dry run) " + what : what));
            if (dryRun)
            {
                continue;
            }
            try
            {
                await Workflow.GetExternalWorkflowHandle<EpisodeWorkflow>(WorkflowIds.Episode(video.EpisodeId))
                    .SignalAsync(wf => wf.ChannelDriftAsync(new ChannelDrift(video.VideoId, video.RecreateIfMissing, what)));
            }
            catch (Exception e) when (e is ApplicationFailureException or TemporalException)
            {
                // The entity closed since it was asked: the next pass judges again.
                _notes.Add($"drift: episode {video.EpisodeId} could not be told ({e.Message})");
            }
        }
        _notes.Add($"drift: {held.Videos.Count} held video(s) read back, {missing.Count} missing");
    }

    /// <summary>Our streams whose show has no episode at the branch head and no unfinished broadcast bound to them.</summary>
    private async Task CleanStreamsAsync(bool dryRun)
    {
        _phase = CleanupPhase.SurveyingStreams;
        StreamSurvey survey;
        try
        {
            survey = await WithQuotaAsync(SurveyUnits, "survey streams",
                () => ActivityCalls.RunAsync((ICleanupActivities a) => a.SurveyStreamsAsync(new SurveyStreamsInput(_at)), PipelineActivityOptions.Short),
                r => r.UnitsSpent);
        }
        catch (ActivityFailureException e)
        {
            _notes.Add("streams: " + Describe(e));
            return;
        }
        _kept.AddRange(survey.Kept);
        _notes.AddRange(survey.Notes);

        _phase = CleanupPhase.DeletingStreams;
        foreach (var orphan in survey.Orphans)
        {
            if (dryRun)
            {
                _deleted.Add(orphan.Item);
                continue;
            }
            try
            {
                var deletion = await WithQuotaAsync(YouTubeCosts.Reserve.OrphanStreamDelete, $"delete stream {orphan.Item.Name}",
                    () => ActivityCalls.RunAsync(
                        (ICleanupActivities a) => a.DeleteOrphanStreamAsync(new DeleteOrphanStreamInput(orphan.StreamKey, orphan.Item.Name, _at)),
                        PipelineActivityOptions.Short),
                    r => r.UnitsSpent);
                if (deletion.Deleted)
                {
                    _deleted.Add(orphan.Item);
                }
                else
                {
                    _kept.Add(orphan.Item with { Reason = deletion.Detail });
                }
            }
            catch (ActivityFailureException e)
            {
                _kept.Add(orphan.Item with { Reason = "deleting failed, the next pass tries again: " + Describe(e) });
            }
        }
    }

    /// <summary>The quota entity reserved units for one of our requests.</summary>
    [WorkflowSignal(PipelineSignals.QuotaGranted)]
    public Task QuotaGrantedAsync(QuotaGrant grant)
    {
        _quota.Granted(grant);
        return Task.CompletedTask;
    }

    private CleanupReport Report() => new(_at, _dryRun, [.. _deleted], [.. _kept], [.. _notes], _units, [.. _drifted]);

    /// <summary>Reserve units at sweep priority, run the call, settle with what it cost (the Schedule skips passes meanwhile).</summary>
    private Task<T> WithQuotaAsync<T>(long units, string purpose, Func<Task<T>> call, Func<T, long> spent) =>
        _quota.RunAsync(units, QuotaPriority.Sweep, "cleanup: " + purpose, call, spent);

    private static string Describe(Exception e) => e.InnerException?.Message ?? e.Message;
}

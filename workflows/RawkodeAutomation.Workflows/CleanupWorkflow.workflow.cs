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

    /// <summary>Passes recorded before streams were cleaned end after the broadcasts; newer ones go on to the streams.</summary>
    public const string StreamsPatch = "cleanup-live-streams";

    private readonly Dictionary<string, QuotaGrant> _grants = [];
    private readonly List<CleanupItem> _deleted = [];
    private readonly List<CleanupItem> _kept = [];
    private readonly List<string> _notes = [];
    private string _phase = "Starting";
    private DateTimeOffset _at;
    private bool _dryRun;
    private long _units;

    /// <summary>Where the pass is and what it has deleted and kept so far.</summary>
    [WorkflowQuery]
    public CleanupStatus State => new(_phase, Report());

    [WorkflowRun]
    public async Task<CleanupReport> RunAsync(CleanupPassInput input)
    {
        _at = Workflow.UtcNow;
        _dryRun = input.DryRun;

        _phase = "Clusters";
        try
        {
            var clusters = await ActivityCalls.RunAsync(
                (ICleanupActivities a) => a.CleanClustersAsync(new CleanClustersInput(_at, input.DryRun)), PipelineOptions.Long);
            _deleted.AddRange(clusters.Deleted);
            _kept.AddRange(clusters.Kept);
            _notes.AddRange(clusters.Notes);
        }
        catch (ActivityFailureException e)
        {
            // Broadcasts are independent of clusters: report and carry on.
            _notes.Add("clusters: " + Describe(e));
        }

        _phase = "SurveyingBroadcasts";
        BroadcastSurvey? survey = null;
        try
        {
            survey = await WithQuotaAsync(SurveyUnits, "survey broadcasts",
                () => ActivityCalls.RunAsync((ICleanupActivities a) => a.SurveyBroadcastsAsync(new SurveyBroadcastsInput(_at)), PipelineOptions.Short),
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
            _phase = "DeletingBroadcasts";
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
                            PipelineOptions.Short),
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

        if (Workflow.Patched(StreamsPatch))
        {
            await CleanStreamsAsync(input.DryRun);
        }

        _phase = "Done";
        var report = Report();
        Workflow.Logger.LogInformation(
            "Cleanup pass: {Deleted} deleted, {Kept} kept, {Units} units", report.Deleted.Count, report.Kept.Count, report.QuotaUnitsSpent);
        return report;
    }

    /// <summary>Our streams whose show has no episode at the branch head and no unfinished broadcast bound to them.</summary>
    private async Task CleanStreamsAsync(bool dryRun)
    {
        _phase = "SurveyingStreams";
        StreamSurvey survey;
        try
        {
            survey = await WithQuotaAsync(SurveyUnits, "survey streams",
                () => ActivityCalls.RunAsync((ICleanupActivities a) => a.SurveyStreamsAsync(new SurveyStreamsInput(_at)), PipelineOptions.Short),
                r => r.UnitsSpent);
        }
        catch (ActivityFailureException e)
        {
            _notes.Add("streams: " + Describe(e));
            return;
        }
        _kept.AddRange(survey.Kept);
        _notes.AddRange(survey.Notes);

        _phase = "DeletingStreams";
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
                        PipelineOptions.Short),
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
        _grants[grant.RequestId] = grant;
        return Task.CompletedTask;
    }

    private CleanupReport Report() => new(_at, _dryRun, [.. _deleted], [.. _kept], [.. _notes], _units);

    /// <summary>
    /// Reserve units at sweep priority, run the call, settle with what it cost. YouTube's quotaExceeded marks the
    /// day spent and the call waits for the reset, then runs again (the Schedule skips passes meanwhile).
    /// </summary>
    private async Task<T> WithQuotaAsync<T>(long units, string purpose, Func<Task<T>> call, Func<T, long> spent)
    {
        while (true)
        {
            var requestId = $"{Workflow.Info.WorkflowId}#{Workflow.NewGuid():N}";
            var previous = _phase;
            _phase = "WaitingForQuota";
            await ActivityCalls.RunAsync(
                (IQuotaActivities a) => a.RequestQuotaAsync(new QuotaRequest(requestId, Workflow.Info.WorkflowId, units, QuotaPriority.Sweep, "cleanup: " + purpose)),
                PipelineOptions.Signal);
            await Workflow.WaitConditionAsync(() => _grants.ContainsKey(requestId));
            _grants.Remove(requestId);
            _phase = previous;
            try
            {
                var result = await call();
                _units += spent(result);
                await SettleAsync(new QuotaSettlement(requestId, spent(result), false));
                return result;
            }
            catch (ActivityFailureException e) when (e.InnerException is ApplicationFailureException { ErrorType: PipelineErrors.QuotaExceeded })
            {
                _units += 1;
                await SettleAsync(new QuotaSettlement(requestId, 1, true));
            }
            catch (ActivityFailureException)
            {
                // What a failed call cost is unknown: charge the reservation, so the day is never overspent.
                _units += units;
                await SettleAsync(new QuotaSettlement(requestId, units, false));
                throw;
            }
        }
    }

    private static Task SettleAsync(QuotaSettlement settlement) =>
        Workflow.GetExternalWorkflowHandle(WorkflowIds.Quota).SignalAsync(PipelineSignals.QuotaSettled, [settlement]);

    private static string Describe(Exception e) => e.InnerException?.Message ?? e.Message;
}

using RawkodeAutomation.Episodes.Quota;
using RawkodeAutomation.GitHub;
using RawkodeAutomation.Kubernetes;
using RawkodeAutomation.Worker.Decisions;
using RawkodeAutomation.Worker.Seams;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Activities;
using RawkodeAutomation.Workflows.Contracts;
using RawkodeAutomation.YouTube;
using RawkodeAutomation.YouTube.Operations;
using Temporalio.Activities;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace RawkodeAutomation.Worker.Activities;

/// <summary>
/// The cleanup pass on the real adapters. What is ours is decided by our ownership label (clusters, through
/// <see cref="IClusterJanitor"/>), our marker tag (broadcasts, through <see cref="MarkedBroadcasts"/>) and our
/// description marker (the shows' streams, through <see cref="MarkedStreams"/>); what is
/// still wanted by the desired state at the branch head (<see cref="ICurrentRevision"/>, read through the same
/// <see cref="IEpisodeSource"/> and <see cref="IDesiredStateBuilder"/> commits use) and by the episode entities in
/// Temporal. When the head cannot be read or does not validate, nothing is judged an orphan: only expired clusters go.
/// </summary>
public sealed class CleanupActivities(
    IEnumerable<IClusterJanitor> janitors,
    MarkedBroadcasts broadcasts,
    ICurrentRevision revision,
    IEpisodeSource source,
    IDesiredStateBuilder builder,
    ITemporalClient client,
    IYouTubeClient youtube) : ICleanupActivities
{
    private readonly MarkedStreams _streams = new(youtube);

    public async Task<ClusterCleanupResult> CleanClustersAsync(CleanClustersInput input)
    {
        var token = ActivityExecutionContext.Current.CancellationToken;
        List<CleanupItem> deleted = [], kept = [];
        List<string> notes = [];
        var list = janitors.ToList();
        if (list.Count == 0)
        {
            return new ClusterCleanupResult([], [], ["no Kubernetes cleanup registered: clusters were not looked at"]);
        }
        var (desired, problem) = await ReadDesiredAsync(input.Now, token).ConfigureAwait(false);
        if (problem is not null)
        {
            notes.Add($"orphaned clusters not judged: {problem}; only expired clusters are deleted");
        }
        var expected = desired is null ? null : CleanupDecisions.ExpectedClusterNames(desired.Episodes.Values);
        var owned = 0;
        foreach (var janitor in list)
        {
            foreach (var cluster in await janitor.ListOwnedAsync(token).ConfigureAwait(false))
            {
                owned++;
                var verdict = CleanupDecisions.JudgeCluster(cluster, input.Now, expected, desired?.Episodes.Keys.ToHashSet(StringComparer.Ordinal));
                if (verdict is null)
                {
                    continue;
                }
                if (!input.DryRun)
                {
                    ActivityExecutionContext.Current.Heartbeat(cluster.Name);
                    await janitor.DeleteAsync(cluster, token).ConfigureAwait(false);
                }
                deleted.Add(verdict);
            }
        }
        notes.Add($"{owned} cluster(s) with our ownership label, {deleted.Count} {(input.DryRun ? "would be " : "")}deleted");
        return new ClusterCleanupResult(deleted, kept, notes);
    }

    public async Task<BroadcastSurvey> SurveyBroadcastsAsync(SurveyBroadcastsInput input)
    {
        var token = ActivityExecutionContext.Current.CancellationToken;
        MarkedBroadcastScan scan;
        try
        {
            scan = await broadcasts.ScanAsync(token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not ApplicationFailureException and not OperationCanceledException)
        {
            throw ActivityErrors.FromYouTube(e);
        }
        List<string> notes = [$"{scan.Marked.Count} upcoming or active broadcast(s) carry our marker; {scan.Unmarked} without it were left alone"];
        var (desired, problem) = await ReadDesiredAsync(input.Now, token).ConfigureAwait(false);
        if (desired is null)
        {
            notes.Add($"broadcasts not judged: {problem}");
            return new BroadcastSurvey([], [], notes, scan.UnitsSpent);
        }
        List<CleanupItem> leftovers = [], kept = [];
        var wanted = 0;
        foreach (var broadcast in scan.Marked)
        {
            if (desired.Episodes.ContainsKey(broadcast.EpisodeId))
            {
                wanted++;
                continue;
            }
            var entity = await EpisodeEntityAsync(broadcast.EpisodeId, token).ConfigureAwait(false);
            var verdict = CleanupDecisions.JudgeBroadcast(broadcast, entity, desired.Commit);
            (verdict.Delete ? leftovers : kept).Add(verdict.Item);
        }
        notes.Add($"{wanted} marked broadcast(s) belong to episodes at {GitShas.Short(desired.Commit)}");
        return new BroadcastSurvey(leftovers, kept, notes, scan.UnitsSpent);
    }

    public async Task<BroadcastDeletion> DeleteLeftoverBroadcastAsync(DeleteLeftoverBroadcastInput input)
    {
        var token = ActivityExecutionContext.Current.CancellationToken;
        // An episode entity may have (re)appeared since the survey: it owns the broadcast again.
        var entity = await EpisodeEntityAsync(input.EpisodeId, token).ConfigureAwait(false);
        if (entity.Running)
        {
            return new BroadcastDeletion(false, $"episode {input.EpisodeId}'s entity is running again: it owns the broadcast", 0);
        }
        try
        {
            var result = await broadcasts.DeleteIfNotLiveAsync(input.EpisodeId, input.VideoId, token).ConfigureAwait(false);
            return new BroadcastDeletion(result.Deleted, result.Detail, result.UnitsSpent);
        }
        catch (Exception e) when (e is not ApplicationFailureException and not OperationCanceledException)
        {
            throw ActivityErrors.FromYouTube(e);
        }
    }

    public async Task<StreamSurvey> SurveyStreamsAsync(SurveyStreamsInput input)
    {
        var token = ActivityExecutionContext.Current.CancellationToken;
        try
        {
            var scan = await _streams.ScanAsync(token).ConfigureAwait(false);
            long units = scan.UnitsSpent;
            List<string> notes = [$"{scan.Marked.Count} stream(s) carry our marker; {scan.Unmarked} without it were left alone"];
            var (desired, problem) = await ReadDesiredAsync(input.Now, token).ConfigureAwait(false);
            if (desired is null)
            {
                notes.Add($"streams not judged: {problem}");
                return new StreamSurvey([], [], notes, units);
            }
            var wanted = CleanupDecisions.WantedStreamKeys(desired.Episodes.Values);
            var candidates = scan.Marked.Where(s => !wanted.Contains(s.StreamKey)).ToList();
            notes.Add($"{scan.Marked.Count - candidates.Count} marked stream(s) belong to shows with episodes at {GitShas.Short(desired.Commit)}");
            if (candidates.Count == 0)
            {
                return new StreamSurvey([], [], notes, units);
            }
            // Only now is it worth reading which streams the unfinished broadcasts hold.
            var bindings = await _streams.BindingsAsync(token).ConfigureAwait(false);
            units += bindings.UnitsSpent;
            List<OrphanStream> orphans = [];
            List<CleanupItem> kept = [];
            foreach (var stream in candidates)
            {
                var verdict = CleanupDecisions.JudgeStream(stream, bindings.Bindings, desired.Commit);
                if (verdict.Delete)
                {
                    orphans.Add(new OrphanStream(stream.StreamKey, verdict.Item));
                }
                else
                {
                    kept.Add(verdict.Item);
                }
            }
            return new StreamSurvey(orphans, kept, notes, units);
        }
        catch (Exception e) when (e is not ApplicationFailureException and not OperationCanceledException)
        {
            throw ActivityErrors.FromYouTube(e);
        }
    }

    public async Task<StreamDeletion> DeleteOrphanStreamAsync(DeleteOrphanStreamInput input)
    {
        var token = ActivityExecutionContext.Current.CancellationToken;
        // A commit may have brought the show (or an episode of it) back since the survey: it wants the stream again.
        var (desired, problem) = await ReadDesiredAsync(input.Now, token).ConfigureAwait(false);
        if (desired is null)
        {
            return new StreamDeletion(false, $"not deleted: {problem}", 0);
        }
        if (CleanupDecisions.WantedStreamKeys(desired.Episodes.Values).Contains(input.StreamKey))
        {
            return new StreamDeletion(false, $"stream key {input.StreamKey} is used by an episode at {GitShas.Short(desired.Commit)} again", 0);
        }
        try
        {
            var result = await _streams.DeleteIfUnboundAsync(input.StreamKey, input.StreamId, token).ConfigureAwait(false);
            return new StreamDeletion(result.Deleted, result.Detail, result.UnitsSpent);
        }
        catch (Exception e) when (e is not ApplicationFailureException and not OperationCanceledException)
        {
            throw ActivityErrors.FromYouTube(e);
        }
    }

    public async Task<HeldVideos> ListHeldVideosAsync(ListHeldVideosInput input)
    {
        var token = ActivityExecutionContext.Current.CancellationToken;
        var (desired, problem) = await ReadDesiredAsync(input.Now, token).ConfigureAwait(false);
        if (desired is null)
        {
            return new HeldVideos([], [$"drift not checked: {problem}"]);
        }
        List<HeldVideo> held = [];
        var entities = 0;
        await foreach (var wf in client.ListWorkflowsAsync("ExecutionStatus = 'Running'", new() { Rpc = new() { CancellationToken = token } }).ConfigureAwait(false))
        {
            if (wf.WorkflowType != nameof(EpisodeWorkflow))
            {
                continue;
            }
            EpisodeStatus state;
            try
            {
                state = await client.GetWorkflowHandle<EpisodeWorkflow>(wf.Id).QueryAsync(w => w.State, new() { Rpc = new() { CancellationToken = token } }).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RpcException or WorkflowQueryFailedException)
            {
                // Completed or continuing as new between the list and the query: the next pass sees it.
                continue;
            }
            entities++;
            if (CleanupDecisions.JudgeHeld(state, desired.Episodes, input.Now) is { } video)
            {
                held.Add(video);
            }
        }
        return new HeldVideos(held, [$"{held.Count} video(s) held by {entities} running episode entit{(entities == 1 ? "y" : "ies")} at {GitShas.Short(desired.Commit)}"]);
    }

    public async Task<VideoPresence> CheckVideosAsync(CheckVideosInput input)
    {
        var token = ActivityExecutionContext.Current.CancellationToken;
        List<string> missing = [];
        long units = 0;
        try
        {
            foreach (var batch in input.VideoIds.Distinct(StringComparer.Ordinal).Chunk(YouTubeCosts.IdsPerList))
            {
                units += YouTubeCosts.For(YouTubeCosts.VideosList);
                var found = (await youtube.ListVideosAsync(batch, "id", token).ConfigureAwait(false))
                    .Select(v => v.Id).ToHashSet(StringComparer.Ordinal);
                missing.AddRange(batch.Where(id => !found.Contains(id)));
            }
        }
        catch (Exception e) when (e is not ApplicationFailureException and not OperationCanceledException)
        {
            throw ActivityErrors.FromYouTube(e);
        }
        return new VideoPresence(missing, units);
    }

    /// <summary>The desired state at the branch head, or why it is not known.</summary>
    private async Task<(CleanupDesired? Desired, string? Problem)> ReadDesiredAsync(DateTimeOffset now, CancellationToken token)
    {
        string sha;
        try
        {
            sha = await revision.ResolveAsync(token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return (null, $"the branch head could not be read ({e.Message})");
        }
        var files = await source.GetEpisodeFilesAsync(sha, token).ConfigureAwait(false);
        var state = builder.Build(files, sha, now);
        if (state.Errors.Count > 0)
        {
            return (null, $"the head {GitShas.Short(sha)} does not validate ({state.Errors.Count} error(s); first: {state.Errors[0]})");
        }
        return (new CleanupDesired(sha, state.Episodes), null);
    }

    /// <summary>Whether <c>episode/&lt;id&gt;</c> runs, and how its last run ended.</summary>
    private async Task<EpisodeEntity> EpisodeEntityAsync(string episodeId, CancellationToken token)
    {
        var id = WorkflowIds.Episode(episodeId);
        WorkflowExecutionDescription description;
        try
        {
            description = await client.GetWorkflowHandle(id).DescribeAsync(new() { Rpc = new() { CancellationToken = token } }).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.NotFound)
        {
            return new EpisodeEntity(false, false, null);
        }
        if (description.Status == WorkflowExecutionStatus.Running)
        {
            return new EpisodeEntity(true, true, null);
        }
        if (description.Status != WorkflowExecutionStatus.Completed)
        {
            return new EpisodeEntity(true, false, $"its last run ended {description.Status}");
        }
        var outcome = await client.GetWorkflowHandle(id, description.RunId).GetResultAsync<EpisodeOutcome>().ConfigureAwait(false);
        return new EpisodeEntity(true, false, outcome.Result, outcome.VideoKept);
    }
}

/// <summary>The part of the desired state the cleanup needs.</summary>
public sealed record CleanupDesired(string Commit, IReadOnlyDictionary<string, DesiredEpisode> Episodes);

/// <summary>An episode's entity in Temporal, as the cleanup sees it.</summary>
/// <param name="Exists">Temporal knows <c>episode/&lt;id&gt;</c>.</param>
/// <param name="Running">Its current run is open: it owns the broadcast.</param>
/// <param name="LastResult">How its last run ended (<see cref="EpisodeOutcome.Result"/>), when it is closed.</param>
/// <param name="VideoKept">
/// <see cref="EpisodeOutcome.VideoKept"/> of its last run: whether it kept its video on purpose; null when it is open,
/// did not complete, or its outcome was recorded before the field existed.
/// </param>
public sealed record EpisodeEntity(bool Exists, bool Running, string? LastResult, bool? VideoKept = null);

/// <summary>What the cleanup decided about one thing.</summary>
public sealed record CleanupVerdict(bool Delete, CleanupItem Item);

/// <summary>A Cluster API <c>Cluster</c> carrying our ownership label.</summary>
/// <param name="EpisodeId">From its annotation; null when absent.</param>
/// <param name="ExpiresAt">From its expiry label; null when absent.</param>
public sealed record OwnedClusterInfo(string Namespace, string Name, string? EpisodeId, string? Team, DateTimeOffset? ExpiresAt);

/// <summary>The cleanup's view of our clusters (the Kubernetes area behind it): list what carries our label, delete one.</summary>
public interface IClusterJanitor
{
    /// <summary>Every cluster with our ownership label.</summary>
    Task<IReadOnlyList<OwnedClusterInfo>> ListOwnedAsync(CancellationToken cancellationToken);

    /// <summary>Deletes the cluster (refusing, as every Kubernetes operation does, one without our label) and waits until it is gone.</summary>
    Task DeleteAsync(OwnedClusterInfo cluster, CancellationToken cancellationToken);
}

/// <summary>The commit the watched branch points at now (what "the episode still exists" is judged against).</summary>
public interface ICurrentRevision
{
    /// <summary>The full sha of the branch head.</summary>
    Task<string> ResolveAsync(CancellationToken cancellationToken);
}

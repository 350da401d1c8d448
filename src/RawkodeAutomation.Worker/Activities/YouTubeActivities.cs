using System.Globalization;
using RawkodeAutomation.Worker.Adapters;
using RawkodeAutomation.Worker.Seams;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Activities;
using RawkodeAutomation.Workflows.Contracts;
using RawkodeAutomation.Workflows.Decisions;
using RawkodeAutomation.YouTube.Api;
using RawkodeAutomation.YouTube.Operations;
using Temporalio.Activities;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace RawkodeAutomation.Worker.Activities;

/// <summary>
/// <see cref="IYouTubeActivities"/> on the YouTube area's idempotent operations (which compare before
/// writing and report the units each call cost). The same code talks to Google or to the sandbox.
/// </summary>
public sealed class YouTubeActivities(YouTubeOperations operations, IThumbnailSource thumbnails, ITemporalClient temporal, YouTubeCallJournal journal) : IYouTubeActivities
{
    [Activity]
    public async Task<EnsureBroadcastResult> EnsureBroadcastAsync(EnsureBroadcastInput input)
    {
        var d = input.Desired;
        if (d.ScheduledFor is not { } start)
        {
            throw new ApplicationFailureException($"episode {d.EpisodeId} has no scheduledFor; only drafts may omit it", PipelineErrors.InvalidInput, nonRetryable: true);
        }
        var spec = new BroadcastSpec(
            d.EpisodeId,
            d.Title,
            d.Description,
            start,
            start + d.Duration,
            d.Visibility,
            d.CategoryId.ToString(CultureInfo.InvariantCulture),
            d.Tags,
            d.StreamKey,
            d.PlaylistId,
            d.AdoptVideoId ?? input.KnownVideoId)
        {
            // The file's youtube.videoId is a claim: that video or a failure, never a new broadcast in its place.
            ClaimedVideoId = d.AdoptVideoId,
            ClaimSource = $"episodes/{d.EpisodeId}.yaml",
            // The episode entity's id (its business key) never changes, so every attempt and run of this episode's create
            // recognises its own half-made insert, and nothing else.
            CreateIntent = CreateIntentOf(ActivityExecutionContext.Current.Info.WorkflowId ?? WorkflowIds.Episode(d.EpisodeId)),
        };
        // YouTubeOperations (a singleton) finds or creates the show's stream one caller at a time.
        return await MeteredAsync(
            token => input.ExistingVideo ? operations.EnsureExistingVideoAsync(spec, token) : operations.EnsureBroadcastAsync(spec, token),
            (result, units) =>
            {
                var action = result.Created ? "created" : result.Actions.Count == 0 ? "unchanged" : "updated";
                // EnsureBroadcast writes the description with the broadcast (liveBroadcasts or videos snippet).
                return new EnsureBroadcastResult(result.VideoId, action, DescriptionApplied: true, units ?? result.UnitsSpent);
            }).ConfigureAwait(false);
    }

    [Activity]
    public Task<EnsureDescriptionResult> EnsureDescriptionAsync(EnsureDescriptionInput input) =>
        MeteredAsync(
            token => input.Observed is { Snippet: { } seen } observed && observed.VideoId == input.VideoId
                // Read with the sweep's batch: write onto that snippet (etag-guarded) without reading the video again.
                ? operations.WriteDescriptionAsync(new DescriptionSpec(input.EpisodeId, input.VideoId, input.Description), new Video
                {
                    Id = input.VideoId,
                    ETag = observed.ETag,
                    Snippet = new VideoSnippet
                    {
                        Title = seen.Title,
                        CategoryId = seen.CategoryId,
                        Tags = seen.Tags is null ? null : [.. seen.Tags],
                        DefaultLanguage = seen.DefaultLanguage,
                        DefaultAudioLanguage = seen.DefaultAudioLanguage,
                    },
                }, token)
                : operations.EnsureDescriptionsAsync([new DescriptionSpec(input.EpisodeId, input.VideoId, input.Description)], token),
            (result, units) => result.Missing.Count > 0
                ? throw new ApplicationFailureException(
                    $"episode {input.EpisodeId}: video {input.VideoId} is not on the channel any more", PipelineErrors.NotFound, nonRetryable: true)
                : new EnsureDescriptionResult(result.Updated.Count > 0, units ?? result.UnitsSpent));

    [Activity]
    public async Task<ObservedVideos> ObserveVideosAsync(ObserveVideosInput input)
    {
        var context = ActivityExecutionContext.Current;
        var token = context.CancellationToken;
        // Heartbeats carry units (see MeteredAsync): keep what an earlier attempt reported while no call is made.
        var earlier = await EarlierUnitsAsync(context).ConfigureAwait(false);
        // The video each entity holds (a query: no YouTube call). An entity that is not running, or holds no video yet,
        // is observed as holding none: it reads for itself when its turn comes.
        var held = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var episodeId in input.EpisodeIds.Distinct(StringComparer.Ordinal))
        {
            try
            {
                var state = await temporal.GetWorkflowHandle<EpisodeWorkflow>(WorkflowIds.Episode(episodeId))
                    .QueryAsync(w => w.State, new() { Rpc = new() { CancellationToken = token } }).ConfigureAwait(false);
                held[episodeId] = state.Phase == EpisodePhase.Cancelled ? null : state.Applied.VideoId;
            }
            catch (Exception e) when (e is RpcException or WorkflowQueryFailedException)
            {
                held[episodeId] = null;
            }
            context.Heartbeat(earlier);
        }
        var ids = held.Values.OfType<string>().ToList();
        if (ids.Count == 0)
        {
            return new ObservedVideos([.. held.Keys.Select(id => new ObservedVideo(id, null, DateTimeOffset.UtcNow))], earlier);
        }
        return await MeteredAsync(
            t => operations.ReadVideosAsync(ids, t),
            (read, units) =>
            {
                var at = DateTimeOffset.UtcNow;
                var byId = read.Found.ToDictionary(v => v.Id!, StringComparer.Ordinal);
                List<ObservedVideo> observed = [];
                foreach (var (episodeId, videoId) in held)
                {
                    observed.Add(videoId is null ? new ObservedVideo(episodeId, null, at)
                        : byId.GetValueOrDefault(videoId) is not { Snippet: { } snippet } video ? new ObservedVideo(episodeId, videoId, at)
                        : new ObservedVideo(episodeId, videoId, at, Fingerprint.Of(snippet.Description ?? ""),
                            new ObservedSnippet(snippet.Title ?? "", snippet.CategoryId, snippet.Tags is null ? null : [.. snippet.Tags], snippet.DefaultLanguage, snippet.DefaultAudioLanguage),
                            video.ETag));
                }
                return new ObservedVideos(observed, units ?? read.UnitsSpent);
            }).ConfigureAwait(false);
    }

    [Activity]
    public async Task<EnsureThumbnailResult> EnsureThumbnailAsync(EnsureThumbnailInput input)
    {
        var context = ActivityExecutionContext.Current;
        RenderedThumbnail rendered;
        try
        {
            rendered = await thumbnails.RenderAsync(input.EpisodeId, input.Commit, context.CancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (ActivityErrors.FromThumbnail(input.EpisodeId, e) is ApplicationFailureException failure)
        {
            throw failure;
        }

        // Force re-render: a hash the video cannot already carry makes the operation upload.
        var hash = input.Force ? rendered.Hash + "-" + context.Info.ActivityId : rendered.Hash;
        var spec = new ThumbnailSpec(input.EpisodeId, input.VideoId, rendered.Image, input.Force ? Forced(hash) : hash)
        {
            // A retry may follow an attempt that uploaded this image and died before writing the marker (a worker
            // killed between the two calls): look at what the video shows before uploading it a second time.
            ShowsAlready = context.Info.Attempt > 1 && !input.Force
                ? (url, token) => ThumbnailReadback.ShowsAsync(url, rendered.Image, token)
                : null,
        };
        return await MeteredAsync(
            token => operations.EnsureThumbnailAsync(spec, token),
            (result, units) => new EnsureThumbnailResult(!result.Unchanged, input.Fingerprint, rendered.Image.LongLength, units ?? result.UnitsSpent)).ConfigureAwait(false);
    }

    [Activity]
    public Task<DeleteBroadcastResult> DeleteBroadcastAsync(DeleteBroadcastInput input) =>
        MeteredAsync(
            token => operations.EnsureBroadcastDeletedAsync(input.EpisodeId, input.VideoId, token),
            (result, units) => new DeleteBroadcastResult(result.Actions.Any(a => a.StartsWith("deleted", StringComparison.Ordinal)), units ?? result.UnitsSpent));

    /// <summary>
    /// Runs one YouTube operation and reports what it really cost: every request of this attempt, repeats and
    /// failures included, plus what earlier attempts of the same activity cost. The running total is heartbeated
    /// as each request is answered, and Temporal hands the last heartbeat to the next attempt, so an attempt that
    /// failed, timed out or was lost with a killed worker (kill -9: no failure is ever reported) still has its
    /// requests counted by the attempt that finishes. A failure carries the total as its details, so the workflow
    /// settles what was called, not the whole reservation. Without that, a call made by a lost or failed attempt
    /// would be paid on YouTube but never settled with the quota entity. <paramref name="finish"/> gets null units
    /// when no <see cref="RetryingYouTubeClient"/> metered the calls.
    /// </summary>
    private async Task<TResult> MeteredAsync<TOperation, TResult>(Func<CancellationToken, Task<TOperation>> operation, Func<TOperation, long?, TResult> finish)
    {
        var context = ActivityExecutionContext.Current;
        var key = YouTubeCallJournal.KeyOf(context.Info);
        var earlier = await EarlierUnitsAsync(context).ConfigureAwait(false);
        var meter = YouTubeCallRetries.Track(units =>
        {
            // The journal first: it is written at once, while the heartbeat leaves within a second (if Temporal is up).
            journal.Record(key, earlier + units);
            context.Heartbeat(earlier + units);
        });
        try
        {
            var result = await operation(context.CancellationToken).ConfigureAwait(false);
            return finish(result, meter.Calls > 0 || earlier > 0 ? earlier + meter.Units : null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var spent = earlier + meter.Units;
            context.Heartbeat(spent);
            throw ActivityErrors.FromYouTube(e, spent);
        }
    }

    /// <summary>
    /// What earlier attempts of this activity called: their last heartbeat, or the call journal when it knows more (the
    /// calls a killed worker made after its last heartbeat left).
    /// </summary>
    private async Task<long> EarlierUnitsAsync(ActivityExecutionContext context)
    {
        var heartbeat = context.Info.HeartbeatDetails.Count > 0 ? await context.Info.HeartbeatDetailAtAsync<long>(0).ConfigureAwait(false) : 0;
        return Math.Max(heartbeat, journal.Read(YouTubeCallJournal.KeyOf(context.Info)));
    }

    /// <summary>The create intent of an episode entity's broadcast (see <see cref="BroadcastSpec.CreateIntent"/>).</summary>
    public static string CreateIntentOf(string workflowId) => RawkodeAutomation.Workflows.Decisions.Fingerprint.Of("create-intent:" + workflowId);

    // The marker keeps 16 hex characters: hash the forced key so it still differs in those.
    private static string Forced(string key) => RawkodeAutomation.Workflows.Decisions.Fingerprint.Of(key);
}

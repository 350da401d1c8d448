using System.Globalization;
using RawkodeAutomation.Worker.Seams;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Activities;
using RawkodeAutomation.YouTube.Operations;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace RawkodeAutomation.Worker.Activities;

/// <summary>
/// <see cref="IYouTubeActivities"/> on the YouTube area's idempotent operations (which compare before
/// writing and report the units each call cost). The same code talks to Google or to the sandbox.
/// </summary>
public sealed class YouTubeActivities(YouTubeOperations operations, IThumbnailSource thumbnails) : IYouTubeActivities
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
            input.KnownVideoId ?? d.AdoptVideoId);
        try
        {
            var token = ActivityExecutionContext.Current.CancellationToken;
            var repeats = YouTubeCallRetries.Track();
            // YouTubeOperations (a singleton) finds or creates the show's stream one caller at a time.
            var result = await operations.EnsureBroadcastAsync(spec, token).ConfigureAwait(false);
            var action = result.Created ? "created" : result.Actions.Count == 0 ? "unchanged" : "updated";
            // EnsureBroadcast writes the description with the broadcast (liveBroadcasts or videos snippet).
            return new EnsureBroadcastResult(result.VideoId, action, DescriptionApplied: true, IsLiveOrComplete: false, result.UnitsSpent + repeats.ExtraUnits);
        }
        catch (Exception e) when (e is not ApplicationFailureException and not OperationCanceledException)
        {
            throw ActivityErrors.FromYouTube(e);
        }
    }

    [Activity]
    public async Task<EnsureDescriptionResult> EnsureDescriptionAsync(EnsureDescriptionInput input)
    {
        try
        {
            var repeats = YouTubeCallRetries.Track();
            var result = await operations.EnsureDescriptionsAsync(
                [new DescriptionSpec(input.EpisodeId, input.VideoId, input.Description)],
                ActivityExecutionContext.Current.CancellationToken).ConfigureAwait(false);
            if (result.Missing.Count > 0)
            {
                throw new ApplicationFailureException(
                    $"episode {input.EpisodeId}: video {input.VideoId} is not on the channel any more", PipelineErrors.NotFound, nonRetryable: true);
            }
            return new EnsureDescriptionResult(result.Updated.Count > 0, result.UnitsSpent + repeats.ExtraUnits);
        }
        catch (Exception e) when (e is not ApplicationFailureException and not OperationCanceledException)
        {
            throw ActivityErrors.FromYouTube(e);
        }
    }

    [Activity]
    public async Task<EnsureThumbnailResult> EnsureThumbnailAsync(EnsureThumbnailInput input)
    {
        var token = ActivityExecutionContext.Current.CancellationToken;
        var rendered = await thumbnails.RenderAsync(input.EpisodeId, input.Commit, token).ConfigureAwait(false);
        // Force re-render: a hash the video cannot already carry makes the operation upload.
        var hash = input.Force ? rendered.Hash + "-" + ActivityExecutionContext.Current.Info.ActivityId : rendered.Hash;
        try
        {
            var repeats = YouTubeCallRetries.Track();
            var result = await operations.EnsureThumbnailAsync(
                new ThumbnailSpec(input.EpisodeId, input.VideoId, rendered.Image, input.Force ? Forced(hash) : hash), token).ConfigureAwait(false);
            return new EnsureThumbnailResult(!result.Unchanged, input.Fingerprint, rendered.Image.LongLength, result.UnitsSpent + repeats.ExtraUnits);
        }
        catch (Exception e) when (e is not ApplicationFailureException and not OperationCanceledException)
        {
            throw ActivityErrors.FromYouTube(e);
        }
    }

    [Activity]
    public async Task<DeleteBroadcastResult> DeleteBroadcastAsync(DeleteBroadcastInput input)
    {
        try
        {
            var repeats = YouTubeCallRetries.Track();
            var result = await operations.EnsureBroadcastDeletedAsync(input.EpisodeId, input.VideoId, ActivityExecutionContext.Current.CancellationToken)
                .ConfigureAwait(false);
            var deleted = result.Actions.Any(a => a.StartsWith("deleted", StringComparison.Ordinal));
            return new DeleteBroadcastResult(deleted, result.UnitsSpent + repeats.ExtraUnits);
        }
        catch (Exception e) when (e is not ApplicationFailureException and not OperationCanceledException)
        {
            throw ActivityErrors.FromYouTube(e);
        }
    }

    // The marker keeps 16 hex characters: hash the forced key so it still differs in those.
    private static string Forced(string key) => RawkodeAutomation.Workflows.Decisions.Fingerprint.Of(key);
}

using RawkodeAutomation.Pipeline.Tests.Workflows;
using RawkodeAutomation.Worker.Activities;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Contracts;
using RawkodeAutomation.YouTube.Operations;

namespace RawkodeAutomation.Pipeline.Tests.EndToEnd;

public class EmbeddedPipelineTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private static Task<ChannelStatus> SettledAsync(EmbeddedStack stack, int episodes) =>
        PipelineHarness.WaitForAsync(
            () => PipelineStatusReader.ReadAsync(stack.Client),
            s => s.Episodes.Count == episodes && s.Episodes.All(e => !e.Busy && !e.Pending.Any && e.Phase != EpisodePhase.Failed),
            Timeout,
            $"{episodes} episodes converged");

    [Fact]
    public async Task LocalCommit_AddsEpisode_ExactlyOneScheduledBroadcastWithThumbnailAndDescriptionEvenAfterRestartAndRedelivery()
    {
        await using var stack = await EmbeddedStack.StartAsync(Channel.Base(3));
        await stack.StartWorkerAsync();
        await SettledAsync(stack, 3);
        Assert.Equal(3, stack.YouTube.Videos.Count);

        // Given a commit that adds an episode.
        var files = new Dictionary<string, byte[]>();
        Channel.AddEpisode(files, 4, "guest-person");
        var sha = await stack.CommitAsync(files.ToDictionary(f => f.Key, f => (byte[]?)f.Value), "add episode 4");

        // When the watcher picks it up and the worker process is killed once the broadcast exists.
        await PipelineHarness.WaitForAsync(
            () => stack.Client.GetWorkflowHandle<EpisodeWorkflow>(WorkflowIds.Episode(Channel.EpisodeId(4))).QueryAsync(wf => wf.State),
            s => s.Applied.VideoId is not null, Timeout, "broadcast created");
        await stack.StopWorkerAsync();
        await stack.StartWorkerAsync();
        // And the same commit is delivered again.
        Assert.Null(await TemporalCommitSink.StartAsync(stack.Client, stack.Options, new CommitInput(sha, null, DateTimeOffset.UtcNow), CancellationToken.None));

        // Then the channel has exactly one scheduled broadcast for it, with its thumbnail and rendered description.
        var status = await SettledAsync(stack, 4);
        var episode = status.Episodes.Single(e => e.EpisodeId == Channel.EpisodeId(4));
        var videos = stack.YouTube.Videos.Where(v => Markers.EpisodeOf(v.Tags) == Channel.EpisodeId(4)).ToList();
        var video = Assert.Single(videos);
        Assert.Equal(4, stack.YouTube.Videos.Count);
        Assert.True(video.IsBroadcast);
        Assert.Equal(new DateTimeOffset(2030, 1, 4, 17, 0, 0, TimeSpan.Zero), video.ScheduledStart);
        Assert.Equal(episode.Desired!.Description, video.Description);
        Assert.NotNull(video.Thumbnail);
        Assert.Equal(episode.Applied.VideoId, video.Id);
        // One persistent stream for the show, bound to every broadcast.
        Assert.Single(stack.YouTube.Streams);
    }

    [Fact]
    public async Task ForceRerender_OnTheRealAdapter_ExactlyOneMoreThumbnailsSetEachTime()
    {
        await using var stack = await EmbeddedStack.StartAsync(Channel.Base(1));
        await stack.StartWorkerAsync();
        var status = await SettledAsync(stack, 1);
        var episode = status.Episodes.Single();
        var video = stack.YouTube.FindVideo(episode.Applied.VideoId!)!;
        var calls = stack.YouTube.Calls("thumbnails.set");
        Assert.Equal(1, calls);
        var handle = stack.Client.GetWorkflowHandle<EpisodeWorkflow>(WorkflowIds.Episode(episode.EpisodeId));

        // The fingerprint did not change, so only the operator's force makes YouTube get the picture again.
        for (var round = 1; round <= 2; round++)
        {
            var after = await handle.ExecuteUpdateAsync(wf => wf.ForceRerenderNowAsync());
            Assert.Contains("thumbnail uploaded", after.LastResult, StringComparison.Ordinal);
            Assert.Equal(calls + round, stack.YouTube.Calls("thumbnails.set"));
            Assert.Equal(video.ThumbnailVersion + round, stack.YouTube.FindVideo(video.Id)!.ThumbnailVersion);
        }
        Assert.Single(stack.YouTube.Videos);
    }
}

using System.Text;
using Microsoft.Extensions.DependencyInjection;
using RawkodeAutomation.Pipeline.Tests.Workflows;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Contracts;
using RawkodeAutomation.YouTube;
using RawkodeAutomation.YouTube.Api;
using RawkodeAutomation.YouTube.Operations;
using Temporalio.Api.Enums.V1;

namespace RawkodeAutomation.Pipeline.Tests.EndToEnd;

/// <summary>
/// The cleanup's stream half on the embedded stack (offline Temporal, the YouTube sandbox, the local git watcher,
/// the real adapters and the real Google client): a show removed from <c>episodes/</c> leaves its persistent stream
/// behind; the next pass deletes it, keeps a stream an unfinished broadcast still holds, and never touches a stream
/// without our marker.
/// </summary>
public sealed class CleanupStreamsEndToEndTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private const string SideEpisode = "side-show/2030-02-01-only-episode";

    [Fact]
    public async Task TriggeredPass_ShowRemovedFromTheRepository_DeletesItsStreamKeepsHeldAndForeignStreamsAndTheShowCanComeBack()
    {
        // Given the demo show and a second show with one upcoming episode, reconciled by the pipeline.
        var files = Channel.Base(1);
        files["episodes/shows/side-show.yaml"] = SideShow();
        files[$"episodes/{SideEpisode}.yaml"] = SideEpisodeFile();
        await using var stack = await EmbeddedStack.StartAsync(files);
        // A day-long interval: the Schedule's own ticks (at UTC midnight) stay out of the test's way.
        stack.Settings["Pipeline:CleanupInterval"] = "1.00:00:00";
        await stack.StartWorkerAsync();
        await stack.ConvergedAsync(2, Timeout);
        var youtube = stack.Services.GetRequiredService<IYouTubeClient>();
        var sideStream = StreamOf(stack, "side-show");
        var demoStream = StreamOf(stack, "demo-show");
        var sideVideo = (await stack.EpisodeAsync(SideEpisode)).Applied.VideoId!;
        Assert.Equal(sideStream, stack.YouTube.FindVideo(sideVideo)!.BoundStreamId);

        // And a stream of ours whose show is long gone but which someone else's upcoming broadcast still uses,
        // and a stream that is not ours at all.
        var held = await InsertStreamAsync(youtube, "retired-show", Markers.StreamDescription("retired-show"));
        var foreign = await InsertStreamAsync(youtube, "someone-elses", "not a marker");
        var borrower = await youtube.InsertBroadcastAsync(new LiveBroadcast
        {
            Snippet = new LiveBroadcastSnippet { Title = "Someone else's show", ScheduledStartTimeRaw = "2030-02-02T17:00:00Z" },
            Status = new LiveBroadcastStatus { PrivacyStatus = "private" },
        }, "snippet,status");
        await youtube.BindBroadcastAsync(borrower.Id!, held, "id");

        // When the side show and its episode are removed in one commit: its entity deletes the upcoming broadcast,
        // and the stream is left with nothing that owns it.
        await stack.CommitAsync(new Dictionary<string, byte[]?>
        {
            ["episodes/shows/side-show.yaml"] = null,
            [$"episodes/{SideEpisode}.yaml"] = null,
        }, "retire the side show");
        await PipelineHarness.WaitForAsync(
            async () => (await stack.Client.GetWorkflowHandle(WorkflowIds.Episode(SideEpisode)).DescribeAsync()).Status,
            s => s == WorkflowExecutionStatus.Completed, Timeout, "the side episode's deletion handled");
        Assert.Null(stack.YouTube.FindVideo(sideVideo));
        Assert.Contains(stack.YouTube.Streams, s => s.Id == sideStream);

        // And an operator triggers the cleanup Schedule.
        await CleanupSchedule.EnsureAsync(stack.Client, stack.Options);
        var first = await stack.TriggerCleanupAndWaitAsync(Timeout);

        // Then the side show's stream is deleted; the held, the demo show's and the foreign streams stay.
        Assert.Equal([("stream", sideStream)], first.Deleted.Select(d => (d.Kind, d.Name)));
        Assert.Contains("side-show", first.Deleted[0].Reason, StringComparison.Ordinal);
        Assert.Equal(new[] { demoStream, held, foreign }.Order(), stack.YouTube.Streams.Select(s => s.Id).Order());
        var kept = Assert.Single(first.Kept, k => k.Kind == "stream");
        Assert.Equal(held, kept.Name);
        Assert.Contains(borrower.Id!, kept.Reason, StringComparison.Ordinal);
        Assert.Contains(first.Notes, n => n.StartsWith("3 stream(s) carry our marker; 1 without it", StringComparison.Ordinal));
        Assert.Equal(1, stack.YouTube.Calls("liveStreams.delete"));

        // When a second pass runs, then nothing more is deleted and no delete is even attempted.
        var second = await stack.TriggerCleanupAndWaitAsync(Timeout);
        Assert.Empty(second.Deleted);
        Assert.Equal([held], second.Kept.Where(k => k.Kind == "stream").Select(k => k.Name));
        Assert.Equal(1, stack.YouTube.Calls("liveStreams.delete"));

        // When the show comes back, then the worker (which remembered the deleted stream) finds it gone, creates a
        // new one and binds the new broadcast to it.
        await stack.CommitAsync(new Dictionary<string, byte[]?>
        {
            ["episodes/shows/side-show.yaml"] = SideShow(),
            [$"episodes/{SideEpisode}.yaml"] = SideEpisodeFile(),
        }, "the side show returns");
        var back = await PipelineHarness.WaitForAsync(
            () => stack.EpisodeAsync(SideEpisode),
            s => !s.Busy && !s.Pending.Any && s.Phase == EpisodePhase.Idle && s.Applied.VideoId is not null,
            Timeout, "the side episode reconciled again");
        var newStream = StreamOf(stack, "side-show");
        Assert.NotEqual(sideStream, newStream);
        Assert.Equal(newStream, stack.YouTube.FindVideo(back.Applied.VideoId!)!.BoundStreamId);
    }

    private static string StreamOf(EmbeddedStack stack, string key) =>
        Assert.Single(stack.YouTube.Streams, s => s.Description == Markers.StreamDescription(key)).Id;

    private static async Task<string> InsertStreamAsync(IYouTubeClient youtube, string title, string description) =>
        (await youtube.InsertStreamAsync(new LiveStream
        {
            Snippet = new LiveStreamSnippet { Title = title, Description = description },
            Cdn = new CdnSettings { IngestionType = "rtmp", Resolution = "variable", FrameRate = "variable" },
        }, "id")).Id!;

    private static byte[] SideShow() => Encoding.UTF8.GetBytes("""
        name: Side Show
        host: host-person
        description: A second show, retired in this test.
        youtube:
          categoryId: 28
          streamKey: side-show

        """);

    private static byte[] SideEpisodeFile() => Encoding.UTF8.GetBytes("""
        title: "The only side show episode"
        scheduledFor: 2030-02-01T17:00:00Z
        duration: 60m
        visibility: public
        guests: [guest-person]
        technologies: [kubernetes]
        summary: The side show's one and only episode.

        """);
}

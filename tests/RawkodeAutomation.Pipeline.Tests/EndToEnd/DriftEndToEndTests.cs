using System.Text;
using Microsoft.Extensions.DependencyInjection;
using RawkodeAutomation.Pipeline.Tests.Workflows;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.YouTube;
using RawkodeAutomation.YouTube.Api;
using RawkodeAutomation.YouTube.Operations;
using RawkodeAutomation.YouTube.Sandbox;

namespace RawkodeAutomation.Pipeline.Tests.EndToEnd;

/// <summary>
/// Drift (issue 15, item 3) on the embedded stack: videos deleted behind the pipeline's back are noticed by the cleanup
/// pass's drift check at one videos.list unit per 50 held videos. An upcoming broadcast is created again by its entity;
/// an aired video is reported (in the pass's report and the entity's state), never recreated.
/// </summary>
public sealed class DriftEndToEndTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(180);
    private static readonly DateTimeOffset Past = new(2021, 3, 4, 17, 0, 0, TimeSpan.Zero);
    private const string PastEpisode = "demo-show/2021-03-04-past";

    private static Dictionary<string, byte[]> Files()
    {
        var files = Channel.Base(2);
        files[$"episodes/{PastEpisode}.yaml"] = Encoding.UTF8.GetBytes("""
            title: "Past show"
            scheduledFor: 2021-03-04T17:00:00Z
            duration: 90m
            guests: [guest-person]
            summary: A show that aired long ago.
            youtube:
              videoId: pastVideo01

            """);
        return files;
    }

    private static ChannelSnapshot History() => new()
    {
        ChannelId = "UCdriftE2E00000000000000",
        Videos =
        {
            new SnapshotVideo
            {
                Id = "pastVideo01", Title = "Past show", Description = "Aired.", PublishedAt = Past.AddDays(-2), WasLive = true,
                ScheduledStart = Past, ActualStart = Past.AddMinutes(2), ActualEnd = Past.AddMinutes(92),
            },
        },
    };

    [Fact]
    public async Task CleanupPass_BroadcastsDeletedInStudio_UpcomingRecreatedAiredReportedNothingElseTouched()
    {
        // Given a channel of two upcoming episodes and an adopted past one, reconciled by the pipeline.
        await using var stack = await EmbeddedStack.StartAsync(Files(), history: History());
        stack.Settings["Pipeline:CleanupInterval"] = "1.00:00:00";
        await stack.StartWorkerAsync();
        var before = await stack.ConvergedAsync(3, Timeout);
        var gone = before.Episodes.Single(e => e.EpisodeId == Channel.EpisodeId(1)).Applied.VideoId!;
        var kept = before.Episodes.Single(e => e.EpisodeId == Channel.EpisodeId(2)).Applied.VideoId!;
        // And a creator's own upcoming broadcast, unmarked, with the same title and start as episode 1.
        var youtube = stack.Services.GetRequiredService<IYouTubeClient>();
        var theirs = await youtube.InsertBroadcastAsync(new LiveBroadcast
        {
            Snippet = new LiveBroadcastSnippet { Title = "Episode 1", Description = "Mine.", ScheduledStartTimeRaw = $"{Channel.AirDate(1):yyyy-MM-dd}T17:00:00Z" },
            Status = new LiveBroadcastStatus { PrivacyStatus = "private" },
        }, "snippet,status");

        // When the creator deletes episode 1's broadcast and the past video in YouTube Studio, and a cleanup pass runs.
        Assert.True(stack.YouTube.DeleteVideoAsCreator(gone));
        Assert.True(stack.YouTube.DeleteVideoAsCreator("pastVideo01"));
        var inserts = stack.YouTube.Calls("liveBroadcasts.insert");
        await CleanupSchedule.EnsureAsync(stack.Client, stack.Options);
        var report = await stack.TriggerCleanupAndWaitAsync(Timeout);

        // Then the pass reports both, at one videos.list call for the three held videos.
        Assert.NotNull(report.Drifted);
        Assert.Equal(
            new[] { (Channel.EpisodeId(1), gone), (PastEpisode, "pastVideo01") }.Order(),
            report.Drifted!.Select(d => (d.EpisodeId!, d.Name)).Order());
        Assert.Contains("not recreated", report.Drifted!.Single(d => d.EpisodeId == PastEpisode).Reason, StringComparison.Ordinal);

        // And episode 1's entity creates its broadcast again, with its marker and thumbnail; the past one is reported.
        var after = await PipelineHarness.WaitForAsync(
            () => PipelineStatusReader.ReadAsync(stack.Client),
            s => s.Episodes.Single(e => e.EpisodeId == Channel.EpisodeId(1)).Applied.VideoId is { } id && id != gone
                && s.Episodes.All(e => !e.Busy && !e.Pending.Any),
            Timeout, "episode 1's broadcast recreated");
        var recreated = stack.YouTube.FindVideo(after.Episodes.Single(e => e.EpisodeId == Channel.EpisodeId(1)).Applied.VideoId!)!;
        Assert.Equal(Channel.EpisodeId(1), Markers.EpisodeOf(recreated.Tags));
        Assert.NotNull(recreated.Thumbnail);
        Assert.NotNull(recreated.BoundStreamId);
        Assert.Equal(inserts + 1, stack.YouTube.Calls("liveBroadcasts.insert"));
        var past = after.Episodes.Single(e => e.EpisodeId == PastEpisode);
        Assert.Equal("pastVideo01", past.Applied.VideoId);
        Assert.Contains("pastVideo01", past.LastError, StringComparison.Ordinal);
        Assert.Null(stack.YouTube.FindVideo("pastVideo01"));
        // And nothing outside our markers was touched: the creator's broadcast is as they made it; episode 2 kept its own.
        var untouched = stack.YouTube.FindVideo(theirs.Id!)!;
        Assert.Equal(("Mine.", "private", null), (untouched.Description, untouched.PrivacyStatus, untouched.BoundStreamId));
        Assert.DoesNotContain(untouched.Tags ?? [], t => t.StartsWith("rawkode-", StringComparison.Ordinal));
        Assert.Equal(kept, after.Episodes.Single(e => e.EpisodeId == Channel.EpisodeId(2)).Applied.VideoId);

        // When another pass runs, then only the aired video is still reported and nothing is created.
        var second = await stack.TriggerCleanupAndWaitAsync(Timeout);
        Assert.Equal([(PastEpisode, "pastVideo01")], second.Drifted!.Select(d => (d.EpisodeId!, d.Name)));
        Assert.Equal(inserts + 1, stack.YouTube.Calls("liveBroadcasts.insert"));

        // When episode 2's broadcast is lost while the worker is down, then the drift-only pass `rawkode up` starts
        // on start-up notices it and its entity creates it again, without touching clusters, leftovers or streams.
        await stack.StopWorkerAsync();
        Assert.True(stack.YouTube.DeleteVideoAsCreator(kept));
        await stack.StartWorkerAsync();
        var startup = await (await CleanupSchedule.StartDriftCheckAsync(stack.Client, stack.Options, DateTimeOffset.UtcNow)).GetResultAsync();
        Assert.Equal(
            new[] { (Channel.EpisodeId(2), kept), (PastEpisode, "pastVideo01") }.Order(),
            startup.Drifted!.Select(d => (d.EpisodeId!, d.Name)).Order());
        Assert.Empty(startup.Deleted);
        Assert.Equal(1, startup.QuotaUnitsSpent);
        try
        {
            await PipelineHarness.WaitForAsync(
                () => stack.EpisodeAsync(Channel.EpisodeId(2)),
                e => e.Applied.VideoId is { } id && id != kept && !e.Busy && !e.Pending.Any,
                Timeout, "episode 2's broadcast recreated");
        }
        catch (TimeoutException e)
        {
            var diagnostics = await stack.DiagnoseAsync("drift", WorkflowIds.Episode(Channel.EpisodeId(2)));
            throw new TimeoutException($"{e.Message}\ndiagnostics in {diagnostics}", e);
        }
        Assert.Equal(inserts + 2, stack.YouTube.Calls("liveBroadcasts.insert"));
    }
}

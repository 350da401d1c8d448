using System.Text;
using RawkodeAutomation.Episodes.Adoption;
using RawkodeAutomation.Episodes.Loading;
using RawkodeAutomation.Pipeline.Tests.Workflows;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.Workflows.Decisions;
using RawkodeAutomation.YouTube;
using RawkodeAutomation.YouTube.Operations;
using RawkodeAutomation.YouTube.Quota;
using RawkodeAutomation.YouTube.Sandbox;

namespace RawkodeAutomation.Pipeline.Tests.EndToEnd;

/// <summary>
/// A real channel has history (issue 14), on the embedded stack: adopt the existing videos, run the pipeline, edit a
/// guest's bio. Past episodes are never created as broadcasts, the creator's thumbnails stay, and the bio edit rewrites
/// exactly the descriptions that mention the guest, once each.
/// </summary>
public sealed class ChannelHistoryEndToEndTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(180);
    private static readonly DateTimeOffset Past = new(2021, 3, 4, 17, 0, 0, TimeSpan.Zero);

    private static string PastId(int i) => $"demo-show/{Past.AddDays(7 * (i - 1)):yyyy-MM-dd}-past-{i}";

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>Four past episodes (1 already adopted, 2 and 3 to adopt, 4 never streamed) and one upcoming one.</summary>
    private static Dictionary<string, byte[]> Files()
    {
        var files = Channel.Base(0);
        for (var i = 1; i <= 4; i++)
        {
            var guest = i == 3 ? "other-person" : "guest-person";
            files[$"episodes/{PastId(i)}.yaml"] = Utf8($"""
                # A past show, written before RawkodeAutomation ran the channel.
                title: "Past show #{i}"
                scheduledFor: {Past.AddDays(7 * (i - 1)):yyyy-MM-dd}T17:00:00Z
                duration: 90m
                guests: [{guest}]
                summary: Past show number {i}.

                """ + (i == 1 ? "youtube:\n  videoId: pastVideo01\n" : ""));
        }
        Channel.AddEpisode(files, 1, "guest-person");
        return files;
    }

    private static ChannelSnapshot History(string thumbnail)
    {
        var snapshot = new ChannelSnapshot { ChannelId = "UChistoryE2E000000000000" };
        for (var i = 1; i <= 3; i++)
        {
            var start = Past.AddDays(7 * (i - 1));
            snapshot.Videos.Add(new SnapshotVideo
            {
                Id = $"pastVideo0{i}",
                Title = i == 2 ? $"PAST SHOW #{i} 🔴" : $"Past show #{i}",
                Description = "Described by an older tool.",
                Tags = ["old-tool"],
                PublishedAt = start.AddDays(-2),
                WasLive = true,
                ScheduledStart = start,
                ActualStart = start.AddMinutes(3),
                ActualEnd = start.AddMinutes(95),
                Thumbnail = thumbnail,
            });
        }
        snapshot.Videos.Add(new SnapshotVideo { Id = "trailer0001", Title = "Channel trailer", PublishedAt = Past.AddDays(-100) });
        return snapshot;
    }

    [Fact]
    public async Task AdoptThenUpThenBioEdit_PastVideosAdoptedNeverRecreated_ThumbnailsKept_AffectedDescriptionsRewrittenOnce()
    {
        var thumbnail = Path.Combine(Path.GetTempPath(), $"rawkode-creator-{Guid.NewGuid():N}.png");
        var creatorPng = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");
        await File.WriteAllBytesAsync(thumbnail, creatorPng);
        try
        {
            await using var stack = await EmbeddedStack.StartAsync(Files(), history: History(thumbnail));

            // Given `rawkode adopt --write`: read the channel cheaply, match, write the ids into the files, commit.
            var clock = TimeProvider.System;
            var options = stack.OwnYouTubeClientOptions();
            using (var client = YouTubeClient.Create(options, new InMemoryQuotaLedger(clock, 10_000), clock))
            {
                var history = await ChannelHistory.ReadAsync(client);
                var report = AdoptionMatcher.Match(EpisodeLoader.LoadDirectory(stack.Root).Repository.Episodes.Values, history.Videos, clock.GetUtcNow());
                Assert.Equal([PastId(2), PastId(3)], report.Matched.Select(m => m.Episode.Id).Order(StringComparer.Ordinal));
                Assert.Equal([PastId(4)], report.EpisodesWithoutVideo.Select(e => e.Id));
                Assert.Equal(["trailer0001"], report.VideosWithoutEpisode.Select(v => v.VideoId));
                Assert.Equal(3, history.UnitsSpent);
                var edits = report.Matched.ToDictionary(
                    m => m.Episode.Location.Path,
                    m => (byte[]?)Utf8(EpisodeFileEdit.WithVideoId(File.ReadAllText(Path.Combine(stack.Root, m.Episode.Location.Path)), m.Video.VideoId)));
                await stack.CommitAsync(edits, "adopt: youtube.videoId for 2 episodes");
            }
            Assert.StartsWith("# A past show", File.ReadAllText(Path.Combine(stack.Root, "episodes", PastId(2) + ".yaml")), StringComparison.Ordinal);

            // When the pipeline runs from fresh state.
            await stack.StartWorkerAsync();
            var status = await stack.ConvergedAsync(5, Timeout);

            // Then the past episodes are their existing videos, only the upcoming one became a broadcast.
            Assert.Equal(1, stack.YouTube.Calls("liveBroadcasts.insert"));
            Assert.Equal(5, stack.YouTube.Videos.Count);
            Assert.Equal(1, stack.YouTube.Calls("liveBroadcasts.bind"));
            for (var i = 1; i <= 3; i++)
            {
                var episode = status.Episodes.Single(e => e.EpisodeId == PastId(i));
                var video = stack.YouTube.FindVideo($"pastVideo0{i}")!;
                Assert.Equal($"pastVideo0{i}", episode.Applied.VideoId);
                Assert.Equal(episode.Desired!.Description, video.Description);
                Assert.Equal($"Past show #{i}", video.Title);
                Assert.Equal("complete", video.LifeCycleStatus);
                // The creator's thumbnail stays: no upload on an adopted video.
                Assert.Equal(1, video.ThumbnailVersion);
                Assert.Equal(creatorPng, video.Thumbnail);
            }
            var notOnYouTube = status.Episodes.Single(e => e.EpisodeId == PastId(4));
            Assert.Null(notOnYouTube.Applied.VideoId);
            Assert.Equal(HistoryDecisions.NotOnYouTubeResult, notOnYouTube.LastResult);
            var upcoming = stack.YouTube.FindVideo(status.Episodes.Single(e => e.EpisodeId == Channel.EpisodeId(1)).Applied.VideoId!)!;
            Assert.NotNull(upcoming.Thumbnail);
            Assert.Equal(1, stack.YouTube.Calls("thumbnails.set"));

            // When a guest's bio changes.
            var revisions = stack.YouTube.Videos.ToDictionary(v => v.Id, v => v.Revision);
            var updates = stack.YouTube.Calls("videos.update");
            var units = stack.YouTube.UnitsSpent;
            var reads = stack.YouTube.Calls("videos.list");
            await stack.CommitAsync(new Dictionary<string, byte[]?> { ["episodes/people/guest-person.yaml"] = Channel.Person("Guest Person", "Now runs the platform team.") }, "guest bio");
            await PipelineHarness.WaitForAsync(
                () => Task.FromResult(stack.YouTube.FindVideo("pastVideo02")!.Description),
                d => d.Contains("Now runs the platform team.", StringComparison.Ordinal), Timeout, "past video 2 rewritten");
            await stack.ConvergedAsync(5, Timeout);

            // Then exactly the descriptions that mention the guest were rewritten, once each; nothing else changed.
            string[] affected = ["pastVideo01", "pastVideo02", upcoming.Id];
            foreach (var video in stack.YouTube.Videos)
            {
                var expected = affected.Contains(video.Id) ? 1 : 0;
                Assert.True(revisions[video.Id] + expected == video.Revision, $"{video.Id}: revision {revisions[video.Id]} -> {video.Revision}, expected +{expected}");
                Assert.Equal(affected.Contains(video.Id), video.Description.Contains("Now runs the platform team.", StringComparison.Ordinal));
            }
            Assert.Equal(updates + 3, stack.YouTube.Calls("videos.update"));
            Assert.Equal(1, stack.YouTube.Calls("liveBroadcasts.insert"));
            Assert.Equal(1, stack.YouTube.Calls("thumbnails.set"));
            Assert.All(Enumerable.Range(1, 3), i => Assert.Equal(1, stack.YouTube.FindVideo($"pastVideo0{i}")!.ThumbnailVersion));
            // The sweep read the three videos in one videos.list; each write is 50.
            Assert.Equal(reads + 1, stack.YouTube.Calls("videos.list"));
            Assert.Equal(3 * 50 + 1, stack.YouTube.UnitsSpent - units);
        }
        finally
        {
            File.Delete(thumbnail);
        }
    }

    /// <summary>Past episodes already adopted (their files carry the videoId), as many as <paramref name="count"/>; the last two have another guest.</summary>
    internal static (Dictionary<string, byte[]> Files, ChannelSnapshot History) Adopted(int count)
    {
        var files = Channel.Base(0);
        var snapshot = new ChannelSnapshot { ChannelId = "UCbatchedReads0000000000" };
        for (var i = 1; i <= count; i++)
        {
            var start = Past.AddDays(i);
            var guest = i > count - 2 ? "other-person" : "guest-person";
            files[$"episodes/demo-show/{start:yyyy-MM-dd}-adopted-{i}.yaml"] = Utf8($"""
                title: "Adopted #{i}"
                scheduledFor: {start:yyyy-MM-dd}T17:00:00Z
                duration: 60m
                guests: [{guest}]
                summary: An old show, number {i}.
                youtube:
                  videoId: adopted{i:D4}

                """);
            snapshot.Videos.Add(new SnapshotVideo
            {
                Id = $"adopted{i:D4}",
                Title = $"Adopted #{i}",
                Description = "Described by an older tool.",
                PublishedAt = start.AddDays(-1),
                WasLive = true,
                ScheduledStart = start,
                ActualStart = start,
            });
        }
        return (files, snapshot);
    }

    [Fact]
    public async Task BioEdit_51AdoptedVideosMentionTheGuest_ReadInTwoBatchedCalls_EachChangedDescriptionWrittenOnce()
    {
        // Given 53 adopted past episodes, 51 of them with the guest, reconciled once.
        const int count = 53, affected = 51;
        var (files, history) = Adopted(count);
        await using var stack = await EmbeddedStack.StartAsync(files, history: history);
        await stack.StartWorkerAsync();
        await stack.ConvergedAsync(count, Timeout);
        Assert.Equal(0, stack.YouTube.Calls("liveBroadcasts.insert"));
        var revisions = stack.YouTube.Videos.ToDictionary(v => v.Id, v => v.Revision);
        var (reads, writes, units) = (stack.YouTube.Calls("videos.list"), stack.YouTube.Calls("videos.update"), stack.YouTube.UnitsSpent);
        var others = stack.YouTube.Calls("liveBroadcasts.list");

        // When the guest's bio changes.
        await stack.CommitAsync(new Dictionary<string, byte[]?> { ["episodes/people/guest-person.yaml"] = Channel.Person("Guest Person", "Now runs the platform team.") }, "guest bio");
        await PipelineHarness.WaitForAsync(
            () => Task.FromResult(stack.YouTube.Videos.Count(v => v.Description.Contains("Now runs the platform team.", StringComparison.Ordinal))),
            n => n == affected, Timeout, $"{affected} descriptions rewritten");
        await stack.ConvergedAsync(count, Timeout);

        // Then the sweep read the 51 videos in ⌈51/50⌉ = 2 videos.list calls, wrote each changed description once,
        // and was charged 2 + 51 × 50 units: no episode read its video for itself.
        Assert.Equal(2, stack.YouTube.Calls("videos.list") - reads);
        Assert.Equal(affected, stack.YouTube.Calls("videos.update") - writes);
        Assert.Equal(2 + affected * 50, stack.YouTube.UnitsSpent - units);
        Assert.Equal(others, stack.YouTube.Calls("liveBroadcasts.list"));
        foreach (var video in stack.YouTube.Videos)
        {
            var mentions = video.Description.Contains("Now runs the platform team.", StringComparison.Ordinal);
            Assert.True(revisions[video.Id] + (mentions ? 1 : 0) == video.Revision, $"{video.Id}: revision {revisions[video.Id]} -> {video.Revision}");
        }
    }
}

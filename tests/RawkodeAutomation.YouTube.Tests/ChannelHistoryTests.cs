using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using RawkodeAutomation.YouTube.Operations;
using RawkodeAutomation.YouTube.Sandbox;

namespace RawkodeAutomation.YouTube.Tests;

/// <summary>
/// A channel with history: the sandbox starts from a snapshot and answers the cheap reads <c>rawkode adopt</c> makes
/// (channels.list → uploads playlist → playlistItems.list → videos.list with liveStreamingDetails) with the real
/// shapes and costs, on the wire and through our client.
/// </summary>
public sealed class ChannelHistoryTests
{
    /// <summary>A generated channel: <paramref name="count"/> weekly videos, every third a plain upload, the rest past live streams.</summary>
    internal static ChannelSnapshot Channel(int count)
    {
        var first = new DateTimeOffset(2015, 1, 1, 17, 0, 0, TimeSpan.Zero);
        var snapshot = new ChannelSnapshot { ChannelId = "UCgenerated000000000000a", ChannelTitle = "Generated" };
        for (var i = 0; i < count; i++)
        {
            var start = first.AddDays(7 * i);
            var live = i % 3 != 0;
            snapshot.Videos.Add(new SnapshotVideo
            {
                Id = ("v" + i.ToString("D10", CultureInfo.InvariantCulture))[..11],
                Title = $"Episode {i}",
                Description = $"Old description {i}",
                Tags = ["old"],
                PublishedAt = live ? start.AddDays(-2) : start,
                WasLive = live,
                ScheduledStart = live ? start : null,
                ActualStart = live ? start.AddMinutes(2) : null,
                ActualEnd = live ? start.AddMinutes(92) : null,
            });
        }
        return snapshot;
    }

    [Fact]
    public async Task ChannelsList_Mine_AnswersTheChannelWithItsUploadsPlaylistForOneUnit()
    {
        await using var h = await SandboxHarness.StartAsync(snapshot: Channel(3));

        var (status, body) = await GetAsync(h, "channels?part=id,snippet,contentDetails&mine=true");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("youtube#channelListResponse", body["kind"]!.GetValue<string>());
        var channel = body["items"]![0]!;
        Assert.Equal("youtube#channel", channel["kind"]!.GetValue<string>());
        Assert.Equal("UCgenerated000000000000a", channel["id"]!.GetValue<string>());
        Assert.Equal("UUgenerated000000000000a", channel["contentDetails"]!["relatedPlaylists"]!["uploads"]!.GetValue<string>());
        Assert.Equal(1, h.Sandbox.UnitsSpent);
    }

    [Fact]
    public async Task ChannelsList_WithoutFilter_Answers400MissingRequiredParameter()
    {
        await using var h = await SandboxHarness.StartAsync();

        var (status, body) = await GetAsync(h, "channels?part=contentDetails");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("missingRequiredParameter", body["error"]!["errors"]![0]!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task PlaylistItemsList_UploadsPlaylist_EveryVideoNewestFirstWithContentDetails()
    {
        await using var h = await SandboxHarness.StartAsync(snapshot: Channel(3));

        var (status, body) = await GetAsync(h, "playlistItems?part=snippet,contentDetails&playlistId=UUgenerated000000000000a&maxResults=50");

        Assert.Equal(HttpStatusCode.OK, status);
        var items = body["items"]!.AsArray();
        Assert.Equal(["v0000000002", "v0000000001", "v0000000000"], items.Select(i => i!["contentDetails"]!["videoId"]!.GetValue<string>()));
        Assert.Equal("v0000000002", items[0]!["snippet"]!["resourceId"]!["videoId"]!.GetValue<string>());
        Assert.NotNull(items[0]!["contentDetails"]!["videoPublishedAt"]);
        Assert.Equal(1, h.Sandbox.UnitsSpent);
    }

    [Fact]
    public async Task VideosList_LiveStreamingDetails_OnlyOnVideosThatWereLive()
    {
        await using var h = await SandboxHarness.StartAsync(snapshot: Channel(2));

        var (status, body) = await GetAsync(h, "videos?part=snippet,status,liveStreamingDetails&id=v0000000000,v0000000001");

        Assert.Equal(HttpStatusCode.OK, status);
        var upload = body["items"]![0]!;
        var live = body["items"]![1]!;
        Assert.Null(upload["liveStreamingDetails"]);
        Assert.Equal("2015-01-08T17:02:00Z", live["liveStreamingDetails"]!["actualStartTime"]!.GetValue<string>());
        Assert.Equal("2015-01-08T17:00:00Z", live["liveStreamingDetails"]!["scheduledStartTime"]!.GetValue<string>());
        Assert.Equal("none", live["snippet"]!["liveBroadcastContent"]!.GetValue<string>());
        Assert.Equal(1, h.Sandbox.UnitsSpent);
    }

    [Fact]
    public async Task LiveBroadcastsList_Completed_ListsThePastLiveStreamsOfTheSnapshot()
    {
        await using var h = await SandboxHarness.StartAsync(snapshot: Channel(6));

        var (_, body) = await GetAsync(h, "liveBroadcasts?part=id,status&broadcastStatus=completed&maxResults=50");

        Assert.Equal(4, body["items"]!.AsArray().Count);
        Assert.All(body["items"]!.AsArray(), b => Assert.Equal("complete", b!["status"]!["lifeCycleStatus"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Start_SnapshotFile_SeedsVideosWithThumbnailsAndKeepsThemInTheStateFile()
    {
        var directory = Directory.CreateTempSubdirectory("rawkode-snapshot-");
        try
        {
            await File.WriteAllBytesAsync(Path.Combine(directory.FullName, "thumb.png"), SandboxHarness.Png(7));
            var snapshot = Channel(2);
            snapshot.Videos[1].Thumbnail = "thumb.png";
            snapshot.Save(Path.Combine(directory.FullName, "channel.json"));
            var state = Path.Combine(directory.FullName, "state", "youtube.json");
            var options = new YouTubeSandboxOptions { StatePath = state, SnapshotPath = Path.Combine(directory.FullName, "channel.json") };

            await using (var sandbox = await YouTubeSandbox.StartAsync(options))
            {
                Assert.Equal(2, sandbox.Videos.Count);
                Assert.Equal(SandboxHarness.Png(7), sandbox.FindVideo("v0000000001")!.Thumbnail);
                Assert.Equal(1, sandbox.FindVideo("v0000000001")!.ThumbnailVersion);
                Assert.True(File.Exists(state));
            }

            // The state file wins from now on: a changed snapshot does not reset the channel.
            Channel(5).Save(Path.Combine(directory.FullName, "channel.json"));
            await using var again = await YouTubeSandbox.StartAsync(options);
            Assert.Equal(2, again.Videos.Count);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Start_SnapshotWithUnknownField_FailsNamingTheFile()
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, "{\"videos\":[{\"id\":\"abcdefghijk\",\"titel\":\"typo\"}]}");

            var error = await Assert.ThrowsAsync<InvalidDataException>(() => YouTubeSandbox.StartAsync(new YouTubeSandboxOptions { SnapshotPath = path }));

            Assert.Contains(path, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task ReadAsync_FiveHundredVideoChannel_ReadsEveryVideoWithinTwentyFiveUnits()
    {
        await using var h = await SandboxHarness.StartAsync(snapshot: Channel(500));

        var history = await ChannelHistory.ReadAsync(h.Client);

        Assert.Equal(500, history.Videos.Count);
        Assert.Equal(500, history.Videos.Select(v => v.VideoId).Distinct().Count());
        Assert.True(h.Sandbox.UnitsSpent <= 25, $"{h.Sandbox.UnitsSpent} units");
        Assert.Equal(h.Sandbox.UnitsSpent, history.UnitsSpent);
        Assert.Equal(1, h.Sandbox.Calls("channels.list"));
        Assert.Equal(10, h.Sandbox.Calls("playlistItems.list"));
        Assert.Equal(10, h.Sandbox.Calls("videos.list"));
        var live = history.Videos.Single(v => v.VideoId == "v0000000001");
        Assert.True(live.WasLive);
        Assert.Equal(new DateTimeOffset(2015, 1, 8, 17, 2, 0, TimeSpan.Zero), live.ActualStart);
        Assert.False(history.Videos.Single(v => v.VideoId == "v0000000000").WasLive);
    }

    private static async Task<(HttpStatusCode Status, JsonNode Body)> GetAsync(SandboxHarness h, string query)
    {
        using var http = new HttpClient();
        var token = await ClientContractTests.TokenAsync(http, h.Sandbox);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(h.Sandbox.ApiBaseUri, "youtube/v3/" + query));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using RawkodeAutomation.YouTube.Api;
using RawkodeAutomation.YouTube.Operations;
using RawkodeAutomation.YouTube.Sandbox;

namespace RawkodeAutomation.YouTube.Tests;

/// <summary>
/// A channel with history, from the write side: YouTube refuses a broadcast in the past, a past episode is kept in
/// sync as the existing video it is, and a <c>youtube.videoId</c> the channel does not have is an error, never a
/// reason to create something.
/// </summary>
public sealed class ChannelHistoryOperationsTests
{
    private static readonly DateTimeOffset Past = new(2021, 5, 20, 17, 0, 0, TimeSpan.Zero);

    private static ChannelSnapshot History() => new()
    {
        ChannelId = "UChistory00000000000000a",
        Videos =
        [
            new SnapshotVideo
            {
                Id = "pastLive001", Title = "Klustered #4", Description = "Written by an older tool.", Tags = ["old"],
                PublishedAt = Past.AddDays(-3), WasLive = true, ScheduledStart = Past, ActualStart = Past.AddMinutes(2), ActualEnd = Past.AddMinutes(92),
            },
            new SnapshotVideo { Id = "foreign0001", Title = "Someone else's", PublishedAt = Past, ChannelId = "UCsomebodyElse0000000000" },
        ],
    };

    private static BroadcastSpec Spec(string? claimed, DateTimeOffset? start = null) => new(
        EpisodeId: "klustered/2021-05-20-klustered-4",
        Title: "Klustered #4: Maya and Olivia",
        Description: "Rendered by RawkodeAutomation.",
        ScheduledStart: start ?? Past,
        ScheduledEnd: (start ?? Past).AddMinutes(90),
        Visibility: "public",
        CategoryId: "28",
        Tags: ["kubernetes"],
        StreamKey: "klustered",
        PlaylistId: "PLklustered",
        KnownVideoId: claimed)
    {
        ClaimedVideoId = claimed,
        ClaimSource = "episodes/klustered/2021-05-20-klustered-4.yaml",
    };

    [Fact]
    public async Task LiveBroadcastsInsert_ScheduledInThePast_Answers400InvalidScheduledStartTimeAndCharges50()
    {
        await using var h = await SandboxHarness.StartAsync();
        using var http = new HttpClient();
        var token = await ClientContractTests.TokenAsync(http, h.Sandbox);
        var body = new JsonObject
        {
            ["snippet"] = new JsonObject { ["title"] = "Old show", ["scheduledStartTime"] = "2021-05-20T17:00:00Z" },
            ["status"] = new JsonObject { ["privacyStatus"] = "public" },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(h.Sandbox.ApiBaseUri, "youtube/v3/liveBroadcasts?part=id,snippet,status"))
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal(400, error["code"]!.GetValue<int>());
        Assert.Equal("invalidScheduledStartTime", error["errors"]![0]!["reason"]!.GetValue<string>());
        Assert.Equal("youtube.liveBroadcast", error["errors"]![0]!["domain"]!.GetValue<string>());
        Assert.Equal("snippet.scheduledStartTime", error["errors"]![0]!["location"]!.GetValue<string>());
        Assert.Empty(h.Sandbox.Videos);
        Assert.Equal(50, h.Sandbox.UnitsSpent);
    }

    [Fact]
    public async Task InsertBroadcast_InThePastThroughTheClient_IsAnInvalidApiErrorWithTheReason()
    {
        await using var h = await SandboxHarness.StartAsync();

        var error = await Assert.ThrowsAsync<YouTubeApiException>(() => h.Client.InsertBroadcastAsync(new LiveBroadcast
        {
            Snippet = new LiveBroadcastSnippet { Title = "Old show", ScheduledStartTimeRaw = "2021-05-20T17:00:00Z" },
            Status = new LiveBroadcastStatus { PrivacyStatus = "public" },
        }, "id,snippet,status"));

        Assert.Equal("invalidScheduledStartTime", error.Reason);
        Assert.Equal(YouTubeErrorKind.Invalid, error.Kind);
    }

    [Fact]
    public async Task EnsureExistingVideo_PastLiveVideo_WholeSnippetOnceThenNothingAndNoBroadcastCalls()
    {
        await using var h = await SandboxHarness.StartAsync(snapshot: History());
        var operations = new YouTubeOperations(h.Client);

        var first = await operations.EnsureExistingVideoAsync(Spec("pastLive001"));
        var second = await operations.EnsureExistingVideoAsync(Spec("pastLive001"));

        var video = h.Sandbox.FindVideo("pastLive001")!;
        Assert.Equal("Klustered #4: Maya and Olivia", video.Title);
        Assert.Equal("Rendered by RawkodeAutomation.", video.Description);
        Assert.Equal(["kubernetes", "rawkode-episode:klustered/2021-05-20-klustered-4"], video.Tags);
        Assert.Equal(Past, video.ScheduledStart);
        Assert.Equal("complete", video.LifeCycleStatus);
        Assert.Null(video.BoundStreamId);
        Assert.Equal(1, h.Sandbox.Calls("videos.update"));
        Assert.Equal(0, h.Sandbox.Calls("liveBroadcasts.insert") + h.Sandbox.Calls("liveBroadcasts.update") + h.Sandbox.Calls("liveBroadcasts.bind")
            + h.Sandbox.Calls("liveBroadcasts.transition") + h.Sandbox.Calls("liveStreams.insert") + h.Sandbox.Calls("playlistItems.insert") + h.Sandbox.Calls("thumbnails.set"));
        Assert.Equal(0, video.ThumbnailVersion);
        Assert.False(first.Created);
        Assert.True(second.Actions.Count == 0, string.Join("; ", second.Actions));
        // Second pass: the read only (the channel is remembered).
        Assert.Equal(1, second.UnitsSpent);
    }

    [Fact]
    public async Task EnsureBroadcast_ClaimedIdTheChannelDoesNotHave_FailsNamingIdAndFileAndCreatesNothing()
    {
        await using var h = await SandboxHarness.StartAsync(snapshot: History());

        var error = await Assert.ThrowsAsync<YouTubeApiException>(() =>
            new YouTubeOperations(h.Client).EnsureBroadcastAsync(Spec("doesNotExst", start: SandboxHarness.Start.AddDays(7))));

        Assert.Equal(YouTubeErrorKind.NotFound, error.Kind);
        Assert.Contains("'doesNotExst'", error.Message, StringComparison.Ordinal);
        Assert.Contains("episodes/klustered/2021-05-20-klustered-4.yaml", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Sandbox.Calls("liveBroadcasts.insert"));
        Assert.Equal(2, h.Sandbox.Videos.Count);
    }

    [Fact]
    public async Task EnsureExistingVideo_ClaimedIdTheChannelDoesNotHave_FailsAndCreatesNothing()
    {
        await using var h = await SandboxHarness.StartAsync(snapshot: History());

        var error = await Assert.ThrowsAsync<YouTubeApiException>(() => new YouTubeOperations(h.Client).EnsureExistingVideoAsync(Spec("doesNotExst")));

        Assert.Contains("youtube.videoId 'doesNotExst' in episodes/klustered/2021-05-20-klustered-4.yaml", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Sandbox.Calls("liveBroadcasts.insert") + h.Sandbox.Calls("videos.update"));
    }

    [Fact]
    public async Task EnsureExistingVideo_AnotherChannelsVideo_FailsNamingTheOwner()
    {
        await using var h = await SandboxHarness.StartAsync(snapshot: History());

        var error = await Assert.ThrowsAsync<YouTubeApiException>(() => new YouTubeOperations(h.Client).EnsureExistingVideoAsync(Spec("foreign0001")));

        Assert.Contains("belongs to channel UCsomebodyElse0000000000", error.Message, StringComparison.Ordinal);
        Assert.Contains("episodes/klustered/2021-05-20-klustered-4.yaml", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Sandbox.Calls("videos.update"));
    }

    [Fact]
    public async Task UploadsPlaylist_AnotherChannelsVideo_IsNotListed()
    {
        await using var h = await SandboxHarness.StartAsync(snapshot: History());

        var history = await ChannelHistory.ReadAsync(h.Client);

        Assert.Equal(["pastLive001"], history.Videos.Select(v => v.VideoId));
    }
}

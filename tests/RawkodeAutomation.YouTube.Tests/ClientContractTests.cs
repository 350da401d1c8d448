using System.Net;
using System.Net.Http.Headers;
using RawkodeAutomation.YouTube.Api;
using RawkodeAutomation.YouTube.Sandbox;

namespace RawkodeAutomation.YouTube.Tests;

/// <summary>The real client (Google.Apis core, OAuth refresh token, resumable upload) against the sandbox, one test per API method.</summary>
public sealed class ClientContractTests
{
    private static LiveBroadcast NewBroadcast(string title = "Klustered #7", string privacy = "public") => new()
    {
        Snippet = new LiveBroadcastSnippet { Title = title, Description = "Two teams break clusters.", ScheduledStartTimeRaw = "2026-06-01T17:00:00Z" },
        Status = new LiveBroadcastStatus { PrivacyStatus = privacy, SelfDeclaredMadeForKids = false },
        ContentDetails = new LiveBroadcastContentDetails { EnableAutoStart = false },
    };

    [Fact]
    public async Task InsertBroadcast_ValidBody_ReturnsCreatedBroadcastAndCharges50()
    {
        await using var h = await SandboxHarness.StartAsync();

        var created = await h.Client.InsertBroadcastAsync(NewBroadcast(), "id,snippet,status,contentDetails");

        Assert.False(string.IsNullOrEmpty(created.Id));
        Assert.Equal("youtube#liveBroadcast", created.Kind);
        Assert.False(string.IsNullOrEmpty(created.ETag));
        Assert.Equal("Klustered #7", created.Snippet!.Title);
        Assert.Equal("2026-06-01T17:00:00Z", created.Snippet.ScheduledStartTimeRaw);
        Assert.Equal("created", created.Status!.LifeCycleStatus);
        Assert.Equal("public", created.Status.PrivacyStatus);
        Assert.Equal(50, h.Sandbox.UnitsSpent);
        Assert.Equal(50, h.Ledger.SpentToday);
        Assert.Equal(1, h.Sandbox.TokensIssued);
    }

    [Fact]
    public async Task ListBroadcasts_ByIdMineAndStatus_ReturnOnlyRequestedParts()
    {
        await using var h = await SandboxHarness.StartAsync();
        var a = await h.Client.InsertBroadcastAsync(NewBroadcast("A"), "id");
        var b = await h.Client.InsertBroadcastAsync(NewBroadcast("B"), "id");

        var byId = await h.Client.ListBroadcastsAsync([a.Id!], "id,status");
        var mine = await h.Client.ListMyBroadcastsAsync("id,snippet", null, null);
        var upcoming = await h.Client.ListMyBroadcastsAsync("id", "upcoming", null);
        var completed = await h.Client.ListMyBroadcastsAsync("id", "completed", null);

        var only = Assert.Single(byId);
        Assert.Equal(a.Id, only.Id);
        Assert.Null(only.Snippet);
        Assert.NotNull(only.Status);
        Assert.Equal(new[] { a.Id, b.Id }, mine.Items!.Select(i => i.Id));
        Assert.All(mine.Items!, i => Assert.NotNull(i.Snippet));
        Assert.Equal(2, upcoming.Items!.Count);
        Assert.Empty(completed.Items!);
        Assert.Equal(100 + 4, h.Ledger.SpentToday);
        Assert.Equal(h.Ledger.SpentToday, h.Sandbox.UnitsSpent);
    }

    [Fact]
    public async Task ListMyBroadcasts_MoreThanAPage_PagesWithTokens()
    {
        await using var h = await SandboxHarness.StartAsync();
        for (var i = 0; i < 52; i++) { await h.Client.InsertBroadcastAsync(NewBroadcast($"Episode {i}"), "id"); }

        var first = await h.Client.ListMyBroadcastsAsync("id", null, null);
        var second = await h.Client.ListMyBroadcastsAsync("id", null, first.NextPageToken);

        Assert.Equal(50, first.Items!.Count);
        Assert.NotNull(first.NextPageToken);
        Assert.Equal(2, second.Items!.Count);
        Assert.Null(second.NextPageToken);
    }

    [Fact]
    public async Task UpdateBroadcast_SnippetAndStatus_ReplacesThoseParts()
    {
        await using var h = await SandboxHarness.StartAsync();
        var created = await h.Client.InsertBroadcastAsync(NewBroadcast(), "id");

        var updated = await h.Client.UpdateBroadcastAsync(new LiveBroadcast
        {
            Id = created.Id,
            Snippet = new LiveBroadcastSnippet { Title = "Renamed", Description = "New text", ScheduledStartTimeRaw = "2026-06-02T18:30:00Z" },
            Status = new LiveBroadcastStatus { PrivacyStatus = "unlisted" },
        }, "snippet,status");

        Assert.Equal("Renamed", updated.Snippet!.Title);
        Assert.Equal("2026-06-02T18:30:00Z", updated.Snippet.ScheduledStartTimeRaw);
        Assert.Equal("unlisted", updated.Status!.PrivacyStatus);
        var video = h.Sandbox.FindVideo(created.Id!)!;
        Assert.Equal("New text", video.Description);
        Assert.Equal(100, h.Sandbox.UnitsSpent);
    }

    [Fact]
    public async Task InsertAndListStreams_Mine_FindsReusableStreamWithIngestionInfo()
    {
        await using var h = await SandboxHarness.StartAsync();

        var stream = await h.Client.InsertStreamAsync(new LiveStream
        {
            Snippet = new LiveStreamSnippet { Title = "klustered", Description = "rawkode-stream:klustered" },
            Cdn = new CdnSettings { IngestionType = "rtmp", Resolution = "variable", FrameRate = "variable" },
            ContentDetails = new LiveStreamContentDetails { IsReusable = true },
        }, "id,snippet,cdn,contentDetails,status");
        var listed = await h.Client.ListMyStreamsAsync("id,snippet,cdn", null);

        Assert.False(string.IsNullOrEmpty(stream.Cdn!.IngestionInfo!.StreamName));
        Assert.True(stream.ContentDetails!.IsReusable);
        var found = Assert.Single(listed.Items!);
        Assert.Equal(stream.Id, found.Id);
        Assert.Equal("rawkode-stream:klustered", found.Snippet!.Description);
        Assert.Equal(51, h.Sandbox.UnitsSpent);
    }

    [Fact]
    public async Task BindAndTransition_ReadyTestingLiveComplete_FollowsLifeCycle()
    {
        await using var h = await SandboxHarness.StartAsync();
        var broadcast = await h.Client.InsertBroadcastAsync(NewBroadcast(), "id");
        var stream = await h.Client.InsertStreamAsync(new LiveStream
        {
            Snippet = new LiveStreamSnippet { Title = "s" },
            Cdn = new CdnSettings { IngestionType = "rtmp", Resolution = "variable", FrameRate = "variable" },
        }, "id");

        var bound = await h.Client.BindBroadcastAsync(broadcast.Id!, stream.Id, "id,status,contentDetails");
        var testing = await h.Client.TransitionBroadcastAsync(broadcast.Id!, "testing", "status");
        var live = await h.Client.TransitionBroadcastAsync(broadcast.Id!, "live", "status");
        var complete = await h.Client.TransitionBroadcastAsync(broadcast.Id!, "complete", "status,snippet");

        Assert.Equal(stream.Id, bound.ContentDetails!.BoundStreamId);
        Assert.Equal("ready", bound.Status!.LifeCycleStatus);
        Assert.Equal("testing", testing.Status!.LifeCycleStatus);
        Assert.Equal("live", live.Status!.LifeCycleStatus);
        Assert.Equal("complete", complete.Status!.LifeCycleStatus);
        Assert.NotNull(complete.Snippet!.ActualEndTimeRaw);
        Assert.Equal(50 * 6, h.Sandbox.UnitsSpent);
    }

    [Fact]
    public async Task DeleteBroadcast_Existing_RemovesItAndItsPlaylistEntries()
    {
        await using var h = await SandboxHarness.StartAsync();
        var broadcast = await h.Client.InsertBroadcastAsync(NewBroadcast(), "id");
        await h.Client.InsertPlaylistItemAsync("PLshow", broadcast.Id!);

        await h.Client.DeleteBroadcastAsync(broadcast.Id!);

        Assert.Null(h.Sandbox.FindVideo(broadcast.Id!));
        Assert.Empty(h.Sandbox.PlaylistItems);
        Assert.Empty(await h.Client.ListBroadcastsAsync([broadcast.Id!], "id"));
        Assert.Equal(1, h.Sandbox.Calls("liveBroadcasts.delete"));
    }

    [Fact]
    public async Task ListVideos_UpTo50Ids_ReturnsFoundOnesInOrderAndCostsOne()
    {
        await using var h = await SandboxHarness.StartAsync();
        var ids = Enumerable.Range(0, 49).Select(i => h.Sandbox.AddPublishedVideo($"Video {i}", $"Description {i}", ["k8s"])).ToList();

        var videos = await h.Client.ListVideosAsync([.. ids, "doesNotExist"], "snippet,status");

        Assert.Equal(ids, videos.Select(v => v.Id));
        Assert.Equal("Description 3", videos[3].Snippet!.Description);
        Assert.Equal(["k8s"], videos[3].Snippet!.Tags!);
        Assert.Equal("28", videos[3].Snippet!.CategoryId);
        Assert.Equal("none", videos[3].Snippet!.LiveBroadcastContent);
        Assert.Equal("public", videos[3].Status!.PrivacyStatus);
        Assert.Equal(1, h.Sandbox.UnitsSpent);
        await Assert.ThrowsAsync<ArgumentException>(() => h.Client.ListVideosAsync([.. Enumerable.Range(0, 51).Select(i => $"v{i}")], "id"));
    }

    [Fact]
    public async Task UpdateVideo_WholeSnippet_ReplacesTitleDescriptionTagsAndCategory()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = h.Sandbox.AddPublishedVideo("Old", "Old text", ["a", "b"], "22");
        var video = (await h.Client.ListVideosAsync([id], "snippet")).Single();

        video.Snippet!.Description = "New text";
        video.Snippet.Tags = ["c"];
        video.Snippet.CategoryId = "28";
        var updated = await h.Client.UpdateVideoAsync(new Video { Id = id, ETag = video.ETag, Snippet = video.Snippet }, "snippet");

        Assert.Equal("New text", updated.Snippet!.Description);
        var stored = h.Sandbox.FindVideo(id)!;
        Assert.Equal("Old", stored.Title);
        Assert.Equal(["c"], stored.Tags!);
        Assert.Equal("28", stored.CategoryId);
        Assert.NotEqual(video.ETag, updated.ETag);
        Assert.Equal(51, h.Sandbox.UnitsSpent);
    }

    [Fact]
    public async Task SetThumbnail_PngAndJpeg_UploadsResumableAndServesTheImage()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = h.Sandbox.AddPublishedVideo("V", "D");

        var png = await h.Client.SetThumbnailAsync(id, SandboxHarness.Png(), "image/png");
        await h.Client.SetThumbnailAsync(id, SandboxHarness.Jpeg(), "image/jpeg");

        Assert.Equal("youtube#thumbnailSetResponse", png.Kind);
        Assert.NotNull(Assert.Single(png.Items!).Default__!.Url);
        var stored = h.Sandbox.FindVideo(id)!;
        Assert.Equal(SandboxHarness.Jpeg(), stored.Thumbnail);
        Assert.Equal("image/jpeg", stored.ThumbnailContentType);
        using var http = new HttpClient();
        var served = await http.GetByteArrayAsync(new Uri(h.Sandbox.BaseUri, $"sandbox/thumbnails/{id}"));
        Assert.Equal(SandboxHarness.Jpeg(), served);
        Assert.Equal(100, h.Sandbox.UnitsSpent);
        Assert.Equal(2, h.Sandbox.Calls("thumbnails.set"));
    }

    [Fact]
    public async Task PlaylistItems_InsertThenListByVideo_FindsTheItem()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = h.Sandbox.AddPublishedVideo("V", "D");
        var other = h.Sandbox.AddPublishedVideo("W", "D");

        var item = await h.Client.InsertPlaylistItemAsync("PLklustered", id);
        await h.Client.InsertPlaylistItemAsync("PLklustered", other);
        var byVideo = await h.Client.ListPlaylistItemsAsync("PLklustered", id, null);
        var all = await h.Client.ListPlaylistItemsAsync("PLklustered", null, null);

        Assert.Equal("PLklustered", item.Snippet!.PlaylistId);
        Assert.Equal(id, Assert.Single(byVideo.Items!).Snippet!.ResourceId!.VideoId);
        Assert.Equal([0L, 1L], all.Items!.Select(i => i.Snippet!.Position!.Value));
        Assert.Equal(102, h.Sandbox.UnitsSpent);
    }

    [Fact]
    public async Task AccessToken_RevokedBySandbox_ClientRefreshesAndRetries()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = h.Sandbox.AddPublishedVideo("V", "D");
        await h.Client.ListVideosAsync([id], "id");

        h.Sandbox.RevokeAccessTokens();
        var again = await h.Client.ListVideosAsync([id], "id");

        Assert.Single(again);
        Assert.Equal(2, h.Sandbox.TokensIssued);
    }

    [Fact]
    public async Task RequestBodies_FromGoogleClient_ArriveGzipped()
    {
        await using var h = await SandboxHarness.StartAsync();

        await h.Client.InsertBroadcastAsync(NewBroadcast(), "id");

        Assert.True(h.Sandbox.GzipRequestBodies >= 1, "the client sends gzip bodies and the sandbox must decode them");
    }

    [Fact]
    public async Task Api_WithoutBearerToken_Answers401WithGoogleErrorBody()
    {
        await using var h = await SandboxHarness.StartAsync();
        using var http = new HttpClient();

        var response = await http.GetAsync(new Uri(h.Sandbox.ApiBaseUri, "youtube/v3/videos?part=id&id=x"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("\"reason\":\"required\"", body, StringComparison.Ordinal);
        Assert.Equal(0, h.Sandbox.UnitsSpent);
    }

    [Fact]
    public async Task SetThumbnail_MultipartUpload_IsAccepted()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = h.Sandbox.AddPublishedVideo("V", "D");
        using var http = new HttpClient();
        var token = await TokenAsync(http, h.Sandbox);
        using var content = new MultipartContent("related");
        content.Add(new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        var media = new ByteArrayContent(SandboxHarness.Png());
        media.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        content.Add(media);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(h.Sandbox.UploadBaseUri, $"upload/youtube/v3/thumbnails/set?uploadType=multipart&videoId={id}")) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(SandboxHarness.Png(), h.Sandbox.FindVideo(id)!.Thumbnail);
        Assert.Equal(50, h.Sandbox.UnitsSpent);
    }

    internal static async Task<string> TokenAsync(HttpClient http, YouTubeSandbox sandbox)
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = sandbox.RefreshToken,
            ["client_id"] = sandbox.ClientId,
            ["client_secret"] = sandbox.ClientSecret,
        });
        var response = await http.PostAsync(sandbox.TokenUri, form);
        response.EnsureSuccessStatusCode();
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("access_token").GetString()!;
    }
}

using System.Net;
using System.Net.Http.Headers;
using RawkodeAutomation.YouTube.Api;

namespace RawkodeAutomation.YouTube.Tests;

/// <summary>liveStreams.delete through the real client and on the wire, against the sandbox.</summary>
public sealed class LiveStreamDeleteTests
{
    private static Task<LiveStream> NewStreamAsync(SandboxHarness h, string key = "klustered") =>
        h.Client.InsertStreamAsync(new LiveStream
        {
            Snippet = new LiveStreamSnippet { Title = key, Description = "rawkode-stream:" + key },
            Cdn = new CdnSettings { IngestionType = "rtmp", Resolution = "variable", FrameRate = "variable" },
            ContentDetails = new LiveStreamContentDetails { IsReusable = true },
        }, "id");

    private static async Task<string> BoundBroadcastAsync(SandboxHarness h, string streamId)
    {
        var broadcast = await h.Client.InsertBroadcastAsync(new LiveBroadcast
        {
            Snippet = new LiveBroadcastSnippet { Title = "Klustered #7", ScheduledStartTimeRaw = "2026-06-01T17:00:00Z" },
            Status = new LiveBroadcastStatus { PrivacyStatus = "public", SelfDeclaredMadeForKids = false },
        }, "id");
        await h.Client.BindBroadcastAsync(broadcast.Id!, streamId, "id");
        return broadcast.Id!;
    }

    [Fact]
    public async Task DeleteStream_Unbound_Answers204WithNoBodyRemovesItAndCharges50()
    {
        await using var h = await SandboxHarness.StartAsync();
        var stream = await NewStreamAsync(h);
        var kept = await NewStreamAsync(h, "rawkode-live");
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Delete, new Uri(h.Sandbox.ApiBaseUri, $"youtube/v3/liveStreams?id={stream.Id}"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await ClientContractTests.TokenAsync(http, h.Sandbox));

        var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        var left = await h.Client.ListMyStreamsAsync("id", null);
        Assert.Equal([kept.Id], left.Items!.Select(s => s.Id));
        Assert.Equal(50 + 50 + 50 + 1, h.Sandbox.UnitsSpent);
    }

    [Fact]
    public async Task DeleteStream_ThroughTheClient_RemovesItAndLedgerAgreesWithYouTube()
    {
        await using var h = await SandboxHarness.StartAsync();
        var stream = await NewStreamAsync(h);

        await h.Client.DeleteStreamAsync(stream.Id!);

        Assert.Empty(h.Sandbox.Streams);
        Assert.Equal(1, h.Sandbox.Calls("liveStreams.delete"));
        Assert.Equal(100, h.Ledger.SpentToday);
        Assert.Equal(h.Ledger.SpentToday, h.Sandbox.UnitsSpent);
    }

    [Fact]
    public async Task DeleteStream_UnknownId_ThrowsNotFoundLiveStreamNotFoundAndIsCharged()
    {
        await using var h = await SandboxHarness.StartAsync();

        var error = await Assert.ThrowsAsync<YouTubeApiException>(() => h.Client.DeleteStreamAsync("no-such-stream"));

        Assert.Equal(YouTubeErrorKind.NotFound, error.Kind);
        Assert.Equal("liveStreamNotFound", error.Reason);
        Assert.False(error.IsRetryable);
        Assert.Equal(50, h.Sandbox.UnitsSpent);
    }

    [Theory]
    [InlineData("")]
    [InlineData("testing")]
    [InlineData("live")]
    [InlineData("testing,live")]
    public async Task DeleteStream_BoundToABroadcastNotYetComplete_ThrowsForbiddenLiveStreamDeletionNotAllowed(string transitions)
    {
        await using var h = await SandboxHarness.StartAsync();
        var stream = await NewStreamAsync(h);
        var broadcastId = await BoundBroadcastAsync(h, stream.Id!);
        foreach (var status in transitions.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            await h.Client.TransitionBroadcastAsync(broadcastId, status, "id");
        }

        var error = await Assert.ThrowsAsync<YouTubeApiException>(() => h.Client.DeleteStreamAsync(stream.Id!));

        Assert.Equal(YouTubeErrorKind.Forbidden, error.Kind);
        Assert.Equal("liveStreamDeletionNotAllowed", error.Reason);
        Assert.Contains(broadcastId, error.Message, StringComparison.Ordinal);
        Assert.Single(h.Sandbox.Streams);
    }

    [Fact]
    public async Task DeleteStream_BoundOnlyToACompletedBroadcast_Deletes()
    {
        await using var h = await SandboxHarness.StartAsync();
        var stream = await NewStreamAsync(h);
        var broadcastId = await BoundBroadcastAsync(h, stream.Id!);
        await h.Client.TransitionBroadcastAsync(broadcastId, "live", "id");
        await h.Client.TransitionBroadcastAsync(broadcastId, "complete", "id");

        await h.Client.DeleteStreamAsync(stream.Id!);

        Assert.Empty(h.Sandbox.Streams);
    }

    [Fact]
    public async Task DeleteStream_AfterItsBroadcastIsDeleted_Deletes()
    {
        await using var h = await SandboxHarness.StartAsync();
        var stream = await NewStreamAsync(h);
        var broadcastId = await BoundBroadcastAsync(h, stream.Id!);
        await h.Client.DeleteBroadcastAsync(broadcastId);

        await h.Client.DeleteStreamAsync(stream.Id!);

        Assert.Empty(h.Sandbox.Streams);
    }
}

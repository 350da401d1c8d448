using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RawkodeAutomation.YouTube.Operations;
using RawkodeAutomation.YouTube.Quota;
using RawkodeAutomation.YouTube.Sandbox;

namespace RawkodeAutomation.YouTube.Tests;

/// <summary>The sandbox's own promises: persistence, the channel page, counters, the token endpoint, wiring.</summary>
public sealed class SandboxTests
{
    private static BroadcastSpec Spec(string title, DateTimeOffset start) => new(
        "rawkode-live/2026-06-03-keda", title, "Scaling on events.\nSecond line & more.", start, null, "public", "28", ["keda"], "rawkode-live", null, null);

    [Fact]
    public async Task StatePath_RestartedSandbox_KeepsChannelAndQuotaDay()
    {
        var path = Path.Combine(Path.GetTempPath(), $"youtube-sandbox-{Guid.NewGuid():N}.json");
        try
        {
            string videoId;
            await using (var h = await SandboxHarness.StartAsync(statePath: path))
            {
                videoId = (await new YouTubeOperations(h.Client).EnsureBroadcastAsync(Spec("KEDA", new DateTimeOffset(2026, 6, 3, 16, 0, 0, TimeSpan.Zero)))).VideoId;
                await h.Client.SetThumbnailAsync(videoId, SandboxHarness.Png(), "image/png");
            }

            await using var restarted = await SandboxHarness.StartAsync(statePath: path);
            var video = restarted.Sandbox.FindVideo(videoId);

            Assert.NotNull(video);
            Assert.Equal("KEDA", video.Title);
            Assert.Equal(SandboxHarness.Png(), video.Thumbnail);
            Assert.Single(restarted.Sandbox.Streams);
            Assert.Equal(203 + 50, restarted.Sandbox.QuotaUsedToday); // broadcast without playlist, then the upload
            // Tokens are not persisted: the client refreshes and carries on.
            Assert.Single(await restarted.Client.ListVideosAsync([videoId], "id"));
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".lock");
        }
    }

    [Fact]
    public async Task StatePath_SecondSandboxWhileTheFirstRuns_IsRefusedWithTheFirstsAddress_ThenStartsOnceItStopped()
    {
        var directory = Directory.CreateTempSubdirectory("youtube-sandbox-owner-");
        var path = Path.Combine(directory.FullName, "youtube.json");
        try
        {
            string videoId;
            await using (var first = await SandboxHarness.StartAsync(statePath: path))
            {
                videoId = (await new YouTubeOperations(first.Client).EnsureBroadcastAsync(Spec("KEDA", new DateTimeOffset(2026, 6, 3, 16, 0, 0, TimeSpan.Zero)))).VideoId;
                var stateBefore = await File.ReadAllTextAsync(path);

                var refused = await Assert.ThrowsAsync<YouTubeSandboxInUseException>(() => YouTubeSandbox.StartAsync(new YouTubeSandboxOptions { StatePath = path }));

                Assert.Equal(first.Sandbox.BaseUri, refused.RunningAt);
                Assert.Contains(path, refused.Message, StringComparison.Ordinal);
                Assert.Contains($"listening at {first.Sandbox.BaseUri}", refused.Message, StringComparison.Ordinal);
                // The refused sandbox wrote nothing over the first one's channel.
                Assert.Equal(stateBefore, await File.ReadAllTextAsync(path));
                // A client made from the address reaches the running channel.
                var config = YouTubeSandbox.ClientConfigurationFor(refused.RunningAt!, new YouTubeSandboxOptions());
                Assert.Equal(first.Sandbox.ClientConfiguration, config);
            }

            await using var next = await SandboxHarness.StartAsync(statePath: path);
            Assert.NotNull(next.Sandbox.FindVideo(videoId));
            Assert.Equal(next.Sandbox.BaseUri.AbsoluteUri + "\n", await File.ReadAllTextAsync(path + ".owner"));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task StartAsync_CorruptStateFile_FailsWithTheFileName()
    {
        var path = Path.Combine(Path.GetTempPath(), $"youtube-sandbox-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, "{ not json");
        try
        {
            var error = await Assert.ThrowsAsync<InvalidDataException>(() => YouTubeSandbox.StartAsync(new YouTubeSandboxOptions { StatePath = path }));

            Assert.Contains(path, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".lock");
        }
    }

    [Fact]
    public async Task ChannelPage_UpcomingBroadcast_ShowsTitleTimeDescriptionAndThumbnail()
    {
        await using var h = await SandboxHarness.StartAsync();
        var operations = new YouTubeOperations(h.Client);
        var result = await operations.EnsureBroadcastAsync(Spec("Event-driven autoscaling with KEDA", new DateTimeOffset(2026, 6, 3, 16, 0, 0, TimeSpan.Zero)));
        await operations.EnsureThumbnailAsync(new ThumbnailSpec("rawkode-live/2026-06-03-keda", result.VideoId, SandboxHarness.Png(), "feedface"));
        h.Sandbox.AddPublishedVideo("An old episode", "Old");
        using var http = new HttpClient();

        var html = await http.GetStringAsync(h.Sandbox.BaseUri);

        Assert.Contains("Upcoming live streams", html, StringComparison.Ordinal);
        Assert.Contains("Event-driven autoscaling with KEDA", html, StringComparison.Ordinal);
        Assert.Contains("Wed 3 Jun 2026 16:00 UTC", html, StringComparison.Ordinal);
        Assert.Contains("09:00 Pacific", html, StringComparison.Ordinal);
        Assert.Contains("Second line &amp; more.", html, StringComparison.Ordinal);
        Assert.Contains($"src=\"/sandbox/thumbnails/{result.VideoId}?v=1\"", html, StringComparison.Ordinal);
        Assert.Contains("An old episode", html, StringComparison.Ordinal);
        Assert.Contains("304 / 10000 units today", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CountersEndpoint_AfterCalls_ReportsCallsAndUnits()
    {
        await using var h = await SandboxHarness.StartAsync();
        await h.Client.ListVideosAsync(["a"], "id");
        await h.Client.ListVideosAsync(["b"], "id");
        using var http = new HttpClient();

        using var json = JsonDocument.Parse(await http.GetStringAsync(new Uri(h.Sandbox.BaseUri, "sandbox/counters")));

        Assert.Equal(2, json.RootElement.GetProperty("callsPerMethod").GetProperty("videos.list").GetInt32());
        Assert.Equal(2, json.RootElement.GetProperty("unitsSpent").GetInt32());
        Assert.Equal(2, h.Sandbox.CallsPerMethod["videos.list"]);
    }

    [Theory]
    [InlineData("refresh_token", "wrong", "sandbox-client-secret", HttpStatusCode.BadRequest, "invalid_grant")]
    [InlineData("refresh_token", "sandbox-refresh-token", "wrong", HttpStatusCode.Unauthorized, "invalid_client")]
    [InlineData("authorization_code", "sandbox-refresh-token", "sandbox-client-secret", HttpStatusCode.BadRequest, "unsupported_grant_type")]
    public async Task TokenEndpoint_BadGrant_AnswersOAuthError(string grant, string refreshToken, string secret, HttpStatusCode status, string error)
    {
        await using var h = await SandboxHarness.StartAsync();
        using var http = new HttpClient();
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = grant,
            ["refresh_token"] = refreshToken,
            ["client_id"] = h.Sandbox.ClientId,
            ["client_secret"] = secret,
        });

        var response = await http.PostAsync(h.Sandbox.TokenUri, form);

        Assert.Equal(status, response.StatusCode);
        Assert.Contains($"\"error\":\"{error}\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, h.Sandbox.TokensIssued);
    }

    [Fact]
    public async Task ListVideos_UnknownPart_Answers400UnknownPart()
    {
        await using var h = await SandboxHarness.StartAsync();

        var error = await Assert.ThrowsAsync<YouTubeApiException>(() => h.Client.ListVideosAsync(["a"], "id,fileDetails"));

        Assert.Equal("unknownPart", error.Reason);
        Assert.Equal("part", error.Location);
    }

    [Fact]
    public async Task Quota_DayRollsAtPacificMidnight_NotUtcMidnight()
    {
        await using var h = await SandboxHarness.StartAsync();
        await h.Client.ListVideosAsync(["a"], "id");

        h.Clock.Set(new DateTimeOffset(2026, 5, 7, 6, 59, 0, TimeSpan.Zero)); // past UTC midnight, before Pacific midnight
        var sameDay = h.Sandbox.QuotaUsedToday;
        h.Clock.Set(new DateTimeOffset(2026, 5, 7, 7, 0, 0, TimeSpan.Zero));
        var nextDay = h.Sandbox.QuotaUsedToday;

        Assert.Equal(1, sameDay);
        Assert.Equal(0, nextDay);
        Assert.Equal(0, h.Ledger.SpentToday);
    }

    [Fact]
    public async Task AddYouTube_ConfigurationFromSandbox_ResolvesWorkingClient()
    {
        await using var sandbox = await YouTubeSandbox.StartAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(sandbox.ClientConfiguration).Build();
        var services = new ServiceCollection().AddYouTube(configuration).BuildServiceProvider();

        var options = services.GetRequiredService<IOptions<YouTubeOptions>>().Value;
        var client = services.GetRequiredService<IYouTubeClient>();
        var videos = await client.ListVideosAsync(["nothing"], "id");

        Assert.Equal(sandbox.TokenUri, options.TokenUri);
        Assert.Empty(videos);
        Assert.Equal(1, services.GetRequiredService<IQuotaLedger>().SpentToday);
        Assert.NotNull(services.GetRequiredService<YouTubeOperations>());
        await services.DisposeAsync();
    }

    [Fact]
    public void AddYouTube_NoCredentials_OptionsValidationNamesTheKeys()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["YouTube:ApiBaseUri"] = "http://example.com/" }).Build();
        using var services = new ServiceCollection().AddYouTube(configuration).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<YouTubeOptions>>().Value);

        Assert.Contains("YouTube:ClientId", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_HttpNonLoopbackEndpoint_IsRejected()
    {
        var options = new YouTubeOptions { ClientId = "a", ClientSecret = "b", RefreshToken = "c", ApiBaseUri = new Uri("http://example.com/") };

        var problems = options.Problems();

        Assert.Contains(problems, p => p.Contains("YouTube:ApiBaseUri", StringComparison.Ordinal));
    }
}

/// <summary>Quota survives a restart even when the last calls were reads.</summary>
public sealed class SandboxQuotaPersistenceTests
{
    [Fact]
    public async Task StatePath_OnlyReadsBeforeRestart_QuotaUsedIsKept()
    {
        var path = Path.Combine(Path.GetTempPath(), $"youtube-sandbox-{Guid.NewGuid():N}.json");
        try
        {
            await using (var h = await SandboxHarness.StartAsync(statePath: path))
            {
                for (var i = 0; i < 3; i++) { await h.Client.ListVideosAsync(["x"], "id"); }
            }

            await using var restarted = await SandboxHarness.StartAsync(statePath: path);

            Assert.Equal(3, restarted.Sandbox.QuotaUsedToday);
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".lock");
        }
    }
}

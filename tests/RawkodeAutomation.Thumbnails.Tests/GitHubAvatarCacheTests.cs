using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace RawkodeAutomation.Thumbnails.Tests;

/// <summary>
/// GitHub avatars through a loopback stand-in for <c>https://github.com/&lt;handle&gt;.png</c>: the tests never use the
/// network.
/// </summary>
public sealed class GitHubAvatarCacheTests(RendererFixture fixture) : IClassFixture<RendererFixture>, IAsyncLifetime
{
    private readonly string _cache = Directory.CreateTempSubdirectory("rawkode-avatars-").FullName;
    private readonly List<string> _requests = [];
    private WebApplication? _server;
    private Uri _base = null!;

    public async Task InitializeAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        _server = builder.Build();
        byte[] face = File.ReadAllBytes(Path.Combine(fixture.AvatarsDirectory, "grace.png"));
        _server.MapGet("/{file}", (string file) =>
        {
            lock (_requests)
            {
                _requests.Add(file);
            }
            return file == "grace-gh.png" ? Results.Bytes(face, "image/png") : Results.NotFound();
        });
        await _server.StartAsync();
        _base = new Uri(_server.Urls.First() + "/");
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        Directory.Delete(_cache, recursive: true);
    }

    private ThumbnailAssets Assets => fixture.Assets with { AvatarCacheDirectory = _cache };

    private static readonly ThumbnailPerson Gh = new("gh-only", "Grace Hopper", "grace-gh");

    [Fact]
    public async Task FetchMissingAsync_HandleWithoutAvatarFile_CachedAndDrawn()
    {
        using ThumbnailRenderer renderer = new(Assets);
        ThumbnailRequest request = RendererFixture.Request("default", "A face from GitHub", Gh);
        RenderedThumbnail before = renderer.Render(request);
        using HttpClient http = new();

        AvatarFetchReport report = await new GitHubAvatarCache(http, Assets, _base).FetchMissingAsync([Gh]);

        Assert.Equal(["grace-gh"], report.Fetched);
        Assert.Null(report.Offline);
        Assert.Equal(Assets.GitHubAvatarPath("grace-gh"), renderer.AvatarFile(Gh));
        RenderedThumbnail after = renderer.Render(request);
        Assert.Equal(["gh-only"], before.MissingAvatars);
        Assert.Empty(after.MissingAvatars);
        Assert.NotEqual(before.ContentHash, after.ContentHash);
        Assert.Contains("grace-gh.png", _requests);
    }

    [Fact]
    public async Task FetchMissingAsync_AlreadyCached_DoesNotAskAgain()
    {
        using HttpClient http = new();
        GitHubAvatarCache cache = new(http, Assets, _base);
        await cache.FetchMissingAsync([Gh]);

        AvatarFetchReport again = await cache.FetchMissingAsync([Gh]);

        Assert.Empty(again.Fetched);
        Assert.Single(_requests);
    }

    [Fact]
    public async Task FetchMissingAsync_PersonWithAvatarFile_NeverAsks()
    {
        using HttpClient http = new();

        AvatarFetchReport report = await new GitHubAvatarCache(http, Assets, _base).FetchMissingAsync([new ThumbnailPerson("ada", "Ada Lovelace", "ada-gh")]);

        Assert.Empty(report.Fetched);
        Assert.Empty(_requests);
    }

    [Fact]
    public async Task FetchMissingAsync_UnknownHandle_NotFoundAndStaysAMonogram()
    {
        using ThumbnailRenderer renderer = new(Assets);
        ThumbnailPerson nobody = new("nobody", "No Body", "no-such-user");
        using HttpClient http = new();

        AvatarFetchReport report = await new GitHubAvatarCache(http, Assets, _base).FetchMissingAsync([nobody]);

        Assert.Equal(["no-such-user"], report.NotFound);
        Assert.Null(renderer.AvatarFile(nobody));
    }

    [Fact]
    public async Task FetchMissingAsync_NoNetwork_ReportsOfflineAndStaysAMonogram()
    {
        // A port nothing listens on: connection refused, as on a machine without network access.
        using TcpListener listener = new(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using ThumbnailRenderer renderer = new(Assets);
        using HttpClient http = new();

        AvatarFetchReport report = await new GitHubAvatarCache(http, Assets, new Uri($"http://127.0.0.1:{port}/")).FetchMissingAsync([Gh]);

        Assert.NotNull(report.Offline);
        Assert.Empty(report.Fetched);
        Assert.Null(renderer.AvatarFile(Gh));
        Assert.Equal(["gh-only"], renderer.Render(RendererFixture.Request("default", "Offline", Gh)).MissingAvatars);
    }
}

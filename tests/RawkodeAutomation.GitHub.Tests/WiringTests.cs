using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RawkodeAutomation.GitHub.Local;
using RawkodeAutomation.GitHub.Octokit;
using RawkodeAutomation.GitHub.Sandbox;
using RawkodeAutomation.GitHub.Webhooks;

namespace RawkodeAutomation.GitHub.Tests;

public sealed class WiringTests
{
    private static IConfiguration Config(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    [Fact]
    public void AddGitHub_RepositoryConfigured_UsesOctokitAdapters()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddGitHub(Config(new() { ["GitHub:Repository"] = "rawkode/channel", ["GitHub:Token"] = "t", ["GitHub:ApiBaseUri"] = "http://127.0.0.1:1/" }));
        using var provider = services.BuildServiceProvider();

        Assert.IsType<GitHubEpisodeSource>(provider.GetRequiredService<IEpisodeSource>());
        Assert.IsType<GitHubCommitStatusReporter>(provider.GetRequiredService<ICommitStatusReporter>());
        Assert.IsType<GitHubEpisodeFileWriter>(provider.GetRequiredService<IEpisodeFileWriter>());
    }

    [Fact]
    public void AddGitHub_NothingConfigured_UsesLocalGitAdapters()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddGitHub(Config([]));
        using var provider = services.BuildServiceProvider();

        Assert.IsType<LocalGitEpisodeSource>(provider.GetRequiredService<IEpisodeSource>());
        Assert.IsType<LoggingCommitStatusReporter>(provider.GetRequiredService<ICommitStatusReporter>());
        Assert.IsType<LocalGitEpisodeFileWriter>(provider.GetRequiredService<IEpisodeFileWriter>());
    }

    [Fact]
    public async Task MapGitHubWebhooks_ConfiguredThroughAddGitHub_AcceptsSignedPushAndIgnoresOtherEvents()
    {
        const string secret = "s3cret";
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddGitHub(Config(new()
        {
            ["GitHub:Repository"] = "rawkode/channel",
            ["GitHub:WebhookSecret"] = secret,
            ["GitHub:ApiBaseUri"] = "http://127.0.0.1:1/",
        }));
        var sink = new RecordingSink();
        builder.Services.AddSingleton<ICommitSink>(sink);
        await using var app = builder.Build();
        app.MapGitHubWebhooks();
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        using var http = new HttpClient();
        var sender = new GitHubWebhookSender(http, new Uri(address, "/webhooks/github"), secret);
        var after = new string('a', 40);

        var push = await sender.SendPushAsync(new SandboxPush("rawkode/channel", "main", GitShas.Zero, after));
        var star = await sender.SendAsync("star", Encoding.UTF8.GetBytes("{\"action\":\"created\"}"));

        Assert.Equal(202, push.StatusCode);
        Assert.Equal(200, star.StatusCode);
        var observed = Assert.Single(sink.Observed);
        Assert.Equal(new CommitObserved("rawkode/channel", "main", after, null, false, push.DeliveryId), observed);
        await app.StopAsync();
    }
}

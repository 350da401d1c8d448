using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace RawkodeAutomation.GitHub.Webhooks;

/// <summary>
/// A minimal Kestrel host that serves only the webhook endpoint on loopback, for tests, the load command and
/// embedding. Hosts with more endpoints use <see cref="GitHubServiceCollectionExtensions.AddGitHubWebhooks"/> and
/// <see cref="GitHubWebhookEndpoint.MapGitHubWebhooks"/> directly.
/// </summary>
public sealed class GitHubWebhookHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _disposed;

    private GitHubWebhookHost(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    /// <summary>The webhook URL, e.g. <c>http://127.0.0.1:PORT/webhooks/github</c>.</summary>
    public Uri Endpoint { get; }

    /// <summary>The delivery store in use.</summary>
    public IWebhookDeliveryStore Deliveries => _app.Services.GetRequiredService<IWebhookDeliveryStore>();

    /// <summary>Starts the host on 127.0.0.1:<paramref name="port"/> (0: any free port).</summary>
    public static async Task<GitHubWebhookHost> StartAsync(GitHubOptions options, ICommitSink sink, int port = 0, TimeProvider? time = null,
        Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        builder.Services.AddSingleton(sink);
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddGitHubWebhooks(options);
        var app = builder.Build();
        app.MapGitHubWebhooks();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new GitHubWebhookHost(app, new Uri(new Uri(address), options.WebhookPath));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // Idempotent: tests stop a host to restart another on the same state, then dispose everything.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

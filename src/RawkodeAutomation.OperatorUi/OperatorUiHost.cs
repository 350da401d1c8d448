using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Temporalio.Client;

namespace RawkodeAutomation.OperatorUi;

/// <summary>
/// The operator page as a standalone loopback web server: <c>await using var ui = await
/// OperatorUiHost.StartAsync(new() { TemporalAddress = "127.0.0.1:7233", Port = 0 });</c> then open
/// <see cref="Uri"/>. To serve the page from an existing app instead, use
/// <see cref="OperatorUiEndpointRouteBuilderExtensions.MapOperatorUi"/>.
/// </summary>
public sealed class OperatorUiHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OperatorUiHost(WebApplication app, Uri uri)
    {
        _app = app;
        Uri = uri;
    }

    /// <summary>The page's root, e.g. <c>http://127.0.0.1:8233/</c>.</summary>
    public Uri Uri { get; }

    /// <summary>
    /// Starts serving. The Temporal connection is made lazily, so the page starts even before the frontend is
    /// up and says so on each request until it can reach it.
    /// </summary>
    /// <exception cref="ArgumentException">The host is not an IP address or <c>localhost</c>, or the port is out of range.</exception>
    public static async Task<OperatorUiHost> StartAsync(OperatorUiOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Port is < 0 or > 65535)
        {
            throw new ArgumentException($"Operator page port {options.Port} is not between 0 and 65535.", nameof(options));
        }
        var isLocalhost = string.Equals(options.Host, "localhost", StringComparison.OrdinalIgnoreCase);
        IPAddress? ip = null;
        if (!isLocalhost && !IPAddress.TryParse(options.Host, out ip))
        {
            throw new ArgumentException($"Operator page host '{options.Host}' is not an IP address or 'localhost'.", nameof(options));
        }
        if (string.IsNullOrWhiteSpace(options.Namespace))
        {
            throw new ArgumentException("Operator page namespace is empty.", nameof(options));
        }
        var client = options.Client ?? TemporalClient.CreateLazy(new TemporalClientConnectOptions(options.TemporalAddress) { Namespace = options.Namespace });

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(OperatorUiHost).Assembly.GetName().Name });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            if (isLocalhost)
            {
                kestrel.ListenLocalhost(options.Port);
            }
            else
            {
                kestrel.Listen(ip!, options.Port);
            }
        });
        builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddRouting();
        var app = builder.Build();
        app.UseRouting();
        app.MapOperatorUi(client, "/");
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return new OperatorUiHost(app, new UriBuilder(bound) { Path = "/" }.Uri);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }
}

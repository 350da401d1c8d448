using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RawkodeAutomation.StateFiles;
using RawkodeAutomation.TemporalServer.Engine;
using RawkodeAutomation.TemporalServer.Grpc;
using RawkodeAutomation.TemporalServer.Schedules;
using RawkodeAutomation.TemporalServer.Storage;
using RawkodeAutomation.TemporalServer.TimeSkipping;

namespace RawkodeAutomation.TemporalServer;

/// <summary>
/// A Temporal-compatible frontend (<c>temporal.api.workflowservice.v1.WorkflowService</c> over HTTP/2 cleartext)
/// that the unmodified Temporalio SDK client and worker run workflows on. Host it in-process with
/// <see cref="StartAsync(CancellationToken)"/>, or run it as <c>rawkode server start-dev</c>. On a
/// <see cref="SkippingClock"/> (<see cref="OfflineTemporalServerOptions.TimeProvider"/>) it is the time-skipping test
/// server (<c>rawkode test-server</c>) and also serves <c>temporal.api.testservice.v1.TestService</c>.
/// It is for development and tests only: production uses a real Temporal Service.
/// </summary>
public sealed class OfflineTemporalServer : IAsyncDisposable
{
    private readonly OfflineTemporalServerOptions _options;
    private WebApplication? _app;
    private TemporalEngine? _engine;
    private ScheduleService? _schedules;
    private Socket? _listenSocket;
    private StateFileOwnership? _ownership;

    public OfflineTemporalServer(OfflineTemporalServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>The <c>host:port</c> clients connect to; available once started.</summary>
    public string Address { get; private set; } = "";

    /// <summary>Creates and starts a server.</summary>
    public static async Task<OfflineTemporalServer> StartNewAsync(OfflineTemporalServerOptions options, CancellationToken cancellationToken = default)
    {
        var server = new OfflineTemporalServer(options);
        await server.StartAsync(cancellationToken).ConfigureAwait(false);
        return server;
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("The server is already started.");
        }
        // One server per database: a second would keep its own copy of every run and write it over the first's.
        var ownership = string.IsNullOrEmpty(_options.DatabaseFilename) ? null
            : StateFileOwnership.TryAcquire(_options.DatabaseFilename, out var holder)
                ?? throw new TemporalDatabaseInUseException(Path.GetFullPath(_options.DatabaseFilename), holder);
        Socket? listenSocket = null;
        try
        {
            // The port listens before anything else is built, so a client that connects meanwhile waits in the backlog.
            listenSocket = _options.ListenSocket ?? Listen(_options.Ip, _options.Port);
            await StartOnAsync(listenSocket, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            listenSocket?.Dispose();
            ownership?.Dispose();
            throw;
        }
        // Kestrel serves the descriptor but does not own it: the server closes it once Kestrel has stopped.
        _listenSocket = listenSocket;
        _ownership = ownership;
        try
        {
            ownership?.Publish(Address);
        }
        catch
        {
            // Stopping closes the socket and releases the database too.
            await StopAsync(cancellationToken).ConfigureAwait(false);
            throw;
        }
    }

    private async Task StartOnAsync(Socket listenSocket, CancellationToken cancellationToken)
    {
        IExecutionStore store = string.IsNullOrEmpty(_options.DatabaseFilename)
            ? new InMemoryExecutionStore()
            : new SqliteExecutionStore(_options.DatabaseFilename);
        _engine = new TemporalEngine(store, _options.TimeProvider, _options.Namespaces, _options.LongPollTimeout, _options.SuggestContinueAsNewAfterEvents,
            new TemporalEngine.PayloadLimits(_options.BlobSizeLimitError, _options.MemoSizeLimitError));
        _engine.RegisterSearchAttributes(_options.SearchAttributes);
        IScheduleStore scheduleStore = string.IsNullOrEmpty(_options.DatabaseFilename)
            ? new InMemoryScheduleStore()
            : new SqliteScheduleStore(_options.DatabaseFilename);
        _schedules = new ScheduleService(_engine, scheduleStore, _options.TimeProvider);

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(OfflineTemporalServer).Assembly.GetName().Name });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.ListenHandle((ulong)listenSocket.SafeHandle.DangerousGetHandle(), listen => listen.Protocols = HttpProtocols.Http2);
            // The SDK multiplexes every call (long polls included) over one connection.
            kestrel.Limits.Http2.MaxStreamsPerConnection = 100_000;
            kestrel.Limits.MaxRequestBodySize = null;
        });
        builder.Logging.SetMinimumLevel(_options.LogLevel);
        builder.Logging.AddFilter("Microsoft.AspNetCore", _options.LogLevel < LogLevel.Warning ? _options.LogLevel : LogLevel.Error);
        builder.Logging.AddFilter("Grpc", _options.LogLevel < LogLevel.Warning ? _options.LogLevel : LogLevel.Error);
        // A failed start (a port in use) is thrown to the caller, which says what went wrong; the host's own log line
        // would add a stack trace for what is bad input.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", _options.LogLevel < LogLevel.Warning ? _options.LogLevel : LogLevel.None);
        builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
        builder.Services.AddRouting();
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = 4 * 1024 * 1024;
            grpc.MaxSendMessageSize = null;
        });
        builder.Services.AddSingleton(_engine);
        builder.Services.AddSingleton(_schedules);
        var skipping = _options.TimeProvider as SkippingClock;
        if (skipping is not null)
        {
            builder.Services.AddSingleton(skipping);
        }
        var app = builder.Build();
        app.UseRouting();
        app.MapGrpcService<WorkflowServiceEndpoint>();
        app.MapGrpcService<OperatorServiceEndpoint>();
        app.MapGrpcService<HealthEndpoint>();
        if (skipping is not null)
        {
            app.MapGrpcService<TestServiceEndpoint>();
        }
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;
        var port = ((IPEndPoint)listenSocket.LocalEndPoint!).Port;
        Address = $"{_options.Ip}:{port}";
    }

    /// <summary>
    /// Binds and listens on <paramref name="ip"/>:<paramref name="port"/> (0 picks a free port) without starting
    /// anything else; pass the socket as <see cref="OfflineTemporalServerOptions.ListenSocket"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="ip"/> is not an IP address.</exception>
    /// <exception cref="IOException">The address cannot be bound (the port is in use).</exception>
    public static Socket Listen(string ip, int port)
    {
        if (!IPAddress.TryParse(ip, out var address))
        {
            throw new ArgumentException($"--ip: '{ip}' is not an IP address.", nameof(ip));
        }
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(512);
            return socket;
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new IOException(ex.Message, ex);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        var app = _app;
        _app = null;
        // Schedules stop first: they start workflows through the engine.
        _schedules?.Dispose();
        _schedules = null;
        // Answer long polls first so the host does not wait for them to time out.
        _engine?.Dispose();
        _engine = null;
        if (app is not null)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                await app.StopAsync(timeout.Token).ConfigureAwait(false);
            }
            finally
            {
                await app.DisposeAsync().ConfigureAwait(false);
                _listenSocket?.Dispose();
                _listenSocket = null;
                // The database is free for the next server only once this one has stopped writing.
                _ownership?.Dispose();
                _ownership = null;
            }
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}

/// <summary>The SQLite file a server was asked to open is the state of another offline server, which is still running.</summary>
public sealed class TemporalDatabaseInUseException(string databaseFilename, string? runningAt)
    : IOException($"the SQLite file {databaseFilename} is in use by another offline Temporal server"
        + (runningAt is null ? "" : $" (listening at {runningAt})") + "; stop it, or give this one another --db-filename")
{
    /// <summary>The running server's <c>host:port</c>; null when it did not say.</summary>
    public string? RunningAt { get; } = runningAt;
}

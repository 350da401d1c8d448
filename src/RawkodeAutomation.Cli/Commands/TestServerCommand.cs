using System.CommandLine;
using System.Globalization;
using RawkodeAutomation.TemporalServer;
using RawkodeAutomation.TemporalServer.TimeSkipping;

namespace RawkodeAutomation.Cli.Commands;

/// <summary>
/// <c>rawkode test-server</c>: the offline Temporal server as a time-skipping test server. The SDK's
/// <c>WorkflowEnvironment.StartTimeSkippingAsync</c> with <c>TestServer.ExistingPath</c> runs the executable as
/// <c>&lt;exe&gt; &lt;port&gt; [extra args]</c>, the argument shape of the official <c>temporal-test-server</c>
/// (https://github.com/temporalio/sdk-java/tree/master/temporal-test-server); <see cref="FromTestServerShape"/>
/// turns that shape into this command. State is in memory; time starts locked unless
/// <c>--enable-time-skipping</c>, as in the official one.
/// </summary>
internal static class TestServerCommand
{
    /// <summary>
    /// Rewrites <c>&lt;port&gt; [args]</c> (a first argument that is a bare port number) into
    /// <c>test-server --quiet --port &lt;port&gt; [args]</c> (quiet: the SDK passes the test server's output through to
    /// the test run); any other argument list is returned unchanged.
    /// </summary>
    public static string[] FromTestServerShape(string[] args) =>
        args is [var first, ..] && first.Length is > 0 and <= 5 && first.All(char.IsAsciiDigit)
            ? ["test-server", "--quiet", "--port", first, .. args[1..]]
            : args;

    // The socket ListenEarly bound for this process's test-server shape, taken by the command once it runs.
    private static System.Net.Sockets.Socket? s_early;

    /// <summary>
    /// For the test-server shape (<c>&lt;port&gt; [args]</c>) only: binds and listens on the port (and <c>--ip</c>, default
    /// 127.0.0.1) before anything else is loaded, so the SDK's connection attempts queue in the backlog instead of being
    /// refused while the runtime, the command line and the server start. Any failure is left to the command to report.
    /// </summary>
    public static void ListenEarly(string[] args)
    {
        if (FromTestServerShape(args) == args || !int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            return;
        }

        StartTrace(args);

        var ipText = "127.0.0.1";
        for (var i = 1; i < args.Length - 1; i++)
        {
            if (args[i] == "--ip")
            {
                ipText = args[i + 1];
            }
        }

        if (!System.Net.IPAddress.TryParse(ipText, out var address))
        {
            return;
        }

        var socket = new System.Net.Sockets.Socket(address.AddressFamily, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        try
        {
            socket.Bind(new System.Net.IPEndPoint(address, port));
            socket.Listen(512);
            s_early = socket;
            Trace($"early listen on {socket.LocalEndPoint}");
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            Trace($"early listen failed: {ex.SocketErrorCode} {ex.Message}");
            socket.Dispose();
        }
    }

    /// <summary>
    /// Environment variable naming a file to which the test-server shape appends one line per start-up step (process
    /// start, early bind, server started, exit, unhandled exception), each with the time since the process started.
    /// Off unless set; for finding out why a start was not seen by the SDK within its 5 s (see TemporalServer's README).
    /// </summary>
    public const string TraceVariable = "RAWKODE_TEST_SERVER_TRACE";

    private static string? s_tracePath;
    private static DateTime s_processStart;

    private static void StartTrace(string[] args)
    {
        if (Environment.GetEnvironmentVariable(TraceVariable) is not { Length: > 0 } path)
        {
            return;
        }

        s_tracePath = path;
        using (var process = System.Diagnostics.Process.GetCurrentProcess())
        {
            s_processStart = process.StartTime.ToUniversalTime();
        }
        Trace($"main reached; args [{string.Join(' ', args)}]; process started {s_processStart:HH:mm:ss.fff}; parent {ParentWatch.ParentId()}; load {ReadLoad()}");
        AppDomain.CurrentDomain.UnhandledException += (_, e) => Trace($"unhandled exception: {e.ExceptionObject}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Trace($"exit, code {Environment.ExitCode}");
    }

    private static string ReadLoad()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "unknown";
        }
    }

    /// <summary>Appends a line to the <see cref="TraceVariable"/> file when tracing is on; never fails the server.</summary>
    internal static void Trace(string what)
    {
        if (s_tracePath is not { } path)
        {
            return;
        }

        var now = DateTime.UtcNow;
        try
        {
            File.AppendAllText(path, string.Create(CultureInfo.InvariantCulture,
                $"{now:HH:mm:ss.fff} pid {Environment.ProcessId} +{(now - s_processStart).TotalMilliseconds:F0} ms {what}{Environment.NewLine}"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Tracing is a diagnostic; a file that cannot be written is not the server's problem.
        }
    }

    /// <summary>The early socket when it is bound to what the command was asked for; otherwise null (and it is closed).</summary>
    private static System.Net.Sockets.Socket? TakeEarly(string ip, int port)
    {
        var socket = Interlocked.Exchange(ref s_early, null);
        if (socket?.LocalEndPoint is System.Net.IPEndPoint bound && bound.Address.ToString() == ip && (port == 0 || bound.Port == port))
        {
            return socket;
        }

        socket?.Dispose();
        return null;
    }

    public static Command Create()
    {
        Option<int> port = new("--port", "-p") { Description = "Port for the frontend gRPC service (0 picks a free one).", DefaultValueFactory = _ => 7233 };
        Option<string> ip = new("--ip") { Description = "IPv4 address to bind the frontend service to.", DefaultValueFactory = _ => "127.0.0.1" };
        Option<bool> enableTimeSkipping = new("--enable-time-skipping") { Description = "Start with time skipping unlocked (by default it waits for a client to unlock it)." };
        Option<bool> quiet = new("--quiet") { Description = "Print nothing once started.", Hidden = true };
        Command command = new("test-server", "Start the offline Temporal server as a time-skipping test server (what `temporal-test-server <port>` is to the SDK).")
        {
            port, ip, enableTimeSkipping, quiet,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var portValue = parseResult.GetValue(port);
            if (portValue is < 0 or > 65535)
            {
                error.WriteLine($"test-server: port {portValue} is not a valid port (0-65535).");
                return 2;
            }
            var ipValue = parseResult.GetValue(ip)!;
            if (!System.Net.IPAddress.TryParse(ipValue, out _))
            {
                error.WriteLine($"test-server: --ip '{ipValue}' is not an IP address.");
                return 2;
            }
            // Listen before anything else: the SDK gives a test server only 5 s to open its port.
            System.Net.Sockets.Socket listenSocket;
            try
            {
                listenSocket = TakeEarly(ipValue, portValue) ?? OfflineTemporalServer.Listen(ipValue, portValue);
                Trace($"command listening on {listenSocket.LocalEndPoint}");
            }
            catch (IOException ex)
            {
                Trace($"command cannot listen: {ex}");
                error.WriteLine($"test-server: cannot listen on {ipValue}:{portValue}: {ex.Message}");
                return 1;
            }
            using var clock = new SkippingClock(startLocked: !parseResult.GetValue(enableTimeSkipping));
            using var shutdown = new ShutdownSignal(cancellationToken);
            using var parent = new ParentWatch();
            OfflineTemporalServer instance;
            try
            {
                instance = await OfflineTemporalServer.StartNewAsync(new() { Ip = ipValue, Port = portValue, TimeProvider = clock, ListenSocket = listenSocket }, cancellationToken);
            }
            catch (IOException ex)
            {
                error.WriteLine($"test-server: cannot listen on {ipValue}:{portValue}: {ex.Message}");
                return 1;
            }
            Trace("server started");
            await using (instance)
            {
                if (!parseResult.GetValue(quiet))
                {
                    output.WriteLine($"Temporal test server (rawkode offline, time skipping {(clock.LockCount == 0 ? "unlocked" : "locked")}) running at {instance.Address}");
                    output.Flush();
                }
                var stopped = await Task.WhenAny(shutdown.WaitAsync(), parent.Gone);
                Trace(stopped == parent.Gone ? "stopping: parent gone" : "stopping: shutdown signal");
            }
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Stops the server when the process that started it is gone. The SDK ends a test server by killing it, so a
    /// test host that crashes (or gives up on a slow start) would otherwise leave it running for ever.
    /// </summary>
    private sealed class ParentWatch : IDisposable
    {
        private readonly TaskCompletionSource _gone = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Timer? _timer;

        public ParentWatch()
        {
            if (ParentId() is { } parent and > 1)
            {
                _timer = new Timer(_ =>
                {
                    if (ParentId() != parent)
                    {
                        _gone.TrySetResult();
                    }
                }, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            }
        }

        /// <summary>Completes once the parent process has exited (never where that cannot be told).</summary>
        public Task Gone => _gone.Task;

        public void Dispose() => _timer?.Dispose();

        /// <summary>The parent process id from <c>/proc/self/stat</c> (Linux; null elsewhere).</summary>
        internal static int? ParentId()
        {
            try
            {
                var stat = File.ReadAllText("/proc/self/stat");
                // "pid (comm) state ppid ...": comm may contain spaces and parentheses, so parse after the last ')'.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                return int.Parse(fields[1], CultureInfo.InvariantCulture);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException or IndexOutOfRangeException)
            {
                return null;
            }
        }
    }
}

using System.Globalization;
using System.Reflection;
using Temporalio.Client;
using Temporalio.Testing;

namespace RawkodeAutomation.TemporalServer.Testing;

/// <summary>
/// Starts a <see cref="WorkflowEnvironment"/> for tests. By default it runs the built <c>rawkode</c> executable
/// (<c>rawkode server start-dev</c>) through the SDK's own <c>WorkflowEnvironment.StartLocalAsync</c>, exactly
/// as the SDK would run the Temporal CLI. Set <c>TEMPORAL_TEST_SERVER=official</c> to use the official dev
/// server instead (downloaded by the SDK; needs internet), or <c>TEMPORAL_TEST_SERVER=inprocess</c> to host
/// <see cref="OfflineTemporalServer"/> inside the test process.
/// </summary>
public static class TemporalTestServer
{
    /// <summary>Environment variable choosing the server: unset (rawkode executable), <c>official</c> or <c>inprocess</c>.</summary>
    public const string ServerVariable = "TEMPORAL_TEST_SERVER";

    /// <summary>Environment variable with an explicit path to the <c>rawkode</c> executable.</summary>
    public const string ExecutableVariable = "RAWKODE_EXECUTABLE";

    /// <summary>Assembly metadata key a test assembly can set to the path of the built <c>rawkode</c> apphost.</summary>
    public const string ExecutableMetadataKey = "RawkodeExecutable";

    /// <summary>True when tests run against the official Temporal dev server.</summary>
    public static bool IsOfficial => string.Equals(Environment.GetEnvironmentVariable(ServerVariable), "official", StringComparison.OrdinalIgnoreCase);

    /// <summary>Starts a server and returns an environment whose client is connected to namespace <c>default</c>.</summary>
    /// <param name="databaseFilename">SQLite file to persist to; null keeps state in memory.</param>
    /// <param name="searchAttributes">Custom search attributes to register (name and type, e.g. <c>Keyword</c>).</param>
    /// <param name="callerAssembly">Assembly that carries the <see cref="ExecutableMetadataKey"/> metadata; defaults to the caller.</param>
    public static async Task<WorkflowEnvironment> StartAsync(
        string? databaseFilename = null,
        IReadOnlyDictionary<string, string>? searchAttributes = null,
        Assembly? callerAssembly = null)
    {
        callerAssembly ??= Assembly.GetCallingAssembly();
        var mode = Environment.GetEnvironmentVariable(ServerVariable)?.ToLowerInvariant();
        var extraArgs = new List<string>();
        foreach (var (name, type) in searchAttributes ?? new Dictionary<string, string>())
        {
            extraArgs.Add("--search-attribute");
            extraArgs.Add($"{name}={type}");
        }
        switch (mode)
        {
            case "official":
                return await WorkflowEnvironment.StartLocalAsync(new()
                {
                    DevServerOptions = new() { DatabaseFilename = databaseFilename, ExtraArgs = extraArgs },
                }).ConfigureAwait(false);
            case "inprocess":
                {
                    var options = new OfflineTemporalServerOptions { DatabaseFilename = databaseFilename };
                    foreach (var (name, type) in searchAttributes ?? new Dictionary<string, string>())
                    {
                        options.SearchAttributes.Add($"{name}={type}");
                    }
                    var server = await OfflineTemporalServer.StartNewAsync(options).ConfigureAwait(false);
                    var client = await TemporalClient.ConnectAsync(new(server.Address) { Namespace = "default" }).ConfigureAwait(false);
                    return new InProcessEnvironment(client, server);
                }
            default:
                return await WorkflowEnvironment.StartLocalAsync(new()
                {
                    DevServerOptions = new()
                    {
                        ExistingPath = FindExecutable(callerAssembly),
                        DatabaseFilename = databaseFilename,
                        ExtraArgs = extraArgs,
                        // The first start of a .NET executable on a busy CI machine can exceed the SDK's default.
                        StartupTimeout = TimeSpan.FromSeconds(60),
                    },
                }).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Starts a time-skipping environment: the built <c>rawkode</c> executable run by the SDK's own
    /// <c>WorkflowEnvironment.StartTimeSkippingAsync</c> as <c>TestServer.ExistingPath</c> (it answers to the official
    /// test server's <c>&lt;exe&gt; &lt;port&gt;</c> argument shape). <c>TEMPORAL_TEST_SERVER=official</c> uses the
    /// official Java test server instead (downloaded by the SDK; needs internet). <c>inprocess</c> has no effect here:
    /// the SDK's time-skipping environment only starts a server process, and gives it a fixed 5 s to listen (retried
    /// here, yet still missed now and then on a machine busy with other tests). For a test about workflows rather than
    /// the executable, <see cref="InProcessTimeSkippingEnvironment.StartAsync"/> hosts the server in the test's process
    /// with the same time-skipping behaviour and no process start.
    /// </summary>
    /// <param name="callerAssembly">Assembly that carries the <see cref="ExecutableMetadataKey"/> metadata; defaults to the caller.</param>
    /// <param name="executablePath">The test server executable to run; defaults to <see cref="FindExecutable"/>.</param>
    public static async Task<WorkflowEnvironment> StartTimeSkippingAsync(Assembly? callerAssembly = null, string? executablePath = null)
    {
        callerAssembly ??= Assembly.GetCallingAssembly();
        switch (Environment.GetEnvironmentVariable(ServerVariable)?.ToLowerInvariant())
        {
            case "official":
                return await WorkflowEnvironment.StartTimeSkippingAsync().ConfigureAwait(false);
            default:
                // The SDK waits only 5 s for a test server to accept connections (no startup timeout option), and a
                // first start of a .NET executable on a busy machine can take longer: try again, warm. The SDK kills
                // the process of a start it gave up on (SlowStartTests holds it to that). Ten tries: at a load of
                // about 28 on two cores, four tries in a row were seen to miss.
                var path = executablePath ?? FindExecutable(callerAssembly);
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        return await WorkflowEnvironment.StartTimeSkippingAsync(new()
                        {
                            TestServer = new() { ExistingPath = path },
                        }).ConfigureAwait(false);
                    }
                    catch (InvalidOperationException ex) when (attempt < StartAttempts && (
                        ex.Message.Contains("did not start within", StringComparison.Ordinal)
                        || ex.Message.Contains("Failed connecting to test server", StringComparison.Ordinal)))
                    {
                        // Try again.
                        TraceAttempt($"attempt {attempt} failed: {ex.Message}");
                    }
                }
        }
    }

    /// <summary>How many times <see cref="StartTimeSkippingAsync"/> lets the SDK start the server before it gives up.</summary>
    public const int StartAttempts = 10;

    /// <summary>Environment variable naming the start-up trace file the test-server shape of <c>rawkode</c> appends to.</summary>
    public const string TraceVariable = "RAWKODE_TEST_SERVER_TRACE";

    /// <summary>With <see cref="TraceVariable"/> set, records a failed start next to the server processes' own lines.</summary>
    private static void TraceAttempt(string what)
    {
        if (Environment.GetEnvironmentVariable(TraceVariable) is not { Length: > 0 } path)
        {
            return;
        }

        try
        {
            File.AppendAllText(path, string.Create(CultureInfo.InvariantCulture,
                $"{DateTime.UtcNow:HH:mm:ss.fff} test pid {Environment.ProcessId} {what}{Environment.NewLine}"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A diagnostic only.
        }
    }

    /// <summary>
    /// Finds the built <c>rawkode</c> apphost: <c>RAWKODE_EXECUTABLE</c>, then the caller's assembly metadata,
    /// then <c>src/RawkodeAutomation.Cli/bin/&lt;configuration&gt;/net10.0/</c> above the test's directory.
    /// </summary>
    public static string FindExecutable(Assembly? callerAssembly = null)
    {
        var name = OperatingSystem.IsWindows() ? "rawkode.exe" : "rawkode";
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable(ExecutableVariable) is { Length: > 0 } fromEnvironment)
        {
            candidates.Add(fromEnvironment);
        }
        var metadata = (callerAssembly ?? Assembly.GetCallingAssembly()).GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == ExecutableMetadataKey)?.Value;
        if (!string.IsNullOrEmpty(metadata))
        {
            candidates.Add(metadata);
        }
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var bin = Path.Combine(directory.FullName, "src", "RawkodeAutomation.Cli", "bin");
            if (Directory.Exists(bin))
            {
                var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
                candidates.Add(Path.Combine(bin, configuration, "net10.0", name));
                candidates.AddRange(Directory.EnumerateFiles(bin, name, SearchOption.AllDirectories));
                break;
            }
        }
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException(
                $"Cannot find the rawkode executable (looked at: {string.Join(", ", candidates.DefaultIfEmpty("nothing"))}). " +
                $"Build src/RawkodeAutomation.Cli first, or set {ExecutableVariable}.");
    }

    private sealed class InProcessEnvironment(ITemporalClient client, OfflineTemporalServer server) : WorkflowEnvironment(client)
    {
        public override async Task ShutdownAsync()
        {
            await server.StopAsync().ConfigureAwait(false);
            await base.ShutdownAsync().ConfigureAwait(false);
        }
    }
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RawkodeAutomation.GitHub.Local;
using RawkodeAutomation.Hosting;
using RawkodeAutomation.Kubernetes.Sandbox;
using RawkodeAutomation.Pipeline.Tests.Workflows;
using RawkodeAutomation.TemporalServer;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Contracts;
using RawkodeAutomation.YouTube.Sandbox;
using Temporalio.Client;

namespace RawkodeAutomation.Pipeline.Tests.EndToEnd;

/// <summary>
/// What <c>rawkode up</c> runs, in a test: the offline Temporal server on SQLite, the YouTube and
/// Kubernetes sandboxes, a temporary git repository watched by the local git watcher, and the worker
/// host wired as <c>rawkode up</c> wires it (<see cref="EmbeddedDefaultsExtensions.AddRawkodeEmbeddedDefaultsAsync"/>)
/// onto the real adapters. The test owns the servers, which outlive a worker restart: their addresses are in
/// <see cref="Settings"/>, so the embedded defaults find every area configured and start nothing of their own.
/// </summary>
public sealed class EmbeddedStack : IAsyncDisposable
{
    private readonly string _directory;
    private IHost? _host;
    private EmbeddedServices? _embedded;
    private int _temporalPort;

    /// <summary>The Temporal ports stacks of this test process have had (never handed out twice).</summary>
    private static readonly HashSet<int> s_reservedPorts = [];

    private EmbeddedStack(string directory, YouTubeSandbox youtube, KubernetesSandbox kubernetes, GitCli git)
    {
        _directory = directory;
        YouTube = youtube;
        Kubernetes = kubernetes;
        Git = git;
    }

    public string Root => Path.Combine(_directory, "repo");
    public YouTubeSandbox YouTube { get; }

    /// <summary>Options for a YouTube client of the sandbox's channel other than the pipeline's (the creator in Studio, `rawkode adopt`).</summary>
    public YouTube.YouTubeOptions OwnYouTubeClientOptions() => new()
    {
        ClientId = YouTube.ClientId,
        ClientSecret = YouTube.ClientSecret,
        RefreshToken = YouTube.RefreshToken,
        ApiBaseUri = YouTube.ApiBaseUri,
        UploadBaseUri = YouTube.UploadBaseUri,
        TokenUri = YouTube.TokenUri,
    };
    public KubernetesSandbox Kubernetes { get; }
    public GitCli Git { get; }
    public OfflineTemporalServer? Temporal { get; private set; }
    public ITemporalClient Client => _host!.Services.GetRequiredService<ITemporalClient>();
    public PipelineOptions Options => _host!.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<PipelineOptions>>().Value;
    public Dictionary<string, string?> Settings { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The worker host's services (the real adapters), while the worker runs.</summary>
    public IServiceProvider Services => _host!.Services;

    /// <param name="kubernetes">Adjusts the Kubernetes sandbox before it starts (e.g. how host pods end).</param>
    /// <param name="history">The channel's existing videos (a channel with history); null starts an empty channel.</param>
    public static async Task<EmbeddedStack> StartAsync(IReadOnlyDictionary<string, byte[]> files, int dailyQuota = 1_000_000, Action<KubernetesSandboxOptions>? kubernetes = null,
        ChannelSnapshot? history = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "rawkode-e2e-" + Guid.NewGuid().ToString("N")[..8]);
        var root = Path.Combine(directory, "repo");
        Directory.CreateDirectory(root);
        // The renderer reads templates and fonts from thumbnails/ of the checkout: link the real ones.
        Directory.CreateSymbolicLink(Path.Combine(root, "thumbnails"), Path.Combine(RepositoryRoot(), "thumbnails"));
        await File.WriteAllTextAsync(Path.Combine(root, ".gitignore"), "thumbnails\n");
        var git = new GitCli(root);
        await git.RunAsync(["init", "-q", "-b", "main"]);
        await CommitAsync(git, root, files.ToDictionary(f => f.Key, f => (byte[]?)f.Value), "initial channel");

        var youtube = await YouTubeSandbox.StartAsync(new YouTubeSandboxOptions { DailyQuota = dailyQuota, Snapshot = history });
        var kubernetesOptions = new KubernetesSandboxOptions { ProvisionDelay = TimeSpan.FromMilliseconds(200) };
        kubernetes?.Invoke(kubernetesOptions);
        var kubernetesSandbox = await KubernetesSandbox.StartAsync(kubernetesOptions);
        var stack = new EmbeddedStack(directory, youtube, kubernetesSandbox, git);
        foreach (var (key, value) in youtube.ClientConfiguration)
        {
            stack.Settings[key] = value;
        }
        stack.Settings["Kubernetes:ManagementKubeconfigContent"] = kubernetesSandbox.ManagementKubeconfig;
        // Where the breakers' and fixers' kubeconfig files go, as `rawkode up` puts them under the checkout's .rawkode/.
        stack.Settings["Kubernetes:AccessDirectory"] = Path.Combine(root, ".rawkode", "klustered");
        stack.Settings["GitHub:LocalRepositoryPath"] = root;
        stack.Settings["GitHub:Branch"] = "main";
        stack.Settings["GitHub:LocalPollInterval"] = "00:00:00.200";
        stack.Settings["Pipeline:SweepReserve"] = "0";
        // As `up` keeps it in .rawkode/: a killed worker's calls are counted by the worker started after it.
        stack.Settings["Pipeline:CallJournalPath"] = Path.Combine(root, ".rawkode", "youtube-calls.tsv");
        await stack.StartTemporalAsync();
        return stack;
    }

    /// <summary>Writes the files (null deletes) and commits them; returns the new sha.</summary>
    public static async Task<string> CommitAsync(GitCli git, string root, IReadOnlyDictionary<string, byte[]?> files, string message)
    {
        foreach (var (path, bytes) in files)
        {
            var full = Path.Combine(root, path);
            if (bytes is null)
            {
                File.Delete(full);
                continue;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllBytesAsync(full, bytes);
        }
        await git.RunAsync(["add", "-A"]);
        await git.RunAsync(["-c", "user.email=creator@example.com", "-c", "user.name=Creator", "commit", "-q", "-m", message]);
        return (await git.RunAsync(["rev-parse", "HEAD"])).Trim();
    }

    public Task<string> CommitAsync(IReadOnlyDictionary<string, byte[]?> files, string message) => CommitAsync(Git, Root, files, message);

    /// <summary>Starts (or restarts, on the same port and SQLite file) the offline Temporal server.</summary>
    public async Task StartTemporalAsync()
    {
        if (_temporalPort != 0)
        {
            await RestartTemporalAsync();
            return;
        }
        // A restart binds the same port again. A port the system handed out (port 0) is in the ephemeral range, where an
        // outgoing connection of any process may take it while the server is down, and the restart then fails to bind.
        // So the first start picks a free port below that range, where the system never hands out source ports, and
        // one no other stack of this process has had (it may be down for a restart).
        for (var tries = 1; ; tries++)
        {
            var port = ReservePort();
            try
            {
                Temporal = await OfflineTemporalServer.StartNewAsync(TemporalOptions(port));
                break;
            }
            catch (IOException) when (tries < 50)
            {
                // Taken (a server of another process): try another.
            }
        }
        _temporalPort = int.Parse(Temporal.Address.Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture);
        Settings["Temporal:Address"] = Temporal.Address;
    }

    /// <summary>
    /// Starts the server again on its port. Should something else hold the port for a moment (a load of 25 once made
    /// a restart fail to bind, cause not found), it tries again for a minute rather than failing the test at once.
    /// </summary>
    private async Task RestartTemporalAsync()
    {
        var giveUp = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(1);
        for (var pause = TimeSpan.FromMilliseconds(100); ; pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(2).Ticks)))
        {
            try
            {
                Temporal = await OfflineTemporalServer.StartNewAsync(TemporalOptions(_temporalPort));
                return;
            }
            catch (IOException e) when (DateTimeOffset.UtcNow < giveUp)
            {
                Console.WriteLine($"{DateTimeOffset.UtcNow:O}: restarting Temporal on port {_temporalPort}: {e.Message}; trying again");
                await Task.Delay(pause);
            }
        }
    }

    private OfflineTemporalServerOptions TemporalOptions(int port) => new()
    {
        Port = port,
        DatabaseFilename = Path.Combine(_directory, "temporal.db"),
    };

    /// <summary>A port in 20000–32000 that no stack of this test process has had yet.</summary>
    private static int ReservePort()
    {
        lock (s_reservedPorts)
        {
            while (true)
            {
                var port = Random.Shared.Next(20_000, 32_000);
                if (s_reservedPorts.Add(port))
                {
                    return port;
                }
            }
        }
    }

    public async Task StopTemporalAsync()
    {
        if (Temporal is not null)
        {
            await Temporal.DisposeAsync();
            Temporal = null;
        }
    }

    /// <summary>Starts the worker host (worker, git watcher, adapters).</summary>
    public async Task StartWorkerAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(Settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // Nothing from the machine running the tests: no Temporal profile file (and, on in-memory configuration, no TEMPORAL_* variables).
        _embedded = await builder.AddRawkodeEmbeddedDefaultsAsync(new EmbeddedDefaultsOptions { RepositoryRoot = Root, TemporalProfile = new() { DisableFile = true } });
        _host = builder.Build();
        await _host.StartAsync();
    }

    /// <summary>Stops the worker host as a crash would: in-flight work is left to Temporal to hand out again.</summary>
    public async Task StopWorkerAsync()
    {
        if (_host is null)
        {
            return;
        }
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await _host.StopAsync(cts.Token);
        }
        _host.Dispose();
        _host = null;
        if (_embedded is not null)
        {
            await _embedded.DisposeAsync();
            _embedded = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopWorkerAsync();
        await StopTemporalAsync();
        await YouTube.DisposeAsync();
        await Kubernetes.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a dying process; the temp directory is cleaned by the OS.
        }
    }

    /// <summary>An episode workflow's state, as <c>rawkode status</c> queries it.</summary>
    public Task<EpisodeStatus> EpisodeAsync(string episodeId) =>
        Client.GetWorkflowHandle<EpisodeWorkflow>(WorkflowIds.Episode(episodeId)).QueryAsync(wf => wf.State);

    /// <summary>
    /// What a failed wait needs to be understood: the quota entity's state and queue, and the histories of the quota
    /// entity and of <paramref name="workflowIds"/>, written under the test results directory (the path is returned).
    /// </summary>
    public async Task<string> DiagnoseAsync(string test, params string[] workflowIds)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "diagnostics", $"{test}-{DateTime.UtcNow:HHmmss}");
        Directory.CreateDirectory(directory);
        var quota = Client.GetWorkflowHandle<YouTubeQuotaWorkflow>(WorkflowIds.Quota);
        var lines = new List<string>();
        try
        {
            lines.Add(System.Text.Json.JsonSerializer.Serialize(await quota.QueryAsync(wf => wf.State)));
            lines.Add(System.Text.Json.JsonSerializer.Serialize(await quota.QueryAsync(wf => wf.Queue)));
        }
        catch (Exception e) when (e is Temporalio.Exceptions.TemporalException)
        {
            lines.Add($"quota query failed: {e.Message}");
        }
        await File.WriteAllLinesAsync(Path.Combine(directory, "quota-state.txt"), lines);
        foreach (var id in workflowIds.Prepend(WorkflowIds.Quota))
        {
            var events = new List<string>();
            await foreach (var e in Client.GetWorkflowHandle(id).FetchHistoryEventsAsync())
            {
                events.Add(e.ToString());
            }
            await File.WriteAllLinesAsync(Path.Combine(directory, id.Replace('/', '_') + ".history.txt"), events);
        }
        return directory;
    }

    /// <summary>Waits until the channel has <paramref name="episodes"/> episodes, none busy, pending or Failed.</summary>
    public async Task<ChannelStatus> ConvergedAsync(int episodes, TimeSpan timeout)
    {
        try
        {
            return await PipelineHarness.WaitForAsync(
                () => PipelineStatusReader.ReadAsync(Client),
                s => s.Episodes.Count == episodes && s.Episodes.All(e => !e.Busy && !e.Pending.Any && e.Phase != EpisodePhase.Failed),
                timeout,
                $"{episodes} episodes converged");
        }
        catch (TimeoutException e)
        {
            var status = await PipelineStatusReader.ReadAsync(Client);
            var diagnostics = await DiagnoseAsync("converged", [.. status.Episodes.Where(s => s.Busy || s.Pending.Any).Select(s => WorkflowIds.Episode(s.EpisodeId))]);
            throw new TimeoutException($"{e.Message}\ndiagnostics in {diagnostics}", e);
        }
    }

    /// <summary>Triggers the cleanup Schedule and returns the report of the pass it started.</summary>
    public async Task<CleanupReport> TriggerCleanupAndWaitAsync(TimeSpan timeout)
    {
        // Passes are named by the second they start in, and two quick passes can share a name: tell them by their start.
        var before = (await CleanupSchedule.DescribeAsync(Client))!.RecentPasses.Select(p => p.ScheduledAt).ToHashSet();
        await CleanupSchedule.TriggerAsync(Client);
        var status = await PipelineHarness.WaitForAsync(
            () => CleanupSchedule.DescribeAsync(Client),
            s => s!.RecentPasses.Any(p => !before.Contains(p.ScheduledAt) && p.Report is not null),
            timeout, "the triggered pass finished");
        return status!.RecentPasses.First(p => !before.Contains(p.ScheduledAt) && p.Report is not null).Report!;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RawkodeAutomation.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("RawkodeAutomation.sln not found above " + AppContext.BaseDirectory);
    }
}

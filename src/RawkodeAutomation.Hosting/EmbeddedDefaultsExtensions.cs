using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using RawkodeAutomation.GitHub.Local;
using RawkodeAutomation.Kubernetes.Sandbox;
using RawkodeAutomation.TemporalServer;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.YouTube.Sandbox;

namespace RawkodeAutomation.Hosting;

/// <summary>
/// The one composition root of the pipeline with its embedded defaults, shared by <c>rawkode up</c>, the <c>up</c> bench
/// and the end-to-end tests (in the shape of eShop's <c>AddApplicationServices</c>: one call on the host builder).
/// </summary>
public static class EmbeddedDefaultsExtensions
{
    /// <summary>The offline Temporal server's port unless <c>Up:TemporalPort</c> says otherwise.</summary>
    public const int DefaultTemporalPort = 7233;

    /// <summary>The YouTube sandbox's (and its channel page's) port unless <c>Up:ChannelPort</c> says otherwise.</summary>
    public const int DefaultChannelPort = 8788;

    /// <summary>
    /// Decides per area, from the options configuration binds (<see cref="EmbeddedPlan"/>), whether the pipeline uses the
    /// configured service or its embedded default; starts the defaults needed (the offline Temporal server, the YouTube
    /// and Kubernetes sandboxes) and adds their addresses to the builder's configuration, as well as the local git
    /// watcher's checkout and branch and, with a state folder, the paths kept there; then registers the pipeline on its
    /// real adapters (<see cref="PipelineWiring.AddRawkodePipeline"/>), every area's options validated on start.
    /// </summary>
    /// <returns>What was decided and started; the caller disposes it after its host has stopped.</returns>
    /// <exception cref="StartupException">An embedded default cannot start, or a configured service refused (with <see cref="EmbeddedDefaultsOptions.CheckConfiguredServices"/>).</exception>
    /// <exception cref="InvalidOperationException">A setting cannot be read; the message names the key.</exception>
    public static async Task<EmbeddedServices> AddRawkodeEmbeddedDefaultsAsync(this IHostApplicationBuilder builder, EmbeddedDefaultsOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        var configuration = builder.Configuration;
        var embedded = new EmbeddedServices(EmbeddedPlan.From(configuration, options.TemporalProfile));
        try
        {
            if (options.StateDirectory is not null)
            {
                embedded.StateLock = StateFolderLock.Acquire(options.StateDirectory, TimeProvider.System);
            }
            await AddTemporalAsync(configuration, options, embedded, cancellationToken).ConfigureAwait(false);
            await AddYouTubeAsync(configuration, options, embedded, cancellationToken).ConfigureAwait(false);
            await AddKubernetesAsync(configuration, options, embedded).ConfigureAwait(false);
            await AddGitHubAsync(configuration, options, embedded, cancellationToken).ConfigureAwait(false);
            configuration.AddInMemoryCollection(embedded.Added);
            builder.Services.AddRawkodePipeline(configuration, options.RepositoryRoot, options.TemporalProfile);
            return embedded;
        }
        catch
        {
            await embedded.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Temporal: the configured service (reached once when asked to), else the offline server.</summary>
    private static async Task AddTemporalAsync(IConfiguration configuration, EmbeddedDefaultsOptions options, EmbeddedServices embedded, CancellationToken cancellationToken)
    {
        var plan = embedded.Plan;
        if (!plan.TemporalEmbedded)
        {
            if (options.CheckConfiguredServices)
            {
                await StartupChecks.CheckTemporalAsync(plan.Temporal, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            }
            await Report(options, $"Temporal: {plan.Temporal.TargetHost} namespace {plan.Temporal.Namespace}").ConfigureAwait(false);
            return;
        }

        var port = Port(configuration, "Up:TemporalPort", DefaultTemporalPort);
        var database = options.StateDirectory is null ? null : Path.Combine(options.StateDirectory, "temporal.db");
        try
        {
            embedded.Temporal = await OfflineTemporalServer.StartNewAsync(
                new OfflineTemporalServerOptions { Port = port, DatabaseFilename = database }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (StartupChecks.Listen($"port {port} (the offline Temporal server)", e, "Up__TemporalPort=7234, or 0 for any free port") is { } listen)
        {
            throw listen;
        }
        catch (Exception e) when (database is not null && e is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
        {
            throw StartupChecks.TemporalDatabase(database, e);
        }
        embedded.Added[TemporalConnectionSettings.AddressKey] = embedded.Temporal.Address;
        await Report(options, $"Temporal: offline server listening at {embedded.Temporal.Address} (state {Where(options, database)})").ConfigureAwait(false);
    }

    /// <summary>YouTube: the configured channel, else the sandbox (its state in the state folder).</summary>
    private static async Task AddYouTubeAsync(IConfiguration configuration, EmbeddedDefaultsOptions options, EmbeddedServices embedded, CancellationToken cancellationToken)
    {
        // The calls a killed worker made after its last heartbeat are still settled after a restart, on either channel.
        if (options.StateDirectory is not null)
        {
            AddUnlessSet(configuration, embedded, "Pipeline:CallJournalPath", Path.Combine(options.StateDirectory, "youtube-calls.tsv"));
        }
        if (!embedded.Plan.YouTubeEmbedded)
        {
            await Report(options, "YouTube: the configured channel (OAuth refresh token)").ConfigureAwait(false);
            return;
        }

        var port = Port(configuration, "Up:ChannelPort", DefaultChannelPort);
        // A fresh sandbox starts from the sample channel's history (episodes/.sandbox/channel.json), as a real channel would.
        var sandbox = EmbeddedYouTube.Options(options.RepositoryRoot, options.StateDirectory, embedded.Plan.YouTube.DailyQuota, port);
        options.ConfigureYouTubeSandbox?.Invoke(sandbox);
        try
        {
            embedded.YouTube = await YouTubeSandbox.StartAsync(sandbox, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (StartupChecks.Listen($"port {port} (the YouTube sandbox's channel)", e, "Up__ChannelPort=8789, or 0 for any free port") is { } listen)
        {
            throw listen;
        }
        catch (YouTubeSandboxInUseException e)
        {
            throw StartupChecks.YouTubeSandboxInUse(e);
        }
        catch (Exception e) when (sandbox.StatePath is not null && e is InvalidDataException or System.Text.Json.JsonException or IOException or UnauthorizedAccessException)
        {
            throw StartupChecks.YouTubeSandboxState(sandbox.StatePath, e);
        }
        foreach (var (key, value) in embedded.YouTube.ClientConfiguration)
        {
            embedded.Added[key] = value;
        }
        await Report(options, $"YouTube: sandbox listening at {embedded.YouTube.BaseUri} ({sandbox.DailyQuota} units/day, {embedded.YouTube.Videos.Count} videos on the channel); its channel page is that address").ConfigureAwait(false);
    }

    /// <summary>Kubernetes: the configured management cluster, else the sandbox; the Klustered credentials in the state folder.</summary>
    private static async Task AddKubernetesAsync(IConfiguration configuration, EmbeddedDefaultsOptions options, EmbeddedServices embedded)
    {
        if (embedded.Plan.KubernetesEmbedded)
        {
            // State in kubernetes.json, so Klustered clusters (and the kubeconfigs handed out) survive a restart the way
            // the Temporal state does.
            var sandbox = new KubernetesSandboxOptions { StatePath = options.StateDirectory is null ? null : Path.Combine(options.StateDirectory, "kubernetes.json") };
            options.ConfigureKubernetesSandbox?.Invoke(sandbox);
            embedded.Kubernetes = await KubernetesSandbox.StartAsync(sandbox).ConfigureAwait(false);
            embedded.Added["Kubernetes:ManagementKubeconfigContent"] = embedded.Kubernetes.ManagementKubeconfig;
            // The sandbox answers in milliseconds (an unbroken rollout completes in under a second): prove a cluster
            // broken in seconds, not in the minutes a real cluster needs.
            AddUnlessSet(configuration, embedded, "Kubernetes:VerifyBrokenTimeout", "00:00:10");
            AddUnlessSet(configuration, embedded, "Kubernetes:PollInterval", "00:00:00.500");
            await Report(options, "Kubernetes: sandbox management cluster with a Cluster API stand-in (node-level breaks run against its node model)").ConfigureAwait(false);
        }
        else
        {
            await Report(options, "Kubernetes: the configured management cluster").ConfigureAwait(false);
        }
        // The breakers' and fixers' kubeconfig files (rawkode klustered access prints one).
        if (options.StateDirectory is not null)
        {
            AddUnlessSet(configuration, embedded, "Kubernetes:AccessDirectory", Path.Combine(options.StateDirectory, "klustered"));
        }
    }

    /// <summary>Commits: webhooks from the configured GitHub repository (read once when asked to), else a watcher on the checkout's branch.</summary>
    private static async Task AddGitHubAsync(IConfiguration configuration, EmbeddedDefaultsOptions options, EmbeddedServices embedded, CancellationToken cancellationToken)
    {
        var github = embedded.Plan.GitHub;
        if (embedded.Plan.GitHubLocal)
        {
            embedded.Added["GitHub:LocalRepositoryPath"] = options.RepositoryRoot;
            var branch = configuration["GitHub:Branch"];
            if (string.IsNullOrWhiteSpace(branch))
            {
                branch = (await new GitCli(options.RepositoryRoot).RunAsync(["rev-parse", "--abbrev-ref", "HEAD"], cancellationToken: cancellationToken).ConfigureAwait(false)).Trim();
                embedded.Added["GitHub:Branch"] = branch;
            }
            await Report(options, $"Commits: local git watcher on {options.RepositoryRoot} branch {branch}").ConfigureAwait(false);
        }
        else
        {
            if (options.CheckConfiguredServices)
            {
                await StartupChecks.CheckGitHubAsync(github, cancellationToken).ConfigureAwait(false);
            }
            await Report(options, $"Commits: GitHub {github.Repository} via webhooks at POST {github.WebhookPath}").ConfigureAwait(false);
        }
        // Delivery ids outlive a restart, so an exact replay of a captured delivery is refused after it too.
        if (options.StateDirectory is not null)
        {
            AddUnlessSet(configuration, embedded, "GitHub:DeliveryStorePath", Path.Combine(options.StateDirectory, "github-deliveries.tsv"));
        }
    }

    private static void AddUnlessSet(IConfiguration configuration, EmbeddedServices embedded, string key, string value)
    {
        if (string.IsNullOrWhiteSpace(configuration[key]))
        {
            embedded.Added[key] = value;
        }
    }

    private static Task Report(EmbeddedDefaultsOptions options, string line) => options.Report?.Invoke(line) ?? Task.CompletedTask;

    /// <summary>Where a state file is, for people: relative to the checkout when inside it.</summary>
    private static string Where(EmbeddedDefaultsOptions options, string? path) => path is null
        ? "in memory"
        : "in " + (Path.GetRelativePath(options.RepositoryRoot, path) is var relative && !relative.StartsWith("..", StringComparison.Ordinal) ? relative : path);

    /// <summary>A port from configuration (0 picks a free one), or the default when unset.</summary>
    /// <exception cref="InvalidOperationException">The value is no port number; the message names the key.</exception>
    public static int Port(IConfiguration configuration, string key, int fallback)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535)
        {
            return port;
        }
        throw new InvalidOperationException($"{key} is '{value}'; it must be a port number from 0 to 65535 (0 picks a free port; environment variable {key.Replace(":", "__", StringComparison.Ordinal)})");
    }
}

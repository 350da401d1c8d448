using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RawkodeAutomation.GitHub;
using RawkodeAutomation.GitHub.Local;
using RawkodeAutomation.GitHub.Webhooks;
using RawkodeAutomation.Kubernetes.Sandbox;
using RawkodeAutomation.OperatorUi;
using RawkodeAutomation.OperatorUi.Channel;
using RawkodeAutomation.TemporalServer;
using RawkodeAutomation.Worker.Activities;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Contracts;
using RawkodeAutomation.YouTube.Sandbox;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace RawkodeAutomation.Cli.Commands;

/// <summary>What <c>rawkode up</c> does, step by step (see <see cref="UpCommand"/>).</summary>
internal sealed class UpRunner(TextWriter output, TextWriter error, string? repository, bool once, TimeSpan timeout)
{
    /// <summary>Default addresses: stable, so a bookmark or a Temporal CLI profile keeps working across restarts.</summary>
    public const string DefaultHttpUrls = "http://127.0.0.1:8787";
    public const int DefaultChannelPort = 8788;
    public const int DefaultTemporalPort = 7233;

    private readonly List<IAsyncDisposable> _embedded = [];

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        // --timeout bounds the whole run, the wait for the head commit included (an attempt lost with a killed worker
        // can keep that commit pending for as long as Temporal takes to hand it out again).
        var deadline = DateTime.UtcNow + timeout;
        // A progress line every 15 s while waiting, and with --once none later than the deadline.
        TimeSpan UntilNextReport()
        {
            var left = deadline - DateTime.UtcNow;
            return !once || left > TimeSpan.FromSeconds(15) ? TimeSpan.FromSeconds(15) : left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }
        // Say something at once: everything below can take a while on a busy machine.
        await Say("starting: Temporal, the YouTube and Kubernetes sandboxes (unless configured), the worker and the git watcher…").ConfigureAwait(false);
        var root = FindRepositoryRoot(repository ?? Directory.GetCurrentDirectory());
        if (root is null)
        {
            await error.WriteLineAsync($"rawkode up: {repository ?? Directory.GetCurrentDirectory()} is not inside a git checkout with an episodes/ directory; pass --repo PATH.").ConfigureAwait(false);
            return 2;
        }
        string state;
        try
        {
            state = StartupChecks.EnsureStateFolder(root);
        }
        catch (StartupChecks.StartupException e)
        {
            await error.WriteLineAsync($"rawkode up: {e.Message}").ConfigureAwait(false);
            return 2;
        }

        var fileConfig = new ConfigurationBuilder()
            .SetBasePath(root)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .Build();
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var wired = new List<string>();
        try
        {
            var temporalPort = Port(fileConfig, "Up:TemporalPort", DefaultTemporalPort);
            var channelPort = Port(fileConfig, "Up:ChannelPort", DefaultChannelPort);

            // 1. Temporal: the real service when configured, else the offline server on SQLite.
            var pipeline = PipelineServiceCollectionExtensions.ReadPipelineOptions(fileConfig);
            if (string.IsNullOrWhiteSpace(pipeline.Address))
            {
                var database = Path.Combine(state, "temporal.db");
                OfflineTemporalServer server;
                try
                {
                    server = await OfflineTemporalServer.StartNewAsync(
                        new OfflineTemporalServerOptions { Port = temporalPort, DatabaseFilename = database }, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (StartupChecks.Listen($"port {temporalPort} (the offline Temporal server)", e, "Up__TemporalPort=7234, or 0 for any free port") is { } listen)
                {
                    throw listen;
                }
                catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
                {
                    throw StartupChecks.TemporalDatabase(database, e);
                }
                _embedded.Add(server);
                overrides["Temporal:Address"] = server.Address;
                await Say($"Temporal: offline server listening at {server.Address} (state in .rawkode/temporal.db)").ConfigureAwait(false);
            }
            else
            {
                await StartupChecks.CheckTemporalAsync(pipeline.Address, pipeline.Namespace, pipeline.ApiKey, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
                await Say($"Temporal: {pipeline.Address} namespace {pipeline.Namespace}").ConfigureAwait(false);
            }

            // 2. YouTube: the channel when credentials are set, else the sandbox (state in .rawkode/youtube.json).
            Uri? channelPage = null;
            if (string.IsNullOrWhiteSpace(fileConfig["YouTube:RefreshToken"]))
            {
                var quota = int.TryParse(fileConfig["YouTube:DailyQuota"], System.Globalization.CultureInfo.InvariantCulture, out var q) ? q : 10_000;
                // A fresh sandbox starts from the sample channel's history (episodes/.sandbox/channel.json), as a real channel would.
                var youtubeState = Path.Combine(state, "youtube.json");
                YouTubeSandbox youtube;
                try
                {
                    youtube = await YouTubeSandbox.StartAsync(EmbeddedYouTube.Options(root, quota, channelPort), cancellationToken)
                        .ConfigureAwait(false);
                }
                catch (Exception e) when (StartupChecks.Listen($"port {channelPort} (the YouTube sandbox's channel)", e, "Up__ChannelPort=8789, or 0 for any free port") is { } listen)
                {
                    throw listen;
                }
                catch (Exception e) when (e is InvalidDataException or System.Text.Json.JsonException or IOException or UnauthorizedAccessException)
                {
                    throw StartupChecks.YouTubeSandboxState(youtubeState, e);
                }
                _embedded.Add(youtube);
                foreach (var (key, value) in youtube.ClientConfiguration)
                {
                    overrides[key] = value;
                }
                channelPage = youtube.BaseUri;
                await Say($"YouTube: sandbox listening at {youtube.BaseUri} ({quota} units/day, {youtube.Videos.Count} videos on the channel); its channel page is that address").ConfigureAwait(false);
            }
            else
            {
                await Say("YouTube: the configured channel (OAuth refresh token)").ConfigureAwait(false);
            }

            // 3. Kubernetes: the management cluster when configured, else the sandbox.
            if (string.IsNullOrWhiteSpace(fileConfig["Kubernetes:ManagementKubeconfig"]) && string.IsNullOrWhiteSpace(fileConfig["Kubernetes:ManagementKubeconfigContent"]))
            {
                // State in .rawkode/kubernetes.json, so Klustered clusters (and the kubeconfigs handed out) survive a restart
                // the way the Temporal state does.
                var kubernetes = await KubernetesSandbox.StartAsync(new KubernetesSandboxOptions { StatePath = Path.Combine(state, "kubernetes.json") }).ConfigureAwait(false);
                _embedded.Add(kubernetes);
                overrides["Kubernetes:ManagementKubeconfigContent"] = kubernetes.ManagementKubeconfig;
                // The sandbox answers in milliseconds (an unbroken rollout completes in under a second): prove a
                // cluster broken in seconds, not in the minutes a real cluster needs.
                foreach (var (key, value) in new[] { ("Kubernetes:VerifyBrokenTimeout", "00:00:10"), ("Kubernetes:PollInterval", "00:00:00.500") })
                {
                    if (string.IsNullOrWhiteSpace(fileConfig[key]))
                    {
                        overrides[key] = value;
                    }
                }
                await Say("Kubernetes: sandbox management cluster with a Cluster API stand-in (node-level breaks run against its node model)").ConfigureAwait(false);
            }
            else
            {
                await Say("Kubernetes: the configured management cluster").ConfigureAwait(false);
            }
            // The breakers' and fixers' kubeconfig files (rawkode klustered access prints one).
            if (string.IsNullOrWhiteSpace(fileConfig["Kubernetes:AccessDirectory"]))
            {
                overrides["Kubernetes:AccessDirectory"] = Path.Combine(state, "klustered");
            }

            // 4. GitHub: webhooks when a repository is configured, else a watcher on this checkout's branch.
            var git = new GitCli(root);
            if (string.IsNullOrWhiteSpace(fileConfig["GitHub:Repository"]))
            {
                overrides["GitHub:LocalRepositoryPath"] = root;
                if (string.IsNullOrWhiteSpace(fileConfig["GitHub:Branch"]))
                {
                    overrides["GitHub:Branch"] = (await git.RunAsync(["rev-parse", "--abbrev-ref", "HEAD"], cancellationToken: cancellationToken).ConfigureAwait(false)).Trim();
                }
                wired.Add($"Commits: local git watcher on {root} branch {overrides.GetValueOrDefault("GitHub:Branch") ?? fileConfig["GitHub:Branch"]}");
            }
            else
            {
                var github = fileConfig.GetSection(GitHubOptions.SectionName).Get<GitHubOptions>() ?? new GitHubOptions();
                await StartupChecks.CheckGitHubAsync(github, cancellationToken).ConfigureAwait(false);
                wired.Add($"Commits: GitHub {fileConfig["GitHub:Repository"]} via webhooks at POST /webhooks/github");
            }
            // Delivery ids outlive a restart, so an exact replay of a captured delivery is refused after it too.
            if (string.IsNullOrWhiteSpace(fileConfig["GitHub:DeliveryStorePath"]))
            {
                overrides["GitHub:DeliveryStorePath"] = Path.Combine(state, "github-deliveries.tsv");
            }
            overrides["Http:Urls"] = fileConfig["Http:Urls"] ?? DefaultHttpUrls;
            // Faces on thumbnails: GitHub avatars, cached in .rawkode/avatars/ (an empty value turns fetching off).
            overrides["Thumbnails:AvatarBaseUri"] = fileConfig["Thumbnails:AvatarBaseUri"] ?? Thumbnails.GitHubAvatarCache.DefaultBaseUri.ToString();

            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = root, Args = [] });
            builder.Configuration.AddConfiguration(fileConfig);
            builder.Configuration.AddInMemoryCollection(overrides);
            builder.WebHost.UseUrls(builder.Configuration["Http:Urls"]!.Split(';'));
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Logging.AddFilter("RawkodeAutomation", LogLevel.Information);
            // Activity failures are retried or shown in the entity's state; their stack traces are noise here.
            builder.Logging.AddFilter("Temporalio", LogLevel.Error);
            // A host that fails to start (e.g. the port is in use) is reported below in one line; the host's own log is a stack trace.
            builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
            builder.Services.AddRawkodePipeline(builder.Configuration, root);
            // The SDK core's log lines through this host's logging, not printed by the core with colour codes.
            builder.Services.AddOptions<Temporalio.Client.TemporalClientConnectOptions>().Configure<ILoggerFactory>(
                (o, loggers) => o.Runtime ??= TemporalCoreLogging.Runtime(loggers.CreateLogger("Temporal")));
            await using var app = builder.Build();
            app.MapGitHubWebhooks();
            var client = app.Services.GetRequiredService<ITemporalClient>();
            var address = builder.Configuration["Temporal:Address"]!;
            // Known once Kestrel listens (a port of 0 is only resolved then); pages asked for earlier say so.
            UpAddresses? addresses = null;
            app.MapGet("/", async (HttpContext context) =>
            {
                if (addresses is null)
                {
                    return Results.Text("rawkode up is starting; reload in a moment", statusCode: StatusCodes.Status503ServiceUnavailable);
                }
                string? summary = null;
                try
                {
                    summary = (await PipelineStatusReader.ReadAsync(client, context.RequestAborted).ConfigureAwait(false)).Summary();
                }
                catch (RpcException)
                {
                    // Temporal not answering yet: the links are still worth showing.
                }
                return Results.Content(UpFrontPage.Html(addresses, summary), "text/html; charset=utf-8");
            });
            var repositoryName = fileConfig["GitHub:Repository"];
            var operatorOptions = new ChannelPageOptions
            {
                TemporalAddress = address,
                FileLink = string.IsNullOrWhiteSpace(repositoryName) ? null : (sha, path, line) => $"https://github.com/{repositoryName}/blob/{sha}/{path}#L{line}",
                ReadFileAsync = async (sha, path, ct) =>
                {
                    var (exit, stdout, _) = await git.TryRunAsync(["show", $"{sha}:{path}"], cancellationToken: ct).ConfigureAwait(false);
                    return exit == 0 ? System.Text.Encoding.UTF8.GetString(stdout) : null;
                },
                Links = { ("Front page", "/"), ("Scoreboard", UpAddresses.ScoreboardPath), ("Temporal pages", UpAddresses.TemporalUiPath + "/") },
            };
            if (channelPage is not null)
            {
                operatorOptions.Links.Insert(0, ("The channel (sandbox)", channelPage.ToString()));
            }
            app.MapChannelPage(client, UpAddresses.OperatorPath, operatorOptions, temporalUiPrefix: UpAddresses.TemporalUiPath);
            app.MapOperatorUi(client, UpAddresses.TemporalUiPath);
            // Statement lambdas: an expression-bodied async lambda binds to RequestDelegate and the result is dropped (empty 200).
            app.MapGet("/api/status", async (HttpContext context) =>
            {
                return Results.Json(await PipelineStatusReader.ReadAsync(client, withRecent: true, context.RequestAborted).ConfigureAwait(false), PipelineStatusReader.JsonOptions);
            });
            // The Klustered scoreboard for the stream (an OBS browser source at 1920x1080).
            app.MapScoreboard(
                async token => (await PipelineStatusReader.ReadAsync(client, token).ConfigureAwait(false)).Episodes,
                Path.Combine(root, "thumbnails", "fonts"));
            // The cleanup Schedule: next passes and what recent passes deleted and kept (as `rawkode cleanup status`).
            app.MapGet("/api/cleanup", async (HttpContext context) =>
            {
                return Results.Json(await CleanupSchedule.DescribeAsync(client, context.RequestAborted).ConfigureAwait(false));
            });

            foreach (var line in wired)
            {
                await Say(line).ConfigureAwait(false);
            }
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e) when (StartupChecks.Listen(builder.Configuration["Http:Urls"]!, e) is { } listen)
            {
                throw listen;
            }
            var front = new Uri(app.Urls.FirstOrDefault() ?? builder.Configuration["Http:Urls"]!.Split(';')[0]);
            addresses = new UpAddresses(
                front,
                new Uri(front, UpAddresses.OperatorPath),
                channelPage,
                UpFrontPage.FindScoreboard(((IEndpointRouteBuilder)app).DataSources, front),
                address,
                new Uri(front, UpAddresses.TemporalUiPath + "/"));
            foreach (var line in UpFrontPage.ConsoleLines(addresses))
            {
                await Say(line).ConfigureAwait(false);
            }

            // 5. The long-lived entities, then every episode at the checkout's head.
            var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<PipelineOptions>>().Value;
            await EnsureQuotaEntity.SignalWithStartAsync(client, options, wf => wf.SetBudgetAsync(new QuotaBudget(options.DailyQuota, options.SweepReserve))).ConfigureAwait(false);
            var cleanup = await CleanupSchedule.EnsureAsync(client, options, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync($"rawkode up: cleanup Schedule '{CleanupWorkflow.ScheduleId}' every {options.CleanupInterval} ({cleanup.ToString().ToLowerInvariant()})").ConfigureAwait(false);
            // The watched branch's head: GitHub's in GitHub mode (the local checkout may be behind or elsewhere), the local
            // branch's otherwise. Applied as a full reconcile: every episode, and the running entities whose episode is gone
            // (renamed or deleted while `up` was down) are cancelled.
            string head;
            try
            {
                head = await app.Services.GetRequiredService<ICurrentRevision>().ResolveAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is Octokit.ApiException or HttpRequestException or GitException)
            {
                throw new InvalidOperationException(string.IsNullOrWhiteSpace(repositoryName)
                    ? $"cannot read the head of the branch in {root}: {e.Message}"
                    : $"cannot read the head of branch {fileConfig["GitHub:Branch"] ?? "main"} of GitHub repository {repositoryName}: {e.Message}", e);
            }
            var started = await TemporalCommitSink.StartAsync(client, options, new CommitInput(head, null, DateTimeOffset.UtcNow, Full: true), cancellationToken).ConfigureAwait(false);
            // Already started (by the git watcher, or by an earlier `up`): its result is the same commit's.
            var handle = started ?? client.GetWorkflowHandle<CommitWorkflow, CommitOutcome>(WorkflowIds.Commit(head));
            await Say($"reconciling every episode at {GitShas.Short(head)}…").ConfigureAwait(false);
            var result = handle.GetResultAsync();
            var waitStarted = DateTime.UtcNow;
            while (await Task.WhenAny(result, Task.Delay(UntilNextReport(), cancellationToken)).ConfigureAwait(false) != result)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    await Say($"stopped; commit {GitShas.Short(head)} continues in Temporal and the next rawkode up picks it up").ConfigureAwait(false);
                    await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
                    return 130;
                }
                if (once && DateTime.UtcNow >= deadline)
                {
                    var pending = await PipelineStatusReader.ReadAsync(client, cancellationToken).ConfigureAwait(false);
                    await Say($"gave up waiting after {timeout}: commit {GitShas.Short(head)} is still being applied ({pending.Summary()}); it continues in Temporal and the next rawkode up picks it up").ConfigureAwait(false);
                    await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
                    return 1;
                }
                await Say($"still validating commit {GitShas.Short(head)} ({(DateTime.UtcNow - waitStarted).TotalSeconds:0} s)…").ConfigureAwait(false);
            }
            var outcome = await result.ConfigureAwait(false);
            await output.WriteLineAsync($"rawkode up: commit {GitShas.Short(head)}: {outcome.Summary}").ConfigureAwait(false);
            foreach (var e in outcome.Errors)
            {
                await output.WriteLineAsync("  " + e).ConfigureAwait(false);
            }
            var commitFailed = !outcome.Valid;

            // The channel may have changed while nothing watched it (a broadcast deleted in YouTube Studio, a lost sandbox
            // state): read back the videos the entities hold (1 unit per 50) before judging the run settled.
            var drift = await CleanupSchedule.StartDriftCheckAsync(client, options, DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false);
            var driftResult = drift.GetResultAsync();
            if (!once)
            {
                // Running on: the entities it tells show up in the progress below.
                await Say($"drift check started (workflow {drift.Id})").ConfigureAwait(false);
            }
            else if (await Task.WhenAny(driftResult, Task.Delay(timeout, cancellationToken)).ConfigureAwait(false) == driftResult)
            {
                var report = await driftResult.ConfigureAwait(false);
                await Say(report.Drifted is { Count: > 0 } drifted
                    ? $"drift check: YouTube no longer has {drifted.Count} video(s) the episodes hold ({report.QuotaUnitsSpent} units):"
                    : $"drift check: the channel has every video the episodes hold ({report.QuotaUnitsSpent} units)").ConfigureAwait(false);
                foreach (var item in report.Drifted ?? [])
                {
                    await output.WriteLineAsync($"  {item.EpisodeId}: {item.Reason}").ConfigureAwait(false);
                }
            }
            else
            {
                await Say($"drift check still running after {timeout} (workflow {drift.Id}); it goes on in Temporal").ConfigureAwait(false);
            }

            // 6. Progress until settled (--once) or until Ctrl+C.
            string? last = null;
            ChannelStatus status;
            while (true)
            {
                status = await PipelineStatusReader.ReadAsync(client, cancellationToken).ConfigureAwait(false);
                var line = status.Summary();
                if (line != last)
                {
                    await output.WriteLineAsync($"rawkode up: {DateTime.UtcNow:HH:mm:ss} {line}").ConfigureAwait(false);
                    last = line;
                }
                if (once && (status.Settled || DateTime.UtcNow > deadline))
                {
                    break;
                }
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            await output.WriteLineAsync().ConfigureAwait(false);
            await output.WriteLineAsync($"rawkode up: {status.Summary()}").ConfigureAwait(false);
            foreach (var failed in status.Episodes.Where(e => e.Phase == EpisodePhase.Failed))
            {
                await output.WriteLineAsync($"  FAILED {failed.EpisodeId}: {failed.LastError}").ConfigureAwait(false);
            }
            await output.WriteLineAsync(once ? "Next time, the same pages while it runs (rawkode up without --once):" : "These pages close now; they were:").ConfigureAwait(false);
            foreach (var line in UpFrontPage.ConsoleLines(addresses))
            {
                await output.WriteLineAsync("  " + line).ConfigureAwait(false);
            }
            await output.WriteLineAsync("  Klustered credentials: .rawkode/klustered/<show>/<slug>/<team>/breakers.kubeconfig and fixers.kubeconfig (or rawkode klustered access EPISODE-ID TEAM --role breakers|fixers)").ConfigureAwait(false);
            await output.WriteLineAsync($"  the cleanup Schedule's recent passes: rawkode cleanup status --address {address}").ConfigureAwait(false);
            await output.WriteLineAsync("  Temporal workflow ids: episode/<show>/<slug>, person/<id>, commit/<sha>, youtube-quota, cleanup-<time>; Schedule cleanup").ConfigureAwait(false);
            await output.WriteLineAsync("  thumbnails as files: rawkode thumbnails render --all --out .rawkode/thumbnails").ConfigureAwait(false);
            var timedOut = once && !status.Settled;
            if (timedOut)
            {
                await output.WriteLineAsync($"rawkode up: gave up waiting after {timeout}").ConfigureAwait(false);
            }
            var credentialsRejected = status.Quota?.CredentialsRejected == true;
            if (credentialsRejected)
            {
                await output.WriteLineAsync($"rawkode up: YouTube refused the channel's credentials; {status.Episodes.Count(e => e.Phase == EpisodePhase.WaitingForQuota)} episode(s) wait for new ones and run by themselves once up starts with them (YouTube:ClientId, YouTube:ClientSecret, YouTube:RefreshToken)").ConfigureAwait(false);
            }
            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            return commitFailed || status.Failed > 0 || timedOut || credentialsRejected ? 1 : 0;
        }
        catch (Exception e) when (e is StartupChecks.StartupException or Microsoft.Extensions.Options.OptionsValidationException or InvalidOperationException or IOException or RpcException)
        {
            await error.WriteLineAsync($"rawkode up: {e.Message}").ConfigureAwait(false);
            return 2;
        }
        finally
        {
            for (var i = _embedded.Count - 1; i >= 0; i--)
            {
                await _embedded[i].DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private Task Say(string line) => output.WriteLineAsync("rawkode up: " + line);

    /// <summary>A port from configuration (0 picks a free one), or the default when unset.</summary>
    private static int Port(IConfiguration configuration, string key, int fallback)
    {
        var value = configuration[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }
        if (int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port <= 65535)
        {
            return port;
        }
        throw new InvalidOperationException($"{key} is '{value}'; it must be a port number from 0 to 65535 (0 picks a free port; environment variable {key.Replace(":", "__", StringComparison.Ordinal)})");
    }

    /// <summary>The git top level that has an episodes/ directory, searching upwards.</summary>
    private static string? FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, "episodes")) && Path.Exists(Path.Combine(dir.FullName, ".git")))
            {
                return dir.FullName;
            }
        }
        return null;
    }
}

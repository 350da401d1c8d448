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
using RawkodeAutomation.Hosting;
using RawkodeAutomation.OperatorUi;
using RawkodeAutomation.OperatorUi.Channel;
using RawkodeAutomation.Worker.Activities;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace RawkodeAutomation.Cli.Commands;

/// <summary>What <c>rawkode up</c> does, step by step (see <see cref="UpCommand"/>).</summary>
internal sealed class UpRunner(TextWriter output, TextWriter error, string? repository, bool once, TimeSpan timeout)
{
    /// <summary>Default addresses: stable, so a bookmark or a Temporal CLI profile keeps working across restarts.</summary>
    public const string DefaultHttpUrls = "http://127.0.0.1:8787";

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
        catch (StartupException e)
        {
            await error.WriteLineAsync($"rawkode up: {e.Message}").ConfigureAwait(false);
            return 2;
        }

        var fileConfig = new ConfigurationBuilder()
            .SetBasePath(root)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .Build();
        try
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = root, Args = [] });
            builder.Configuration.AddConfiguration(fileConfig);
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Http:Urls"] = fileConfig["Http:Urls"] ?? DefaultHttpUrls,
                // Faces on thumbnails: GitHub avatars, cached in .rawkode/avatars/ (an empty value turns fetching off).
                ["Thumbnails:AvatarBaseUri"] = fileConfig["Thumbnails:AvatarBaseUri"] ?? Thumbnails.GitHubAvatarCache.DefaultBaseUri.ToString(),
            });
            // Temporal, YouTube, Kubernetes and commits: each the configured service (reached once now), else its embedded
            // default with its state in .rawkode/; then the pipeline on them.
            await using var embedded = await builder.AddRawkodeEmbeddedDefaultsAsync(
                new EmbeddedDefaultsOptions { RepositoryRoot = root, StateDirectory = state, Report = Say, CheckConfiguredServices = true },
                cancellationToken).ConfigureAwait(false);
            var channelPage = embedded.YouTube?.BaseUri;
            builder.WebHost.UseUrls(builder.Configuration["Http:Urls"]!.Split(';'));
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Logging.AddFilter("RawkodeAutomation", LogLevel.Information);
            // Activity failures are retried or shown in the entity's state; their stack traces are noise here.
            builder.Logging.AddFilter("Temporalio", LogLevel.Error);
            // A host that fails to start (e.g. the port is in use) is reported below in one line; the host's own log is a stack trace.
            builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
            // The SDK core's log lines through this host's logging, not printed by the core with colour codes.
            builder.Services.AddOptions<Temporalio.Client.TemporalClientConnectOptions>().Configure<ILoggerFactory>(
                (o, loggers) => o.Runtime ??= TemporalCoreLogging.Runtime(loggers.CreateLogger("Temporal")));
            await using var app = builder.Build();
            var git = new GitCli(root);
            app.MapGitHubWebhooks();
            var client = app.Services.GetRequiredService<ITemporalClient>();
            var address = embedded.TemporalAddress;
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
        catch (Exception e) when (e is StartupException or Microsoft.Extensions.Options.OptionsValidationException or InvalidOperationException or IOException or RpcException)
        {
            await error.WriteLineAsync($"rawkode up: {e.Message}").ConfigureAwait(false);
            return 2;
        }
        catch (AggregateException e) when (e.InnerExceptions.All(inner => inner is Microsoft.Extensions.Options.OptionsValidationException))
        {
            // Several areas' options failed their validation on start: every problem, each naming its key.
            foreach (var inner in e.InnerExceptions)
            {
                await error.WriteLineAsync($"rawkode up: {inner.Message}").ConfigureAwait(false);
            }
            return 2;
        }
    }

    private Task Say(string line) => output.WriteLineAsync("rawkode up: " + line);

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

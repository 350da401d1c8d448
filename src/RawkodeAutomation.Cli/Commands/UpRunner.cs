using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
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
    private readonly List<IAsyncDisposable> _embedded = [];

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var root = FindRepositoryRoot(repository ?? Directory.GetCurrentDirectory());
        if (root is null)
        {
            await error.WriteLineAsync($"rawkode up: {repository ?? Directory.GetCurrentDirectory()} is not inside a git checkout with an episodes/ directory; pass --repo PATH.").ConfigureAwait(false);
            return 2;
        }
        var state = Path.Combine(root, ".rawkode");
        Directory.CreateDirectory(state);

        var fileConfig = new ConfigurationBuilder()
            .SetBasePath(root)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .Build();
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var wired = new List<string>();
        try
        {
            // 1. Temporal: the real service when configured, else the offline server on SQLite.
            var pipeline = PipelineServiceCollectionExtensions.ReadPipelineOptions(fileConfig);
            if (string.IsNullOrWhiteSpace(pipeline.Address))
            {
                var server = await OfflineTemporalServer.StartNewAsync(
                    new OfflineTemporalServerOptions { Port = 0, DatabaseFilename = Path.Combine(state, "temporal.db") }, cancellationToken).ConfigureAwait(false);
                _embedded.Add(server);
                overrides["Temporal:Address"] = server.Address;
                wired.Add($"Temporal: offline server at {server.Address} (state in .rawkode/temporal.db)");
            }
            else
            {
                wired.Add($"Temporal: {pipeline.Address} namespace {pipeline.Namespace}");
            }

            // 2. YouTube: the channel when credentials are set, else the sandbox (state in .rawkode/youtube.json).
            Uri? channelPage = null;
            if (string.IsNullOrWhiteSpace(fileConfig["YouTube:RefreshToken"]))
            {
                var quota = int.TryParse(fileConfig["YouTube:DailyQuota"], System.Globalization.CultureInfo.InvariantCulture, out var q) ? q : 10_000;
                var youtube = await YouTubeSandbox.StartAsync(new YouTubeSandboxOptions { StatePath = Path.Combine(state, "youtube.json"), DailyQuota = quota }, cancellationToken)
                    .ConfigureAwait(false);
                _embedded.Add(youtube);
                foreach (var (key, value) in youtube.ClientConfiguration)
                {
                    overrides[key] = value;
                }
                channelPage = youtube.BaseUri;
                wired.Add($"YouTube: sandbox at {youtube.BaseUri} ({quota} units/day)");
            }
            else
            {
                wired.Add("YouTube: the configured channel (OAuth refresh token)");
            }

            // 3. Kubernetes: the management cluster when configured, else the sandbox.
            if (string.IsNullOrWhiteSpace(fileConfig["Kubernetes:ManagementKubeconfig"]) && string.IsNullOrWhiteSpace(fileConfig["Kubernetes:ManagementKubeconfigContent"]))
            {
                var kubernetes = await KubernetesSandbox.StartAsync().ConfigureAwait(false);
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
                wired.Add("Kubernetes: sandbox management cluster with a Cluster API stand-in (node-level breaks run against its node model)");
            }
            else
            {
                wired.Add("Kubernetes: the configured management cluster");
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
                wired.Add($"Commits: GitHub {fileConfig["GitHub:Repository"]} via webhooks at POST /webhooks/github");
            }
            overrides["Http:Urls"] = fileConfig["Http:Urls"] ?? "http://127.0.0.1:8787";

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
            builder.Services.AddRawkodePipeline(builder.Configuration, root);
            await using var app = builder.Build();
            app.MapGitHubWebhooks();
            var client = app.Services.GetRequiredService<ITemporalClient>();
            var address = builder.Configuration["Temporal:Address"]!;
            // The operator page (state and buttons) at /operator, the Temporal pages (every history) at /temporal.
            app.MapGet("/", () => Results.Redirect("/operator/"));
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
                Links = { ("Temporal pages", "/temporal/") },
            };
            if (channelPage is not null)
            {
                operatorOptions.Links.Insert(0, ("The channel (sandbox)", channelPage.ToString()));
            }
            app.MapChannelPage(client, "/operator", operatorOptions, temporalUiPrefix: "/temporal");
            app.MapOperatorUi(client, "/temporal");
            // Statement lambdas: an expression-bodied async lambda binds to RequestDelegate and the result is dropped (empty 200).
            app.MapGet("/api/status", async (HttpContext context) =>
            {
                return Results.Json(await PipelineStatusReader.ReadAsync(client, withRecent: true, context.RequestAborted).ConfigureAwait(false), PipelineStatusReader.JsonOptions);
            });
            // The cleanup Schedule: next passes and what recent passes deleted and kept (as `rawkode cleanup status`).
            app.MapGet("/api/cleanup", async (HttpContext context) =>
            {
                return Results.Json(await CleanupSchedule.DescribeAsync(client, context.RequestAborted).ConfigureAwait(false));
            });

            foreach (var line in wired)
            {
                await output.WriteLineAsync("rawkode up: " + line).ConfigureAwait(false);
            }
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var operatorPage = app.Urls.FirstOrDefault() ?? builder.Configuration["Http:Urls"];

            // 5. The long-lived entities, then every episode at the checkout's head.
            var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<PipelineOptions>>().Value;
            await EnsureQuotaEntity.SignalWithStartAsync(client, options, wf => wf.SetBudgetAsync(new QuotaBudget(options.DailyQuota, options.SweepReserve))).ConfigureAwait(false);
            var cleanup = await CleanupSchedule.EnsureAsync(client, options, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync($"rawkode up: cleanup Schedule '{CleanupWorkflow.ScheduleId}' every {options.CleanupInterval} ({cleanup.ToString().ToLowerInvariant()})").ConfigureAwait(false);
            var head = (await git.RunAsync(["rev-parse", "HEAD"], cancellationToken: cancellationToken).ConfigureAwait(false)).Trim();
            var started = await TemporalCommitSink.StartAsync(client, options, new CommitInput(head, null, DateTimeOffset.UtcNow, Full: true), cancellationToken).ConfigureAwait(false);
            // Already started (by the git watcher, or by an earlier `up`): its result is the same commit's.
            var handle = started ?? client.GetWorkflowHandle<CommitWorkflow, CommitOutcome>(WorkflowIds.Commit(head));
            await output.WriteLineAsync($"rawkode up: reconciling every episode at {GitShas.Short(head)}").ConfigureAwait(false);
            var outcome = await handle.GetResultAsync().ConfigureAwait(false);
            await output.WriteLineAsync($"rawkode up: commit {GitShas.Short(head)}: {outcome.Summary}").ConfigureAwait(false);
            foreach (var e in outcome.Errors)
            {
                await output.WriteLineAsync("  " + e).ConfigureAwait(false);
            }
            var commitFailed = !outcome.Valid;

            // 6. Progress until settled (--once) or until Ctrl+C.
            var deadline = DateTime.UtcNow + timeout;
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
            foreach (var failed in status.Episodes.Where(e => e.Phase == "Failed"))
            {
                await output.WriteLineAsync($"  FAILED {failed.EpisodeId}: {failed.LastError}").ConfigureAwait(false);
            }
            await output.WriteLineAsync("Where to look:").ConfigureAwait(false);
            if (channelPage is not null)
            {
                await output.WriteLineAsync($"  the channel (sandbox, with thumbnails and descriptions): {channelPage}").ConfigureAwait(false);
            }
            await output.WriteLineAsync($"  the operator page (every entity's state, and buttons to steer them): {operatorPage}/operator/").ConfigureAwait(false);
            await output.WriteLineAsync($"  the cleanup Schedule's recent passes: {operatorPage}/api/cleanup (or rawkode cleanup status --address {address})").ConfigureAwait(false);
            await output.WriteLineAsync($"  Temporal: {address} (workflow ids episode/<show>/<slug>, person/<id>, commit/<sha>, youtube-quota, cleanup-<time>; Schedule cleanup)").ConfigureAwait(false);
            await output.WriteLineAsync("  thumbnails as files: rawkode thumbnails render --all --out .rawkode/thumbnails").ConfigureAwait(false);
            var timedOut = once && !status.Settled;
            if (timedOut)
            {
                await output.WriteLineAsync($"rawkode up: gave up waiting after {timeout}").ConfigureAwait(false);
            }
            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            return commitFailed || status.Failed > 0 || timedOut ? 1 : 0;
        }
        catch (Exception e) when (e is Microsoft.Extensions.Options.OptionsValidationException or InvalidOperationException or IOException or RpcException)
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

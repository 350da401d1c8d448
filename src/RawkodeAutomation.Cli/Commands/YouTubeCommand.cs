using System.CommandLine;
using System.Globalization;
using RawkodeAutomation.Episodes.Loading;
using RawkodeAutomation.Episodes.Quota;
using RawkodeAutomation.Episodes.Rendering;
using RawkodeAutomation.Thumbnails;
using RawkodeAutomation.YouTube;
using RawkodeAutomation.YouTube.Operations;
using RawkodeAutomation.YouTube.Quota;
using RawkodeAutomation.YouTube.Sandbox;

namespace RawkodeAutomation.Cli.Commands;

/// <summary><c>rawkode youtube ...</c>: the loopback YouTube sandbox and the quota cost table.</summary>
internal static class YouTubeCommand
{
    public static Command Create()
    {
        Command youtube = new("youtube", "YouTube Data API v3: the loopback sandbox and quota costs.");
        youtube.Subcommands.Add(Sandbox());
        youtube.Subcommands.Add(Costs());
        return youtube;
    }

    private static Command Sandbox()
    {
        Option<int> port = new("--port") { Description = "Loopback port (0: any free port).", DefaultValueFactory = _ => 0 };
        Option<FileInfo?> state = new("--state") { Description = "JSON file the sandbox channel is kept in (loaded on start, saved on every change)." };
        Option<int> quota = new("--daily-quota") { Description = "Units per Pacific day.", DefaultValueFactory = _ => 10_000 };
        Option<bool> demo = new("--demo") { Description = "Schedule this checkout's upcoming episodes on the sandbox through the real client first." };
        Option<DirectoryInfo?> root = new("--root") { Description = "Repository root for --demo (default: found from the current directory)." };
        Command command = new("sandbox", "Run the loopback YouTube sandbox until Ctrl+C and print its URLs.") { port, state, quota, demo, root };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var shutdown = new ShutdownSignal(cancellationToken);
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            if (parse.GetValue(quota) < 1)
            {
                await error.WriteLineAsync($"--daily-quota must be positive, got {parse.GetValue(quota)}.");
                return 2;
            }
            YouTubeSandbox sandbox;
            try
            {
                sandbox = await YouTubeSandbox.StartAsync(new YouTubeSandboxOptions
                {
                    Port = parse.GetValue(port),
                    StatePath = parse.GetValue(state)?.FullName,
                    DailyQuota = parse.GetValue(quota),
                }, cancellationToken);
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                await error.WriteLineAsync($"Cannot start the YouTube sandbox: {e.Message}");
                return 2;
            }
            await using (sandbox)
            {
                await output.WriteLineAsync($"YouTube sandbox listening. Channel page: {sandbox.BaseUri}");
                foreach (var (key, value) in sandbox.ClientConfiguration)
                {
                    await output.WriteLineAsync($"  {key.Replace(":", "__", StringComparison.Ordinal)}={value}");
                }
                if (parse.GetValue(state) is { } file) { await output.WriteLineAsync($"  state: {file.FullName}"); }
                if (parse.GetValue(demo))
                {
                    var rootDir = parse.GetValue(root)?.FullName ?? ThumbnailAssets.FindRepositoryRoot(Environment.CurrentDirectory);
                    if (rootDir is null)
                    {
                        await error.WriteLineAsync("--demo needs a checkout: run it inside the repository or pass --root.");
                        return 2;
                    }
                    var exit = await DemoAsync(sandbox, rootDir, output, error, cancellationToken);
                    if (exit != 0) { return exit; }
                }
                await output.WriteLineAsync("Press Ctrl+C to stop.");
                await shutdown.WaitAsync();
                await output.WriteLineAsync($"Stopped. {sandbox.UnitsSpent} units spent while running.");
            }
            return 0;
        });
        return command;
    }

    /// <summary>Schedules the upcoming episodes of <paramref name="rootDir"/> as the pipeline would, to show the page.</summary>
    private static async Task<int> DemoAsync(YouTubeSandbox sandbox, string rootDir, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var loaded = EpisodeLoader.LoadDirectory(rootDir);
        if (!loaded.IsValid)
        {
            foreach (var diagnostic in loaded.Errors) { await error.WriteLineAsync(diagnostic.ToString()); }
            return 1;
        }
        var repository = loaded.Repository;
        var ledger = new InMemoryQuotaLedger(TimeProvider.System, sandbox.DailyQuota);
        using var client = YouTubeClient.Create(new YouTubeOptions
        {
            ClientId = sandbox.ClientId,
            ClientSecret = sandbox.ClientSecret,
            RefreshToken = sandbox.RefreshToken,
            ApiBaseUri = sandbox.ApiBaseUri,
            UploadBaseUri = sandbox.UploadBaseUri,
            TokenUri = sandbox.TokenUri,
            DailyQuota = sandbox.DailyQuota,
        }, ledger, TimeProvider.System);
        var operations = new YouTubeOperations(client);
        using var renderer = new ThumbnailRenderer(ThumbnailAssets.FromRepositoryRoot(rootDir));
        var now = DateTimeOffset.UtcNow;
        foreach (var episode in repository.Episodes.Values.Where(e => !e.Draft && e.ScheduledFor > now).OrderBy(e => e.ScheduledFor))
        {
            var show = repository.Shows[episode.ShowId];
            var spec = new BroadcastSpec(
                episode.Id,
                episode.Title,
                DescriptionRenderer.Render(repository, episode.Id).Text,
                episode.ScheduledFor!.Value,
                episode.ScheduledFor.Value + episode.Duration,
                episode.Visibility.ToString().ToLowerInvariant(),
                show.YouTube.CategoryId.ToString(CultureInfo.InvariantCulture),
                episode.Technologies,
                show.YouTube.StreamKey,
                show.YouTube.PlaylistId,
                null);
            try
            {
                var result = await operations.EnsureBroadcastAsync(spec, cancellationToken);
                var thumbnail = renderer.Render(ThumbnailRequest.FromEpisode(episode, show, repository.People));
                var thumb = await operations.EnsureThumbnailAsync(new ThumbnailSpec(episode.Id, result.VideoId, thumbnail.Bytes, thumbnail.ContentHash), cancellationToken);
                await output.WriteLineAsync($"  {episode.Id}: {result.VideoId} ({string.Join("; ", result.Actions.Concat(thumb.Actions))}) {result.UnitsSpent + thumb.UnitsSpent} units");
            }
            catch (Exception e) when (e is YouTubeSpecException or YouTubeApiException)
            {
                await error.WriteLineAsync($"  {episode.Id}: {e.Message}");
            }
        }
        await output.WriteLineAsync($"Demo spent {ledger.SpentToday} units; the sandbox counted {sandbox.QuotaUsedToday} today.");
        return 0;
    }

    private static Command Costs()
    {
        Command command = new("costs", "Print the quota cost of each YouTube Data API method we call (units; 10,000 per day by default).");
        command.SetAction(parse =>
        {
            foreach (var (method, units) in YouTubeCosts.All.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                parse.InvocationConfiguration.Output.WriteLine($"{method,-28}{units,4}");
            }
            return 0;
        });
        return command;
    }
}

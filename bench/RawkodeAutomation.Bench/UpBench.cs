using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RawkodeAutomation.GitHub.Local;
using RawkodeAutomation.Hosting;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.YouTube.Operations;
using Temporalio.Client;

namespace RawkodeAutomation.Bench;

/// <summary>
/// <c>rawkode-bench up [--episodes N]</c>: the embedded stack on a generated channel. Measures the time to
/// reconcile N episodes from scratch, then commit-to-scheduled latency for one new episode, with the
/// YouTube quota units each spent.
/// </summary>
internal static class UpBench
{
    public static Command Create()
    {
        Option<int> episodes = new("--episodes") { Description = "Episodes in the generated channel.", DefaultValueFactory = _ => 500 };
        Command command = new("up", "Benchmark the pipeline on the embedded stack (offline Temporal on SQLite, YouTube sandbox, local git).") { episodes };
        command.SetAction(async (parseResult, cancellationToken) =>
            await RunAsync(parseResult.InvocationConfiguration.Output, parseResult.GetValue(episodes), cancellationToken).ConfigureAwait(false));
        return command;
    }

    private static async Task<int> RunAsync(TextWriter output, int count, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(Path.GetTempPath(), "rawkode-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var root = Path.Combine(directory, "repo");
        Directory.CreateDirectory(root);
        var repoRoot = FindSolutionRoot();
        Directory.CreateSymbolicLink(Path.Combine(root, "thumbnails"), Path.Combine(repoRoot, "thumbnails"));
        await File.WriteAllTextAsync(Path.Combine(root, ".gitignore"), "thumbnails\n", cancellationToken).ConfigureAwait(false);
        var git = new GitCli(root);
        await git.RunAsync(["init", "-q", "-b", "main"], cancellationToken: cancellationToken).ConfigureAwait(false);
        foreach (var (path, text) in Generate(count))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(root, path))!);
            await File.WriteAllTextAsync(Path.Combine(root, path), text, cancellationToken).ConfigureAwait(false);
        }
        await CommitAsync(git, "generated channel", cancellationToken).ConfigureAwait(false);

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            // The embedded defaults on any free ports, as `rawkode up` would start them.
            ["Up:TemporalPort"] = "0",
            ["Up:ChannelPort"] = "0",
            ["GitHub:Branch"] = "main",
            ["GitHub:LocalPollInterval"] = "00:00:00.100",
            ["Pipeline:SweepReserve"] = "0",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        // Temporal's state on SQLite in the bench's folder; the sandboxes in memory, the channel's quota out of the way.
        await using var embedded = await builder.AddRawkodeEmbeddedDefaultsAsync(new EmbeddedDefaultsOptions
        {
            RepositoryRoot = root,
            StateDirectory = directory,
            ConfigureYouTubeSandbox = o => (o.DailyQuota, o.StatePath) = (100_000_000, null),
            ConfigureKubernetesSandbox = o => o.StatePath = null,
            TemporalProfile = new() { DisableFile = true },
        }, cancellationToken).ConfigureAwait(false);
        var youtube = embedded.YouTube!;
        using var host = builder.Build();
        var client = host.Services.GetRequiredService<ITemporalClient>();

        await output.WriteLineAsync($"bench: {count} episodes, offline Temporal on SQLite, YouTube sandbox, local git watcher").ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        var status = await WaitSettledAsync(client, count, cancellationToken).ConfigureAwait(false);
        var full = clock.Elapsed;
        var fullUnits = youtube.UnitsSpent;
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"bench: reconcile {count} episodes from scratch: {full.TotalSeconds:F1} s ({count / full.TotalSeconds:F1} episodes/s), {fullUnits} quota units ({(double)fullUnits / count:F0} per episode), {status.Failed} failed")).ConfigureAwait(false);

        // One new episode: commit → broadcast scheduled on the sandbox → fully converged.
        var id = $"bench-show/2031-01-01-new-episode";
        await File.WriteAllTextAsync(Path.Combine(root, "episodes", id + ".yaml"), Episode("New episode", new DateTime(2031, 1, 1), "guest-1"), cancellationToken).ConfigureAwait(false);
        var before = youtube.UnitsSpent;
        clock.Restart();
        await CommitAsync(git, "add an episode", cancellationToken).ConfigureAwait(false);
        while (!youtube.Videos.Any(v => Markers.EpisodeOf(v.Tags) == id && v.IsBroadcast))
        {
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
        var scheduled = clock.Elapsed;
        status = await WaitSettledAsync(client, count + 1, cancellationToken).ConfigureAwait(false);
        var converged = clock.Elapsed;
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"bench: one new episode: commit → broadcast scheduled {scheduled.TotalMilliseconds:F0} ms, → converged (thumbnail, and the series-index rewrites of siblings it causes) {converged.TotalSeconds:F1} s, {youtube.UnitsSpent - before} quota units")).ConfigureAwait(false);
        await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean.
        }
        return status.Failed == 0 ? 0 : 1;
    }

    private static async Task<ChannelStatus> WaitSettledAsync(ITemporalClient client, int count, CancellationToken cancellationToken)
    {
        while (true)
        {
            var status = await PipelineStatusReader.ReadAsync(client, cancellationToken).ConfigureAwait(false);
            if (status.Episodes.Count == count && status.Episodes.All(e => !e.Busy && !e.Pending.Any))
            {
                return status;
            }
            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task CommitAsync(GitCli git, string message, CancellationToken cancellationToken)
    {
        await git.RunAsync(["add", "-A"], cancellationToken: cancellationToken).ConfigureAwait(false);
        await git.RunAsync(["-c", "user.email=bench@example.com", "-c", "user.name=Bench", "commit", "-q", "-m", message], cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A channel of one show, 50 people and <paramref name="count"/> future episodes.</summary>
    private static IEnumerable<(string Path, string Text)> Generate(int count)
    {
        yield return ("episodes/shows/bench-show.yaml", "name: Bench Show\nhost: host-1\ndescription: A generated show.\nyoutube:\n  categoryId: 28\n  streamKey: bench-show\n");
        yield return ("episodes/people/host-1.yaml", "name: Host One\nbio: Hosts the show.\ngithub: hostone\n");
        for (var p = 1; p <= 50; p++)
        {
            yield return ($"episodes/people/guest-{p}.yaml", $"name: Guest {p}\nbio: Guest number {p}.\ngithub: guest{p}\n");
        }
        var start = new DateTime(2030, 1, 1);
        for (var i = 0; i < count; i++)
        {
            var day = start.AddDays(i);
            yield return ($"episodes/bench-show/{day:yyyy-MM-dd}-episode-{i + 1}.yaml", Episode($"Episode {i + 1}", day, $"guest-{(i % 50) + 1}"));
        }
    }

    private static string Episode(string title, DateTime day, string guest) => new StringBuilder()
        .Append(CultureInfo.InvariantCulture, $"title: \"{title}\"\n")
        .Append(CultureInfo.InvariantCulture, $"scheduledFor: {day:yyyy-MM-dd}T17:00:00Z\n")
        .Append("duration: 60m\nvisibility: public\n")
        .Append(CultureInfo.InvariantCulture, $"guests: [{guest}]\n")
        .Append("technologies: [kubernetes]\nsummary: A generated episode.\n")
        .ToString();

    private static string FindSolutionRoot()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RawkodeAutomation.sln")))
            {
                return dir.FullName;
            }
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RawkodeAutomation.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("run the bench from inside the RawkodeAutomation checkout (it needs thumbnails/)");
    }
}

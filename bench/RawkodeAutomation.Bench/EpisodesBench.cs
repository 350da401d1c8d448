using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using RawkodeAutomation.Cli.Commands;
using RawkodeAutomation.Episodes.Benchmarking;
using RawkodeAutomation.GitHub.Local;

namespace RawkodeAutomation.Bench;

/// <summary>
/// <c>rawkode-bench episodes</c>: generates large channels in a temporary git repository and times
/// <c>rawkode validate</c> and <c>rawkode plan</c> (the same code, called in-process) on them, each in a fresh process so that the peak
/// memory figure is that command's own.
/// </summary>
internal static class EpisodesBench
{
    public static Command Create()
    {
        Option<string> sizes = new("--episodes") { Description = "Comma-separated episode counts.", DefaultValueFactory = _ => "500,5000" };
        Option<int> people = new("--people") { Description = "People in each generated channel.", DefaultValueFactory = _ => 1000 };
        Option<bool> keep = new("--keep") { Description = "Keep the generated repositories (their paths are printed)." };
        Option<string?> measure = new("--measure") { Description = "Internal: run one operation (validate|plan) on --repo and print its figures.", Hidden = true };
        Option<string?> repo = new("--repo") { Description = "Internal: the repository for --measure.", Hidden = true };

        Command bench = new("episodes", "Time validate and plan on generated channels (500 and 5,000 episodes, 1,000 people by default).");
        bench.Options.Add(sizes);
        bench.Options.Add(people);
        bench.Options.Add(keep);
        bench.Options.Add(measure);
        bench.Options.Add(repo);
        bench.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            if (parseResult.GetValue(measure) is { } operation)
            {
                return await MeasureAsync(operation, parseResult.GetValue(repo)!, output, cancellationToken);
            }

            var counts = new List<int>();
            foreach (var part in parseResult.GetValue(sizes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 20)
                {
                    error.WriteLine($"--episodes: '{part}' is not a number of at least 20");
                    return 2;
                }

                counts.Add(count);
            }

            try
            {
                return await RunAsync(counts, parseResult.GetValue(people), parseResult.GetValue(keep), output, error, cancellationToken);
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
            {
                // git missing or failing, or the temporary directory not writable.
                error.WriteLine($"the benchmark could not run: {ex.Message}");
                return 1;
            }
        });

        return bench;
    }

    private static async Task<int> RunAsync(List<int> counts, int people, bool keep, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        output.WriteLine($"{"episodes",8} {"people",7} {"command",-9} {"wall ms",8} {"work ms",8} {"cpu ms",8} {"peak MB",8}  notes");
        foreach (var count in counts)
        {
            var directory = Path.Combine(Path.GetTempPath(), $"rawkode-bench-{count}-{Guid.NewGuid():N}"[..32]);
            try
            {
                output.WriteLine($"# generating {count:N0} episodes and {people:N0} people in {directory}");
                var files = SyntheticChannel.Generate(count, people);
                Write(directory, files);
                await GitAsync(directory, cancellationToken, "init", "-q");
                await GitAsync(directory, cancellationToken, "add", "-A");
                await GitAsync(directory, cancellationToken, "-c", "user.name=bench", "-c", "user.email=bench@localhost", "-c", "commit.gpgsign=false",
                    "commit", "-q", "-m", "generated channel");
                var edited = SyntheticChannel.Edit(files);
                foreach (var removed in files.Keys.Where(k => !edited.ContainsKey(k)))
                {
                    File.Delete(Path.Combine(directory, removed));
                }

                Write(directory, edited);

                foreach (var operation in new[] { "validate", "plan" })
                {
                    var (wall, figures) = await RunChildAsync(operation, directory, error, cancellationToken);
                    if (figures is null)
                    {
                        error.WriteLine($"the {operation} run failed");
                        return 1;
                    }

                    output.WriteLine($"{count,8:N0} {people,7:N0} {operation,-9} {wall,8:N0} {figures.Value.WorkMs,8:N0} {figures.Value.CpuMs,8:N0} {figures.Value.PeakBytes / 1024.0 / 1024.0,8:N1}  {figures.Value.Notes}");
                }
            }
            finally
            {
                if (!keep && Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }
            }
        }

        output.WriteLine("wall ms: the whole command in a fresh process (runtime start included); work ms: loading, validating and planning only;");
        output.WriteLine("cpu ms: processor time of that process on all cores (what the command costs when the machine is busy); peak MB: its peak working set.");
        output.WriteLine(FormattableString.Invariant($"Load average while measuring: {LoadAverage()} on {Environment.ProcessorCount} cores."));
        output.WriteLine("Targets: under 2,000 ms and under 300 MB per command at 5,000 episodes.");
        return 0;
    }

    private static async Task<int> MeasureAsync(string operation, string repository, TextWriter output, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        int exit;
        string notes;
        if (operation == "validate")
        {
            var lines = new StringWriter();
            exit = ValidateCommand.Run(repository, lines, lines);
            notes = lines.ToString().Trim().Split('\n')[^1];
        }
        else
        {
            var json = new StringWriter();
            exit = await PlanCommand.RunAsync(repository, "HEAD", null, json: true, json, TextWriter.Null, cancellationToken);
            var plan = exit == 0 ? RawkodeAutomation.Episodes.Planning.Plan.FromJson(json.ToString()) : null;
            notes = plan is null
                ? "plan failed"
                : $"{plan.Broadcasts.Count} broadcasts, {plan.Descriptions.Count} descriptions, {plan.Renames.Count} rename(s), {plan.Quota.Units:N0} units";
        }

        stopwatch.Stop();
        using var self = Process.GetCurrentProcess();
        output.WriteLine(FormattableString.Invariant($"MEASURE {exit} {stopwatch.ElapsedMilliseconds} {self.PeakWorkingSet64} {(long)self.TotalProcessorTime.TotalMilliseconds} {notes}"));
        return exit <= 1 ? 0 : exit;
    }

    private static async Task<(long WallMs, (long WorkMs, long PeakBytes, long CpuMs, string Notes)? Figures)> RunChildAsync(
        string operation, string directory, TextWriter error, CancellationToken cancellationToken)
    {
        var processPath = Environment.ProcessPath!;
        var start = new ProcessStartInfo(processPath) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(processPath) == "dotnet")
        {
            start.ArgumentList.Add(typeof(EpisodesBench).Assembly.Location);
        }

        foreach (var argument in new[] { "episodes", "--measure", operation, "--repo", directory })
        {
            start.ArgumentList.Add(argument);
        }

        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        stopwatch.Stop();
        var line = (await stdout).Split('\n').FirstOrDefault(l => l.StartsWith("MEASURE ", StringComparison.Ordinal));
        if (line is null || process.ExitCode != 0)
        {
            await error.WriteLineAsync(await stderr);
            return (stopwatch.ElapsedMilliseconds, null);
        }

        var parts = line.Split(' ', 6);
        return (stopwatch.ElapsedMilliseconds,
            (long.Parse(parts[2], CultureInfo.InvariantCulture), long.Parse(parts[3], CultureInfo.InvariantCulture),
                long.Parse(parts[4], CultureInfo.InvariantCulture), parts.Length > 5 ? parts[5] : ""));
    }

    private static string LoadAverage()
    {
        // Other work on the machine skews wall-clock figures; print it so they can be judged.
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static void Write(string directory, Dictionary<string, byte[]> files)
    {
        foreach (var (path, bytes) in files)
        {
            var full = Path.Combine(directory, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, bytes);
        }
    }

    private static Task<string> GitAsync(string directory, CancellationToken cancellationToken, params string[] arguments) =>
        new GitCli(directory).RunAsync(arguments, cancellationToken: cancellationToken);
}

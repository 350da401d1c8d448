using System.CommandLine;
using System.Globalization;


namespace RawkodeAutomation.Bench;

/// <summary>
/// <c>rawkode-bench server</c>: workflows per second and start-to-result latency of the offline Temporal server,
/// with the real SDK, one activity per workflow, in memory and with SQLite.
/// </summary>
internal static class ServerBench
{
    public static Command Create()
    {
        Option<string> concurrency = new("--concurrency") { Description = "Comma-separated concurrency levels.", DefaultValueFactory = _ => "1,50,500" };
        Option<int> workflows = new("--workflows") { Description = "Workflows per round (at least the concurrency).", DefaultValueFactory = _ => 500 };
        Option<string> store = new("--store") { Description = "memory, sqlite or both.", DefaultValueFactory = _ => "both" };
        Command command = new("server", "Benchmark the offline Temporal server: workflows/s and p50/p99 latency.") { concurrency, workflows, store };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var levels = new List<int>();
            foreach (var part in parseResult.GetValue(concurrency)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var level) || level < 1)
                {
                    error.WriteLine($"--concurrency: '{part}' is not a positive whole number.");
                    return 2;
                }
                levels.Add(level);
            }
            var count = parseResult.GetValue(workflows);
            if (count < 1)
            {
                error.WriteLine("--workflows: must be at least 1.");
                return 2;
            }
            BenchStore[]? stores = parseResult.GetValue(store) switch
            {
                "memory" => [BenchStore.Memory],
                "sqlite" => [BenchStore.Sqlite],
                "both" => [BenchStore.Memory, BenchStore.Sqlite],
                _ => null,
            };
            if (stores is null)
            {
                error.WriteLine($"--store: '{parseResult.GetValue(store)}' is not one of memory, sqlite, both.");
                return 2;
            }
            output.WriteLine($"{"store",-7} {"concurrency",11} {"workflows",9} {"seconds",8} {"wf/s",8} {"p50 ms",8} {"p99 ms",8} {"memory MB",9}");
            foreach (var s in stores)
            {
                foreach (var level in levels)
                {
                    var r = await ServerBenchmark.RunAsync(s, level, Math.Max(count, level), cancellationToken);
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{s.ToString().ToLowerInvariant(),-7} {level,11} {r.Workflows,9} {r.Elapsed.TotalSeconds,8:F2} {r.WorkflowsPerSecond,8:F1} {r.P50.TotalMilliseconds,8:F1} {r.P99.TotalMilliseconds,8:F1} {r.PeakWorkingSetBytes / 1048576.0,9:F0}"));
                    output.Flush();
                }
            }
            return 0;
        });
        return command;
    }
}

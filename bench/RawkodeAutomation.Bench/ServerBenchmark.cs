using System.Diagnostics;
using RawkodeAutomation.TemporalServer;
using Temporalio.Client;
using Temporalio.Worker;

namespace RawkodeAutomation.Bench;

/// <summary>Which store a benchmark round uses.</summary>
public enum BenchStore
{
    Memory,
    Sqlite,
}

/// <summary>Figures of one benchmark round.</summary>
/// <param name="Store">Store the server used.</param>
/// <param name="Concurrency">Workflows in flight at once.</param>
/// <param name="Workflows">Workflows started and completed.</param>
/// <param name="Elapsed">Wall time from the first start to the last result.</param>
/// <param name="P50">Median start-to-result latency.</param>
/// <param name="P99">99th percentile start-to-result latency.</param>
/// <param name="PeakWorkingSetBytes">Process working set at the end of the round.</param>
public sealed record BenchResult(BenchStore Store, int Concurrency, int Workflows, TimeSpan Elapsed, TimeSpan P50, TimeSpan P99, long PeakWorkingSetBytes)
{
    public double WorkflowsPerSecond => Workflows / Elapsed.TotalSeconds;
}

/// <summary>
/// Measures the offline server end to end with the real SDK: an in-process server, one client and one worker;
/// each workflow runs one activity. Reports completed workflows per second and start-to-result latency.
/// </summary>
public static class ServerBenchmark
{
    /// <summary>Runs one round: <paramref name="workflows"/> workflows, at most <paramref name="concurrency"/> at once.</summary>
    public static async Task<BenchResult> RunAsync(BenchStore store, int concurrency, int workflows, CancellationToken cancellationToken = default)
    {
        var directory = store == BenchStore.Sqlite ? Directory.CreateTempSubdirectory("rawkode-bench-").FullName : null;
        try
        {
            var options = new OfflineTemporalServerOptions
            {
                DatabaseFilename = directory is null ? null : Path.Combine(directory, "bench.db"),
            };
            await using var server = await OfflineTemporalServer.StartNewAsync(options, cancellationToken).ConfigureAwait(false);
            var client = await TemporalClient.ConnectAsync(new(server.Address) { Namespace = "default" }).ConfigureAwait(false);
            var taskQueue = $"bench-{Guid.NewGuid():N}";
            using var worker = new TemporalWorker(client, new TemporalWorkerOptions(taskQueue)
            {
                MaxConcurrentWorkflowTasks = Math.Max(concurrency, 10),
                MaxConcurrentActivities = Math.Max(concurrency, 10),
                MaxCachedWorkflows = Math.Max(concurrency * 2, 100),
            }.AddWorkflow<BenchWorkflow>().AddActivity(BenchActivities.Echo));
            return await worker.ExecuteAsync(async () =>
            {
                // Warm up the JIT and the connection before measuring.
                await RunBatchAsync(client, taskQueue, Math.Min(concurrency, 20), 20, cancellationToken).ConfigureAwait(false);
                var stopwatch = Stopwatch.StartNew();
                var latencies = await RunBatchAsync(client, taskQueue, concurrency, workflows, cancellationToken).ConfigureAwait(false);
                stopwatch.Stop();
                latencies.Sort();
                return new BenchResult(
                    store,
                    concurrency,
                    workflows,
                    stopwatch.Elapsed,
                    Percentile(latencies, 0.50),
                    Percentile(latencies, 0.99),
                    Environment.WorkingSet);
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (directory is not null)
            {
                try
                {
                    Directory.Delete(directory, recursive: true);
                }
                catch (IOException)
                {
                    // A file still closing must not fail the benchmark.
                }
            }
        }
    }

    private static async Task<List<TimeSpan>> RunBatchAsync(ITemporalClient client, string taskQueue, int concurrency, int workflows, CancellationToken cancellationToken)
    {
        var latencies = new List<TimeSpan>(workflows);
        var next = 0;
        async Task LaneAsync()
        {
            while (true)
            {
                var index = Interlocked.Increment(ref next);
                if (index > workflows)
                {
                    return;
                }
                cancellationToken.ThrowIfCancellationRequested();
                var started = Stopwatch.GetTimestamp();
                var input = $"bench-{index}";
                var result = await client.ExecuteWorkflowAsync(
                    (BenchWorkflow wf) => wf.RunAsync(input),
                    new WorkflowOptions($"bench-{Guid.NewGuid():N}", taskQueue)).ConfigureAwait(false);
                if (result != input)
                {
                    throw new InvalidOperationException($"benchmark workflow returned '{result}', expected '{input}'");
                }
                var elapsed = Stopwatch.GetElapsedTime(started);
                lock (latencies)
                {
                    latencies.Add(elapsed);
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(LaneAsync, cancellationToken))).ConfigureAwait(false);
        return latencies;
    }

    private static TimeSpan Percentile(List<TimeSpan> sorted, double percentile)
    {
        if (sorted.Count == 0)
        {
            return TimeSpan.Zero;
        }
        var index = (int)Math.Ceiling(percentile * sorted.Count) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Count - 1)];
    }
}

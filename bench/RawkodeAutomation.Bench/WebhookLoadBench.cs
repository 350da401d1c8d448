using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using RawkodeAutomation.GitHub;
using RawkodeAutomation.GitHub.Local;
using RawkodeAutomation.GitHub.Sandbox;
using RawkodeAutomation.GitHub.Webhooks;

namespace RawkodeAutomation.Bench;

/// <summary><c>rawkode-bench webhook-load</c>: signed push deliveries at a fixed rate against the webhook endpoint.</summary>
internal static class WebhookLoadBench
{
    public static Command Create()
    {
        Option<int> rate = new("--rate") { Description = "Deliveries per second.", DefaultValueFactory = _ => 200 };
        Option<int> duration = new("--duration") { Description = "Seconds to send for.", DefaultValueFactory = _ => 30 };
        Option<int> redeliver = new("--redeliver-percent") { Description = "Share of deliveries sent a second time with the same delivery id.", DefaultValueFactory = _ => 10 };
        Option<FileInfo?> store = new("--delivery-store") { Description = "Remember delivery ids in this file (as GitHub:DeliveryStorePath does) instead of in memory." };
        Command command = new("webhook-load",
            "Send signed push deliveries at a fixed rate to the webhook endpoint on loopback; check none is lost or doubled; print latency percentiles.")
        {
            rate, duration, redeliver, store,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var perSecond = parse.GetValue(rate);
            var seconds = parse.GetValue(duration);
            var redeliverPercent = Math.Clamp(parse.GetValue(redeliver), 0, 100);
            if (perSecond <= 0 || seconds <= 0)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync("--rate and --duration must be positive.");
                return 2;
            }

            var result = await WebhookLoadTest.RunAsync(perSecond, seconds, redeliverPercent, parse.GetValue(store)?.FullName, line => output.WriteLine(line), cancellationToken);
            return result ? 0 : 1;
        });
        return command;
    }
}


/// <summary>The webhook load test: an open-loop sender against the real endpoint on loopback with a counting sink.</summary>
internal static class WebhookLoadTest
{
    private const string Repository = "rawkode/channel";
    private const string Secret = "load-test-secret";

    private sealed class CountingSink : ICommitSink
    {
        public ConcurrentDictionary<string, int> ByDelivery { get; } = new(StringComparer.Ordinal);

        public Task CommitObservedAsync(CommitObserved commit, CancellationToken cancellationToken)
        {
            ByDelivery.AddOrUpdate(commit.DeliveryId ?? "", 1, (_, n) => n + 1);
            return Task.CompletedTask;
        }
    }

    public static async Task<bool> RunAsync(int perSecond, int seconds, int redeliverPercent, string? storePath, Action<string> print, CancellationToken cancellationToken)
    {
        var sink = new CountingSink();
        var options = new GitHubOptions { Repository = Repository, Branch = "main", WebhookSecret = Secret, DeliveryStorePath = storePath };
        await using var host = await GitHubWebhookHost.StartAsync(options, sink, cancellationToken: cancellationToken);
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 512, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        var sender = new GitHubWebhookSender(http, host.Endpoint, Secret);

        var total = perSecond * seconds;
        // Payloads are built up front so the clock measures the endpoint, not JSON building.
        var payloads = new byte[total][];
        var ids = new string[total];
        var before = GitShas.Zero;
        for (var i = 0; i < total; i++)
        {
            var after = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i)))[..40];
            payloads[i] = GitHubWebhookSender.PushPayload(new SandboxPush(Repository, "main", before, after));
            ids[i] = Guid.NewGuid().ToString();
            before = after;
        }

        print($"Delivery ids remembered {(storePath is null ? "in memory" : "in " + storePath)}.");
        print($"Sending {total} signed push deliveries to {host.Endpoint} at {perSecond}/s for {seconds} s (+{redeliverPercent}% redelivered with the same delivery id).");
        var latencies = new ConcurrentBag<double>();
        var statuses = new ConcurrentDictionary<int, int>();
        var failures = new ConcurrentBag<string>();
        var inFlight = new List<Task>(total * 2);
        var clock = Stopwatch.StartNew();
        var interval = TimeSpan.FromSeconds(1.0 / perSecond);

        async Task DeliverAsync(int i, bool redelivery)
        {
            try
            {
                var delivery = await sender.SendAsync("push", payloads[i], ids[i], cancellationToken: cancellationToken);
                latencies.Add(delivery.Elapsed.TotalMilliseconds);
                statuses.AddOrUpdate(delivery.StatusCode, 1, (_, n) => n + 1);
                var expected = redelivery ? 200 : 202;
                if (delivery.StatusCode != expected && !(redelivery && delivery.StatusCode == 202))
                {
                    failures.Add($"{ids[i]}: {delivery.StatusCode} {delivery.Body}");
                }

                if (!redelivery && i % 100 < redeliverPercent)
                {
                    await DeliverAsync(i, redelivery: true);
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                failures.Add($"{ids[i]}: {e.GetType().Name}: {e.Message}");
            }
        }

        for (var i = 0; i < total; i++)
        {
            // Open loop: each delivery leaves at its scheduled time, whether or not earlier ones have been answered.
            var due = interval * i;
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, cancellationToken);
            }

            inFlight.Add(DeliverAsync(i, redelivery: false));
            if (i > 0 && i % (perSecond * 5) == 0)
            {
                print($"  {i}/{total} sent after {clock.Elapsed.TotalSeconds:F1} s");
            }
        }

        var sendSeconds = clock.Elapsed.TotalSeconds;
        await Task.WhenAll(inFlight);
        var sorted = latencies.Order().ToArray();
        double Percentile(double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        var lost = ids.Count(id => !sink.ByDelivery.ContainsKey(id));
        var doubled = sink.ByDelivery.Count(kv => kv.Value > 1);
        var unexpected = sink.ByDelivery.Keys.Count(k => !ids.Contains(k));

        print($"Sent {sorted.Length} requests ({total} unique deliveries) in {sendSeconds:F1} s = {total / sendSeconds:F0} unique deliveries/s.");
        print("Responses: " + string.Join(", ", statuses.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} x {kv.Value}")));
        print($"Processed once: {sink.ByDelivery.Count(kv => kv.Value == 1)}; lost: {lost}; doubled: {doubled}; unexpected: {unexpected}; failed requests: {failures.Count}.");
        print(string.Create(CultureInfo.InvariantCulture,
            $"Latency ms: p50 {Percentile(0.50):F2}, p90 {Percentile(0.90):F2}, p99 {Percentile(0.99):F2}, max {sorted.LastOrDefault():F2}"));
        foreach (var failure in failures.Take(5))
        {
            print("  " + failure);
        }

        var ok = lost == 0 && doubled == 0 && unexpected == 0 && failures.IsEmpty;
        print(ok ? "PASS: none lost, none doubled." : "FAIL");
        return ok;
    }
}

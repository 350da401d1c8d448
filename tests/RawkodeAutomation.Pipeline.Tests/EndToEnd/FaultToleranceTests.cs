using System.Diagnostics;
using RawkodeAutomation.Pipeline.Tests.Workflows;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.YouTube.Operations;
using RawkodeAutomation.YouTube.Sandbox;
using Xunit.Abstractions;

namespace RawkodeAutomation.Pipeline.Tests.EndToEnd;

public class FaultToleranceTests(ITestOutputHelper output)
{
    [Fact]
    public async Task EmbeddedStack_YouTubeFailing20PercentTemporalRestartedAndWorkerKilled_EveryEpisodeConvergesWithoutDuplicates()
    {
        // The issue's full size (about a minute here); RAWKODE_FAULT_EPISODES changes it, RAWKODE_FAULT_LOG names a
        // file that gets progress lines while it runs, RAWKODE_YOUTUBE_RETRY_ATTEMPTS=1 turns in-process call retries off.
        var episodes = int.TryParse(Environment.GetEnvironmentVariable("RAWKODE_FAULT_EPISODES"), out var n) && n > 0 ? n : 200;
        var clock = Stopwatch.StartNew();
        await using var stack = await EmbeddedStack.StartAsync(Channel.Base(episodes));
        if (Environment.GetEnvironmentVariable("RAWKODE_YOUTUBE_RETRY_ATTEMPTS") is { Length: > 0 } attempts)
        {
            stack.Settings["YouTube:Retry:Attempts"] = attempts;
        }
        // Given YouTube failing a fifth of all calls with 5xx, and rate-limiting on top: a share of calls at random,
        // and a real limit of requests per second (RAWKODE_FAULT_PER_SECOND, 100 by default).
        var perSecond = int.TryParse(Environment.GetEnvironmentVariable("RAWKODE_FAULT_PER_SECOND"), out var r) && r > 0 ? r : 100;
        stack.YouTube.InjectFault(new SandboxFault(SandboxFaultKind.ServerError, Times: null, Fraction: 0.2));
        stack.YouTube.InjectFault(new SandboxFault(SandboxFaultKind.RateLimit, Times: null, Fraction: 0.05));
        stack.YouTube.InjectFault(new SandboxFault(SandboxFaultKind.RateLimit, Times: null, PerSecond: perSecond));
        await stack.StartWorkerAsync();

        // When the Temporal server is restarted (same SQLite file, same port) once work is under way.
        var lastLog = TimeSpan.Zero;
        async Task<IReadOnlyList<SandboxVideo>> WatchChannelAsync()
        {
            var videos = stack.YouTube.Videos;
            if (clock.Elapsed - lastLog > TimeSpan.FromSeconds(10))
            {
                lastLog = clock.Elapsed;
                var quota = await PipelineHarness.QuotaAsync(stack.Client);
                var running = new Dictionary<string, int>(StringComparer.Ordinal);
                try
                {
                    await foreach (var wf in stack.Client.ListWorkflowsAsync("ExecutionStatus = 'Running'"))
                    {
                        running[wf.WorkflowType] = running.GetValueOrDefault(wf.WorkflowType) + 1;
                    }
                }
                catch (Temporalio.Exceptions.RpcException)
                {
                    // The server is restarting.
                }
                Log($"{clock.Elapsed}: running {string.Join(", ", running.Select(r => $"{r.Value} {r.Key}"))}; {videos.Count} videos, {videos.Count(v => v.Thumbnail is not null)} with thumbnails; " +
                    $"quota queued {quota?.QueuedLiveScheduling}/{quota?.QueuedThumbnails}/{quota?.QueuedSweeps}, outstanding {quota?.Outstanding}, used {quota?.Used}; " +
                    string.Join(", ", stack.YouTube.CallsPerMethod.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}")));
            }
            return videos;
        }
        await PipelineHarness.WaitForAsync(WatchChannelAsync, videos => videos.Count >= episodes / 4, TimeSpan.FromSeconds(90 + episodes), "a quarter created");
        Log($"{clock.Elapsed}: a quarter created; restarting Temporal");
        await stack.StopTemporalAsync();
        await stack.StartTemporalAsync();

        // And the worker killed (kill -9) once half the broadcasts exist: Temporal goes first so nothing the worker says
        // on its way out arrives; the attempts it held, calls already made, are only handed out again when they time out.
        await PipelineHarness.WaitForAsync(WatchChannelAsync, videos => videos.Count >= episodes / 2, TimeSpan.FromSeconds(90 + episodes), "half created");
        Log($"{clock.Elapsed}: half created; killing the worker");
        await stack.StopTemporalAsync();
        await stack.StopWorkerAsync();
        await stack.StartTemporalAsync();
        await stack.StartWorkerAsync();

        // Then every episode converges, with exactly one broadcast each. The channel is watched first (cheap):
        // querying 200 entities replays their histories on the worker, which would compete with the run itself.
        var deadline = TimeSpan.FromSeconds(150 + (episodes * 3));
        await PipelineHarness.WaitForAsync(
            WatchChannelAsync,
            videos => videos.Count >= episodes && videos.All(v => v.Thumbnail is not null),
            deadline,
            "every episode's broadcast with its thumbnail on the channel");
        Log($"{clock.Elapsed}: every broadcast has its thumbnail");
        ChannelStatus? last = null;
        try
        {
            await PipelineHarness.WaitForAsync(
                async () =>
                {
                    last = await PipelineStatusReader.ReadAsync(stack.Client);
                    Log($"{clock.Elapsed}: {last.Summary()}");
                    return last;
                },
                s => s.Episodes.Count == episodes && s.Episodes.All(e => !e.Busy && !e.Pending.Any),
                deadline,
                "every episode converged");
        }
        catch (TimeoutException)
        {
            Log(last?.Summary() ?? "no status");
            foreach (var e in last?.Episodes.Where(e => e.Busy || e.Pending.Any) ?? [])
            {
                Log($"{e.EpisodeId}: {e.Phase} pending={e.Pending} last={e.LastResult} error={e.LastError}");
            }
            throw;
        }
        var status = last!;
        Log($"{clock.Elapsed}: converged; {status.Summary()}");
        Assert.Equal(0, status.Failed);
        var perEpisode = stack.YouTube.Videos.GroupBy(v => Markers.EpisodeOf(v.Tags)).ToList();
        Assert.Equal(episodes, perEpisode.Count);
        Assert.All(perEpisode, g => Assert.Single(g));
        Assert.All(stack.YouTube.Videos, v => Assert.NotNull(v.Thumbnail));
        // Nothing lost: each entity holds the video that carries its marker, with the description it wanted.
        var byEpisode = perEpisode.ToDictionary(g => g.Key!, g => g.Single());
        Assert.All(status.Episodes, e =>
        {
            var video = byEpisode[e.EpisodeId];
            Assert.Equal(e.Applied.VideoId, video.Id);
            Assert.Equal(e.Desired!.Description, video.Description);
        });
        var stream = Assert.Single(stack.YouTube.Streams);
        Assert.All(stack.YouTube.Videos, v => Assert.Equal(stream.Id, v.BoundStreamId));
        // The quota entity knows what YouTube charged, failed requests, retried attempts and the attempts lost with the
        // killed worker included (each attempt heartbeats its running total, which the next attempt carries on). A
        // little may differ: calls answered in the last second before a kill, whose heartbeat had not left yet.
        var charged = stack.YouTube.UnitsSpent;
        var settled = status.Quota!.Used;
        Log($"units: {charged} charged by the sandbox, {settled} settled with the quota entity; {stack.YouTube.ThrottledCalls} calls over {perSecond}/s refused");
        Assert.InRange(settled, charged * 0.99, charged * 1.01);
    }

    // Long runs are diagnosed while they run: RAWKODE_FAULT_LOG names a file that gets each line at once.
    private void Log(string line)
    {
        output.WriteLine(line);
        if (Environment.GetEnvironmentVariable("RAWKODE_FAULT_LOG") is { Length: > 0 } path)
        {
            File.AppendAllText(path, line + Environment.NewLine);
        }
    }
}

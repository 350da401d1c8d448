using System.Diagnostics;
using System.Text;
using RawkodeAutomation.Pipeline.Tests.Workflows;
using RawkodeAutomation.Worker.Activities;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Contracts;
using RawkodeAutomation.YouTube;
using RawkodeAutomation.YouTube.Api;
using RawkodeAutomation.YouTube.Operations;
using RawkodeAutomation.YouTube.Quota;
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
        var files = Channel.Base(episodes);
        await using var stack = await EmbeddedStack.StartAsync(files);
        // Given a creator's own upcoming broadcast with exactly episode 3's title and start, unmarked (made before the
        // pipeline runs, so the counters below are the pipeline's alone): nothing may adopt, change or delete it.
        var theirs = await CreatorsBroadcastAsync(stack, "Episode 3", Channel.AirDate(3));
        stack.YouTube.ResetCounters();
        // The Schedule's own ticks (at UTC midnight) stay out of the way: the test triggers the pass it needs.
        stack.Settings["Pipeline:CleanupInterval"] = "1.00:00:00";
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
        await PipelineHarness.WaitForAsync(WatchChannelAsync, videos => videos.Count(v => v.Id != theirs.Id) >= episodes / 4, TimeSpan.FromSeconds(90 + episodes), "a quarter created");
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
        try
        {
            await PipelineHarness.WaitForAsync(
                WatchChannelAsync,
                videos => videos.Count(v => v.Id != theirs.Id) >= episodes && videos.All(v => v.Id == theirs.Id || v.Thumbnail is not null),
                deadline,
                "every episode's broadcast with its thumbnail on the channel");
        }
        catch (TimeoutException e)
        {
            var diagnostics = await stack.DiagnoseAsync("fault");
            throw new TimeoutException($"{e.Message[..Math.Min(e.Message.Length, 2000)]}\ndiagnostics in {diagnostics}", e);
        }
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
        Log($"{clock.Elapsed}: converged; {last!.Summary()}");

        // When a broadcast is deleted behind the pipeline's back (in YouTube Studio) and a cleanup pass runs.
        var lost = last!.Episodes.Single(e => e.EpisodeId == Channel.EpisodeId(5)).Applied.VideoId!;
        Assert.True(stack.YouTube.DeleteVideoAsCreator(lost));
        await CleanupSchedule.EnsureAsync(stack.Client, stack.Options);
        var pass = await stack.TriggerCleanupAndWaitAsync(deadline);
        Log($"{clock.Elapsed}: cleanup pass: drifted {string.Join(", ", pass.Drifted?.Select(d => $"{d.EpisodeId} {d.Name}") ?? [])}; notes {string.Join("; ", pass.Notes)}");
        Assert.Equal([(Channel.EpisodeId(5), lost)], pass.Drifted!.Select(d => (d.EpisodeId!, d.Name)));
        // Then its entity creates it again, and the channel converges as before.
        await PipelineHarness.WaitForAsync(
            async () =>
            {
                last = await PipelineStatusReader.ReadAsync(stack.Client);
                return last;
            },
            s => s.Episodes.Count == episodes && s.Episodes.All(e => !e.Busy && !e.Pending.Any)
                && s.Episodes.Single(e => e.EpisodeId == Channel.EpisodeId(5)).Applied.VideoId is { } id && id != lost,
            deadline,
            "the lost broadcast recreated");
        var status = last!;
        Log($"{clock.Elapsed}: recreated; {status.Summary()}");
        // And the creator's broadcast is as they made it: not adopted, not rewritten, not bound, not deleted.
        var untouched = stack.YouTube.FindVideo(theirs.Id!);
        Assert.NotNull(untouched);
        Assert.Equal(("Mine, not the pipeline's.", "private", null, 0), (untouched!.Description, untouched.PrivacyStatus, untouched.BoundStreamId, untouched.Tags?.Count ?? 0));
        Assert.Equal(0, status.Failed);
        var perEpisode = stack.YouTube.Videos.Where(v => v.Id != theirs.Id).GroupBy(v => Markers.EpisodeOf(v.Tags)).ToList();
        Assert.Equal(episodes, perEpisode.Count);
        Assert.All(perEpisode, g => Assert.Single(g));
        Assert.All(stack.YouTube.Videos.Where(v => v.Id != theirs.Id), v => Assert.NotNull(v.Thumbnail));
        // Nothing lost: each entity holds the video that carries its marker, with the description it wanted.
        var byEpisode = perEpisode.ToDictionary(g => g.Key!, g => g.Single());
        Assert.All(status.Episodes, e =>
        {
            var video = byEpisode[e.EpisodeId];
            Assert.Equal(e.Applied.VideoId, video.Id);
            Assert.Equal(e.Desired!.Description, video.Description);
        });
        var stream = Assert.Single(stack.YouTube.Streams);
        Assert.All(stack.YouTube.Videos.Where(v => v.Id != theirs.Id), v => Assert.Equal(stream.Id, v.BoundStreamId));
        // The quota entity knows what YouTube charged, failed requests, retried attempts and the attempts lost with the
        // killed worker included (each attempt heartbeats its running total, which the next attempt carries on). A
        // little may differ: calls answered in the last second before a kill, whose heartbeat had not left yet.
        var charged = stack.YouTube.UnitsSpent;
        var settled = status.Quota!.Used;
        Log($"units: {charged} charged by the sandbox, {settled} settled with the quota entity; {stack.YouTube.ThrottledCalls} calls over {perSecond}/s refused");
        Assert.InRange(settled, charged * 0.99, charged * 1.01);

        // When, while the worker is down, the last episode's file is renamed (a rename committed while `up` is stopped),
        // then C1 retitles episodes 1 and 2 and C2 retitles episode 1 again; the worker starts and applies the head in full
        // (as `up` does), and C1 is delivered late, after C2 (an out-of-order redelivery).
        await stack.StopWorkerAsync();
        var oldId = Channel.EpisodeId(episodes);
        var newId = oldId + "-renamed";
        var renamed = await stack.CommitAsync(
            new Dictionary<string, byte[]?> { [$"episodes/{oldId}.yaml"] = null, [$"episodes/{newId}.yaml"] = files[$"episodes/{oldId}.yaml"] }, "rename the last episode");
        var c1 = await stack.CommitAsync(new Dictionary<string, byte[]?>
        {
            [EpisodeFile(1)] = Retitle(files, 1, "Episode 1: first take"),
            [EpisodeFile(2)] = Retitle(files, 2, "Episode 2: retitled in C1"),
        }, "C1");
        var c2 = await stack.CommitAsync(new Dictionary<string, byte[]?> { [EpisodeFile(1)] = Retitle(files, 1, "Episode 1: second take") }, "C2");
        await stack.StartWorkerAsync();
        var full = await TemporalCommitSink.StartAsync(stack.Client, stack.Options, new CommitInput(c2, null, DateTimeOffset.UtcNow, Full: true), CancellationToken.None)
            ?? stack.Client.GetWorkflowHandle<CommitWorkflow, CommitOutcome>(WorkflowIds.Commit(c2));
        Log($"{clock.Elapsed}: head {c2[..7]} applied in full: {(await full.GetResultAsync()).Summary}");
        var late = await TemporalCommitSink.StartAsync(stack.Client, stack.Options, new CommitInput(c1, renamed, DateTimeOffset.UtcNow.AddSeconds(1)), CancellationToken.None);
        Assert.NotNull(late);
        Log($"{clock.Elapsed}: late {c1[..7]}: {(await late.GetResultAsync()).Summary}");

        // Then every episode ends with exactly one broadcast, and it matches the head.
        await PipelineHarness.WaitForAsync(
            async () =>
            {
                last = await PipelineStatusReader.ReadAsync(stack.Client);
                Log($"{clock.Elapsed}: {last.Summary()}");
                return last;
            },
            s => s.Episodes.Count == episodes && s.Episodes.Any(e => e.EpisodeId == newId)
                && s.Episodes.All(e => !e.Busy && !e.Pending.Any && e.Phase != EpisodePhase.Failed),
            deadline,
            "the rename and the titles reconciled");
        var atHead = last!;
        var broadcasts = stack.YouTube.Videos.Where(v => v.Id != theirs.Id).GroupBy(v => Markers.EpisodeOf(v.Tags)).ToDictionary(g => g.Key!, g => g.ToList());
        Assert.Equal(atHead.Episodes.Select(e => e.EpisodeId).Order(StringComparer.Ordinal), broadcasts.Keys.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(oldId, broadcasts.Keys);
        Assert.All(atHead.Episodes, e =>
        {
            var video = Assert.Single(broadcasts[e.EpisodeId]);
            Assert.Equal(e.Applied.VideoId, video.Id);
            Assert.Equal(e.Desired!.Title, video.Title);
        });
        Assert.Equal("Episode 1: second take", atHead.Episodes.Single(e => e.EpisodeId == Channel.EpisodeId(1)).Desired!.Title);
        Assert.Equal("Episode 2: retitled in C1", atHead.Episodes.Single(e => e.EpisodeId == Channel.EpisodeId(2)).Desired!.Title);
    }

    private static string EpisodeFile(int i) => $"episodes/{Channel.EpisodeId(i)}.yaml";

    private static byte[] Retitle(IReadOnlyDictionary<string, byte[]> files, int i, string title)
    {
        var text = Encoding.UTF8.GetString(files[EpisodeFile(i)]);
        Assert.Contains($"title: \"Episode {i}\"", text, StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(text.Replace($"title: \"Episode {i}\"", $"title: \"{title}\"", StringComparison.Ordinal));
    }

    /// <summary>A broadcast the creator scheduled by hand (their own client, not the pipeline's).</summary>
    private static async Task<LiveBroadcast> CreatorsBroadcastAsync(EmbeddedStack stack, string title, DateTimeOffset start)
    {
        using var client = YouTubeClient.Create(stack.OwnYouTubeClientOptions(), new InMemoryQuotaLedger(TimeProvider.System, 10_000), TimeProvider.System);
        return await client.InsertBroadcastAsync(new LiveBroadcast
        {
            Snippet = new LiveBroadcastSnippet { Title = title, Description = "Mine, not the pipeline's.", ScheduledStartTimeRaw = $"{start:yyyy-MM-dd'T'HH:mm:ss'Z'}" },
            Status = new LiveBroadcastStatus { PrivacyStatus = "private" },
        }, "snippet,status");
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

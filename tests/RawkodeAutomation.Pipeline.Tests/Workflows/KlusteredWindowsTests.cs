using RawkodeAutomation.Pipeline.Tests.Decisions;
using RawkodeAutomation.TemporalServer.Testing;
using RawkodeAutomation.Worker.Activities;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Testing;
using Temporalio.Worker;

namespace RawkodeAutomation.Pipeline.Tests.Workflows;

/// <summary>
/// The breakers' and fixers' windows with the real durations (provision 2 h before, a 90 min show, teardown 4 h
/// after), and YouTube's day ending at Pacific midnight, on the project's own time-skipping server hosted in the test process
/// (<see cref="InProcessTimeSkippingEnvironment"/>). Days of workflow time pass in seconds of wall clock.
/// </summary>
public sealed class KlusteredWindowsTests : SkippedTimeTests
{
    [Fact]
    public async Task EpisodeWorkflow_RealWindows_BreakersWindowClosesAndFixersOpensAtTheShowsStart()
    {
        var klustered = new FakeKlustered();
        await WithWorkerAsync(new FakeYouTube(), klustered, async options =>
        {
            // Given a show tomorrow with the default windows: team-a has a library break, team-b and team-c break by hand
            // (team-c's breakers leave it working).
            var start = await TomorrowAsync();
            var spec = Show("klustered/2030-06-01-hands", start, "coredns-homoglyph", null, null);
            klustered.Unbroken[FakeKlustered.Key(spec.EpisodeId, "team-c")] = true;
            await SignalAsync(options, spec, "c1");
            var waiting = await WaitAsync(spec, s => s.Teams.Count == 3 && s.NextWakeUp == start - TimeSpan.FromHours(2), "asleep until provisioning");
            Assert.All(waiting.Teams, t => Assert.Equal(TeamPhase.Waiting, t.Phase));

            // When two hours before the start come, the clusters are provisioned and the breakers get their credential
            // until the start; nobody else has access.
            await SkipToAsync(start - TimeSpan.FromHours(2) + TimeSpan.FromMinutes(1));
            var provisioned = await WaitAsync(spec, s => s.Teams.All(t => t.Phase == TeamPhase.Provisioned), "teams provisioned");
            Assert.Empty(klustered.HandedOver);
            Assert.All(provisioned.Teams, t =>
            {
                var breakers = Assert.Single(t.Credentials!);
                Assert.Equal(AccessRole.Breakers, breakers.Role);
                Assert.Equal(start, breakers.ValidUntil);
                Assert.Null(breakers.RevokedAt);
                Assert.Null(t.HandedOverAt);
                Assert.True(t.ProvisionedAt >= start - TimeSpan.FromHours(2), $"{t.Name} provisioned at {t.ProvisionedAt:O}");
            });
            Assert.Equal(BreakVerdict.Broken, provisioned.Teams.Single(t => t.Name == "team-a").Verdict);
            Assert.Equal(BreakVerdict.Unchecked, provisioned.Teams.Single(t => t.Name == "team-b").Verdict);

            // Just before the start, the breakers still hold the cluster.
            await SkipToAsync(start - TimeSpan.FromMinutes(1));
            var before = await QueryAsync(spec);
            Assert.All(before.Teams, t => Assert.Null(t.HandedOverAt));
            Assert.Empty(klustered.HandedOver);

            // At the start the breakers' window closes and the fixers' opens, until teardown (4 h after the 90 min show).
            await SkipToAsync(start + TimeSpan.FromMinutes(1));
            var show = await WaitAsync(spec, s => s.Teams.All(t => t.HandedOverAt is not null), "handed over at the start");
            var teardownAt = start + TimeSpan.FromMinutes(90) + TimeSpan.FromHours(4);
            Assert.All(show.Teams, t =>
            {
                Assert.InRange(t.HandedOverAt!.Value, start, start + TimeSpan.FromMinutes(1));
                var breakers = Assert.Single(t.Credentials!, c => c.Role == AccessRole.Breakers);
                Assert.Equal(t.HandedOverAt, breakers.RevokedAt);
                var fixers = Assert.Single(t.Credentials!, c => c.Role == AccessRole.Fixers);
                Assert.Equal(teardownAt, fixers.ValidUntil);
            });
            Assert.All(klustered.HandedOver, h => Assert.Equal((start, teardownAt), (h.ShowStart, h.TeardownAt)));
            Assert.Equal(BreakVerdict.Broken, show.Teams.Single(t => t.Name == "team-a").Verdict);
            Assert.Equal(BreakVerdict.BrokenByHand, show.Teams.Single(t => t.Name == "team-b").Verdict);
            Assert.Equal(BreakVerdict.NotBroken, show.Teams.Single(t => t.Name == "team-c").Verdict);

            // Then the fixes are watched from the start: team-a at 23 min, team-b at 41 min, team-c after the stream ended.
            klustered.FixedTeams[FakeKlustered.Key(spec.EpisodeId, "team-a")] = start + TimeSpan.FromMinutes(23);
            klustered.FixedTeams[FakeKlustered.Key(spec.EpisodeId, "team-b")] = start + TimeSpan.FromMinutes(41);
            klustered.FixedTeams[FakeKlustered.Key(spec.EpisodeId, "team-c")] = start + TimeSpan.FromMinutes(100);
            await SkipToAsync(start + TimeSpan.FromMinutes(45));
            var fixing = await WaitAsync(spec, s => s.Teams.Count(t => t.Phase == TeamPhase.Fixed) == 2, "two teams fixed");
            Assert.Equal(TimeSpan.FromMinutes(23), fixing.Teams.Single(t => t.Name == "team-a").TimeToFix);
            Assert.Equal(TimeSpan.FromMinutes(41), fixing.Teams.Single(t => t.Name == "team-b").TimeToFix);

            // After the show the fixes become chapters at their offsets; after teardown every cluster is gone.
            await SkipToAsync(teardownAt + TimeSpan.FromMinutes(5));
            var done = await WaitAsync(spec, s => s.Teams.All(t => t.Phase == TeamPhase.TornDown), "torn down");
            var chapters = Assert.Single(klustered.Chapters);
            Assert.Equal(start, chapters.StreamStart);
            // team-c was fixed after the stream ended: no chapter for it.
            Assert.Equal(["team-a", "team-b"], chapters.Fixes.Select(f => f.Team));
            Assert.Equal([TimeSpan.FromMinutes(23), TimeSpan.FromMinutes(41)], chapters.Fixes.Select(f => f.FixedAt - start));
            Assert.Empty(klustered.Clusters);
            Assert.Null(done.NextWakeUp);

            // And the history replays on today's code.
            await AssertReplaysAsync(spec);
        });
    }

    [Fact]
    public async Task EpisodeWorkflow_KlusteredEpisode_ProvisionsAtProvisionBeforeDetectsFixAndTearsDownAfter()
    {
        var klustered = new FakeKlustered();
        await WithWorkerAsync(new FakeYouTube(), klustered, async options =>
        {
            // Given a show tomorrow: provision 2 h before, 90 min long, tear down 4 h after it ends.
            var start = await TomorrowAsync();
            var spec = Show("klustered/2030-05-20-demo", start, "coredns-homoglyph", "coredns-homoglyph");
            await SignalAsync(options, spec, "c1");
            await WaitAsync(spec, s => s.Teams.Count == 2 && s.NextWakeUp == start - TimeSpan.FromHours(2), "asleep until provisioning");

            // When the time comes, both clusters are provisioned and broken, not before.
            await SkipToAsync(start - TimeSpan.FromHours(2) - TimeSpan.FromMinutes(1));
            Assert.Empty(klustered.Clusters);
            await SkipToAsync(start - TimeSpan.FromHours(2) + TimeSpan.FromMinutes(1));
            var provisioned = await WaitAsync(spec, s => s.Teams.All(t => t.Phase == TeamPhase.Provisioned), "teams provisioned");
            Assert.All(provisioned.Teams, t => Assert.True(t.ProvisionedAt >= start - TimeSpan.FromHours(2), $"{t.Name} provisioned at {t.ProvisionedAt:O}"));
            Assert.All(provisioned.Teams, t => Assert.StartsWith("secret/", t.Access, StringComparison.Ordinal));

            // And team-a fixes its cluster 17 minutes into the show; team-b never does.
            klustered.FixedTeams[FakeKlustered.Key(spec.EpisodeId, "team-a")] = start + TimeSpan.FromMinutes(17);

            // Then team-a's time to fix is recorded, and both clusters are torn down after teardownAfter, not before.
            var teardownAt = start + TimeSpan.FromMinutes(90) + TimeSpan.FromHours(4);
            await SkipToAsync(teardownAt - TimeSpan.FromMinutes(1));
            await WaitAsync(spec, s => s.Teams.Any(t => t.Phase == TeamPhase.Fixed), "team-a fixed");
            Assert.Equal(2, klustered.Clusters.Count);
            await SkipToAsync(teardownAt + TimeSpan.FromMinutes(1));
            var done = await WaitAsync(spec, s => s.Teams.All(t => t.Phase == TeamPhase.TornDown), "teams torn down");
            Assert.Empty(klustered.Clusters);
            Assert.Equal(2, klustered.TornDown.Count);
            var recorded = Assert.Single(klustered.Recorded);
            Assert.Equal("team-a", recorded.Team);
            Assert.Equal(TimeSpan.FromMinutes(17), recorded.TimeToFix);
            Assert.Null(done.NextWakeUp);
        });
    }

    [Fact]
    public async Task EpisodeWorkflow_YouTubeQuotaSpentDuringTheShow_ClustersStillProvisionedFixedAndTornDownOnTime()
    {
        var youtube = new FakeYouTube();
        var klustered = new FakeKlustered();
        await WithWorkerAsync(youtube, klustered, async options =>
        {
            // Given a show tomorrow whose broadcast is reconciled,
            var start = await TomorrowAsync();
            var spec = Show("klustered/2030-05-21-quota", start, "quota-zero-pods", "quota-zero-pods");
            await SignalAsync(options, spec, "c1");
            await WaitAsync(spec, s => s.Applied.VideoId is not null && !s.Pending.Any && s.Teams.Count == 2, "broadcast reconciled");

            // when YouTube's quota is spent on the morning of the show and an edit needs a description rewrite,
            await SkipToAsync(start - TimeSpan.FromHours(3));
            // (and stays spent, whatever Pacific midnights the show's hours cross),
            youtube.DailyQuota = 0;
            var edited = spec with { Description = "About the show, edited.", Commit = "c2", CommitTime = spec.CommitTime.AddMinutes(1) };
            await SignalAsync(options, edited, "c2");
            await WaitAsync(spec, s => s.Phase == EpisodePhase.WaitingForQuota && s.LastError is not null, "description waiting for the quota reset");

            // then the clusters do not wait for the reset: provisioned on time, team-a's fix seen, both torn down after the show.
            await SkipToAsync(start - TimeSpan.FromHours(2) + TimeSpan.FromMinutes(1));
            await WaitAsync(spec, s => s.Teams.All(t => t.Phase == TeamPhase.Provisioned), "teams provisioned while YouTube waits");
            klustered.FixedTeams[FakeKlustered.Key(spec.EpisodeId, "team-a")] = start + TimeSpan.FromMinutes(5);
            await SkipToAsync(start + TimeSpan.FromMinutes(90) + TimeSpan.FromHours(4) + TimeSpan.FromMinutes(1));
            var done = await WaitAsync(spec, s => s.Teams.All(t => t.Phase == TeamPhase.TornDown), "teams torn down");
            Assert.Equal("team-a", Assert.Single(klustered.Recorded).Team);
            Assert.Empty(klustered.Clusters);
            Assert.Equal(EpisodePhase.WaitingForQuota, done.Phase);
            Assert.True(done.Busy);
            // The two concurrent timelines replay deterministically.
            await AssertReplaysAsync(spec);
        });
    }

    [Fact]
    public async Task EpisodeWorkflow_YouTubesDaySpent_DescriptionWrittenOnceJustAfterPacificMidnight()
    {
        var youtube = new FakeYouTube();
        await WithWorkerAsync(youtube, new FakeKlustered(), async options =>
        {
            // Given an episode next week, reconciled at Pacific noon,
            var noon = NoonPacificAfter(await Env.GetCurrentTimeAsync());
            await SkipToAsync(noon);
            var spec = EpisodeDecisionsTests.Spec("rawkode-live/2030-07-01-day") with { ScheduledFor = noon.AddDays(7), CommitTime = noon };
            await SignalAsync(options, spec, "c1");
            await WaitAsync(spec, s => s.Applied.VideoId is not null && !s.Pending.Any && !s.Busy, "episode reconciled");

            // when YouTube's quota for the day is spent and the description is edited,
            youtube.DailyQuota = youtube.UsedToday;
            var edited = spec with { Description = "About the show, edited.", Commit = "c2", CommitTime = noon.AddMinutes(1) };
            await SignalAsync(options, edited, "c2");
            await WaitAsync(spec, s => s.Phase == EpisodePhase.WaitingForQuota, "description waiting for YouTube's day");

            // then nothing is written before Pacific midnight (the evening passes in skipped time),
            var midnight = RawkodeAutomation.Episodes.Quota.PacificDay.NextReset(noon);
            await SkipToAsync(midnight - TimeSpan.FromMinutes(1));
            var evening = await QueryAsync(spec);
            Assert.Equal(EpisodePhase.WaitingForQuota, evening.Phase);
            Assert.False(youtube.DescriptionWrites.ContainsKey(spec.EpisodeId));

            // and the description is written once just after it, with the new day's quota.
            await SkipToAsync(midnight + TimeSpan.FromMinutes(1));
            var done = await WaitAsync(spec, s => !s.Busy && !s.Pending.Any, "description written after the reset");
            Assert.Equal(1, youtube.DescriptionWrites[spec.EpisodeId]);
            Assert.EndsWith("description rewritten", done.LastResult, StringComparison.Ordinal);
            Assert.InRange(await Env.GetCurrentTimeAsync(), midnight, midnight + TimeSpan.FromMinutes(30));
        });
    }

    /// <summary>Runs <paramref name="test"/> with a worker of the episode and quota workflows on the fakes.</summary>
    private async Task WithWorkerAsync(FakeYouTube youtube, FakeKlustered klustered, Func<PipelineOptions, Task> test)
    {
        // FixPollInterval unset: the show is watched every 30 s of (skipped) time, as in production.
        var options = new PipelineOptions { TaskQueue = "klustered-windows", DailyQuota = 1_000_000, SweepReserve = 0 };
        using var worker = new TemporalWorker(Env.Client, new TemporalWorkerOptions(options.TaskQueue)
            .AddAllActivities(youtube)
            .AddAllActivities(klustered)
            .AddAllActivities(new QuotaActivities(Env.Client, Microsoft.Extensions.Options.Options.Create(options)))
            .AddWorkflow<EpisodeWorkflow>()
            .AddWorkflow<YouTubeQuotaWorkflow>());
        await worker.ExecuteAsync(() => test(options));
    }

    /// <summary>Tomorrow at the server's current minute.</summary>
    private async Task<DateTimeOffset> TomorrowAsync()
    {
        var now = await Env.GetCurrentTimeAsync();
        return new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMinute), TimeSpan.Zero).AddDays(1);
    }

    /// <summary>The first Pacific noon after <paramref name="instant"/>.</summary>
    private static DateTimeOffset NoonPacificAfter(DateTimeOffset instant)
    {
        var pacific = RawkodeAutomation.Episodes.Quota.PacificDay.ToPacific(instant);
        var noon = new DateTimeOffset(pacific.Date.AddHours(12), pacific.Offset);
        return (noon > instant ? noon : noon.AddDays(1)).ToUniversalTime();
    }

    private Task SignalAsync(PipelineOptions options, DesiredEpisode spec, string commit) =>
        EntitySignals.SignalEpisodesAsync(Env.Client, options, [new SpecChanged(spec.EpisodeId, spec, false, ChangeReason.EpisodeEdited, commit, spec.CommitTime)], CancellationToken.None);

    private async Task AssertReplaysAsync(DesiredEpisode spec)
    {
        var history = await Env.Client.GetWorkflowHandle(WorkflowIds.Episode(spec.EpisodeId)).FetchHistoryAsync();
        var replay = await new WorkflowReplayer(new WorkflowReplayerOptions().AddWorkflow<EpisodeWorkflow>()).ReplayWorkflowAsync(history, throwOnReplayFailure: false);
        Assert.True(replay.ReplayFailure is null, $"{spec.EpisodeId}: {replay.ReplayFailure}");
    }

    /// <summary>
    /// Skips the server's clock to <paramref name="target"/> in steps of at most 20 minutes: each step is one call, and
    /// the fix checks every 30 s inside it run at the speed of the (busy) machine.
    /// </summary>
    private async Task SkipToAsync(DateTimeOffset target)
    {
        for (var now = await Env.GetCurrentTimeAsync(); now < target; now = await Env.GetCurrentTimeAsync())
        {
            var step = target - now;
            await Env.DelayAsync(step < TimeSpan.FromMinutes(20) ? step : TimeSpan.FromMinutes(20));
        }
    }

    private Task<EpisodeStatus> QueryAsync(DesiredEpisode spec) =>
        Env.Client.GetWorkflowHandle<EpisodeWorkflow>(WorkflowIds.Episode(spec.EpisodeId)).QueryAsync(wf => wf.State);

    private Task<EpisodeStatus> WaitAsync(DesiredEpisode spec, Func<EpisodeStatus, bool> done, string what) =>
        PipelineHarness.WaitForAsync(() => QueryAsync(spec), done, WallClock, what);

    /// <summary>
    /// A show at <paramref name="start"/> with the default windows (2 h before, 90 min, 4 h after): one team per entry
    /// of <paramref name="breaks"/>, team-a, team-b, …, each with that library break or, for null, breaking by hand.
    /// </summary>
    private static DesiredEpisode Show(string episodeId, DateTimeOffset start, params string?[] breaks)
    {
        var teams = breaks.Select((b, i) => new KlusteredTeamDesired($"team-{(char)('a' + i)}", ["breaker"], ["fixer"], "kubeadm-small", "v1.31.0", 1, 1,
            b is null ? [] : [b])).ToList();
        return EpisodeDecisionsTests.Spec(episodeId) with
        {
            ScheduledFor = start,
            Duration = TimeSpan.FromMinutes(90),
            Klustered = new KlusteredDesired(TimeSpan.FromHours(2), TimeSpan.FromHours(4), teams),
        };
    }
}

using RawkodeAutomation.Pipeline.Tests.Decisions;
using RawkodeAutomation.TemporalServer.Testing;
using RawkodeAutomation.Worker.Activities;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Activities;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Activities;
using Temporalio.Testing;
using Temporalio.Worker;

namespace RawkodeAutomation.Pipeline.Tests.Workflows;

/// <summary>What the entity says about the hand-over at the show's start, on the time-skipping test server.</summary>
public sealed class KlusteredHandOverTests : SkippedTimeTests
{
    [Fact]
    public async Task HandOver_FixersGotNoCredential_LastResultSaysSoNotThatTheyHaveAccess()
    {
        // FixPollInterval unset: the production 30 s, a few fix checks in the skipped minute after the start, not hundreds.
        var options = new PipelineOptions { TaskQueue = "klustered-hand-over", DailyQuota = 1_000_000, SweepReserve = 0 };
        var klustered = new NoFixersCredential(new FakeKlustered());
        using var worker = new TemporalWorker(Env.Client, new TemporalWorkerOptions(options.TaskQueue)
            .AddAllActivities(new FakeYouTube())
            .AddAllActivities(klustered)
            .AddAllActivities(new QuotaActivities(Env.Client, Microsoft.Extensions.Options.Options.Create(options)))
            .AddWorkflow<EpisodeWorkflow>()
            .AddWorkflow<YouTubeQuotaWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            // Given a team whose break took the API server away and whose fixers got no credential at the start,
            var now = await Env.GetCurrentTimeAsync();
            var start = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMinute), TimeSpan.Zero).AddDays(1);
            var spec = EpisodeDecisionsTests.Spec("klustered/2030-06-02-no-credential") with
            {
                ScheduledFor = start,
                Duration = TimeSpan.FromMinutes(90),
                Klustered = new KlusteredDesired(TimeSpan.FromHours(2), TimeSpan.FromHours(4),
                    [new KlusteredTeamDesired("team-a", ["breaker"], ["fixer"], "kubeadm-small", "v1.31.0", 1, 1, ["apiserver-wrong-port"])]),
            };
            await EntitySignals.SignalEpisodesAsync(Env.Client, options, [new SpecChanged(spec.EpisodeId, spec, false, ChangeReason.EpisodeEdited, "c1", spec.CommitTime)], CancellationToken.None);

            // when the show starts and the hand-over runs,
            for (var at = now; at < start + TimeSpan.FromMinutes(1); at = await Env.GetCurrentTimeAsync())
            {
                // In steps, as KlusteredWindowsTests does: each step is one call to the server.
                var step = start + TimeSpan.FromMinutes(1) - at;
                await Env.DelayAsync(step < TimeSpan.FromMinutes(20) ? step : TimeSpan.FromMinutes(20));
            }

            var handle = Env.Client.GetWorkflowHandle<EpisodeWorkflow>(WorkflowIds.Episode(spec.EpisodeId));
            var state = await PipelineHarness.WaitForAsync(() => handle.QueryAsync(wf => wf.State), s => s.Teams.Any(t => t.HandedOverAt is not null), WallClock, "handed over");

            // then the entity's last result says the fixers have no credential and what to do, not that they have access.
            Assert.DoesNotContain(state.Teams.Single().Credentials ?? [], c => c.Role == AccessRole.Fixers);
            Assert.NotNull(state.LastResult);
            Assert.DoesNotContain("fixers have access", state.LastResult, StringComparison.Ordinal);
            Assert.Contains("the fixers have NO credential", state.LastResult, StringComparison.Ordinal);
            Assert.Contains(NoFixersCredential.Detail, state.LastResult, StringComparison.Ordinal);
        });
    }

    /// <summary>
    /// The hand-over when the workload API server does not answer and no fixers' credential was minted at provisioning
    /// (what <c>KubernetesKlusteredActivities</c> returns then); everything else as <see cref="FakeKlustered"/>.
    /// </summary>
    private sealed class NoFixersCredential(FakeKlustered inner) : IKlusteredActivities
    {
        public const string Detail = "hand them the cluster's admin kubeconfig by hand";

        [Activity]
        public Task<TeamProvisioned> ProvisionTeamAsync(KlusteredTeamInput input) => inner.ProvisionTeamAsync(input);

        [Activity]
        public Task<TeamHandedOver> HandOverTeamAsync(KlusteredTeamInput input) =>
            Task.FromResult(new TeamHandedOver(BreakVerdict.Broken, null, $"the workload API server does not answer at the show's start; the fixers have NO credential: {Detail}"));

        [Activity]
        public Task<WriteBackResult> RecordFixChaptersAsync(RecordFixChaptersInput input) => inner.RecordFixChaptersAsync(input);

        [Activity]
        public Task<FixCheck> CheckFixedAsync(KlusteredTeamInput input) => Task.FromResult(new FixCheck(false, null, "the API server does not answer"));

        [Activity]
        public Task<TeardownResult> TeardownTeamAsync(KlusteredTeamInput input) => inner.TeardownTeamAsync(input);

        [Activity]
        public Task<WriteBackResult> RecordTimeToFixAsync(RecordTimeToFixInput input) => inner.RecordTimeToFixAsync(input);
    }
}

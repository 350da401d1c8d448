using RawkodeAutomation.Kubernetes;
using RawkodeAutomation.Pipeline.Tests.Decisions;
using RawkodeAutomation.Worker.Activities;
using RawkodeAutomation.Worker.Decisions;
using RawkodeAutomation.Workflows.Contracts;
using RawkodeAutomation.YouTube.Operations;

namespace RawkodeAutomation.Pipeline.Tests.Workflows;

/// <summary>What the cleanup deletes and keeps, as pure decisions.</summary>
public sealed class CleanupDecisionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";

    private static readonly EpisodeEntity NoEntity = new(false, false, null);

    private static MarkedBroadcast Broadcast(string state = "ready") => new("vid1", "show/gone", "Gone", state, Now.AddDays(3));

    private static OwnedClusterInfo Cluster(string episode, string team, DateTimeOffset? expires) =>
        new("default", Ownership.ClusterName(episode, team), episode, team, expires);

    [Theory]
    [InlineData("created")]
    [InlineData("ready")]
    public void JudgeBroadcast_NotYetLiveAndNobodyOwnsIt_Deletes(string state)
    {
        var verdict = CleanupDecisions.JudgeBroadcast(Broadcast(state), NoEntity, Commit);

        Assert.True(verdict.Delete);
        Assert.Equal(("broadcast", "vid1", "show/gone"), (verdict.Item.Kind, verdict.Item.Name, verdict.Item.EpisodeId));
        Assert.Contains("0123456", verdict.Item.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("testStarting")]
    [InlineData("testing")]
    [InlineData("liveStarting")]
    [InlineData("live")]
    [InlineData("complete")]
    public void JudgeBroadcast_StreamingStartedOrDone_Keeps(string state)
    {
        var verdict = CleanupDecisions.JudgeBroadcast(Broadcast(state), NoEntity, Commit);

        Assert.False(verdict.Delete);
        Assert.Contains(state, verdict.Item.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void JudgeBroadcast_EntityStillRunning_Keeps()
    {
        var verdict = CleanupDecisions.JudgeBroadcast(Broadcast(), new EpisodeEntity(true, true, null), Commit);

        Assert.False(verdict.Delete);
        Assert.Contains("still running", verdict.Item.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cancelled; published video kept by operator", false)]
    [InlineData("cancelled; adopted video abc released, not deleted", false)]
    [InlineData("cancelled; deleting broadcast abc failed (boom), cleanup will retry", true)]
    [InlineData("cancelled", true)]
    [InlineData("its last run ended Terminated", true)]
    public void JudgeBroadcast_EntityClosed_KeepsOnlyWhatItKeptOnPurpose(string lastResult, bool delete)
    {
        var verdict = CleanupDecisions.JudgeBroadcast(Broadcast(), new EpisodeEntity(true, false, lastResult), Commit);

        Assert.Equal(delete, verdict.Delete);
    }

    [Theory]
    [InlineData(true, "cancelled", false)]
    [InlineData(false, "cancelled; adopted video abc released, not deleted", true)]
    [InlineData(false, "cancelled; published video kept by operator", true)]
    public void JudgeBroadcast_OutcomeSaysVideoKept_StructuredFieldWinsOverTheText(bool videoKept, string lastResult, bool delete)
    {
        var verdict = CleanupDecisions.JudgeBroadcast(Broadcast(), new EpisodeEntity(true, false, lastResult, videoKept), Commit);

        Assert.Equal(delete, verdict.Delete);
    }

    [Fact]
    public void EpisodeOutcome_RecordedBeforeVideoKeptExisted_DeserializesWithNullAndTheTextDecides()
    {
        // An outcome as an older worker serialized it into history: no VideoKept property.
        var payload = new Temporalio.Api.Common.V1.Payload
        {
            Metadata = { ["encoding"] = Google.Protobuf.ByteString.CopyFromUtf8("json/plain") },
            Data = Google.Protobuf.ByteString.CopyFromUtf8("""{"EpisodeId":"show/old","Result":"cancelled; published video kept by operator","QuotaUnitsSpent":3}"""),
        };

        var outcome = (EpisodeOutcome)Temporalio.Converters.DataConverter.Default.PayloadConverter.ToValue(payload, typeof(EpisodeOutcome))!;

        Assert.Null(outcome.VideoKept);
        Assert.True(CleanupDecisions.EntityKeptVideo(new EpisodeEntity(true, false, outcome.Result, outcome.VideoKept)));
    }

    [Fact]
    public void JudgeStream_NothingBoundToIt_DeletesWithTheKeyInTheReason()
    {
        var verdict = CleanupDecisions.JudgeStream(new MarkedStream("s1", "old-show", "old-show"), [new StreamBinding("other", "b9", "ready")], Commit);

        Assert.True(verdict.Delete);
        Assert.Equal(("stream", "s1", (string?)null), (verdict.Item.Kind, verdict.Item.Name, verdict.Item.EpisodeId));
        Assert.Contains("old-show", verdict.Item.Reason, StringComparison.Ordinal);
        Assert.Contains("0123456", verdict.Item.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("created")]
    [InlineData("ready")]
    [InlineData("testing")]
    [InlineData("live")]
    public void JudgeStream_BoundToAnUnfinishedBroadcast_KeepsAndNamesIt(string state)
    {
        var verdict = CleanupDecisions.JudgeStream(new MarkedStream("s1", "old-show", "old-show"), [new StreamBinding("s1", "b1", state)], Commit);

        Assert.False(verdict.Delete);
        Assert.Contains($"b1 ({state})", verdict.Item.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void WantedStreamKeys_Episodes_AreTheirShowsKeys()
    {
        var episode = EpisodeDecisionsTests.Spec();

        var keys = CleanupDecisions.WantedStreamKeys([episode, episode with { EpisodeId = "other/ep", StreamKey = "other-key" }]);

        Assert.Equal(new[] { episode.StreamKey, "other-key" }.Order(), keys.Order());
    }

    [Fact]
    public void JudgeCluster_Expired_DeletesEvenWhenWanted()
    {
        var cluster = Cluster("show/ep", "team-a", Now.AddMinutes(-1));
        var expected = new HashSet<string> { cluster.Name };

        var item = CleanupDecisions.JudgeCluster(cluster, Now, expected, new HashSet<string> { "show/ep" });

        Assert.NotNull(item);
        Assert.StartsWith("expired", item.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void JudgeCluster_WantedAndNotExpired_Keeps()
    {
        var cluster = Cluster("show/ep", "team-a", Now.AddHours(1));

        Assert.Null(CleanupDecisions.JudgeCluster(cluster, Now, new HashSet<string> { cluster.Name }, new HashSet<string> { "show/ep" }));
    }

    [Fact]
    public void JudgeCluster_TeamOrEpisodeGone_DeletesAsOrphanSayingWhich()
    {
        var teamGone = Cluster("show/ep", "team-b", Now.AddHours(1));
        var episodeGone = Cluster("show/other", "team-a", null);
        var expected = new HashSet<string> { Ownership.ClusterName("show/ep", "team-a") };
        var episodes = new HashSet<string> { "show/ep" };

        Assert.Equal("orphan: team team-b is no longer in episode show/ep", CleanupDecisions.JudgeCluster(teamGone, Now, expected, episodes)?.Reason);
        Assert.Equal("orphan: episode show/other no longer exists", CleanupDecisions.JudgeCluster(episodeGone, Now, expected, episodes)?.Reason);
    }

    [Fact]
    public void JudgeCluster_DesiredStateUnknown_KeepsAllButExpired()
    {
        var orphan = Cluster("show/other", "team-a", Now.AddHours(1));

        Assert.Null(CleanupDecisions.JudgeCluster(orphan, Now, expected: null, episodes: null));
    }

    [Fact]
    public void ExpectedClusterNames_KlusteredEpisodes_OneNamePerTeam()
    {
        var team = new KlusteredTeamDesired("team-a", [], [], "kubeadm-small", "v1.31.0", 1, 1, []);
        var klustered = new DesiredEpisode("show/k", "show", "K", Now, TimeSpan.FromHours(1), "public", false, "", [], 28, null, "s", null, "",
            new KlusteredDesired(TimeSpan.FromHours(2), TimeSpan.FromHours(4), [team, team with { Name = "team-b" }]), Commit, Now);
        var plain = klustered with { EpisodeId = "show/plain", Klustered = null };

        var names = CleanupDecisions.ExpectedClusterNames([klustered, plain]);

        Assert.Equal(
            new[] { Ownership.ClusterName("show/k", "team-a"), Ownership.ClusterName("show/k", "team-b") }.Order(StringComparer.Ordinal),
            names.Order(StringComparer.Ordinal));
    }

    private static EpisodeStatus Entity(DesiredEpisode desired, string? videoId) =>
        new(desired.EpisodeId, EpisodePhase.Idle, false, desired, new AppliedEpisode(videoId), ReconcilePlan.Nothing, [], null, null, null, 0);

    private static IReadOnlyDictionary<string, DesiredEpisode> Head(DesiredEpisode desired) =>
        new Dictionary<string, DesiredEpisode> { [desired.EpisodeId] = desired };

    [Fact]
    public void JudgeHeld_UpcomingBroadcast_RecreatedIfMissing()
    {
        var spec = EpisodeDecisionsTests.Spec() with { ScheduledFor = Now.AddDays(2) };

        var held = CleanupDecisions.JudgeHeld(Entity(spec, "vid1"), Head(spec), Now);

        Assert.Equal((spec.EpisodeId, "vid1", true), (held!.EpisodeId, held.VideoId, held.RecreateIfMissing));
    }

    [Fact]
    public void JudgeHeld_ShowStartedOrOver_OnlyReported()
    {
        var started = EpisodeDecisionsTests.Spec() with { ScheduledFor = Now.AddMinutes(-5) };
        var over = EpisodeDecisionsTests.Spec() with { ScheduledFor = Now.AddYears(-3) };

        Assert.False(CleanupDecisions.JudgeHeld(Entity(started, "vid1"), Head(started), Now)!.RecreateIfMissing);
        Assert.False(CleanupDecisions.JudgeHeld(Entity(over, "vid1"), Head(over), Now)!.RecreateIfMissing);
    }

    [Fact]
    public void JudgeHeld_VideoClaimedByTheFile_OnlyReported()
    {
        var spec = EpisodeDecisionsTests.Spec() with { ScheduledFor = Now.AddDays(2), AdoptVideoId = "claimed0001" };

        var held = CleanupDecisions.JudgeHeld(Entity(spec, "claimed0001"), Head(spec), Now);

        Assert.False(held!.RecreateIfMissing);
        Assert.Contains("claimed", held.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void JudgeHeld_NoVideoDraftOrNotAtTheHead_NotChecked()
    {
        var spec = EpisodeDecisionsTests.Spec() with { ScheduledFor = Now.AddDays(2) };

        Assert.Null(CleanupDecisions.JudgeHeld(Entity(spec, null), Head(spec), Now));
        Assert.Null(CleanupDecisions.JudgeHeld(Entity(spec with { Draft = true }, "vid1"), Head(spec), Now));
        Assert.Null(CleanupDecisions.JudgeHeld(Entity(spec, "vid1"), new Dictionary<string, DesiredEpisode>(), Now));
    }
}

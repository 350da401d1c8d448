using RawkodeAutomation.Episodes.Benchmarking;
using RawkodeAutomation.Episodes.Loading;
using RawkodeAutomation.Episodes.Planning;

namespace RawkodeAutomation.Episodes.Tests;

public class PlannerTests
{
    private static readonly PlanOptions Now = new() { Now = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero) };

    private static TestRepository Channel() => TestRepository.WithShow()
        .Person("ada", "Ada", "Old bio.")
        .Person("ben", "Ben")
        .Episode("klustered", "2021-05-20-past", "Past", "2021-05-20T17:00:00Z", ["ada"], "youtube:\n  videoId: ozbE25Y_rcM\n")
        .Episode("klustered", "2026-12-03-future", "Future", "2026-12-03T17:00:00Z", ["ben"]);

    [Fact]
    public void Plan_SameRepository_IsEmptyAndCostsNothing()
    {
        var repository = Channel().Load();

        var plan = Planner.Plan(repository, repository, Now);

        Assert.True(plan.IsEmpty);
        Assert.Equal(0, plan.Quota.Units);
        var text = PlanFormatter.ToText(plan);
        Assert.Contains("No changes: both revisions of episodes/ ask the same of the channel", text, StringComparison.Ordinal);
        Assert.DoesNotContain("channel already matches", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_NewFutureKlusteredEpisode_CreatesBroadcastThumbnailAndClusters()
    {
        var before = Channel();
        var after = before.Clone().Episode("klustered", "2027-01-14-new", "New", "2027-01-14T17:00:00Z", ["ada"], TestRepository.KlusteredSection + "\n");

        var plan = Planner.Plan(before.Load(), after.Load(), Now);

        var create = Assert.Single(plan.Broadcasts, b => b.Action == BroadcastAction.Create);
        Assert.Equal("klustered/2027-01-14-new", create.EpisodeId);
        Assert.Contains(plan.Thumbnails, t => t.EpisodeId == "klustered/2027-01-14-new");
        var cluster = Assert.Single(plan.Clusters);
        Assert.Equal(("team-a", "kubeadm-small", "v1.31.0"), (cluster.Team, cluster.ClusterClass, cluster.KubernetesVersion));
        Assert.Equal(new DateTimeOffset(2027, 1, 14, 15, 0, 0, TimeSpan.Zero), cluster.ProvisionAt);
        Assert.Equal(new DateTimeOffset(2027, 1, 14, 22, 30, 0, TimeSpan.Zero), cluster.TeardownAt);
        // The new one: insert, category and tags, bind, playlist, thumbnail and its marker (and three reads); the series
        // index of both others changes: a description rewrite each (a read and a write).
        Assert.Equal([new QuotaLine("liveBroadcasts.bind", 1, 50, 50), new QuotaLine("liveBroadcasts.insert", 1, 50, 50),
            new QuotaLine("playlistItems.insert", 1, 50, 50), new QuotaLine("thumbnails.set", 1, 50, 50), new QuotaLine("videos.update", 4, 50, 200)],
            WriteLines(plan));
        Assert.Equal(400 + 4 + 2, plan.Quota.Units);
        Assert.Equal(["klustered/2021-05-20-past", "klustered/2026-12-03-future"], plan.Descriptions.Select(d => d.EpisodeId));
    }

    [Fact]
    public void Plan_RenamedFile_IsFlaggedLoudlyAsDeleteAndCreate()
    {
        var before = Channel();
        var after = before.Clone()
            .Remove("episodes/klustered/2026-12-03-future.yaml")
            .Episode("klustered", "2026-12-03-the-future", "Future", "2026-12-03T17:00:00Z", ["ben"]);

        var plan = Planner.Plan(before.Load(), after.Load(), Now);

        var rename = Assert.Single(plan.Renames);
        Assert.Equal(("klustered/2026-12-03-future", "klustered/2026-12-03-the-future"), (rename.FromId, rename.ToId));
        Assert.Equal("klustered/2026-12-03-the-future", Assert.Single(plan.Broadcasts, b => b.Action == BroadcastAction.Delete).RenamedTo);
        Assert.Equal("klustered/2026-12-03-future", Assert.Single(plan.Broadcasts, b => b.Action == BroadcastAction.Create).RenamedFrom);
        Assert.StartsWith("!!! RENAME: episode 'klustered/2026-12-03-future' became 'klustered/2026-12-03-the-future'", PlanFormatter.ToText(plan), StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_DeletedEpisodes_FutureCostsADeleteAiredOnlyWarns()
    {
        var before = Channel();
        var after = before.Clone()
            .Remove("episodes/klustered/2021-05-20-past.yaml")
            .Remove("episodes/klustered/2026-12-03-future.yaml");

        var plan = Planner.Plan(before.Load(), after.Load(), Now);

        Assert.Equal(2, plan.Broadcasts.Count(b => b.Action == BroadcastAction.Delete));
        Assert.Equal([new QuotaLine("liveBroadcasts.delete", 1, 50, 50), new QuotaLine("liveBroadcasts.list", 1, 1, 1)], plan.Quota.Lines);
        // The aired one was adopted: deleting its file releases the video, never deletes it.
        Assert.Contains(plan.Warnings, w => w.StartsWith("klustered/2021-05-20-past:", StringComparison.Ordinal) && w.Contains("not deleted", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_DraftEpisode_IsNeverPublished()
    {
        var before = Channel();
        var after = before.Clone().Episode("klustered", "2027-03-01-idea", "Idea", "2027-03-01T17:00:00Z", draft: true);

        var plan = Planner.Plan(before.Load(), after.Load(), Now);

        Assert.True(plan.IsEmpty);
    }

    [Fact]
    public void Plan_GuestBioChanged_RewritesTheirDescriptionWithADiff()
    {
        var before = Channel();
        var after = before.Clone().Person("ada", "Ada", "New bio.");

        var plan = Planner.Plan(before.Load(), after.Load(), Now);

        var update = Assert.Single(plan.Broadcasts);
        Assert.Equal((BroadcastAction.Update, "klustered/2021-05-20-past"), (update.Action, update.EpisodeId));
        Assert.Equal(["description changed"], update.Reasons);
        var description = Assert.Single(plan.Descriptions);
        Assert.Contains("- • Ada: Old bio.\n+ • Ada: New bio.\n", description.Diff, StringComparison.Ordinal);
        Assert.Equal([new QuotaLine("videos.list", 1, 1, 1), new QuotaLine("videos.update", 1, 50, 50)], plan.Quota.Lines);
        Assert.Empty(plan.Thumbnails);
    }

    [Fact]
    public void Plan_SweepBeyondOneDay_SaysHowManyDaysOfQuota()
    {
        var repo = TestRepository.WithShow().Person("ada", "Ada", "Old bio.")
            .WeeklyEpisodes("klustered", 250, new DateOnly(2020, 1, 1), guests: _ => ["ada"], extra: i => $"youtube:\n  videoId: v{i:D10}\n");

        var after = repo.Clone().Person("ada", "Ada", "New bio.");

        var plan = Planner.Plan(repo.Load(), after.Load(), Now);

        Assert.Equal(250, plan.Descriptions.Count);
        // The sweep reads the 250 videos 50 to a call (5 units); each episode then only writes.
        Assert.Equal(250 * 50 + 5, plan.Quota.Units);
        Assert.Equal(new QuotaLine("videos.list", 5, 1, 5), plan.Quota.Lines.Single(l => l.Call == "videos.list"));
        Assert.Equal(2, plan.Quota.Days);
        Assert.Contains(plan.Warnings, w => w.Contains("2 days of quota", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_ToJson_RoundTripsWithEnumsAsStrings()
    {
        var before = Channel();
        var after = before.Clone().Episode("klustered", "2027-01-14-new", "New", "2027-01-14T17:00:00Z", ["ada"]);
        var plan = Planner.Plan(before.Load(), after.Load(), Now);

        var json = plan.ToJson();
        var back = Plan.FromJson(json)!;

        Assert.Contains("\"action\": \"create\"", json, StringComparison.Ordinal);
        Assert.Equal(plan.Quota.Units, back.Quota.Units);
        Assert.Equal(plan.Broadcasts.Select(b => b.EpisodeId), back.Broadcasts.Select(b => b.EpisodeId));
        Assert.Equal(plan.Descriptions[0].Diff, back.Descriptions[0].Diff);
    }

    [Fact]
    public void Plan_SyntheticCommit_FindsTheRenameNewEpisodeAndSweep()
    {
        var files = SyntheticChannel.Generate(episodes: 200, people: 50);
        var before = EpisodeLoader.Load(files);
        var after = EpisodeLoader.Load(SyntheticChannel.Edit(files));
        Assert.True(before.IsValid, string.Join('\n', before.Diagnostics.Take(5)));
        Assert.True(after.IsValid, string.Join('\n', after.Diagnostics.Take(5)));

        var plan = Planner.Plan(before.Repository, after.Repository, Now);

        Assert.Single(plan.Renames);
        Assert.Contains(plan.Broadcasts, b => b is { Action: BroadcastAction.Create, RenamedFrom: null } && b.EpisodeId.EndsWith("brand-new-episode", StringComparison.Ordinal));
        Assert.Contains(plan.Broadcasts, b => b.Action == BroadcastAction.Update && b.Reasons.Contains("title changed"));
        Assert.NotEmpty(plan.Descriptions);
    }

    [Fact]
    public void Plan_AiredEpisodeDateCorrected_NoVideoWriteAndTheCreatorsThumbnailStays()
    {
        var before = Channel().Put("episodes/templates/klustered.liquid", "{{ episode.summary }}");
        var after = before.Clone().Episode("klustered", "2021-05-20-past", "Past", "2021-05-21T17:00:00Z", ["ada"], "youtube:\n  videoId: ozbE25Y_rcM\n");

        var plan = Planner.Plan(before.Load(), after.Load(), Now);

        var update = Assert.Single(plan.Broadcasts);
        Assert.Equal(["scheduledFor changed (already aired: only the record changes)"], update.Reasons);
        // An adopted past video keeps the creator's thumbnail (no youtube.replaceThumbnail) and has no schedule to write.
        Assert.Empty(WriteLines(plan));
    }

    private static List<QuotaLine> WriteLines(Plan plan) => [.. plan.Quota.Lines.Where(l => !l.Call.EndsWith(".list", StringComparison.Ordinal))];

    [Fact]
    public void ToText_ManyDescriptionChanges_PrintsTheFirstDiffsAndListsTheRest()
    {
        var before = Channel();
        var after = before.Clone().Show("klustered", "rawkode", description: "A new show description.");
        var plan = Planner.Plan(before.Load(), after.Load(), Now);

        var text = PlanFormatter.ToText(plan, maxDiffs: 1);

        Assert.Equal(2, plan.Descriptions.Count);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(text, @"\+ Show klustered: A new show description\."));
        Assert.Contains("  ~ klustered/2026-12-03-future: ", text, StringComparison.Ordinal);
        Assert.Contains("(diffs shown for the first 1 descriptions; --json has them all)", text, StringComparison.Ordinal);
        Assert.Contains("videos.update", text, StringComparison.Ordinal);
    }
}

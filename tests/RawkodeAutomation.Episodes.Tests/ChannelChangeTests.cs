using RawkodeAutomation.Episodes.Planning;
using RawkodeAutomation.Episodes.Quota;

namespace RawkodeAutomation.Episodes.Tests;

public class ChannelChangeTests
{
    private static readonly ChangeOptions Now = new() { Now = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero) };

    // The series index is left out, so each test's change touches only the episodes it means to.
    private static TestRepository Channel() => TestRepository.WithShow(playlist: null)
        .Put("episodes/templates/klustered.liquid", "{{ episode.summary }}{% for guest in guests %} {{ guest.name }}: {{ guest.bio }}{% endfor %}")
        .Person("ada", "Ada", "Old bio.")
        .Person("ben", "Ben")
        .Episode("klustered", "2026-12-03-one", "One", "2026-12-03T17:00:00Z", ["ada"])
        .Episode("klustered", "2026-12-10-two", "Two", "2026-12-10T17:00:00Z", ["ben"]);

    private static string[] Writes(EpisodeChange change) => [.. change.Calls.Where(c => c.IsWrite).Select(c => c.Method)];

    [Fact]
    public void Reserve_EachStep_IsTheSumOfItsCallsInTheOneCostTable()
    {
        // The workflows' reservations are recorded in their histories: these values must not move by accident.
        Assert.Equal(1 + 1 + 50 + 50 + 1 + 50 + 50 + 50, YouTubeCosts.Reserve.Broadcast);
        Assert.Equal(1 + 50, YouTubeCosts.Reserve.Description);
        Assert.Equal(1 + 50 + 50, YouTubeCosts.Reserve.Thumbnail);
        Assert.Equal(1 + 50, YouTubeCosts.Reserve.EpisodeDelete);
        Assert.Equal(1 + 1 + 50, YouTubeCosts.Reserve.LeftoverBroadcastDelete);
        Assert.Equal(1 + 50, YouTubeCosts.Reserve.OrphanStreamDelete);
        Assert.Throws<ArgumentException>(() => YouTubeCosts.For("videos.delete"));
    }

    [Fact]
    public void Compute_GuestBioEdited_TheirEpisodeIsSweptByThemWithOneDescriptionWrite()
    {
        var before = Channel();
        var after = before.Clone().Person("ada", "Ada", "New bio.");

        var change = ChannelChange.Compute(before.Load(), after.Load(), Now);

        var episode = Assert.Single(change.Episodes);
        Assert.Equal(("klustered/2026-12-03-one", ChangeRoute.PersonSweep, "ada"), (episode.EpisodeId, episode.Route, episode.SweptBy));
        Assert.Equal(["klustered/2026-12-03-one"], change.PersonSweeps["ada"]);
        Assert.Equal(["videos.update"], Writes(episode));
        Assert.Contains("New bio.", episode.After!.Description, StringComparison.Ordinal);
        Assert.Empty(change.Signalled);
    }

    [Fact]
    public void Compute_BioEditTouching60PastEpisodes_TwoBatchedReadsAndNoReadOfTheirOwn()
    {
        var before = TestRepository.WithShow(playlist: null).Person("ada", "Ada", "Old bio.")
            .WeeklyEpisodes("klustered", 60, new DateOnly(2020, 1, 1), guests: _ => ["ada"], extra: i => $"youtube:\n  videoId: v{i:D10}\n");
        var after = before.Clone().Person("ada", "Ada", "New bio.");

        var change = ChannelChange.Compute(before.Load(), after.Load(), Now);

        // The sweep reads the 60 videos in ⌈60/50⌉ = 2 videos.list calls, carried by the 1st and the 51st episode of the
        // sweep; each episode then writes its description without reading it again.
        var swept = change.PersonSweeps["ada"];
        Assert.Equal(60, swept.Count);
        var reads = change.Calls.Where(c => c.Method == YouTubeCosts.VideosList).ToList();
        Assert.Equal([swept[0], swept[50]], reads.Select(r => r.EpisodeId));
        Assert.All(change.Episodes, e => Assert.Equal(["videos.update"], Writes(e)));
        Assert.Equal([new QuotaLine("videos.list", 2, 1, 2), new QuotaLine("videos.update", 60, 50, 3000)], change.Quota().Lines);
    }

    [Fact]
    public void Compute_GuestRenamed_DescriptionAndThumbnailOfTheirEpisode()
    {
        var before = Channel();
        var after = before.Clone().Person("ben", "Benedict");

        var change = ChannelChange.Compute(before.Load(), after.Load(), Now);

        var episode = Assert.Single(change.Episodes);
        Assert.Equal(["videos.update", "thumbnails.set", "videos.update"], Writes(episode));
    }

    [Fact]
    public void Compute_TitleChangedInItsOwnFile_SignalledAsAnEditWithVideoWriteAndThumbnail()
    {
        var before = Channel();
        var after = before.Clone().Episode("klustered", "2026-12-03-one", "One, retitled", "2026-12-03T17:00:00Z", ["ada"]);

        var change = ChannelChange.Compute(before.Load(), after.Load(), Now);

        var episode = Assert.Single(change.Episodes);
        Assert.Equal(ChangeRoute.Edited, episode.Route);
        // The title goes with the video's snippet (no broadcast field changed), then the thumbnail and its marker.
        Assert.Equal(["videos.update", "thumbnails.set", "videos.update"], Writes(episode));
        Assert.Contains("1 episode(s) to reconcile", change.Summary(), StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_VisibilityAndTitleChanged_OneBroadcastUpdateCarriesTheText()
    {
        var before = Channel();
        var after = before.Clone().Episode("klustered", "2026-12-03-one", "One, retitled", "2026-12-03T17:00:00Z", ["ada"], "visibility: unlisted\n");

        var change = ChannelChange.Compute(before.Load(), after.Load(), Now);

        Assert.Equal(["liveBroadcasts.update", "thumbnails.set", "videos.update"], Writes(Assert.Single(change.Episodes)));
    }

    [Fact]
    public void Compute_ShowDescriptionEdited_EveryEpisodeSignalledAtSweepPriority()
    {
        var before = Channel().Put("episodes/templates/klustered.liquid", "{{ show.description }} {{ episode.summary }}");
        var after = before.Clone().Show("klustered", "rawkode", playlist: null, description: "A new show description.");

        var change = ChannelChange.Compute(before.Load(), after.Load(), Now);

        Assert.Equal(2, change.Signalled.Count(e => e.Route == ChangeRoute.Sweep));
        Assert.Empty(change.PersonSweeps);
    }

    [Fact]
    public void Compute_PublishedEpisodeBecomesDraft_NoYouTubeCallAndAWarning()
    {
        var before = Channel();
        var after = before.Clone().Episode("klustered", "2026-12-03-one", "One", "2026-12-03T17:00:00Z", ["ada"], draft: true);

        var change = ChannelChange.Compute(before.Load(), after.Load(), Now);

        var episode = Assert.Single(change.Episodes);
        Assert.Equal(EpisodeChangeKind.Updated, episode.Kind);
        Assert.Empty(episode.Calls);
        Assert.Contains(change.Warnings, w => w.Contains("became a draft", StringComparison.Ordinal));
    }

    [Fact]
    public void Compute_UpcomingEpisodeDeleted_CancelledWithOneBroadcastDelete()
    {
        var before = Channel();
        var after = before.Clone().Remove("episodes/klustered/2026-12-10-two.yaml");

        var change = ChannelChange.Compute(before.Load(), after.Load(), Now);

        Assert.Equal(["klustered/2026-12-10-two"], change.Deleted);
        Assert.Equal(["liveBroadcasts.delete"], Writes(Assert.Single(change.Episodes)));
    }

    [Fact]
    public void Compute_NewShowWithAnEpisode_CreatesItsStreamOnce()
    {
        var after = Channel();

        var change = ChannelChange.Compute(Model.EpisodeRepository.Empty, after.Load(), Now);

        Assert.Equal(["liveStreams.list", "liveStreams.insert"], change.StreamCalls.Select(c => c.Method));
        Assert.All(change.Episodes, e => Assert.Equal(
            ["liveBroadcasts.insert", "videos.update", "liveBroadcasts.bind", "thumbnails.set", "videos.update"], Writes(e)));
    }
}

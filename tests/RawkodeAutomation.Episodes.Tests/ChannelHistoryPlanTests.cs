using RawkodeAutomation.Episodes.Planning;

namespace RawkodeAutomation.Episodes.Tests;

/// <summary>What <c>plan</c> says a channel with history costs: past shows are existing videos or nothing, never broadcasts.</summary>
public sealed class ChannelHistoryPlanTests
{
    private static readonly ChangeOptions Now = new() { Now = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero) };

    private static TestRepository Empty() => TestRepository.WithShow().Person("ada", "Ada");

    private static string[] Methods(EpisodeChange change) => [.. change.Calls.Select(c => c.Method)];

    [Fact]
    public void Compute_PastEpisodeWithVideoId_OneReadOneWriteNoBroadcastNoPlaylistNoThumbnail()
    {
        var after = Empty().Episode("klustered", "2021-05-20-past", "Past", "2021-05-20T17:00:00Z", ["ada"], "youtube:\n  videoId: ozbE25Y_rcM\n");

        var change = ChannelChange.Compute(Empty().Load(), after.Load(), Now);

        Assert.Equal(["videos.list", "videos.update"], Methods(Assert.Single(change.Episodes)));
    }

    [Fact]
    public void Compute_PastEpisodeWithVideoIdOptedIn_AlsoTheThumbnail()
    {
        var after = Empty().Episode("klustered", "2021-05-20-past", "Past", "2021-05-20T17:00:00Z", ["ada"],
            "youtube:\n  videoId: ozbE25Y_rcM\n  replaceThumbnail: true\n");

        var change = ChannelChange.Compute(Empty().Load(), after.Load(), Now);

        Assert.Equal(["videos.list", "videos.update", "videos.list", "thumbnails.set", "videos.update"], Methods(Assert.Single(change.Episodes)));
    }

    [Fact]
    public void Compute_PastEpisodeWithoutVideoId_NothingAndAWarningPointingAtAdopt()
    {
        var after = Empty().Episode("klustered", "2021-05-20-past", "Past", "2021-05-20T17:00:00Z", ["ada"]);

        var change = ChannelChange.Compute(Empty().Load(), after.Load(), Now);

        Assert.Empty(Assert.Single(change.Episodes).Calls);
        Assert.Contains(change.Warnings, w => w.Contains("not on YouTube — run `rawkode adopt`", StringComparison.Ordinal));
    }

    [Fact]
    public void Compute_UpcomingEpisode_StillABroadcastWithItsThumbnail()
    {
        var after = Empty().Episode("klustered", "2026-12-03-next", "Next", "2026-12-03T17:00:00Z", ["ada"]);

        var change = ChannelChange.Compute(Empty().Load(), after.Load(), Now);

        var methods = Methods(Assert.Single(change.Episodes));
        Assert.Contains("liveBroadcasts.insert", methods);
        Assert.Contains("thumbnails.set", methods);
    }
}

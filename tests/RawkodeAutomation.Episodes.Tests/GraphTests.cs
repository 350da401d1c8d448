using RawkodeAutomation.Episodes.Graph;

namespace RawkodeAutomation.Episodes.Tests;

public class GraphTests
{
    private static TestRepository TwoShows()
    {
        var repo = TestRepository.WithShow()
            .Person("ada", "Ada", "Old bio.")
            .Person("ben", "Ben")
            .Person("cleo", "Cleo")
            .Person("host-two", "Host Two")
            .Show("other-show", "host-two")
            .Episode("klustered", "2026-12-03-a", "A", "2026-12-03T17:00:00Z", ["ada"])
            .Episode("klustered", "2026-12-10-b", "B", "2026-12-10T17:00:00Z", ["cleo"], TestRepository.KlusteredSection + "\n")
            .Episode("other-show", "2026-12-04-c", "C", "2026-12-04T17:00:00Z", ["cleo"]);
        return repo;
    }

    [Fact]
    public void EpisodesDependingOnPerson_GuestHostAndTeamMembers_AreFound()
    {
        var graph = DependencyGraph.Build(TwoShows().Load());

        Assert.Equal(["klustered/2026-12-03-a", "klustered/2026-12-10-b"], graph.EpisodesDependingOnPerson("ada").Order());
        Assert.Equal(["klustered/2026-12-10-b"], graph.EpisodesDependingOnPerson("ben"));
        Assert.Equal(["klustered/2026-12-03-a", "klustered/2026-12-10-b"], graph.EpisodesDependingOnPerson("rawkode").Order());
        Assert.Equal(["other-show/2026-12-04-c"], graph.EpisodesDependingOnShow("other-show"));
        Assert.Empty(graph.EpisodesDependingOnPerson("nobody"));
    }

    [Fact]
    public void ChangedDescriptions_GuestBioChanged_OnlyTheirEpisodes()
    {
        var before = TwoShows();
        var after = before.Clone().Person("cleo", "Cleo", "A brand new bio.");

        Assert.Equal(["klustered/2026-12-10-b", "other-show/2026-12-04-c"], DependencyGraph.ChangedDescriptions(before.Load(), after.Load()));
    }

    [Fact]
    public void ChangedDescriptions_ShowDescriptionChanged_EveryEpisodeOfThatShow()
    {
        var before = TwoShows();
        var after = before.Clone().Show("other-show", "host-two", description: "Now with more Kubernetes.");

        Assert.Equal(["other-show/2026-12-04-c"], DependencyGraph.ChangedDescriptions(before.Load(), after.Load()));
    }

    [Fact]
    public void ChangedDescriptions_TitleChanged_SeriesIndexOfTheShowChanges()
    {
        var before = TwoShows();
        var after = before.Clone().Episode("klustered", "2026-12-03-a", "A, renamed", "2026-12-03T17:00:00Z", ["ada"]);

        Assert.Equal(["klustered/2026-12-03-a", "klustered/2026-12-10-b"], DependencyGraph.ChangedDescriptions(before.Load(), after.Load()));
    }

    [Fact]
    public void ChangedDescriptions_PersonNobodyMentions_NothingChanges()
    {
        var before = TwoShows();
        var after = before.Clone().Person("lurker", "Lurker");

        Assert.Empty(DependencyGraph.ChangedDescriptions(before.Load(), after.Load()));
    }

    [Fact]
    public void ChangedDescriptions_NewEpisodeInALongShow_OnlyNeighboursChange()
    {
        var repo = TestRepository.WithShow().WeeklyEpisodes("klustered", 60, new DateOnly(2025, 1, 1));

        var after = repo.Clone().Episode("klustered", "2026-02-22-extra", "Extra", "2026-02-22T17:00:00Z");

        var changed = DependencyGraph.ChangedDescriptions(repo.Load(), after.Load());

        // The new episode sits between episodes 59 and 60's dates; only windows that include it change.
        Assert.InRange(changed.Count, 1, 21);
        Assert.DoesNotContain("klustered/2025-01-01-ep-0", changed);
    }
}

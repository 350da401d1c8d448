using System.Text.Json;
using RawkodeAutomation.Pipeline.Tests.Decisions;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.Workflows.Contracts;

namespace RawkodeAutomation.Pipeline.Tests.Scoreboard;

/// <summary>The scoreboard's view of an episode: statuses, the reveal, and what it must never show.</summary>
public class ScoreboardTests
{
    internal static readonly DateTimeOffset Start = new(2030, 6, 1, 17, 0, 0, TimeSpan.Zero);

    [Fact]
    public void View_BeforeTheStart_EveryTeamBreakingAndNoBreaksShown()
    {
        var view = Worker.Hosting.Scoreboard.View(Episode(Provisioned("team-a"), Provisioned("team-b")), Start.AddMinutes(-30));

        Assert.All(view.Teams, t => Assert.Equal(("breaking", "Breaking"), (t.Status, t.StatusText)));
        Assert.All(view.Teams, t => Assert.Empty(t.Breaks));
        Assert.Equal(["Team A", "Team B"], view.Teams.Select(t => t.Name));
        Assert.Equal(["ada-okafor"], view.Teams[0].Breakers);
        Assert.Equal(["chen-wei"], view.Teams[0].Fixers);
    }

    [Fact]
    public void View_PeopleNamesKnown_MembersShownByNameNotId()
    {
        var names = new Dictionary<string, string> { ["ada-okafor"] = "Ada Okafor", ["chen-wei"] = "Chen Wei" };

        var view = Worker.Hosting.Scoreboard.View(Episode(Provisioned("team-a"), Provisioned("team-b")), Start, names);

        Assert.Equal(["Ada Okafor"], view.Teams[0].Breakers);
        Assert.Equal(["Chen Wei"], view.Teams[0].Fixers);
        Assert.Equal(["Chen Wei"], view.Teams[1].Breakers);
    }

    [Fact]
    public void View_PersonWithoutAKnownName_ShownById()
    {
        var view = Worker.Hosting.Scoreboard.View(Episode(Provisioned("team-a")), Start, new Dictionary<string, string> { ["chen-wei"] = "Chen Wei" });

        Assert.Equal(["ada-okafor"], view.Teams[0].Breakers);
        Assert.Equal(["Chen Wei"], view.Teams[0].Fixers);
    }

    [Fact]
    public async Task PeopleAt_EpisodeSourceAtCommit_NamesFromThePeopleFiles()
    {
        var source = new OnePeopleSource(new Dictionary<string, byte[]>
        {
            ["episodes/people/ada-okafor.yaml"] = "name: Ada Okafor\ngithub: adaokafor\n"u8.ToArray(),
            ["episodes/people/chen-wei.yaml"] = "name: Chen Wei\n"u8.ToArray(),
        });
        var people = Worker.Hosting.Scoreboard.PeopleAt(source);

        var names = await people("c1", CancellationToken.None);
        await people("c1", CancellationToken.None);

        Assert.Equal("Ada Okafor", names["ada-okafor"]);
        Assert.Equal("Chen Wei", names["chen-wei"]);
        Assert.Equal(["c1"], source.Reads);
    }

    private sealed class OnePeopleSource(IReadOnlyDictionary<string, byte[]> files) : GitHub.IEpisodeSource
    {
        public List<string> Reads { get; } = [];

        public Task<IReadOnlyDictionary<string, byte[]>> GetEpisodeFilesAsync(string sha, CancellationToken cancellationToken)
        {
            Reads.Add(sha);
            return Task.FromResult(files);
        }
    }

    [Fact]
    public void View_OneTeamFixed_ItsBreaksRevealedAndTheOthersStillHidden()
    {
        var view = Worker.Hosting.Scoreboard.View(Episode(Fixed("team-a", TimeSpan.FromMinutes(23)), HandedOver("team-b")), Start.AddMinutes(31));

        Assert.Equal(("fixed", "Fixed in 23 min"), (view.Teams[0].Status, view.Teams[0].StatusText));
        Assert.Equal(["coredns-homoglyph"], view.Teams[0].Breaks);
        Assert.Equal(("fixing", "Fixing"), (view.Teams[1].Status, view.Teams[1].StatusText));
        Assert.Empty(view.Teams[1].Breaks);
    }

    [Fact]
    public void View_StreamOverAndTeamNotFixed_NotFixed()
    {
        var view = Worker.Hosting.Scoreboard.View(Episode(HandedOver("team-a"), Fixed("team-b", TimeSpan.FromMinutes(50))), Start.AddMinutes(95));

        Assert.Equal(("not-fixed", "Not fixed"), (view.Teams[0].Status, view.Teams[0].StatusText));
        // team-b broke its cluster by hand: the reveal says so.
        Assert.Equal(["broken by hand"], view.Teams[1].Breaks);
    }

    [Fact]
    public void Page_TeamsHoldCredentials_NeitherPathsNorServiceAccountsOnThePage()
    {
        var episode = Episode(HandedOver("team-a"), HandedOver("team-b"));
        var view = Worker.Hosting.Scoreboard.View(episode, Start.AddMinutes(5));

        var page = Worker.Hosting.Scoreboard.Page(view, null) + JsonSerializer.Serialize(view);

        Assert.Contains("Team A", page, StringComparison.Ordinal);
        Assert.DoesNotContain("kubeconfig", page, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("klustered-fixers", page, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", page, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Page_TitleWithMarkup_CannotCloseTheScriptElement()
    {
        var episode = Episode(Provisioned("team-a"));
        episode = episode with { Desired = episode.Desired! with { Title = "</script><script>alert(1)</script>" } };

        var page = Worker.Hosting.Scoreboard.Page(Worker.Hosting.Scoreboard.View(episode, Start), null);

        Assert.DoesNotContain("</script><script>alert", page, StringComparison.Ordinal);
    }

    [Fact]
    public void Pick_NoEpisodeAsked_TheRunningOneThenTheNext()
    {
        var earlier = Episode(Provisioned("team-a")) with { EpisodeId = "klustered/2030-06-01-a" };
        var later = Episode(Provisioned("team-a")) with { EpisodeId = "klustered/2030-06-08-b" };
        later = later with { Desired = later.Desired! with { EpisodeId = later.EpisodeId, ScheduledFor = Start.AddDays(7) } };

        Assert.Equal(earlier.EpisodeId, Worker.Hosting.Scoreboard.Pick([later, earlier], null, Start.AddMinutes(10))!.EpisodeId);
        Assert.Equal(later.EpisodeId, Worker.Hosting.Scoreboard.Pick([later, earlier], null, Start.AddDays(1))!.EpisodeId);
        Assert.Equal(earlier.EpisodeId, Worker.Hosting.Scoreboard.Pick([later, earlier], earlier.EpisodeId, Start.AddDays(1))!.EpisodeId);
        Assert.Null(Worker.Hosting.Scoreboard.Pick([later, earlier], "klustered/nope", Start));
    }

    internal static EpisodeStatus Episode(params TeamState[] teams)
    {
        KlusteredTeamDesired Team(string name, string[] breaks) => new(name, name == "team-a" ? ["ada-okafor"] : ["chen-wei"], name == "team-a" ? ["chen-wei"] : ["ada-okafor"], "kubeadm-small", "v1.31.0", 1, 1, breaks);
        var desired = EpisodeDecisionsTests.Spec("klustered/2030-06-01-hands") with
        {
            Title = "Klustered #42: Ada Okafor vs Chen Wei",
            ScheduledFor = Start,
            Duration = TimeSpan.FromMinutes(90),
            Klustered = new KlusteredDesired(TimeSpan.FromHours(2), TimeSpan.FromHours(4),
                [.. teams.Select(t => Team(t.Name, t.Name == "team-a" ? ["coredns-homoglyph"] : []))]),
        };
        return new EpisodeStatus(desired.EpisodeId, EpisodePhase.Sleeping, false, desired, new AppliedEpisode("vid1"), ReconcilePlan.Nothing, teams, null, null, null, 0);
    }

    private static AccessGrant Grant(AccessRole role, string team) =>
        new(role, $"/repo/.rawkode/klustered/klustered/2030-06-01-hands/{team}/{role.ToString().ToLowerInvariant()}.kubeconfig", $"kube-system/klustered-{role.ToString().ToLowerInvariant()}", Start.AddHours(-2), Start);

    internal static TeamState Provisioned(string name) =>
        new(name, TeamPhase.Provisioned, $"{name}-1234", "secret default/x-kubeconfig (key value)", Start.AddHours(-2), Credentials: [Grant(AccessRole.Breakers, name)]);

    internal static TeamState HandedOver(string name) =>
        Provisioned(name) with { HandedOverAt = Start, Credentials = [Grant(AccessRole.Breakers, name) with { RevokedAt = Start }, Grant(AccessRole.Fixers, name)], Verdict = BreakVerdict.Broken };

    internal static TeamState Fixed(string name, TimeSpan after) =>
        HandedOver(name) with { Phase = TeamPhase.Fixed, FixedAt = Start + after, TimeToFix = after, TimeToFixRecorded = true };
}

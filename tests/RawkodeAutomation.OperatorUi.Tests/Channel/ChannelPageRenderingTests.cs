using RawkodeAutomation.OperatorUi.Channel;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.Workflows.Contracts;

namespace RawkodeAutomation.OperatorUi.Tests.Channel;

/// <summary>The channel page's HTML as a pure function of the state.</summary>
public sealed class ChannelPageRenderingTests
{
    private static readonly DateTimeOffset Reset = new(2026, 12, 8, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Render_FailedEpisodeAmongOthers_FailedRowFirst()
    {
        var status = new ChannelStatus([Episode("a/idle", EpisodePhase.Idle), Episode("b/waiting", EpisodePhase.WaitingForQuota), Episode("z/failed", EpisodePhase.Failed)], [], Quota(exhausted: false));

        var html = ChannelPage.Render(status, Context(), null);

        var failed = html.IndexOf("data-target=\"episode/z/failed\"", StringComparison.Ordinal);
        var waiting = html.IndexOf("data-target=\"episode/b/waiting\"", StringComparison.Ordinal);
        var idle = html.IndexOf("data-target=\"episode/a/idle\"", StringComparison.Ordinal);
        Assert.True(failed > 0 && failed < waiting && waiting < idle, $"rows out of order: failed {failed}, waiting {waiting}, idle {idle}");
    }

    [Fact]
    public void WakeUp_WaitingForQuotaWhenTheDayIsSpent_IsTheQuotaReset()
    {
        var waiting = Episode("b/waiting", EpisodePhase.WaitingForQuota);

        Assert.Equal(Reset, new ChannelStatus([waiting], [], Quota(exhausted: true)).WakeUp(waiting));
        // Units left: it is about to be granted, not asleep until the reset.
        Assert.Null(new ChannelStatus([waiting], [], Quota(exhausted: false)).WakeUp(waiting));
    }

    [Fact]
    public void Render_ErrorMessagesWithMarkup_Encoded()
    {
        var failed = Episode("z/failed", EpisodePhase.Failed) with { LastError = "<script>alert(1)</script>" };

        var html = ChannelPage.Render(new ChannelStatus([failed], [], null), Context(), null);

        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
    }

    [Fact]
    public void ErrorWithLink_LocatedError_LinksTheFileAtTheLine()
    {
        var context = Context(new ChannelPageOptions { FileLink = (sha, path, line) => $"https://github.com/rawkode/channel/blob/{sha}/{path}#L{line}" });

        var html = ChannelPage.ErrorWithLink("episodes/klustered/2021-05-20-guy.yaml:7:3: unknown key 'gusts'", "abc1234", context).Value;

        Assert.Equal(
            "<a class=\"mono file-link\" href=\"https://github.com/rawkode/channel/blob/abc1234/episodes/klustered/2021-05-20-guy.yaml#L7\">episodes/klustered/2021-05-20-guy.yaml:7:3</a>: unknown key &#x27;gusts&#x27;",
            html);
    }

    [Fact]
    public void Render_KlusteredTeams_PhaseByNameClusterAccessAndTimeToFix()
    {
        var teams = new[]
        {
            new TeamState("team-a", TeamPhase.Fixed, "klustered-7-team-a", "secret default/klustered-7-team-a-kubeconfig (key value)", TimeToFix: TimeSpan.FromMinutes(42) + TimeSpan.FromSeconds(5), TimeToFixRecorded: true),
            new TeamState("team-b", TeamPhase.Failed, "klustered-7-team-b", null, LastError: "breaks not verified: coredns still resolves"),
        };
        var episode = Episode("klustered/2026-12-10-seven", EpisodePhase.Klustered) with { Teams = teams };

        var html = ChannelPage.Render(new ChannelStatus([episode], [], null), Context(), null);

        var table = html[html.IndexOf("id=\"teams\"", StringComparison.Ordinal)..];
        // A failed team first; phases by name, never the enum's number.
        Assert.True(table.IndexOf("team-b", StringComparison.Ordinal) < table.IndexOf("team-a", StringComparison.Ordinal));
        Assert.Contains("<span class=\"badge Failed\">Failed</span>", table, StringComparison.Ordinal);
        Assert.Contains("<span class=\"badge Fixed\">Fixed</span>", table, StringComparison.Ordinal);
        Assert.Contains("secret default/klustered-7-team-a-kubeconfig (key value)", table, StringComparison.Ordinal);
        Assert.Contains("42m 5s (recorded)", table, StringComparison.Ordinal);
        Assert.Contains("breaks not verified: coredns still resolves", table, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_KlusteredTeams_NodeLevelBreaksMarkedAsNeedingARealClusterToFixByHand()
    {
        var start = new DateTimeOffset(2026, 12, 10, 17, 0, 0, TimeSpan.Zero);
        var teams = new[]
        {
            new TeamState("team-a", TeamPhase.Provisioned, "klustered-7-team-a", Verdict: BreakVerdict.Broken, VerdictDetail: "the workload API server does not answer at the show's start",
                Credentials: [new AccessGrant(AccessRole.Fixers, "/repo/.rawkode/klustered/klustered/2026-12-10-seven/team-a/fixers.kubeconfig", "kube-system/klustered-fixers", start, start.AddHours(5))]),
            new TeamState("team-b", TeamPhase.Provisioned, "klustered-7-team-b"),
            new TeamState("team-c", TeamPhase.Provisioned, "klustered-7-team-c"),
        };
        KlusteredTeamDesired Spec(string name, IReadOnlyList<string> breaks) => new(name, ["ada-okafor"], ["chen-wei"], "kubeadm-small", "v1.31.0", 1, 1, breaks);
        var desired = new DesiredEpisode("klustered/2026-12-10-seven", "klustered", "Klustered #7", start, TimeSpan.FromMinutes(90), "public", false, "", [], 28, null, "klustered", null, "t1",
            new KlusteredDesired(TimeSpan.FromHours(2), TimeSpan.FromHours(4), [Spec("team-a", ["apiserver-wrong-port"]), Spec("team-b", ["quota-zero-pods"]), Spec("team-c", [])]),
            "c1", start.AddDays(-1));
        var episode = Episode("klustered/2026-12-10-seven", EpisodePhase.Klustered) with { Teams = teams, Desired = desired };

        var html = ChannelPage.Render(new ChannelStatus([episode], [], null), Context(), null);

        var table = html[html.IndexOf("id=\"teams\"", StringComparison.Ordinal)..];
        var rows = table.Split("<tr>");
        var a = rows.Single(r => r.Contains("<td>team-a</td>", StringComparison.Ordinal));
        var b = rows.Single(r => r.Contains("<td>team-b</td>", StringComparison.Ordinal));
        Assert.Contains("apiserver-wrong-port</span> <span class=\"node-level\">node-level: needs a real cluster to fix by hand", a, StringComparison.Ordinal);
        Assert.Contains("quota-zero-pods", b, StringComparison.Ordinal);
        Assert.DoesNotContain("node-level", b, StringComparison.Ordinal);
        Assert.Contains("by hand (the breakers')", rows.Single(r => r.Contains("<td>team-c</td>", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("broken: the workload API server does not answer", a, StringComparison.Ordinal);
        Assert.Contains("fixers: /repo/.rawkode/klustered/klustered/2026-12-10-seven/team-a/fixers.kubeconfig (2026-12-10 17:00:00Z", a, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_CleanupPasses_PhaseAndWhatWasDeletedAndKept()
    {
        var report = new CleanupReport(Reset, false,
            [new CleanupItem("cluster", "klustered-3-team-a", "klustered/2026-11-01-three", "past its TTL")],
            [new CleanupItem("broadcast", "AdaXplane01", null, "live now")],
            ["1 cluster deleted"], 2);
        var passes = new[]
        {
            new CleanupPassRecord("cleanup-2026-12-07T08:00:00Z", Reset, "Running", new CleanupStatus(CleanupPhase.SurveyingBroadcasts, report with { Deleted = [], Kept = [] })),
            new CleanupPassRecord("cleanup-2026-12-07T07:00:00Z", Reset.AddHours(-1), "Completed", new CleanupStatus(CleanupPhase.Done, report)),
        };

        var html = ChannelPage.Render(new ChannelStatus([], [], null, Cleanup: passes), Context(), null);

        var table = html[html.IndexOf("id=\"cleanup-passes\"", StringComparison.Ordinal)..];
        Assert.True(table.IndexOf("SurveyingBroadcasts", StringComparison.Ordinal) < table.IndexOf("Done", StringComparison.Ordinal));
        Assert.Contains("cluster <span class=\"mono\">klustered-3-team-a</span> (klustered/2026-11-01-three): past its TTL", table, StringComparison.Ordinal);
        Assert.Contains("broadcast <span class=\"mono\">AdaXplane01</span>: live now", table, StringComparison.Ordinal);
    }

    private static ChannelPageContext Context(ChannelPageOptions? options = null) => new(options ?? new ChannelPageOptions(), "/operator", "127.0.0.1:7233", null);

    private static EpisodeStatus Episode(string id, EpisodePhase phase) =>
        new(id, phase, phase != EpisodePhase.Idle, null, new AppliedEpisode(), ReconcilePlan.Nothing, [], null, null, null, 0);

    private static QuotaStatus Quota(bool exhausted) =>
        new("2026-12-07", 10_000, exhausted ? 10_000 : 100, exhausted ? 0 : 9_900, exhausted, 0, 0, 1, 0, Reset, 0, 0);
}

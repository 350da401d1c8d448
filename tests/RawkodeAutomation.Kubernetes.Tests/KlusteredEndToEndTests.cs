using System.Diagnostics;
using RawkodeAutomation.Episodes.Model;
using Xunit.Abstractions;

namespace RawkodeAutomation.Kubernetes.Tests;

/// <summary>The whole Klustered day for three teams in parallel: provision, deploy, break, verify, fix, tear down.</summary>
public sealed class KlusteredEndToEndTests(SandboxFixture fixture, ITestOutputHelper output) : IClassFixture<SandboxFixture>
{
    [Fact]
    public async Task ThreeTeams_InParallel_BrokenThenFixedWithTimeToFix()
    {
        var ops = fixture.Operations;
        var teams = new KlusteredTeam[]
        {
            new("team-a", ["gjtempleton"], ["guineveresaenger"], new ClusterSpec("kubeadm-small", "v1.31.0"), ["coredns-homoglyph", "quota-zero-pods"]),
            new("team-b", ["a"], ["b"], new ClusterSpec("kubeadm-small", "v1.31.0", 1, 2), ["webhook-rewrite-v2", "taint-all-nodes"]),
            new("team-c", ["c"], ["d"], new ClusterSpec("kubeadm-medium", "v1.31.0", 3, 2), ["networkpolicy-deny-all", "readiness-probe-wrong-port", "service-selector-typo"]),
        };
        const string episode = "klustered/2026-11-25-three-teams";
        var expires = DateTimeOffset.UtcNow.AddHours(6);

        var results = await Task.WhenAll(teams.Select(async team =>
        {
            var cluster = await ops.ProvisionAsync(episode, team.Name, team.Cluster, expires);
            await ops.WaitProvisionedAsync(cluster);
            await ops.DeployWorkloadAsync(cluster);
            await ops.ApplyBreaksAsync(cluster, team.Breaks);
            var verdict = await ops.VerifyBrokenAsync(cluster, team.Breaks);
            var brokenSince = DateTimeOffset.UtcNow;

            // The fixers work while we watch: they fix one break after another, then roll out v2.
            var watching = ops.WaitFixedAsync(cluster, brokenSince, TimeSpan.FromSeconds(30));
            var fixing = Stopwatch.StartNew();
            foreach (var id in team.Breaks)
            {
                Assert.False((await ops.IsFixedAsync(cluster)).Fixed);
                await ops.UndoBreaksAsync(cluster, [id]);
            }

            await fixture.RolloutV2Async(cluster);
            var status = await watching;
            fixing.Stop();
            return (team, cluster, verdict, status, fixing.Elapsed);
        }));

        Assert.Equal(3, (await ops.ListOwnedClustersAsync()).Count(c => c.Cluster.EpisodeId == episode));
        foreach (var (team, cluster, verdict, status, elapsed) in results)
        {
            output.WriteLine($"{team.Name} ({cluster.Name}): {verdict.Summary}; {status.Detail}; time to fix {status.TimeToFix?.TotalSeconds:F2}s");
            Assert.True(verdict.Broken, verdict.Summary);
            Assert.True(status.Fixed, status.Detail);
            Assert.NotNull(status.TimeToFix);
            Assert.InRange(status.TimeToFix!.Value, TimeSpan.Zero, elapsed + TimeSpan.FromSeconds(1));
        }

        await Task.WhenAll(results.Select(r => ops.TeardownAsync(r.cluster)));
        Assert.DoesNotContain(await ops.ListOwnedClustersAsync(), c => c.Cluster.EpisodeId == episode);
        Assert.All(results, r => Assert.Null(fixture.Sandbox.FindWorkloadCluster(r.cluster.Namespace, r.cluster.Name)));
    }
}

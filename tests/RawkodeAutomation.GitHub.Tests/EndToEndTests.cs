using System.Text;

namespace RawkodeAutomation.GitHub.Tests;

/// <summary>The sandbox delivers pushes itself (as GitHub does) to the webhook endpoint wired to the real adapters.</summary>
public sealed class EndToEndTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task HookedRepository_HumanCommitThenAutomationWriteBack_EachObservedOnceAndReadable()
    {
        await using var h = await Harness.StartAsync();
        h.Sandbox.Webhooks.Add(h.Repo, h.Host.Endpoint, Harness.Secret);
        h.Sandbox.Webhooks.DeliverEachTimes = 3;

        var human = h.Repo.Commit("main", "add the first episode", Fixtures.ValidTree());
        await h.Sandbox.Webhooks.IdleAsync(Deadline);
        var written = await h.Writer.UpdateAsync(Fixtures.Episode,
            current => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(current!) + "\nyoutube:\n  videoId: ozbE25Y_rcM\n"), "automation: record the video id", CancellationToken.None);
        await h.Sandbox.Webhooks.IdleAsync(Deadline);

        Assert.Equal(6, h.Sandbox.Webhooks.Deliveries.Count);
        Assert.Equal([202, 200, 200, 202, 200, 200], h.Sandbox.Webhooks.Deliveries.Select(d => d.StatusCode));
        Assert.Equal([human, written.CommitSha], h.Sink.Observed.Select(o => o.Sha));
        Assert.Equal([null, human], h.Sink.Observed.Select(o => o.Before));
        var files = await h.Source.GetEpisodeFilesAsync(written.CommitSha!, CancellationToken.None);
        Assert.Contains("videoId: ozbE25Y_rcM", Encoding.UTF8.GetString(files[Fixtures.Episode]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HookedRepository_PushesReleasedInReverseOrder_EachProcessedAtItsCommit()
    {
        await using var h = await Harness.StartAsync();
        h.Sandbox.Webhooks.Add(h.Repo, h.Host.Endpoint, Harness.Secret);
        h.Sandbox.Webhooks.Paused = true;
        var first = h.Repo.Commit("main", "one", Fixtures.ValidTree("One"));
        var second = h.Repo.Commit("main", "two", new Dictionary<string, string?> { [Fixtures.Episode] = Fixtures.EpisodeYaml("Two") });
        var rewritten = h.Repo.CreateCommit(first, "rewrite", new Dictionary<string, byte[]?> { [Fixtures.Episode] = Encoding.UTF8.GetBytes(Fixtures.EpisodeYaml("Three")) });
        h.Repo.SetBranch("main", rewritten, force: true);

        Assert.Equal(3, h.Sandbox.Webhooks.Held.Count);
        await h.Sandbox.Webhooks.ReleaseAsync([2, 1, 0]);
        await h.Sandbox.Webhooks.IdleAsync(Deadline);

        Assert.Equal([rewritten, second, first], h.Sink.Observed.Select(o => o.Sha));
        Assert.True(h.Sink.Observed.First().Forced);
        List<string> titles = [];
        foreach (var observed in h.Sink.Observed)
        {
            titles.Add(Encoding.UTF8.GetString((await h.Source.GetEpisodeFilesAsync(observed.Sha, CancellationToken.None))[Fixtures.Episode]));
        }

        Assert.Contains("Three", titles[0], StringComparison.Ordinal);
        Assert.Contains("Two", titles[1], StringComparison.Ordinal);
        Assert.Contains("One", titles[2], StringComparison.Ordinal);
    }
}

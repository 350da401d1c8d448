using System.Text;
using RawkodeAutomation.GitHub.Sandbox;

namespace RawkodeAutomation.GitHub.Tests;

public sealed class IngestionTests
{
    [Fact]
    public async Task Pushes_DeliveredOutOfOrder_EachProcessedAtItsOwnCommit()
    {
        await using var h = await Harness.StartAsync();
        var (zero, first) = h.Push(Fixtures.ValidTree("First title"));
        var (_, second) = h.Push(new() { [Fixtures.Episode] = Fixtures.EpisodeYaml("Second title") });

        // The later push arrives first.
        var late = await h.DeliverAsync(first, second);
        var early = await h.DeliverAsync(zero, first);

        Assert.Equal(202, late.StatusCode);
        Assert.Equal(202, early.StatusCode);
        var handled = h.Handler.Handled.ToArray();
        Assert.Equal([second, first], handled.Select(c => c.Commit.Sha));
        Assert.Contains("Second title", Encoding.UTF8.GetString(handled[0].Files[Fixtures.Episode]), StringComparison.Ordinal);
        Assert.Contains("First title", Encoding.UTF8.GetString(handled[1].Files[Fixtures.Episode]), StringComparison.Ordinal);
        Assert.Equal([new ChangedPath(Fixtures.Episode, ChangeKind.Modified)], handled[0].Changes);
        Assert.Equal(3, handled[1].Changes.Count);
        Assert.All(handled[1].Changes, c => Assert.Equal(ChangeKind.Added, c.Kind));
        Assert.Equal("success", h.Repo.Statuses(first)[^1].State);
        Assert.Equal("success", h.Repo.Statuses(second)[^1].State);
    }

    [Fact]
    public async Task ForcePush_RewrittenHistory_ReadsTheNewCommitAndDiffsAgainstTheOldHead()
    {
        await using var h = await Harness.StartAsync();
        var (_, root) = h.Push(Fixtures.ValidTree("Original"));
        var (_, abandoned) = h.Push(new() { [Fixtures.Episode] = Fixtures.EpisodeYaml("Abandoned") });
        var rewritten = h.Repo.CreateCommit(root, "rewrite", new Dictionary<string, byte[]?>
        {
            [Fixtures.Episode] = Encoding.UTF8.GetBytes(Fixtures.EpisodeYaml("Rewritten")),
            ["episodes/people/guest.yaml"] = Encoding.UTF8.GetBytes("name: A Guest\nbio: Says hello.\ngithub: a-guest\n"),
        });
        h.Repo.SetBranch("main", rewritten, force: true);

        var response = await h.DeliverAsync(abandoned, rewritten, forced: true);

        Assert.Equal(202, response.StatusCode);
        var commit = Assert.Single(h.Handler.Handled);
        Assert.True(commit.Commit.Forced);
        Assert.Contains("Rewritten", Encoding.UTF8.GetString(commit.Files[Fixtures.Episode]), StringComparison.Ordinal);
        Assert.Equal(
            [new ChangedPath("episodes/people/guest.yaml", ChangeKind.Added), new ChangedPath(Fixtures.Episode, ChangeKind.Modified)],
            commit.Changes);
        Assert.Equal("success", h.Repo.Statuses(rewritten)[^1].State);
    }

    [Fact]
    public async Task Push_WithInvalidFiles_FailsStatusWithEveryErrorAndSignalsNothing()
    {
        await using var h = await Harness.StartAsync();
        var tree = Fixtures.ValidTree();
        tree[Fixtures.Episode] = Fixtures.EpisodeYaml("A <script> title") + "\nsponsor: nobody\n";
        tree["episodes/people/mallory.yaml"] = "name: Mallory\nbio: Has an e-mail.\ngithub: mallory\nemail: mallory@example.com\n";
        var (before, after) = h.Push(tree);

        var response = await h.DeliverAsync(before, after);

        Assert.Equal(202, response.StatusCode);
        Assert.Empty(h.Handler.Handled);
        var outcome = Assert.Single(h.Sink.Outcomes);
        Assert.False(outcome.Valid);
        Assert.True(outcome.Errors.Count >= 3, string.Join('\n', outcome.Errors));
        var statuses = h.Repo.Statuses(after);
        Assert.Equal(["pending", "failure"], statuses.Select(s => s.State));
        Assert.True(statuses[^1].Description!.Length <= 140);
        Assert.Equal($"http://127.0.0.1:8787/commits/{after}", statuses[^1].TargetUrl);
        var comment = Assert.Single(h.Repo.CommitComments(after));
        foreach (var error in outcome.Errors)
        {
            Assert.Contains(error, comment.Body, StringComparison.Ordinal);
        }

        Assert.Contains(outcome.Errors, e => e.StartsWith(Fixtures.Episode + ":", StringComparison.Ordinal));
        Assert.Contains(outcome.Errors, e => e.StartsWith("episodes/people/mallory.yaml:", StringComparison.Ordinal));
        Assert.All(outcome.Errors, e => Assert.Matches(@"^episodes/[^:]+:\d+:\d+: ", e));
    }

    [Fact]
    public async Task GetEpisodeFiles_OldCommitAfterNewerPushes_ReturnsThatCommitsFilesOnly()
    {
        await using var h = await Harness.StartAsync();
        var (_, first) = h.Push(Fixtures.ValidTree("First"));
        h.Push(new() { [Fixtures.Episode] = Fixtures.EpisodeYaml("Second"), ["episodes/people/new.yaml"] = "name: New\n" });

        var files = await h.Source.GetEpisodeFilesAsync(first, CancellationToken.None);

        Assert.Equal([Fixtures.Host, Fixtures.Episode, Fixtures.Show], files.Keys);
        Assert.Contains("First", Encoding.UTF8.GetString(files[Fixtures.Episode]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetEpisodeFiles_SameCommitTwice_SecondReadMakesNoRequests()
    {
        await using var h = await Harness.StartAsync();
        var (_, sha) = h.Push(Fixtures.ValidTree());

        var first = await h.Source.GetEpisodeFilesAsync(sha, CancellationToken.None);
        var requests = h.Sandbox.Requests.Count;
        var second = await h.Source.GetEpisodeFilesAsync(sha, CancellationToken.None);

        Assert.Equal(requests, h.Sandbox.Requests.Count);
        Assert.Equal(first.Keys, second.Keys);
    }

    [Fact]
    public async Task GetEpisodeFiles_CommitWithoutEpisodesFolder_ReturnsEmpty()
    {
        await using var h = await Harness.StartAsync();
        var (_, sha) = h.Push(new() { ["README.md"] = "nothing yet\n" });

        Assert.Empty(await h.Source.GetEpisodeFilesAsync(sha, CancellationToken.None));
    }

    [Fact]
    public async Task GetEpisodeFiles_TransientServerError_Throws()
    {
        await using var h = await Harness.StartAsync();
        var (_, sha) = h.Push(Fixtures.ValidTree());
        h.Sandbox.Faults.Add(new FaultRule("GET", "/git/trees/", 502));

        await Assert.ThrowsAnyAsync<global::Octokit.ApiException>(() => h.Source.GetEpisodeFilesAsync(sha, CancellationToken.None));
        Assert.Equal(3, (await h.Source.GetEpisodeFilesAsync(sha, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task ReportStatus_SameFailureReportedTwice_OneCommentOnly()
    {
        await using var h = await Harness.StartAsync();
        var (_, sha) = h.Push(Fixtures.ValidTree());
        var report = new CommitStatusReport(CommitStatusState.Failure, "1 error", ["episodes/x.yaml:1:1: bad"]);

        await h.Reporter.ReportAsync(sha, report, CancellationToken.None);
        await h.Reporter.ReportAsync(sha, report, CancellationToken.None);

        Assert.Equal(2, h.Repo.Statuses(sha).Count);
        Assert.Single(h.Repo.CommitComments(sha));
    }

    [Fact]
    public async Task GetEpisodeFiles_UnknownCommit_ClearError()
    {
        await using var h = await Harness.StartAsync();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => h.Source.GetEpisodeFilesAsync(new string('f', 40), CancellationToken.None));

        Assert.Contains("does not exist in rawkode/channel", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReportStatus_LongSummary_TruncatedTo140Characters()
    {
        await using var h = await Harness.StartAsync();
        var (_, sha) = h.Push(Fixtures.ValidTree());

        await h.Reporter.ReportAsync(sha, new CommitStatusReport(CommitStatusState.Failure, new string('x', 500)), CancellationToken.None);

        var status = Assert.Single(h.Repo.Statuses(sha));
        Assert.Equal(140, status.Description!.Length);
        Assert.EndsWith("…", status.Description, StringComparison.Ordinal);
        Assert.Equal("rawkode/episodes", status.Context);
    }
}

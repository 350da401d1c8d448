using System.Text;
using RawkodeAutomation.GitHub.Sandbox;

namespace RawkodeAutomation.GitHub.Tests;

/// <summary>The Octokit adapters against the GitHub sandbox: what a delivered push hands the pipeline, reads at exact commits, statuses.</summary>
public sealed class GitHubAdapterTests
{
    private static async Task<string> EpisodeAtAsync(Harness h, string sha) =>
        Encoding.UTF8.GetString((await h.Source.GetEpisodeFilesAsync(sha, CancellationToken.None))[Fixtures.Episode]);

    [Fact]
    public async Task Pushes_DeliveredOutOfOrder_EachObservedAtItsOwnCommitAndReadThere()
    {
        await using var h = await Harness.StartAsync();
        var (zero, first) = h.Push(Fixtures.ValidTree("First title"));
        var (_, second) = h.Push(new() { [Fixtures.Episode] = Fixtures.EpisodeYaml("Second title") });

        // The later push arrives first.
        var late = await h.DeliverAsync(first, second);
        var early = await h.DeliverAsync(zero, first);

        Assert.Equal(202, late.StatusCode);
        Assert.Equal(202, early.StatusCode);
        var observed = h.Sink.Observed.ToArray();
        Assert.Equal([(second, first), (first, null)], observed.Select(c => (c.Sha, c.Before)));
        Assert.Contains("Second title", await EpisodeAtAsync(h, observed[0].Sha), StringComparison.Ordinal);
        Assert.Contains("First title", await EpisodeAtAsync(h, observed[1].Sha), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForcePush_RewrittenHistory_ObservedAsForcedAndReadAtTheNewCommit()
    {
        await using var h = await Harness.StartAsync();
        var (_, root) = h.Push(Fixtures.ValidTree("Original"));
        var (_, abandoned) = h.Push(new() { [Fixtures.Episode] = Fixtures.EpisodeYaml("Abandoned") });
        var rewritten = h.Repo.CreateCommit(root, "rewrite", new Dictionary<string, byte[]?>
        {
            [Fixtures.Episode] = Encoding.UTF8.GetBytes(Fixtures.EpisodeYaml("Rewritten")),
        });
        h.Repo.SetBranch("main", rewritten, force: true);

        var response = await h.DeliverAsync(abandoned, rewritten, forced: true);

        Assert.Equal(202, response.StatusCode);
        var commit = Assert.Single(h.Sink.Observed);
        Assert.Equal((rewritten, abandoned, true), (commit.Sha, commit.Before, commit.Forced));
        Assert.Contains("Rewritten", await EpisodeAtAsync(h, commit.Sha), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReportStatus_FailureWithEveryError_StatusLinksTheRunAndOneCommentListsEachError()
    {
        await using var h = await Harness.StartAsync();
        var (_, sha) = h.Push(Fixtures.ValidTree());
        string[] errors = [$"{Fixtures.Episode}:1:8: title must not contain '<' or '>'", "episodes/people/mallory.yaml:4:1: unknown key 'email'"];

        await h.Reporter.ReportAsync(sha, new CommitStatusReport(CommitStatusState.Failure, "2 errors; first: " + errors[0], errors), CancellationToken.None);

        var status = Assert.Single(h.Repo.Statuses(sha));
        Assert.Equal("failure", status.State);
        Assert.Equal($"http://127.0.0.1:8787/commits/{sha}", status.TargetUrl);
        var comment = Assert.Single(h.Repo.CommitComments(sha));
        Assert.All(errors, e => Assert.Contains(e, comment.Body, StringComparison.Ordinal));
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

using System.Text;
using Octokit;
using RawkodeAutomation.GitHub.Local;
using RawkodeAutomation.GitHub.Octokit;
using RawkodeAutomation.GitHub.Sandbox;

namespace RawkodeAutomation.GitHub.Tests;

public sealed class SandboxTests
{
    private static async Task<(GitHubSandbox Sandbox, SandboxRepository Repo, IGitHubClient Client)> StartAsync()
    {
        var sandbox = await GitHubSandbox.StartAsync();
        var repo = sandbox.CreateRepository("rawkode/channel");
        var client = GitHubClientFactory.Create(new GitHubOptions { Repository = repo.FullName, Token = sandbox.Token, ApiBaseUri = sandbox.BaseAddress });
        return (sandbox, repo, client);
    }

    [Fact]
    public async Task IssueComments_CreateThenFindByMarkerAndUpdate_OneCommentInPlace()
    {
        // The same calls the PR plan workflow makes: list, find ours by its marker, update it (else create).
        var (sandbox, repo, client) = await StartAsync();
        await using var _ = sandbox;
        await client.Issue.Comment.Create("rawkode", "channel", 7, "someone else's comment");
        await client.Issue.Comment.Create("rawkode", "channel", 7, "<!-- rawkode-plan -->\nplan v1");

        var all = await client.Issue.Comment.GetAllForIssue("rawkode", "channel", 7);
        var ours = all.Single(c => c.Body.Contains("<!-- rawkode-plan -->", StringComparison.Ordinal));
        await client.Issue.Comment.Update("rawkode", "channel", ours.Id, "<!-- rawkode-plan -->\nplan v2");

        Assert.Equal(["someone else's comment", "<!-- rawkode-plan -->\nplan v2"], repo.IssueComments(7).Select(c => c.Body));
    }

    [Fact]
    public async Task Request_WithoutToken_Rejected401()
    {
        var (sandbox, repo, _) = await StartAsync();
        await using var _ = sandbox;
        var sha = repo.Commit("main", "one", new Dictionary<string, string?> { ["a.txt"] = "a" });
        var anonymous = GitHubClientFactory.Create(new GitHubOptions { Repository = repo.FullName, ApiBaseUri = sandbox.BaseAddress });

        await Assert.ThrowsAsync<AuthorizationException>(() => anonymous.Git.Commit.Get("rawkode", "channel", sha));
    }

    [Fact]
    public async Task Objects_SameContentAsGitCli_SameShas()
    {
        var (sandbox, repo, _) = await StartAsync();
        await using var _ = sandbox;
        using var local = new TempRepo();
        var files = new Dictionary<string, string?> { ["episodes/shows/a.yaml"] = "name: A\n", ["episodes/b/c.yaml"] = "x: 1\n", ["README.md"] = "hi\n" };
        local.Commit(files);

        var sha = repo.Commit("main", "one", files);

        Assert.Equal(local.Run("rev-parse", "HEAD^{tree}"), repo.GetCommit(sha)!.TreeSha);
    }

    [Fact]
    public async Task Compare_AfterForcePush_ReportsDivergedFromMergeBase()
    {
        var (sandbox, repo, client) = await StartAsync();
        await using var _ = sandbox;
        var root = repo.Commit("main", "root", new Dictionary<string, string?> { ["a.txt"] = "a", ["b.txt"] = "b" });
        var old = repo.Commit("main", "old", new Dictionary<string, string?> { ["a.txt"] = "old" });
        var rewritten = repo.CreateCommit(root, "new", new Dictionary<string, byte[]?> { ["b.txt"] = "new"u8.ToArray() });
        repo.SetBranch("main", rewritten, force: true);

        var compare = await client.Repository.Commit.Compare("rawkode", "channel", old, rewritten);

        Assert.Equal("diverged", compare.Status);
        Assert.Equal(root, compare.MergeBaseCommit.Sha);
        Assert.Equal([("b.txt", "modified")], compare.Files.Select(f => (f.Filename, f.Status)));
    }

    [Fact]
    public async Task Faults_Injected503ThenLatency_ServedAfterwards()
    {
        var (sandbox, repo, client) = await StartAsync();
        await using var _ = sandbox;
        var sha = repo.Commit("main", "one", new Dictionary<string, string?> { ["a.txt"] = "a" });
        sandbox.Faults.Add(new FaultRule("POST", "/statuses/", 503));

        var failure = await Assert.ThrowsAnyAsync<ApiException>(() =>
            client.Repository.Status.Create("rawkode", "channel", sha, new NewCommitStatus { State = CommitState.Pending, Context = "x" }));
        await client.Repository.Status.Create("rawkode", "channel", sha, new NewCommitStatus { State = CommitState.Success, Context = "x" });

        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, failure.StatusCode);
        Assert.Equal(["success"], repo.Statuses(sha).Select(s => s.State));
        var combined = await client.Repository.Status.GetCombined("rawkode", "channel", sha);
        Assert.Equal(CommitState.Success, combined.State.Value);
    }

    [Fact]
    public async Task Contents_UpdateWithStaleSha_Answers409()
    {
        var (sandbox, repo, client) = await StartAsync();
        await using var _ = sandbox;
        repo.Commit("main", "one", new Dictionary<string, string?> { ["a.txt"] = "a" });
        var stale = (await client.Repository.Content.GetAllContentsByRef("rawkode", "channel", "a.txt", "main"))[0].Sha;
        repo.Commit("main", "human", new Dictionary<string, string?> { ["a.txt"] = "human" });

        var conflict = await Assert.ThrowsAnyAsync<ApiException>(() =>
            client.Repository.Content.UpdateFile("rawkode", "channel", "a.txt", new UpdateFileRequest("bot", "bot", stale, "main")));

        Assert.Equal(System.Net.HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal("human", Encoding.UTF8.GetString(repo.Files("main")["a.txt"]));
    }

    [Fact]
    public async Task Reference_ForceUpdateThroughOctokit_RewritesBranchAndRefusesNonFastForwardWithoutForce()
    {
        var (sandbox, repo, client) = await StartAsync();
        await using var _ = sandbox;
        var root = repo.Commit("main", "root", new Dictionary<string, string?> { ["a.txt"] = "a" });
        repo.Commit("main", "two", new Dictionary<string, string?> { ["a.txt"] = "two" });
        var other = repo.CreateCommit(root, "other", new Dictionary<string, byte[]?> { ["a.txt"] = "other"u8.ToArray() });

        var refused = await Assert.ThrowsAnyAsync<ApiException>(() => client.Git.Reference.Update("rawkode", "channel", "heads/main", new ReferenceUpdate(other)));
        var updated = await client.Git.Reference.Update("rawkode", "channel", "heads/main", new ReferenceUpdate(other, force: true));

        Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Equal(other, updated.Object.Sha);
        Assert.Equal(other, repo.Head("main"));
    }
}

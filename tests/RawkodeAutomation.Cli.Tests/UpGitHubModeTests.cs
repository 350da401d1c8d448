using Microsoft.Extensions.DependencyInjection;
using RawkodeAutomation.GitHub;
using RawkodeAutomation.GitHub.Octokit;
using RawkodeAutomation.GitHub.Sandbox;
using RawkodeAutomation.Worker.Adapters;

namespace RawkodeAutomation.Cli.Tests;

/// <summary><c>rawkode up</c> with a GitHub repository configured: the channel follows GitHub's branch, not this checkout.</summary>
public sealed class UpGitHubModeTests
{
    [Fact]
    public async Task UpOnce_GitHubMode_AppliesGitHubsBranchHeadNotTheLocalCheckouts()
    {
        // Given a local checkout with commits of its own, and the GitHub repository's main branch holding a one-episode channel.
        using var checkout = new TemporaryCheckout();
        // The thumbnail templates and fonts come from the checkout, as they do for `up` in a clone of the repository.
        Directory.CreateSymbolicLink(checkout.Combine("thumbnails"), Path.Combine(Rawkode.RepositoryRoot, "thumbnails"));
        await using var github = await GitHubSandbox.StartAsync(new GitHubSandboxOptions { Token = "the-token" });
        var repository = github.CreateRepository("rawkode/channel");
        var head = repository.Commit("main", "a one-episode channel", new Dictionary<string, string?>
        {
            ["episodes/shows/demo.yaml"] = """
                name: Demo Show
                host: host
                description: A show for the test.
                youtube:
                  categoryId: 28
                  streamKey: demo
                """,
            ["episodes/people/host.yaml"] = "name: Hedy Host\n",
            ["episodes/demo/2030-01-01-first.yaml"] = """
                title: "Demo #1"
                scheduledFor: 2030-01-01T17:00:00Z
                duration: 60m
                summary: The first one.
                """,
        });
        checkout.WriteAppSettings($$"""
            { "GitHub": { "Repository": "rawkode/channel", "ApiBaseUri": "{{github.BaseAddress}}", "Token": "the-token", "WebhookSecret": "s" } }
            """);

        // When `up --once` starts.
        var result = await Rawkode.RunAsync(checkout.Path, "up", "--once");

        // Then it applies GitHub's head of main, which validates and reconciles the one episode.
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"reconciling every episode at {head[..7]}", result.Output, StringComparison.Ordinal);
        Assert.Contains($"commit {head[..7]}: 1 episode(s) to reconcile", result.Output, StringComparison.Ordinal);
        // A start-up apply is a full one: its units are an upper bound, not what this run spent.
        Assert.Contains("at most (a full apply: episodes already in step make no calls)", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpOnce_GitHubModeHeadDoesNotValidate_ExitsOneAndTheCommitStatusFailsWithACommentListingEveryError()
    {
        // Given GitHub's main branch with errors in two files (an unknown key, a person with an e-mail address).
        using var checkout = new TemporaryCheckout();
        await using var github = await GitHubSandbox.StartAsync(new GitHubSandboxOptions { Token = "the-token" });
        var repository = github.CreateRepository("rawkode/channel");
        var head = repository.Commit("main", "a channel with two broken files", new Dictionary<string, string?>
        {
            ["episodes/shows/demo.yaml"] = """
                name: Demo Show
                host: host
                description: A show for the test.
                sponsor: nobody
                youtube:
                  categoryId: 28
                  streamKey: demo
                """,
            ["episodes/people/host.yaml"] = "name: Hedy Host\nemail: hedy@example.com\n",
        });
        checkout.WriteAppSettings($$"""
            { "GitHub": { "Repository": "rawkode/channel", "ApiBaseUri": "{{github.BaseAddress}}", "Token": "the-token", "WebhookSecret": "s" } }
            """);

        // When `up --once` applies the head.
        var result = await Rawkode.RunAsync(checkout.Path, "up", "--once");

        // Then it fails, and GitHub shows the commit failing with every error, each where it is, in one comment.
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal(["pending", "failure"], repository.Statuses(head).Select(s => s.State));
        Assert.True(repository.Statuses(head)[^1].Description!.Length <= 140, repository.Statuses(head)[^1].Description);
        var comment = Assert.Single(repository.CommitComments(head));
        Assert.Matches(@"episodes/shows/demo\.yaml:\d+:\d+: ", comment.Body);
        Assert.Matches(@"episodes/people/host\.yaml:\d+:\d+: ", comment.Body);
        Assert.False(result.HasStackTrace, result.ToString());
    }
}

/// <summary>The branch history `up` orders commits by, read from GitHub (the Git references and compare APIs).</summary>
public sealed class GitHubBranchHistoryTests
{
    [Fact]
    public async Task IsAncestorAsync_GitHubMode_TrueOnlyForCommitsInTheHistoryOfTheOther()
    {
        // Given main at c1 → c2, and a commit made beside c2 on c1.
        await using var github = await GitHubSandbox.StartAsync(new GitHubSandboxOptions { Token = "the-token" });
        var repository = github.CreateRepository("rawkode/channel");
        var c1 = repository.Commit("main", "c1", new Dictionary<string, string?> { ["episodes/people/host.yaml"] = "name: Hedy Host\n" });
        var c2 = repository.Commit("main", "c2", new Dictionary<string, string?> { ["episodes/people/host.yaml"] = "name: Hedy Host-Again\n" });
        var beside = repository.CreateCommit(c1, "beside", new Dictionary<string, byte[]?> { ["episodes/people/other.yaml"] = "name: Otto\n"u8.ToArray() });
        var options = new GitHubOptions { Repository = "rawkode/channel", ApiBaseUri = github.BaseAddress, Token = "the-token" };
        using var services = new ServiceCollection().AddSingleton(GitHubClientFactory.Create(options)).BuildServiceProvider();
        var history = new GitBranchHead(options, services);

        // Then the head is c2, c1 is in its past, and neither c2 nor the commit beside it is in c1's or c2's past.
        Assert.Equal(c2, await history.ResolveAsync(CancellationToken.None));
        Assert.True(await history.IsAncestorAsync(c1, c2, CancellationToken.None));
        Assert.True(await history.IsAncestorAsync(c2, c2, CancellationToken.None));
        Assert.False(await history.IsAncestorAsync(c2, c1, CancellationToken.None));
        Assert.False(await history.IsAncestorAsync(beside, c2, CancellationToken.None));
        Assert.False(await history.IsAncestorAsync(new string('1', 40), c2, CancellationToken.None));
    }
}

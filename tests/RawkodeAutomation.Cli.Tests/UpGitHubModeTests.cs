using RawkodeAutomation.GitHub.Sandbox;

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
    }
}

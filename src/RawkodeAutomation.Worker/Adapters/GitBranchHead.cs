using Microsoft.Extensions.DependencyInjection;
using Octokit;
using RawkodeAutomation.GitHub;
using RawkodeAutomation.GitHub.Local;
using RawkodeAutomation.Worker.Activities;

namespace RawkodeAutomation.Worker.Adapters;

/// <summary>
/// <see cref="ICurrentRevision"/> for the configured branch: on GitHub through the branches API
/// (https://docs.github.com/en/rest/branches/branches#get-a-branch), locally through <c>git rev-parse</c>.
/// </summary>
public sealed class GitBranchHead(GitHubOptions options, IServiceProvider services) : ICurrentRevision
{
    public async Task<string> ResolveAsync(CancellationToken cancellationToken)
    {
        if (options.UsesGitHub)
        {
            var (owner, name) = options.RepositoryParts();
            var branch = await services.GetRequiredService<IGitHubClient>().Repository.Branch.Get(owner, name, options.Branch).ConfigureAwait(false);
            return branch.Commit.Sha;
        }
        var git = services.GetRequiredService<GitCli>();
        return (await git.RunAsync(["rev-parse", "--verify", options.Branch + "^{commit}"], cancellationToken: cancellationToken).ConfigureAwait(false)).Trim();
    }
}

using Microsoft.Extensions.DependencyInjection;
using Octokit;
using RawkodeAutomation.GitHub;
using RawkodeAutomation.GitHub.Local;
using RawkodeAutomation.Worker.Activities;

namespace RawkodeAutomation.Worker.Adapters;

/// <summary>
/// <see cref="ICurrentRevision"/> for the configured branch: on GitHub through the Git references API
/// (https://docs.github.com/en/rest/git/refs#get-a-reference, which the GitHub sandbox serves too), locally through
/// <c>git rev-parse</c>.
/// </summary>
public sealed class GitBranchHead(GitHubOptions options, IServiceProvider services) : ICurrentRevision
{
    public async Task<string> ResolveAsync(CancellationToken cancellationToken)
    {
        if (options.UsesGitHub)
        {
            var (owner, name) = options.RepositoryParts();
            var head = await services.GetRequiredService<IGitHubClient>().Git.Reference.Get(owner, name, "heads/" + options.Branch).ConfigureAwait(false);
            return head.Object.Sha;
        }
        var git = services.GetRequiredService<GitCli>();
        return (await git.RunAsync(["rev-parse", "--verify", options.Branch + "^{commit}"], cancellationToken: cancellationToken).ConfigureAwait(false)).Trim();
    }
}

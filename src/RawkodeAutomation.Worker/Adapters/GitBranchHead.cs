using Microsoft.Extensions.DependencyInjection;
using Octokit;
using RawkodeAutomation.GitHub;
using RawkodeAutomation.GitHub.Local;
using RawkodeAutomation.Worker.Activities;
using RawkodeAutomation.Worker.Seams;

namespace RawkodeAutomation.Worker.Adapters;

/// <summary>
/// <see cref="ICurrentRevision"/> and <see cref="ICommitHistory"/> for the configured branch: on GitHub through the Git
/// references API (https://docs.github.com/en/rest/git/refs#get-a-reference) and the compare API
/// (https://docs.github.com/en/rest/commits/commits#compare-two-commits), which the GitHub sandbox serves too; locally
/// through <c>git rev-parse</c> and <c>git merge-base --is-ancestor</c>.
/// </summary>
public sealed class GitBranchHead(GitHubOptions options, IServiceProvider services) : ICurrentRevision, ICommitHistory
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

    public async Task<bool> IsAncestorAsync(string ancestor, string descendant, CancellationToken cancellationToken)
    {
        if (string.Equals(ancestor, descendant, StringComparison.Ordinal))
        {
            return true;
        }
        if (options.UsesGitHub)
        {
            var (owner, name) = options.RepositoryParts();
            try
            {
                // "ahead": descendant has commits the ancestor lacks and lacks none of the ancestor's.
                var compare = await services.GetRequiredService<IGitHubClient>().Repository.Commit.Compare(owner, name, ancestor, descendant).ConfigureAwait(false);
                return compare.Status is "ahead" or "identical";
            }
            catch (NotFoundException)
            {
                return false;
            }
        }
        var git = services.GetRequiredService<GitCli>();
        // Exit 0: an ancestor; 1: not one; anything else (an unknown commit): not one either.
        var (code, _, _) = await git.TryRunAsync(["merge-base", "--is-ancestor", ancestor, descendant], cancellationToken: cancellationToken).ConfigureAwait(false);
        return code == 0;
    }
}

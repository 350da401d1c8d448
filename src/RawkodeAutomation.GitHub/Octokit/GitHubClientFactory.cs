using Octokit;

namespace RawkodeAutomation.GitHub.Octokit;

/// <summary>Builds the Octokit client from <see cref="GitHubOptions"/>.</summary>
public static class GitHubClientFactory
{
    /// <summary>
    /// A client for <see cref="GitHubOptions.ApiBaseUri"/> (Octokit turns a non-github.com address into
    /// <c>&lt;base&gt;/api/v3/</c>) authenticated with <see cref="GitHubOptions.Token"/> (<c>Authorization: Token ...</c>).
    /// </summary>
    public static IGitHubClient Create(GitHubOptions options)
    {
        var product = new ProductHeaderValue("rawkode-automation");
        var client = options.ApiBaseUri is null
            ? new GitHubClient(product)
            : new GitHubClient(product, options.ApiBaseUri);
        if (!string.IsNullOrEmpty(options.Token))
        {
            client.Credentials = new Credentials(options.Token);
        }

        return client;
    }
}

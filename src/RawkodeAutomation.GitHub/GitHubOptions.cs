namespace RawkodeAutomation.GitHub;

/// <summary>
/// The repository that holds <c>episodes/</c>, bound from the <c>GitHub</c> configuration section
/// (environment: <c>GitHub__Repository</c>, ...). Unset <see cref="Repository"/> means "use the local git
/// watcher on this checkout" (docs/configuration.md).
/// </summary>
public sealed class GitHubOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "GitHub";

    /// <summary><c>owner/name</c> of the repository on GitHub. Null means local git.</summary>
    public string? Repository { get; set; }

    /// <summary>The branch whose pushes are reconciled; pushes to any other branch are ignored.</summary>
    public string Branch { get; set; } = "main";

    /// <summary>Token for the REST API (a fine-grained PAT or an installation token). Never logged.</summary>
    public string? Token { get; set; }

    /// <summary>The webhook's shared secret: <c>X-Hub-Signature-256</c> is an HMAC-SHA256 of the body under it. Never logged.</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>
    /// API root. Null means <c>https://api.github.com</c>. Any other host is GitHub Enterprise style:
    /// Octokit appends <c>api/v3/</c> (which the sandbox serves).
    /// </summary>
    public Uri? ApiBaseUri { get; set; }

    /// <summary>Where the webhook endpoint listens.</summary>
    public string WebhookPath { get; set; } = "/webhooks/github";

    /// <summary>
    /// Pushes older than this (by the payload's <c>repository.pushed_at</c>) are rejected as stale. Three days
    /// matches how long GitHub keeps deliveries for redelivery, and how long delivery ids are remembered.
    /// </summary>
    public TimeSpan MaxDeliveryAge { get; set; } = TimeSpan.FromDays(3);

    /// <summary>
    /// Largest webhook body accepted (GitHub caps payloads at 25 MB). A body is streamed through the signature check
    /// and spooled to a temporary file, so an unsigned body costs a few kilobytes of memory whatever its size.
    /// </summary>
    public long MaxWebhookBodyBytes { get; set; } = 25L * 1024 * 1024;

    /// <summary>
    /// How many webhook bodies may be read (not yet authenticated) at once; a request beyond that is answered 503
    /// with Retry-After before its body is read. GitHub sends deliveries one by one, so a few slots are plenty.
    /// </summary>
    public int MaxConcurrentWebhookReads { get; set; } = 8;

    /// <summary>How many delivery ids are remembered at most (oldest forgotten first).</summary>
    public int DeliveryStoreCapacity { get; set; } = 200_000;

    /// <summary>Optional file that remembers delivery ids across restarts (append-only). Null keeps them in memory.</summary>
    public string? DeliveryStorePath { get; set; }

    /// <summary>The commit status context shown on GitHub.</summary>
    public string StatusContext { get; set; } = "rawkode/episodes";

    /// <summary>Link for a commit's status; <c>{sha}</c> is replaced by the commit sha. Null means no link.</summary>
    public string? RunUrlTemplate { get; set; }

    /// <summary>Author and committer name of write-back commits.</summary>
    public string CommitterName { get; set; } = "rawkode-automation";

    /// <summary>Author and committer e-mail of write-back commits.</summary>
    public string CommitterEmail { get; set; } = "rawkode-automation@users.noreply.github.com";

    /// <summary>How many times a write-back retries after a conflicting concurrent change before giving up.</summary>
    public int WriteBackMaxAttempts { get; set; } = 5;

    /// <summary>Local repository watched when <see cref="Repository"/> is unset. Null means the current directory.</summary>
    public string? LocalRepositoryPath { get; set; }

    /// <summary>How often the local watcher polls the branch head.</summary>
    public TimeSpan LocalPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>True when a GitHub repository is configured (else the local git path is used).</summary>
    public bool UsesGitHub => !string.IsNullOrWhiteSpace(Repository);

    /// <summary>The status target URL for a commit, or null.</summary>
    public string? RunUrlFor(string sha) => RunUrlTemplate?.Replace("{sha}", sha, StringComparison.Ordinal);

    /// <summary>Splits <see cref="Repository"/> into owner and name, with an actionable error when malformed.</summary>
    public (string Owner, string Name) RepositoryParts()
    {
        var parts = (Repository ?? "").Split('/', StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            throw new InvalidOperationException(
                $"GitHub:Repository must be 'owner/name' (got '{Repository}'). Set it in configuration or the GitHub__Repository environment variable.");
        }

        return (parts[0], parts[1]);
    }
}

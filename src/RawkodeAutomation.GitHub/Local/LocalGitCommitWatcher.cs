using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace RawkodeAutomation.GitHub.Local;

/// <summary>
/// Watches a branch of a local repository and raises each new head through <see cref="ICommitSink"/>, the same path
/// push webhooks take. Like a push, several commits made between two polls arrive as one observation
/// (<c>before..after</c>); a rewritten branch (amend, reset, rebase) arrives with <see cref="CommitObserved.Forced"/>.
/// </summary>
public sealed class LocalGitCommitWatcher
{
    private readonly GitCli _git;
    private readonly string _branch;
    private readonly ICommitSink _sink;
    private readonly ILogger _logger;

    /// <param name="git">The repository.</param>
    /// <param name="branch">The branch to watch.</param>
    /// <param name="sink">Where observed commits go.</param>
    /// <param name="lastSeen">The head already processed (null: the first poll reports the current head as new, with no <c>before</c>).</param>
    /// <param name="logger">Optional logger.</param>
    public LocalGitCommitWatcher(GitCli git, string branch, ICommitSink sink, string? lastSeen = null, ILogger? logger = null)
    {
        _git = git;
        _branch = branch;
        _sink = sink;
        LastSeen = lastSeen;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The head most recently handed to the sink.</summary>
    public string? LastSeen { get; private set; }

    /// <summary>Checks the branch once; returns the observation made, or null when nothing changed.</summary>
    public async Task<CommitObserved?> PollOnceAsync(CancellationToken cancellationToken)
    {
        var head = await _git.ResolveAsync("refs/heads/" + _branch, cancellationToken).ConfigureAwait(false);
        if (head is null || string.Equals(head, LastSeen, StringComparison.Ordinal))
        {
            return null;
        }

        var forced = LastSeen is not null && !await IsAncestorAsync(LastSeen, head, cancellationToken).ConfigureAwait(false);
        var commit = new CommitObserved(_git.RepositoryPath, _branch, head, LastSeen, forced);
        await _sink.CommitObservedAsync(commit, cancellationToken).ConfigureAwait(false);
        // Only after the sink took it: a failed hand-off is retried on the next poll.
        LastSeen = head;
        _logger.LogInformation("Local commit {Sha} on {Branch} observed{Forced}", GitShas.Short(head), _branch, forced ? " (history rewritten)" : "");
        return commit;
    }

    /// <summary>Polls every <paramref name="interval"/> until cancelled; a failing poll is logged and retried.</summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        do
        {
            try
            {
                await PollOnceAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogWarning("Watching {Branch} in {Repository} failed, retrying: {Error}", _branch, _git.RepositoryPath, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }

    private async Task<bool> IsAncestorAsync(string ancestor, string head, CancellationToken cancellationToken)
    {
        var (code, _, _) = await _git.TryRunAsync(["merge-base", "--is-ancestor", ancestor, head], cancellationToken: cancellationToken).ConfigureAwait(false);
        return code == 0;
    }
}

/// <summary>Runs a <see cref="LocalGitCommitWatcher"/> on <see cref="GitHubOptions.LocalRepositoryPath"/> for the host's lifetime.</summary>
public sealed class LocalGitWatcherService(IOptions<GitHubOptions> options, ICommitSink sink, ILogger<LocalGitWatcherService> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var git = new GitCli(settings.LocalRepositoryPath ?? Directory.GetCurrentDirectory());
        var watcher = new LocalGitCommitWatcher(git, settings.Branch, sink, logger: logger);
        logger.LogInformation("Watching branch {Branch} of {Repository} for new commits", settings.Branch, git.RepositoryPath);
        return watcher.RunAsync(settings.LocalPollInterval, stoppingToken);
    }
}

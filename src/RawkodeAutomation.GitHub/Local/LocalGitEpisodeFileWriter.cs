using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace RawkodeAutomation.GitHub.Local;

/// <summary>
/// <see cref="IEpisodeFileWriter"/> for a local repository. The commit is built with plumbing (a private index, so the
/// user's staging area is untouched) on top of the branch head, and the branch moves with
/// <c>git update-ref &lt;branch&gt; &lt;new&gt; &lt;old&gt;</c>: a compare-and-swap, so a commit made meanwhile by a human makes
/// the update fail and the edit is re-applied on the new head. When the branch is checked out, the file is refused
/// while it has uncommitted changes (they would be silently reverted), and is otherwise updated in the work tree too.
/// </summary>
public sealed class LocalGitEpisodeFileWriter(GitCli git, GitHubOptions options, ILogger<LocalGitEpisodeFileWriter>? logger = null) : IEpisodeFileWriter
{
    private readonly ILogger _logger = logger ?? NullLogger<LocalGitEpisodeFileWriter>.Instance;

    /// <inheritdoc />
    public async Task<FileWriteResult> UpdateAsync(string path, Func<byte[]?, byte[]?> edit, string message, CancellationToken cancellationToken)
    {
        var branchRef = "refs/heads/" + options.Branch;
        for (var attempt = 1; attempt <= options.WriteBackMaxAttempts; attempt++)
        {
            var head = await git.ResolveAsync(branchRef, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Branch {options.Branch} does not exist in {git.RepositoryPath}.");
            var listing = await git.ListFilesAsync(head, path, cancellationToken).ConfigureAwait(false);
            byte[]? current = null;
            if (listing.TryGetValue(path, out var blob))
            {
                current = (await git.ReadBlobsAsync([blob], cancellationToken).ConfigureAwait(false))[blob];
            }

            var next = edit(current);
            if (next is null || (current is not null && next.AsSpan().SequenceEqual(current)))
            {
                return new FileWriteResult(false, null, attempt);
            }

            var checkedOut = await IsCheckedOutAsync(branchRef, cancellationToken).ConfigureAwait(false);
            if (checkedOut && await HasLocalChangesAsync(path, cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException(
                    $"{path} has uncommitted changes in {git.RepositoryPath}; commit or discard them so the automation can record its change.");
            }

            var newBlob = await git.RunAsync(["hash-object", "-w", "--stdin"], next, cancellationToken: cancellationToken).ConfigureAwait(false);
            var commit = await CommitAsync(head, path, newBlob, message, cancellationToken).ConfigureAwait(false);
            var (code, _, _) = await git.TryRunAsync(["update-ref", "-m", "rawkode write-back", branchRef, commit, head], cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            if (code != 0)
            {
                _logger.LogInformation("Write-back of {Path} raced a concurrent commit (attempt {Attempt}); retrying on the new head", path, attempt);
                continue;
            }

            if (checkedOut)
            {
                // Keep the checkout consistent with the branch it shows.
                var full = Path.Combine(git.RepositoryPath, path);
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                await File.WriteAllBytesAsync(full, next, cancellationToken).ConfigureAwait(false);
                await git.RunAsync(["update-index", "--add", "--cacheinfo", $"100644,{newBlob},{path}"], cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            return new FileWriteResult(true, commit, attempt);
        }

        throw new InvalidOperationException(
            $"Could not commit {path} to {options.Branch} in {git.RepositoryPath}: it kept changing concurrently ({options.WriteBackMaxAttempts} attempts).");
    }

    private async Task<string> CommitAsync(string head, string path, string blob, string message, CancellationToken cancellationToken)
    {
        var index = Path.Combine(Path.GetTempPath(), $"rawkode-index-{Guid.NewGuid():N}");
        try
        {
            var env = new Dictionary<string, string>
            {
                ["GIT_INDEX_FILE"] = index,
                ["GIT_AUTHOR_NAME"] = options.CommitterName,
                ["GIT_AUTHOR_EMAIL"] = options.CommitterEmail,
                ["GIT_COMMITTER_NAME"] = options.CommitterName,
                ["GIT_COMMITTER_EMAIL"] = options.CommitterEmail,
            };
            await git.RunAsync(["read-tree", head], env: env, cancellationToken: cancellationToken).ConfigureAwait(false);
            await git.RunAsync(["update-index", "--add", "--cacheinfo", $"100644,{blob},{path}"], env: env, cancellationToken: cancellationToken).ConfigureAwait(false);
            var tree = await git.RunAsync(["write-tree"], env: env, cancellationToken: cancellationToken).ConfigureAwait(false);
            return await git.RunAsync(["commit-tree", tree, "-p", head, "-F", "-"], System.Text.Encoding.UTF8.GetBytes(message), env, cancellationToken)
                .ConfigureAwait(false);
        }
        finally
        {
            File.Delete(index);
        }
    }

    private async Task<bool> IsCheckedOutAsync(string branchRef, CancellationToken cancellationToken)
    {
        if (await git.RunAsync(["rev-parse", "--is-bare-repository"], cancellationToken: cancellationToken).ConfigureAwait(false) == "true")
        {
            return false;
        }

        var (code, stdout, _) = await git.TryRunAsync(["symbolic-ref", "-q", "HEAD"], cancellationToken: cancellationToken).ConfigureAwait(false);
        return code == 0 && System.Text.Encoding.UTF8.GetString(stdout).Trim() == branchRef;
    }

    private async Task<bool> HasLocalChangesAsync(string path, CancellationToken cancellationToken)
    {
        var (code, _, _) = await git.TryRunAsync(["diff", "--quiet", "HEAD", "--", path], cancellationToken: cancellationToken).ConfigureAwait(false);
        return code != 0;
    }
}

/// <summary>Commit statuses for local git, where there is no GitHub to show them: logged, and kept for the last commits.</summary>
public sealed class LoggingCommitStatusReporter(ILogger<LoggingCommitStatusReporter>? logger = null) : ICommitStatusReporter
{
    private readonly ILogger _logger = logger ?? NullLogger<LoggingCommitStatusReporter>.Instance;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, CommitStatusReport> _latest = new(StringComparer.Ordinal);

    /// <summary>The most recent report per commit sha.</summary>
    public IReadOnlyDictionary<string, CommitStatusReport> Latest => _latest;

    /// <inheritdoc />
    public Task ReportAsync(string sha, CommitStatusReport report, CancellationToken cancellationToken)
    {
        _latest[sha] = report;
        var level = report.State is CommitStatusState.Failure or CommitStatusState.Error ? LogLevel.Warning : LogLevel.Information;
        _logger.Log(level, "Commit {Sha}: {State}: {Summary}", GitShas.Short(sha), report.State, report.Summary);
        foreach (var line in report.Details ?? [])
        {
            _logger.Log(level, "  {Detail}", line);
        }

        return Task.CompletedTask;
    }
}

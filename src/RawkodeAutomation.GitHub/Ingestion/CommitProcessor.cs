namespace RawkodeAutomation.GitHub.Ingestion;

/// <summary>
/// Validates the whole <c>episodes/</c> tree of a commit. Errors are returned, all at once, each as
/// <c>path:line:column: message</c>. The production implementation wraps the domain's
/// <c>RawkodeAutomation.Episodes.Loading.EpisodeLoader</c>.
/// </summary>
public interface IEpisodeValidator
{
    /// <summary>Every error in <paramref name="files"/> (repo-relative path → content); empty when valid.</summary>
    IReadOnlyList<string> Validate(IReadOnlyDictionary<string, byte[]> files);
}

/// <summary>A commit whose episodes are valid, with what changed since the previous head.</summary>
public sealed record ValidatedCommit(CommitObserved Commit, IReadOnlyDictionary<string, byte[]> Files, IReadOnlyList<ChangedPath> Changes);

/// <summary>What the pipeline does with a valid commit (e.g. signal the affected entity workflows).</summary>
public interface IValidatedCommitHandler
{
    /// <summary>Acts on the commit and returns a one-line summary for its status (e.g. "2 episodes updated").</summary>
    Task<string> HandleAsync(ValidatedCommit commit, CancellationToken cancellationToken);
}

/// <summary>The result of processing one commit.</summary>
/// <param name="Valid">False when validation failed (then nothing was handed on).</param>
/// <param name="Errors">Every validation error.</param>
/// <param name="Changes">Paths under <c>episodes/</c> that changed since <see cref="CommitObserved.Before"/>.</param>
public sealed record CommitOutcome(bool Valid, IReadOnlyList<string> Errors, IReadOnlyList<ChangedPath> Changes);

/// <summary>
/// The ingestion step for one observed commit: status pending → read <c>episodes/</c> at exactly that commit →
/// validate everything → on any error, status failure listing every error and nothing else happens; otherwise hand
/// the commit to <see cref="IValidatedCommitHandler"/> and set status success. Used the same way for webhooks and
/// the local watcher; the pipeline may call it from an activity.
/// </summary>
public sealed class CommitProcessor(
    IEpisodeSource source,
    ICommitStatusReporter reporter,
    IEpisodeValidator validator,
    IValidatedCommitHandler handler)
{
    /// <summary>Processes <paramref name="commit"/>. Failures of the pipeline itself set status error and rethrow.</summary>
    public async Task<CommitOutcome> ProcessAsync(CommitObserved commit, CancellationToken cancellationToken)
    {
        var sha = commit.Sha;
        await reporter.ReportAsync(sha, new CommitStatusReport(CommitStatusState.Pending, $"Validating episodes at {GitShas.Short(sha)}"), cancellationToken)
            .ConfigureAwait(false);
        try
        {
            var files = await source.GetEpisodeFilesAsync(sha, cancellationToken).ConfigureAwait(false);
            var changes = await source.GetChangedPathsAsync(commit.Before, sha, cancellationToken).ConfigureAwait(false);
            var errors = validator.Validate(files);
            if (errors.Count > 0)
            {
                var summary = errors.Count == 1 ? $"1 error: {errors[0]}" : $"{errors.Count} errors; first: {errors[0]}";
                await reporter.ReportAsync(sha, new CommitStatusReport(CommitStatusState.Failure, summary, errors), cancellationToken).ConfigureAwait(false);
                return new CommitOutcome(false, errors, changes);
            }

            var done = await handler.HandleAsync(new ValidatedCommit(commit, files, changes), cancellationToken).ConfigureAwait(false);
            await reporter.ReportAsync(sha, new CommitStatusReport(CommitStatusState.Success, done), cancellationToken).ConfigureAwait(false);
            return new CommitOutcome(true, [], changes);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await reporter.ReportAsync(sha, new CommitStatusReport(CommitStatusState.Error, $"Pipeline error: {e.Message}"), CancellationToken.None)
                .ConfigureAwait(false);
            throw;
        }
    }
}

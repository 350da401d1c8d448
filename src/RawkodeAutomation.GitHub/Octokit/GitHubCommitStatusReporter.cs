using System.Text;
using Octokit;

namespace RawkodeAutomation.GitHub.Octokit;

/// <summary>
/// <see cref="ICommitStatusReporter"/> as a GitHub commit status
/// (<see href="https://docs.github.com/en/rest/commits/statuses#create-a-commit-status"/>). A status description holds
/// 140 characters, so when a report has details (every validation error) they are also posted as one commit comment
/// (<see href="https://docs.github.com/en/rest/commits/comments#create-a-commit-comment"/>).
/// </summary>
public sealed class GitHubCommitStatusReporter(IGitHubClient client, GitHubOptions options) : ICommitStatusReporter
{
    /// <summary>GitHub rejects longer status descriptions.</summary>
    public const int MaxDescriptionLength = 140;

    private readonly (string Owner, string Name) _repo = options.RepositoryParts();

    /// <inheritdoc />
    public async Task ReportAsync(string sha, CommitStatusReport report, CancellationToken cancellationToken)
    {
        var status = new NewCommitStatus
        {
            State = report.State switch
            {
                CommitStatusState.Pending => CommitState.Pending,
                CommitStatusState.Success => CommitState.Success,
                CommitStatusState.Failure => CommitState.Failure,
                _ => CommitState.Error,
            },
            Description = Truncate(report.Summary),
            Context = options.StatusContext,
            TargetUrl = report.TargetUrl ?? options.RunUrlFor(sha),
        };
        await client.Repository.Status.Create(_repo.Owner, _repo.Name, sha, status).ConfigureAwait(false);

        if (report.Details is { Count: > 0 } details)
        {
            // Reports are retried (activity retries, redeliveries): post each distinct comment once.
            var body = CommentBody(report, details);
            var existing = await client.Repository.Comment.GetAllForCommit(_repo.Owner, _repo.Name, sha).ConfigureAwait(false);
            if (!existing.Any(c => string.Equals(c.Body, body, StringComparison.Ordinal)))
            {
                await client.Repository.Comment.Create(_repo.Owner, _repo.Name, sha, new NewCommitComment(body)).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Cuts a summary to what GitHub accepts, with an ellipsis so the cut is visible.</summary>
    public static string Truncate(string summary)
    {
        var line = summary.ReplaceLineEndings(" ");
        return line.Length <= MaxDescriptionLength ? line : string.Concat(line.AsSpan(0, MaxDescriptionLength - 1), "…");
    }

    private string CommentBody(CommitStatusReport report, IReadOnlyList<string> details)
    {
        var body = new StringBuilder();
        body.Append("**").Append(options.StatusContext).Append(": ").Append(report.State.ToString().ToLowerInvariant())
            .Append("**: ").AppendLine(report.Summary).AppendLine().AppendLine("```");
        foreach (var line in details)
        {
            // A fence inside a detail would end the code block early.
            body.AppendLine(line.Replace("```", "'''", StringComparison.Ordinal));
        }

        return body.AppendLine("```").ToString();
    }
}

using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Octokit;

namespace RawkodeAutomation.GitHub.Octokit;

/// <summary>
/// <see cref="IEpisodeFileWriter"/> through the contents API
/// (<see href="https://docs.github.com/en/rest/repos/contents#create-or-update-file-contents"/>): the update names the
/// blob sha it was computed from, GitHub refuses it with 409 when the file changed meanwhile, and the edit is then
/// re-applied to the new content. The commit lands on top of the branch head, so other files' concurrent changes stay.
/// </summary>
public sealed class GitHubEpisodeFileWriter(IGitHubClient client, GitHubOptions options, ILogger<GitHubEpisodeFileWriter>? logger = null)
    : IEpisodeFileWriter
{
    private readonly (string Owner, string Name) _repo = options.RepositoryParts();
    private readonly ILogger _logger = logger ?? NullLogger<GitHubEpisodeFileWriter>.Instance;

    /// <inheritdoc />
    public async Task<FileWriteResult> UpdateAsync(string path, Func<byte[]?, byte[]?> edit, string message, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= options.WriteBackMaxAttempts; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (current, blobSha) = await ReadAsync(path).ConfigureAwait(false);
            var next = edit(current);
            if (next is null || (current is not null && next.AsSpan().SequenceEqual(current)))
            {
                return new FileWriteResult(false, null, attempt);
            }

            var content = Convert.ToBase64String(next);
            var committer = new Committer(options.CommitterName, options.CommitterEmail, DateTimeOffset.UtcNow);
            try
            {
                RepositoryContentChangeSet change = blobSha is null
                    ? await client.Repository.Content.CreateFile(_repo.Owner, _repo.Name, path,
                        new CreateFileRequest(message, content, options.Branch, convertContentToBase64: false) { Committer = committer, Author = committer })
                        .ConfigureAwait(false)
                    : await client.Repository.Content.UpdateFile(_repo.Owner, _repo.Name, path,
                        new UpdateFileRequest(message, content, blobSha, options.Branch, convertContentToBase64: false) { Committer = committer, Author = committer })
                        .ConfigureAwait(false);
                return new FileWriteResult(true, change.Commit.Sha, attempt);
            }
            catch (ApiException e) when (IsConflict(e))
            {
                // Someone changed the file (or created it) since we read it: read again and re-apply the edit on top.
                _logger.LogInformation("Write-back of {Path} conflicted with a concurrent change (attempt {Attempt}); retrying on the new head", path, attempt);
            }
        }

        throw new InvalidOperationException(
            $"Could not commit {path} to {options.Repository}@{options.Branch}: it kept changing concurrently ({options.WriteBackMaxAttempts} attempts).");
    }

    private static bool IsConflict(ApiException e) =>
        e.StatusCode == HttpStatusCode.Conflict
        // Creating a file that appeared meanwhile: GitHub says 422 "sha wasn't supplied".
        || (e.StatusCode == HttpStatusCode.UnprocessableEntity && e.Message.Contains("sha", StringComparison.OrdinalIgnoreCase));

    private async Task<(byte[]? Content, string? BlobSha)> ReadAsync(string path)
    {
        try
        {
            var items = await client.Repository.Content.GetAllContentsByRef(_repo.Owner, _repo.Name, path, options.Branch).ConfigureAwait(false);
            var file = items.FirstOrDefault(i => i.Type.Value == ContentType.File)
                ?? throw new InvalidOperationException($"{path} in {options.Repository}@{options.Branch} is not a file.");
            return (Convert.FromBase64String(file.EncodedContent ?? ""), file.Sha);
        }
        catch (NotFoundException)
        {
            return (null, null);
        }
    }
}

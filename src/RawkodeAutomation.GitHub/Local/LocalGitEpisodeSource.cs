using RawkodeAutomation.GitHub.Octokit;

namespace RawkodeAutomation.GitHub.Local;

/// <summary><see cref="IEpisodeSource"/> over a local repository via the git CLI (reads objects, never the work tree).</summary>
public sealed class LocalGitEpisodeSource(GitCli git) : IEpisodeSource
{
    private const string Root = "episodes";

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<string, byte[]>> GetEpisodeFilesAsync(string sha, CancellationToken cancellationToken)
    {
        var listing = await git.ListFilesAsync(sha, Root, cancellationToken).ConfigureAwait(false);
        var blobs = await git.ReadBlobsAsync(listing.Values, cancellationToken).ConfigureAwait(false);
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (path, blob) in listing)
        {
            files[path] = blobs[blob];
        }

        return files;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ChangedPath>> GetChangedPathsAsync(string? fromSha, string toSha, CancellationToken cancellationToken)
    {
        var after = await git.ListFilesAsync(toSha, Root, cancellationToken).ConfigureAwait(false);
        var before = GitShas.IsNone(fromSha)
            ? new Dictionary<string, string>()
            : await git.ListFilesAsync(fromSha!, Root, cancellationToken).ConfigureAwait(false);
        return TreeDiff.Diff(before, after);
    }
}

using RawkodeAutomation.GitHub.Octokit;

namespace RawkodeAutomation.GitHub.Local;

/// <summary>
/// <see cref="IEpisodeSource"/> over a local repository via the git CLI: files through the domain area's
/// <see cref="GitRevisionReader"/> (objects at the commit, never the work tree), changed paths by diffing two listings.
/// </summary>
public sealed class LocalGitEpisodeSource(GitCli git) : IEpisodeSource
{
    private const string Root = "episodes";

    private readonly GitRevisionReader _reader = new(git.RepositoryPath);

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<string, byte[]>> GetEpisodeFilesAsync(string sha, CancellationToken cancellationToken)
    {
        var files = await _reader.ReadAsync(sha, Root + "/", cancellationToken).ConfigureAwait(false);
        return new SortedDictionary<string, byte[]>(files.ToDictionary(), StringComparer.Ordinal);
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

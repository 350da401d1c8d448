using RawkodeAutomation.GitHub.Octokit;

namespace RawkodeAutomation.GitHub.Local;

/// <summary>
/// <see cref="IEpisodeSource"/> over a local repository via the git CLI: files through the domain area's
/// <see cref="GitRevisionReader"/> (objects at the commit, never the work tree).
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
}

using RawkodeAutomation.Episodes.Loading;

namespace RawkodeAutomation.GitHub.Local;

/// <summary>
/// Reads the files under a folder (by default <c>episodes/</c>) of a local checkout, either at a git
/// revision or from the working tree, by running the <c>git</c> CLI: <c>git ls-tree -r -z</c> lists the
/// blobs and one <c>git cat-file --batch</c> process streams their contents
/// (https://git-scm.com/docs/git-cat-file#_batch_output). Keys are repository-relative paths with
/// forward slashes, as <c>EpisodeLoader.Load</c> expects. Every git call goes through <see cref="GitCli"/>;
/// failures are <see cref="GitException"/>s.
/// </summary>
public sealed class GitRevisionReader(string repositoryRoot)
{
    private readonly GitCli _git = new(repositoryRoot);

    /// <summary>The checkout this reader works on.</summary>
    public string RepositoryRoot => _git.RepositoryPath;

    /// <summary>
    /// Reads every file under <paramref name="folder"/> at <paramref name="revision"/>, or from the working
    /// tree when <paramref name="revision"/> is null.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, byte[]>> ReadAsync(string? revision, string folder = "episodes/", CancellationToken cancellationToken = default)
    {
        return revision is null
            ? ReadWorkingTree(folder)
            : await ReadRevisionAsync(revision, folder, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Resolves a revision (branch, tag, HEAD~1, sha) to a full commit id.</summary>
    public async Task<string> ResolveAsync(string revision, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _git.RunAsync(["rev-parse", "--verify", "--quiet", revision + "^{commit}"], cancellationToken: cancellationToken)
                .ConfigureAwait(false);
        }
        catch (GitException ex) when (!ex.Message.Contains("not a git repository", StringComparison.OrdinalIgnoreCase))
        {
            throw new GitException($"'{revision}' is not a commit in {RepositoryRoot} (try HEAD, a branch, a tag or a commit id)");
        }
    }

    /// <summary>True when <paramref name="revision"/> names a commit (false e.g. for HEAD in a repository without commits).</summary>
    public async Task<bool> ExistsAsync(string revision, CancellationToken cancellationToken = default)
    {
        try
        {
            await ResolveAsync(revision, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (GitException)
        {
            return false;
        }
    }

    private Dictionary<string, byte[]> ReadWorkingTree(string folder) => EpisodeFiles.ReadWorkingTree(RepositoryRoot, folder);

    private async Task<Dictionary<string, byte[]>> ReadRevisionAsync(string revision, string folder, CancellationToken cancellationToken)
    {
        var commit = await ResolveAsync(revision, cancellationToken).ConfigureAwait(false);
        var entries = await _git.ListTreeAsync(commit, folder, cancellationToken).ConfigureAwait(false);
        var files = entries.Where(e => !e.IsRegularFile).ToDictionary(e => e.Path, e => EpisodeFiles.Unreadable(e.WhyNotRead), StringComparer.Ordinal);
        var blobs = entries.Where(e => e.IsRegularFile).ToList();
        var contents = await _git.ReadBlobsAsync(blobs.Select(b => b.Sha).ToList(), cancellationToken).ConfigureAwait(false);
        foreach (var blob in blobs)
        {
            files[blob.Path] = contents[blob.Sha];
        }

        return files;
    }
}

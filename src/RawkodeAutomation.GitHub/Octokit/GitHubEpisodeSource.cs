using System.Collections.Concurrent;
using Octokit;
using RawkodeAutomation.Episodes.Loading;
using RawkodeAutomation.GitHub.Local;

namespace RawkodeAutomation.GitHub.Octokit;

/// <summary>
/// <see cref="IEpisodeSource"/> over the Git Database API: commit → root tree → the <c>episodes</c> subtree
/// (recursively) → blobs. Blobs are content-addressed, so they are cached by sha and a commit that changes one
/// file costs one blob read.
/// See <see href="https://docs.github.com/en/rest/git/trees#get-a-tree"/> and
/// <see href="https://docs.github.com/en/rest/git/blobs#get-a-blob"/>.
/// </summary>
public sealed class GitHubEpisodeSource : IEpisodeSource
{
    private const string Root = "episodes";
    private const int BlobCacheCapacity = 20_000;
    private readonly IGitHubClient _client;
    private readonly string _owner;
    private readonly string _name;
    private const int ListingCacheCapacity = 256;
    private readonly ConcurrentDictionary<string, byte[]> _blobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Listing> _listings = new(StringComparer.Ordinal);

    /// <summary>A commit's <c>episodes/</c>: path → blob sha of every entry, and why the entries that are not regular files are not read.</summary>
    private sealed record Listing(Dictionary<string, string> Shas, Dictionary<string, string> NotRead);

    public GitHubEpisodeSource(IGitHubClient client, GitHubOptions options)
    {
        _client = client;
        (_owner, _name) = options.RepositoryParts();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<string, byte[]>> GetEpisodeFilesAsync(string sha, CancellationToken cancellationToken)
    {
        var listing = await ListAsync(sha).ConfigureAwait(false);
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (path, why) in listing.NotRead)
        {
            files[path] = EpisodeFiles.Unreadable(why);
        }

        var entries = listing.Shas.Where(e => !listing.NotRead.ContainsKey(e.Key));
        // A handful of requests in flight at once: fast without tripping GitHub's secondary rate limits.
        using var gate = new SemaphoreSlim(8);
        var reads = entries.Select(async entry =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return (entry.Key, Content: await ReadBlobAsync(entry.Value).ConfigureAwait(false));
            }
            finally
            {
                gate.Release();
            }
        });
        foreach (var (path, content) in await Task.WhenAll(reads).ConfigureAwait(false))
        {
            files[path] = content;
        }

        return files;
    }

    /// <summary>path → blob sha of every file under <c>episodes/</c> at a commit (cached: a commit never changes).</summary>
    private async Task<Listing> ListAsync(string commitSha)
    {
        if (_listings.TryGetValue(commitSha, out var cached))
        {
            return cached;
        }

        var listing = await ReadListingAsync(commitSha).ConfigureAwait(false);
        if (_listings.Count >= ListingCacheCapacity)
        {
            _listings.Clear();
        }

        // Only full 40-hex shas are cached: a branch name or short sha could mean another commit later.
        if (commitSha.Length == 40)
        {
            _listings[commitSha] = listing;
        }

        return listing;
    }

    private async Task<Listing> ReadListingAsync(string commitSha)
    {
        var result = new Listing(new Dictionary<string, string>(StringComparer.Ordinal), new Dictionary<string, string>(StringComparer.Ordinal));
        Commit commit;
        try
        {
            commit = await _client.Git.Commit.Get(_owner, _name, commitSha).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            throw new InvalidOperationException($"Commit {commitSha} does not exist in {_owner}/{_name} (or the token cannot read it).");
        }

        var root = await _client.Git.Tree.Get(_owner, _name, commit.Tree.Sha).ConfigureAwait(false);
        var episodes = root.Tree.FirstOrDefault(t => t.Path == Root && t.Type.Value == TreeType.Tree);
        if (episodes is null)
        {
            return result;
        }

        var tree = await _client.Git.Tree.GetRecursive(_owner, _name, episodes.Sha).ConfigureAwait(false);
        if (tree.Truncated)
        {
            throw new InvalidOperationException(
                $"GitHub truncated the tree of {Root}/ at {commitSha} in {_owner}/{_name}: too many files for one recursive read.");
        }

        // A symbolic link's blob is its target path and a submodule has no blob here: neither is read as a file,
        // each is reported by the loader under its path (https://docs.github.com/en/rest/git/trees#get-a-tree: mode).
        foreach (var item in tree.Tree.Where(t => t.Type.Value is TreeType.Blob or TreeType.Commit))
        {
            var path = $"{Root}/{item.Path}";
            result.Shas[path] = item.Sha;
            if (item.Type.Value == TreeType.Commit || item.Mode is not ("100644" or "100755" or "100664"))
            {
                result.NotRead[path] = new GitTreeEntry(path, item.Mode, item.Type.Value == TreeType.Commit ? "commit" : "blob", item.Sha).WhyNotRead;
            }
        }

        return result;
    }

    private async Task<byte[]> ReadBlobAsync(string blobSha)
    {
        if (_blobs.TryGetValue(blobSha, out var cached))
        {
            return cached;
        }

        var blob = await _client.Git.Blob.Get(_owner, _name, blobSha).ConfigureAwait(false);
        var bytes = blob.Encoding.Value == EncodingType.Base64
            ? Convert.FromBase64String(blob.Content)
            : System.Text.Encoding.UTF8.GetBytes(blob.Content);
        if (_blobs.Count >= BlobCacheCapacity)
        {
            // Crude but bounded: the cache only saves requests, so dropping it all is always safe.
            _blobs.Clear();
        }

        _blobs[blobSha] = bytes;
        return bytes;
    }
}

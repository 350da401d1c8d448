using System.Security.Cryptography;
using System.Text;

namespace RawkodeAutomation.GitHub.Sandbox;

/// <summary>A git person line.</summary>
public sealed record GitSignature(string Name, string Email, DateTimeOffset Date);

/// <summary>A commit object in the sandbox.</summary>
public sealed record GitCommitObject(string Sha, string TreeSha, IReadOnlyList<string> Parents, string Message, GitSignature Author, GitSignature Committer);

/// <summary>One entry of a tree object.</summary>
public sealed record GitTreeEntry(string Name, string Mode, string Type, string Sha);

/// <summary>A branch moved: what GitHub reports as a push.</summary>
public sealed record BranchUpdate(string Branch, string? Before, string After, bool Forced);

/// <summary>A commit status as stored by the sandbox.</summary>
public sealed record SandboxStatus(long Id, string Sha, string State, string? Description, string? TargetUrl, string Context, DateTimeOffset CreatedAt);

/// <summary>A comment (commit or issue) as stored by the sandbox.</summary>
public sealed record SandboxComment(long Id, string Target, string Body, string User, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>
/// An in-memory git repository with real git object ids (SHA-1 over the canonical object encoding, so shas match what
/// the git CLI computes for the same content): blobs, trees, commits, branches, plus the GitHub-side records
/// (statuses, commit and issue comments). Thread-safe.
/// </summary>
public sealed class SandboxRepository
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, byte[]> _blobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<GitTreeEntry>> _trees = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GitCommitObject> _commits = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _branches = new(StringComparer.Ordinal);
    private readonly List<SandboxStatus> _statuses = [];
    private readonly List<SandboxComment> _commitComments = [];
    private readonly List<SandboxComment> _issueComments = [];
    private readonly TimeProvider _time;
    private long _nextId = 1;

    internal SandboxRepository(string owner, string name, string defaultBranch, TimeProvider time)
    {
        Owner = owner;
        Name = name;
        DefaultBranch = defaultBranch;
        _time = time;
    }

    /// <summary>The owner (user or organisation) login.</summary>
    public string Owner { get; }

    /// <summary>The repository name.</summary>
    public string Name { get; }

    /// <summary><c>owner/name</c>.</summary>
    public string FullName => $"{Owner}/{Name}";

    /// <summary>The default branch.</summary>
    public string DefaultBranch { get; }

    /// <summary>Raised after a branch moved (commit, force-push, contents API write), outside the repository lock.</summary>
    public event Action<SandboxRepository, BranchUpdate>? BranchMoved;

    /// <summary>The commit a branch points at, or null.</summary>
    public string? Head(string branch)
    {
        lock (_lock)
        {
            return _branches.GetValueOrDefault(branch);
        }
    }

    /// <summary>
    /// Commits <paramref name="changes"/> (path → content; null deletes) on top of <paramref name="branch"/> and moves the
    /// branch, like a human's <c>git commit</c> + <c>git push</c>. Returns the new commit sha.
    /// </summary>
    public string Commit(string branch, string message, IReadOnlyDictionary<string, byte[]?> changes, GitSignature? author = null)
    {
        string? parent;
        string sha;
        lock (_lock)
        {
            parent = _branches.GetValueOrDefault(branch);
            sha = CreateCommitLocked(parent, message, changes, author);
            _branches[branch] = sha;
        }

        BranchMoved?.Invoke(this, new BranchUpdate(branch, parent, sha, false));
        return sha;
    }

    /// <summary>Same as <see cref="Commit(string,string,IReadOnlyDictionary{string,byte[]},GitSignature)"/> with text files.</summary>
    public string Commit(string branch, string message, IReadOnlyDictionary<string, string?> changes, GitSignature? author = null) =>
        Commit(branch, message, changes.ToDictionary(kv => kv.Key, kv => kv.Value is null ? null : Encoding.UTF8.GetBytes(kv.Value)), author);

    /// <summary>Creates a commit on <paramref name="parent"/> (null: a root commit) without moving any branch.</summary>
    public string CreateCommit(string? parent, string message, IReadOnlyDictionary<string, byte[]?> changes, GitSignature? author = null)
    {
        lock (_lock)
        {
            return CreateCommitLocked(parent, message, changes, author);
        }
    }

    /// <summary>
    /// Points <paramref name="branch"/> at <paramref name="sha"/>. Without <paramref name="force"/> only a fast-forward is
    /// allowed; with it, history is rewritten (a force-push). Returns the previous head.
    /// </summary>
    public string? SetBranch(string branch, string sha, bool force = false)
    {
        string? old;
        bool forced;
        lock (_lock)
        {
            if (!_commits.ContainsKey(sha))
            {
                throw new ArgumentException($"No commit {sha} in {FullName}.", nameof(sha));
            }

            old = _branches.GetValueOrDefault(branch);
            forced = old is not null && !IsAncestorLocked(old, sha);
            if (!force && forced)
            {
                throw new InvalidOperationException($"Update of {branch} to {sha} is not a fast-forward.");
            }

            _branches[branch] = sha;
        }

        if (old != sha)
        {
            BranchMoved?.Invoke(this, new BranchUpdate(branch, old, sha, forced));
        }

        return old;
    }

    /// <summary>path → content of every file at a commit (or branch name).</summary>
    public IReadOnlyDictionary<string, byte[]> Files(string commitish)
    {
        lock (_lock)
        {
            var commit = ResolveCommitLocked(commitish) ?? throw new ArgumentException($"No commit or branch '{commitish}' in {FullName}.");
            return FlattenLocked(_commits[commit].TreeSha, "").ToDictionary(kv => kv.Key, kv => _blobs[kv.Value], StringComparer.Ordinal);
        }
    }

    /// <summary>A commit object, or null.</summary>
    public GitCommitObject? GetCommit(string sha)
    {
        lock (_lock)
        {
            return _commits.GetValueOrDefault(sha);
        }
    }

    /// <summary>Commit statuses, oldest first.</summary>
    public IReadOnlyList<SandboxStatus> Statuses(string? sha = null)
    {
        lock (_lock)
        {
            return _statuses.Where(s => sha is null || s.Sha == sha).ToList();
        }
    }

    /// <summary>Commit comments, oldest first.</summary>
    public IReadOnlyList<SandboxComment> CommitComments(string? sha = null)
    {
        lock (_lock)
        {
            return _commitComments.Where(c => sha is null || c.Target == sha).ToList();
        }
    }

    /// <summary>Issue (and pull request) comments, oldest first.</summary>
    public IReadOnlyList<SandboxComment> IssueComments(int? number = null)
    {
        lock (_lock)
        {
            return _issueComments.Where(c => number is null || c.Target == number.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        }
    }

    // ---- used by the REST endpoints ----

    internal string? ResolveCommit(string commitish)
    {
        lock (_lock)
        {
            return ResolveCommitLocked(commitish);
        }
    }

    internal byte[]? GetBlob(string sha)
    {
        lock (_lock)
        {
            return _blobs.GetValueOrDefault(sha);
        }
    }

    /// <summary>Entries of a tree (by tree sha, commit sha or branch), flattened to paths when recursive.</summary>
    internal (string TreeSha, IReadOnlyList<(string Path, GitTreeEntry Entry)> Entries)? GetTree(string treeish, bool recursive)
    {
        lock (_lock)
        {
            string? tree = _trees.ContainsKey(treeish) ? treeish : null;
            if (tree is null && ResolveCommitLocked(treeish) is { } commit)
            {
                tree = _commits[commit].TreeSha;
            }

            if (tree is null)
            {
                return null;
            }

            var entries = new List<(string, GitTreeEntry)>();
            Walk(tree, "", recursive, entries);
            return (tree, entries);
        }
    }

    /// <summary>The blob sha at <paramref name="path"/> in a commit, or null.</summary>
    internal string? BlobAt(string commit, string path)
    {
        lock (_lock)
        {
            return FlattenLocked(_commits[commit].TreeSha, "").GetValueOrDefault(path);
        }
    }

    internal IReadOnlyDictionary<string, string> FileShas(string commit)
    {
        lock (_lock)
        {
            return FlattenLocked(_commits[commit].TreeSha, "");
        }
    }

    /// <summary>Compare-and-swap write through the contents API. Returns the new commit, or an error (status, message).</summary>
    internal (GitCommitObject? Commit, string? BlobSha, int Status, string? Error) PutContent(
        string branch, string path, byte[] content, string? expectedBlobSha, string message, GitSignature? author)
    {
        (GitCommitObject? Commit, string? BlobSha, int Status, string? Error) result;
        lock (_lock)
        {
            var head = _branches.GetValueOrDefault(branch);
            if (head is null)
            {
                return (null, null, 404, $"Branch {branch} not found");
            }

            var current = FlattenLocked(_commits[head].TreeSha, "").GetValueOrDefault(path);
            if (current is not null && expectedBlobSha is null)
            {
                return (null, null, 422, "Invalid request.\n\n\"sha\" wasn't supplied.");
            }

            if (expectedBlobSha is not null && !string.Equals(current, expectedBlobSha, StringComparison.Ordinal))
            {
                return (null, null, 409, $"{path} does not match {expectedBlobSha}");
            }

            var sha = CreateCommitLocked(head, message, new Dictionary<string, byte[]?> { [path] = content }, author);
            _branches[branch] = sha;
            result = (_commits[sha], FlattenLocked(_commits[sha].TreeSha, "")[path], 200, null);
        }

        BranchMoved?.Invoke(this, new BranchUpdate(branch, result.Commit!.Parents[0], result.Commit.Sha, false));
        return result;
    }

    internal SandboxStatus AddStatus(string sha, string state, string? description, string? targetUrl, string context)
    {
        lock (_lock)
        {
            var status = new SandboxStatus(_nextId++, sha, state, description, targetUrl, context, _time.GetUtcNow());
            _statuses.Add(status);
            return status;
        }
    }

    internal SandboxComment AddCommitComment(string sha, string body, string user)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var comment = new SandboxComment(_nextId++, sha, body, user, now, now);
            _commitComments.Add(comment);
            return comment;
        }
    }

    internal SandboxComment AddIssueComment(int number, string body, string user)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var comment = new SandboxComment(_nextId++, number.ToString(System.Globalization.CultureInfo.InvariantCulture), body, user, now, now);
            _issueComments.Add(comment);
            return comment;
        }
    }

    internal SandboxComment? UpdateIssueComment(long id, string body)
    {
        lock (_lock)
        {
            var index = _issueComments.FindIndex(c => c.Id == id);
            if (index < 0)
            {
                return null;
            }

            _issueComments[index] = _issueComments[index] with { Body = body, UpdatedAt = _time.GetUtcNow() };
            return _issueComments[index];
        }
    }

    /// <summary>The nearest common ancestor of two commits (breadth-first), or null.</summary>
    internal string? MergeBase(string a, string b)
    {
        lock (_lock)
        {
            var ancestorsOfA = AncestorsLocked(a);
            var queue = new Queue<string>([b]);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (queue.Count > 0)
            {
                var sha = queue.Dequeue();
                if (!seen.Add(sha))
                {
                    continue;
                }

                if (ancestorsOfA.Contains(sha))
                {
                    return sha;
                }

                foreach (var parent in _commits[sha].Parents)
                {
                    queue.Enqueue(parent);
                }
            }

            return null;
        }
    }

    /// <summary>Commits reachable from <paramref name="head"/> but not from <paramref name="base"/>, oldest first.</summary>
    internal IReadOnlyList<GitCommitObject> CommitsBetween(string @base, string head)
    {
        lock (_lock)
        {
            var exclude = AncestorsLocked(@base);
            var result = AncestorsLocked(head).Where(s => !exclude.Contains(s)).Select(s => _commits[s]).ToList();
            result.Sort((x, y) => x.Committer.Date.CompareTo(y.Committer.Date));
            return result;
        }
    }

    // ---- object model ----

    private string? ResolveCommitLocked(string commitish)
    {
        if (_commits.ContainsKey(commitish))
        {
            return commitish;
        }

        var name = commitish.StartsWith("refs/heads/", StringComparison.Ordinal) ? commitish["refs/heads/".Length..]
            : commitish.StartsWith("heads/", StringComparison.Ordinal) ? commitish["heads/".Length..]
            : commitish;
        return _branches.GetValueOrDefault(name);
    }

    private bool IsAncestorLocked(string ancestor, string head) => AncestorsLocked(head).Contains(ancestor);

    private HashSet<string> AncestorsLocked(string head)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>([head]);
        while (stack.Count > 0)
        {
            var sha = stack.Pop();
            if (seen.Add(sha))
            {
                foreach (var parent in _commits[sha].Parents)
                {
                    stack.Push(parent);
                }
            }
        }

        return seen;
    }

    private string CreateCommitLocked(string? parent, string message, IReadOnlyDictionary<string, byte[]?> changes, GitSignature? author)
    {
        var files = parent is null
            ? new Dictionary<string, string>(StringComparer.Ordinal)
            : new Dictionary<string, string>(FlattenLocked(_commits[parent].TreeSha, ""), StringComparer.Ordinal);
        foreach (var (path, content) in changes)
        {
            ValidatePath(path);
            if (content is null)
            {
                files.Remove(path);
            }
            else
            {
                files[path] = WriteBlobLocked(content);
            }
        }

        var tree = WriteTreeLocked(files, "");
        // Strictly increasing commit times keep "newest first" orderings stable even within one clock tick.
        var now = _time.GetUtcNow();
        var last = _commits.Values.Select(c => c.Committer.Date).DefaultIfEmpty(DateTimeOffset.MinValue).Max();
        if (now <= last)
        {
            now = last.AddSeconds(1);
        }

        var who = author ?? new GitSignature("Sandbox Human", "human@example.com", now);
        who = who with { Date = now };
        var parents = parent is null ? Array.Empty<string>() : [parent];
        var text = new StringBuilder().Append("tree ").Append(tree).Append('\n');
        foreach (var p in parents)
        {
            text.Append("parent ").Append(p).Append('\n');
        }

        text.Append("author ").Append(Person(who)).Append('\n').Append("committer ").Append(Person(who)).Append("\n\n").Append(message);
        if (!message.EndsWith('\n'))
        {
            text.Append('\n');
        }

        var sha = Hash("commit", Encoding.UTF8.GetBytes(text.ToString()));
        _commits[sha] = new GitCommitObject(sha, tree, parents, message, who, who);
        return sha;
    }

    private static void ValidatePath(string path)
    {
        if (path.Length == 0 || path.StartsWith('/') || path.EndsWith('/') || path.Split('/').Any(s => s is "" or "." or ".."))
        {
            throw new ArgumentException($"Invalid path '{path}'.", nameof(path));
        }
    }

    private static string Person(GitSignature s) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{s.Name} <{s.Email}> {s.Date.ToUnixTimeSeconds()} +0000");

    private string WriteBlobLocked(byte[] content)
    {
        var sha = Hash("blob", content);
        _blobs.TryAdd(sha, content);
        return sha;
    }

    /// <summary>Builds nested trees for the files under <paramref name="prefix"/>; returns the tree sha.</summary>
    private string WriteTreeLocked(IReadOnlyDictionary<string, string> files, string prefix)
    {
        var entries = new List<GitTreeEntry>();
        var under = files.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        foreach (var group in under.GroupBy(kv => kv.Key[prefix.Length..].Split('/')[0], StringComparer.Ordinal))
        {
            var direct = group.FirstOrDefault(kv => kv.Key.Length == prefix.Length + group.Key.Length);
            if (direct.Key is not null)
            {
                entries.Add(new GitTreeEntry(group.Key, "100644", "blob", direct.Value));
            }
            else
            {
                entries.Add(new GitTreeEntry(group.Key, "40000", "tree", WriteTreeLocked(files, prefix + group.Key + "/")));
            }
        }

        // git sorts tree entries by name, comparing directories as if they ended with '/'.
        entries.Sort((a, b) => string.CompareOrdinal(a.Type == "tree" ? a.Name + "/" : a.Name, b.Type == "tree" ? b.Name + "/" : b.Name));
        using var body = new MemoryStream();
        foreach (var e in entries)
        {
            body.Write(Encoding.UTF8.GetBytes($"{e.Mode} {e.Name}\0"));
            body.Write(Convert.FromHexString(e.Sha));
        }

        var sha = Hash("tree", body.ToArray());
        _trees.TryAdd(sha, entries);
        return sha;
    }

    private Dictionary<string, string> FlattenLocked(string tree, string prefix)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in _trees[tree])
        {
            if (e.Type == "tree")
            {
                foreach (var kv in FlattenLocked(e.Sha, prefix + e.Name + "/"))
                {
                    files[kv.Key] = kv.Value;
                }
            }
            else
            {
                files[prefix + e.Name] = e.Sha;
            }
        }

        return files;
    }

    private void Walk(string tree, string prefix, bool recursive, List<(string, GitTreeEntry)> into)
    {
        foreach (var e in _trees[tree])
        {
            into.Add((prefix + e.Name, e));
            if (recursive && e.Type == "tree")
            {
                Walk(e.Sha, prefix + e.Name + "/", recursive, into);
            }
        }
    }

    internal int BlobSize(string sha)
    {
        lock (_lock)
        {
            return _blobs.TryGetValue(sha, out var b) ? b.Length : 0;
        }
    }

    private static string Hash(string type, byte[] content)
    {
        var header = Encoding.ASCII.GetBytes($"{type} {content.Length}\0");
        var all = new byte[header.Length + content.Length];
        header.CopyTo(all, 0);
        content.CopyTo(all, header.Length);
        // SHA-1 because that is git's object id, not for security.
#pragma warning disable CA5350
        return Convert.ToHexStringLower(SHA1.HashData(all));
#pragma warning restore CA5350
    }
}

using System.Diagnostics;
using System.Text;

namespace RawkodeAutomation.GitHub.Local;

/// <summary>A git command failed; the message says which and why (git's own stderr).</summary>
public sealed class GitException(string message) : Exception(message);

/// <summary>
/// Reads the files under a folder (by default <c>episodes/</c>) of a local checkout, either at a git
/// revision or from the working tree, by running the <c>git</c> CLI: <c>git ls-tree -r -z</c> lists the
/// blobs and one <c>git cat-file --batch</c> process streams their contents
/// (https://git-scm.com/docs/git-cat-file#_batch_output). Keys are repository-relative paths with
/// forward slashes, as <c>EpisodeLoader.Load</c> expects.
/// </summary>
public sealed class GitRevisionReader(string repositoryRoot)
{
    /// <summary>The checkout this reader works on.</summary>
    public string RepositoryRoot { get; } = Path.GetFullPath(repositoryRoot);

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
            var output = await RunAsync(["rev-parse", "--verify", "--quiet", revision + "^{commit}"], null, cancellationToken).ConfigureAwait(false);
            return Encoding.UTF8.GetString(output).Trim();
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

    private Dictionary<string, byte[]> ReadWorkingTree(string folder)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var directory = Path.Combine(RepositoryRoot, folder.TrimEnd('/'));
        if (!Directory.Exists(directory))
        {
            return files;
        }

        foreach (var path in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            files[Path.GetRelativePath(RepositoryRoot, path).Replace('\\', '/')] = File.ReadAllBytes(path);
        }

        return files;
    }

    private async Task<Dictionary<string, byte[]>> ReadRevisionAsync(string revision, string folder, CancellationToken cancellationToken)
    {
        var commit = await ResolveAsync(revision, cancellationToken).ConfigureAwait(false);
        var listing = await RunAsync(["ls-tree", "-r", "-z", "--full-tree", commit, "--", folder], null, cancellationToken).ConfigureAwait(false);

        // Each entry: "<mode> SP <type> SP <object> TAB <path>" terminated by NUL.
        var blobs = new List<(string Path, string Object)>();
        foreach (var entry in Encoding.UTF8.GetString(listing).Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var tab = entry.IndexOf('\t', StringComparison.Ordinal);
            var meta = entry[..tab].Split(' ');
            if (meta.Length == 3 && meta[1] == "blob")
            {
                blobs.Add((entry[(tab + 1)..], meta[2]));
            }
        }

        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (blobs.Count == 0)
        {
            return files;
        }

        var request = new StringBuilder();
        foreach (var (_, id) in blobs)
        {
            request.Append(id).Append('\n');
        }

        var output = await RunAsync(["cat-file", "--batch"], Encoding.ASCII.GetBytes(request.ToString()), cancellationToken).ConfigureAwait(false);

        // Batch output per object: "<oid> SP <type> SP <size> LF <contents> LF".
        var position = 0;
        foreach (var (path, _) in blobs)
        {
            var headerEnd = Array.IndexOf(output, (byte)'\n', position);
            if (headerEnd < 0)
            {
                throw new GitException($"git cat-file --batch ended early while reading {path}");
            }

            var header = Encoding.ASCII.GetString(output, position, headerEnd - position).Split(' ');
            if (header.Length != 3 || !int.TryParse(header[2], out var size))
            {
                throw new GitException($"git cat-file --batch could not read {path}: '{string.Join(' ', header)}'");
            }

            files[path] = output.AsSpan(headerEnd + 1, size).ToArray();
            position = headerEnd + 1 + size + 1;
        }

        return files;
    }

    private async Task<byte[]> RunAsync(IReadOnlyList<string> arguments, byte[]? input, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = RepositoryRoot,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Paths with non-ASCII names must come out verbatim, not octal-quoted.
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("core.quotepath=off");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new GitException("could not start git");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new GitException($"could not run git ({ex.Message}); install git and make sure it is on PATH");
        }

        using (process)
        {
            // Write input and read output concurrently: cat-file streams while it reads, so doing one
            // after the other would deadlock once the pipe buffers fill.
            var writeTask = Task.Run(async () =>
            {
                if (input is not null)
                {
                    await process.StandardInput.BaseStream.WriteAsync(input, cancellationToken).ConfigureAwait(false);
                }

                process.StandardInput.Close();
            }, cancellationToken);
            using var stdout = new MemoryStream();
            var readTask = process.StandardOutput.BaseStream.CopyToAsync(stdout, cancellationToken);
            var errorTask = process.StandardError.ReadToEndAsync(cancellationToken);
            await Task.WhenAll(writeTask, readTask, errorTask).ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                var error = (await errorTask.ConfigureAwait(false)).Trim();
                throw new GitException($"git {string.Join(' ', arguments)} failed in {RepositoryRoot}: "
                    + (error.Length > 0 ? error : $"exit code {process.ExitCode}"));
            }

            return stdout.ToArray();
        }
    }
}

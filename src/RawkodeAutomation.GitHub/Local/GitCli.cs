using System.Diagnostics;
using System.Text;

namespace RawkodeAutomation.GitHub.Local;

/// <summary>Runs the <c>git</c> CLI in one repository. Arguments are passed as a list, never through a shell.</summary>
public sealed class GitCli(string repositoryPath)
{
    /// <summary>The repository (work tree or bare) the commands run in.</summary>
    public string RepositoryPath { get; } = Path.GetFullPath(repositoryPath);

    /// <summary>Runs git and returns stdout; a non-zero exit throws <see cref="GitException"/> with git's message and the command.</summary>
    public async Task<byte[]> RunBytesAsync(IEnumerable<string> args, byte[]? stdin = null, IReadOnlyDictionary<string, string>? env = null,
        CancellationToken cancellationToken = default)
    {
        var (code, stdout, stderr) = await TryRunAsync(args, stdin, env, cancellationToken).ConfigureAwait(false);
        if (code != 0)
        {
            var error = stderr.Trim();
            throw new GitException($"git {string.Join(' ', args)} failed in {RepositoryPath} (exit {code})" + (error.Length > 0 ? ": " + error : "."));
        }

        return stdout;
    }

    /// <summary>Runs git and returns trimmed stdout as text.</summary>
    public async Task<string> RunAsync(IEnumerable<string> args, byte[]? stdin = null, IReadOnlyDictionary<string, string>? env = null,
        CancellationToken cancellationToken = default) =>
        Encoding.UTF8.GetString(await RunBytesAsync(args, stdin, env, cancellationToken).ConfigureAwait(false)).Trim();

    /// <summary>Runs git and returns the exit code with both outputs, for commands whose failure is an answer.</summary>
    public async Task<(int ExitCode, byte[] Stdout, string Stderr)> TryRunAsync(IEnumerable<string> args, byte[]? stdin = null,
        IReadOnlyDictionary<string, string>? env = null, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = RepositoryPath,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Paths with non-ASCII names must come out verbatim, not octal-quoted.
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("core.quotepath=off");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Never prompt for credentials or an editor: this runs unattended.
        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        start.Environment["GIT_EDITOR"] = "true";
        if (env is not null)
        {
            foreach (var (key, value) in env)
            {
                start.Environment[key] = value;
            }
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new GitException("git could not be started.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new GitException($"git is not installed or not on PATH ({e.Message}). Install git to use a local repository.", e);
        }

        using (process)
        {
            // Read both outputs while writing the input: cat-file --batch streams as it reads, so writing
            // first would deadlock once the pipe buffers fill.
            var stdoutTask = ReadAllAsync(process.StandardOutput.BaseStream, cancellationToken);
            var stderrTask = process.StandardError.ReadToEndAsync(cancellationToken);
            if (stdin is not null)
            {
                await process.StandardInput.BaseStream.WriteAsync(stdin, cancellationToken).ConfigureAwait(false);
            }

            process.StandardInput.Close();
            var stdout = await stdoutTask.ConfigureAwait(false);
            var stderr = await stderrTask.ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            return (process.ExitCode, stdout, stderr);
        }
    }

    /// <summary>The commit a ref points at, or null when it does not exist.</summary>
    public async Task<string?> ResolveAsync(string reference, CancellationToken cancellationToken = default)
    {
        var (code, stdout, _) = await TryRunAsync(["rev-parse", "--verify", "--quiet", reference + "^{commit}"], cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return code == 0 ? Encoding.UTF8.GetString(stdout).Trim() : null;
    }

    /// <summary>path → blob sha of every file (blob) under <paramref name="folder"/> at <paramref name="treeish"/>.</summary>
    public async Task<Dictionary<string, string>> ListFilesAsync(string treeish, string folder, CancellationToken cancellationToken = default) =>
        (await ListTreeAsync(treeish, folder, cancellationToken).ConfigureAwait(false))
            .Where(e => e.Type == "blob")
            .ToDictionary(e => e.Path, e => e.Sha, StringComparer.Ordinal);

    /// <summary>Every entry (blobs, symbolic links, submodules) under <paramref name="folder"/> at <paramref name="treeish"/>.</summary>
    public async Task<IReadOnlyList<GitTreeEntry>> ListTreeAsync(string treeish, string folder, CancellationToken cancellationToken = default)
    {
        var output = await RunBytesAsync(["ls-tree", "-r", "-z", "--full-tree", treeish, "--", folder], cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        var entries = new List<GitTreeEntry>();
        foreach (var record in Encoding.UTF8.GetString(output).Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            // "<mode> <type> <sha>\t<path>"
            var tab = record.IndexOf('\t', StringComparison.Ordinal);
            var meta = record[..tab].Split(' ');
            entries.Add(new GitTreeEntry(record[(tab + 1)..], meta[0], meta[1], meta[2]));
        }

        return entries;
    }

    /// <summary>Reads blobs by sha in one <c>git cat-file --batch</c> process.</summary>
    public async Task<Dictionary<string, byte[]>> ReadBlobsAsync(IReadOnlyCollection<string> shas, CancellationToken cancellationToken = default)
    {
        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (shas.Count == 0)
        {
            return result;
        }

        var distinct = shas.Distinct(StringComparer.Ordinal).ToList();
        var input = Encoding.ASCII.GetBytes(string.Join('\n', distinct) + "\n");
        var output = await RunBytesAsync(["cat-file", "--batch"], input, cancellationToken: cancellationToken).ConfigureAwait(false);
        var position = 0;
        foreach (var sha in distinct)
        {
            // "<sha> <type> <size>\n<content>\n", or "<sha> missing\n" for an object git does not have.
            var newline = Array.IndexOf(output, (byte)'\n', position);
            if (newline < 0)
            {
                throw new GitException($"git cat-file --batch ended early while reading blob {sha} in {RepositoryPath}.");
            }

            var header = Encoding.ASCII.GetString(output, position, newline - position).Split(' ');
            if (header.Length != 3
                || !int.TryParse(header[2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var size)
                || newline + 1 + size > output.Length)
            {
                throw new GitException($"git cat-file could not read blob {sha} in {RepositoryPath}: '{string.Join(' ', header)}'.");
            }

            result[sha] = output.AsSpan(newline + 1, size).ToArray();
            position = newline + 1 + size + 1;
        }

        return result;
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }
}

/// <summary>One entry of a git tree listing (https://git-scm.com/docs/git-ls-tree#_output_format).</summary>
/// <param name="Path">Repository-relative path with forward slashes.</param>
/// <param name="Mode">Octal mode: 100644/100755 regular file, 120000 symbolic link, 160000 submodule.</param>
/// <param name="Type">blob, tree or commit.</param>
/// <param name="Sha">Object id.</param>
public sealed record GitTreeEntry(string Path, string Mode, string Type, string Sha)
{
    /// <summary>A regular file: the only kind of entry whose content is the file (a link's blob is its target path).</summary>
    public bool IsRegularFile => Type == "blob" && Mode is ("100644" or "100755" or "100664");

    /// <summary>Why an entry that is not a regular file is not read (completes "'path' was not read: it ...").</summary>
    public string WhyNotRead => Mode switch
    {
        "120000" => "is a symbolic link; only regular files are read, so commit the file itself instead of a link",
        "160000" => "is a git submodule; only regular files are read",
        _ => $"is a git {Type} with mode {Mode}, not a regular file",
    };
}

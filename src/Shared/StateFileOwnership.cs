namespace RawkodeAutomation.StateFiles;

/// <summary>
/// One process at a time owns a state file (a SQLite database, a sandbox's JSON, <c>up</c>'s state folder): two owners
/// would each keep their own copy in memory and write it over the other's. The owner holds an exclusive lock on
/// <c>&lt;base&gt;.lock</c> and leaves a line for the others in <c>&lt;base&gt;.owner</c> (where it listens, or which
/// process it is). The lock is the operating system's, so a killed owner leaves none behind; the <c>.lock</c> file itself
/// stays. This file is compiled into each project that owns state (it is linked, not referenced).
/// </summary>
internal sealed class StateFileOwnership : IDisposable
{
    private readonly FileStream _held;
    private readonly string _ownerPath;

    private StateFileOwnership(FileStream held, string ownerPath)
    {
        _held = held;
        _ownerPath = ownerPath;
    }

    /// <summary>Takes <paramref name="basePath"/> for this process; null when another holds it, with what it said of itself.</summary>
    public static StateFileOwnership? TryAcquire(string basePath, out string? holder)
    {
        var full = Path.GetFullPath(basePath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        try
        {
            // FileShare.None is an exclusive flock on Unix: refused while another open of the file holds it.
            var held = new FileStream(full + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            holder = null;
            return new StateFileOwnership(held, full + ".owner");
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException and not PathTooLongException)
        {
            holder = ReadOwner(full + ".owner");
            return null;
        }
    }

    /// <summary>Tells the processes that find the file taken who holds it.</summary>
    public void Publish(string line) => File.WriteAllText(_ownerPath, line + "\n");

    public void Dispose()
    {
        try
        {
            File.Delete(_ownerPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A stale line beside a free lock is overwritten by the next owner.
        }
        _held.Dispose();
    }

    private static string? ReadOwner(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim() is { Length: > 0 } line ? line : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

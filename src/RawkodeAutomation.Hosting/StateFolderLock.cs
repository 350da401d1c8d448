namespace RawkodeAutomation.Hosting;

/// <summary>
/// One <c>rawkode up</c> per state folder. Everything <c>up</c> keeps there (the Temporal database, the sandboxes'
/// channel and clusters, the call journal) belongs to one process; a second one would load the same files and write
/// its own copies over them. The first holds an exclusive lock on <c>up.lock</c> in the folder until it stops, and says
/// who it is in <c>up.owner</c>. The lock is the operating system's, so a killed <c>up</c> leaves none behind.
/// </summary>
internal sealed class StateFolderLock : IDisposable
{
    private const string LockFile = "up.lock";
    private const string OwnerFile = "up.owner";

    private readonly FileStream _held;
    private readonly string _ownerPath;

    private StateFolderLock(FileStream held, string ownerPath)
    {
        _held = held;
        _ownerPath = ownerPath;
    }

    /// <exception cref="StartupException">Another process holds the folder.</exception>
    public static StateFolderLock Acquire(string stateDirectory, TimeProvider clock)
    {
        Directory.CreateDirectory(stateDirectory);
        var ownerPath = Path.Combine(stateDirectory, OwnerFile);
        FileStream held;
        try
        {
            // FileShare.None is an exclusive flock on Unix: refused while another open of the file holds it.
            held = new FileStream(Path.Combine(stateDirectory, LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException and not PathTooLongException)
        {
            throw StartupChecks.StateFolderInUse(stateDirectory, ReadOwner(ownerPath), e);
        }
        try
        {
            File.WriteAllText(ownerPath, $"process {Environment.ProcessId}, started {clock.GetUtcNow():yyyy-MM-dd HH:mm:ss}Z\n");
        }
        catch
        {
            held.Dispose();
            throw;
        }
        return new StateFolderLock(held, ownerPath);
    }

    private static string? ReadOwner(string ownerPath)
    {
        try
        {
            return File.ReadAllText(ownerPath).Trim() is { Length: > 0 } owner ? owner : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        try
        {
            File.Delete(_ownerPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A stale owner line beside a free lock is overwritten by the next up.
        }
        _held.Dispose();
    }
}

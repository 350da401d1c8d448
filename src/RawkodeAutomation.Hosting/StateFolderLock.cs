using RawkodeAutomation.StateFiles;

namespace RawkodeAutomation.Hosting;

/// <summary>
/// One <c>rawkode up</c> per state folder. Everything <c>up</c> keeps there (the Temporal database, the sandboxes'
/// channel and clusters, the call journal) belongs to one process; a second one would load the same files and write
/// its own copies over them. The first owns <c>up.lock</c> in the folder until it stops and says which process it is
/// in <c>up.owner</c>.
/// </summary>
internal static class StateFolderLock
{
    /// <exception cref="StartupException">Another process holds the folder.</exception>
    public static StateFileOwnership Acquire(string stateDirectory, TimeProvider clock)
    {
        var ownership = StateFileOwnership.TryAcquire(Path.Combine(stateDirectory, "up"), out var holder)
            ?? throw StartupChecks.StateFolderInUse(stateDirectory, holder);
        try
        {
            ownership.Publish($"process {Environment.ProcessId}, started {clock.GetUtcNow():yyyy-MM-dd HH:mm:ss}Z");
        }
        catch
        {
            ownership.Dispose();
            throw;
        }
        return ownership;
    }
}

namespace RawkodeAutomation.YouTube.Sandbox;

/// <summary>
/// A state file is one channel, served by one sandbox at a time. Two sandboxes on one file would each keep their own
/// copy in memory and write it back over the other's (a second <c>rawkode up</c>, or <c>rawkode adopt</c> while
/// <c>up</c> runs): broadcasts and spent quota would be lost. So the sandbox that loads a state file holds an exclusive
/// lock on <c>&lt;state&gt;.lock</c> until it stops, and leaves its address in <c>&lt;state&gt;.address</c> for the
/// process that finds the lock taken. The lock is the operating system's, so a killed sandbox leaves none behind.
/// </summary>
internal sealed class SandboxOwnership : IDisposable
{
    private readonly FileStream _lock;
    private readonly string _addressPath;

    private SandboxOwnership(FileStream held, string addressPath)
    {
        _lock = held;
        _addressPath = addressPath;
    }

    /// <summary>Takes <paramref name="statePath"/> for this sandbox.</summary>
    /// <exception cref="YouTubeSandboxInUseException">Another sandbox (in any process) holds it.</exception>
    public static SandboxOwnership Acquire(string statePath)
    {
        var full = Path.GetFullPath(statePath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        try
        {
            // FileShare.None is an exclusive flock on Unix: refused while another open of the file holds it.
            var held = new FileStream(full + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return new SandboxOwnership(held, full + ".address");
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException and not PathTooLongException)
        {
            throw new YouTubeSandboxInUseException(full, RunningAt(full), e);
        }
    }

    /// <summary>Where the sandbox holding <paramref name="statePath"/> said it listens; null when it said nothing readable.</summary>
    public static Uri? RunningAt(string statePath)
    {
        try
        {
            var text = File.ReadAllText(Path.GetFullPath(statePath) + ".address").Trim();
            return Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Tells other processes where this sandbox listens.</summary>
    public void Publish(Uri baseUri) => File.WriteAllText(_addressPath, baseUri.AbsoluteUri + "\n");

    public void Dispose()
    {
        try
        {
            File.Delete(_addressPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A stale address beside a free lock is ignored: the next sandbox takes the lock and writes its own.
        }
        _lock.Dispose();
    }
}

/// <summary>The state file a sandbox was asked to load is served by another sandbox, which is still running.</summary>
public sealed class YouTubeSandboxInUseException : IOException
{
    public YouTubeSandboxInUseException(string statePath, Uri? runningAt, Exception inner)
        : base($"the YouTube sandbox state {statePath} is in use by another sandbox{(runningAt is null ? "" : $", listening at {runningAt}")}; "
            + "only one sandbox at a time may serve a state file (another rawkode up or rawkode adopt on this checkout?)", inner)
    {
        StatePath = statePath;
        RunningAt = runningAt;
    }

    /// <summary>The state file, full path.</summary>
    public string StatePath { get; }

    /// <summary>Where the running sandbox listens; null when it did not say.</summary>
    public Uri? RunningAt { get; }
}

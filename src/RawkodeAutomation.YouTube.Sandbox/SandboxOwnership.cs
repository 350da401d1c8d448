using RawkodeAutomation.StateFiles;

namespace RawkodeAutomation.YouTube.Sandbox;

/// <summary>
/// A state file is one channel, served by one sandbox at a time: a second sandbox on it (a second <c>rawkode up</c>, or
/// <c>rawkode adopt</c> while <c>up</c> runs) would write its own copy over the first's broadcasts and spent quota. The
/// sandbox that loads a state file owns it until it stops and leaves its address for whoever finds it taken.
/// </summary>
internal static class SandboxOwnership
{
    /// <exception cref="YouTubeSandboxInUseException">Another sandbox, in any process, serves <paramref name="statePath"/>.</exception>
    public static StateFileOwnership Acquire(string statePath) =>
        StateFileOwnership.TryAcquire(statePath, out var holder)
            ?? throw new YouTubeSandboxInUseException(Path.GetFullPath(statePath),
                Uri.TryCreate(holder, UriKind.Absolute, out var address) && address.Scheme is "http" or "https" ? address : null);
}

/// <summary>The state file a sandbox was asked to load is served by another sandbox, which is still running.</summary>
public sealed class YouTubeSandboxInUseException : IOException
{
    public YouTubeSandboxInUseException(string statePath, Uri? runningAt)
        : base($"the YouTube sandbox state {statePath} is in use by another sandbox{(runningAt is null ? "" : $", listening at {runningAt}")}; "
            + "only one sandbox at a time may serve a state file (another rawkode up or rawkode adopt on this checkout?)")
    {
        StatePath = statePath;
        RunningAt = runningAt;
    }

    /// <summary>The state file, full path.</summary>
    public string StatePath { get; }

    /// <summary>Where the running sandbox listens; null when it did not say.</summary>
    public Uri? RunningAt { get; }
}

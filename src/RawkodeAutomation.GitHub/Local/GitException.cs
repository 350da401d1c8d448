namespace RawkodeAutomation.GitHub.Local;

/// <summary>
/// A git command failed; the message says which, where and why (git's own stderr). It is an
/// <see cref="InvalidOperationException"/> so callers that catch that for <see cref="GitCli"/> failures keep working.
/// </summary>
public sealed class GitException(string message, Exception? innerException = null) : InvalidOperationException(message, innerException);

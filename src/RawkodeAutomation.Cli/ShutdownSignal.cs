using System.Runtime.InteropServices;

namespace RawkodeAutomation.Cli;

/// <summary>
/// Lets a long-running command (a server or a sandbox) wait for SIGTERM, Ctrl+C or the invocation's cancellation.
/// Create it at the start of the command, before printing the address a caller waits for: whoever reads that line
/// may signal at once, and System.CommandLine's own handler was seen to swallow a signal sent that early.
/// </summary>
internal sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly PosixSignalRegistration _sigterm;
    private readonly PosixSignalRegistration _sigint;
    private readonly Lock _lock = new();
    private bool _disposed;

    public ShutdownSignal(CancellationToken invocation)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(invocation);
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
    }

    /// <summary>Cancelled when the command should stop.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>Completes when the command should stop.</summary>
    public async Task WaitAsync() =>
        // The signal cancels the token from inside the signal handler; force the continuation off that thread so
        // the shutdown that follows never runs inline in the handler.
        await Task.Delay(Timeout.Infinite, _stop.Token)
            .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ForceYielding);

    public void Dispose()
    {
        _sigterm.Dispose();
        _sigint.Dispose();
        // Unregistering does not wait for a handler already running on the runtime's signal thread: when
        // System.CommandLine's handler cancelled the invocation first, ours can still arrive after the command
        // returned. The flag keeps it from touching the disposed source (that crashed the process with SIGABRT).
        lock (_lock)
        {
            _disposed = true;
            _stop.Dispose();
        }
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        lock (_lock)
        {
            if (!_disposed)
            {
                _stop.Cancel();
            }
        }
    }
}

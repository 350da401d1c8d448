namespace RawkodeAutomation.GitHub.Webhooks;

/// <summary>
/// Caps how many webhook bodies are read at once (<see cref="GitHubOptions.MaxConcurrentWebhookReads"/>), before
/// they are authenticated: a flood of unsigned requests gets 503 answers instead of holding memory, disk and CPU.
/// One per host (singleton).
/// </summary>
public sealed class WebhookReadGate(GitHubOptions options) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(Math.Max(1, options.MaxConcurrentWebhookReads));

    /// <summary>Takes a slot without waiting; false when every slot is taken.</summary>
    public bool TryEnter() => _slots.Wait(0);

    /// <summary>Gives back a slot taken by <see cref="TryEnter"/>.</summary>
    public void Exit() => _slots.Release();

    /// <inheritdoc />
    public void Dispose() => _slots.Dispose();
}

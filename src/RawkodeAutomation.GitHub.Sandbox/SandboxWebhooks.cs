using System.Collections.Concurrent;
using System.Threading.Channels;

namespace RawkodeAutomation.GitHub.Sandbox;

/// <summary>A repository webhook registered in the sandbox.</summary>
/// <param name="Repository"><c>owner/name</c>.</param>
/// <param name="Url">Where pushes are delivered.</param>
/// <param name="Secret">The shared secret deliveries are signed with.</param>
public sealed record SandboxHook(string Repository, Uri Url, string Secret);

/// <summary>
/// Push webhooks like GitHub sends them: every branch move of a hooked repository (a commit, a force-push, a
/// contents API write) is delivered, signed, in the order the branch moved, from one background sender.
/// Faults: <see cref="DeliverEachTimes"/> repeats every delivery with the same <c>X-GitHub-Delivery</c> (as
/// redeliveries do); <see cref="Paused"/> holds deliveries back so they can be released out of order with
/// <see cref="ReleaseAsync"/>.
/// </summary>
public sealed class SandboxWebhooks : IAsyncDisposable
{
    private readonly Channel<(SandboxHook Hook, SandboxRepository Repository, BranchUpdate Update)> _queue =
        Channel.CreateUnbounded<(SandboxHook, SandboxRepository, BranchUpdate)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, SandboxHook> _hooks = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<WebhookDelivery> _deliveries = new();
    private readonly List<(SandboxHook Hook, SandboxRepository Repository, BranchUpdate Update)> _held = [];
    private readonly Lock _lock = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sender;
    private int _pending;

    internal SandboxWebhooks()
    {
        _sender = Task.Run(SendLoopAsync);
    }

    /// <summary>How many times each push is delivered (same delivery id each time). 1 is normal.</summary>
    public int DeliverEachTimes { get; set; } = 1;

    /// <summary>While true, pushes are held back (not delivered) until <see cref="ReleaseAsync"/>.</summary>
    public bool Paused { get; set; }

    /// <summary>Every delivery made, oldest first.</summary>
    public IReadOnlyCollection<WebhookDelivery> Deliveries => _deliveries;

    /// <summary>Pushes held back while <see cref="Paused"/>, oldest first.</summary>
    public IReadOnlyList<BranchUpdate> Held
    {
        get
        {
            lock (_lock)
            {
                return _held.Select(h => h.Update).ToList();
            }
        }
    }

    /// <summary>Registers a hook: pushes to <paramref name="repository"/> go to <paramref name="url"/>.</summary>
    public void Add(SandboxRepository repository, Uri url, string secret)
    {
        if (_hooks.TryAdd(repository.FullName, new SandboxHook(repository.FullName, url, secret)))
        {
            repository.BranchMoved += OnBranchMoved;
        }
    }

    /// <summary>Delivers the held pushes in the given order (indexes into <see cref="Held"/>; null: oldest first) and un-pauses.</summary>
    public async Task ReleaseAsync(IReadOnlyList<int>? order = null)
    {
        List<(SandboxHook, SandboxRepository, BranchUpdate)> held;
        lock (_lock)
        {
            held = order is null ? [.. _held] : [.. order.Select(i => _held[i])];
            _held.Clear();
            Paused = false;
        }

        Interlocked.Add(ref _pending, held.Count);
        foreach (var item in held)
        {
            await _queue.Writer.WriteAsync(item).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until every queued delivery has been answered.</summary>
    public async Task IdleAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Volatile.Read(ref _pending) > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{_pending} webhook deliveries still pending after {timeout}.");
            }

            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _sender.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _http.Dispose();
        _stop.Dispose();
    }

    private void OnBranchMoved(SandboxRepository repository, BranchUpdate update)
    {
        if (!_hooks.TryGetValue(repository.FullName, out var hook))
        {
            return;
        }

        lock (_lock)
        {
            if (Paused)
            {
                _held.Add((hook, repository, update));
                return;
            }

            Interlocked.Increment(ref _pending);
            _queue.Writer.TryWrite((hook, repository, update));
        }
    }

    private async Task SendLoopAsync()
    {
        await foreach (var (hook, repository, update) in _queue.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
        {
            try
            {
                var sender = new GitHubWebhookSender(_http, hook.Url, hook.Secret);
                var push = new SandboxPush(hook.Repository, update.Branch, update.Before ?? new string('0', 40), update.After, update.Forced);
                var body = GitHubWebhookSender.PushPayload(push, repository);
                var id = Guid.NewGuid().ToString();
                for (var i = 0; i < Math.Max(1, DeliverEachTimes); i++)
                {
                    try
                    {
                        _deliveries.Enqueue(await sender.SendAsync("push", body, id, cancellationToken: _stop.Token).ConfigureAwait(false));
                    }
                    catch (HttpRequestException e)
                    {
                        // Like GitHub: a failed delivery is recorded, not retried.
                        _deliveries.Enqueue(new WebhookDelivery(id, 0, e.Message, TimeSpan.Zero));
                    }
                }
            }
            finally
            {
                Interlocked.Decrement(ref _pending);
            }
        }
    }
}

using System.Globalization;

namespace RawkodeAutomation.GitHub.Webhooks;

/// <summary>What the store says about a verified delivery.</summary>
public enum DeliveryClaim
{
    /// <summary>First time seen: process it, then <see cref="IWebhookDeliveryStore.Complete"/> or <see cref="IWebhookDeliveryStore.Release"/>.</summary>
    Claimed,

    /// <summary>Same <c>X-GitHub-Delivery</c> as one already processed or in flight (a GitHub retry or redelivery): do nothing.</summary>
    Duplicate,

    /// <summary>A signed body already seen under a different delivery id: someone replays a captured request.</summary>
    Replayed,
}

/// <summary>
/// Remembers webhook deliveries so each is processed once (<c>X-GitHub-Delivery</c>) and a captured signed body cannot be
/// replayed under a fresh delivery id (the delivery header is not covered by the signature; the body is).
/// </summary>
public interface IWebhookDeliveryStore
{
    /// <summary>Claims <paramref name="deliveryId"/> for processing.</summary>
    DeliveryClaim TryClaim(string deliveryId, string signature);

    /// <summary>Processing succeeded: remember the delivery (durably when the store is persistent).</summary>
    void Complete(string deliveryId);

    /// <summary>Processing failed: forget the claim so a redelivery is processed.</summary>
    void Release(string deliveryId);
}

/// <summary>
/// Bounded in-memory store (oldest forgotten first, and nothing older than the retention), optionally backed by an
/// append-only file so a restart does not reprocess the last days' deliveries.
/// </summary>
public sealed class WebhookDeliveryStore : IWebhookDeliveryStore, IDisposable
{
    private sealed record Entry(string DeliveryId, string Signature, DateTimeOffset At)
    {
        public bool Completed { get; set; }
    }

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _byDelivery = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Entry> _bySignature = new(StringComparer.Ordinal);
    private readonly Queue<Entry> _order = new();
    private readonly int _capacity;
    private readonly TimeSpan _retention;
    private readonly TimeProvider _time;
    private readonly StreamWriter? _log;

    public WebhookDeliveryStore(int capacity, TimeSpan retention, string? path = null, TimeProvider? time = null)
    {
        _capacity = Math.Max(1, capacity);
        _retention = retention;
        _time = time ?? TimeProvider.System;
        if (path is null)
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        if (File.Exists(path))
        {
            foreach (var line in File.ReadLines(path))
            {
                var parts = line.Split('\t');
                if (parts.Length == 3 && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms))
                {
                    Add(new Entry(parts[1], parts[2], DateTimeOffset.FromUnixTimeMilliseconds(ms)) { Completed = true });
                }
            }

            Evict(_time.GetUtcNow());
        }

        // Rewrite the file with what survived, so it stays as bounded as memory.
        var temporary = path + ".tmp";
        File.WriteAllLines(temporary, _order.Select(Line));
        File.Move(temporary, path, overwrite: true);
        _log = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
    }

    /// <summary>How many deliveries are remembered.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _byDelivery.Count;
            }
        }
    }

    /// <inheritdoc />
    public DeliveryClaim TryClaim(string deliveryId, string signature)
    {
        lock (_lock)
        {
            Evict(_time.GetUtcNow());
            if (_byDelivery.ContainsKey(deliveryId))
            {
                return DeliveryClaim.Duplicate;
            }

            if (_bySignature.ContainsKey(signature))
            {
                return DeliveryClaim.Replayed;
            }

            Add(new Entry(deliveryId, signature, _time.GetUtcNow()));
            Evict(_time.GetUtcNow());
            return DeliveryClaim.Claimed;
        }
    }

    /// <inheritdoc />
    public void Complete(string deliveryId)
    {
        lock (_lock)
        {
            if (_byDelivery.TryGetValue(deliveryId, out var entry) && !entry.Completed)
            {
                entry.Completed = true;
                _log?.WriteLine(Line(entry));
            }
        }
    }

    /// <inheritdoc />
    public void Release(string deliveryId)
    {
        lock (_lock)
        {
            if (_byDelivery.Remove(deliveryId, out var entry))
            {
                _bySignature.Remove(entry.Signature);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            _log?.Dispose();
        }
    }

    private static string Line(Entry e) =>
        string.Create(CultureInfo.InvariantCulture, $"{e.At.ToUnixTimeMilliseconds()}\t{e.DeliveryId}\t{e.Signature}");

    private void Add(Entry entry)
    {
        _byDelivery[entry.DeliveryId] = entry;
        _bySignature[entry.Signature] = entry;
        _order.Enqueue(entry);
    }

    private void Evict(DateTimeOffset now)
    {
        while (_order.Count > 0 && (_order.Count > _capacity || now - _order.Peek().At > _retention))
        {
            var old = _order.Dequeue();
            // A released entry may have been re-added under the same id; only drop the exact instance.
            if (_byDelivery.TryGetValue(old.DeliveryId, out var current) && ReferenceEquals(current, old))
            {
                _byDelivery.Remove(old.DeliveryId);
            }

            if (_bySignature.TryGetValue(old.Signature, out var bySig) && ReferenceEquals(bySig, old))
            {
                _bySignature.Remove(old.Signature);
            }
        }
    }
}

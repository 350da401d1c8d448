namespace RawkodeAutomation.YouTube.Sandbox;

/// <summary>What an injected fault does to a request.</summary>
public enum SandboxFaultKind
{
    /// <summary>Answers 503 backendError (or <see cref="SandboxFault.StatusCode"/>).</summary>
    ServerError,
    /// <summary>Answers 429 rateLimitExceeded (or 403 rateLimitExceeded with <see cref="SandboxFault.StatusCode"/> 403).</summary>
    RateLimit,
    /// <summary>Answers 403 quotaExceeded as if the day's quota were spent.</summary>
    QuotaExceeded,
    /// <summary>Delays the request by <see cref="SandboxFault.Latency"/>, then serves it normally.</summary>
    Latency,
    /// <summary>Answers 401 authError as if the access token had been revoked server-side.</summary>
    Unauthorized,
}

/// <summary>
/// A fault for API requests: for the next <see cref="Times"/> matching calls, or for a fraction of them.
/// </summary>
/// <param name="Kind">What happens.</param>
/// <param name="Method">API method to hit, e.g. <c>videos.update</c>; null for every method.</param>
/// <param name="Times">How many matching calls it hits; null for unlimited.</param>
/// <param name="Fraction">Share of matching calls hit (0..1, deterministic sequence); null for all.</param>
/// <param name="Latency">For <see cref="SandboxFaultKind.Latency"/>.</param>
/// <param name="StatusCode">For <see cref="SandboxFaultKind.ServerError"/>: 500, 502, 503...; for <see cref="SandboxFaultKind.RateLimit"/>: 429 (default) or 403.</param>
/// <param name="PerSecond">For <see cref="SandboxFaultKind.RateLimit"/>: a real limit instead of a share: matching calls beyond this
/// many in the last second are refused (the refused ones do not count towards it).</param>
public sealed record SandboxFault(
    SandboxFaultKind Kind,
    string? Method = null,
    int? Times = 1,
    double? Fraction = null,
    TimeSpan? Latency = null,
    int StatusCode = 503,
    int? PerSecond = null);

internal sealed class FaultInjector
{
    private readonly object _gate = new();
    private readonly List<(SandboxFault Fault, int[] Left)> _faults = [];
    // Deterministic so a test with a fraction is repeatable.
    private readonly Random _random = new(1234);
    // Admission times of the calls a per-second limit let through, newest last.
    private readonly Queue<long> _admitted = new();

    /// <summary>Calls refused by a per-second limit since start.</summary>
    public int Throttled { get; private set; }

    public void Add(SandboxFault fault)
    {
        lock (_gate) { _faults.Add((fault, [fault.Times ?? int.MaxValue])); }
    }

    public void Clear()
    {
        lock (_gate) { _faults.Clear(); }
    }

    /// <summary>The faults that hit this call (latency first, then at most one failure).</summary>
    public (TimeSpan Delay, SandboxFault? Failure) Next(string method)
    {
        lock (_gate)
        {
            var delay = TimeSpan.Zero;
            SandboxFault? failure = null;
            foreach (var (fault, left) in _faults)
            {
                if (left[0] <= 0 || (fault.Method is not null && fault.Method != method)) { continue; }
                if (fault is { Kind: SandboxFaultKind.RateLimit, PerSecond: { } limit })
                {
                    if (failure is null && !Admit(limit)) { failure = fault; left[0]--; Throttled++; }
                    continue;
                }
                if (fault.Fraction is { } p && _random.NextDouble() >= p) { continue; }
                if (fault.Kind == SandboxFaultKind.Latency) { delay += fault.Latency ?? TimeSpan.FromMilliseconds(200); left[0]--; continue; }
                if (failure is null) { failure = fault; left[0]--; }
            }
            _faults.RemoveAll(f => f.Left[0] <= 0);
            return (delay, failure);
        }
    }

    // A sliding one-second window (callers hold _gate).
    private bool Admit(int limit)
    {
        var now = Environment.TickCount64;
        while (_admitted.Count > 0 && now - _admitted.Peek() >= 1000) { _admitted.Dequeue(); }
        if (_admitted.Count >= limit) { return false; }
        _admitted.Enqueue(now);
        return true;
    }
}

/// <summary>A clock the tests can move, e.g. past midnight Pacific to reset the quota.</summary>
public sealed class SandboxClock(DateTimeOffset start) : TimeProvider
{
    private readonly object _gate = new();
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate) { return _now; }
    }

    public void Advance(TimeSpan by)
    {
        lock (_gate) { _now += by; }
    }

    public void Set(DateTimeOffset now)
    {
        lock (_gate) { _now = now; }
    }
}

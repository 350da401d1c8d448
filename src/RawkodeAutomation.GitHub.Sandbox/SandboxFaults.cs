namespace RawkodeAutomation.GitHub.Sandbox;

/// <summary>One injected fault: requests that match answer <see cref="StatusCode"/> (after <see cref="Latency"/>) instead of being served.</summary>
/// <param name="Method">HTTP method to match, or null for any.</param>
/// <param name="PathContains">Substring of the request path to match, or null for any.</param>
/// <param name="StatusCode">Status to answer; 0 means "serve normally after the latency" (a pure delay).</param>
/// <param name="Times">How many matching requests it affects.</param>
/// <param name="Latency">Delay before answering.</param>
public sealed record FaultRule(string? Method, string? PathContains, int StatusCode, int Times = 1, TimeSpan Latency = default);

/// <summary>Fault injection for the sandbox (5xx, 403 rate limits, latency), consumed in order of addition.</summary>
public sealed class SandboxFaults
{
    private readonly Lock _lock = new();
    private readonly List<(FaultRule Rule, int Left)> _rules = [];

    /// <summary>Adds a rule.</summary>
    public void Add(FaultRule rule)
    {
        lock (_lock)
        {
            _rules.Add((rule, rule.Times));
        }
    }

    /// <summary>Removes every rule.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _rules.Clear();
        }
    }

    /// <summary>The rule that applies to this request (and uses one of its times), or null.</summary>
    internal FaultRule? Take(string method, string path)
    {
        lock (_lock)
        {
            for (var i = 0; i < _rules.Count; i++)
            {
                var (rule, left) = _rules[i];
                if ((rule.Method is null || string.Equals(rule.Method, method, StringComparison.OrdinalIgnoreCase))
                    && (rule.PathContains is null || path.Contains(rule.PathContains, StringComparison.Ordinal)))
                {
                    if (left <= 1)
                    {
                        _rules.RemoveAt(i);
                    }
                    else
                    {
                        _rules[i] = (rule, left - 1);
                    }

                    return rule;
                }
            }

            return null;
        }
    }
}

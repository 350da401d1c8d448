using Microsoft.Extensions.Logging;
using Temporalio.Runtime;

namespace RawkodeAutomation.Worker.Hosting;

/// <summary>
/// The Temporal SDK core's own log lines, forwarded into the host's logging (so they follow its format and levels, and
/// carry no raw colour codes when the output is not a terminal) instead of being printed by the core itself.
/// </summary>
public static class TemporalCoreLogging
{
    /// <summary>A runtime whose core logs go to <paramref name="logger"/>, less the one known-harmless race below.</summary>
    public static TemporalRuntime Runtime(ILogger logger) => new(new TemporalRuntimeOptions
    {
        Telemetry = new TelemetryOptions
        {
            Logging = new LoggingOptions { Forwarding = new LogForwardingOptions { Logger = new WithoutLateHeartbeats(logger), IncludeFields = true } },
        },
    });

    /// <summary>
    /// True for the core's warning about a heartbeat the server no longer knows the activity for: a throttled heartbeat
    /// sent just after its activity completed (long activities heartbeat their progress and a keep-alive, so this race
    /// happens on most of them). Nothing is lost; the activity's result was already reported.
    /// </summary>
    public static bool IsLateHeartbeat(IReadOnlyList<KeyValuePair<string, object?>> fields)
    {
        var message = fields.FirstOrDefault(f => f.Key == "Message").Value as string;
        var json = fields.FirstOrDefault(f => f.Key == "JsonFields").Value as IReadOnlyDictionary<string, string>;
        return message is not null && message.StartsWith("Activity heartbeat failed", StringComparison.Ordinal)
            && json is not null && json.Values.Any(v => v.Contains("UnknownActivity", StringComparison.Ordinal));
    }

    private sealed class WithoutLateHeartbeats(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (state is IReadOnlyList<KeyValuePair<string, object?>> fields && IsLateHeartbeat(fields))
            {
                return;
            }

            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}

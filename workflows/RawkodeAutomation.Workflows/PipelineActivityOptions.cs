using Temporalio.Common;
using Temporalio.Workflows;

namespace RawkodeAutomation.Workflows;

/// <summary>Activity options shared by the pipeline's workflows.</summary>
internal static class PipelineActivityOptions
{
    /// <summary>Transient failures (5xx, 429, timeouts) retry with backoff; the non-retryable types go back to the workflow.</summary>
    public static readonly RetryPolicy Retry = new()
    {
        InitialInterval = TimeSpan.FromSeconds(1),
        BackoffCoefficient = 2,
        MaximumInterval = TimeSpan.FromSeconds(30),
        MaximumAttempts = 20,
        NonRetryableErrorTypes = [.. PipelineErrors.NonRetryable],
    };

    /// <summary>
    /// Calls to YouTube and GitHub. The timeout is also how long a call lost with a crashed worker waits
    /// before it is handed out again, so it is kept short; the calls are idempotent.
    /// </summary>
    public static readonly ActivityOptions Short = new()
    {
        StartToCloseTimeout = TimeSpan.FromSeconds(30),
        RetryPolicy = Retry,
    };

    /// <summary>Signalling another entity through Temporal: sub-second normally.</summary>
    public static readonly ActivityOptions Signal = new()
    {
        StartToCloseTimeout = TimeSpan.FromSeconds(10),
        RetryPolicy = Retry,
    };

    /// <summary>
    /// Provisioning a cluster can take a quarter of an hour on a real management cluster, and applying a large commit
    /// takes a while too. The worker heartbeats these while they run (<c>ActivityKeepAlive</c> in the worker), so one
    /// lost with a killed worker is handed out again after <see cref="LongHeartbeat"/>, not after the 45 minutes an
    /// attempt may take. Temporal does not compare activity options on replay (only the activity's id and type), so
    /// histories recorded before the heartbeat timeout still replay.
    /// </summary>
    public static readonly ActivityOptions Long = new()
    {
        StartToCloseTimeout = TimeSpan.FromMinutes(45),
        HeartbeatTimeout = LongHeartbeat,
        RetryPolicy = Retry,
    };

    /// <summary>How long a long activity may go without a heartbeat before Temporal hands it out again.</summary>
    public static TimeSpan LongHeartbeat => TimeSpan.FromSeconds(30);
}

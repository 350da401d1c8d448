namespace RawkodeAutomation.Worker.Hosting;

/// <summary>
/// How the worker reaches Temporal and paces the pipeline. Bound from <c>Temporal</c> (address,
/// namespace, API key; <c>TEMPORAL_ADDRESS</c> also works) and <c>Pipeline</c>; the daily quota comes
/// from <c>YouTube:DailyQuota</c>.
/// </summary>
/// <remarks>Temporal client options: https://docs.temporal.io/develop/dotnet/temporal-client</remarks>
public sealed class PipelineOptions
{
    /// <summary><c>host:port</c> of the Temporal frontend. Unset: the embedded offline server.</summary>
    public string? Address { get; set; }

    public string Namespace { get; set; } = "default";

    /// <summary>Temporal Cloud API key (enables TLS). Never logged.</summary>
    public string? ApiKey { get; set; }

    public string TaskQueue { get; set; } = RawkodeAutomation.Workflows.WorkflowIds.TaskQueue;

    /// <summary>YouTube units per Pacific day.</summary>
    public long DailyQuota { get; set; } = 10_000;

    /// <summary>Units sweeps leave for live scheduling and thumbnails.</summary>
    public long SweepReserve { get; set; } = 1_000;

    /// <summary>Episodes a person's sweep signals at once.</summary>
    public int SweepBatchSize { get; set; } = 20;

    /// <summary>How often the cleanup Schedule starts a pass (<c>rawkode up</c> updates the Schedule when this changes).</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Signals sent in parallel when a commit touches many episodes.</summary>
    public int SignalParallelism { get; set; } = 16;

    /// <summary>How often a running Klustered show is checked for the fix. Unset: every 30 s.</summary>
    public TimeSpan? FixPollInterval { get; set; }

    /// <summary>Link for commit statuses (e.g. the Temporal UI of the deployment); <c>{sha}</c> is replaced.</summary>
    public string? RunUrlTemplate { get; set; }
}

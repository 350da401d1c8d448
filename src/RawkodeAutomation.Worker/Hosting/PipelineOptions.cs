using Microsoft.Extensions.Options;

namespace RawkodeAutomation.Worker.Hosting;

/// <summary>
/// How the worker reaches Temporal and paces the pipeline. Bound from the <c>Pipeline</c> section and validated on
/// start (<see cref="Problems"/>); address, namespace and API key come from <see cref="TemporalConnectionSettings"/> and the
/// daily quota from <c>YouTube:DailyQuota</c>.
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

    /// <summary>
    /// The file where YouTube activities note each answered call (<c>.rawkode/youtube-calls.tsv</c> for <c>rawkode up</c>),
    /// so the calls of a killed worker are still settled with the quota entity. Unset: kept in memory.
    /// </summary>
    public string? CallJournalPath { get; set; }

    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Pipeline";

    /// <summary>Every problem that stops the pipeline from running as configured, each naming its configuration key.</summary>
    public IReadOnlyList<string> Problems()
    {
        List<string> problems = [];
        if (string.IsNullOrWhiteSpace(Address))
        {
            problems.Add($"{TemporalConnectionSettings.AddressKey} (TEMPORAL_ADDRESS, or the address of a Temporal profile) is not set; the embedded defaults set it to the offline server.");
        }
        if (string.IsNullOrWhiteSpace(Namespace))
        {
            problems.Add($"{TemporalConnectionSettings.NamespaceKey} (TEMPORAL_NAMESPACE) must not be empty.");
        }
        if (string.IsNullOrWhiteSpace(TaskQueue))
        {
            problems.Add("Pipeline:TaskQueue must not be empty.");
        }
        if (DailyQuota < 1)
        {
            problems.Add($"YouTube:DailyQuota must be positive, got {DailyQuota}.");
        }
        if (SweepReserve < 0 || (DailyQuota >= 1 && SweepReserve >= DailyQuota))
        {
            problems.Add($"Pipeline:SweepReserve must be from 0 to less than YouTube:DailyQuota ({DailyQuota}), got {SweepReserve}: it is what sweeps leave of the day's units.");
        }
        if (SweepBatchSize < 1)
        {
            problems.Add($"Pipeline:SweepBatchSize must be at least 1, got {SweepBatchSize}.");
        }
        if (CleanupInterval <= TimeSpan.Zero)
        {
            problems.Add($"Pipeline:CleanupInterval must be positive (e.g. 01:00:00), got {CleanupInterval}.");
        }
        if (SignalParallelism < 1)
        {
            problems.Add($"Pipeline:SignalParallelism must be at least 1, got {SignalParallelism}.");
        }
        if (FixPollInterval is { } poll && poll <= TimeSpan.Zero)
        {
            problems.Add($"Pipeline:FixPollInterval must be positive (e.g. 00:00:30), got {poll}.");
        }
        if (RunUrlTemplate is { Length: > 0 } template && !Uri.TryCreate(template.Replace("{sha}", "0", StringComparison.Ordinal), UriKind.Absolute, out _))
        {
            problems.Add($"Pipeline:RunUrlTemplate must be an absolute URL ({{sha}} is replaced by the commit), got '{template}'.");
        }
        return problems;
    }
}

/// <summary>Reports every problem of <see cref="PipelineOptions"/>, each naming its configuration key.</summary>
internal sealed class PipelineOptionsValidator : IValidateOptions<PipelineOptions>
{
    public ValidateOptionsResult Validate(string? name, PipelineOptions options)
    {
        var problems = options.Problems();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

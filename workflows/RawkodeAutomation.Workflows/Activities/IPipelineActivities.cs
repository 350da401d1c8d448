using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Activities;

namespace RawkodeAutomation.Workflows.Activities;

/// <summary>
/// Reading commits and talking to other entities. Workflows cannot signal-with-start another
/// workflow themselves, so the calls that must create the entity if it does not exist run here.
/// </summary>
public interface ICommitActivities
{
    /// <summary>
    /// Read the commit's tree, validate it, compute every episode's desired spec, and signal the
    /// entities whose spec differs from the parent commit's (every one when <c>Full</c>).
    /// Invalid commits signal nothing.
    /// </summary>
    [Activity]
    Task<CommitOutcome> ApplyCommitAsync(CommitInput input);

    /// <summary>Report the commit's status where it came from (GitHub commit status, or the local log).</summary>
    /// <remarks>Upstream: https://docs.github.com/en/rest/commits/statuses</remarks>
    [Activity]
    Task<CommitStatusResult> ReportCommitStatusAsync(CommitStatusInput input);

    /// <summary>Signal-with-start the given episodes with their spec at <c>Commit</c> (used by sweeps).</summary>
    [Activity]
    Task<SignalEpisodesResult> SignalEpisodesAsync(SignalEpisodesInput input);
}

/// <summary>Input of <see cref="ICommitActivities.ReportCommitStatusAsync"/>.</summary>
/// <param name="State">pending, success, failure or error.</param>
/// <param name="Details">Every finding (each validation error as <c>path:line:column: message</c>).</param>
public sealed record CommitStatusInput(string Sha, string State, string Description, string? TargetUrl, IReadOnlyList<string>? Details = null);

/// <summary>Result of <see cref="ICommitActivities.ReportCommitStatusAsync"/>.</summary>
public sealed record CommitStatusResult(bool Reported, string Where);

/// <summary>Input of <see cref="ICommitActivities.SignalEpisodesAsync"/>.</summary>
public sealed record SignalEpisodesInput(string Commit, DateTimeOffset CommitTime, IReadOnlyList<string> EpisodeIds, ChangeReason Reason, string? NotifyWorkflowId);

/// <summary>Result of <see cref="ICommitActivities.SignalEpisodesAsync"/>.</summary>
/// <param name="Missing">Episodes that no longer exist at the commit (the sweep counts them as done).</param>
public sealed record SignalEpisodesResult(IReadOnlyList<string> Signaled, IReadOnlyList<string> Missing);

/// <summary>The quota entity's front door: signal-with-start so it always exists.</summary>
public interface IQuotaActivities
{
    /// <summary>Ask the quota entity for units; the grant arrives as a signal.</summary>
    [Activity]
    Task<QuotaRequestResult> RequestQuotaAsync(QuotaRequest input);
}

/// <summary>Result of <see cref="IQuotaActivities.RequestQuotaAsync"/>.</summary>
public sealed record QuotaRequestResult(bool Accepted);

/// <summary>Removes what nothing owns any more.</summary>
public interface ICleanupActivities
{
    /// <summary>Clusters past their TTL, broadcasts whose episode is gone, anything labelled as ours that nothing owns.</summary>
    [Activity]
    Task<CleanupReport> CleanupAsync(CleanupInput input);
}

/// <summary>Input of <see cref="ICleanupActivities.CleanupAsync"/>.</summary>
public sealed record CleanupInput(DateTimeOffset Now);

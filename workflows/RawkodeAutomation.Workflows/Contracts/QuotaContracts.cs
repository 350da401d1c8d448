namespace RawkodeAutomation.Workflows.Contracts;

/// <summary>Who goes first when units are scarce. Lower value = higher priority.</summary>
public enum QuotaPriority
{
    /// <summary>Creating/updating/deleting the broadcast of a show: viewers are waiting for it.</summary>
    LiveScheduling = 0,

    /// <summary>Uploading a thumbnail.</summary>
    Thumbnail = 1,

    /// <summary>Retroactive description rewrites: can wait for tomorrow.</summary>
    Sweep = 2,
}

/// <summary>A request for units, sent by a requester workflow to the quota entity.</summary>
/// <param name="RequestId">Unique per request; duplicates of an id are ignored.</param>
/// <param name="RequesterWorkflowId">Where to signal <see cref="PipelineSignals.QuotaGranted"/>.</param>
public sealed record QuotaRequest(string RequestId, string RequesterWorkflowId, long Units, QuotaPriority Priority, string Purpose);

/// <summary>Units reserved for a request.</summary>
/// <param name="Credentials">The fingerprint of the credentials the workers said they used when the units were granted.</param>
public sealed record QuotaGrant(string RequestId, long Units, string Day, string? Credentials = null);

/// <summary>What the call really cost; <paramref name="Exhausted"/> when YouTube said quotaExceeded.</summary>
/// <param name="CredentialsRejected">YouTube refused the channel's credentials: grant nothing until a worker with other credentials starts.</param>
public sealed record QuotaSettlement(string RequestId, long UnitsSpent, bool Exhausted, bool CredentialsRejected = false);

/// <summary>Input of the quota entity; <paramref name="Carried"/> is set on continue-as-new.</summary>
/// <param name="DailyBudget">Units per Pacific day (YouTube's default is 10,000).</param>
/// <param name="SweepReserve">Units a sweep may never use, kept for live scheduling and thumbnails.</param>
public sealed record QuotaWorkflowInput(long DailyBudget, long SweepReserve = 0, QuotaLedgerState? Carried = null);

/// <summary>An operator or test changes the budget (e.g. after YouTube granted more quota).</summary>
public sealed record QuotaBudget(long DailyBudget, long SweepReserve);

/// <summary>A queued request with its arrival order.</summary>
public sealed record QueuedQuotaRequest(QuotaRequest Request, long Sequence);

/// <summary>The serializable state of the quota ledger.</summary>
public sealed record QuotaLedgerState(
    string Day,
    long DailyBudget,
    long SweepReserve,
    long Used,
    bool Exhausted,
    IReadOnlyList<QueuedQuotaRequest> Queue,
    IReadOnlyList<QuotaGrant> Outstanding,
    IReadOnlyList<string> RecentlySettled,
    long NextSequence,
    long TotalSpent,
    int Resets,
    string? CredentialsInUse = null,
    bool CredentialsRejected = false,
    string? RejectedCredentials = null);

/// <summary>What an operator sees when querying the quota entity.</summary>
public sealed record QuotaStatus(
    string Day,
    long DailyBudget,
    long Used,
    long Remaining,
    bool Exhausted,
    int QueuedLiveScheduling,
    int QueuedThumbnails,
    int QueuedSweeps,
    int Outstanding,
    DateTimeOffset NextReset,
    long TotalSpent,
    int Resets,
    bool CredentialsRejected = false);

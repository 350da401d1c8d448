using System.Collections.Concurrent;
using RawkodeAutomation.Episodes.Quota;

namespace RawkodeAutomation.YouTube.Quota;

/// <summary>One call as the ledger saw it.</summary>
/// <param name="At">When the call was made.</param>
/// <param name="PacificDay">The quota day (midnight-to-midnight America/Los_Angeles) it counts against.</param>
/// <param name="Method">e.g. <c>videos.update</c>.</param>
/// <param name="Units">Units charged.</param>
/// <param name="Succeeded">False when the API answered with an error (still charged).</param>
/// <param name="Target">The id the call was about, if any.</param>
public sealed record QuotaEntry(DateTimeOffset At, DateOnly PacificDay, string Method, int Units, bool Succeeded, string? Target);

/// <summary>
/// Records the quota cost of every YouTube call so the pipeline can budget its day
/// (DESIGN.md §4 "quota"): 10,000 units per day by default, reset at midnight Pacific.
/// </summary>
public interface IQuotaLedger
{
    /// <summary>Units per day.</summary>
    int DailyQuota { get; }

    /// <summary>Adds one call.</summary>
    void Record(string method, int units, bool succeeded, string? target);

    /// <summary>Units spent on the current Pacific day.</summary>
    int SpentToday { get; }

    /// <summary><see cref="DailyQuota"/> minus <see cref="SpentToday"/>, never negative.</summary>
    int RemainingToday { get; }

    /// <summary>When the current quota day ends.</summary>
    DateTimeOffset NextReset { get; }

    /// <summary>Every call recorded so far, oldest first.</summary>
    IReadOnlyList<QuotaEntry> Entries { get; }
}

/// <summary>An in-process ledger (the durable budget lives in the quota workflow; this one feeds it).</summary>
public sealed class InMemoryQuotaLedger(TimeProvider clock, int dailyQuota = 10_000) : IQuotaLedger
{
    private readonly ConcurrentQueue<QuotaEntry> _entries = new();

    public int DailyQuota { get; } = dailyQuota;

    public void Record(string method, int units, bool succeeded, string? target)
    {
        var now = clock.GetUtcNow();
        _entries.Enqueue(new QuotaEntry(now, PacificDay.Of(now), method, units, succeeded, target));
    }

    public int SpentToday
    {
        get
        {
            var today = PacificDay.Of(clock.GetUtcNow());
            return _entries.Where(e => e.PacificDay == today).Sum(e => e.Units);
        }
    }

    public int RemainingToday => Math.Max(0, DailyQuota - SpentToday);

    public DateTimeOffset NextReset => PacificDay.NextReset(clock.GetUtcNow());

    public IReadOnlyList<QuotaEntry> Entries => [.. _entries];
}

using System.Collections.Concurrent;

namespace RawkodeAutomation.YouTube.Quota;

/// <summary>
/// Unit costs of the YouTube Data API v3 methods we call (docs/architecture.md, "Facts about the outside world"). A failed request costs the same:
/// the API charges invalid requests too, and over-counting is the safe side of a daily budget.
/// https://developers.google.com/youtube/v3/determine_quota_cost
/// </summary>
public static class QuotaCosts
{
    private static readonly Dictionary<string, int> Costs = new(StringComparer.Ordinal)
    {
        ["liveBroadcasts.insert"] = 50,
        ["liveBroadcasts.update"] = 50,
        ["liveBroadcasts.bind"] = 50,
        ["liveBroadcasts.transition"] = 50,
        ["liveBroadcasts.delete"] = 50,
        ["liveBroadcasts.list"] = 1,
        ["liveStreams.insert"] = 50,
        ["liveStreams.delete"] = 50,
        ["liveStreams.list"] = 1,
        ["videos.list"] = 1,
        ["videos.update"] = 50,
        ["thumbnails.set"] = 50,
        ["playlistItems.list"] = 1,
        ["playlistItems.insert"] = 50,
        ["channels.list"] = 1,
    };

    /// <summary>The methods we know, with their cost.</summary>
    public static IReadOnlyDictionary<string, int> All => Costs;

    /// <summary>Cost of <paramref name="method"/> (e.g. <c>videos.update</c>).</summary>
    public static int For(string method) =>
        Costs.TryGetValue(method, out var units) ? units : throw new ArgumentException($"Unknown YouTube method '{method}'.", nameof(method));
}

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
/// (docs/architecture.md, "The quota"): 10,000 units per day by default, reset at midnight Pacific.
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
        _entries.Enqueue(new QuotaEntry(now, PacificTime.DayOf(now), method, units, succeeded, target));
    }

    public int SpentToday
    {
        get
        {
            var today = PacificTime.DayOf(clock.GetUtcNow());
            return _entries.Where(e => e.PacificDay == today).Sum(e => e.Units);
        }
    }

    public int RemainingToday => Math.Max(0, DailyQuota - SpentToday);

    public DateTimeOffset NextReset => PacificTime.NextMidnight(clock.GetUtcNow());

    public IReadOnlyList<QuotaEntry> Entries => [.. _entries];
}

/// <summary>The YouTube quota day: midnight to midnight in America/Los_Angeles.</summary>
public static class PacificTime
{
    private static readonly TimeZoneInfo? Zone = FindZone();

    private static TimeZoneInfo? FindZone()
    {
        try { return TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles"); }
        catch (TimeZoneNotFoundException) { return null; }
        catch (InvalidTimeZoneException) { return null; }
    }

    /// <summary>Local Pacific time of <paramref name="instant"/>.</summary>
    public static DateTimeOffset ToPacific(DateTimeOffset instant) =>
        instant.ToOffset(Offset(instant));

    /// <summary>The Pacific calendar day of <paramref name="instant"/>.</summary>
    public static DateOnly DayOf(DateTimeOffset instant) => DateOnly.FromDateTime(ToPacific(instant).DateTime);

    /// <summary>The first Pacific midnight strictly after <paramref name="instant"/>.</summary>
    public static DateTimeOffset NextMidnight(DateTimeOffset instant)
    {
        var nextDay = DayOf(instant).AddDays(1).ToDateTime(TimeOnly.MinValue);
        // Midnight is never inside a DST gap in this zone (changes happen at 02:00), so the offset is unambiguous.
        var guess = new DateTimeOffset(nextDay, TimeSpan.FromHours(-8));
        return new DateTimeOffset(nextDay, Offset(guess.AddHours(-1)));
    }

    private static TimeSpan Offset(DateTimeOffset instant)
    {
        if (Zone is not null) { return Zone.GetUtcOffset(instant); }
        // Without tzdata: US rules since 2007 (second Sunday of March to first Sunday of November, 02:00 local).
        var year = instant.UtcDateTime.Year;
        var start = NthSunday(year, 3, 2).AddHours(2 + 8);
        var end = NthSunday(year, 11, 1).AddHours(2 + 7);
        var utc = instant.UtcDateTime;
        return utc >= start && utc < end ? TimeSpan.FromHours(-7) : TimeSpan.FromHours(-8);
    }

    private static DateTime NthSunday(int year, int month, int n)
    {
        var first = new DateTime(year, month, 1, 0, 0, 0, DateTimeKind.Utc);
        var offset = ((int)DayOfWeek.Sunday - (int)first.DayOfWeek + 7) % 7;
        return first.AddDays(offset + (7 * (n - 1)));
    }
}

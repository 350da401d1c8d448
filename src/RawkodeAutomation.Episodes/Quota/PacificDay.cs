using System.Globalization;

namespace RawkodeAutomation.Episodes.Quota;

/// <summary>
/// YouTube's quota day: it resets at midnight US Pacific time. The one Pacific-day function of the project: the
/// client's ledger, the quota workflow and the plan all count days with it. The US rules (since 2007: daylight
/// time from the second Sunday of March 02:00 to the first Sunday of November 02:00) are coded here rather than
/// read from the machine's tz database, so workflow code stays a pure function of <c>Workflow.UtcNow</c> and
/// replays identically on any machine, with or without tzdata.
/// </summary>
public static class PacificDay
{
    private static readonly TimeSpan Standard = TimeSpan.FromHours(-8);
    private static readonly TimeSpan Daylight = TimeSpan.FromHours(-7);

    /// <summary>The UTC offset of Pacific time at an instant.</summary>
    public static TimeSpan OffsetAt(DateTimeOffset instant)
    {
        var utc = instant.UtcDateTime;
        // The year as seen in Pacific standard time, so 1 Jan 05:00 UTC still belongs to the old year.
        var year = (utc + Standard).Year;
        var dstStartUtc = NthSunday(year, 3, 2).AddHours(2) - Standard;   // 02:00 PST
        var dstEndUtc = NthSunday(year, 11, 1).AddHours(2) - Daylight;    // 02:00 PDT
        return utc >= dstStartUtc && utc < dstEndUtc ? Daylight : Standard;
    }

    /// <summary>The instant as Pacific local time.</summary>
    public static DateTimeOffset ToPacific(DateTimeOffset instant) => instant.ToOffset(OffsetAt(instant));

    /// <summary>The quota day (the Pacific calendar date) an instant belongs to.</summary>
    public static DateOnly Of(DateTimeOffset instant) =>
        DateOnly.FromDateTime((instant.UtcDateTime + OffsetAt(instant)).Date);

    /// <summary>The quota day as <c>yyyy-MM-dd</c> (how the quota ledger stores it).</summary>
    public static string KeyOf(DateTimeOffset instant) =>
        Of(instant).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The next quota reset (the next Pacific midnight) strictly after an instant, in UTC.</summary>
    public static DateTimeOffset NextReset(DateTimeOffset instant)
    {
        var nextDay = Of(instant).AddDays(1);
        // Transitions happen at 02:00 local, so midnight has the offset of the evening before it.
        // Probe 61 minutes before midnight-if-it-were-standard-time: that is 22:59 or 23:59 of the
        // evening before, after that day's transition, so it has the offset midnight has.
        var midnightLocal = nextDay.ToDateTime(TimeOnly.MinValue);
        var guessUtc = new DateTimeOffset(midnightLocal, TimeSpan.Zero) - Standard;
        var offset = OffsetAt(guessUtc.AddMinutes(-61));
        return new DateTimeOffset(midnightLocal - offset, TimeSpan.Zero);
    }

    private static DateTime NthSunday(int year, int month, int n)
    {
        var first = new DateTime(year, month, 1, 0, 0, 0, DateTimeKind.Utc);
        var daysToSunday = ((int)DayOfWeek.Sunday - (int)first.DayOfWeek + 7) % 7;
        return first.AddDays(daysToSunday + (7 * (n - 1)));
    }
}

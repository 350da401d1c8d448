using RawkodeAutomation.Episodes.Quota;

namespace RawkodeAutomation.Episodes.Tests;

public class PacificDayTests
{
    [Theory]
    [InlineData("2026-01-15T12:00:00Z", "2026-01-16T08:00:00Z")] // winter: PST, midnight = 08:00Z
    [InlineData("2026-07-01T06:59:00Z", "2026-07-01T07:00:00Z")] // summer: 23:59 PDT, reset in a minute
    [InlineData("2026-07-01T07:00:00Z", "2026-07-02T07:00:00Z")] // exactly midnight PDT: the next one
    [InlineData("2026-03-08T12:00:00Z", "2026-03-09T07:00:00Z")] // DST starts 8 Mar 2026: next midnight is PDT
    [InlineData("2026-03-08T07:30:00Z", "2026-03-08T08:00:00Z")] // 23:30 PST on 7 Mar: midnight still PST
    [InlineData("2026-11-01T12:00:00Z", "2026-11-02T08:00:00Z")] // DST ends 1 Nov 2026: next midnight is PST
    [InlineData("2026-10-31T12:00:00Z", "2026-11-01T07:00:00Z")] // the midnight before the change is PDT
    public void NextReset_KnownInstants_IsNextPacificMidnight(string now, string expected)
    {
        var reset = PacificDay.NextReset(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), reset);
    }

    [Fact]
    public void OffsetAndDay_EveryHourForTwoYears_MatchTheTzDatabase()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles");
        var start = new DateTimeOffset(2025, 1, 1, 0, 30, 0, TimeSpan.Zero);
        for (var t = start; t < start.AddYears(2); t = t.AddHours(1))
        {
            Assert.Equal(zone.GetUtcOffset(t), PacificDay.OffsetAt(t));
            var local = TimeZoneInfo.ConvertTime(t, zone);
            Assert.Equal(DateOnly.FromDateTime(local.DateTime), PacificDay.Of(t));
        }
    }

    [Fact]
    public void NextReset_EveryHourForTwoYears_IsLocalMidnightAndWithin25Hours()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles");
        var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var t = start; t < start.AddYears(2); t = t.AddMinutes(47))
        {
            var reset = PacificDay.NextReset(t);
            Assert.True(reset > t);
            Assert.True(reset - t <= TimeSpan.FromHours(25), $"{t:O} → {reset:O}");
            Assert.Equal(TimeSpan.Zero, TimeZoneInfo.ConvertTime(reset, zone).TimeOfDay);
            Assert.Equal(PacificDay.Of(t).AddDays(1), PacificDay.Of(reset));
        }
    }
}

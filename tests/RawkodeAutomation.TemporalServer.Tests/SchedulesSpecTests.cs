using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using RawkodeAutomation.TemporalServer.Schedules;
using Temporalio.Api.Schedule.V1;

namespace RawkodeAutomation.TemporalServer.Tests;

/// <summary>Action times of schedule specs, computed without a server.</summary>
public sealed class SchedulesSpecTests
{
    private static DateTime Utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) => new(y, mo, d, h, mi, s, DateTimeKind.Utc);

    private static List<DateTime> Times(ScheduleSpec spec, DateTime after, int count)
    {
        ScheduleSpecCalculator.Validate(spec);
        var result = new List<DateTime>();
        while (result.Count < count && ScheduleSpecCalculator.NextNominal(spec, after) is { } next)
        {
            result.Add(next);
            after = next;
        }
        return result;
    }

    [Fact]
    public void NextNominal_IntervalWithOffset_AlignedToEpochPlusOffset()
    {
        var spec = new ScheduleSpec { Interval = { new IntervalSpec { Interval = Duration.FromTimeSpan(TimeSpan.FromHours(1)), Phase = Duration.FromTimeSpan(TimeSpan.FromMinutes(15)) } } };
        Assert.Equal([Utc(2026, 1, 1, 10, 15), Utc(2026, 1, 1, 11, 15)], Times(spec, Utc(2026, 1, 1, 10, 0), 2));
        // A time exactly on the schedule is not "after" itself.
        Assert.Equal([Utc(2026, 1, 1, 11, 15)], Times(spec, Utc(2026, 1, 1, 10, 15), 1));
    }

    [Fact]
    public void NextNominal_CronWeekdaysAtNine_SkipsTheWeekend()
    {
        var spec = new ScheduleSpec { CronString = { "0 9 * * MON-FRI" } };
        // 2026-01-02 is a Friday.
        Assert.Equal([Utc(2026, 1, 2, 9), Utc(2026, 1, 5, 9), Utc(2026, 1, 6, 9)], Times(spec, Utc(2026, 1, 2, 8), 3));
    }

    [Fact]
    public void NextNominal_CronSixFieldsWithStep_EveryFifteenSeconds()
    {
        var spec = new ScheduleSpec { CronString = { "*/15 * * * * *" } };
        Assert.Equal([Utc(2026, 3, 1, 0, 0, 15), Utc(2026, 3, 1, 0, 0, 30), Utc(2026, 3, 1, 0, 0, 45), Utc(2026, 3, 1, 0, 1, 0)], Times(spec, Utc(2026, 3, 1, 0, 0, 1), 4));
    }

    [Fact]
    public void NextNominal_ShorthandsAndNames_MatchTheirExpansion()
    {
        Assert.Equal([Utc(2026, 2, 1)], Times(new ScheduleSpec { CronString = { "@monthly" } }, Utc(2026, 1, 15), 1));
        Assert.Equal([Utc(2026, 7, 4, 12)], Times(new ScheduleSpec { CronString = { "0 12 4 JUL *" } }, Utc(2026, 1, 1), 1));
    }

    [Fact]
    public void NextNominal_StructuredCalendarInTimeZone_ConvertedToUtc()
    {
        var spec = new ScheduleSpec
        {
            TimezoneName = "UTC",
            StructuredCalendar = { new StructuredCalendarSpec { Hour = { new Temporalio.Api.Schedule.V1.Range { Start = 18 } }, DayOfWeek = { new Temporalio.Api.Schedule.V1.Range { Start = 4 } } } },
        };
        // Thursdays at 18:00: 2026-01-01 is a Thursday.
        Assert.Equal([Utc(2026, 1, 1, 18), Utc(2026, 1, 8, 18)], Times(spec, Utc(2026, 1, 1), 2));
    }

    [Fact]
    public void NextNominal_CronTzPrefix_EvaluatedInThatZone()
    {
        // A fixed-offset zone from the system database; skipped silently only where tzdata is missing is not
        // acceptable for a test, so this uses "Etc/GMT-2" which every tzdata has (UTC+2, sign inverted by POSIX).
        var spec = new ScheduleSpec { CronString = { "CRON_TZ=Etc/GMT-2 0 9 * * *" } };
        Assert.Equal([Utc(2026, 1, 1, 7)], Times(spec, Utc(2026, 1, 1), 1));
    }

    [Fact]
    public void NextNominal_StartAndEndTime_BoundTheTimes()
    {
        var spec = new ScheduleSpec
        {
            Interval = { new IntervalSpec { Interval = Duration.FromTimeSpan(TimeSpan.FromHours(1)) } },
            StartTime = Timestamp.FromDateTime(Utc(2026, 1, 1, 5)),
            EndTime = Timestamp.FromDateTime(Utc(2026, 1, 1, 7)),
        };
        Assert.Equal([Utc(2026, 1, 1, 5), Utc(2026, 1, 1, 6), Utc(2026, 1, 1, 7)], Times(spec, Utc(2026, 1, 1), 10));
    }

    [Fact]
    public void NextNominal_ExcludedCalendar_SkipsExcludedTimes()
    {
        var spec = new ScheduleSpec
        {
            Interval = { new IntervalSpec { Interval = Duration.FromTimeSpan(TimeSpan.FromHours(1)) } },
            ExcludeStructuredCalendar = { new StructuredCalendarSpec { Hour = { new Temporalio.Api.Schedule.V1.Range { Start = 2, End = 3 } } } },
        };
        Assert.Equal([Utc(2026, 1, 1, 1), Utc(2026, 1, 1, 4)], Times(spec, Utc(2026, 1, 1, 0, 30), 2));
    }

    [Fact]
    public void WithJitter_SameInput_SameDelayWithinJitter()
    {
        var spec = new ScheduleSpec { Jitter = Duration.FromTimeSpan(TimeSpan.FromMinutes(10)) };
        var nominal = Utc(2026, 1, 1, 12);
        var delays = Enumerable.Range(0, 20).Select(i => ScheduleSpecCalculator.WithJitter(spec, $"s{i}", nominal) - nominal).ToList();
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.Zero, TimeSpan.FromMinutes(10)));
        Assert.True(delays.Distinct().Count() > 10);
        Assert.Equal(ScheduleSpecCalculator.WithJitter(spec, "s1", nominal), ScheduleSpecCalculator.WithJitter(spec, "s1", nominal));
    }

    [Theory]
    [InlineData("0 9 * *", "5, 6 or 7 fields")]
    [InlineData("0 25 * * *", "hour '25'")]
    [InlineData("CRON_TZ=Nowhere/Atlantis 0 9 * * *", "unknown time zone 'Nowhere/Atlantis'")]
    [InlineData("@every 5m", "@every is not supported")]
    public void Validate_BadCron_InvalidArgumentSayingWhat(string cron, string message)
    {
        var error = Assert.Throws<RpcException>(() => ScheduleSpecCalculator.Validate(new ScheduleSpec { CronString = { cron } }));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("Schedule.Spec.CronString[0]", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(message, error.Status.Detail, StringComparison.Ordinal);
    }
}

using Grpc.Core;
using Temporalio.Api.Schedule.V1;

namespace RawkodeAutomation.TemporalServer.Schedules;

/// <summary>
/// Computes the action times of a <c>temporal.api.schedule.v1.ScheduleSpec</c>
/// (https://github.com/temporalio/api/blob/master/temporal/api/schedule/v1/message.proto).
/// Interval specs, structured calendars, cron strings (with time zones) and excluded structured calendars are
/// supported; the deprecated string calendars are refused at create/update time with a clear error, so a
/// schedule never silently fires at the wrong times.
/// </summary>
internal static class ScheduleSpecCalculator
{
    /// <summary>Refuses the parts of a spec this server cannot compute.</summary>
    public static void Validate(ScheduleSpec? spec)
    {
        if (spec is null)
        {
            throw Engine.Errors.InvalidArgument("Schedule.Spec is not set.");
        }
        // The deprecated calendar fields are still checked: an old client may send them.
#pragma warning disable CS0612
        if (spec.Calendar.Count > 0 || spec.ExcludeCalendar.Count > 0)
        {
            throw new RpcException(new Status(StatusCode.Unimplemented,
                "Schedule.Spec: the deprecated string calendar fields are not supported by this offline server; use structured_calendar or cron_string."));
        }
#pragma warning restore CS0612
        for (var i = 0; i < spec.Interval.Count; i++)
        {
            var interval = spec.Interval[i].Interval?.ToTimeSpan() ?? TimeSpan.Zero;
            if (interval < TimeSpan.FromSeconds(1))
            {
                throw Engine.Errors.InvalidArgument($"Schedule.Spec.Interval[{i}]: interval must be at least 1s, got {interval}.");
            }
            var phase = spec.Interval[i].Phase?.ToTimeSpan() ?? TimeSpan.Zero;
            if (phase < TimeSpan.Zero || phase >= interval)
            {
                throw Engine.Errors.InvalidArgument($"Schedule.Spec.Interval[{i}]: phase (offset) must be in [0, interval), got {phase}.");
            }
        }
        // Building them validates every calendar, cron string and time zone.
        _ = Calendars(spec);
        if (spec.Jitter?.ToTimeSpan() < TimeSpan.Zero)
        {
            throw Engine.Errors.InvalidArgument("Schedule.Spec.Jitter must not be negative.");
        }
    }

    /// <summary>
    /// The first nominal time strictly after <paramref name="after"/> (interval times are multiples of the
    /// interval since the Unix epoch, shifted by the phase, like real Temporal), within start/end time; null if none.
    /// </summary>
    public static DateTime? NextNominal(ScheduleSpec spec, DateTime after)
    {
        var start = spec.StartTime?.ToDateTime();
        if (start is { } s && after < s)
        {
            // The start time itself is allowed, so look just before it.
            after = s.AddTicks(-1);
        }
        var (include, exclude) = Calendars(spec);
        DateTime? best = null;
        // Excluded times are stepped over; the bound keeps a spec that excludes everything from spinning.
        for (var attempt = 0; attempt < 100_000; attempt++)
        {
            best = EarliestAfter(spec, include, after);
            if (best is not { } candidate || !exclude.Any(e => e.Next(candidate.AddTicks(-1)) == candidate))
            {
                break;
            }
            after = candidate;
            best = null;
        }
        if (best is { } b && spec.EndTime?.ToDateTime() is { } end && b > end)
        {
            return null;
        }
        return best;
    }

    private static DateTime? EarliestAfter(ScheduleSpec spec, List<CalendarSpec> calendars, DateTime after)
    {
        DateTime? best = null;
        foreach (var interval in spec.Interval)
        {
            var every = interval.Interval.ToTimeSpan().Ticks;
            var phase = interval.Phase?.ToTimeSpan().Ticks ?? 0;
            var sinceEpoch = after.Ticks - DateTime.UnixEpoch.Ticks - phase;
            // Integer floor division: doubles cannot tell ticks apart at today's magnitudes.
            var k = (sinceEpoch / every) - (sinceEpoch % every < 0 ? 1 : 0) + 1;
            var candidate = new DateTime(DateTime.UnixEpoch.Ticks + phase + (k * every), DateTimeKind.Utc);
            if (best is null || candidate < best)
            {
                best = candidate;
            }
        }
        foreach (var calendar in calendars)
        {
            if (calendar.Next(after) is { } candidate && (best is null || candidate < best))
            {
                best = candidate;
            }
        }
        return best;
    }

    /// <summary>The spec's calendars (structured and cron) and excluded calendars, each in its time zone.</summary>
    /// <summary>
    /// Compiles the cron strings of <paramref name="spec"/> into structured calendars, as the real server does when
    /// it stores a schedule (so describe shows calendars, never cron strings). A <c>CRON_TZ=</c> becomes the spec's time
    /// zone; cron strings that disagree with it (or with each other) are an invalid argument.
    /// </summary>
    public static void CompileCronStrings(ScheduleSpec? spec)
    {
        if (spec is null || spec.CronString.Count == 0)
        {
            return;
        }
        for (var i = 0; i < spec.CronString.Count; i++)
        {
            var where = $"Schedule.Spec.CronString[{i}]";
            var (calendar, cronZone) = CronParser.Parse(spec.CronString[i], where);
            if (cronZone is not null)
            {
                if (!string.IsNullOrEmpty(spec.TimezoneName) && spec.TimezoneName != cronZone)
                {
                    throw Engine.Errors.InvalidArgument($"{where}: time zone {cronZone} conflicts with the schedule's time zone {spec.TimezoneName}.");
                }
                spec.TimezoneName = cronZone;
            }
            spec.StructuredCalendar.Add(calendar);
        }
        spec.CronString.Clear();
    }

    private static (List<CalendarSpec> Include, List<CalendarSpec> Exclude) Calendars(ScheduleSpec spec)
    {
        var include = new List<CalendarSpec>();
        var exclude = new List<CalendarSpec>();
        if (spec.StructuredCalendar.Count == 0 && spec.CronString.Count == 0 && spec.ExcludeStructuredCalendar.Count == 0)
        {
            return (include, exclude);
        }
        var zone = CalendarSpec.Zone(spec.TimezoneName, "Schedule.Spec.TimezoneName");
        for (var i = 0; i < spec.StructuredCalendar.Count; i++)
        {
            include.Add(CalendarSpec.FromStructured(spec.StructuredCalendar[i], zone, $"Schedule.Spec.StructuredCalendar[{i}]"));
        }
        for (var i = 0; i < spec.CronString.Count; i++)
        {
            var where = $"Schedule.Spec.CronString[{i}]";
            var (calendar, cronZone) = CronParser.Parse(spec.CronString[i], where);
            include.Add(CalendarSpec.FromStructured(calendar, cronZone is null ? zone : CalendarSpec.Zone(cronZone, where), where));
        }
        for (var i = 0; i < spec.ExcludeStructuredCalendar.Count; i++)
        {
            exclude.Add(CalendarSpec.FromStructured(spec.ExcludeStructuredCalendar[i], zone, $"Schedule.Spec.ExcludeStructuredCalendar[{i}]"));
        }
        return (include, exclude);
    }

    /// <summary>
    /// The time an action really happens: the nominal time plus a jitter that is random-looking but
    /// deterministic per schedule and nominal time (so a restart computes the same instant).
    /// </summary>
    public static DateTime WithJitter(ScheduleSpec spec, string scheduleId, DateTime nominal)
    {
        var jitter = spec.Jitter?.ToTimeSpan() ?? TimeSpan.Zero;
        if (jitter <= TimeSpan.Zero)
        {
            return nominal;
        }
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{scheduleId}/{nominal.Ticks}"));
        var fraction = BitConverter.ToUInt64(hash, 0) / (double)ulong.MaxValue;
        return nominal + TimeSpan.FromTicks((long)(jitter.Ticks * fraction));
    }
}

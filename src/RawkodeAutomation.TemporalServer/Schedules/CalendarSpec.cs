using System.Globalization;
using Temporalio.Api.Schedule.V1;

namespace RawkodeAutomation.TemporalServer.Schedules;

/// <summary>
/// A calendar spec (structured calendar or cron string) expanded into the sets of matching values, evaluated
/// in its time zone. Defaults follow <c>StructuredCalendarSpec</c>: second, minute and hour default to 0;
/// day of month, month, year and day of week default to every value.
/// </summary>
internal sealed class CalendarSpec
{
    /// <summary>How far ahead a calendar is searched before it is considered to never match again.</summary>
    private const int SearchYears = 10;

    private readonly bool[] _seconds = new bool[60];
    private readonly bool[] _minutes = new bool[60];
    private readonly bool[] _hours = new bool[24];
    private readonly bool[] _daysOfMonth = new bool[32];
    private readonly bool[] _months = new bool[13];
    private readonly bool[] _daysOfWeek = new bool[7];
    private readonly HashSet<int>? _years;
    private readonly TimeZoneInfo _zone;

    private CalendarSpec(StructuredCalendarSpec spec, TimeZoneInfo zone, string where)
    {
        _zone = zone;
        Fill(_seconds, spec.Second, 0, 59, defaultAll: false, where + ".second");
        Fill(_minutes, spec.Minute, 0, 59, defaultAll: false, where + ".minute");
        Fill(_hours, spec.Hour, 0, 23, defaultAll: false, where + ".hour");
        Fill(_daysOfMonth, spec.DayOfMonth, 1, 31, defaultAll: true, where + ".day_of_month");
        Fill(_months, spec.Month, 1, 12, defaultAll: true, where + ".month");
        var daysOfWeek = new bool[8];
        Fill(daysOfWeek, spec.DayOfWeek, 0, 7, defaultAll: true, where + ".day_of_week");
        for (var d = 0; d < 7; d++)
        {
            _daysOfWeek[d] = daysOfWeek[d] || (d == 0 && daysOfWeek[7]);
        }
        if (spec.Year.Count > 0)
        {
            _years = [];
            foreach (var range in spec.Year)
            {
                var (start, end, step) = Normalise(range);
                if (start < 1 || end > 9999)
                {
                    throw Engine.Errors.InvalidArgument($"{where}.year: {start}-{end} is out of range.");
                }
                for (var y = start; y <= end; y += step)
                {
                    _years.Add(y);
                }
            }
        }
    }

    public static CalendarSpec FromStructured(StructuredCalendarSpec spec, TimeZoneInfo zone, string where) => new(spec, zone, where);

    public static TimeZoneInfo Zone(string name, string where)
    {
        if (string.IsNullOrEmpty(name) || name == "UTC")
        {
            return TimeZoneInfo.Utc;
        }
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(name);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw Engine.Errors.InvalidArgument($"{where}: unknown time zone '{name}' (an IANA name such as Europe/London is expected; non-UTC zones need tzdata installed).");
        }
    }

    private static (int Start, int End, int Step) Normalise(Temporalio.Api.Schedule.V1.Range range)
    {
        var end = range.End < range.Start ? range.Start : range.End;
        var step = range.Step <= 0 ? 1 : range.Step;
        return (range.Start, end, step);
    }

    private static void Fill(bool[] set, IEnumerable<Temporalio.Api.Schedule.V1.Range> ranges, int min, int max, bool defaultAll, string where)
    {
        var any = false;
        foreach (var range in ranges)
        {
            any = true;
            var (start, end, step) = Normalise(range);
            if (start < min || end > max)
            {
                throw Engine.Errors.InvalidArgument($"{where}: {start}-{end} is outside {min}-{max}.");
            }
            for (var v = start; v <= end; v += step)
            {
                set[v] = true;
            }
        }
        if (!any)
        {
            if (defaultAll)
            {
                Array.Fill(set, true);
            }
            else
            {
                set[min] = true;
            }
        }
    }

    /// <summary>The first matching instant strictly after <paramref name="after"/> (UTC), or null within the search horizon.</summary>
    public DateTime? Next(DateTime after)
    {
        var local = TimeZoneInfo.ConvertTimeFromUtc(after, _zone);
        var day = local.Date;
        var limit = day.AddYears(SearchYears);
        for (; day <= limit; day = day.AddDays(1))
        {
            if ((_years is not null && !_years.Contains(day.Year)) || !_months[day.Month] || !_daysOfMonth[day.Day] || !_daysOfWeek[(int)day.DayOfWeek])
            {
                continue;
            }
            for (var h = 0; h < 24; h++)
            {
                if (!_hours[h])
                {
                    continue;
                }
                for (var m = 0; m < 60; m++)
                {
                    if (!_minutes[m])
                    {
                        continue;
                    }
                    for (var s = 0; s < 60; s++)
                    {
                        if (!_seconds[s])
                        {
                            continue;
                        }
                        var candidate = new DateTime(day.Year, day.Month, day.Day, h, m, s, DateTimeKind.Unspecified);
                        if (_zone.IsInvalidTime(candidate))
                        {
                            // Skipped by a daylight-saving jump: that wall-clock time never happens.
                            continue;
                        }
                        var utc = TimeZoneInfo.ConvertTimeToUtc(candidate, _zone);
                        if (utc > after)
                        {
                            return utc;
                        }
                    }
                }
            }
        }
        return null;
    }
}

/// <summary>
/// Cron strings as Temporal accepts them (https://docs.temporal.io/cron-job): 5 fields (minute hour
/// day-of-month month day-of-week), 6 (with seconds first) or 7 (with year last); <c>*</c>, <c>a-b</c>,
/// <c>/step</c>, lists, month and weekday names, the <c>@hourly</c>-style shorthands and a
/// <c>CRON_TZ=Zone</c> prefix.
/// </summary>
internal static class CronParser
{
    private static readonly string[] MonthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] DayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    public static (StructuredCalendarSpec Spec, string? Zone) Parse(string cron, string where)
    {
        var text = cron.Trim();
        var hash = text.IndexOf('#', StringComparison.Ordinal);
        if (hash >= 0)
        {
            text = text[..hash].Trim();
        }
        string? zone = null;
        if (text.StartsWith("CRON_TZ=", StringComparison.Ordinal) || text.StartsWith("TZ=", StringComparison.Ordinal))
        {
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            if (space < 0)
            {
                throw Engine.Errors.InvalidArgument($"{where}: '{cron}' has a time zone but no schedule.");
            }
            zone = text[(text.IndexOf('=', StringComparison.Ordinal) + 1)..space];
            text = text[(space + 1)..].Trim();
        }
        text = text switch
        {
            "@yearly" or "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" or "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            _ => text,
        };
        if (text.StartsWith('@'))
        {
            throw Engine.Errors.InvalidArgument($"{where}: '{cron}' is not a supported shorthand (@every is not supported; use an interval spec).");
        }
        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string second = "0", minute, hour, dom, month, dow;
        string? year = null;
        switch (fields.Length)
        {
            case 5:
                (minute, hour, dom, month, dow) = (fields[0], fields[1], fields[2], fields[3], fields[4]);
                break;
            case 6:
                (second, minute, hour, dom, month, dow) = (fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]);
                break;
            case 7:
                (second, minute, hour, dom, month, dow, year) = (fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], fields[6]);
                break;
            default:
                throw Engine.Errors.InvalidArgument($"{where}: '{cron}' must have 5, 6 or 7 fields, has {fields.Length}.");
        }
        var spec = new StructuredCalendarSpec();
        spec.Second.AddRange(Field(second, 0, 59, null, where, "second"));
        spec.Minute.AddRange(Field(minute, 0, 59, null, where, "minute"));
        spec.Hour.AddRange(Field(hour, 0, 23, null, where, "hour"));
        spec.DayOfMonth.AddRange(Field(dom, 1, 31, null, where, "day of month"));
        spec.Month.AddRange(Field(month, 1, 12, MonthNames, where, "month"));
        spec.DayOfWeek.AddRange(Field(dow, 0, 7, DayNames, where, "day of week"));
        if (year is not null)
        {
            spec.Year.AddRange(Field(year, 1970, 2999, null, where, "year"));
        }
        return (spec, zone);
    }

    private static List<Temporalio.Api.Schedule.V1.Range> Field(string field, int min, int max, string[]? names, string where, string what)
    {
        var result = new List<Temporalio.Api.Schedule.V1.Range>();
        foreach (var part in field.Split(','))
        {
            var step = 1;
            var body = part;
            var slash = part.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0)
            {
                step = Number(part[(slash + 1)..], 1, max, null, where, what);
                body = part[..slash];
            }
            int start, end;
            if (body is "*" or "?")
            {
                (start, end) = (min, max == 7 ? 6 : max);
            }
            else if (body.Contains('-', StringComparison.Ordinal))
            {
                var dash = body.IndexOf('-', StringComparison.Ordinal);
                start = Number(body[..dash], min, max, names, where, what);
                end = Number(body[(dash + 1)..], min, max, names, where, what);
            }
            else
            {
                start = Number(body, min, max, names, where, what);
                end = slash >= 0 ? max : start;
            }
            if (end < start)
            {
                throw Engine.Errors.InvalidArgument($"{where}: {what} range '{part}' ends before it starts.");
            }
            result.Add(new Temporalio.Api.Schedule.V1.Range { Start = start, End = end, Step = step });
        }
        return result;
    }

    private static int Number(string text, int min, int max, string[]? names, string where, string what)
    {
        if (names is not null)
        {
            var index = Array.IndexOf(names, text.ToUpperInvariant());
            if (index >= 0)
            {
                return names.Length == 12 ? index + 1 : index;
            }
        }
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw Engine.Errors.InvalidArgument($"{where}: {what} '{text}' is not a number in {min}-{max}.");
        }
        return value;
    }
}

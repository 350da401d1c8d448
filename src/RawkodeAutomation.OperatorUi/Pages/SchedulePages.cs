using Microsoft.AspNetCore.Http;
using RawkodeAutomation.OperatorUi.Rendering;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client.Schedules;
using Temporalio.Exceptions;

namespace RawkodeAutomation.OperatorUi.Pages;

/// <summary>Schedules: list, detail, trigger/pause/unpause. A server without schedules gets a plain sentence, not an error page.</summary>
internal static class SchedulePages
{
    /// <summary>What the page says when the frontend answers Unimplemented to a schedule call.</summary>
    public const string NotSupported = "Schedules are not supported by this server (it answered Unimplemented).";

    private const int MaxSchedules = 500;

    public static async Task<IResult> ListAsync(OperatorUiContext ui, HttpContext http, string ns)
    {
        _ = http;
        var schedules = new List<ScheduleListDescription>();
        try
        {
            await foreach (var schedule in ui.ClientFor(ns).ListSchedulesAsync().ConfigureAwait(false))
            {
                schedules.Add(schedule);
                if (schedules.Count >= MaxSchedules)
                {
                    break;
                }
            }
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.Unimplemented)
        {
            return Unsupported(ui, ns, "Schedules");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Layout.Failure(ui, ns, Section.Schedules, "Schedules", e, "Listing schedules");
        }

        var body = new HtmlBuilder();
        body.Add($"<h1>Schedules</h1>");
        if (schedules.Count == 0)
        {
            body.Add($"<p class=\"info\" id=\"empty\">No schedules in this namespace.</p>");
            return Layout.Page(ui, ns, Section.Schedules, "Schedules", body.ToMarkup());
        }
        body.Add($"<table id=\"schedules\"><thead><tr><th>State</th><th>Schedule ID</th><th>Workflow type</th><th>Spec</th><th>Next runs</th><th>Recent runs</th></tr></thead><tbody>");
        foreach (var schedule in schedules.OrderBy(s => s.Id, StringComparer.Ordinal))
        {
            var paused = schedule.Schedule?.State.Paused ?? false;
            var workflowType = (schedule.Schedule?.Action as ScheduleListActionStartWorkflow)?.Workflow ?? "";
            body.Add($"<tr><td>{Layout.Badge(paused ? "Paused" : "Active")}</td>");
            body.Add($"<td><a class=\"schedule-link mono\" href=\"{ui.ScheduleLink(ns, schedule.Id)}\">{schedule.Id}</a></td><td>{workflowType}</td>");
            body.Add($"<td>{(schedule.Schedule is null ? "" : SpecSummary(schedule.Schedule.Spec))}</td>");
            body.Add($"<td>{string.Join(", ", (schedule.Info?.NextActionTimes ?? []).Take(3).Select(t => Html.Time(t)))}</td>");
            body.Add($"<td>{(schedule.Info?.RecentActions ?? []).Count}</td></tr>");
        }
        body.Add($"</tbody></table>");
        return Layout.Page(ui, ns, Section.Schedules, "Schedules", body.ToMarkup());
    }

    public static async Task<IResult> DetailAsync(OperatorUiContext ui, HttpContext http, string ns) =>
        await RenderDetailAsync(ui, ns, http.Request.Query["id"].ToString(), http.Request.Query["notice"].ToString(), null, StatusCodes.Status200OK).ConfigureAwait(false);

    public static async Task<IResult> ActAsync(OperatorUiContext ui, HttpContext http, string ns, string action)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        var id = form["id"].ToString();
        var note = form["note"].ToString().Trim();
        if (id.Length == 0)
        {
            return Layout.Page(ui, ns, Section.Schedules, "Schedule", Markup.Empty, error: $"Schedule {action}: the form did not say which schedule (field 'id' is empty).", status: StatusCodes.Status400BadRequest);
        }
        var handle = ui.ClientFor(ns).GetScheduleHandle(id);
        Func<Task>? act = action switch
        {
            "trigger" => () => handle.TriggerAsync(),
            "pause" => () => handle.PauseAsync(note.Length == 0 ? "paused from the operator page" : note),
            "unpause" => () => handle.UnpauseAsync(note.Length == 0 ? "unpaused from the operator page" : note),
            _ => null,
        };
        if (act is null)
        {
            return Layout.Page(ui, ns, Section.Schedules, "Schedule", Markup.Empty, error: $"Unknown schedule action '{action}' (expected trigger, pause or unpause).", status: StatusCodes.Status404NotFound);
        }
        try
        {
            await act().ConfigureAwait(false);
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.Unimplemented)
        {
            return Unsupported(ui, ns, id);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var (status, message) = Layout.Explain(e, ui, $"Schedule {action} of '{id}'");
            return await RenderDetailAsync(ui, ns, id, null, message, status).ConfigureAwait(false);
        }
        var done = action switch
        {
            "trigger" => "Schedule triggered: a run starts now.",
            "pause" => "Schedule paused.",
            _ => "Schedule unpaused.",
        };
        return Results.Redirect(ui.ScheduleLink(ns, id, done));
    }

    private static async Task<IResult> RenderDetailAsync(OperatorUiContext ui, string ns, string id, string? notice, string? error, int status)
    {
        if (id.Length == 0)
        {
            return Layout.Page(ui, ns, Section.Schedules, "Schedule", Markup.Empty, error: "Which schedule? The 'id' query parameter is missing.", status: StatusCodes.Status400BadRequest);
        }
        ScheduleDescription description;
        DescribeScheduleResponse raw;
        try
        {
            var client = ui.ClientFor(ns);
            description = await client.GetScheduleHandle(id).DescribeAsync().ConfigureAwait(false);
            // The raw definition too, for the "all fields" view (the typed one decodes arguments lazily).
            raw = await client.WorkflowService.DescribeScheduleAsync(new DescribeScheduleRequest { Namespace = ns, ScheduleId = id }).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.Unimplemented)
        {
            return Unsupported(ui, ns, id);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var (failStatus, message) = Layout.Explain(e, ui, $"Schedule '{id}' in namespace '{ns}'");
            return Layout.Page(ui, ns, Section.Schedules, id, Markup.Empty, notice, error is null ? message : error + "\n" + message, error is null ? failStatus : status);
        }

        var schedule = description.Schedule;
        var info = description.Info;
        var body = new HtmlBuilder();
        body.Add($"<h1><span class=\"mono\" id=\"schedule-id\">{description.Id}</span> {Layout.Badge(schedule.State.Paused ? "Paused" : "Active")}</h1>");
        body.Add($"<div class=\"summary\" id=\"summary\">");
        if (schedule.Action is ScheduleActionStartWorkflow start)
        {
            Field(body, "Workflow type", start.Workflow);
            Field(body, "Workflow ID", start.Options.Id);
            Field(body, "Task queue", start.Options.TaskQueue);
        }
        Field(body, "Spec", SpecSummary(schedule.Spec));
        Field(body, "Overlap policy", schedule.Policy.Overlap.ToString());
        Field(body, "Catch-up window", (schedule.Policy.CatchupWindow is { } window ? Html.Duration(window) : ""));
        Field(body, "Note", schedule.State.Note);
        Field(body, "Actions taken", info.NumActions.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Field(body, "Skipped (overlap)", info.NumActionsSkippedOverlap.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Field(body, "Missed (catch-up window)", info.NumActionsMissedCatchupWindow.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Field(body, "Created", Html.Time(info.CreatedAt));
        Field(body, "Updated", Html.Time(info.LastUpdatedAt));
        body.Add($"</div>");

        body.Add($"<h2>Actions</h2><div class=\"actions\">");
        body.Add($"<form id=\"trigger-form\" method=\"post\" action=\"{ui.ScheduleActionLink(ns, "trigger")}\"><h3>Trigger</h3><input type=\"hidden\" name=\"id\" value=\"{description.Id}\">");
        body.Add($"<p class=\"hint\">Starts one run now, with the schedule's overlap policy.</p><button type=\"submit\" id=\"trigger\">Trigger now</button></form>");
        var (verb, label) = schedule.State.Paused ? ("unpause", "Unpause") : ("pause", "Pause");
        body.Add($"<form id=\"{verb}-form\" method=\"post\" action=\"{ui.ScheduleActionLink(ns, verb)}\"><h3>{label}</h3><input type=\"hidden\" name=\"id\" value=\"{description.Id}\">");
        body.Add($"<label>Note <input type=\"text\" name=\"note\" id=\"note\" placeholder=\"why (shown on the schedule)\"></label><button type=\"submit\" id=\"{verb}\">{label}</button></form>");
        body.Add($"</div>");

        body.Add($"<h2>Upcoming runs</h2>");
        body.Add(info.NextActionTimes.Count == 0
            ? Html.Raw("<p class=\"muted\">None.</p>")
            : Html.Fragment(h =>
            {
                h.Add($"<ul id=\"upcoming\">");
                foreach (var time in info.NextActionTimes.Take(10))
                {
                    h.Add($"<li>{Html.Time(time)}</li>");
                }
                h.Add($"</ul>");
            }));

        body.Add($"<h2>Recent runs</h2>");
        if (info.RecentActions.Count == 0)
        {
            body.Add($"<p class=\"muted\">None yet.</p>");
        }
        else
        {
            body.Add($"<table id=\"recent\"><thead><tr><th>Scheduled for</th><th>Started</th><th>Workflow</th></tr></thead><tbody>");
            foreach (var recent in info.RecentActions.Reverse())
            {
                var run = recent.Action as ScheduleActionExecutionStartWorkflow;
                body.Add($"<tr><td>{Html.Time(recent.ScheduledAt)}</td><td>{Html.Time(recent.StartedAt)}</td><td>");
                if (run is not null)
                {
                    body.Add($"<a class=\"mono\" href=\"{ui.WorkflowLink(ns, run.WorkflowId, run.FirstExecutionRunId)}\">{run.WorkflowId}</a>");
                }
                body.Add($"</td></tr>");
            }
            body.Add($"</tbody></table>");
        }
        body.Add($"<h2>Definition</h2><details open><summary>all fields</summary>{ProtoText.Render(raw.Schedule)}</details>");
        return Layout.Page(ui, ns, Section.Schedules, description.Id, body.ToMarkup(), notice, error, status);
    }

    /// <summary>Intervals, cron strings and calendar entries in one line.</summary>
    internal static string SpecSummary(ScheduleSpec spec)
    {
        var parts = new List<string>();
        parts.AddRange(spec.Intervals.Select(i => "every " + Html.Duration(i.Every) + (i.Offset is { } offset && offset > TimeSpan.Zero ? $" (offset {Html.Duration(offset)})" : "")));
        parts.AddRange(spec.CronExpressions.Select(c => $"cron \"{c}\""));
        parts.AddRange(spec.Calendars.Select(c => string.IsNullOrEmpty(c.Comment) ? "calendar " + Calendar(c) : c.Comment));
        var text = parts.Count == 0 ? "no spec (trigger only)" : string.Join("; ", parts);
        if (!string.IsNullOrEmpty(spec.TimeZoneName))
        {
            text += $" in {spec.TimeZoneName}";
        }
        return text;
    }

    private static string Calendar(ScheduleCalendarSpec calendar)
    {
        static string Ranges(IReadOnlyCollection<ScheduleRange> ranges) => string.Join(",", ranges.Select(r =>
            r.End <= r.Start ? r.Start.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : FormattableString.Invariant($"{r.Start}-{r.End}") + (r.Step > 1 ? FormattableString.Invariant($"/{r.Step}") : "")));
        return $"{Ranges(calendar.Hour)}:{Ranges(calendar.Minute)} (day of week {Ranges(calendar.DayOfWeek)}, day {Ranges(calendar.DayOfMonth)}, month {Ranges(calendar.Month)})";
    }

    private static IResult Unsupported(OperatorUiContext ui, string ns, string title) =>
        Layout.Page(ui, ns, Section.Schedules, title, Html.Fragment(h => h.Add($"<h1>Schedules</h1><p class=\"info\" id=\"schedules-unsupported\">{NotSupported}</p>")));

    private static void Field(HtmlBuilder body, string label, string? value) =>
        body.Add($"<div><span>{label}</span>{(string.IsNullOrEmpty(value) ? "—" : value)}</div>");
}

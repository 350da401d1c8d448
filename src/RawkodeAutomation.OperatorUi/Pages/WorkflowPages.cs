using System.Text.Json;
using Microsoft.AspNetCore.Http;
using RawkodeAutomation.OperatorUi.Rendering;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Converters;

namespace RawkodeAutomation.OperatorUi.Pages;

/// <summary>The workflow list (with the visibility query filter), a workflow's detail and its actions.</summary>
internal static class WorkflowPages
{
    private const int PageSize = 50;

    // Beyond this the page would be too long to read anyway; the heading says how many were left out,
    // and `events=N` in the address shows more (or fewer).
    private const int DefaultMaxHistoryEvents = 2000;

    private static readonly (string Label, string Query)[] QuickFilters =
    [
        ("Running", "ExecutionStatus = 'Running'"),
        ("Completed", "ExecutionStatus = 'Completed'"),
        ("Failed", "ExecutionStatus = 'Failed'"),
        ("Terminated", "ExecutionStatus = 'Terminated'"),
        ("Canceled", "ExecutionStatus = 'Canceled'"),
    ];

    public static async Task<IResult> ListAsync(OperatorUiContext ui, HttpContext http, string ns)
    {
        var query = http.Request.Query["query"].ToString().Trim();
        var next = http.Request.Query["next"].ToString();
        var pageSize = int.TryParse(http.Request.Query["size"], out var size) && size is > 0 and <= 1000 ? size : PageSize;
        var body = new HtmlBuilder();
        body.Add($"<h1>Workflows {Layout.RefreshToggle}</h1>");
        body.Add($"<form class=\"filter\" method=\"get\" action=\"{ui.WorkflowsLink(ns)}\">");
        body.Add($"<input type=\"text\" id=\"query\" name=\"query\" value=\"{query}\" placeholder=\"WorkflowType = 'EpisodeWorkflow' AND ExecutionStatus = 'Running'\" aria-label=\"Visibility query\">");
        body.Add($"<button type=\"submit\" id=\"filter\">Filter</button></form>");
        body.Add($"<p class=\"hint\">Visibility query: <code>WorkflowId = '…'</code>, <code>WorkflowType = '…'</code>, <code>ExecutionStatus = 'Running'</code>, <code>STARTS_WITH</code>, <code>AND</code>/<code>OR</code>. ");
        foreach (var (label, filter) in QuickFilters)
        {
            body.Add($"<a href=\"{ui.WorkflowsLink(ns, filter)}\">{label}</a>");
        }
        body.Add($"<a href=\"{ui.WorkflowsLink(ns)}\">All</a></p>");

        byte[]? token = null;
        if (next.Length > 0)
        {
            try
            {
                token = Convert.FromBase64String(next);
            }
            catch (FormatException)
            {
                return Layout.Page(ui, ns, Section.Workflows, "Workflows", body.ToMarkup(), error: "The 'next' page token is not valid base64; start again from the first page.", status: StatusCodes.Status400BadRequest);
            }
        }

        WorkflowListPage page;
        long? count = null;
        var client = ui.ClientFor(ns);
        try
        {
            var counting = CountAsync(client, query);
            page = await client.ListWorkflowsPaginatedAsync(query, token, new WorkflowListPaginatedOptions { PageSize = pageSize }).ConfigureAwait(false);
            count = await counting.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var what = query.Length == 0 ? "Listing workflows" : $"Query \"{query}\"";
            var (status, message) = Layout.Explain(e, ui, what);
            return Layout.Page(ui, ns, Section.Workflows, "Workflows", body.ToMarkup(), error: message, status: status);
        }

        if (count is { } total && page.Workflows.Count > 0)
        {
            body.Add($"<p class=\"hint\" id=\"count\">{total} {(total == 1 ? "workflow matches" : "workflows match")}{(query.Length == 0 ? " (all of this namespace)" : "")}.</p>");
        }
        if (page.Workflows.Count == 0)
        {
            body.Add($"<p class=\"info\" id=\"empty\">{(query.Length == 0 ? "No workflows in this namespace yet." : "No workflow matches this query.")}</p>");
        }
        else
        {
            body.Add($"<table id=\"workflows\"><thead><tr><th>Status</th><th>Workflow ID</th><th>Run ID</th><th>Type</th><th>Started</th><th>Closed</th><th>Task queue</th></tr></thead><tbody>");
            foreach (var workflow in page.Workflows)
            {
                body.Add($"<tr><td>{Layout.Badge(StatusName(workflow.Status))}</td>");
                body.Add($"<td><a class=\"workflow-link mono\" href=\"{ui.WorkflowLink(ns, workflow.Id, workflow.RunId)}\">{workflow.Id}</a></td>");
                body.Add($"<td class=\"mono muted\" title=\"{workflow.RunId}\">{Short(workflow.RunId)}</td><td>{workflow.WorkflowType}</td>");
                body.Add($"<td class=\"time\">{Html.Time(workflow.StartTime)}</td><td class=\"time\">{Html.Time(workflow.CloseTime)}</td><td>{workflow.TaskQueue}</td></tr>");
            }
            body.Add($"</tbody></table>");
        }
        if (page.NextPageToken is { Length: > 0 } nextToken)
        {
            body.Add($"<p class=\"pager\"><a id=\"next-page\" href=\"{ui.WorkflowsLink(ns, query, Convert.ToBase64String(nextToken), pageSize == PageSize ? null : pageSize)}\">Next page →</a></p>");
        }
        return Layout.Page(ui, ns, Section.Workflows, "Workflows", body.ToMarkup());
    }

    /// <summary>The number of matches, or null when the server cannot count (the list still works without it).</summary>
    private static async Task<long?> CountAsync(ITemporalClient client, string query)
    {
        try
        {
            return (await client.CountWorkflowsAsync(query).ConfigureAwait(false)).Count;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return null;
        }
    }

    public static async Task<IResult> DetailAsync(OperatorUiContext ui, HttpContext http, string ns)
    {
        var request = http.Request.Query;
        var queryName = request["qname"].ToString().Trim();
        var query = queryName.Length == 0 ? null : new QueryRequest(queryName, request["qargs"].ToString().Trim());
        var maxEvents = int.TryParse(request["events"], out var events) && events is > 0 and <= 100_000 ? events : DefaultMaxHistoryEvents;
        return await RenderDetailAsync(ui, ns, request["id"].ToString(), request["run"].ToString(), request["notice"].ToString(), null, StatusCodes.Status200OK, query, maxEvents).ConfigureAwait(false);
    }

    public static async Task<IResult> SignalAsync(OperatorUiContext ui, HttpContext http, string ns)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        var (id, run) = (form["id"].ToString(), form["run"].ToString());
        var name = form["name"].ToString().Trim();
        var argsText = form["args"].ToString().Trim();
        if (name.Length == 0)
        {
            return await RenderDetailAsync(ui, ns, id, run, null, "Signal: the signal name is empty; type the name the workflow handles (e.g. Approve).", StatusCodes.Status400BadRequest).ConfigureAwait(false);
        }
        if (!TryParseArguments(argsText, out var args, out var argsError))
        {
            return await RenderDetailAsync(ui, ns, id, run, null, $"Signal '{name}': {argsError}", StatusCodes.Status400BadRequest).ConfigureAwait(false);
        }
        return await ActAsync(ui, ns, id, run, $"Signal '{name}'", handle => handle.SignalAsync(name, args), $"Signal '{name}' sent.").ConfigureAwait(false);
    }

    public static async Task<IResult> CancelAsync(OperatorUiContext ui, HttpContext http, string ns)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        return await ActAsync(ui, ns, form["id"].ToString(), form["run"].ToString(), "Cancel", handle => handle.CancelAsync(), "Cancellation requested.").ConfigureAwait(false);
    }

    public static async Task<IResult> TerminateAsync(OperatorUiContext ui, HttpContext http, string ns)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        var reason = form["reason"].ToString().Trim();
        return await ActAsync(
            ui, ns, form["id"].ToString(), form["run"].ToString(), "Terminate",
            handle => handle.TerminateAsync(reason.Length == 0 ? "terminated from the operator page" : reason),
            "Workflow terminated.").ConfigureAwait(false);
    }

    /// <summary>
    /// Signal arguments are a JSON array, one element per argument, so that a single argument that is itself an
    /// array stays unambiguous. An empty box means no arguments.
    /// </summary>
    internal static bool TryParseArguments(string text, out object[] args, out string error)
    {
        args = [];
        error = "";
        if (text.Length == 0)
        {
            return true;
        }
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                error = $"arguments must be a JSON array, one element per argument (e.g. [\"approved\"] or [{{\"note\": \"ok\"}}]); got a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}.";
                return false;
            }
            // Cloned so the elements outlive the document; the default data converter writes JsonElement as JSON.
            args = document.RootElement.EnumerateArray().Select(e => (object)e.Clone()).ToArray();
            return true;
        }
        catch (JsonException e)
        {
            error = $"arguments are not valid JSON (line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}): {e.Message.Split(" Path:", 2)[0]}";
            return false;
        }
    }

    private static async Task<IResult> ActAsync(OperatorUiContext ui, string ns, string id, string run, string what, Func<WorkflowHandle, Task> act, string notice)
    {
        if (id.Length == 0)
        {
            return Layout.Page(ui, ns, Section.Workflows, "Workflow", Markup.Empty, error: $"{what}: the form did not say which workflow (field 'id' is empty).", status: StatusCodes.Status400BadRequest);
        }
        try
        {
            await act(ui.ClientFor(ns).GetWorkflowHandle(id, runId: run.Length == 0 ? null : run)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var (status, message) = Layout.Explain(e, ui, $"{what} of workflow '{id}'");
            return await RenderDetailAsync(ui, ns, id, run, null, message, status).ConfigureAwait(false);
        }
        // Post/redirect/get: a reload of the page does not send the signal twice.
        return Results.Redirect(ui.WorkflowLink(ns, id, run.Length == 0 ? null : run, notice));
    }

    private static async Task<IResult> RenderDetailAsync(OperatorUiContext ui, string ns, string id, string run, string? notice, string? error, int status, QueryRequest? query = null, int maxEvents = DefaultMaxHistoryEvents)
    {
        if (id.Length == 0)
        {
            return Layout.Page(ui, ns, Section.Workflows, "Workflow", Markup.Empty, error: "Which workflow? The 'id' query parameter is missing.", status: StatusCodes.Status400BadRequest);
        }
        var client = ui.ClientFor(ns);
        DescribeWorkflowExecutionResponse description;
        var events = new List<HistoryEvent>();
        try
        {
            // The raw response: the typed description leaves out pending activities and children.
            description = await client.WorkflowService.DescribeWorkflowExecutionAsync(new DescribeWorkflowExecutionRequest
            {
                Namespace = ns,
                Execution = new Temporalio.Api.Common.V1.WorkflowExecution { WorkflowId = id, RunId = run },
            }).ConfigureAwait(false);
            // The described run, not "the latest", so a continue-as-new between the two calls cannot mix runs.
            var runId = description.WorkflowExecutionInfo.Execution.RunId;
            await foreach (var e in client.GetWorkflowHandle(id, runId).FetchHistoryEventsAsync().ConfigureAwait(false))
            {
                events.Add(e);
                if (events.Count >= maxEvents)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var what = run.Length == 0 ? $"Workflow '{id}' in namespace '{ns}'" : $"Workflow '{id}' run '{run}' in namespace '{ns}'";
            var (failStatus, message) = Layout.Explain(e, ui, what);
            var combined = error is null ? message : error + "\n" + message;
            return Layout.Page(ui, ns, Section.Workflows, id, Markup.Empty, notice, combined, error is null ? failStatus : status);
        }

        var info = description.WorkflowExecutionInfo;
        var workflowId = info.Execution.WorkflowId;
        var currentRunId = info.Execution.RunId;
        var body = new HtmlBuilder();
        body.Add($"<h1><span class=\"mono\" id=\"workflow-id\">{workflowId}</span> {Layout.Badge(StatusName(info.Status))}{(info.Status == WorkflowExecutionStatus.Running ? Layout.RefreshToggle : Markup.Empty)}</h1>");
        body.Add($"<div class=\"summary\" id=\"summary\">");
        Field(body, "Type", info.Type?.Name);
        Field(body, "Run ID", currentRunId);
        Field(body, "Task queue", info.TaskQueue);
        Field(body, "Started", Html.Time(info.StartTime?.ToDateTime()));
        Field(body, "Closed", Html.Time(info.CloseTime?.ToDateTime()));
        if (info.CloseTime is { } closed && info.StartTime is { } startTime)
        {
            Field(body, "Duration", Html.Duration(closed.ToDateTime() - startTime.ToDateTime()));
        }
        Field(body, "History length", info.HistoryLength.ToString(System.Globalization.CultureInfo.InvariantCulture));
        body.Add($"</div>");
        if (info.ParentExecution is { WorkflowId.Length: > 0 } parent)
        {
            body.Add($"<p>Parent: <a class=\"mono\" href=\"{ui.WorkflowLink(ns, parent.WorkflowId, parent.RunId)}\">{parent.WorkflowId}</a></p>");
        }

        var started = events.FirstOrDefault()?.WorkflowExecutionStartedEventAttributes;
        body.Add($"<h2>Input</h2><div id=\"input\">");
        body.Add(started is { Input.Payloads_.Count: > 0 } ? Pre(PayloadText.Decode(started.Input.Payloads_)) : Html.Raw("<p class=\"muted\">No input.</p>"));
        body.Add($"</div>");

        if (info.Status != WorkflowExecutionStatus.Running && events.Count > 0)
        {
            var closeEvent = events[^1];
            if (events.Count >= maxEvents)
            {
                // The shown events stop before the end: ask for the close event alone.
                try
                {
                    await foreach (var e in client.GetWorkflowHandle(workflowId, currentRunId)
                        .FetchHistoryEventsAsync(new WorkflowHistoryEventFetchOptions { EventFilterType = HistoryEventFilterType.CloseEvent })
                        .ConfigureAwait(false))
                    {
                        closeEvent = e;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    error ??= Layout.Explain(e, ui, "Reading the close event").Message;
                }
            }
            body.Add($"<h2>Outcome</h2><div id=\"outcome\">{Outcome(ui, ns, workflowId, closeEvent)}</div>");
        }

        if (info.Status == WorkflowExecutionStatus.Running)
        {
            RenderActions(ui, body, ns, workflowId, currentRunId);
        }

        var (queryResult, queryError) = query is null ? (null, null) : await RunQueryAsync(ui, client, workflowId, currentRunId, query).ConfigureAwait(false);
        if (queryError is not null && error is null)
        {
            (error, status) = (queryError.Value.Message, queryError.Value.Status);
        }
        RenderQuery(ui, body, ns, workflowId, currentRunId, query, queryResult);

        var pending = description.PendingActivities;
        body.Add($"<h2>Pending activities ({pending.Count})</h2>");
        if (pending.Count == 0)
        {
            body.Add($"<p class=\"muted\">None.</p>");
        }
        else
        {
            body.Add($"<table id=\"pending-activities\"><thead><tr><th>Activity</th><th>State</th><th>Attempt</th><th>Last failure</th><th>Details</th></tr></thead><tbody>");
            foreach (var activity in pending)
            {
                var attempts = activity.MaximumAttempts > 0 ? $"{activity.Attempt} of {activity.MaximumAttempts}" : $"{activity.Attempt} (no limit)";
                body.Add($"<tr><td><b>{activity.ActivityType?.Name}</b><br><span class=\"mono muted\">{activity.ActivityId}</span></td>");
                body.Add($"<td>{EnumName(activity.State.ToString(), "PendingActivityState")}</td><td class=\"attempt\">{attempts}</td>");
                body.Add($"<td class=\"last-failure\">{activity.LastFailure?.Message}</td>");
                body.Add($"<td><details><summary>all fields</summary>{ProtoText.Render(activity)}</details></td></tr>");
            }
            body.Add($"</tbody></table>");
        }

        var children = description.PendingChildren;
        if (children.Count > 0)
        {
            body.Add($"<h2>Pending child workflows ({children.Count})</h2><ul>");
            foreach (var child in children)
            {
                body.Add($"<li><a class=\"mono\" href=\"{ui.WorkflowLink(ns, child.WorkflowId, child.RunId)}\">{child.WorkflowId}</a> <span class=\"muted\">{child.WorkflowTypeName}</span></li>");
            }
            body.Add($"</ul>");
        }

        var truncated = events.Count >= maxEvents && info.HistoryLength > events.Count;
        body.Add($"<h2>Event history ({events.Count}{(truncated ? $" shown of {info.HistoryLength}" : "")})</h2>");
        if (truncated)
        {
            body.Add($"<p class=\"hint\">The first {events.Count} events. <a id=\"all-events\" href=\"{ui.WorkflowLink(ns, workflowId, currentRunId)}&events=100000\">Show all</a> (long histories make a long page).</p>");
        }
        body.Add($"<table id=\"history\"><thead><tr><th>#</th><th>Time</th><th>Event</th><th>Details</th></tr></thead><tbody>");
        foreach (var e in events)
        {
            body.Add($"<tr><td class=\"muted\">{e.EventId}</td><td class=\"muted\" style=\"white-space:nowrap\">{Html.Time(e.EventTime?.ToDateTime())}</td>");
            body.Add($"<td class=\"event-type\">{EnumName(e.EventType.ToString(), "EventType")}</td><td>{Attributes(e)}</td></tr>");
        }
        body.Add($"</tbody></table>");
        return Layout.Page(ui, ns, Section.Workflows, workflowId, body.ToMarkup(), notice, error, status);
    }

    private static void RenderActions(OperatorUiContext ui, HtmlBuilder body, string ns, string id, string runId)
    {
        body.Add($"<h2>Actions</h2><div class=\"actions\">");
        body.Add($"<form id=\"signal-form\" method=\"post\" action=\"{ui.WorkflowActionLink(ns, "signal")}\"><h3>Signal</h3>");
        HiddenIds(body, id, runId);
        body.Add($"<label>Name <input type=\"text\" name=\"name\" id=\"signal-name\" required placeholder=\"Approve\"></label>");
        body.Add($"<label>Arguments (a JSON array, one element per argument) <textarea name=\"args\" id=\"signal-args\" placeholder='[\"looks good\"]'></textarea></label>");
        body.Add($"<button type=\"submit\" id=\"signal\">Send signal</button></form>");

        body.Add($"<form id=\"cancel-form\" method=\"post\" action=\"{ui.WorkflowActionLink(ns, "cancel")}\"><h3>Cancel</h3>");
        HiddenIds(body, id, runId);
        body.Add($"<p class=\"hint\">Asks the workflow to cancel; it may clean up before it stops.</p>");
        body.Add($"<button type=\"submit\" id=\"cancel\">Request cancellation</button></form>");

        body.Add($"<form id=\"terminate-form\" method=\"post\" action=\"{ui.WorkflowActionLink(ns, "terminate")}\"><h3>Terminate</h3>");
        HiddenIds(body, id, runId);
        body.Add($"<label>Reason <input type=\"text\" name=\"reason\" id=\"terminate-reason\" placeholder=\"why (recorded in the history)\"></label>");
        body.Add($"<button type=\"submit\" class=\"danger\" id=\"terminate\">Terminate now</button></form>");
        body.Add($"</div>");
    }

    /// <summary>A query typed on the page: its name and its arguments as a JSON array.</summary>
    private sealed record QueryRequest(string Name, string Arguments);

    // A query needs a worker; without one the server holds it, so the page gives up rather than hang.
    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(10);

    private static async Task<(string? Result, (int Status, string Message)? Error)> RunQueryAsync(
        OperatorUiContext ui, ITemporalClient client, string id, string runId, QueryRequest query)
    {
        if (!TryParseArguments(query.Arguments, out var args, out var argsError))
        {
            return (null, (StatusCodes.Status400BadRequest, $"Query '{query.Name}': {argsError}"));
        }
        try
        {
            // RawValue keeps the payload as the workflow encoded it, so any encoding renders (not only JSON).
            var raw = await client.GetWorkflowHandle(id, runId).QueryAsync<RawValue>(
                query.Name,
                args,
                new WorkflowQueryOptions { Rpc = new RpcOptions { Timeout = QueryTimeout } }).ConfigureAwait(false);
            return (PayloadText.Decode(raw.Payload), null);
        }
        catch (Temporalio.Exceptions.WorkflowQueryFailedException e)
        {
            return (null, (StatusCodes.Status400BadRequest, $"Query '{query.Name}' failed in the workflow: {e.Message}"));
        }
        catch (Temporalio.Exceptions.WorkflowQueryRejectedException e)
        {
            return (null, (StatusCodes.Status409Conflict, $"Query '{query.Name}' rejected: the workflow is {StatusName(e.WorkflowStatus)}."));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return (null, Layout.Explain(e, ui, $"Query '{query.Name}'"));
        }
    }

    private static void RenderQuery(OperatorUiContext ui, HtmlBuilder body, string ns, string id, string runId, QueryRequest? query, string? result)
    {
        body.Add($"<h2>Query</h2><form id=\"query-form\" class=\"filter\" method=\"get\" action=\"{ui.WorkflowPath(ns)}\">");
        body.Add($"<input type=\"hidden\" name=\"id\" value=\"{id}\"><input type=\"hidden\" name=\"run\" value=\"{runId}\">");
        body.Add($"<input type=\"text\" name=\"qname\" id=\"query-name\" value=\"{query?.Name}\" placeholder=\"query name, e.g. State or __stack_trace\" aria-label=\"Query name\" style=\"flex:0 0 300px\">");
        body.Add($"<input type=\"text\" name=\"qargs\" id=\"query-args\" value=\"{query?.Arguments}\" placeholder=\"arguments as a JSON array (optional)\" aria-label=\"Query arguments\">");
        body.Add($"<button type=\"submit\" id=\"run-query\">Run query</button></form>");
        if (result is not null)
        {
            body.Add($"<div id=\"query-result\">{Pre(result)}</div>");
        }
    }

    private static void HiddenIds(HtmlBuilder body, string id, string runId) =>
        body.Add($"<input type=\"hidden\" name=\"id\" value=\"{id}\"><input type=\"hidden\" name=\"run\" value=\"{runId}\">");

    private static Markup Outcome(OperatorUiContext ui, string ns, string id, HistoryEvent last) => Html.Fragment(h =>
    {
        switch (last.AttributesCase)
        {
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionCompletedEventAttributes:
                var result = last.WorkflowExecutionCompletedEventAttributes.Result;
                h.Add(result is { Payloads_.Count: > 0 } ? Pre(PayloadText.Decode(result.Payloads_)) : Html.Raw("<p class=\"muted\">Completed without a result.</p>"));
                break;
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionFailedEventAttributes:
                h.Add($"{ProtoText.Render(last.WorkflowExecutionFailedEventAttributes.Failure)}");
                break;
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionTerminatedEventAttributes:
                var terminated = last.WorkflowExecutionTerminatedEventAttributes;
                h.Add($"<p>Terminated{(terminated.Identity.Length > 0 ? " by " + terminated.Identity : "")}: <b id=\"terminate-reason-shown\">{terminated.Reason}</b></p>");
                break;
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionContinuedAsNewEventAttributes:
                var next = last.WorkflowExecutionContinuedAsNewEventAttributes.NewExecutionRunId;
                h.Add($"<p>Continued as new: <a class=\"mono\" href=\"{ui.WorkflowLink(ns, id, next)}\">{next}</a></p>");
                break;
            default:
                h.Add($"<p>{EnumName(last.EventType.ToString(), "EventType")}</p>{Attributes(last)}");
                break;
        }
    });

    private static Markup Attributes(HistoryEvent e)
    {
        var oneof = HistoryEvent.Descriptor.Oneofs.FirstOrDefault(o => o.Name == "attributes");
        var field = oneof?.Accessor.GetCaseFieldDescriptor(e);
        return field?.Accessor.GetValue(e) is Google.Protobuf.IMessage attributes ? ProtoText.Render(attributes) : Markup.Empty;
    }

    private static void Field(HtmlBuilder body, string label, string? value) =>
        body.Add($"<div><span>{label}</span>{(string.IsNullOrEmpty(value) ? "—" : value)}</div>");

    private static Markup Pre(string text) => Html.Fragment(h => h.Add($"<pre class=\"payload\">{text}</pre>"));

    internal static string StatusName(WorkflowExecutionStatus status) => EnumName(status.ToString(), "WorkflowExecutionStatus");

    private static string EnumName(string name, string prefix) => name.StartsWith(prefix, StringComparison.Ordinal) ? name[prefix.Length..] : name;

    private static string Short(string runId) => runId.Length > 8 ? runId[..8] + "…" : runId;
}

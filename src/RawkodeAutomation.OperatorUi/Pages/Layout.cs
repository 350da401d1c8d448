using System.Text;
using Microsoft.AspNetCore.Http;
using RawkodeAutomation.OperatorUi.Rendering;
using Temporalio.Exceptions;

namespace RawkodeAutomation.OperatorUi.Pages;

/// <summary>Which part of the navigation a page belongs to.</summary>
internal enum Section
{
    Workflows,
    Schedules,
    Namespaces,
}

/// <summary>The shell every page shares: header, navigation, notices and the stylesheet.</summary>
internal static class Layout
{
    internal const string Style = """
        :root { --fg:#1f2328; --muted:#636c76; --line:#d0d7de; --bg:#f6f8fa; --accent:#0969da; }
        * { box-sizing: border-box; }
        body { margin:0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:#fff; }
        header { display:flex; gap:24px; align-items:center; padding:10px 24px; background:#24292f; color:#fff; }
        header a { color:#fff; text-decoration:none; }
        header .brand { font-weight:600; font-size:16px; }
        header nav { display:flex; gap:4px; }
        header nav a { padding:4px 10px; border-radius:6px; color:#d0d7de; }
        header nav a.active, header nav a:hover { background:#57606a; color:#fff; }
        header .where { margin-left:auto; color:#d0d7de; font-size:12px; }
        main { padding:20px 24px; max-width:1400px; }
        h1 { font-size:20px; margin:0 0 12px; word-break:break-all; }
        h2 { font-size:16px; margin:24px 0 8px; border-bottom:1px solid var(--line); padding-bottom:4px; }
        a { color:var(--accent); }
        table { border-collapse:collapse; width:100%; }
        th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
        th { background:var(--bg); font-weight:600; white-space:nowrap; }
        tr:hover td { background:#fafbfc; }
        code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size:12.5px; }
        pre.payload { margin:0; padding:6px 8px; background:var(--bg); border-radius:6px; white-space:pre-wrap; word-break:break-all; max-height:320px; overflow:auto; }
        dl.kv { display:grid; grid-template-columns:max-content 1fr; gap:2px 14px; margin:0; }
        dl.kv dt { color:var(--muted); }
        dl.kv dd { margin:0; word-break:break-all; }
        .summary { display:grid; grid-template-columns:repeat(auto-fill,minmax(260px,1fr)); gap:8px 24px; margin-bottom:8px; }
        .summary div span { display:block; color:var(--muted); font-size:12px; }
        .badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; font-weight:600; color:#fff; background:#57606a; }
        .badge.Running { background:#0969da; } .badge.Completed { background:#1a7f37; } .badge.Failed, .badge.TimedOut { background:#cf222e; }
        .badge.Terminated { background:#bc4c00; } .badge.Canceled { background:#6e7781; } .badge.ContinuedAsNew { background:#8250df; }
        .badge.Paused { background:#9a6700; } .badge.Active { background:#1a7f37; }
        .notice, .error, .info { padding:8px 12px; border-radius:6px; margin:0 0 14px; }
        .notice { background:#dafbe1; border:1px solid #4ac26b; }
        .error { background:#ffebe9; border:1px solid #ff8182; white-space:pre-wrap; }
        .info { background:#ddf4ff; border:1px solid #54aeff; }
        form.filter { display:flex; gap:8px; margin-bottom:6px; }
        form.filter input[type=text] { flex:1; }
        input[type=text], textarea { font: 13px ui-monospace, monospace; padding:6px 8px; border:1px solid var(--line); border-radius:6px; width:100%; }
        textarea { min-height:60px; }
        button { font:inherit; padding:5px 14px; border-radius:6px; border:1px solid var(--line); background:var(--bg); cursor:pointer; }
        button:hover { background:#eaeef2; }
        button.danger { color:#cf222e; border-color:#ff8182; }
        .hint { color:var(--muted); font-size:12px; margin:0 0 12px; }
        .hint a { margin-right:8px; }
        .actions { display:grid; grid-template-columns:repeat(auto-fit,minmax(300px,1fr)); gap:16px; }
        .actions form { border:1px solid var(--line); border-radius:8px; padding:12px; display:flex; flex-direction:column; gap:8px; }
        .actions form h3 { margin:0; font-size:14px; }
        .muted { color:var(--muted); }
        td.event-type { white-space:nowrap; font-weight:500; }
        details summary { cursor:pointer; color:var(--accent); }
        .pager { margin-top:12px; }
        td.time { white-space:nowrap; }
        .refresh { float:right; font-size:12px; color:var(--muted); font-weight:normal; }
        """;

    // Vanilla JS, no build step: reloads every 5 s while the box is ticked, unless the operator is typing.
    private const string RefreshScript = """
        (function () {
          var box = document.getElementById('auto-refresh');
          if (!box) { return; }
          box.checked = localStorage.getItem('rawkode-auto-refresh') === '1';
          box.addEventListener('change', function () { localStorage.setItem('rawkode-auto-refresh', box.checked ? '1' : '0'); });
          setInterval(function () {
            if (box.checked && !document.querySelector('input:focus, textarea:focus')) { location.reload(); }
          }, 5000);
        })();
        """;

    /// <summary>The "auto-refresh" checkbox a page puts in its heading to follow a run live.</summary>
    public static readonly Markup RefreshToggle = new("<label class=\"refresh\"><input type=\"checkbox\" id=\"auto-refresh\"> auto-refresh</label>");

    public static IResult Page(
        OperatorUiContext ui,
        string? ns,
        Section section,
        string title,
        Markup body,
        string? notice = null,
        string? error = null,
        int status = StatusCodes.Status200OK)
    {
        var html = new HtmlBuilder();
        var current = ns ?? ui.DefaultNamespace;
        html.Add($"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        html.Add($"<title>{title} · Temporal operator</title><style>{Html.Raw(Style)}</style></head><body>");
        html.Add($"<header><a class=\"brand\" href=\"{ui.Root}\">rawkode · Temporal</a><nav>");
        html.Add($"<a href=\"{ui.WorkflowsLink(current)}\" class=\"{(section == Section.Workflows ? "active" : "")}\">Workflows</a>");
        html.Add($"<a href=\"{ui.SchedulesLink(current)}\" class=\"{(section == Section.Schedules ? "active" : "")}\">Schedules</a>");
        html.Add($"<a href=\"{ui.NamespacesLink()}\" class=\"{(section == Section.Namespaces ? "active" : "")}\">Namespaces</a>");
        html.Add($"</nav><span class=\"where\">namespace <b id=\"namespace\">{current}</b> · {ui.TemporalAddress}</span></header><main>");
        if (!string.IsNullOrEmpty(notice))
        {
            html.Add($"<p class=\"notice\" role=\"status\">{notice}</p>");
        }
        if (!string.IsNullOrEmpty(error))
        {
            html.Add($"<p class=\"error\" role=\"alert\">{error}</p>");
        }
        html.Add(body);
        html.Add($"</main><script>{Html.Raw(RefreshScript)}</script></body></html>");
        return Results.Content(html.ToString(), "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    /// <summary>
    /// What a failed call to Temporal means for the operator, as an HTTP status and a sentence. Never a stack
    /// trace: the message of a gRPC status is written for people already.
    /// </summary>
    public static (int Status, string Message) Explain(Exception exception, OperatorUiContext ui, string what) => exception switch
    {
        RpcException { Code: RpcException.StatusCode.NotFound } e => (StatusCodes.Status404NotFound, $"{what}: not found ({e.Message})."),
        RpcException { Code: RpcException.StatusCode.InvalidArgument } e => (StatusCodes.Status400BadRequest, $"{what}: {e.Message}"),
        RpcException { Code: RpcException.StatusCode.FailedPrecondition or RpcException.StatusCode.AlreadyExists } e => (StatusCodes.Status409Conflict, $"{what}: {e.Message}"),
        RpcException { Code: RpcException.StatusCode.PermissionDenied or RpcException.StatusCode.Unauthenticated } e => (StatusCodes.Status403Forbidden, $"{what}: Temporal refused: {e.Message}"),
        RpcException { Code: RpcException.StatusCode.Unimplemented } e => (StatusCodes.Status501NotImplemented, $"{what}: this Temporal server does not implement it ({e.Message})."),
        RpcException { Code: RpcException.StatusCode.Unavailable or RpcException.StatusCode.DeadlineExceeded } e =>
            (StatusCodes.Status502BadGateway, $"{what}: cannot reach Temporal at {ui.TemporalAddress} ({e.Message}). Is the server running?"),
        RpcException e => (StatusCodes.Status502BadGateway, $"{what}: Temporal answered {e.Code}: {e.Message}"),
        // Connecting lazily surfaces connection errors as plain exceptions from the SDK's core.
        _ => (StatusCodes.Status502BadGateway, $"{what}: cannot talk to Temporal at {ui.TemporalAddress}: {exception.Message}"),
    };

    public static IResult Failure(OperatorUiContext ui, string? ns, Section section, string title, Exception exception, string what)
    {
        var (status, message) = Explain(exception, ui, what);
        return Page(ui, ns, section, title, Markup.Empty, error: message, status: status);
    }

    public static Markup Badge(string text) => Html.Fragment(h => h.Add($"<span class=\"badge {text}\">{text}</span>"));
}

using System.Globalization;
using System.Text.RegularExpressions;
using RawkodeAutomation.OperatorUi.Pages;
using RawkodeAutomation.OperatorUi.Rendering;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Contracts;

namespace RawkodeAutomation.OperatorUi.Channel;

/// <summary>What the last button did, shown beside the row it was pressed on.</summary>
internal sealed record Feedback(string Target, bool Accepted, string Message);

/// <summary>
/// The channel page: the place operators steer from. Failures first, then what waits (for an approval, for quota,
/// for a timer), each with its wake-up; the commits (applied or rejected with their errors, linked to the files); the
/// people and their sweeps; the quota and its queue by priority; the Klustered teams; the cleanup passes. Every button
/// is a POST of a small form, answered by a redirect back (or, for a refusal, by the page with the refusal beside
/// the button).
/// </summary>
internal static partial class ChannelPage
{
    private const string ChannelStyle = """
        main { max-width:none; }
        .lead { margin:0 0 6px; font-size:15px; }
        .links a { margin-right:14px; }
        table.channel td, table.channel th { padding:5px 6px; }
        tr.phase-Failed td { background:#fff5f5; }
        tr.phase-Failed td:first-child { box-shadow: inset 3px 0 0 #cf222e; }
        tr.phase-WaitingForQuota td:first-child, tr.phase-AwaitingApproval td:first-child { box-shadow: inset 3px 0 0 #9a6700; }
        .badge.WaitingForQuota, .badge.AwaitingApproval, .badge.Applying { background:#9a6700; }
        .badge.Reconciling, .badge.Klustered { background:#0969da; }
        .badge.Idle, .badge.Applied, .badge.Done, .badge.Fixed { background:#1a7f37; }
        .badge.Sleeping, .badge.Waiting, .badge.TornDown { background:#6e7781; }
        .badge.Rejected, .badge.Failed { background:#cf222e; }
        .badge.Provisioned { background:#8250df; }
        .err { color:#a40e26; }
        td.steer { white-space:nowrap; }
        td.steer form { display:inline-flex; gap:4px; margin:0 2px 2px 0; }
        td.steer button, form.inline button { padding:2px 8px; font-size:12.5px; }
        td.steer input[type=text] { width:120px; padding:2px 6px; font-size:12px; }
        .feedback { margin:4px 0 0; padding:3px 8px; border-radius:6px; font-size:12.5px; white-space:normal; }
        .feedback.refused { background:#ffebe9; border:1px solid #ff8182; }
        .feedback.accepted { background:#dafbe1; border:1px solid #4ac26b; }
        ul.errors { margin:0; padding-left:16px; }
        ul.errors li { margin:1px 0; }
        progress { width:140px; vertical-align:middle; }
        form.inline { display:inline-flex; gap:6px; align-items:center; margin-right:12px; }
        form.inline input[type=text] { width:90px; padding:2px 6px; }
        .quota-figures span { margin-right:18px; }
        .empty { color:var(--muted); font-style:italic; }
        time, .address { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size:12px; }
        """;

    // Reloads the page (without the notice) while nobody types, reads a refusal or has a form half filled.
    private const string RefreshScript = """
        (function () {
          var seconds = +document.body.dataset.refresh;
          if (!seconds) { return; }
          setInterval(function () {
            if (document.querySelector('input:focus, .feedback.refused')) { return; }
            var typed = Array.prototype.some.call(document.querySelectorAll('input[type=text]'), function (i) { return i.value !== i.defaultValue; });
            if (!typed) { location.href = document.body.dataset.home; }
          }, seconds * 1000);
        })();
        """;

    [GeneratedRegex(@"^(?<path>[^\s:]+\.ya?ml):(?<line>\d+):(?<col>\d+): (?<message>.*)$", RegexOptions.Singleline)]
    private static partial Regex Located();

    /// <summary>Sorts episodes the way an operator reads them: what needs a person first, then what waits, then the rest.</summary>
    public static int Rank(EpisodePhase phase) => phase switch
    {
        EpisodePhase.Failed => 0,
        EpisodePhase.AwaitingApproval => 1,
        EpisodePhase.WaitingForQuota => 2,
        EpisodePhase.Reconciling => 3,
        EpisodePhase.Klustered => 4,
        EpisodePhase.Sleeping => 5,
        EpisodePhase.Idle => 6,
        _ => 7,
    };

    public static string Render(ChannelStatus status, ChannelPageContext page, Feedback? feedback)
    {
        var html = new HtmlBuilder();
        html.Add($"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        html.Add($"<title>rawkode · operator</title><style>{Html.Raw(Layout.Style)}{Html.Raw(ChannelStyle)}</style></head>");
        html.Add($"<body data-refresh=\"{page.Options.RefreshSeconds}\" data-home=\"{page.Home}\">");
        html.Add($"<header><a class=\"brand\" href=\"{page.Home}\">rawkode · operator</a><nav>");
        foreach (var (label, href) in page.Options.Links)
        {
            html.Add($"<a href=\"{href}\">{label}</a>");
        }
        html.Add($"</nav><span class=\"where\">Temporal <span class=\"address\">{page.TemporalAddress}</span></span></header><main>");
        Lead(html, status, page);
        if (feedback is { } f && !IsShownInRow(status, f.Target))
        {
            FeedbackLine(html, f);
        }

        Episodes(html, status, page, feedback);
        Commits(html, status, page);
        People(html, status, page, feedback);
        Quota(html, status, page, feedback);
        Teams(html, status);
        Cleanup(html, status, page, feedback);

        html.Add($"</main><script>{Html.Raw(RefreshScript)}</script></body></html>");
        return html.ToString();
    }

    /// <summary>The one-line summary (as <c>rawkode up</c> prints it), with its times as times.</summary>
    private static void Lead(HtmlBuilder html, ChannelStatus status, ChannelPageContext page)
    {
        var phases = status.Episodes.GroupBy(e => e.Phase).OrderBy(g => Rank(g.Key)).Select(g => $"{g.Count()} {g.Key}");
        html.Add($"<p class=\"lead\" id=\"summary\">{status.Episodes.Count} episodes: {string.Join(", ", phases)}");
        if (status.Quota is { } q)
        {
            html.Add($" · quota {q.Used}/{q.DailyBudget} used today ({q.Remaining} left, resets {Time(q.NextReset, page.Now)})");
        }
        var sweeping = status.People.Where(p => p.Busy).Select(p => $"{p.PersonId} {p.Done}/{p.Done + p.Pending + p.InFlight + p.Failed.Count}").ToList();
        if (sweeping.Count > 0)
        {
            html.Add($" · sweeping: {string.Join(", ", sweeping)}");
        }
        html.Add($"</p>");
    }

    private static bool IsShownInRow(ChannelStatus status, string target) =>
        status.Episodes.Any(e => WorkflowIds.Episode(e.EpisodeId) == target)
        || status.People.Any(p => WorkflowIds.Person(p.PersonId) == target)
        || (target == WorkflowIds.Quota && status.Quota is not null)
        || target == CleanupWorkflow.ScheduleId;

    private static void FeedbackLine(HtmlBuilder html, Feedback? feedback, string? target = null)
    {
        if (feedback is null || (target is not null && feedback.Target != target))
        {
            return;
        }
        if (feedback.Accepted)
        {
            html.Add($"<p class=\"feedback accepted\" role=\"status\">{feedback.Message}</p>");
        }
        else
        {
            html.Add($"<p class=\"feedback refused\" role=\"alert\">{feedback.Message}</p>");
        }
    }

    private static void Episodes(HtmlBuilder html, ChannelStatus status, ChannelPageContext page, Feedback? feedback)
    {
        html.Add($"<h2>Episodes <span class=\"muted\">({status.Episodes.Count}; failed first)</span></h2>");
        if (status.Episodes.Count == 0)
        {
            html.Add($"<p class=\"empty\">No episode entity yet: the first commit creates them.</p>");
            return;
        }
        html.Add($"<table class=\"channel\" id=\"episodes\"><thead><tr><th>episode</th><th>phase</th><th>video</th><th>pending</th><th>last result / error</th><th>wakes up</th><th>units</th><th>steer</th></tr></thead><tbody>");
        foreach (var e in status.Episodes.OrderBy(e => Rank(e.Phase)).ThenBy(e => e.EpisodeId, StringComparer.Ordinal))
        {
            var id = WorkflowIds.Episode(e.EpisodeId);
            var pending = string.Join(", ", new[] { e.Pending.Broadcast ? "broadcast" : null, e.Pending.Description ? "description" : null, e.Pending.Thumbnail ? "thumbnail" : null }.Where(p => p is not null));
            html.Add($"<tr class=\"phase-{e.Phase}\" data-target=\"{id}\"><td><a href=\"{page.WorkflowLink(id)}\">{e.EpisodeId}</a></td><td>{Layout.Badge(e.Phase.ToString())}</td>");
            html.Add($"<td class=\"mono\">{e.Applied.VideoId}</td><td>{pending}</td><td>{e.LastResult}");
            if (!string.IsNullOrEmpty(e.LastError))
            {
                html.Add($"<div class=\"err\">{e.LastError}</div>");
            }
            html.Add($"</td><td>");
            if (status.WakeUp(e) is { } wake)
            {
                html.Add($"{Time(wake, page.Now)}");
                if (e.NextWakeUp is null)
                {
                    html.Add($"<div class=\"muted\">quota reset</div>");
                }
            }
            html.Add($"</td><td>{e.QuotaUnitsSpent}</td><td class=\"steer\">");
            Button(html, page, id, "RetryFailed", "Retry");
            html.Add($"<form method=\"post\" action=\"{page.ActLink}\"><input type=\"hidden\" name=\"target\" value=\"{id}\"><input type=\"hidden\" name=\"action\" value=\"SkipFailed\">");
            html.Add($"<input type=\"text\" name=\"reason\" placeholder=\"why skip?\" aria-label=\"reason to skip {e.EpisodeId}\"><button type=\"submit\" title=\"{ChannelActions.EpisodeUpdates["SkipFailed"]}\">Skip</button></form>");
            html.Add($"<br>");
            Button(html, page, id, "ForceRerenderNow", "Re-render");
            Button(html, page, id, "ApproveDeletion", "Approve");
            FeedbackLine(html, feedback, id);
            html.Add($"</td></tr>");
        }
        html.Add($"</tbody></table>");
    }

    private static void Button(HtmlBuilder html, ChannelPageContext page, string target, string action, string label)
    {
        var title = ChannelActions.EpisodeUpdates.TryGetValue(action, out var what) ? what : action;
        html.Add($"<form method=\"post\" action=\"{page.ActLink}\"><input type=\"hidden\" name=\"target\" value=\"{target}\"><input type=\"hidden\" name=\"action\" value=\"{action}\">");
        html.Add($"<button type=\"submit\" title=\"{title}\">{label}</button></form>");
    }

    private static void Commits(HtmlBuilder html, ChannelStatus status, ChannelPageContext page)
    {
        var commits = status.Commits ?? [];
        html.Add($"<h2>Commits <span class=\"muted\">(newest first)</span></h2>");
        if (commits.Count == 0)
        {
            html.Add($"<p class=\"empty\">No commit seen yet.</p>");
            return;
        }
        html.Add($"<table class=\"channel\" id=\"commits\"><thead><tr><th>commit</th><th>seen</th><th>verdict</th><th>what it did</th><th>errors</th></tr></thead><tbody>");
        foreach (var c in commits)
        {
            var shortSha = c.Sha.Length > 12 ? c.Sha[..12] : c.Sha;
            html.Add($"<tr class=\"verdict-{c.Verdict}\" data-target=\"{WorkflowIds.Commit(c.Sha)}\"><td class=\"mono\"><a href=\"{page.WorkflowLink(WorkflowIds.Commit(c.Sha))}\" title=\"{c.Sha}\">{shortSha}</a></td>");
            html.Add($"<td>{Time(c.StartedAt, page.Now)}</td><td>{Layout.Badge(c.Verdict)}</td><td>{c.Outcome?.Summary}</td><td>");
            if (c.Outcome is { Errors.Count: > 0 } outcome)
            {
                html.Add($"<ul class=\"errors\">");
                foreach (var error in outcome.Errors)
                {
                    html.Add($"<li class=\"err\">{ErrorWithLink(error, c.Sha, page)}</li>");
                }
                html.Add($"</ul>");
            }
            html.Add($"</td></tr>");
        }
        html.Add($"</tbody></table>");
    }

    /// <summary>A <c>path:line:column: message</c> error with its location linked to the file at the commit.</summary>
    internal static Markup ErrorWithLink(string error, string sha, ChannelPageContext page)
    {
        var match = Located().Match(error);
        if (!match.Success || !int.TryParse(match.Groups["line"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var line))
        {
            return Html.Fragment(h => h.Text(error));
        }
        var path = match.Groups["path"].Value;
        var href = page.FileLink(sha, path, line);
        var location = $"{path}:{match.Groups["line"].Value}:{match.Groups["col"].Value}";
        return Html.Fragment(h =>
        {
            if (href is null)
            {
                h.Add($"<span class=\"mono\">{location}</span>");
            }
            else
            {
                h.Add($"<a class=\"mono file-link\" href=\"{href}\">{location}</a>");
            }
            h.Add($": {match.Groups["message"].Value}");
        });
    }

    private static void People(HtmlBuilder html, ChannelStatus status, ChannelPageContext page, Feedback? feedback)
    {
        html.Add($"<h2>People and their sweeps</h2>");
        if (status.People.Count == 0)
        {
            html.Add($"<p class=\"empty\">No person has changed yet, so no description sweep has run.</p>");
            return;
        }
        html.Add($"<table class=\"channel\" id=\"people\"><thead><tr><th>person</th><th>last commit</th><th>sweep progress</th><th>in flight</th><th>pending</th><th>failed</th><th>sweeps</th><th>steer</th></tr></thead><tbody>");
        foreach (var p in status.People.OrderByDescending(p => p.Busy || p.Failed.Count > 0).ThenBy(p => p.PersonId, StringComparer.Ordinal))
        {
            var id = WorkflowIds.Person(p.PersonId);
            var total = p.Done + p.InFlight + p.Pending + p.Failed.Count;
            var commit = p.LastCommit is { Length: > 12 } c ? c[..12] : p.LastCommit;
            html.Add($"<tr data-target=\"{id}\"><td><a href=\"{page.WorkflowLink(id)}\">{p.PersonId}</a></td><td class=\"mono\">{commit}</td>");
            html.Add($"<td><progress value=\"{p.Done}\" max=\"{Math.Max(1, total)}\"></progress> <span class=\"sweep-progress\">{p.Done}/{total} done</span>{(p.Busy ? Html.Raw(" <span class=\"badge Reconciling\">sweeping</span>") : Markup.Empty)}</td>");
            html.Add($"<td>{p.InFlight}</td><td>{p.Pending}</td><td class=\"err\">{string.Join(", ", p.Failed)}</td><td>{p.Sweeps}</td><td class=\"steer\">");
            Button(html, page, id, "RetryFailed", "Retry failed");
            FeedbackLine(html, feedback, id);
            html.Add($"</td></tr>");
        }
        html.Add($"</tbody></table>");
    }

    private static void Quota(HtmlBuilder html, ChannelStatus status, ChannelPageContext page, Feedback? feedback)
    {
        html.Add($"<h2>YouTube quota</h2><div id=\"quota\" data-target=\"{WorkflowIds.Quota}\">");
        if (status.Quota is not { } q)
        {
            html.Add($"<p class=\"empty\">No YouTube call has been made yet.</p></div>");
            return;
        }
        html.Add($"<p class=\"quota-figures\"><span>day <b class=\"quota-day\">{q.Day}</b> (Pacific)</span><span><b>{q.Used}</b> of {q.DailyBudget} units used</span><span><b id=\"quota-remaining\">{q.Remaining}</b> left</span>");
        if (q.Exhausted)
        {
            html.Add($"<span class=\"badge Failed\">exhausted (YouTube said quotaExceeded)</span>");
        }
        html.Add($"<span>resets {Time(q.NextReset, page.Now)}</span></p>");
        html.Add($"<p><form class=\"inline\" method=\"post\" action=\"{page.ActLink}\"><input type=\"hidden\" name=\"target\" value=\"{WorkflowIds.Quota}\"><input type=\"hidden\" name=\"action\" value=\"ResetDay\"><button type=\"submit\" title=\"YouTube's day rolled over (or Google restored the quota): the budget is whole again now\">Reset day</button></form>");
        html.Add($"<form class=\"inline\" method=\"post\" action=\"{page.ActLink}\"><input type=\"hidden\" name=\"target\" value=\"{WorkflowIds.Quota}\"><input type=\"hidden\" name=\"action\" value=\"SetBudget\">");
        html.Add($"<label>budget <input type=\"text\" name=\"budget\" value=\"{q.DailyBudget}\" aria-label=\"daily budget\"></label><label>kept from sweeps <input type=\"text\" name=\"reserve\" value=\"0\" aria-label=\"sweep reserve\"></label><button type=\"submit\">Set budget</button></form></p>");
        FeedbackLine(html, feedback, WorkflowIds.Quota);
        var queue = status.QuotaQueue ?? [];
        html.Add($"<p class=\"muted\">Waiting for units, in the order they will be granted: {q.QueuedLiveScheduling} live scheduling, {q.QueuedThumbnails} thumbnails, {q.QueuedSweeps} sweeps; {q.Outstanding} granted and not yet settled.</p>");
        if (queue.Count > 0)
        {
            html.Add($"<table class=\"channel\" id=\"quota-queue\"><thead><tr><th>#</th><th>priority</th><th>for</th><th>units</th><th>asked by</th></tr></thead><tbody>");
            var position = 0;
            foreach (var item in queue)
            {
                html.Add($"<tr><td>{++position}</td><td>{Layout.Badge(item.Request.Priority.ToString())}</td><td>{item.Request.Purpose}</td><td>{item.Request.Units}</td><td class=\"mono\">{item.Request.RequesterWorkflowId}</td></tr>");
            }
            html.Add($"</tbody></table>");
        }
        html.Add($"</div>");
    }

    private static void Teams(HtmlBuilder html, ChannelStatus status)
    {
        var teams = status.Episodes.SelectMany(e => e.Teams.Select(t => (e.EpisodeId, Team: t))).ToList();
        html.Add($"<h2>Klustered teams</h2>");
        if (teams.Count == 0)
        {
            html.Add($"<p class=\"empty\">No Klustered episode is running.</p>");
            return;
        }
        html.Add($"<table class=\"channel\" id=\"teams\"><thead><tr><th>episode</th><th>team</th><th>phase</th><th>breaks</th><th>verdict</th><th>cluster</th><th>access (where, never the credential)</th><th>time to fix</th><th>error</th></tr></thead><tbody>");
        var specs = status.Episodes.ToDictionary(e => e.EpisodeId, e => e.Desired?.Klustered?.Teams ?? [], StringComparer.Ordinal);
        foreach (var (episode, t) in teams.OrderBy(t => t.Team.Phase == TeamPhase.Failed ? 0 : 1).ThenBy(t => t.EpisodeId, StringComparer.Ordinal).ThenBy(t => t.Team.Name, StringComparer.Ordinal))
        {
            var fix = t.TimeToFix is { } ttf ? Html.Duration(ttf) + (t.TimeToFixRecorded ? " (recorded)" : "") : "";
            var spec = specs.GetValueOrDefault(episode)?.FirstOrDefault(s => s.Name == t.Name);
            var verdict = t.Verdict == BreakVerdict.Unchecked ? "" : Workflows.Decisions.KlusteredSchedule.Describe(t.Verdict) + (t.VerdictDetail is { Length: > 0 } detail ? ": " + detail : "");
            html.Add($"<tr><td>{episode}</td><td>{t.Name}</td><td>{Layout.Badge(t.Phase.ToString())}</td><td>{Breaks(spec)}</td><td>{verdict}</td><td class=\"mono\">{t.ClusterName}</td><td class=\"mono\">{t.Access}{Credentials(t.Credentials)}</td><td>{fix}</td><td class=\"err\">{t.LastError}</td></tr>");
        }
        html.Add($"</tbody></table>");
    }

    /// <summary>
    /// A team's breaks; node-level ones are marked: they are fixed on the node (SSH), which the Kubernetes sandbox cannot
    /// offer, so there they need a real cluster to be fixed by hand.
    /// </summary>
    private static Markup Breaks(KlusteredTeamDesired? spec) => Html.Fragment(h =>
    {
        if (spec is null)
        {
            return;
        }
        if (spec.Breaks.Count == 0)
        {
            h.Add($"by hand (the breakers')");
            return;
        }
        h.Add($"<ul class=\"errors\">");
        foreach (var id in spec.Breaks)
        {
            var nodeLevel = Kubernetes.BreakLibrary.Contains(id) && Kubernetes.BreakLibrary.Get(id).Level == Kubernetes.BreakLevel.Node;
            h.Add($"<li><span class=\"mono\">{id}</span>");
            if (nodeLevel)
            {
                h.Add($" <span class=\"node-level\">node-level: needs a real cluster to fix by hand (fixed on the node over SSH; the Kubernetes sandbox has no nodes to log in to)</span>");
            }
            h.Add($"</li>");
        }
        h.Add($"</ul>");
    });

    /// <summary>The breakers' and fixers' kubeconfig files and their windows (never the credential itself).</summary>
    private static Markup Credentials(IReadOnlyList<AccessGrant>? grants) => Html.Fragment(h =>
    {
        foreach (var g in grants ?? [])
        {
            var window = $"{g.ValidFrom.ToString("u", CultureInfo.InvariantCulture)} → {g.ValidUntil.ToString("u", CultureInfo.InvariantCulture)}";
            var revoked = g.RevokedAt is { } at ? $", closed {at.ToString("u", CultureInfo.InvariantCulture)}" : "";
            h.Add($"<br>{g.Role.ToString().ToLowerInvariant()}: {g.Path} ({window}{revoked})");
        }
    });

    private static void Cleanup(HtmlBuilder html, ChannelStatus status, ChannelPageContext page, Feedback? feedback)
    {
        html.Add($"<h2>Cleanup passes</h2><div id=\"cleanup\" data-target=\"{CleanupWorkflow.ScheduleId}\">");
        html.Add($"<form class=\"inline\" method=\"post\" action=\"{page.ActLink}\"><input type=\"hidden\" name=\"target\" value=\"{CleanupWorkflow.ScheduleId}\"><input type=\"hidden\" name=\"action\" value=\"TriggerCleanup\"><button type=\"submit\">Run a pass now</button></form>");
        FeedbackLine(html, feedback, CleanupWorkflow.ScheduleId);
        var passes = status.Cleanup ?? [];
        if (passes.Count == 0)
        {
            html.Add($"<p class=\"empty\">No cleanup pass has run yet.</p></div>");
            return;
        }
        html.Add($"<table class=\"channel\" id=\"cleanup-passes\"><thead><tr><th>pass</th><th>started</th><th>phase</th><th>deleted</th><th>kept</th><th>notes</th><th>units</th></tr></thead><tbody>");
        foreach (var pass in passes)
        {
            var phase = pass.State?.Phase.ToString() ?? pass.Status;
            var report = pass.State?.Report;
            html.Add($"<tr><td class=\"mono\"><a href=\"{page.WorkflowLink(pass.WorkflowId)}\">{pass.WorkflowId}</a></td><td>{Time(pass.StartedAt, page.Now)}</td><td>{Layout.Badge(phase)}{(report?.DryRun == true ? Html.Raw(" <span class=\"muted\">dry run</span>") : Markup.Empty)}</td>");
            html.Add($"<td>{Items(report?.Deleted)}</td><td>{Items(report?.Kept)}</td><td>{string.Join("; ", report?.Notes ?? [])}</td><td>{report?.QuotaUnitsSpent}</td></tr>");
        }
        html.Add($"</tbody></table></div>");
    }

    private static Markup Items(IReadOnlyList<CleanupItem>? items) => Html.Fragment(h =>
    {
        if (items is not { Count: > 0 })
        {
            return;
        }
        h.Add($"<ul class=\"errors\">");
        foreach (var item in items)
        {
            h.Add($"<li>{item.Kind} <span class=\"mono\">{item.Name}</span>{(item.EpisodeId is null ? "" : " (" + item.EpisodeId + ")")}: {item.Reason}</li>");
        }
        h.Add($"</ul>");
    });

    /// <summary>An absolute time (fixed width, so screenshots do not move), with how far away it is as a tooltip.</summary>
    private static Markup Time(DateTimeOffset at, DateTimeOffset now)
    {
        var delta = at - now;
        var relative = delta >= TimeSpan.Zero ? "in " + Html.Duration(Round(delta)) : Html.Duration(Round(-delta)) + " ago";
        return Html.Fragment(h => h.Add($"<time datetime=\"{at.UtcDateTime.ToString("o", CultureInfo.InvariantCulture)}\" title=\"{relative}\">{at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC</time>"));
    }

    private static TimeSpan Round(TimeSpan span) => TimeSpan.FromSeconds(Math.Round(span.TotalSeconds));
}

using System.Net;
using System.Text;
using Microsoft.AspNetCore.Routing;

namespace RawkodeAutomation.Cli.Commands;

/// <summary>Where the pages and services of one <c>rawkode up</c> listen; null when that part does not run.</summary>
/// <param name="FrontPage">The front page, e.g. <c>http://127.0.0.1:8787/</c>.</param>
/// <param name="OperatorPage">The operator page (every entity's state).</param>
/// <param name="ChannelPage">The YouTube sandbox's channel page; null when a real channel is configured.</param>
/// <param name="Scoreboard">The Klustered scoreboard; null when this build serves none.</param>
/// <param name="TemporalAddress">The Temporal frontend, <c>host:port</c> (gRPC, not a web page).</param>
/// <param name="TemporalUi">A browsable view of Temporal's workflows and schedules.</param>
internal sealed record UpAddresses(
    Uri FrontPage,
    Uri OperatorPage,
    Uri? ChannelPage,
    Uri? Scoreboard,
    string TemporalAddress,
    Uri? TemporalUi)
{
    /// <summary>Paths on the front page's host.</summary>
    public const string OperatorPath = "/operator";
    public const string ScoreboardPath = "/scoreboard";
    public const string TemporalUiPath = "/temporal";

    /// <summary>The links, in the order the front page and the console show them.</summary>
    public IReadOnlyList<(string Name, Uri? Href, string Text, string What)> Links() =>
    [
        ("channel", ChannelPage, ChannelPage?.ToString() ?? "", "the channel as viewers see it: broadcasts, thumbnails, descriptions (YouTube sandbox)"),
        ("operator", OperatorPage, OperatorPage.ToString(), "every episode, person and the quota: phase, last result, next wake-up"),
        ("scoreboard", Scoreboard, Scoreboard?.ToString() ?? "", "Klustered teams and their time to fix"),
        ("temporal", TemporalUi, TemporalAddress, "the Temporal frontend (gRPC) for the Temporal CLI and SDKs; its workflows and schedules in the browser"),
    ];
}

/// <summary>The front page of <c>rawkode up</c>: one address that links every other page.</summary>
internal static class UpFrontPage
{
    /// <summary>
    /// The scoreboard's address when the app maps <see cref="UpAddresses.ScoreboardPath"/>; the front page only
    /// links pages that exist.
    /// </summary>
    public static Uri? FindScoreboard(IEnumerable<EndpointDataSource> sources, Uri frontPage) =>
        sources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .Any(e => string.Equals("/" + e.RoutePattern.RawText?.Trim('/'), UpAddresses.ScoreboardPath, StringComparison.OrdinalIgnoreCase))
            ? new Uri(frontPage, UpAddresses.ScoreboardPath)
            : null;

    /// <summary>The front page: the links, and one line on the channel's state when Temporal answered.</summary>
    public static string Html(UpAddresses addresses, string? summary)
    {
        var html = new StringBuilder();
        html.Append("<!doctype html><html><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"10\"><title>rawkode up</title>")
            .Append("<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:56rem}nav a{margin-right:1rem}")
            .Append("dl{display:grid;grid-template-columns:max-content 1fr;gap:.5rem 1.5rem}dt{font-weight:600}dd{margin:0}code{font-size:.95em}</style></head><body>")
            .Append(Nav(addresses, "front"))
            .Append("<h1>rawkode up</h1>");
        if (summary is not null)
        {
            html.Append("<p id=\"summary\">").Append(E(summary)).Append("</p>");
        }
        html.Append("<dl>");
        foreach (var (name, href, text, what) in addresses.Links())
        {
            if (href is null && name != "temporal")
            {
                continue;
            }
            html.Append("<dt>").Append(E(Title(name))).Append("</dt><dd>");
            if (name == "temporal")
            {
                html.Append("<code id=\"temporal-address\">").Append(E(text)).Append("</code>");
                if (href is not null)
                {
                    html.Append(" · <a id=\"temporal\" href=\"").Append(E(href.ToString())).Append("\">browse workflows</a>");
                }
            }
            else
            {
                html.Append("<a id=\"").Append(name).Append("\" href=\"").Append(E(href!.ToString())).Append("\">").Append(E(text)).Append("</a>");
            }
            html.Append("<br><small>").Append(E(what)).Append("</small></dd>");
        }
        html.Append("</dl><p><small>JSON: <a href=\"/api/status\">/api/status</a> · <a href=\"/api/cleanup\">/api/cleanup</a>. ")
            .Append("Commit to the checkout's branch and the watcher applies it; thumbnails as files: <code>rawkode thumbnails render --all --out .rawkode/thumbnails</code>.</small></p>")
            .Append("</body></html>");
        return html.ToString();
    }

    /// <summary>A bar of links to the other pages, for the top of each page <c>up</c> serves.</summary>
    public static string Nav(UpAddresses addresses, string current)
    {
        var nav = new StringBuilder("<nav style=\"font-family:system-ui,sans-serif;margin-bottom:1rem\">");
        Link(nav, "front", addresses.FrontPage, current);
        foreach (var (name, href, _, _) in addresses.Links())
        {
            if (href is not null)
            {
                Link(nav, name, href, current);
            }
        }
        return nav.Append("</nav>").ToString();

        static void Link(StringBuilder nav, string name, Uri href, string current)
        {
            if (name == current)
            {
                nav.Append("<strong style=\"margin-right:1rem\">").Append(E(Title(name))).Append("</strong>");
            }
            else
            {
                nav.Append("<a style=\"margin-right:1rem\" href=\"").Append(E(href.ToString())).Append("\">").Append(E(Title(name))).Append("</a>");
            }
        }
    }

    /// <summary>The console's list of addresses, one per line.</summary>
    public static IEnumerable<string> ConsoleLines(UpAddresses addresses)
    {
        yield return $"front page:   {addresses.FrontPage}  (links everything below)";
        foreach (var (name, href, text, _) in addresses.Links())
        {
            if (name == "temporal")
            {
                yield return $"  temporal:   {text}" + (href is null ? "" : $"  (browse: {href})");
            }
            else if (href is not null)
            {
                yield return $"  {name + ":",-11} {text}";
            }
        }
    }

    private static string Title(string name) => name switch
    {
        "front" => "Front page",
        "channel" => "Channel",
        "operator" => "Operator",
        "scoreboard" => "Scoreboard",
        "temporal" => "Temporal",
        _ => name,
    };

    private static string E(string s) => WebUtility.HtmlEncode(s);
}

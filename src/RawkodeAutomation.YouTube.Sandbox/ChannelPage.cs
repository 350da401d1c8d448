using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace RawkodeAutomation.YouTube.Sandbox;

// The page at "/": the channel as a viewer would see it, so a person can check what the automation did.
public sealed partial class YouTubeSandbox
{
    private async Task WritePageAsync(HttpContext context)
    {
        string html;
        lock (_gate)
        {
            RollQuotaDay();
            html = RenderPage();
        }
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync(html, context.RequestAborted).ConfigureAwait(false);
    }

    // Callers hold _gate.
    private string RenderPage()
    {
        static string E(string? s) => WebUtility.HtmlEncode(s ?? "");
        var now = Now;
        var live = _state.Videos.Where(v => v.LiveBroadcastContent == "live").OrderBy(v => v.ScheduledStart).ToList();
        var upcoming = _state.Videos.Where(v => v.LiveBroadcastContent == "upcoming" && v.PrivacyStatus != "private")
            .OrderBy(v => v.ScheduledStart).ToList();
        var privateUpcoming = _state.Videos.Where(v => v.LiveBroadcastContent == "upcoming" && v.PrivacyStatus == "private").OrderBy(v => v.ScheduledStart).ToList();
        var videos = _state.Videos.Where(v => v.LiveBroadcastContent == "none").OrderByDescending(v => v.ActualStart ?? v.PublishedAt).ToList();

        var b = new StringBuilder();
        b.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(_state.ChannelTitle)).Append("</title><style>")
         .Append("body{font-family:Roboto,Arial,sans-serif;background:#0f0f0f;color:#f1f1f1;margin:0}")
         .Append("header{padding:24px 32px;border-bottom:1px solid #333;display:flex;justify-content:space-between;align-items:center}")
         .Append("h1{margin:0;font-size:24px}h2{font-size:20px;margin:24px 32px 12px}")
         .Append(".quota{font-size:13px;color:#aaa}.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:20px;padding:0 32px}")
         .Append(".card{background:#1c1c1c;border-radius:12px;overflow:hidden}.thumb{width:100%;aspect-ratio:16/9;object-fit:cover;display:block;background:#333}")
         .Append(".placeholder{display:flex;align-items:center;justify-content:center;color:#777;font-size:14px}")
         .Append(".body{padding:12px 16px}.title{font-weight:600;font-size:16px;margin:0 0 6px}.when{color:#3ea6ff;font-size:13px}")
         .Append(".badge{display:inline-block;font-size:11px;padding:2px 6px;border-radius:4px;background:#333;margin-right:6px;text-transform:uppercase}")
         .Append(".live{background:#c00}.desc{white-space:pre-wrap;font-size:13px;color:#ccc;max-height:12em;overflow:auto;margin-top:8px}")
         .Append("ul.videos{padding:0 32px 32px 52px}ul.videos li{margin:4px 0}.empty{padding:0 32px;color:#888}")
         .Append("</style></head><body><header><h1>").Append(E(_state.ChannelTitle)).Append("</h1><div class=\"quota\">YouTube sandbox · quota ")
         .Append(_state.QuotaUsed.ToString(CultureInfo.InvariantCulture)).Append(" / ").Append(DailyQuota.ToString(CultureInfo.InvariantCulture))
         .Append(" units today (Pacific ").Append(_state.QuotaDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Append(")</div></header>");

        void Cards(string heading, List<SandboxVideo> list, string emptyText)
        {
            b.Append("<h2>").Append(E(heading)).Append("</h2>");
            if (list.Count == 0) { b.Append("<p class=\"empty\">").Append(E(emptyText)).Append("</p>"); return; }
            b.Append("<div class=\"grid\">");
            foreach (var v in list)
            {
                b.Append("<article class=\"card\" data-video-id=\"").Append(E(v.Id)).Append("\">");
                if (v.Thumbnail is not null)
                {
                    b.Append("<img class=\"thumb\" alt=\"thumbnail\" src=\"/sandbox/thumbnails/").Append(E(v.Id)).Append("?v=").Append(v.ThumbnailVersion).Append("\">");
                }
                else
                {
                    b.Append("<div class=\"thumb placeholder\">no thumbnail yet</div>");
                }
                b.Append("<div class=\"body\"><p class=\"title\">").Append(E(v.Title)).Append("</p><div>");
                if (v.LiveBroadcastContent == "live") { b.Append("<span class=\"badge live\">live</span>"); }
                b.Append("<span class=\"badge\">").Append(E(v.PrivacyStatus)).Append("</span><span class=\"badge\">").Append(E(v.LifeCycleStatus)).Append("</span>");
                if (v.BoundStreamId is null) { b.Append("<span class=\"badge\">no stream</span>"); }
                b.Append("</div>");
                if (v.ScheduledStart is { } start)
                {
                    var pacific = Pacific.ToPacific(start);
                    var until = start - now;
                    b.Append("<div class=\"when\">").Append(E(start.UtcDateTime.ToString("ddd d MMM yyyy HH:mm 'UTC'", CultureInfo.InvariantCulture)))
                     .Append(" · ").Append(E(pacific.ToString("HH:mm", CultureInfo.InvariantCulture))).Append(" Pacific");
                    if (until > TimeSpan.Zero) { b.Append(" · in ").Append(E(Humanize(until))); }
                    b.Append("</div>");
                }
                b.Append("<div class=\"desc\">").Append(E(v.Description)).Append("</div></div></article>");
            }
            b.Append("</div>");
        }

        if (live.Count > 0) { Cards("Live now", live, ""); }
        Cards("Upcoming live streams", upcoming, "Nothing scheduled.");
        if (privateUpcoming.Count > 0) { Cards("Private (only the channel owner sees these)", privateUpcoming, ""); }
        b.Append("<h2>Videos</h2>");
        if (videos.Count == 0) { b.Append("<p class=\"empty\">No videos.</p>"); }
        else
        {
            b.Append("<ul class=\"videos\">");
            foreach (var v in videos.Take(200))
            {
                b.Append("<li data-video-id=\"").Append(E(v.Id)).Append("\">").Append(E(v.Title)).Append(" <span class=\"quota\">(")
                 .Append(E(v.PrivacyStatus)).Append(", ").Append(Encoding.UTF8.GetByteCount(v.Description)).Append("-byte description)</span></li>");
            }
            b.Append("</ul>");
        }
        b.Append("</body></html>");
        return b.ToString();
    }

    private static string Humanize(TimeSpan span) =>
        span.TotalDays >= 2 ? $"{(int)span.TotalDays} days"
        : span.TotalHours >= 2 ? $"{(int)span.TotalHours} hours"
        : $"{Math.Max(1, (int)span.TotalMinutes)} minutes";
}

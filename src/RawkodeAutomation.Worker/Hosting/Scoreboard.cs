using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using RawkodeAutomation.Episodes.Loading;
using RawkodeAutomation.GitHub;
using RawkodeAutomation.Worker.Decisions;
using RawkodeAutomation.Workflows.Contracts;

namespace RawkodeAutomation.Worker.Hosting;

/// <summary>What one team looks like on the scoreboard. No credentials, no paths: only what the audience may see.</summary>
/// <param name="Status"><c>breaking</c>, <c>fixing</c>, <c>fixed</c> or <c>not-fixed</c>.</param>
/// <param name="StatusText">The badge's words, e.g. "Fixed in 23 min".</param>
/// <param name="Breaks">What was broken, only once the team fixed it (the reveal); empty before.</param>
public sealed record ScoreboardTeam(string Name, IReadOnlyList<string> Breakers, IReadOnlyList<string> Fixers, string Status, string StatusText, IReadOnlyList<string> Breaks);

/// <summary>The scoreboard of one Klustered episode, as the page renders it.</summary>
/// <param name="Start">The show's start: the page counts the elapsed time from it with the viewer's clock.</param>
/// <param name="End">The end of the stream (start + duration).</param>
public sealed record ScoreboardView(string EpisodeId, string Title, DateTimeOffset Start, DateTimeOffset End, IReadOnlyList<ScoreboardTeam> Teams);

/// <summary>
/// The Klustered scoreboard: a page for a browser source in OBS (1920×1080, dark, large type) that shows an
/// episode's teams, the time since the start and each team's status, updated live through server-sent events.
/// It reads the same episode state as the operator page and shows none of the credentials in it.
/// </summary>
public static class Scoreboard
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>How often the event stream looks for a change.</summary>
    public static TimeSpan UpdateInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Maps <c>GET /scoreboard</c> (the page; <c>?episode=&lt;show&gt;/&lt;slug&gt;</c>, else the Klustered episode on now or
    /// next) and <c>GET /scoreboard/events</c> (its server-sent events), and the fonts it uses from <paramref name="fontsDirectory"/>.
    /// </summary>
    /// <param name="episodes">Reads every episode's state (in <c>up</c>: the queries the operator page runs).</param>
    /// <param name="fontsDirectory">The repository's <c>thumbnails/fonts</c>: the page looks the same on every machine.</param>
    /// <param name="people">
    /// The people's names by id at a commit, to show the teams' members by name; unset reads them with the host's
    /// <see cref="IEpisodeSource"/> (the episode's own commit), and without one the members show as ids.
    /// </param>
    public static void MapScoreboard(
        this IEndpointRouteBuilder endpoints,
        Func<CancellationToken, Task<IReadOnlyList<EpisodeStatus>>> episodes,
        string? fontsDirectory,
        TimeProvider? time = null,
        Func<string, CancellationToken, Task<IReadOnlyDictionary<string, string>>>? people = null)
    {
        var clock = time ?? TimeProvider.System;
        people ??= endpoints.ServiceProvider.GetService<IEpisodeSource>() is { } source ? PeopleAt(source) : null;

        async Task<ScoreboardView?> CurrentAsync(HttpContext http)
        {
            var now = clock.GetUtcNow();
            var chosen = Choose(await episodes(http.RequestAborted).ConfigureAwait(false), http.Request.Query["episode"], now);
            if (chosen is null)
            {
                return null;
            }
            IReadOnlyDictionary<string, string>? names = null;
            if (people is not null && chosen.Desired?.Commit is { Length: > 0 } commit)
            {
                try
                {
                    names = await people(commit, http.RequestAborted).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The people files cannot be read right now (a commit not fetched yet): ids until they can.
                }
            }
            return View(chosen, now, names);
        }

        endpoints.MapGet("/scoreboard", async (HttpContext http) =>
        {
            var view = await CurrentAsync(http).ConfigureAwait(false);
            return Results.Content(Page(view, http.Request.Query["episode"]), "text/html; charset=utf-8");
        });
        endpoints.MapGet("/scoreboard/events", async (HttpContext http) =>
        {
            http.Response.Headers.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            string? last = null;
            try
            {
                while (!http.RequestAborted.IsCancellationRequested)
                {
                    var view = await CurrentAsync(http).ConfigureAwait(false);
                    var json = JsonSerializer.Serialize(view, Json);
                    if (json != last)
                    {
                        await http.Response.WriteAsync($"data: {json}\n\n", http.RequestAborted).ConfigureAwait(false);
                        await http.Response.Body.FlushAsync(http.RequestAborted).ConfigureAwait(false);
                        last = json;
                    }
                    await Task.Delay(UpdateInterval, clock, http.RequestAborted).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                // The browser source closed the stream.
            }
        });
        endpoints.MapGet("/scoreboard/fonts/{name}", (string name) =>
        {
            // Only the two files the page names: nothing else under the directory is served.
            if (fontsDirectory is null || name is not ("NotoSans-Regular.ttf" or "NotoSans-Bold.ttf") || !File.Exists(Path.Combine(fontsDirectory, name)))
            {
                return Results.NotFound();
            }
            return Results.File(Path.Combine(fontsDirectory, name), "font/ttf");
        });
    }

    /// <summary>
    /// The episode to show: the one asked for, else the Klustered episode running now (between its start and its
    /// teardown), else the next one to start, else the latest. Null when there is none.
    /// </summary>
    /// <param name="names">People's names by id (see <see cref="View"/>).</param>
    public static ScoreboardView? Pick(IReadOnlyList<EpisodeStatus> episodes, string? episodeId, DateTimeOffset now, IReadOnlyDictionary<string, string>? names = null) =>
        Choose(episodes, episodeId, now) is { } chosen ? View(chosen, now, names) : null;

    /// <summary>
    /// The people's names by id at a commit, read with <paramref name="source"/> (<c>episodes/people/&lt;id&gt;.yaml</c>),
    /// cached per commit: the event stream asks every couple of seconds.
    /// </summary>
    public static Func<string, CancellationToken, Task<IReadOnlyDictionary<string, string>>> PeopleAt(IEpisodeSource source)
    {
        var cache = new System.Collections.Concurrent.ConcurrentDictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        return async (commit, cancellationToken) =>
        {
            if (cache.TryGetValue(commit, out var known))
            {
                return known;
            }
            var files = await source.GetEpisodeFilesAsync(commit, cancellationToken).ConfigureAwait(false);
            var repository = EpisodeLoader.Load(files, new EpisodeLoaderOptions { ValidateDescriptions = false }).Repository;
            IReadOnlyDictionary<string, string> names = repository.People.Values.ToDictionary(p => p.Id, p => p.Name, StringComparer.Ordinal);
            if (cache.Count > 16)
            {
                cache.Clear();
            }
            cache[commit] = names;
            return names;
        };
    }

    private static EpisodeStatus? Choose(IReadOnlyList<EpisodeStatus> episodes, string? episodeId, DateTimeOffset now)
    {
        var klustered = episodes
            .Where(e => e.Desired is { Klustered: not null, ScheduledFor: not null, Draft: false })
            .ToList();
        EpisodeStatus? chosen;
        if (!string.IsNullOrEmpty(episodeId))
        {
            chosen = klustered.FirstOrDefault(e => e.EpisodeId == episodeId);
        }
        else
        {
            var d = (EpisodeStatus e) => e.Desired!;
            chosen = klustered.Where(e => d(e).ScheduledFor <= now && now < d(e).ScheduledFor + d(e).Duration + d(e).Klustered!.TeardownAfter).MinBy(e => d(e).ScheduledFor)
                ?? klustered.Where(e => d(e).ScheduledFor > now).MinBy(e => d(e).ScheduledFor)
                ?? klustered.MaxBy(e => d(e).ScheduledFor);
        }
        return chosen;
    }

    /// <summary>One episode's scoreboard at <paramref name="now"/>.</summary>
    /// <param name="names">People's names by id: the teams' members show by name (by id when a name is not known).</param>
    public static ScoreboardView View(EpisodeStatus episode, DateTimeOffset now, IReadOnlyDictionary<string, string>? names = null)
    {
        IReadOnlyList<string> Named(IEnumerable<string> ids) => [.. ids.Select(id => names?.GetValueOrDefault(id) is { Length: > 0 } name ? name : id)];
        var desired = episode.Desired ?? throw new ArgumentException($"episode {episode.EpisodeId} has no spec", nameof(episode));
        var klustered = desired.Klustered ?? throw new ArgumentException($"episode {episode.EpisodeId} is not a Klustered episode", nameof(episode));
        var start = desired.ScheduledFor ?? throw new ArgumentException($"episode {episode.EpisodeId} has no start", nameof(episode));
        var end = start + desired.Duration;
        var teams = klustered.Teams.Select(spec =>
        {
            var state = episode.Teams.FirstOrDefault(t => t.Name == spec.Name);
            var (status, text) = state switch
            {
                { Phase: TeamPhase.Fixed, TimeToFix: { } ttf } => ("fixed", $"Fixed in {Minutes(ttf)}"),
                _ when now < start || state?.HandedOverAt is null && now < end => ("breaking", "Breaking"),
                _ when now >= end => ("not-fixed", "Not fixed"),
                _ => ("fixing", "Fixing"),
            };
            IReadOnlyList<string> breaks = status != "fixed" ? []
                : spec.Breaks.Count > 0 ? spec.Breaks
                : ["broken by hand"];
            return new ScoreboardTeam(ChapterYaml.DisplayName(spec.Name), Named(spec.Breakers), Named(spec.Fixers), status, text, breaks);
        }).ToList();
        return new ScoreboardView(episode.EpisodeId, desired.Title, start, end, teams);
    }

    private static string Minutes(TimeSpan t) =>
        t < TimeSpan.FromMinutes(1) ? "under a minute"
        : t < TimeSpan.FromHours(1) ? $"{(int)t.TotalMinutes} min"
        : $"{(int)t.TotalHours} h {t.Minutes} min";

    /// <summary>The page: the view as JSON for the first paint, then the event stream keeps it current.</summary>
    public static string Page(ScoreboardView? view, string? episodeId)
    {
        var events = "/scoreboard/events" + (string.IsNullOrEmpty(episodeId) ? "" : "?episode=" + Uri.EscapeDataString(episodeId));
        // The default encoder escapes <, > and &: the JSON cannot close the script element it sits in.
        var initial = JsonSerializer.Serialize(view, Json);
        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Klustered scoreboard</title><style>")
            .Append(Css)
            .Append("</style></head><body><main id=\"board\"><header><div><div class=\"show\">KLUSTERED</div><h1 id=\"title\"></h1></div>")
            .Append("<div class=\"clock\"><div id=\"clock-label\" class=\"label\"></div><div id=\"clock\" class=\"time\"></div></div></header>")
            .Append("<section id=\"teams\"></section><p id=\"empty\" class=\"empty\" hidden>No Klustered episode is scheduled.</p></main>")
            .Append("<script id=\"initial\" type=\"application/json\">").Append(initial).Append("</script><script>")
            .Append("const EVENTS=").Append(JsonSerializer.Serialize(events, Json)).Append(';')
            .Append(Script)
            .Append("</script></body></html>");
        return html.ToString();
    }

    private const string Css = """
        @font-face{font-family:Board;src:url(/scoreboard/fonts/NotoSans-Regular.ttf);font-weight:400}
        @font-face{font-family:Board;src:url(/scoreboard/fonts/NotoSans-Bold.ttf);font-weight:700}
        html,body{margin:0;width:1920px;height:1080px;overflow:hidden;background:#0b1020;color:#f4f6fb;font-family:Board,sans-serif}
        main{box-sizing:border-box;width:1920px;height:1080px;padding:56px 72px;display:flex;flex-direction:column;gap:48px}
        header{display:flex;justify-content:space-between;align-items:flex-end;border-bottom:4px solid #2b3558;padding-bottom:32px}
        .show{font-size:32px;font-weight:700;letter-spacing:12px;color:#7aa2ff}
        h1{margin:8px 0 0;font-size:72px;font-weight:700;line-height:1.1;max-width:1250px}
        .clock{text-align:right}
        .label{font-size:32px;color:#aab3cf}
        .time{font-size:104px;font-weight:700;font-variant-numeric:tabular-nums;line-height:1}
        #teams{display:grid;gap:40px;flex:1;align-content:start}
        .team{background:#151c33;border-radius:24px;padding:36px 40px;display:flex;flex-direction:column;gap:20px;border-left:16px solid #2b3558}
        .team h2{margin:0;font-size:60px;font-weight:700}
        .badge{align-self:flex-start;font-size:44px;font-weight:700;padding:10px 28px;border-radius:16px}
        .breaking{border-color:#f5a524}.breaking .badge{background:#f5a524;color:#1a1200}
        .fixing{border-color:#4c8dff}.fixing .badge{background:#4c8dff;color:#04122e}
        .fixed{border-color:#2fd07a}.fixed .badge{background:#2fd07a;color:#03210f}
        .not-fixed{border-color:#ff5a5f}.not-fixed .badge{background:#ff5a5f;color:#2a0204}
        .people{font-size:34px;line-height:1.4;color:#d5dbef}
        .people b{color:#aab3cf;font-weight:400}
        .breaks{font-size:32px;color:#2fd07a}
        .empty{font-size:56px;color:#aab3cf}
        """;

    private const string Script = """
        let view=JSON.parse(document.getElementById('initial').textContent);
        const two=n=>String(n).padStart(2,'0');
        const span=ms=>{const s=Math.floor(Math.max(0,ms)/1000);return Math.floor(s/3600)+':'+two(Math.floor(s/60)%60)+':'+two(s%60);};
        const el=(tag,cls,text)=>{const e=document.createElement(tag);if(cls)e.className=cls;if(text!==undefined)e.textContent=text;return e;};
        function tick(){
          if(!view)return;
          const now=Date.now(),start=Date.parse(view.start),end=Date.parse(view.end);
          const label=document.getElementById('clock-label'),clock=document.getElementById('clock');
          if(now<start){label.textContent='Starts in';clock.textContent=span(start-now);}
          else if(now<end){label.textContent='Elapsed';clock.textContent=span(now-start);}
          else{label.textContent='Show over after';clock.textContent=span(end-start);}
        }
        function render(){
          document.getElementById('empty').hidden=!!view;
          const teams=document.getElementById('teams');teams.replaceChildren();
          if(!view){document.getElementById('title').textContent='';return;}
          document.getElementById('title').textContent=view.title;
          teams.style.gridTemplateColumns='repeat('+Math.min(3,Math.max(1,view.teams.length))+',1fr)';
          for(const t of view.teams){
            const card=el('article','team '+t.status);
            card.append(el('h2','',t.name),el('div','badge',t.statusText));
            const people=el('div','people');
            people.append(el('b','','Breakers '),document.createTextNode(t.breakers.join(', ')),el('br'),el('b','','Fixers '),document.createTextNode(t.fixers.join(', ')));
            card.append(people);
            if(t.breaks.length)card.append(el('div','breaks','Broken: '+t.breaks.join(', ')));
            teams.append(card);
          }
          tick();
        }
        render();setInterval(tick,1000);
        const source=new EventSource(EVENTS);
        source.onmessage=e=>{view=JSON.parse(e.data);render();};
        """;
}

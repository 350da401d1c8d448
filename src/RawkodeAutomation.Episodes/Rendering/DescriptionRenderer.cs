using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using Fluid;
using RawkodeAutomation.Episodes.Loading;
using RawkodeAutomation.Episodes.Model;

namespace RawkodeAutomation.Episodes.Rendering;

/// <summary>A rendered YouTube description.</summary>
/// <param name="Text">The description, without '&lt;' or '&gt;'.</param>
/// <param name="Utf8Bytes">Its size as YouTube counts it (UTF-8 bytes; an emoji is 4).</param>
/// <param name="Shortenings">What was left out or shortened to fit, least important first; empty when nothing was.</param>
public sealed record RenderedDescription(string Text, int Utf8Bytes, IReadOnlyList<string> Shortenings)
{
    /// <summary>True when the text fits YouTube's limit.</summary>
    public bool Fits => Utf8Bytes <= DescriptionRenderer.MaxDescriptionBytes;
}

/// <summary>A template that does not parse.</summary>
public sealed record TemplateError(SourceLocation Location, string Message);

/// <summary>
/// Renders an episode's YouTube description from its show's Liquid template (Fluid,
/// https://github.com/sebastienros/fluid): <c>episodes/templates/&lt;show-id&gt;.liquid</c>, or
/// <see cref="DefaultTemplate"/>. When the text exceeds <see cref="MaxDescriptionBytes"/> the least
/// important parts are shortened first (series index, technologies, bios, host, team details, links,
/// hashtags); the summary and chapters are never cut, so a description that is still too long is a
/// validation error for the creator to fix.
/// </summary>
public static partial class DescriptionRenderer
{
    /// <summary>YouTube's description limit in UTF-8 bytes.</summary>
    public const int MaxDescriptionBytes = 5000;

    /// <summary>Series index entries shown before any shortening when a show is long.</summary>
    public const int MaxSeriesEntries = 21;

    /// <summary>
    /// The template used by shows without <c>episodes/templates/&lt;show-id&gt;.liquid</c>. It deliberately
    /// does not print how many episodes the series index leaves out: a count would change every
    /// description of the show whenever an episode is added, and each rewrite costs 50 quota units.
    /// </summary>
    public const string DefaultTemplate = """
        {{ episode.summary }}

        {% if episode.date %}📅 {{ episode.date }}, {{ episode.time }} ({{ episode.duration }})
        {% endif %}
        {% if guests.size > 0 %}
        👋 Guests
        {% for guest in guests %}• {{ guest.name }}{% if guest.bio %}: {{ guest.bio }}{% endif %}
        {% for link in guest.links %}  {{ link }}
        {% endfor %}{% endfor %}{% endif %}
        {% if host %}
        🎙 Hosted by {{ host.name }}{% if host.bio %}: {{ host.bio }}{% endif %}
        {% for link in host.links %}  {{ link }}
        {% endfor %}{% endif %}
        {% if episode.teams.size > 0 %}
        🛠 Teams
        {% for team in episode.teams %}• {{ team.name }}: breakers {{ team.breakers | join: ", " }}; fixers {{ team.fixers | join: ", " }}{% if team.timeToFix %}; fixed in {{ team.timeToFix }}{% endif %}
        {% if team.breaks.size > 0 %}  Breaks: {{ team.breaks | join: ", " }}
        {% endif %}{% endfor %}{% endif %}
        {% if episode.chapters.size > 0 %}
        ⏱ Chapters
        {% for chapter in episode.chapters %}{{ chapter.at }} {{ chapter.title }}
        {% endfor %}{% endif %}
        {% if episode.links.size > 0 %}
        🔗 Links
        {% for link in episode.links %}• {{ link }}
        {% endfor %}{% endif %}
        {% if episode.technologies.size > 0 %}
        🧰 {{ episode.technologies | join: ", " }}
        {% endif %}
        {% if series.entries.size > 0 %}
        📺 {{ show.name }}: all episodes
        {% if series.earlier > 0 %}… earlier episodes in the playlist
        {% endif %}{% for entry in series.entries %}{% if entry.current %}▶ {{ entry.date }} {{ entry.title }} (this episode){% else %}• {{ entry.date }} {{ entry.title }}{% endif %}
        {% endfor %}{% if series.later > 0 %}… later episodes in the playlist
        {% endif %}{% endif %}
        {% if show.playlistUrl %}Playlist: {{ show.playlistUrl }}
        {% endif %}
        {{ show.name }}: {{ show.description }}

        {{ hashtags }}
        """;

    private static readonly FluidParser Parser = new();
    private static readonly TemplateOptions Options = CreateOptions();
    private static readonly ConcurrentDictionary<string, IFluidTemplate> Compiled = new(StringComparer.Ordinal);
    private static readonly ConditionalWeakTable<EpisodeRepository, SeriesIndex> Indexes = new();

    private static TemplateOptions CreateOptions()
    {
        var options = new TemplateOptions();
        // Fluid renders records and classes as empty unless their members are registered.
        options.MemberAccessStrategy.IgnoreCasing = true;
        options.MemberAccessStrategy.Register<DescriptionModel>();
        options.MemberAccessStrategy.Register<ShowView>();
        options.MemberAccessStrategy.Register<PersonView>();
        options.MemberAccessStrategy.Register<EpisodeView>();
        options.MemberAccessStrategy.Register<ChapterView>();
        options.MemberAccessStrategy.Register<TeamView>();
        options.MemberAccessStrategy.Register<SeriesView>();
        options.MemberAccessStrategy.Register<SeriesEntryView>();
        options.CultureInfo = CultureInfo.InvariantCulture;
        // A template is data from the repository: bound its work so a loop cannot hang validation.
        options.MaxSteps = 200_000;
        return options;
    }

    /// <summary>Compiles a repository template; returns null and the error (with line:column) when it does not parse.</summary>
    public static IFluidTemplate? TryCompile(DescriptionTemplate template, out TemplateError? error)
    {
        error = null;
        if (Compiled.TryGetValue(template.Source, out var cached))
        {
            return cached;
        }

        if (!Parser.TryParse(template.Source, out var compiled, out var message))
        {
            var match = ParsePosition().Match(message ?? "");
            var location = match.Success
                ? template.Location with
                {
                    Line = int.Parse(match.Groups["l"].Value, CultureInfo.InvariantCulture),
                    Column = int.Parse(match.Groups["c"].Value, CultureInfo.InvariantCulture),
                }
                : template.Location;
            // Fluid appends the template source after the message; the location already points into it.
            var firstLine = (message ?? "unknown error").Split('\n')[0].Trim();
            error = new TemplateError(location, $"the description template does not parse: {firstLine}; fix the Liquid syntax here");
            return null;
        }

        return Compiled.GetOrAdd(template.Source, compiled);
    }

    [GeneratedRegex(@"\((?<l>\d+):(?<c>\d+)\)")]
    private static partial Regex ParsePosition();

    /// <summary>Renders the description of <paramref name="episodeId"/>, shortened to fit when needed.</summary>
    /// <exception cref="KeyNotFoundException">The episode or its show is not in <paramref name="repository"/>.</exception>
    /// <exception cref="InvalidOperationException">The show's template does not parse (validation reports this first).</exception>
    public static RenderedDescription Render(EpisodeRepository repository, string episodeId) =>
        RenderUnchecked(repository, episodeId, out _);

    internal static RenderedDescription RenderUnchecked(EpisodeRepository repository, string episodeId, out bool hadAngleBrackets)
    {
        var episode = repository.Episodes.TryGetValue(episodeId, out var e)
            ? e
            : throw new KeyNotFoundException($"episode '{episodeId}' does not exist");
        var show = repository.Shows.TryGetValue(episode.ShowId, out var s)
            ? s
            : throw new KeyNotFoundException($"show '{episode.ShowId}' of episode '{episodeId}' does not exist");
        var template = CompiledTemplateFor(repository, show.Id);
        var series = Indexes.GetValue(repository, r => new SeriesIndex(r));

        var level = new Shortening();
        var shortenings = new List<string>();
        var showEpisodes = series.Of(show.Id);
        if (showEpisodes.Count > MaxSeriesEntries)
        {
            level.SeriesWindow = MaxSeriesEntries / 2;
        }

        while (true)
        {
            var model = BuildModel(repository, show, episode, showEpisodes, level, out var seriesNote);
            var text = RenderText(template, model, out hadAngleBrackets);
            var bytes = Encoding.UTF8.GetByteCount(text);
            if (seriesNote is not null && (shortenings.Count == 0 || shortenings[^1] != seriesNote) && level.Step == 0)
            {
                shortenings.Add(seriesNote);
            }

            if (bytes <= MaxDescriptionBytes || !level.Next(out var note, showEpisodes.Count))
            {
                return new RenderedDescription(text, bytes, shortenings);
            }

            shortenings.Add(note);
        }
    }

    /// <summary>
    /// A string that is equal for two renders exactly when their text is equal (same template, same
    /// model), computed without rendering. The dependency graph uses it to skip unchanged episodes.
    /// </summary>
    public static string Fingerprint(EpisodeRepository repository, string episodeId)
    {
        var episode = repository.Episodes[episodeId];
        var show = repository.Shows[episode.ShowId];
        var series = Indexes.GetValue(repository, r => new SeriesIndex(r)).Of(show.Id);
        var level = new Shortening();
        if (series.Count > MaxSeriesEntries)
        {
            level.SeriesWindow = MaxSeriesEntries / 2;
        }

        var model = BuildModel(repository, show, episode, series, level, out _);
        var builder = new StringBuilder(1024);
        builder.Append(repository.DescriptionTemplates.TryGetValue(show.Id, out var t) ? t.Source : "(default)").Append('\u0001');
        Append(builder, model);
        return builder.ToString();
    }

    private static IFluidTemplate CompiledTemplateFor(EpisodeRepository repository, string showId)
    {
        if (repository.DescriptionTemplates.TryGetValue(showId, out var custom))
        {
            return TryCompile(custom, out var error)
                ?? throw new InvalidOperationException($"{error!.Location}: {error.Message}");
        }

        return TryCompile(new DescriptionTemplate("(default)", DefaultTemplate, new SourceLocation("(built-in default template)", 1, 1)), out _)!;
    }

    private static string RenderText(IFluidTemplate template, DescriptionModel model, out bool hadAngleBrackets)
    {
        var context = new TemplateContext(Options);
        context.SetValue("show", model.Show);
        context.SetValue("host", model.Host);
        context.SetValue("episode", model.Episode);
        context.SetValue("guests", model.Guests);
        context.SetValue("series", model.Series);
        context.SetValue("hashtags", model.Hashtags);
        var raw = template.Render(context, NullEncoder.Default);
        hadAngleBrackets = raw.AsSpan().IndexOfAny('<', '>') >= 0;
        return Normalise(raw);
    }

    /// <summary>Trims trailing spaces, collapses blank-line runs to one, and never lets '&lt;' or '&gt;' through.</summary>
    private static string Normalise(string raw)
    {
        var builder = new StringBuilder(raw.Length);
        var blank = 0;
        foreach (var line in raw.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var trimmed = line.TrimEnd();
            if (trimmed.Length == 0)
            {
                blank++;
                continue;
            }

            if (builder.Length > 0)
            {
                builder.Append(blank > 0 ? "\n\n" : "\n");
            }

            blank = 0;
            builder.Append(trimmed);
        }

        // YouTube rejects '<' and '>'; validation reports where they came from, this is the last guard.
        return builder.Replace('<', '‹').Replace('>', '›').ToString();
    }

    /// <summary>The shortening ladder, least important first.</summary>
    private sealed class Shortening
    {
        public int Step { get; private set; }
        public int? SeriesWindow { get; set; }
        public bool Series { get; private set; } = true;
        public bool Technologies { get; private set; } = true;
        public BioMode Bios { get; private set; } = BioMode.Full;
        public bool Host { get; private set; } = true;
        public bool TeamBreaks { get; private set; } = true;
        public bool Links { get; private set; } = true;
        public bool Hashtags { get; private set; } = true;

        public bool Next(out string note, int seriesCount)
        {
            Step++;
            switch (Step)
            {
                case 1 when seriesCount > 5:
                    SeriesWindow = 2;
                    note = "series index limited to the 5 episodes around this one";
                    return true;
                case <= 2 when Series && seriesCount > 0:
                    Step = 2;
                    Series = false;
                    note = "series index left out";
                    return true;
                case <= 3 when Technologies:
                    Step = 3;
                    Technologies = false;
                    note = "technologies left out";
                    return true;
                case <= 4:
                    Step = 4;
                    Bios = BioMode.FirstSentence;
                    note = "bios cut to their first sentence";
                    return true;
                case 5:
                    Host = false;
                    note = "host section left out";
                    return true;
                case 6:
                    Bios = BioMode.None;
                    note = "bios left out";
                    return true;
                case 7:
                    TeamBreaks = false;
                    note = "team break lists left out";
                    return true;
                case 8:
                    Links = false;
                    note = "links left out";
                    return true;
                case 9:
                    Hashtags = false;
                    note = "hashtags left out";
                    return true;
                default:
                    note = "";
                    return false;
            }
        }
    }

    private enum BioMode
    {
        Full,
        FirstSentence,
        None,
    }

    private static DescriptionModel BuildModel(
        EpisodeRepository repository, Show show, Episode episode, IReadOnlyList<Episode> showEpisodes, Shortening level,
        out string? seriesNote)
    {
        PersonView? Person(string id)
        {
            if (!repository.People.TryGetValue(id, out var person))
            {
                return null;
            }

            var links = new List<string>();
            if (level.Links)
            {
                if (person.GitHub is not null)
                {
                    links.Add($"https://github.com/{person.GitHub}");
                }

                if (person.Twitter is not null)
                {
                    links.Add($"https://x.com/{person.Twitter}");
                }

                if (person.Website is not null)
                {
                    links.Add(person.Website.OriginalString);
                }
            }

            var bio = level.Bios switch
            {
                BioMode.Full => person.Bio?.Trim(),
                BioMode.FirstSentence => FirstSentence(person.Bio),
                _ => null,
            };
            return new PersonView { Id = person.Id, Name = person.Name, Bio = string.IsNullOrEmpty(bio) ? null : bio, Links = links };
        }

        string NameOf(string id) => repository.People.TryGetValue(id, out var p) ? p.Name : id;

        seriesNote = null;
        var entries = new List<SeriesEntryView>();
        int earlier = 0, later = 0;
        if (level.Series && showEpisodes.Count > 0)
        {
            var position = IndexOf(showEpisodes, episode);
            var from = 0;
            var to = showEpisodes.Count - 1;
            if (level.SeriesWindow is { } window)
            {
                var centre = position >= 0 ? position : showEpisodes.Count - 1;
                from = Math.Max(0, centre - window);
                to = Math.Min(showEpisodes.Count - 1, centre + window);
                // Keep the window full-sized at either end of the show.
                var size = (2 * window) + 1;
                if (to - from + 1 < size)
                {
                    if (from == 0)
                    {
                        to = Math.Min(showEpisodes.Count - 1, size - 1);
                    }
                    else
                    {
                        from = Math.Max(0, to - size + 1);
                    }
                }

                seriesNote = $"series index limited to the {to - from + 1} episodes around this one (of {showEpisodes.Count})";
            }

            earlier = from;
            later = showEpisodes.Count - 1 - to;
            for (var i = from; i <= to; i++)
            {
                var other = showEpisodes[i];
                entries.Add(new SeriesEntryView
                {
                    Title = other.Title,
                    Date = other.ScheduledFor?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "",
                    Current = other.Id == episode.Id,
                });
            }
        }

        var teams = new List<TeamView>();
        foreach (var team in episode.Klustered?.Teams ?? [])
        {
            teams.Add(new TeamView
            {
                Name = team.Name,
                Breakers = [.. team.Breakers.Select(NameOf)],
                Fixers = [.. team.Fixers.Select(NameOf)],
                // The breaks stay secret until the team's time to fix is recorded: the description is public
                // before the show, and the fixers must not read what was done to their cluster.
                Breaks = level.TeamBreaks && team.TimeToFix is not null ? team.Breaks : [],
                TimeToFix = team.TimeToFix is { } ttf ? FormatDuration(ttf) : null,
            });
        }

        return new DescriptionModel
        {
            Show = new ShowView
            {
                Id = show.Id,
                Name = show.Name,
                Description = show.Description.Trim(),
                PlaylistUrl = show.YouTube.PlaylistId is { } playlist ? $"https://www.youtube.com/playlist?list={playlist}" : null,
            },
            Host = level.Host ? Person(show.Host) : null,
            Episode = new EpisodeView
            {
                Id = episode.Id,
                Title = episode.Title,
                Summary = episode.Summary.Trim(),
                Date = episode.ScheduledFor?.ToString("dddd d MMMM yyyy", CultureInfo.InvariantCulture),
                Time = episode.ScheduledFor is { } when ? FormatTime(when) : null,
                Duration = FormatDuration(episode.Duration),
                Technologies = level.Technologies ? episode.Technologies : [],
                Links = level.Links ? [.. episode.Links.Select(l => l.OriginalString)] : [],
                Chapters = [.. episode.Chapters.Select(c => new ChapterView { At = EntityReaders.Format(c.At), Title = c.Title })],
                Teams = teams,
            },
            Guests = [.. episode.Guests.Select(Person).OfType<PersonView>()],
            Series = new SeriesView { Entries = entries, Earlier = earlier, Later = later, Total = showEpisodes.Count },
            Hashtags = level.Hashtags ? string.Join(' ', show.Hashtags) : "",
        };
    }

    private static int IndexOf(IReadOnlyList<Episode> episodes, Episode episode)
    {
        for (var i = 0; i < episodes.Count; i++)
        {
            if (episodes[i].Id == episode.Id)
            {
                return i;
            }
        }

        return -1;
    }

    private static string? FirstSentence(string? bio)
    {
        if (string.IsNullOrWhiteSpace(bio))
        {
            return null;
        }

        var end = bio.IndexOf(". ", StringComparison.Ordinal);
        return (end < 0 ? bio : bio[..(end + 1)]).Trim();
    }

    private static string FormatTime(DateTimeOffset when) =>
        when.Offset == TimeSpan.Zero
            ? when.ToString("HH:mm 'UTC'", CultureInfo.InvariantCulture)
            : when.ToString("HH:mm", CultureInfo.InvariantCulture) + " UTC" + (when.Offset < TimeSpan.Zero ? "-" : "+") + when.Offset.ToString(@"hh\:mm", CultureInfo.InvariantCulture);

    /// <summary>Formats like the YAML: <c>1h30m</c>, <c>90m</c> stays <c>1h30m</c>.</summary>
    public static string FormatDuration(TimeSpan duration)
    {
        var builder = new StringBuilder();
        if ((int)duration.TotalHours > 0)
        {
            builder.Append((int)duration.TotalHours).Append('h');
        }

        if (duration.Minutes > 0)
        {
            builder.Append(duration.Minutes).Append('m');
        }

        if (duration.Seconds > 0 || builder.Length == 0)
        {
            builder.Append(duration.Seconds).Append('s');
        }

        return builder.ToString();
    }

    private static void Append(StringBuilder b, DescriptionModel m)
    {
        const char sep = '\u0001';
        b.Append(m.Show.Name).Append(sep).Append(m.Show.Description).Append(sep).Append(m.Show.PlaylistUrl).Append(sep).Append(m.Hashtags).Append(sep);
        AppendPerson(b, m.Host);
        var e = m.Episode;
        b.Append(e.Id).Append(sep).Append(e.Title).Append(sep).Append(e.Summary).Append(sep).Append(e.Date).Append(sep).Append(e.Time)
            .Append(sep).Append(e.Duration).Append(sep);
        foreach (var t in e.Technologies)
        {
            b.Append(t).Append('\u0002');
        }

        foreach (var l in e.Links)
        {
            b.Append(l).Append('\u0003');
        }

        foreach (var c in e.Chapters)
        {
            b.Append(c.At).Append(sep).Append(c.Title).Append('\u0004');
        }

        foreach (var t in e.Teams)
        {
            b.Append(t.Name).Append(sep).AppendJoin(',', t.Breakers).Append(sep).AppendJoin(',', t.Fixers).Append(sep)
                .AppendJoin(',', t.Breaks).Append(sep).Append(t.TimeToFix).Append('\u0005');
        }

        foreach (var g in m.Guests)
        {
            AppendPerson(b, g);
        }

        b.Append(m.Series.Earlier).Append(sep).Append(m.Series.Later).Append(sep).Append(m.Series.Total).Append(sep);
        foreach (var s in m.Series.Entries)
        {
            b.Append(s.Date).Append(sep).Append(s.Title).Append(sep).Append(s.Current ? '1' : '0').Append('\u0006');
        }

        static void AppendPerson(StringBuilder b, PersonView? p)
        {
            if (p is null)
            {
                b.Append('\u0007');
                return;
            }

            b.Append(p.Id).Append(sep).Append(p.Name).Append(sep).Append(p.Bio).Append(sep).AppendJoin(',', p.Links).Append('\u0007');
        }
    }

    /// <summary>Per-repository ordering of each show's published (non-draft) episodes, computed once.</summary>
    private sealed class SeriesIndex(EpisodeRepository repository)
    {
        private readonly Dictionary<string, IReadOnlyList<Episode>> _byShow = repository.Episodes.Values
            .Where(e => !e.Draft)
            .GroupBy(e => e.ShowId, StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => (IReadOnlyList<Episode>)[.. g.OrderBy(e => e.ScheduledFor ?? DateTimeOffset.MaxValue).ThenBy(e => e.Id, StringComparer.Ordinal)],
                StringComparer.Ordinal);

        public IReadOnlyList<Episode> Of(string showId) => _byShow.TryGetValue(showId, out var list) ? list : [];
    }
}

using System.Globalization;
using System.Text.RegularExpressions;
using RawkodeAutomation.Episodes.Model;
using RawkodeAutomation.Episodes.Rendering;

namespace RawkodeAutomation.Episodes.Loading;

/// <summary>
/// Loads and validates the <c>episodes/</c> tree (docs/schema.md). Pure: it takes file contents, so the same
/// code validates the working tree, a git revision, or a commit fetched from GitHub.
/// </summary>
public static partial class EpisodeLoader
{
    /// <summary>
    /// Largest show, person, episode or template file accepted. Real files are a few kilobytes; the limit
    /// keeps a mistaken or hostile file from costing minutes of parsing before anything is reported.
    /// </summary>
    public const int MaxFileBytes = 256 * 1024;

    /// <summary>The directory that holds the channel, relative to the repository root.</summary>
    public const string Root = "episodes/";

    [GeneratedRegex(@"^(?<y>\d{4})-(?<m>\d{2})-(?<d>\d{2})-[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex EpisodeFileName();

    private enum FileKind
    {
        Show,
        Person,
        Episode,
        Avatar,
        Template,
        Ignored,
        Misplaced,
    }

    /// <summary>
    /// Loads every file under <c>episodes/</c> from <paramref name="files"/> (keys: repository-relative
    /// paths with forward slashes; other paths are ignored) and validates the whole tree.
    /// </summary>
    public static LoadResult Load(IReadOnlyDictionary<string, byte[]> files, EpisodeLoaderOptions? options = null)
    {
        options ??= EpisodeLoaderOptions.Default;
        var entries = files
            .Where(f => f.Key.StartsWith(Root, StringComparison.Ordinal))
            .OrderBy(f => f.Key, StringComparer.Ordinal)
            .ToArray();

        // Parse files in parallel: each file is independent until cross-references are checked.
        var latest = ScheduleRange.Latest(options.Now ?? DateTimeOffset.UtcNow);
        var parsed = new ParsedFile[entries.Length];
        Parallel.For(0, entries.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
            parsed[i] = options.Cache is { } cache
                ? cache.GetOrAdd(entries[i].Key, entries[i].Value, (path, bytes) => ParseFile(path, bytes, latest))
                : ParseFile(entries[i].Key, entries[i].Value, latest));

        var diagnostics = new List<Diagnostic>();
        var shows = new Dictionary<string, Show>(StringComparer.Ordinal);
        var people = new Dictionary<string, Person>(StringComparer.Ordinal);
        var episodes = new Dictionary<string, Episode>(StringComparer.Ordinal);
        var templates = new Dictionary<string, DescriptionTemplate>(StringComparer.Ordinal);
        var avatars = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var references = new List<PendingReference>();
        var summaryLocations = new Dictionary<string, SourceLocation>(StringComparer.Ordinal);
        var episodeShowRefs = new List<(string ShowId, SourceLocation Location)>();

        foreach (var file in parsed)
        {
            diagnostics.AddRange(file.Diagnostics);
            references.AddRange(file.References);
            switch (file.Entity)
            {
                case Show show: shows[show.Id] = show; break;
                case Person person: people[person.Id] = person; break;
                case Episode episode:
                    episodes[episode.Id] = episode;
                    summaryLocations[episode.Id] = file.SummaryLocation;
                    break;
                case DescriptionTemplate template: templates[template.ShowId] = template; break;
                case byte[] avatar: avatars[file.Id!] = avatar; break;
            }

            if (file.Kind == FileKind.Episode)
            {
                episodeShowRefs.Add((file.ShowId!, new SourceLocation(file.Path, 1, 1)));
            }
        }

        // Cross-references: every id must point at something that exists.
        foreach (var (showId, location) in episodeShowRefs.DistinctBy(r => r.ShowId))
        {
            if (!shows.ContainsKey(showId) && !parsed.Any(p => p.Kind == FileKind.Show && p.Id == showId))
            {
                diagnostics.Add(new Diagnostic(location,
                    $"episode folder '{Root}{showId}/' has no show: create {Root}shows/{showId}.yaml or move the episode into an existing show's folder"));
            }
        }

        var personFiles = parsed.Where(p => p.Kind == FileKind.Person && p.Id is not null).Select(p => p.Id!).ToHashSet(StringComparer.Ordinal);
        foreach (var reference in references)
        {
            switch (reference.Kind)
            {
                case ReferenceKind.Person when !personFiles.Contains(reference.Id):
                    {
                        var suggestion = TextChecks.Suggest(reference.Id, personFiles);
                        diagnostics.Add(new Diagnostic(reference.Location,
                            $"{reference.What} '{reference.Id}' is not a known person; create {Root}people/{reference.Id}.yaml"
                            + (suggestion is null ? "" : $" or did you mean '{suggestion}'?")));
                        break;
                    }

                case ReferenceKind.Break when options.KnownBreakIds is { } breaks && !breaks.Contains(reference.Id):
                    {
                        var suggestion = TextChecks.Suggest(reference.Id, breaks);
                        diagnostics.Add(new Diagnostic(reference.Location,
                            $"break '{reference.Id}' is not in the break library"
                            + (suggestion is null ? $"; known breaks: {string.Join(", ", breaks.Order(StringComparer.Ordinal))}" : $"; did you mean '{suggestion}'?")));
                        break;
                    }

                case ReferenceKind.ClusterClass when options.KnownClusterClasses is { } classes && !classes.Contains(reference.Id):
                    diagnostics.Add(new Diagnostic(reference.Location,
                        $"cluster class '{reference.Id}' is not in the catalogue; use one of: {string.Join(", ", classes.Order(StringComparer.Ordinal))}"));
                    break;
            }
        }

        foreach (var template in templates.Values)
        {
            if (!shows.ContainsKey(template.ShowId) && !parsed.Any(p => p.Kind == FileKind.Show && p.Id == template.ShowId))
            {
                diagnostics.Add(new Diagnostic(template.Location,
                    $"template for unknown show '{template.ShowId}'; name it after a file in {Root}shows/", DiagnosticSeverity.Warning));
            }
        }

        // Keep the repository self-consistent for its users (renderer, planner, workflows): an episode whose
        // show did not load is left out; the show's own errors (or the missing show) are already reported.
        foreach (var orphan in episodes.Values.Where(e => !shows.ContainsKey(e.ShowId)).Select(e => e.Id).ToList())
        {
            episodes.Remove(orphan);
        }

        var repository = new EpisodeRepository(shows, people, episodes)
        {
            DescriptionTemplates = templates,
            Avatars = avatars,
        };

        // Templates must parse before any description can be rendered.
        var brokenTemplates = new HashSet<string>(StringComparer.Ordinal);
        foreach (var template in templates.Values)
        {
            if (DescriptionRenderer.TryCompile(template, out var error) is null)
            {
                diagnostics.Add(new Diagnostic(error!.Location, error.Message));
                brokenTemplates.Add(template.ShowId);
            }
        }

        if (options.ValidateDescriptions)
        {
            diagnostics.AddRange(ValidateDescriptions(repository, summaryLocations, brokenTemplates));
        }

        diagnostics.AddRange(VideoIdChecks.Check(files, episodes.Values, options.Now));

        diagnostics = [.. diagnostics
            .Distinct()
            .OrderBy(d => d.Location.Path, StringComparer.Ordinal)
            .ThenBy(d => d.Location.Line)
            .ThenBy(d => d.Location.Column)];
        return new LoadResult(repository, diagnostics);
    }

    /// <summary>Loads <c>&lt;repositoryRoot&gt;/episodes/**</c> from the file system.</summary>
    public static LoadResult LoadDirectory(string repositoryRoot, EpisodeLoaderOptions? options = null) =>
        Load(ReadDirectory(repositoryRoot), options);

    /// <summary>
    /// Reads every entry under <c>&lt;repositoryRoot&gt;/episodes/</c>, keyed by repository-relative path; only regular
    /// files are opened (see <see cref="EpisodeFiles.ReadWorkingTree"/>).
    /// </summary>
    public static Dictionary<string, byte[]> ReadDirectory(string repositoryRoot) => EpisodeFiles.ReadWorkingTree(repositoryRoot);

    private static IEnumerable<Diagnostic> ValidateDescriptions(
        EpisodeRepository repository, Dictionary<string, SourceLocation> summaryLocations, HashSet<string> brokenTemplates)
    {
        var candidates = repository.Episodes.Values
            .Where(e => repository.Shows.ContainsKey(e.ShowId) && !brokenTemplates.Contains(e.ShowId))
            .OrderBy(e => e.Id, StringComparer.Ordinal)
            .ToArray();
        var results = new Diagnostic?[candidates.Length];
        Parallel.For(0, candidates.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var episode = candidates[i];
            var rendered = DescriptionRenderer.RenderUnchecked(repository, episode.Id, out var rawHadAngleBrackets);
            var location = summaryLocations.GetValueOrDefault(episode.Id, episode.Location);
            if (rendered.Utf8Bytes > DescriptionRenderer.MaxDescriptionBytes)
            {
                results[i] = new Diagnostic(location,
                    $"the rendered description is {rendered.Utf8Bytes.ToString("N0", CultureInfo.InvariantCulture)} bytes even after shortening "
                    + $"({string.Join("; ", rendered.Shortenings)}); YouTube allows 5,000 UTF-8 bytes, "
                    + $"shorten the summary or chapters by {(rendered.Utf8Bytes - DescriptionRenderer.MaxDescriptionBytes).ToString("N0", CultureInfo.InvariantCulture)} bytes");
            }
            else if (rawHadAngleBrackets)
            {
                var template = repository.DescriptionTemplates.GetValueOrDefault(episode.ShowId);
                results[i] = new Diagnostic(template?.Location ?? location,
                    $"the rendered description of '{episode.Id}' contains '<' or '>' (from the description template); YouTube rejects them");
            }
        });

        return results.OfType<Diagnostic>();
    }

    private sealed class ParsedFile
    {
        public required string Path { get; init; }
        public FileKind Kind { get; init; }
        public string? Id { get; init; }
        public string? ShowId { get; init; }
        public object? Entity { get; set; }
        public List<Diagnostic> Diagnostics { get; } = [];
        public List<PendingReference> References { get; } = [];
        public SourceLocation SummaryLocation { get; set; }
    }

    private static ParsedFile ParseFile(string path, byte[] bytes, DateTimeOffset latest)
    {
        if (EpisodeFiles.IsUnreadable(bytes, out var reason))
        {
            var unread = new ParsedFile { Path = path, Kind = FileKind.Ignored };
            unread.Diagnostics.Add(new Diagnostic(new SourceLocation(path, 1, 1), $"this entry was not read: it {reason}"));
            return unread;
        }

        var relative = path[Root.Length..];
        var segments = relative.Split('/');
        var fileName = segments[^1];
        var isYaml = fileName.EndsWith(".yaml", StringComparison.Ordinal);
        var stem = isYaml ? fileName[..^".yaml".Length] : Path.GetFileNameWithoutExtension(fileName);

        // Dot-folders (.schema), READMEs and other non-YAML files are not part of the data.
        if (segments.Any(s => s.StartsWith('.')) || (!isYaml && !fileName.EndsWith(".yml", StringComparison.Ordinal)
            && !(segments is ["people", "avatars", _] && fileName.EndsWith(".png", StringComparison.Ordinal))
            && !(segments is ["templates", _] && fileName.EndsWith(".liquid", StringComparison.Ordinal))))
        {
            return new ParsedFile { Path = path, Kind = FileKind.Ignored };
        }

        var (kind, showId) = segments switch
        {
            ["shows", _] when isYaml => (FileKind.Show, null),
            ["people", _] when isYaml => (FileKind.Person, null),
            ["people", "avatars", _] when fileName.EndsWith(".png", StringComparison.Ordinal) => (FileKind.Avatar, null),
            ["templates", _] when fileName.EndsWith(".liquid", StringComparison.Ordinal) => (FileKind.Template, stem),
            [var show, _] when isYaml && show is not ("shows" or "people" or "templates") => (FileKind.Episode, show),
            _ => (FileKind.Misplaced, (string?)null),
        };

        var result = new ParsedFile { Path = path, Kind = kind, Id = kind == FileKind.Template ? stem : stem, ShowId = showId };
        if (kind == FileKind.Misplaced)
        {
            // An error, not a warning: a file someone meant as an episode (nested one folder too deep, or named
            // .yml) would otherwise be silently never published while validation passes.
            var hint = fileName.EndsWith(".yml", StringComparison.Ordinal)
                ? $"rename it to {path[..^".yml".Length]}.yaml"
                : $"shows go in {Root}shows/, people in {Root}people/, episodes in {Root}<show-id>/<yyyy-mm-dd>-<slug>.yaml (one folder deep)";
            result.Diagnostics.Add(new Diagnostic(new SourceLocation(path, 1, 1),
                $"this file is not part of the episodes layout, so nothing in it would be published; {hint}"));
            return result;
        }

        if (kind == FileKind.Avatar)
        {
            if (!MappingReader.IdPattern().IsMatch(stem))
            {
                result.Diagnostics.Add(new Diagnostic(new SourceLocation(path, 1, 1),
                    $"avatar file name '{stem}' is not a person id; ids are lowercase kebab-case like '{MappingReader.SuggestId(stem)}'"));
            }
            else if (bytes.Length < 8 || bytes[0] != 0x89 || bytes[1] != (byte)'P' || bytes[2] != (byte)'N' || bytes[3] != (byte)'G')
            {
                result.Diagnostics.Add(new Diagnostic(new SourceLocation(path, 1, 1), "avatar is not a PNG image; save it as PNG"));
            }
            else
            {
                result.Entity = bytes;
            }

            return result;
        }

        if (bytes.Length > MaxFileBytes)
        {
            result.Diagnostics.Add(new Diagnostic(new SourceLocation(path, 1, 1),
                string.Create(CultureInfo.InvariantCulture, $"the file is {bytes.Length:N0} bytes; files under {Root} are limited to {MaxFileBytes:N0} bytes (is it the right file?)")));
            return result;
        }

        var text = TextChecks.DecodeUtf8(bytes, out var badLine, out var badColumn, out var problem);
        if (text is null)
        {
            result.Diagnostics.Add(new Diagnostic(new SourceLocation(path, badLine, badColumn), problem));
            return result;
        }

        var file = new FileContext(path, text);
        if (kind == FileKind.Template)
        {
            if (!MappingReader.IdPattern().IsMatch(stem))
            {
                file.Error(1, 1, $"template file name '{stem}' must be a show id (lowercase kebab-case)");
            }
            else
            {
                result.Entity = new DescriptionTemplate(stem, text, new SourceLocation(path, 1, 1));
            }

            result.Diagnostics.AddRange(file.Diagnostics);
            return result;
        }

        // The file name is the id: check it first, since every message below is about this entity.
        var idOk = true;
        var fileDate = default(DateOnly);
        if (kind == FileKind.Episode)
        {
            if (!MappingReader.IdPattern().IsMatch(showId!))
            {
                file.Error(1, 1, $"episode folder '{showId}' is not a valid show id; ids are lowercase kebab-case like '{MappingReader.SuggestId(showId!)}'");
                idOk = false;
            }

            var match = EpisodeFileName().Match(stem);
            if (!match.Success)
            {
                file.Error(1, 1, $"episode file name '{stem}' must be <yyyy-mm-dd>-<slug> in lowercase kebab-case, e.g. '{SuggestEpisodeFileName(stem)}'");
                idOk = false;
            }
            else if (!DateOnly.TryParseExact($"{match.Groups["y"].Value}-{match.Groups["m"].Value}-{match.Groups["d"].Value}", "yyyy-MM-dd",
                CultureInfo.InvariantCulture, DateTimeStyles.None, out fileDate))
            {
                file.Error(1, 1, $"episode file name '{stem}' starts with '{stem[..10]}', which is not a real date");
                idOk = false;
            }
        }
        else if (!MappingReader.IdPattern().IsMatch(stem))
        {
            var at = TextChecks.FirstNonAscii(stem, out var rune);
            file.Error(1, 1, at >= 0
                ? $"file name '{stem}' contains {TextChecks.Describe(rune)}; ids must be plain ASCII lowercase kebab-case"
                : $"file name '{stem}' is not a valid id; ids are lowercase kebab-case like '{MappingReader.SuggestId(stem)}'");
            idOk = false;
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            file.Error(1, 1, $"the file is empty; a {KindName(kind)} needs at least {RequiredKeys(kind)}");
            result.Diagnostics.AddRange(file.Diagnostics);
            return result;
        }

        if (TextChecks.ReportIndentationTabs(text, file.Error) || TextChecks.ReportExcessiveNesting(text, file.Error))
        {
            // The YAML parser's own message for a tab is cryptic; ours says what to do.
            result.Diagnostics.AddRange(file.Diagnostics);
            return result;
        }

        var root = StrictYamlReader.Read(text, file.Error);
        if (file.HasErrors && root is null)
        {
            result.Diagnostics.AddRange(file.Diagnostics);
            return result;
        }

        if (root is null || root is YScalar { IsNull: true })
        {
            file.Error(1, 1, $"the file has no content (only comments); a {KindName(kind)} needs at least {RequiredKeys(kind)}");
            result.Diagnostics.AddRange(file.Diagnostics);
            return result;
        }

        if (root is not YMapping map)
        {
            file.Error(root, $"a {KindName(kind)} file must be a mapping of keys (like 'name: ...'), not {root.KindName}");
            result.Diagnostics.AddRange(file.Diagnostics);
            return result;
        }

        file.ReportInvisibleCharacters(map);
        var summaryLocation = new SourceLocation(path, 1, 1);
        object? entity = kind switch
        {
            FileKind.Show => EntityReaders.ReadShow(file, map, stem, result.References),
            FileKind.Person => EntityReaders.ReadPerson(file, map, stem),
            FileKind.Episode => EntityReaders.ReadEpisode(file, map, showId!, stem, fileDate, latest, result.References, out summaryLocation),
            _ => null,
        };
        result.SummaryLocation = summaryLocation;
        if (idOk && !file.HasErrors)
        {
            result.Entity = entity;
        }

        result.Diagnostics.AddRange(file.Diagnostics);
        return result;
    }

    /// <summary>
    /// A valid episode file name close to <paramref name="stem"/>: its own date when it starts with one (so
    /// '2026-12-09-VCluster' becomes '2026-12-09-vcluster', not a second date in front), else an example date.
    /// </summary>
    internal static string SuggestEpisodeFileName(string stem)
    {
        var dated = LeadingDate().Match(stem);
        if (dated.Success)
        {
            var slug = MappingReader.SuggestId(stem[dated.Length..]);
            return $"{dated.Groups["date"].Value}-{(slug == "my-id" ? "my-episode" : slug)}";
        }

        return $"2026-12-03-{MappingReader.SuggestId(stem)}";
    }

    [GeneratedRegex(@"^(?<date>\d{4}-\d{2}-\d{2})(?:[-_ .]+|$)")]
    private static partial Regex LeadingDate();

    private static string KindName(FileKind kind) => kind switch
    {
        FileKind.Show => "show",
        FileKind.Person => "person",
        _ => "episode",
    };

    private static string RequiredKeys(FileKind kind) => kind switch
    {
        FileKind.Show => "name, host, description and youtube",
        FileKind.Person => "a name",
        _ => "title, scheduledFor, duration and summary",
    };
}

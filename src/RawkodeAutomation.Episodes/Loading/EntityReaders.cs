using System.Globalization;
using System.Text.RegularExpressions;
using RawkodeAutomation.Episodes.Model;

namespace RawkodeAutomation.Episodes.Loading;

internal enum ReferenceKind
{
    Person,
    Break,
    ClusterClass,
}

/// <summary>A reference to check once every file is loaded.</summary>
internal sealed record PendingReference(ReferenceKind Kind, string Id, SourceLocation Location, string What);

/// <summary>Turns YAML trees into model records, one reader per file kind.</summary>
internal static partial class EntityReaders
{
    public static readonly string[] ShowKeys = ["name", "host", "description", "hashtags", "youtube", "thumbnail"];
    public static readonly string[] ShowYouTubeKeys = ["categoryId", "playlistId", "streamKey", "replaceThumbnail"];
    public static readonly string[] PersonKeys = ["name", "bio", "github", "twitter", "website"];
    public static readonly string[] EpisodeKeys =
    [
        "title", "scheduledFor", "duration", "visibility", "draft", "guests", "technologies", "summary", "chapters",
        "links", "youtube", "klustered",
    ];
    public static readonly string[] EpisodeYouTubeKeys = ["videoId", "replaceThumbnail"];
    public static readonly string[] KlusteredKeys = ["provisionBefore", "teardownAfter", "teams"];
    public static readonly string[] TeamKeys = ["name", "breakers", "fixers", "cluster", "breaks", "timeToFix"];
    public static readonly string[] ClusterKeys = ["class", "kubernetesVersion", "controlPlaneReplicas", "workerReplicas"];
    public static readonly string[] ChapterKeys = ["at", "title"];

    private static readonly Dictionary<string, string> EmailKeys = new[] { "email", "e-mail", "mail", "emailAddress", "email_address" }
        .ToDictionary(k => k, k => $"'{k}': a person file must not hold an e-mail address (personal contact data does not belong in git); remove it");

    public const int MaxTitleCharacters = 100;
    public const int MaxTagCharacters = 500;

    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")]
    private static partial Regex EmailPattern();

    [GeneratedRegex("^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")]
    private static partial Regex GitHubHandle();

    [GeneratedRegex("^[A-Za-z0-9_]{4,15}$")]
    private static partial Regex TwitterHandle();

    [GeneratedRegex("^#[\\p{L}\\p{N}_]+$")]
    private static partial Regex Hashtag();

    [GeneratedRegex("^[A-Za-z0-9_-]{11}$")]
    private static partial Regex VideoId();

    [GeneratedRegex("^[A-Za-z0-9_-]{2,64}$")]
    private static partial Regex PlaylistId();

    [GeneratedRegex(@"^v\d+\.\d+\.\d+$")]
    private static partial Regex KubernetesVersion();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex(@"^(?:(?<h>\d{1,2}):)?(?<m>\d{1,2}):(?<s>\d{2})$")]
    private static partial Regex ChapterTime();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")]
    private static partial Regex TimeWithoutOffset();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2})$")]
    private static partial Regex TimeWithOffset();

    // ---- Show -----------------------------------------------------------------------------------

    public static Show? ReadShow(FileContext file, YMapping map, string id, List<PendingReference> references)
    {
        var reader = new MappingReader(file, map, "a show", ShowKeys);
        var name = reader.String("name", required: true, noAngleBrackets: true);
        var hostScalar = reader.Scalar("host", required: true);
        var description = reader.String("description", required: true, noAngleBrackets: true);
        var hashtags = new List<string>();
        foreach (var tag in reader.ScalarList("hashtags", required: false))
        {
            if (!Hashtag().IsMatch(tag.Value))
            {
                file.Error(tag, $"hashtag '{tag.Value}' must start with '#' followed by letters, digits or '_' (no spaces), e.g. '#Kubernetes'");
                continue;
            }

            hashtags.Add(tag.Value);
        }

        ShowYouTube? youtube = null;
        var youtubeMap = reader.Mapping("youtube", required: true);
        if (youtubeMap is not null)
        {
            var yt = new MappingReader(file, youtubeMap, "the show's youtube section", ShowYouTubeKeys);
            var category = yt.Int("categoryId", required: true, 1, 99);
            var playlist = yt.Scalar("playlistId", required: false);
            if (playlist is not null && MappingReader.CheckAscii(file, playlist, "playlistId") && !PlaylistId().IsMatch(playlist.Value))
            {
                file.Error(playlist, $"playlistId '{playlist.Value}' is not a YouTube playlist id (letters, digits, '-' and '_')");
                playlist = null;
            }

            var streamKey = yt.Scalar("streamKey", required: true);
            if (streamKey is not null && !MappingReader.CheckId(file, streamKey, "streamKey"))
            {
                streamKey = null;
            }

            var replaceThumbnail = yt.Bool("replaceThumbnail") ?? false;
            yt.Finish();
            if (category is not null && streamKey is not null)
            {
                youtube = new ShowYouTube(category.Value, playlist?.Value, streamKey.Value) { ReplaceThumbnail = replaceThumbnail };
            }
        }

        var thumbnail = reader.Scalar("thumbnail", required: false);
        if (thumbnail is not null && !MappingReader.CheckId(file, thumbnail, "thumbnail template"))
        {
            thumbnail = null;
        }

        if (hostScalar is not null && MappingReader.CheckId(file, hostScalar, "host"))
        {
            references.Add(new(ReferenceKind.Person, hostScalar.Value, file.Location(hostScalar), "host"));
        }
        else
        {
            hostScalar = null;
        }

        reader.Finish();
        if (name is null || hostScalar is null || description is null || youtube is null)
        {
            return null;
        }

        return new Show(id, name, hostScalar.Value, description, hashtags, youtube, thumbnail?.Value, file.Location(1, 1));
    }

    // ---- Person ---------------------------------------------------------------------------------

    public static Person? ReadPerson(FileContext file, YMapping map, string id)
    {
        var reader = new MappingReader(file, map, "a person", PersonKeys);
        var name = reader.String("name", required: true, noAngleBrackets: true);
        var bioScalar = reader.Scalar("bio", required: false);
        if (bioScalar is not null)
        {
            reader.CheckNoAngleBrackets(bioScalar, "bio");
        }

        string? github = null;
        var githubScalar = reader.Scalar("github", required: false);
        if (githubScalar is not null && MappingReader.CheckAscii(file, githubScalar, "GitHub handle"))
        {
            if (GitHubHandle().IsMatch(githubScalar.Value))
            {
                github = githubScalar.Value;
            }
            else
            {
                file.Error(githubScalar, $"GitHub handle '{githubScalar.Value}' is not valid: 1-39 letters, digits or single '-' between them, without '@' or a URL");
            }
        }

        string? twitter = null;
        var twitterScalar = reader.Scalar("twitter", required: false);
        if (twitterScalar is not null && MappingReader.CheckAscii(file, twitterScalar, "Twitter handle"))
        {
            if (TwitterHandle().IsMatch(twitterScalar.Value))
            {
                twitter = twitterScalar.Value;
            }
            else
            {
                file.Error(twitterScalar, $"Twitter handle '{twitterScalar.Value}' is not valid: 4-15 letters, digits or '_', without '@'");
            }
        }

        Uri? website = null;
        var websiteScalar = reader.Scalar("website", required: false);
        if (websiteScalar is not null)
        {
            website = MappingReader.CheckUrl(file, websiteScalar, "website");
        }

        // An e-mail address hidden in any value (bio, website as mailto:) is personal data too.
        foreach (var (key, value) in map.Entries)
        {
            if (value is YScalar s && !EmailKeys.ContainsKey(key.Value) && EmailPattern().Match(s.Value) is { Success: true } m)
            {
                file.ErrorInScalar(s, m.Index, $"'{key.Value}' contains an e-mail address ('{m.Value}'); personal contact data does not belong in git, remove it");
            }
        }

        reader.Finish(EmailKeys);
        if (name is null)
        {
            return null;
        }

        return new Person(id, name, bioScalar?.Value, github, twitter, website, file.Location(1, 1));
    }

    // ---- Episode --------------------------------------------------------------------------------

    public static Episode? ReadEpisode(
        FileContext file, YMapping map, string showId, string slug, DateOnly fileDate, DateTimeOffset latest,
        List<PendingReference> references, out SourceLocation summaryLocation)
    {
        var reader = new MappingReader(file, map, "an episode", EpisodeKeys);
        var ok = true;
        summaryLocation = file.Location(map);

        var titleScalar = reader.Scalar("title", required: true);
        string? title = null;
        if (titleScalar is not null)
        {
            title = titleScalar.Value.Trim();
            var length = TextChecks.CountCharacters(title);
            if (title.Length == 0)
            {
                file.Error(titleScalar, "'title' is empty; an episode needs a title");
                title = null;
            }
            else if (length > MaxTitleCharacters)
            {
                file.Error(titleScalar, $"title is {length} characters; YouTube allows at most {MaxTitleCharacters}, shorten it by {length - MaxTitleCharacters}");
            }

            reader.CheckNoAngleBrackets(titleScalar, "title");
        }

        var draft = reader.Bool("draft") ?? false;
        DateTimeOffset? scheduledFor = null;
        var scheduledScalar = reader.Scalar("scheduledFor", required: !draft);
        if (scheduledScalar is not null)
        {
            scheduledFor = ParseTime(file, scheduledScalar);
            if (scheduledFor is { } at && (at < ScheduleRange.Earliest || at > latest))
            {
                file.Error(scheduledScalar, string.Create(CultureInfo.InvariantCulture,
                    $"scheduledFor {scheduledScalar.Value.Trim()} is outside the range a show can be scheduled in: from {ScheduleRange.Earliest:yyyy-MM-dd} "
                    + $"(before YouTube) to {latest:yyyy-MM-dd} ({ScheduleRange.YearsAhead} years from now); is the year a typo?"));
                scheduledFor = null;
            }

            ok &= scheduledFor is not null;
            if (scheduledFor is { } when && fileDate != default && DateOnly.FromDateTime(when.DateTime) != fileDate && DateOnly.FromDateTime(when.UtcDateTime) != fileDate)
            {
                file.Warning(scheduledScalar,
                    $"scheduledFor is on {when:yyyy-MM-dd} but the file name says {fileDate:yyyy-MM-dd}; the file name (the episode id) never changes, so this is only a reminder");
            }
        }

        var duration = reader.Duration("duration", required: true, TimeSpan.FromHours(12));
        ok &= duration is not null;

        var visibility = Visibility.Public;
        var visibilityScalar = reader.Scalar("visibility", required: false);
        if (visibilityScalar is not null)
        {
            switch (visibilityScalar.Value)
            {
                case "public": visibility = Visibility.Public; break;
                case "unlisted": visibility = Visibility.Unlisted; break;
                case "private": visibility = Visibility.Private; break;
                default:
                    file.Error(visibilityScalar, $"visibility must be public, unlisted or private, not '{visibilityScalar.Value}'");
                    ok = false;
                    break;
            }
        }

        var guests = new List<string>();
        foreach (var guest in reader.ScalarList("guests", required: false))
        {
            if (MappingReader.CheckId(file, guest, "guest"))
            {
                if (guests.Contains(guest.Value))
                {
                    file.Error(guest, $"guest '{guest.Value}' is listed twice");
                    continue;
                }

                guests.Add(guest.Value);
                references.Add(new(ReferenceKind.Person, guest.Value, file.Location(guest), "guest"));
            }
        }

        var technologies = new List<string>();
        var tagCharacters = 0;
        YScalar? firstTag = null;
        foreach (var tech in reader.ScalarList("technologies", required: false))
        {
            firstTag ??= tech;
            reader.CheckNoAngleBrackets(tech, "technologies");
            var at = TextChecks.FirstInvisible(tech.Value, out _);
            if (at < 0)
            {
                technologies.Add(tech.Value);
                // YouTube counts tags with spaces as if quoted, plus a separating comma.
                tagCharacters += tech.Value.Length + (tech.Value.Contains(' ') ? 2 : 0) + 1;
            }
        }

        if (tagCharacters - 1 > MaxTagCharacters && firstTag is not null)
        {
            file.Error(firstTag, $"technologies add up to {tagCharacters - 1} characters of YouTube tags; the limit is {MaxTagCharacters}, remove some");
        }

        var summaryScalar = reader.Scalar("summary", required: true);
        string? summary = null;
        if (summaryScalar is not null)
        {
            summaryLocation = file.Location(summaryScalar);
            reader.CheckNoAngleBrackets(summaryScalar, "summary");
            summary = summaryScalar.Value.TrimEnd();
            if (summary.Length == 0)
            {
                file.Error(summaryScalar, "'summary' is empty; it is the first paragraph of the description");
                summary = null;
            }
        }

        var chapters = ReadChapters(file, reader, duration);

        var links = new List<Uri>();
        foreach (var link in reader.ScalarList("links", required: false))
        {
            if (MappingReader.CheckUrl(file, link, "link") is { } uri)
            {
                links.Add(uri);
            }
        }

        EpisodeYouTube? youtube = null;
        var ytMap = reader.Mapping("youtube", required: false);
        if (ytMap is not null)
        {
            var yt = new MappingReader(file, ytMap, "the episode's youtube section", EpisodeYouTubeKeys);
            var videoId = yt.Scalar("videoId", required: false);
            if (videoId is not null && MappingReader.CheckAscii(file, videoId, "videoId") && !VideoId().IsMatch(videoId.Value))
            {
                file.Error(videoId, $"videoId '{videoId.Value}' is not a YouTube video id (11 characters: letters, digits, '-' and '_')");
                videoId = null;
            }

            var replaceThumbnail = yt.Bool("replaceThumbnail") ?? false;
            yt.Finish();
            youtube = new EpisodeYouTube(videoId?.Value) { ReplaceThumbnail = replaceThumbnail };
        }

        KlusteredSpec? klustered = null;
        var kMap = reader.Mapping("klustered", required: false);
        if (kMap is not null)
        {
            klustered = ReadKlustered(file, kMap, references);
            ok &= klustered is not null;
        }

        reader.Finish(new Dictionary<string, string>
        {
            ["description"] = "unknown key 'description' in an episode; the description is rendered from 'summary' and the show's template, write the first paragraph in 'summary'",
        });

        if (!ok || title is null || summary is null || duration is null || (!draft && scheduledFor is null))
        {
            return null;
        }

        return new Episode($"{showId}/{slug}", showId, slug, title, scheduledFor, duration.Value, visibility, draft, guests,
            technologies, summary, chapters, links, youtube, klustered, file.Location(1, 1));
    }

    private static DateTimeOffset? ParseTime(FileContext file, YScalar scalar)
    {
        var value = scalar.Value.Trim();
        // A well-shaped but impossible date or time is named as such, before any advice about its offset.
        if (ImpossibleDateOrTime(value) is { } impossible)
        {
            file.Error(scalar, $"scheduledFor '{value}' {impossible}");
            return null;
        }

        if (TimeWithoutOffset().IsMatch(value))
        {
            file.Error(scalar, $"scheduledFor '{value}' has no UTC offset; add 'Z' for UTC or an offset like +01:00 (e.g. {value}{(value.Length == 10 ? "T17:00:00" : "")}Z)");
            return null;
        }

        if (!TimeWithOffset().IsMatch(value)
            || !DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            file.Error(scalar, $"scheduledFor '{value}' is not an ISO 8601 time with offset like 2026-12-03T17:00:00Z");
            return null;
        }

        return parsed;
    }

    /// <summary>What is impossible in a value shaped like <c>yyyy-MM-dd[THH:mm[:ss]]</c>, or null when nothing is.</summary>
    private static string? ImpossibleDateOrTime(string value)
    {
        var shape = DateAndTimeParts().Match(value);
        if (!shape.Success)
        {
            return null;
        }

        int Part(string name) => int.Parse(shape.Groups[name].Value, CultureInfo.InvariantCulture);
        var (year, month, day) = (Part("y"), Part("mo"), Part("d"));
        if (year < 1 || month is < 1 or > 12)
        {
            return "is not a real date: months run from 01 to 12";
        }

        var days = DateTime.DaysInMonth(year, month);
        if (day < 1 || day > days)
        {
            var name = CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(month);
            return $"is not a real date: {name} {year} has {days} days";
        }

        if (shape.Groups["h"].Success
            && (Part("h") > 23 || Part("mi") > 59 || (shape.Groups["s"].Success && Part("s") > 59)))
        {
            return "is not a real time of day: hours run from 00 to 23, minutes and seconds from 00 to 59";
        }

        return null;
    }

    [GeneratedRegex(@"^(?<y>\d{4})-(?<mo>\d{2})-(?<d>\d{2})(?:[Tt ](?<h>\d{2}):(?<mi>\d{2})(?::(?<s>\d{2}))?)?")]
    private static partial Regex DateAndTimeParts();

    private static List<Chapter> ReadChapters(FileContext file, MappingReader reader, TimeSpan? duration)
    {
        var chapters = new List<Chapter>();
        var sequence = reader.Sequence("chapters", required: false);
        if (sequence is null)
        {
            return chapters;
        }

        var nodes = new List<YNode>();
        foreach (var item in sequence.Items)
        {
            if (item is not YMapping chapterMap)
            {
                file.Error(item, $"each chapter must be a mapping like {{ at: \"00:00\", title: Intro }}, not {item.KindName}");
                continue;
            }

            var cr = new MappingReader(file, chapterMap, "a chapter", ChapterKeys);
            var atScalar = cr.Scalar("at", required: true);
            var title = cr.String("title", required: true, noAngleBrackets: true);
            cr.Finish();
            if (atScalar is null || title is null)
            {
                continue;
            }

            var match = ChapterTime().Match(atScalar.Value);
            if (!match.Success || int.Parse(match.Groups["s"].Value, CultureInfo.InvariantCulture) > 59
                || (match.Groups["h"].Success && int.Parse(match.Groups["m"].Value, CultureInfo.InvariantCulture) > 59))
            {
                file.Error(atScalar, $"chapter time '{atScalar.Value}' must look like \"mm:ss\" or \"h:mm:ss\" (quote it: YAML reads 12:30 as a number)");
                continue;
            }

            var at = new TimeSpan(
                match.Groups["h"].Success ? int.Parse(match.Groups["h"].Value, CultureInfo.InvariantCulture) : 0,
                int.Parse(match.Groups["m"].Value, CultureInfo.InvariantCulture),
                int.Parse(match.Groups["s"].Value, CultureInfo.InvariantCulture));
            chapters.Add(new Chapter(at, title.Trim()));
            nodes.Add(atScalar);
        }

        if (chapters.Count == 0 || chapters.Count != sequence.Items.Count)
        {
            return chapters;
        }

        // YouTube's chapter rules: first at 0:00, at least three, ascending, each at least 10 seconds.
        if (chapters[0].At != TimeSpan.Zero)
        {
            file.Error(nodes[0], $"the first chapter must start at 00:00, not {Format(chapters[0].At)} (YouTube ignores chapters otherwise)");
        }

        if (chapters.Count < 3)
        {
            file.Error(sequence, $"YouTube needs at least 3 chapters; there {(chapters.Count == 1 ? "is 1" : $"are {chapters.Count}")}: add more or remove 'chapters'");
        }

        for (var i = 1; i < chapters.Count; i++)
        {
            var gap = chapters[i].At - chapters[i - 1].At;
            if (gap <= TimeSpan.Zero)
            {
                file.Error(nodes[i], $"chapter at {Format(chapters[i].At)} is not after the previous one at {Format(chapters[i - 1].At)}; chapters must be in ascending order");
            }
            else if (gap < TimeSpan.FromSeconds(10))
            {
                file.Error(nodes[i - 1], $"chapter '{chapters[i - 1].Title}' is {gap.TotalSeconds:0} seconds long; YouTube chapters must be at least 10 seconds");
            }
        }

        if (duration is { } d && chapters[^1].At > d - TimeSpan.FromSeconds(10))
        {
            file.Error(nodes[^1], $"chapter at {Format(chapters[^1].At)} starts less than 10 seconds before the end of the {Format(d)} episode (or after it)");
        }

        return chapters;
    }

    public static string Format(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}" : $"{t.Minutes:00}:{t.Seconds:00}";

    private static KlusteredSpec? ReadKlustered(FileContext file, YMapping map, List<PendingReference> references)
    {
        var reader = new MappingReader(file, map, "the klustered section", KlusteredKeys);
        var provision = map.Get("provisionBefore") is null ? TimeSpan.FromHours(2) : reader.Duration("provisionBefore", true, TimeSpan.FromHours(48));
        var teardown = map.Get("teardownAfter") is null ? TimeSpan.FromHours(4) : reader.Duration("teardownAfter", true, TimeSpan.FromHours(48));
        var teams = new List<KlusteredTeam>();
        var sequence = reader.Sequence("teams", required: true);
        var ok = provision is not null && teardown is not null && sequence is not null;
        var names = new Dictionary<string, YScalar>();
        foreach (var item in sequence?.Items ?? [])
        {
            if (item is not YMapping teamMap)
            {
                file.Error(item, $"each team must be a mapping with name, breakers, fixers, cluster and (optionally) breaks, not {item.KindName}");
                ok = false;
                continue;
            }

            var team = ReadTeam(file, teamMap, references, names);
            ok &= team is not null;
            if (team is not null)
            {
                teams.Add(team);
            }
        }

        reader.Finish();
        return ok ? new KlusteredSpec(provision!.Value, teardown!.Value, teams) : null;
    }

    private static KlusteredTeam? ReadTeam(FileContext file, YMapping map, List<PendingReference> references, Dictionary<string, YScalar> names)
    {
        var reader = new MappingReader(file, map, "a team", TeamKeys);
        var ok = true;
        var nameScalar = reader.Scalar("name", required: true);
        if (nameScalar is not null && MappingReader.CheckAscii(file, nameScalar, "team name"))
        {
            if (!DnsLabel().IsMatch(nameScalar.Value))
            {
                file.Error(nameScalar, $"team name '{nameScalar.Value}' must be a Kubernetes name: lowercase letters, digits and '-', at most 63 characters, e.g. 'team-a'");
                ok = false;
            }
            else if (names.TryGetValue(nameScalar.Value, out var first))
            {
                file.Error(nameScalar, $"team name '{nameScalar.Value}' is used twice (first at line {first.Line}); each team gets its own cluster and needs its own name");
                ok = false;
            }
            else
            {
                names[nameScalar.Value] = nameScalar;
            }
        }
        else
        {
            ok = false;
        }

        List<string> People(string key)
        {
            var ids = new List<string>();
            foreach (var p in reader.ScalarList(key, required: true))
            {
                if (MappingReader.CheckId(file, p, key[..^1]))
                {
                    ids.Add(p.Value);
                    references.Add(new(ReferenceKind.Person, p.Value, file.Location(p), key[..^1]));
                }
                else
                {
                    ok = false;
                }
            }

            return ids;
        }

        var breakers = People("breakers");
        var fixers = People("fixers");
        foreach (var both in breakers.Intersect(fixers))
        {
            file.Error(map, $"'{both}' is both a breaker and a fixer of team '{nameScalar?.Value}'; nobody fixes their own breaks");
            ok = false;
        }

        ClusterSpec? cluster = null;
        var clusterMap = reader.Mapping("cluster", required: true);
        if (clusterMap is not null)
        {
            var cr = new MappingReader(file, clusterMap, "a cluster", ClusterKeys);
            var classScalar = cr.Scalar("class", required: true);
            if (classScalar is not null && MappingReader.CheckId(file, classScalar, "cluster class"))
            {
                references.Add(new(ReferenceKind.ClusterClass, classScalar.Value, file.Location(classScalar), "cluster class"));
            }
            else
            {
                classScalar = null;
            }

            var version = cr.Scalar("kubernetesVersion", required: true);
            if (version is not null && MappingReader.CheckAscii(file, version, "kubernetesVersion") && !KubernetesVersion().IsMatch(version.Value))
            {
                file.Error(version, $"kubernetesVersion '{version.Value}' must look like v1.31.0");
                version = null;
            }

            var controlPlanes = cr.Int("controlPlaneReplicas", required: false, 1, 7) ?? 1;
            var workers = cr.Int("workerReplicas", required: false, 0, 50) ?? 1;
            cr.Finish();
            if (classScalar is not null && version is not null)
            {
                cluster = new ClusterSpec(classScalar.Value, version.Value, controlPlanes, workers);
            }
        }

        var breaks = new List<string>();
        // Optional: a team without library breaks is broken by hand by its breakers before the show.
        foreach (var b in reader.ScalarList("breaks", required: false))
        {
            if (MappingReader.CheckId(file, b, "break"))
            {
                if (breaks.Contains(b.Value))
                {
                    file.Error(b, $"break '{b.Value}' is listed twice for this team");
                    continue;
                }

                breaks.Add(b.Value);
                references.Add(new(ReferenceKind.Break, b.Value, file.Location(b), "break"));
            }
        }

        TimeSpan? timeToFix = map.Get("timeToFix") is null ? null : reader.Duration("timeToFix", true, TimeSpan.FromHours(48), allowZero: true);
        reader.Finish();
        if (!ok || cluster is null || nameScalar is null || breakers.Count == 0 || fixers.Count == 0)
        {
            return null;
        }

        return new KlusteredTeam(nameScalar.Value, breakers, fixers, cluster, breaks, timeToFix);
    }
}

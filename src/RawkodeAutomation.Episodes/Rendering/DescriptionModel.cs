namespace RawkodeAutomation.Episodes.Rendering;

// The variables a description template sees. Property names are matched case-insensitively, so
// templates write them in camelCase: {{ episode.title }}, {% for guest in guests %}.

/// <summary>Top-level template variables: <c>show</c>, <c>host</c>, <c>episode</c>, <c>guests</c>, <c>series</c>, <c>hashtags</c>.</summary>
public sealed class DescriptionModel
{
    public required ShowView Show { get; init; }
    public PersonView? Host { get; init; }
    public required EpisodeView Episode { get; init; }
    public required IReadOnlyList<PersonView> Guests { get; init; }
    public required SeriesView Series { get; init; }
    public required string Hashtags { get; init; }
}

/// <summary><c>show</c>.</summary>
public sealed class ShowView
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string Description { get; init; }
    public string? PlaylistUrl { get; init; }
}

/// <summary>A guest or host.</summary>
public sealed class PersonView
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public string? Bio { get; init; }
    public required IReadOnlyList<string> Links { get; init; }
}

/// <summary><c>episode</c>.</summary>
public sealed class EpisodeView
{
    public required string Id { get; init; }
    public required string Title { get; init; }
    public required string Summary { get; init; }
    public string? Date { get; init; }
    public string? Time { get; init; }
    public required string Duration { get; init; }
    public required IReadOnlyList<string> Technologies { get; init; }
    public required IReadOnlyList<string> Links { get; init; }
    public required IReadOnlyList<ChapterView> Chapters { get; init; }
    public required IReadOnlyList<TeamView> Teams { get; init; }
}

/// <summary>A chapter line: <c>{{ chapter.at }} {{ chapter.title }}</c>.</summary>
public sealed class ChapterView
{
    public required string At { get; init; }
    public required string Title { get; init; }
}

/// <summary>A Klustered team.</summary>
public sealed class TeamView
{
    public required string Name { get; init; }
    public required IReadOnlyList<string> Breakers { get; init; }
    public required IReadOnlyList<string> Fixers { get; init; }
    public required IReadOnlyList<string> Breaks { get; init; }
    public string? TimeToFix { get; init; }
}

/// <summary><c>series</c>: the show's episodes around this one; <c>earlier</c>/<c>later</c> count the ones left out.</summary>
public sealed class SeriesView
{
    public required IReadOnlyList<SeriesEntryView> Entries { get; init; }
    public int Earlier { get; init; }
    public int Later { get; init; }
    public int Total { get; init; }
}

/// <summary>One line of the series index.</summary>
public sealed class SeriesEntryView
{
    public required string Title { get; init; }
    public required string Date { get; init; }
    public bool Current { get; init; }
}

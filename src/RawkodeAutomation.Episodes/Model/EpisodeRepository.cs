namespace RawkodeAutomation.Episodes.Model;

/// <summary>Everything under <c>episodes/</c>, loaded and cross-referenced. Immutable.</summary>
public sealed record EpisodeRepository(
    IReadOnlyDictionary<string, Show> Shows,
    IReadOnlyDictionary<string, Person> People,
    IReadOnlyDictionary<string, Episode> Episodes)
{
    public static EpisodeRepository Empty { get; } = new(
        new Dictionary<string, Show>(),
        new Dictionary<string, Person>(),
        new Dictionary<string, Episode>());

    /// <summary>
    /// Description templates by show id (<c>episodes/templates/&lt;show-id&gt;.liquid</c>); a show without
    /// one uses the built-in default template.
    /// </summary>
    public IReadOnlyDictionary<string, DescriptionTemplate> DescriptionTemplates { get; init; } =
        new Dictionary<string, DescriptionTemplate>();

    /// <summary>Avatar PNG bytes by person id (<c>episodes/people/avatars/&lt;person-id&gt;.png</c>).</summary>
    public IReadOnlyDictionary<string, byte[]> Avatars { get; init; } = new Dictionary<string, byte[]>();

    /// <summary>The episodes of one show, ordered by schedule (drafts last) then id.</summary>
    public IEnumerable<Episode> EpisodesOf(string showId) =>
        Episodes.Values
            .Where(e => e.ShowId == showId)
            .OrderBy(e => e.ScheduledFor ?? DateTimeOffset.MaxValue)
            .ThenBy(e => e.Id, StringComparer.Ordinal);
}

/// <summary>A Liquid description template from the repository.</summary>
/// <param name="ShowId">The show it belongs to.</param>
/// <param name="Source">The Liquid text.</param>
/// <param name="Location">Where it came from (for errors).</param>
public sealed record DescriptionTemplate(string ShowId, string Source, SourceLocation Location);

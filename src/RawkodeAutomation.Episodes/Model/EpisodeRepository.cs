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

    /// <summary>The episodes of one show, ordered by schedule (drafts last) then id.</summary>
    public IEnumerable<Episode> EpisodesOf(string showId) =>
        Episodes.Values
            .Where(e => e.ShowId == showId)
            .OrderBy(e => e.ScheduledFor ?? DateTimeOffset.MaxValue)
            .ThenBy(e => e.Id, StringComparer.Ordinal);
}

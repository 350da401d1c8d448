using RawkodeAutomation.Episodes.Model;
using RawkodeAutomation.Episodes.Rendering;

namespace RawkodeAutomation.Episodes.Graph;

/// <summary>
/// What each episode's rendered description depends on: its show (name, description, hashtags,
/// template), the show's host, its guests and team members, and the show's series index (every other
/// published episode of the same show). Used to find the descriptions a change touches, so that a
/// guest's new bio rewrites exactly the videos it appears in.
/// </summary>
public sealed class DependencyGraph
{
    private readonly Dictionary<string, HashSet<string>> _byPerson = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _byShow = new(StringComparer.Ordinal);

    private DependencyGraph(EpisodeRepository repository)
    {
        Repository = repository;
        foreach (var episode in repository.Episodes.Values)
        {
            Add(_byShow, episode.ShowId, episode.Id);
            if (repository.Shows.TryGetValue(episode.ShowId, out var show))
            {
                Add(_byPerson, show.Host, episode.Id);
            }

            foreach (var guest in episode.Guests)
            {
                Add(_byPerson, guest, episode.Id);
            }

            foreach (var team in episode.Klustered?.Teams ?? [])
            {
                foreach (var person in team.Breakers.Concat(team.Fixers))
                {
                    Add(_byPerson, person, episode.Id);
                }
            }
        }
    }

    /// <summary>The repository this graph describes.</summary>
    public EpisodeRepository Repository { get; }

    /// <summary>Builds the graph of one repository.</summary>
    public static DependencyGraph Build(EpisodeRepository repository) => new(repository);

    /// <summary>Episodes whose description mentions <paramref name="personId"/> (as host, guest, breaker or fixer).</summary>
    public IReadOnlySet<string> EpisodesDependingOnPerson(string personId) =>
        _byPerson.TryGetValue(personId, out var set) ? set : new HashSet<string>();

    /// <summary>Episodes whose description depends on <paramref name="showId"/>: all of the show's episodes (show fields and the series index).</summary>
    public IReadOnlySet<string> EpisodesDependingOnShow(string showId) =>
        _byShow.TryGetValue(showId, out var set) ? set : new HashSet<string>();

    /// <summary>
    /// Ids of episodes present (and renderable) in both repositories whose rendered description differs.
    /// Cheap fingerprints skip unchanged episodes; only candidates are rendered and compared.
    /// </summary>
    public static IReadOnlyList<string> ChangedDescriptions(EpisodeRepository from, EpisodeRepository to) =>
        [.. CompareDescriptions(from, to).Select(c => c.EpisodeId)];

    /// <summary>Like <see cref="ChangedDescriptions"/>, with both renders.</summary>
    public static IReadOnlyList<DescriptionComparison> CompareDescriptions(EpisodeRepository from, EpisodeRepository to)
    {
        var ids = to.Episodes.Keys
            .Where(id => from.Episodes.ContainsKey(id) && Renderable(from, id) && Renderable(to, id))
            .Order(StringComparer.Ordinal)
            .ToArray();
        var results = new DescriptionComparison?[ids.Length];
        Parallel.For(0, ids.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var id = ids[i];
            if (DescriptionRenderer.Fingerprint(from, id) == DescriptionRenderer.Fingerprint(to, id))
            {
                return;
            }

            var before = DescriptionRenderer.Render(from, id);
            var after = DescriptionRenderer.Render(to, id);
            if (before.Text != after.Text)
            {
                results[i] = new DescriptionComparison(id, before, after);
            }
        });

        return [.. results.OfType<DescriptionComparison>()];
    }

    private static bool Renderable(EpisodeRepository repository, string episodeId) =>
        repository.Shows.ContainsKey(repository.Episodes[episodeId].ShowId)
        && (!repository.DescriptionTemplates.TryGetValue(repository.Episodes[episodeId].ShowId, out var template)
            || DescriptionRenderer.TryCompile(template, out _) is not null);

    private static void Add(Dictionary<string, HashSet<string>> index, string key, string episodeId)
    {
        if (!index.TryGetValue(key, out var set))
        {
            index[key] = set = new HashSet<string>(StringComparer.Ordinal);
        }

        set.Add(episodeId);
    }
}

/// <summary>An episode's description before and after a change.</summary>
public sealed record DescriptionComparison(string EpisodeId, RenderedDescription Before, RenderedDescription After);

using System.Collections.Concurrent;
using RawkodeAutomation.Episodes.Loading;
using RawkodeAutomation.Episodes.Model;
using RawkodeAutomation.Episodes.Rendering;
using RawkodeAutomation.Thumbnails;
using RawkodeAutomation.Worker.Seams;
using RawkodeAutomation.Workflows.Contracts;
using RawkodeAutomation.Workflows.Decisions;

namespace RawkodeAutomation.Worker.Adapters;

/// <summary>
/// <see cref="IDesiredStateBuilder"/> on the domain library: strict loading and validation, the
/// description renderer, and the thumbnail renderer's input hash (so a thumbnail is uploaded only
/// when its picture would change). Results are cached per commit because sweeps ask for the same
/// commit many times.
/// </summary>
public sealed class DomainDesiredStateBuilder(ThumbnailRenderer? thumbnails) : IDesiredStateBuilder
{
    private readonly ConcurrentDictionary<string, (EpisodeRepository Repository, DesiredState State)> _cache = new(StringComparer.Ordinal);

    public DesiredState Build(IReadOnlyDictionary<string, byte[]> files, string commit, DateTimeOffset commitTime) =>
        BuildWithRepository(files, commit, commitTime).State;

    /// <summary>The loaded repository and the desired state of a commit.</summary>
    public (EpisodeRepository Repository, DesiredState State) BuildWithRepository(IReadOnlyDictionary<string, byte[]> files, string commit, DateTimeOffset commitTime)
    {
        var key = commit + "@" + commitTime.UtcTicks;
        if (_cache.TryGetValue(key, out var cached))
        {
            return cached;
        }
        var result = Compute(files, commit, commitTime);
        if (_cache.Count > 16)
        {
            _cache.Clear();
        }
        _cache[key] = result;
        return result;
    }

    private (EpisodeRepository, DesiredState) Compute(IReadOnlyDictionary<string, byte[]> files, string commit, DateTimeOffset commitTime)
    {
        var loaded = EpisodeLoader.Load(files);
        if (!loaded.IsValid)
        {
            return (loaded.Repository, DesiredState.Invalid([.. loaded.Errors.Select(d => d.ToString())]));
        }
        var repo = loaded.Repository;
        var episodes = new Dictionary<string, DesiredEpisode>(StringComparer.Ordinal);
        var peopleOf = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var episodeFiles = new Dictionary<string, string>(StringComparer.Ordinal);
        List<string> errors = [];
        foreach (var episode in repo.Episodes.Values.OrderBy(e => e.Id, StringComparer.Ordinal))
        {
            var show = repo.Shows[episode.ShowId];
            string description;
            try
            {
                description = DescriptionRenderer.Render(repo, episode.Id).Text;
            }
            catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException)
            {
                errors.Add($"{episode.Location}: the description cannot be rendered: {e.Message}");
                continue;
            }
            episodes[episode.Id] = new DesiredEpisode(
                episode.Id,
                episode.ShowId,
                episode.Title,
                episode.ScheduledFor,
                episode.Duration,
                episode.Visibility.ToString().ToLowerInvariant(),
                episode.Draft,
                description,
                [.. episode.Technologies],
                show.YouTube.CategoryId,
                show.YouTube.PlaylistId,
                show.YouTube.StreamKey,
                episode.YouTube?.VideoId,
                ThumbnailHash(episode, show, repo),
                episode.Klustered is { } k
                    ? new KlusteredDesired(k.ProvisionBefore, k.TeardownAfter, [.. k.Teams.Select(t => new KlusteredTeamDesired(
                        t.Name, [.. t.Breakers], [.. t.Fixers], t.Cluster.Class, t.Cluster.KubernetesVersion,
                        t.Cluster.ControlPlaneReplicas, t.Cluster.WorkerReplicas, [.. t.Breaks]))])
                    : null,
                commit,
                commitTime)
            {
                ReplaceThumbnail = episode.YouTube?.ReplaceThumbnail == true || show.YouTube.ReplaceThumbnail,
            };
            peopleOf[episode.Id] = [.. new[] { show.Host }
                .Concat(episode.Guests)
                .Concat(episode.Klustered?.Teams.SelectMany(t => t.Breakers.Concat(t.Fixers)) ?? [])
                .Distinct(StringComparer.Ordinal)];
            episodeFiles[episode.Id] = episode.Location.Path;
        }
        if (errors.Count > 0)
        {
            return (repo, DesiredState.Invalid(errors));
        }
        var personFiles = repo.People.Values.ToDictionary(
            p => p.Id,
            p => (IReadOnlyList<string>)[p.Location.Path, $"episodes/people/avatars/{p.Id}.png"],
            StringComparer.Ordinal);
        return (repo, new DesiredState([], episodes, peopleOf, episodeFiles, personFiles));
    }

    private string ThumbnailHash(Episode episode, Show show, EpisodeRepository repo)
    {
        var request = ThumbnailRequest.FromEpisode(episode, show, repo.People);
        // The avatar bytes of the commit count too: the renderer reads avatars from the checkout.
        var avatars = string.Join(",", request.Guests.Select(g => g.Id).Append(show.Host)
            .Select(id => repo.Avatars.TryGetValue(id, out var bytes) ? Fingerprint.Of(Convert.ToBase64String(bytes)) : "-"));
        if (thumbnails is not null)
        {
            try
            {
                return Fingerprint.Of(thumbnails.ComputeHash(request) + "|" + avatars);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or ArgumentException or KeyNotFoundException)
            {
                // A broken template shows up when rendering; the spec still needs a stable hash.
            }
        }
        return Fingerprint.OfJson(new { request.Template, request.ShowName, request.Title, request.ScheduledFor, request.Badge, Host = request.Host?.Name, Guests = request.Guests.Select(g => g.Name), avatars });
    }
}

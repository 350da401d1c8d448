using System.Collections.Concurrent;
using RawkodeAutomation.Episodes.Loading;
using RawkodeAutomation.Episodes.Model;
using RawkodeAutomation.Episodes.Planning;
using RawkodeAutomation.Thumbnails;
using RawkodeAutomation.Thumbnails.Templates;
using RawkodeAutomation.Worker.Seams;
using RawkodeAutomation.Workflows.Contracts;
using RawkodeAutomation.Workflows.Decisions;

namespace RawkodeAutomation.Worker.Adapters;

/// <summary>
/// <see cref="IDesiredStateBuilder"/> on the domain library: strict loading and validation, each episode's
/// <see cref="EpisodeSpec"/>, and the thumbnail renderer's input hash (so a thumbnail is uploaded only when its
/// picture would change). Results are cached per commit because sweeps ask for the same commit many times.
/// </summary>
public sealed class DomainDesiredStateBuilder(ThumbnailRenderer? thumbnails) : IDesiredStateBuilder
{
    private readonly ConcurrentDictionary<string, DesiredState> _cache = new(StringComparer.Ordinal);

    public DesiredState Build(IReadOnlyDictionary<string, byte[]> files, string commit, DateTimeOffset commitTime)
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

    private DesiredState Compute(IReadOnlyDictionary<string, byte[]> files, string commit, DateTimeOffset commitTime)
    {
        var loaded = EpisodeLoader.Load(files);
        if (!loaded.IsValid)
        {
            return DesiredState.Invalid([.. loaded.Errors.Select(d => d.ToString())]);
        }
        var repo = loaded.Repository;
        var (specs, errors) = EpisodeSpecs.All(repo);
        if (errors.Count > 0)
        {
            return DesiredState.Invalid(errors);
        }
        var episodes = specs.Values.ToDictionary(
            s => s.EpisodeId,
            s => ToDesired(s, ThumbnailHash(repo.Episodes[s.EpisodeId], repo.Shows[s.ShowId], repo), commit, commitTime),
            StringComparer.Ordinal);
        return new DesiredState([], episodes, repo);
    }

    /// <summary>The workflows' contract for a domain spec, with the renderer's thumbnail hash and where it came from.</summary>
    public static DesiredEpisode ToDesired(EpisodeSpec spec, string thumbnailFingerprint, string commit, DateTimeOffset commitTime) => new(
        spec.EpisodeId,
        spec.ShowId,
        spec.Title,
        spec.ScheduledFor,
        spec.Duration,
        spec.Visibility.ToString().ToLowerInvariant(),
        spec.Draft,
        spec.Description,
        [.. spec.Tags],
        spec.CategoryId,
        spec.PlaylistId,
        spec.StreamKey,
        spec.AdoptVideoId,
        thumbnailFingerprint,
        spec.Klustered is { } k
            ? new KlusteredDesired(k.ProvisionBefore, k.TeardownAfter, [.. k.Teams.Select(t => new KlusteredTeamDesired(
                t.Name, [.. t.Breakers], [.. t.Fixers], t.Cluster.Class, t.Cluster.KubernetesVersion,
                t.Cluster.ControlPlaneReplicas, t.Cluster.WorkerReplicas, [.. t.Breaks]))])
            : null,
        commit,
        commitTime)
    {
        ReplaceThumbnail = spec.ReplaceThumbnail,
    };

    private string ThumbnailHash(Episode episode, Show show, EpisodeRepository repo)
    {
        var request = ThumbnailRequest.FromEpisode(episode, show, repo.People, now: DateTimeOffset.UtcNow);
        // The avatar bytes of the commit count too: the renderer reads avatars from the checkout.
        var avatars = string.Join(",", request.Guests.Select(g => g.Id).Append(show.Host)
            .Select(id => repo.Avatars.TryGetValue(id, out var bytes) ? Fingerprint.Of(Convert.ToBase64String(bytes)) : "-"));
        if (thumbnails is not null)
        {
            try
            {
                return Fingerprint.Of(thumbnails.ComputeHash(request) + "|" + avatars);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or ArgumentException or KeyNotFoundException
                or ThumbnailTemplateException or ThumbnailFontException)
            {
                // A broken or missing template (or thumbnails/ missing altogether) shows up when rendering, once; the
                // spec still needs a stable hash, and the commit must still apply.
            }
        }
        return Fingerprint.OfJson(new { request.Template, request.ShowName, request.Title, request.ScheduledFor, request.Badge, Host = request.Host?.Name, Guests = request.Guests.Select(g => g.Name), avatars });
    }
}

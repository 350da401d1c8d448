using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RawkodeAutomation.Episodes.Model;
using RawkodeAutomation.Episodes.Rendering;

namespace RawkodeAutomation.Episodes.Planning;

/// <summary>
/// What one episode should be on YouTube (and, for Klustered, on Kubernetes), as the domain sees it: the fields the
/// broadcast carries, the rendered description, the inputs its thumbnail is drawn from. The pipeline's desired spec
/// is this plus the thumbnail renderer's content hash; the plan compares two of these to say what a change costs.
/// </summary>
/// <param name="Tags">The episode's technologies (YouTube tags).</param>
/// <param name="AdoptVideoId">An existing video this episode is (never recreated).</param>
/// <param name="Klustered">The Klustered section without the automation's write-backs (time to fix), which change nothing.</param>
public sealed record EpisodeSpec(
    string EpisodeId,
    string ShowId,
    string Title,
    DateTimeOffset? ScheduledFor,
    TimeSpan Duration,
    Visibility Visibility,
    bool Draft,
    string Description,
    IReadOnlyList<string> Tags,
    int CategoryId,
    string? PlaylistId,
    string StreamKey,
    string? AdoptVideoId,
    ThumbnailInputs Thumbnail,
    KlusteredSpec? Klustered)
{
    /// <summary>
    /// <c>youtube.replaceThumbnail</c> on the episode or its show: an adopted (existing) video gets the rendered thumbnail
    /// too. Off: the creator's thumbnail stays.
    /// </summary>
    public bool ReplaceThumbnail { get; init; }

    /// <summary>True once the show is over (<c>scheduledFor + duration</c> before now): an existing video, never a broadcast to create.</summary>
    public bool OverAt(DateTimeOffset now) => ScheduledFor is { } at && at + Duration < now;

    /// <summary>True once the episode's time has come (its broadcast is live or complete, or was never scheduled).</summary>
    public bool AiredAt(DateTimeOffset now) => ScheduledFor is { } at && at <= now;

    /// <summary>Equal fingerprints: nothing about the episode differs.</summary>
    public string Fingerprint() => EpisodeSpecs.Hash(this);

    /// <summary>The fields the broadcast itself carries (not the description or the thumbnail) differ.</summary>
    public bool BroadcastDiffers(EpisodeSpec other) =>
        Title != other.Title || ScheduledFor != other.ScheduledFor || Duration != other.Duration || Visibility != other.Visibility
        || !Tags.SequenceEqual(other.Tags) || CategoryId != other.CategoryId || PlaylistId != other.PlaylistId
        || StreamKey != other.StreamKey || AdoptVideoId != other.AdoptVideoId;
}

/// <summary>
/// What an episode's thumbnail is drawn from: the same inputs the thumbnail renderer hashes, except the template's and
/// fonts' files (which live in <c>thumbnails/</c>, not in <c>episodes/</c>). Equal inputs draw equal pictures.
/// </summary>
/// <param name="Template">The show's template, or <c>default</c>.</param>
/// <param name="Badge"><c>LIVE</c>, or <c>DRAFT</c> for drafts.</param>
/// <param name="People">The faces shown: up to four guests (more show three and "+N"), or the host when there are none.</param>
public sealed record ThumbnailInputs(string Template, string ShowName, string Title, DateTimeOffset? ScheduledFor, string Badge, IReadOnlyList<ThumbnailFace> People)
{
    /// <summary>The template a show without one uses.</summary>
    public const string DefaultTemplate = "default";

    /// <summary>The inputs differ (so the picture is drawn and uploaded again).</summary>
    public bool Differs(ThumbnailInputs other) =>
        Template != other.Template || ShowName != other.ShowName || Title != other.Title || ScheduledFor != other.ScheduledFor
        || Badge != other.Badge || !People.SequenceEqual(other.People);
}

/// <summary>One face on a thumbnail: the person, the name drawn, and the avatar's SHA-256 (null: a monogram).</summary>
public sealed record ThumbnailFace(string Id, string Name, string? AvatarSha256);

/// <summary>Builds <see cref="EpisodeSpec"/>s from a loaded repository.</summary>
public static class EpisodeSpecs
{
    private static readonly JsonSerializerOptions HashOptions = new() { WriteIndented = false };

    /// <summary>
    /// The spec of <paramref name="episode"/> in <paramref name="repository"/>, with its rendered description.
    /// </summary>
    /// <exception cref="InvalidOperationException">The description cannot be rendered (validation reports why).</exception>
    /// <exception cref="KeyNotFoundException">The episode's show is missing (validation reports it).</exception>
    public static EpisodeSpec Of(EpisodeRepository repository, Episode episode) =>
        Of(repository, episode, DescriptionRenderer.Render(repository, episode.Id).Text);

    /// <summary>The spec of <paramref name="episode"/> with a description already rendered.</summary>
    public static EpisodeSpec Of(EpisodeRepository repository, Episode episode, string description)
    {
        var show = repository.Shows[episode.ShowId];
        return new EpisodeSpec(
            episode.Id,
            episode.ShowId,
            episode.Title,
            episode.ScheduledFor,
            episode.Duration,
            episode.Visibility,
            episode.Draft,
            description,
            [.. episode.Technologies],
            show.YouTube.CategoryId,
            show.YouTube.PlaylistId,
            show.YouTube.StreamKey,
            episode.YouTube?.VideoId,
            ThumbnailOf(repository, episode, show),
            episode.Klustered is { } k ? k with { Teams = [.. k.Teams.Select(t => t with { TimeToFix = null })] } : null)
        {
            ReplaceThumbnail = episode.YouTube?.ReplaceThumbnail == true || show.YouTube.ReplaceThumbnail,
        };
    }

    /// <summary>
    /// Every episode's spec; an episode whose description cannot be rendered gives an error
    /// (<c>path:line:column: message</c>) instead.
    /// </summary>
    public static (IReadOnlyDictionary<string, EpisodeSpec> Specs, IReadOnlyList<string> Errors) All(EpisodeRepository repository)
    {
        var specs = new Dictionary<string, EpisodeSpec>(StringComparer.Ordinal);
        List<string> errors = [];
        foreach (var episode in repository.Episodes.Values.OrderBy(e => e.Id, StringComparer.Ordinal))
        {
            try
            {
                specs[episode.Id] = Of(repository, episode);
            }
            catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException)
            {
                errors.Add($"{episode.Location}: the description cannot be rendered: {e.Message}");
            }
        }

        return (specs, errors);
    }

    /// <summary>The people whose details appear in an episode: the show's host, its guests, its Klustered teams.</summary>
    public static IReadOnlyList<string> PeopleOf(EpisodeRepository repository, Episode episode) =>
    [
        .. (repository.Shows.TryGetValue(episode.ShowId, out var show) ? [show.Host] : Array.Empty<string>())
            .Concat(episode.Guests)
            .Concat(episode.Klustered?.Teams.SelectMany(t => t.Breakers.Concat(t.Fixers)) ?? [])
            .Distinct(StringComparer.Ordinal),
    ];

    private static ThumbnailInputs ThumbnailOf(EpisodeRepository repository, Episode episode, Show show)
    {
        ThumbnailFace Face(string id) => new(
            id,
            repository.People.TryGetValue(id, out var person) ? person.Name : id,
            repository.Avatars.TryGetValue(id, out var bytes) ? Convert.ToHexStringLower(SHA256.HashData(bytes)) : null);

        // The templates draw the host when there are no guests, up to four guests, or three and "+N".
        IReadOnlyList<ThumbnailFace> people = episode.Guests.Count == 0 ? [Face(show.Host)]
            : episode.Guests.Count <= 4 ? [.. episode.Guests.Select(Face)]
            : [.. episode.Guests.Take(3).Select(Face)];
        return new ThumbnailInputs(
            string.IsNullOrWhiteSpace(show.Thumbnail) ? ThumbnailInputs.DefaultTemplate : show.Thumbnail,
            show.Name,
            episode.Title,
            episode.ScheduledFor,
            episode.Draft ? "DRAFT" : "LIVE",
            people);
    }

    internal static string Hash<T>(T value) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(value, HashOptions))));
}

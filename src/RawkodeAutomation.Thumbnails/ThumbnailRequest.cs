using RawkodeAutomation.Episodes.Model;

namespace RawkodeAutomation.Thumbnails;

/// <summary>
/// A person on a thumbnail: the id finds the avatar (<c>episodes/people/avatars/&lt;id&gt;.png</c>); without one, the
/// GitHub avatar of <paramref name="GitHub"/> when it is in the avatar cache (see <see cref="GitHubAvatarCache"/>).
/// </summary>
public sealed record ThumbnailPerson(string Id, string Name, string? GitHub = null);

/// <summary>
/// Everything a thumbnail shows, as plain values. Build it from the domain model with
/// <see cref="FromEpisode"/>; equal requests (with equal template, fonts and avatars) render equal pixels.
/// </summary>
/// <param name="Template">Template name: <c>thumbnails/templates/&lt;Template&gt;.yaml</c>.</param>
/// <param name="ShowName">The show's display name.</param>
/// <param name="Title">The episode title (at most 100 characters on YouTube; longer text is still fitted).</param>
/// <param name="ScheduledFor">Start time; rendered in UTC with the template's date format. Null renders no date.</param>
/// <param name="Badge">Badge text such as <c>LIVE</c>, <c>PREMIERE</c> or <c>#7</c>; null or empty draws no badge.</param>
/// <param name="Host">The show's host, shown when there are no guests (if the template says so).</param>
/// <param name="Guests">Guests in order; 1 to 4 get an avatar each, more collapse into "+N".</param>
public sealed record ThumbnailRequest(
    string Template,
    string ShowName,
    string Title,
    DateTimeOffset? ScheduledFor,
    string? Badge,
    ThumbnailPerson? Host,
    IReadOnlyList<ThumbnailPerson> Guests)
{
    /// <summary>The template used when a show names none.</summary>
    public const string DefaultTemplate = "default";

    /// <summary>
    /// Builds the request for an episode: the show's template (or <see cref="DefaultTemplate"/>), its title, schedule,
    /// host and guests. Unknown person ids (which validation reports) fall back to the id as the name.
    /// </summary>
    /// <param name="badge">
    /// Badge text; defaults to <c>DRAFT</c> for drafts, <c>LIVE</c> for episodes still to air, and none for an episode
    /// that aired (its end, <c>scheduledFor + duration</c>, is before <paramref name="now"/>): a video is not live.
    /// </param>
    /// <param name="now">The time to judge "aired" by; null treats every episode as still to air.</param>
    public static ThumbnailRequest FromEpisode(Episode episode, Show show, IReadOnlyDictionary<string, Person> people, string? badge = null, DateTimeOffset? now = null)
    {
        ArgumentNullException.ThrowIfNull(episode);
        ArgumentNullException.ThrowIfNull(show);
        ArgumentNullException.ThrowIfNull(people);
        ThumbnailPerson PersonOf(string id) => people.TryGetValue(id, out Person? p) ? new(id, p.Name, p.GitHub) : new(id, id);
        bool aired = now is { } at && episode.ScheduledFor is { } start && start + episode.Duration <= at;
        return new ThumbnailRequest(
            string.IsNullOrWhiteSpace(show.Thumbnail) ? DefaultTemplate : show.Thumbnail,
            show.Name,
            episode.Title,
            episode.ScheduledFor,
            badge ?? (episode.Draft ? "DRAFT" : aired ? null : "LIVE"),
            PersonOf(show.Host),
            [.. episode.Guests.Select(PersonOf)]);
    }
}

/// <summary>A rendered thumbnail, ready for <c>thumbnails.set</c>.</summary>
/// <param name="Bytes">PNG or JPEG, at most <see cref="ThumbnailRenderer.MaxBytes"/>.</param>
/// <param name="ContentType"><c>image/png</c> or <c>image/jpeg</c>.</param>
/// <param name="ContentHash">
/// Hash of the inputs (renderer version, template and its assets, fonts, text, avatars); equals
/// <see cref="ThumbnailRenderer.ComputeHash"/> for the same request, so a pipeline can skip rendering and uploading
/// when it has not changed.
/// </param>
/// <param name="Warnings">Things a person should fix, e.g. a corrupt avatar that was replaced by a monogram.</param>
public sealed record RenderedThumbnail(
    byte[] Bytes,
    string ContentType,
    string ContentHash,
    int Width,
    int Height,
    IReadOnlyList<string> Warnings)
{
    /// <summary>
    /// People drawn as a monogram because they have no picture (no avatar file, no cached GitHub avatar). Not a
    /// warning: a run reports them once, summed up, rather than once per thumbnail.
    /// </summary>
    public IReadOnlyList<string> MissingAvatars { get; init; } = [];

    /// <summary><c>.png</c> or <c>.jpg</c>.</summary>
    public string FileExtension => ContentType == "image/png" ? ".png" : ".jpg";
}

/// <summary>Where the renderer finds its inputs: templates, fonts and brand assets, and person avatars.</summary>
/// <param name="ThumbnailsDirectory">The <c>thumbnails/</c> directory (templates/, fonts/, assets/).</param>
/// <param name="AvatarsDirectory">The <c>episodes/people/avatars/</c> directory.</param>
/// <param name="AvatarCacheDirectory">Where fetched GitHub avatars are kept (<c>.rawkode/avatars/</c>); null: none are used.</param>
public sealed record ThumbnailAssets(string ThumbnailsDirectory, string AvatarsDirectory, string? AvatarCacheDirectory = null)
{
    /// <summary>
    /// The layout of this repository: <c>thumbnails/</c>, <c>episodes/people/avatars/</c> and the avatar cache
    /// <c>.rawkode/avatars/</c> under the root.
    /// </summary>
    public static ThumbnailAssets FromRepositoryRoot(string repositoryRoot) => new(
        Path.Combine(repositoryRoot, "thumbnails"),
        Path.Combine(repositoryRoot, "episodes", "people", "avatars"),
        Path.Combine(repositoryRoot, ".rawkode", "avatars"));

    /// <summary>The cached GitHub avatar of <paramref name="handle"/> (handles are case-insensitive); null without a cache.</summary>
    public string? GitHubAvatarPath(string handle) =>
        AvatarCacheDirectory is null ? null : Path.Combine(AvatarCacheDirectory, "github", handle.ToLowerInvariant() + ".png");

    public string FontsDirectory => Path.Combine(ThumbnailsDirectory, "fonts");

    public string TemplatePath(string name) => Path.Combine(ThumbnailsDirectory, "templates", name + ".yaml");

    public string AvatarPath(string personId) => Path.Combine(AvatarsDirectory, personId + ".png");

    /// <summary>Walks up from <paramref name="start"/> to the directory that holds <c>thumbnails/fonts/fonts.yaml</c>.</summary>
    public static string? FindRepositoryRoot(string start)
    {
        for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "thumbnails", "fonts", "fonts.yaml")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}

using RawkodeAutomation.Workflows.Contracts;

namespace RawkodeAutomation.Worker.Seams;

/// <summary>
/// Turns the <c>episodes/</c> files of one commit into what the pipeline must make true: validation
/// errors, or every episode's desired spec and who appears in it. The production implementation wraps
/// the domain library (loader, description renderer, dependency graph).
/// </summary>
public interface IDesiredStateBuilder
{
    /// <summary>Builds the desired state; never throws for bad input (errors come back in <see cref="DesiredState.Errors"/>).</summary>
    DesiredState Build(IReadOnlyDictionary<string, byte[]> files, string commit, DateTimeOffset commitTime);
}

/// <summary>The desired state of the channel at one commit.</summary>
/// <param name="Errors">Every validation error as <c>path:line:column: message</c>; non-empty means nothing may be applied.</param>
/// <param name="Episodes">Desired spec per episode id.</param>
/// <param name="PeopleOfEpisode">Person ids whose details appear in each episode (guests, the show's host, Klustered teams).</param>
/// <param name="EpisodeFiles">Repo-relative file path per episode id, to tell an edit of the episode itself from a sweep.</param>
/// <param name="PersonFiles">Repo-relative file paths per person id (the YAML and the avatar).</param>
public sealed record DesiredState(
    IReadOnlyList<string> Errors,
    IReadOnlyDictionary<string, DesiredEpisode> Episodes,
    IReadOnlyDictionary<string, IReadOnlyList<string>> PeopleOfEpisode,
    IReadOnlyDictionary<string, string> EpisodeFiles,
    IReadOnlyDictionary<string, IReadOnlyList<string>> PersonFiles)
{
    /// <summary>A state with errors only.</summary>
    public static DesiredState Invalid(IReadOnlyList<string> errors) => new(
        errors,
        new Dictionary<string, DesiredEpisode>(),
        new Dictionary<string, IReadOnlyList<string>>(),
        new Dictionary<string, string>(),
        new Dictionary<string, IReadOnlyList<string>>());
}

/// <summary>A thumbnail rendered for an episode at a commit.</summary>
/// <param name="Image">PNG or JPEG bytes (1280x720, at most 2 MB).</param>
/// <param name="Hash">Content hash of the inputs; equal hashes mean equal pictures.</param>
public sealed record RenderedThumbnail(byte[] Image, string Hash);

/// <summary>Renders an episode's thumbnail as it is at a commit (the Thumbnails area behind it).</summary>
public interface IThumbnailSource
{
    /// <summary>Renders the thumbnail of <paramref name="episodeId"/> at <paramref name="commit"/>.</summary>
    Task<RenderedThumbnail> RenderAsync(string episodeId, string commit, CancellationToken cancellationToken);
}

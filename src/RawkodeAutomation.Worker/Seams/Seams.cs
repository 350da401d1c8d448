using RawkodeAutomation.Episodes.Model;
using RawkodeAutomation.Episodes.Planning;
using RawkodeAutomation.Workflows.Contracts;

namespace RawkodeAutomation.Worker.Seams;

/// <summary>
/// Turns the <c>episodes/</c> files of one commit into what the pipeline must make true: validation
/// errors, or every episode's desired spec. The production implementation wraps the domain library
/// (loader, <see cref="EpisodeSpecs"/>) and adds the thumbnail renderer's content hash.
/// </summary>
public interface IDesiredStateBuilder
{
    /// <summary>Builds the desired state; never throws for bad input (errors come back in <see cref="DesiredState.Errors"/>).</summary>
    DesiredState Build(IReadOnlyDictionary<string, byte[]> files, string commit, DateTimeOffset commitTime);
}

/// <summary>The desired state of the channel at one commit.</summary>
/// <param name="Errors">Every validation error as <c>path:line:column: message</c>; non-empty means nothing may be applied.</param>
/// <param name="Episodes">Desired spec per episode id.</param>
/// <param name="Repository">The loaded tree the specs come from: what a commit's <see cref="ChannelChange"/> is computed from.</param>
public sealed record DesiredState(
    IReadOnlyList<string> Errors,
    IReadOnlyDictionary<string, DesiredEpisode> Episodes,
    EpisodeRepository Repository)
{
    /// <summary>A state with errors only.</summary>
    public static DesiredState Invalid(IReadOnlyList<string> errors) => new(errors, new Dictionary<string, DesiredEpisode>(), EpisodeRepository.Empty);
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

/// <summary>
/// How commits of the watched branch relate in git history. Deliveries can arrive in any order (GitHub does not
/// promise order, and an operator can redeliver an old push), so the commit activities order commits by history, not by
/// arrival: a commit in the past of the branch head never overrides what the head says.
/// </summary>
public interface ICommitHistory
{
    /// <summary>
    /// True when <paramref name="ancestor"/> is in the history of <paramref name="descendant"/> (a commit counts as its own
    /// ancestor); false when it is not, or when either commit is unknown (e.g. rewritten away by a force-push).
    /// </summary>
    Task<bool> IsAncestorAsync(string ancestor, string descendant, CancellationToken cancellationToken);
}

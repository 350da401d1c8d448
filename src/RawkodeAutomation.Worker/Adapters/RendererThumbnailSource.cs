using RawkodeAutomation.Episodes.Loading;
using RawkodeAutomation.GitHub;
using RawkodeAutomation.Thumbnails;
using RawkodeAutomation.Worker.Seams;
using RawkodeAutomation.Workflows;
using Temporalio.Exceptions;

namespace RawkodeAutomation.Worker.Adapters;

/// <summary>
/// <see cref="IThumbnailSource"/> on the Thumbnails area's SkiaSharp renderer: reads the episode at the
/// commit through <see cref="IEpisodeSource"/> and renders it with the templates and fonts of this checkout.
/// </summary>
/// <remarks>
/// With a <see cref="GitHubAvatarCache"/> (configured by <c>Thumbnails:AvatarBaseUri</c>), the GitHub avatars of the
/// people on the thumbnail are fetched into the cache first; without network access they stay monograms.
/// </remarks>
public sealed class RendererThumbnailSource(IEpisodeSource source, ThumbnailRenderer renderer, GitHubAvatarCache? avatars = null) : IThumbnailSource
{
    public async Task<Seams.RenderedThumbnail> RenderAsync(string episodeId, string commit, CancellationToken cancellationToken)
    {
        var files = await source.GetEpisodeFilesAsync(commit, cancellationToken).ConfigureAwait(false);
        var repo = EpisodeLoader.Load(files, new EpisodeLoaderOptions { ValidateDescriptions = false }).Repository;
        if (!repo.Episodes.TryGetValue(episodeId, out var episode) || !repo.Shows.TryGetValue(episode.ShowId, out var show))
        {
            throw new ApplicationFailureException($"episode {episodeId} does not exist at commit {GitShas.Short(commit)}", PipelineErrors.NotFound, nonRetryable: true);
        }
        // An episode that aired gets no LIVE badge: its video is a recording now.
        var request = ThumbnailRequest.FromEpisode(episode, show, repo.People, now: DateTimeOffset.UtcNow);
        if (avatars is not null)
        {
            await avatars.FetchMissingAsync(request.Guests.Append(request.Host).OfType<ThumbnailPerson>(), cancellationToken).ConfigureAwait(false);
        }
        var rendered = renderer.Render(request);
        return new Seams.RenderedThumbnail(rendered.Bytes, rendered.ContentHash);
    }
}

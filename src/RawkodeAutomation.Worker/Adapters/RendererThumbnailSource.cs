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
public sealed class RendererThumbnailSource(IEpisodeSource source, ThumbnailRenderer renderer) : IThumbnailSource
{
    public async Task<Seams.RenderedThumbnail> RenderAsync(string episodeId, string commit, CancellationToken cancellationToken)
    {
        var files = await source.GetEpisodeFilesAsync(commit, cancellationToken).ConfigureAwait(false);
        var repo = EpisodeLoader.Load(files, new EpisodeLoaderOptions { ValidateDescriptions = false }).Repository;
        if (!repo.Episodes.TryGetValue(episodeId, out var episode) || !repo.Shows.TryGetValue(episode.ShowId, out var show))
        {
            throw new ApplicationFailureException($"episode {episodeId} does not exist at commit {GitShas.Short(commit)}", PipelineErrors.NotFound, nonRetryable: true);
        }
        var request = ThumbnailRequest.FromEpisode(episode, show, repo.People);
        var rendered = renderer.Render(request);
        return new Seams.RenderedThumbnail(rendered.Bytes, rendered.ContentHash);
    }
}

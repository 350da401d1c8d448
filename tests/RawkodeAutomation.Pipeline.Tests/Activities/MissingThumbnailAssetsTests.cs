using RawkodeAutomation.Pipeline.Tests.Workflows;
using RawkodeAutomation.Thumbnails;
using RawkodeAutomation.Worker.Activities;
using RawkodeAutomation.Worker.Adapters;
using RawkodeAutomation.Workflows;
using Temporalio.Exceptions;

namespace RawkodeAutomation.Pipeline.Tests.Activities;

/// <summary>
/// A checkout without <c>thumbnails/</c> (or with a broken template): the commit still applies, and the thumbnail
/// step fails once, saying why, instead of being retried for ever.
/// </summary>
public sealed class MissingThumbnailAssetsTests : IDisposable
{
    private readonly string _empty = Directory.CreateTempSubdirectory("rawkode-no-thumbnails-").FullName;

    [Fact]
    public void Build_CheckoutWithoutThumbnails_EpisodesStillGetAStableThumbnailFingerprint()
    {
        using var renderer = new ThumbnailRenderer(ThumbnailAssets.FromRepositoryRoot(_empty));
        var builder = new DomainDesiredStateBuilder(renderer);
        var files = Channel.Base(3);

        var first = builder.Build(files, "c1", DateTimeOffset.UnixEpoch);
        var again = builder.Build(files, "c1", DateTimeOffset.UnixEpoch);

        Assert.Empty(first.Errors);
        Assert.Equal(3, first.Episodes.Count);
        Assert.Equal(first.Episodes.Values.Select(e => e.ThumbnailFingerprint), again.Episodes.Values.Select(e => e.ThumbnailFingerprint));
    }

    [Fact]
    public void FromThumbnail_TemplateMissing_IsNotRetriedAndNamesTheEpisode()
    {
        using var renderer = new ThumbnailRenderer(ThumbnailAssets.FromRepositoryRoot(_empty));
        var request = new ThumbnailRequest("klustered", "Klustered", "Klustered #1", null, null, null, []);
        var missing = Assert.ThrowsAny<Exception>(() => renderer.Render(request));

        var failure = Assert.IsType<ApplicationFailureException>(ActivityErrors.FromThumbnail("klustered/2026-12-03-x", missing));

        Assert.True(failure.NonRetryable);
        Assert.Equal(PipelineErrors.InvalidInput, failure.ErrorType);
        Assert.StartsWith("episode klustered/2026-12-03-x: its thumbnail cannot be rendered: ", failure.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_empty, recursive: true);
}

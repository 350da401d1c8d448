using SkiaSharp;

namespace RawkodeAutomation.Thumbnails.Tests;

/// <summary>
/// Recognising an uploaded thumbnail by its looks: YouTube serves a re-encoded JPEG at other sizes, never the bytes
/// it was sent, yet a thumbnail of another title, date or guest must never pass for it.
/// </summary>
public sealed class ThumbnailLikenessTests(RendererFixture fixture) : IClassFixture<RendererFixture>
{
    private static readonly ThumbnailPerson Ada = new("ada", "Ada Lovelace");
    private static readonly ThumbnailPerson Grace = new("grace", "Grace Hopper");

    /// <summary>What YouTube serves for an upload: a JPEG, here at <paramref name="width"/> wide and quality 70.</summary>
    private static byte[] AsYouTubeServesIt(byte[] uploaded, int width)
    {
        using var bitmap = SKBitmap.Decode(uploaded);
        using var resized = bitmap.Resize(new SKImageInfo(width, width * 9 / 16), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        using var image = SKImage.FromBitmap(resized);
        using var jpeg = image.Encode(SKEncodedImageFormat.Jpeg, 70);
        return jpeg.ToArray();
    }

    [Theory]
    [InlineData("klustered", 1280)]
    [InlineData("rawkode-live", 320)]
    [InlineData("default", 1280)]
    public void LookAlike_SameThumbnailReEncodedAsJpeg_True(string template, int width)
    {
        var uploaded = fixture.Renderer.Render(RendererFixture.Request(template, "Breaking CoreDNS for fun", Ada)).Bytes;

        Assert.True(ThumbnailLikeness.LookAlike(AsYouTubeServesIt(uploaded, width), uploaded),
            $"largest block difference {ThumbnailLikeness.LargestBlockDifference(AsYouTubeServesIt(uploaded, width), uploaded):0.0}");
    }

    [Theory]
    [InlineData("klustered")]
    [InlineData("rawkode-live")]
    [InlineData("default")]
    public void LookAlike_AnotherTitleOrGuest_False(string template)
    {
        var uploaded = fixture.Renderer.Render(RendererFixture.Request(template, "Breaking CoreDNS for fun", Ada)).Bytes;
        var retitled = fixture.Renderer.Render(RendererFixture.Request(template, "Breaking CoreDNS for fun!", Ada)).Bytes;
        var otherGuest = fixture.Renderer.Render(RendererFixture.Request(template, "Breaking CoreDNS for fun", Grace)).Bytes;

        Assert.False(ThumbnailLikeness.LookAlike(AsYouTubeServesIt(uploaded, 1280), retitled),
            $"retitled: largest block difference {ThumbnailLikeness.LargestBlockDifference(AsYouTubeServesIt(uploaded, 1280), retitled):0.0}");
        Assert.False(ThumbnailLikeness.LookAlike(AsYouTubeServesIt(uploaded, 1280), otherGuest),
            $"other guest: largest block difference {ThumbnailLikeness.LargestBlockDifference(AsYouTubeServesIt(uploaded, 1280), otherGuest):0.0}");
    }

    [Fact]
    public void LookAlike_NotAnImage_False()
    {
        var uploaded = fixture.Renderer.Render(RendererFixture.Request("default", "Anything", Ada)).Bytes;

        Assert.False(ThumbnailLikeness.LookAlike("<html>404</html>"u8, uploaded));
    }
}

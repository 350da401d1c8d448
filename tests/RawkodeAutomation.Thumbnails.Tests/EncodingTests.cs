namespace RawkodeAutomation.Thumbnails.Tests;

public sealed class EncodingTests(RendererFixture fixture) : IClassFixture<RendererFixture>
{
    [Fact]
    public void Render_GradientDesign_ChoosesJpeg()
    {
        RenderedThumbnail thumbnail = fixture.Renderer.Render(RendererFixture.Request("klustered", "Gradients compress badly as PNG", new ThumbnailPerson("ada", "Ada Lovelace")));

        Assert.Equal("image/jpeg", thumbnail.ContentType);
        Assert.Equal(".jpg", thumbnail.FileExtension);
        Assert.Equal([0xFF, 0xD8], thumbnail.Bytes[..2]);
    }

    [Fact]
    public void Render_PureNoiseBackground_StillAtMostTwoMegabytes()
    {
        using ScratchThumbnails thumbnails = new(fixture);
        // Random pixels are the worst case for both encoders: PNG cannot compress them (3 MB); the JPEG still fits.
        Directory.CreateDirectory(Path.Combine(thumbnails.Root, "assets"));
        using (SkiaSharp.SKBitmap noise = Noise(seed: 42, opaque: true))
        {
            using SkiaSharp.SKData png = noise.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(Path.Combine(thumbnails.Root, "assets", "noise.png"), png.ToArray());
        }

        thumbnails.AddTemplate("noise", """
            background: { color: "#000000", image: assets/noise.png }
            texts:
              - { value: "{title}", box: [64, 64, 1152, 400], font: bold, size: 96, color: "#FFFFFF" }
            """);
        using ThumbnailRenderer renderer = thumbnails.Renderer();

        RenderedThumbnail thumbnail = renderer.Render(RendererFixture.Request("noise", "Static"));

        Assert.Equal("image/jpeg", thumbnail.ContentType);
        Assert.InRange(thumbnail.Bytes.Length, 1, ThumbnailRenderer.MaxBytes);
    }

    [Fact]
    public void Encode_JpegOverTheLimit_StepsQualityDownUntilItFits()
    {
        using SkiaSharp.SKBitmap noise = Noise(seed: 7, opaque: false);
        using SkiaSharp.SKPixmap pixmap = noise.PeekPixels();
        const int limit = 600 * 1024; // a quality-92 JPEG of this noise is about 800 KB

        (byte[] bytes, string contentType) = ThumbnailRenderer.Encode(pixmap, pngMayWin: true, maxBytes: limit);

        Assert.Equal("image/jpeg", contentType);
        Assert.InRange(bytes.Length, 1, limit);
    }

    [Fact]
    public void Render_FlatDesign_ChoosesSmallerPng()
    {
        using ScratchThumbnails thumbnails = new(fixture);
        // Flat colour blocks and a small label: PNG beats even a good JPEG on pictures like this.
        thumbnails.AddTemplate("flat", """
            background: { color: "#FFFFFF" }
            shapes:
              - { kind: rect, box: [0, 0, 1280, 120], color: "#1D4ED8" }
              - { kind: rect, box: [0, 600, 1280, 120], color: "#F59E0B" }
            texts:
              - { value: "{show}", box: [64, 300, 600, 60], font: bold, size: 40, color: "#111111" }
            """);
        using ThumbnailRenderer renderer = thumbnails.Renderer();

        RenderedThumbnail thumbnail = renderer.Render(RendererFixture.Request("flat", "Plain text on white"));

        Assert.Equal("image/png", thumbnail.ContentType);
        Assert.Equal([0x89, 0x50, 0x4E, 0x47], thumbnail.Bytes[..4]);
        Assert.InRange(thumbnail.Bytes.Length, 1, 200 * 1024);
    }

    /// <summary>A 1280x720 bitmap of random pixels (the same for a seed); opaque sets every alpha to 255.</summary>
    private static SkiaSharp.SKBitmap Noise(int seed, bool opaque)
    {
        Random random = new(seed);
        SkiaSharp.SKBitmap noise = new(1280, 720);
        byte[] pixels = new byte[1280 * 720 * 4];
        random.NextBytes(pixels);
        if (opaque)
        {
            for (int i = 3; i < pixels.Length; i += 4)
            {
                pixels[i] = 255;
            }
        }

        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, noise.GetPixels(), pixels.Length);
        return noise;
    }

    /// <summary>A throwaway thumbnails folder with this repository's fonts, for templates a test writes itself; deleted on dispose.</summary>
    private sealed class ScratchThumbnails : IDisposable
    {
        private readonly RendererFixture _fixture;

        public ScratchThumbnails(RendererFixture fixture)
        {
            _fixture = fixture;
            Root = Directory.CreateTempSubdirectory("rawkode-scratch-thumbnails-").FullName;
            Directory.CreateSymbolicLink(Path.Combine(Root, "fonts"), Path.Combine(fixture.RepositoryRoot, "thumbnails", "fonts"));
            Directory.CreateDirectory(Path.Combine(Root, "templates"));
        }

        public string Root { get; }

        public void AddTemplate(string name, string yaml) => File.WriteAllText(Path.Combine(Root, "templates", name + ".yaml"), yaml);

        public ThumbnailRenderer Renderer() => new(new ThumbnailAssets(Root, _fixture.AvatarsDirectory));

        public void Dispose() => Directory.Delete(Root, recursive: true);
    }
}

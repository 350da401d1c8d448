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
        string thumbnails = Directory.CreateTempSubdirectory("rawkode-noise-template-").FullName;
        try
        {
            // Random pixels are the worst case for both encoders: PNG cannot compress them (3 MB); the JPEG still fits.
            Directory.CreateSymbolicLink(Path.Combine(thumbnails, "fonts"), Path.Combine(fixture.RepositoryRoot, "thumbnails", "fonts"));
            Directory.CreateDirectory(Path.Combine(thumbnails, "templates"));
            Directory.CreateDirectory(Path.Combine(thumbnails, "assets"));
            Random random = new(42);
            using (SkiaSharp.SKBitmap noise = new(1280, 720))
            {
                byte[] pixels = new byte[1280 * 720 * 4];
                random.NextBytes(pixels);
                for (int i = 3; i < pixels.Length; i += 4)
                {
                    pixels[i] = 255;
                }

                System.Runtime.InteropServices.Marshal.Copy(pixels, 0, noise.GetPixels(), pixels.Length);
                using SkiaSharp.SKData png = noise.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
                File.WriteAllBytes(Path.Combine(thumbnails, "assets", "noise.png"), png.ToArray());
            }

            File.WriteAllText(Path.Combine(thumbnails, "templates", "noise.yaml"), """
                background: { color: "#000000", image: assets/noise.png }
                texts:
                  - { value: "{title}", box: [64, 64, 1152, 400], font: bold, size: 96, color: "#FFFFFF" }
                """);
            using ThumbnailRenderer renderer = new(new ThumbnailAssets(thumbnails, fixture.AvatarsDirectory));

            RenderedThumbnail thumbnail = renderer.Render(RendererFixture.Request("noise", "Static"));

            Assert.Equal("image/jpeg", thumbnail.ContentType);
            Assert.InRange(thumbnail.Bytes.Length, 1, ThumbnailRenderer.MaxBytes);
        }
        finally
        {
            Directory.Delete(thumbnails, recursive: true);
        }
    }

    [Fact]
    public void Encode_JpegOverTheLimit_StepsQualityDownUntilItFits()
    {
        Random random = new(7);
        using SkiaSharp.SKBitmap noise = new(1280, 720);
        byte[] pixels = new byte[1280 * 720 * 4];
        random.NextBytes(pixels);
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, noise.GetPixels(), pixels.Length);
        using SkiaSharp.SKPixmap pixmap = noise.PeekPixels();
        const int limit = 600 * 1024; // a quality-92 JPEG of this noise is about 800 KB

        (byte[] bytes, string contentType) = ThumbnailRenderer.Encode(pixmap, pngMayWin: true, maxBytes: limit);

        Assert.Equal("image/jpeg", contentType);
        Assert.InRange(bytes.Length, 1, limit);
    }

    [Fact]
    public void Render_FlatDesign_ChoosesSmallerPng()
    {
        string thumbnails = Directory.CreateTempSubdirectory("rawkode-flat-template-").FullName;
        try
        {
            // Flat colour blocks and a small label: PNG beats even a good JPEG on pictures like this.
            Directory.CreateSymbolicLink(Path.Combine(thumbnails, "fonts"), Path.Combine(fixture.RepositoryRoot, "thumbnails", "fonts"));
            Directory.CreateDirectory(Path.Combine(thumbnails, "templates"));
            File.WriteAllText(Path.Combine(thumbnails, "templates", "flat.yaml"), """
                background: { color: "#FFFFFF" }
                shapes:
                  - { kind: rect, box: [0, 0, 1280, 120], color: "#1D4ED8" }
                  - { kind: rect, box: [0, 600, 1280, 120], color: "#F59E0B" }
                texts:
                  - { value: "{show}", box: [64, 300, 600, 60], font: bold, size: 40, color: "#111111" }
                """);
            using ThumbnailRenderer renderer = new(new ThumbnailAssets(thumbnails, fixture.AvatarsDirectory));

            RenderedThumbnail thumbnail = renderer.Render(RendererFixture.Request("flat", "Plain text on white"));

            Assert.Equal("image/png", thumbnail.ContentType);
            Assert.Equal([0x89, 0x50, 0x4E, 0x47], thumbnail.Bytes[..4]);
            Assert.InRange(thumbnail.Bytes.Length, 1, 200 * 1024);
        }
        finally
        {
            Directory.Delete(thumbnails, recursive: true);
        }
    }
}

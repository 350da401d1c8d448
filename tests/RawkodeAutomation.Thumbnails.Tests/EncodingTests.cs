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
    public void Render_FlatDesign_ChoosesSmallerPng()
    {
        string thumbnails = Directory.CreateTempSubdirectory("rawkode-flat-template-").FullName;
        try
        {
            // A flat white card with black text: PNG beats JPEG by far on pictures like this.
            Directory.CreateSymbolicLink(Path.Combine(thumbnails, "fonts"), Path.Combine(fixture.RepositoryRoot, "thumbnails", "fonts"));
            Directory.CreateDirectory(Path.Combine(thumbnails, "templates"));
            File.WriteAllText(Path.Combine(thumbnails, "templates", "flat.yaml"), """
                background: { color: "#FFFFFF" }
                texts:
                  - { value: "{title}", box: [64, 64, 1152, 400], font: bold, size: 96, minSize: 48, maxLines: 3, color: "#111111" }
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

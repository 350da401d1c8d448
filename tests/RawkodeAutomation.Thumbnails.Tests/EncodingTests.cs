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

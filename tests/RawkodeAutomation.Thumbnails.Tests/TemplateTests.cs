using RawkodeAutomation.Thumbnails.Templates;

namespace RawkodeAutomation.Thumbnails.Tests;

public sealed class TemplateTests(RendererFixture fixture) : IClassFixture<RendererFixture>
{
    [Theory]
    [InlineData("default")]
    [InlineData("klustered")]
    [InlineData("rawkode-live")]
    public void LoadTemplate_CommittedTemplates_AreValid(string name)
    {
        ThumbnailTemplate template = fixture.Renderer.LoadTemplate(name);

        Assert.Equal(name, template.Name);
        Assert.Contains(template.Texts, t => t.Value.Contains("{title}", StringComparison.Ordinal));
        Assert.NotNull(template.Guests);
    }

    [Fact]
    public void Parse_UnknownKey_ErrorWithLineAndColumn()
    {
        const string yaml = "background:\n  color: \"#000000\"\n  colour: \"#FFFFFF\"\n";

        ThumbnailTemplateException error = Assert.Throws<ThumbnailTemplateException>(
            () => ThumbnailTemplateLoader.Parse(yaml, "x", "thumbnails/templates/x.yaml", _ => true));

        Assert.StartsWith("thumbnails/templates/x.yaml:3:3:", error.Message, StringComparison.Ordinal);
        Assert.Contains("colour", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BadValues_AllErrorsNamedByKey()
    {
        const string yaml = """
            background: { color: "blue" }
            texts:
              - { value: "{title}", box: [0, 0, 100], color: "#FFF", align: justify }
            images:
              - { file: assets/nope.png, box: [0, 0, 10, 10] }
            """;

        ThumbnailTemplateException error = Assert.Throws<ThumbnailTemplateException>(
            () => ThumbnailTemplateLoader.Parse(yaml, "x", "thumbnails/templates/x.yaml", _ => false));

        Assert.Contains("background.color: 'blue' is not a colour", error.Message, StringComparison.Ordinal);
        Assert.Contains("texts[0].box: must be [x, y, width, height]", error.Message, StringComparison.Ordinal);
        Assert.Contains("texts[0].align: 'justify' is not one of left, center, right", error.Message, StringComparison.Ordinal);
        Assert.Contains("images[0].file: thumbnails/assets/nope.png does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_AssetOutsideThumbnails_Rejected()
    {
        const string yaml = "images:\n  - { file: ../../etc/passwd, box: [0, 0, 10, 10] }\n";

        ThumbnailTemplateException error = Assert.Throws<ThumbnailTemplateException>(
            () => ThumbnailTemplateLoader.Parse(yaml, "x", "thumbnails/templates/x.yaml", _ => true));

        Assert.Contains("must be a path inside thumbnails/", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("#FFF", 255, 255, 255, 255)]
    [InlineData("#102030", 0x10, 0x20, 0x30, 255)]
    [InlineData("#10203040", 0x10, 0x20, 0x30, 0x40)]
    public void TryParseColor_CssHex_RgbaInCssOrder(string text, byte r, byte g, byte b, byte a)
    {
        Assert.True(TemplateValues.TryParseColor(text, out SkiaSharp.SKColor color));
        Assert.Equal(new SkiaSharp.SKColor(r, g, b, a), color);
    }

    [Fact]
    public void FontsDirectory_EveryFontHasALicenceAndTotalIsSmall()
    {
        string fonts = Path.Combine(fixture.RepositoryRoot, "thumbnails", "fonts");
        string[] files = Directory.GetFiles(fonts, "*.ttf");

        Assert.True(File.Exists(Path.Combine(fonts, "licenses", "OFL-1.1.txt")));
        Assert.True(File.Exists(Path.Combine(fonts, "licenses", "Apache-2.0.txt")));
        string readme = File.ReadAllText(Path.Combine(fonts, "README.md"));
        Assert.All(files, f => Assert.Contains(Path.GetFileName(f), readme, StringComparison.Ordinal));
        Assert.InRange(files.Sum(f => new FileInfo(f).Length), 1, 30L * 1024 * 1024);
    }
}

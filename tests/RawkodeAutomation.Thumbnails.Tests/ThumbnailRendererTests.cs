using RawkodeAutomation.Episodes.Model;
using RawkodeAutomation.Thumbnails.Templates;

namespace RawkodeAutomation.Thumbnails.Tests;

public sealed class ThumbnailRendererTests(RendererFixture fixture) : IClassFixture<RendererFixture>
{
    private static readonly ThumbnailPerson Ada = new ThumbnailPerson("ada", "Ada Lovelace");

    [Fact]
    public void Render_SameRequestTwice_IdenticalBytes()
    {
        ThumbnailRequest request = RendererFixture.Request("klustered", "Determinism matters", Ada);

        RenderedThumbnail first = fixture.Renderer.Render(request);
        RenderedThumbnail second = fixture.Renderer.Render(request);

        Assert.Equal(first.Bytes, second.Bytes);
        Assert.Equal(first.ContentHash, second.ContentHash);
    }

    [Fact]
    public void Render_AnyRequest_ContentHashEqualsComputeHash()
    {
        ThumbnailRequest request = RendererFixture.Request("default", "Hash without rendering", Ada);

        Assert.Equal(fixture.Renderer.ComputeHash(request), fixture.Renderer.Render(request).ContentHash);
    }

    [Fact]
    public void Render_ParallelRenders_SameBytesAsSequential()
    {
        ThumbnailRequest request = RendererFixture.Request("rawkode-live", "Parallel 🚀 مرحبا 山田", Ada, new ThumbnailPerson("omar", "عمر"));
        byte[] expected = fixture.Renderer.Render(request).Bytes;

        byte[][] results = new byte[8][];
        Parallel.For(0, results.Length, i => results[i] = fixture.Renderer.Render(request).Bytes);

        Assert.All(results, bytes => Assert.Equal(expected, bytes));
    }

    [Fact]
    public void ComputeHash_TitleChanged_HashChanges()
    {
        string a = fixture.Renderer.ComputeHash(RendererFixture.Request("default", "Title one", Ada));
        string b = fixture.Renderer.ComputeHash(RendererFixture.Request("default", "Title two", Ada));

        Assert.NotEqual(a, b);
        Assert.Matches("^[0-9a-f]{64}$", a);
    }

    [Fact]
    public void ComputeHash_AvatarFileChanged_HashChanges()
    {
        string avatars = Directory.CreateTempSubdirectory("rawkode-avatars-").FullName;
        try
        {
            File.Copy(Path.Combine(fixture.AvatarsDirectory, "ada.png"), Path.Combine(avatars, "ada.png"));
            using ThumbnailRenderer renderer = new(fixture.Assets with { AvatarsDirectory = avatars });
            ThumbnailRequest request = RendererFixture.Request("default", "Same text", Ada);
            string before = renderer.ComputeHash(request);

            File.Copy(Path.Combine(fixture.AvatarsDirectory, "grace.png"), Path.Combine(avatars, "ada.png"), overwrite: true);
            string after = renderer.ComputeHash(request);
            File.Delete(Path.Combine(avatars, "ada.png"));
            string missing = renderer.ComputeHash(request);

            Assert.NotEqual(before, after);
            Assert.NotEqual(after, missing);
        }
        finally
        {
            Directory.Delete(avatars, recursive: true);
        }
    }

    [Fact]
    public void ComputeHash_DifferentTemplate_HashChanges()
    {
        string a = fixture.Renderer.ComputeHash(RendererFixture.Request("default", "Same", Ada));
        string b = fixture.Renderer.ComputeHash(RendererFixture.Request("klustered", "Same", Ada) with { ShowName = "Cloud Native Clinic" });

        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Render_CorruptAvatar_WarnsAndDoesNotThrow()
    {
        RenderedThumbnail thumbnail = fixture.Renderer.Render(RendererFixture.Request("rawkode-live", "Broken photo", new ThumbnailPerson("broken", "Bruno Broken")));

        string warning = Assert.Single(thumbnail.Warnings);
        Assert.Contains("episodes/people/avatars/broken.png: not a readable", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_ScriptsWithFallbackFonts_NoMissingGlyphWarnings()
    {
        ThumbnailRequest request = RendererFixture.Request(
            "default",
            "Дмитрий Ξένια 山田太郎 مرحبا 🚀👩🏽‍💻",
            new ThumbnailPerson("ada", "عمر الفاروق"),
            new ThumbnailPerson("grace", "李小龙"));

        RenderedThumbnail thumbnail = fixture.Renderer.Render(request);

        Assert.Empty(thumbnail.Warnings);
    }

    [Fact]
    public void Render_BusiestTemplateDesign_StaysUnderTwoMegabytes()
    {
        // Four guests and a long multi-script title: the busiest picture the templates produce.
        ThumbnailRequest request = RendererFixture.Request(
            "klustered",
            GoldenThumbnailTests.HundredCharacterTitle,
            Ada, new ThumbnailPerson("grace", "Grace Hopper"), new ThumbnailPerson("linus", "Linus Torvalds"), new ThumbnailPerson("margaret", "Margaret Hamilton"));

        RenderedThumbnail thumbnail = fixture.Renderer.Render(request);

        Assert.InRange(thumbnail.Bytes.Length, 1, ThumbnailRenderer.MaxBytes);
        Assert.Contains(thumbnail.ContentType, new[] { "image/png", "image/jpeg" });
    }

    [Fact]
    public void Render_UnknownTemplate_ThrowsErrorNamingTheFile()
    {
        ThumbnailTemplateException error = Assert.Throws<ThumbnailTemplateException>(
            () => fixture.Renderer.Render(RendererFixture.Request("no-such-show", "x")));

        Assert.Contains("thumbnails/templates/no-such-show.yaml: no such template", error.Message, StringComparison.Ordinal);
        Assert.Contains("klustered", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_TemplateNameWithPath_Rejected()
    {
        Assert.Throws<ThumbnailTemplateException>(() => fixture.Renderer.Render(RendererFixture.Request("../secrets", "x")));
    }

    [Fact]
    public void FromEpisode_ShowWithTemplate_UsesShowTemplateHostAndGuestNames()
    {
        Show show = new("klustered", "Klustered", "rawkode", "Break things", [], new ShowYouTube(28, null, "klustered"), "klustered", default);
        Dictionary<string, Person> people = new()
        {
            ["rawkode"] = new Person("rawkode", "David Flanagan", null, "rawkode", null, null, default),
            ["gjtempleton"] = new Person("gjtempleton", "Guy Templeton", null, "gjtempleton", null, null, default),
        };
        Episode episode = new(
            "klustered/2021-05-20-guy", "klustered", "2021-05-20-guy", "Klustered #7: Guy Templeton",
            RendererFixture.When, TimeSpan.FromMinutes(90), Visibility.Public, false, ["gjtempleton", "unknown-person"],
            [], "", [], [], null, null, default);

        ThumbnailRequest request = ThumbnailRequest.FromEpisode(episode, show, people);

        Assert.Equal("klustered", request.Template);
        Assert.Equal("Klustered", request.ShowName);
        Assert.Equal("LIVE", request.Badge);
        Assert.Equal(new ThumbnailPerson("rawkode", "David Flanagan", "rawkode"), request.Host);
        Assert.Equal([new ThumbnailPerson("gjtempleton", "Guy Templeton", "gjtempleton"), new ThumbnailPerson("unknown-person", "unknown-person")], request.Guests);
    }

    [Fact]
    public void FromEpisode_ShowWithoutTemplate_UsesDefault()
    {
        Show show = new("clinic", "Clinic", "rawkode", "d", [], new ShowYouTube(28, null, "clinic"), null, default);
        Episode episode = new("clinic/x", "clinic", "x", "T", null, TimeSpan.FromHours(1), Visibility.Public, true, [], [], "", [], [], null, null, default);

        ThumbnailRequest request = ThumbnailRequest.FromEpisode(episode, show, new Dictionary<string, Person>());

        Assert.Equal(ThumbnailRequest.DefaultTemplate, request.Template);
        Assert.Equal("DRAFT", request.Badge);
    }

    [Theory]
    [InlineData("Guy Templeton", "GT")]
    [InlineData("rawkode", "R")]
    [InlineData("Ada Augusta King Lovelace", "AL")]
    [InlineData("山田太郎", "山")]
    [InlineData("عمر الفاروق", "عا")]
    [InlineData("", "?")]
    public void Initials_Name_FirstLettersOfFirstAndLastWord(string name, string expected)
    {
        Assert.Equal(expected, ThumbnailRenderer.Initials(name));
    }
}

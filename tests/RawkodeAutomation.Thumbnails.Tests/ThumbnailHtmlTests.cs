namespace RawkodeAutomation.Thumbnails.Tests;

public sealed class ThumbnailHtmlTests(RendererFixture fixture) : IClassFixture<RendererFixture>
{
    [Fact]
    public void Build_Request_SameTextFontsAndAvatarsAsTheRenderer()
    {
        ThumbnailRequest request = RendererFixture.Request("klustered", "Fish & <chips>", new ThumbnailPerson("ada", "Ada Lovelace"), new ThumbnailPerson("nobody", "No Body"));

        string html = ThumbnailHtml.Build(fixture.Renderer, request);

        Assert.Contains("Fish &amp; &lt;chips&gt;", html, StringComparison.Ordinal); // escaped, never markup
        Assert.Contains("NotoSans-Bold.ttf", html, StringComparison.Ordinal);
        Assert.Contains("NotoColorEmoji.ttf", html, StringComparison.Ordinal);
        Assert.Contains("/Assets/avatars/ada.png", html, StringComparison.Ordinal);
        Assert.Contains(">NB</div>", html, StringComparison.Ordinal); // the monogram for the missing avatar
        Assert.Contains("3 Dec 2026", html, StringComparison.Ordinal);
        Assert.Contains("linear-gradient(160deg", html, StringComparison.Ordinal);
    }
}

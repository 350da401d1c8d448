using RawkodeAutomation.Thumbnails.Text;
using SkiaSharp;

namespace RawkodeAutomation.Thumbnails.Tests;

public sealed class TextLayoutTests(RendererFixture fixture) : IClassFixture<RendererFixture>
{
    private FontFamily Bold => fixture.Renderer.Fonts.Family("bold");

    private TextStyle Style(float size, float min, int maxLines) =>
        new(Bold, size, min, maxLines, 1.1f, SKColors.White, "left", "top");

    [Theory]
    [InlineData("Hello", "NotoSans-Bold.ttf")]
    [InlineData("Дмитрий", "NotoSans-Bold.ttf")]
    [InlineData("Ξένια", "NotoSans-Bold.ttf")]
    [InlineData("عمر", "NotoSansArabic-Bold.ttf")]
    [InlineData("山", "DroidSansFallbackFull.ttf")]
    [InlineData("김", "NanumSquareB.ttf")]
    [InlineData("ש", "NotoSansHebrew-Bold.ttf")]
    [InlineData("न", "NotoSansDevanagari-Bold.ttf")]
    [InlineData("ก", "NotoSansThai-Bold.ttf")]
    [InlineData("ქ", "NotoSansGeorgian-Bold.ttf")]
    [InlineData("🚀", "NotoColorEmoji.ttf")]
    [InlineData("👩🏽‍💻", "NotoColorEmoji.ttf")]
    [InlineData("❤️", "NotoColorEmoji.ttf")]
    public void FontFor_Script_PicksFontThatHasIt(string grapheme, string expectedFile)
    {
        int index = Bold.FontFor(grapheme);

        Assert.Equal(expectedFile, Bold.Fonts[index].FileName);
    }

    [Fact]
    public void Paragraph_ArabicName_IsRightToLeftAndFullyCovered()
    {
        Paragraph paragraph = new("عمر الفاروق", Bold);

        Assert.True(paragraph.BaseRightToLeft);
        Assert.Empty(paragraph.MissingCodePoints);
        Assert.Single(paragraph.ShapeLine(0, paragraph.Count)); // one Arabic run, shaped right to left
    }

    [Theory]
    [InlineData("דוד כהן", true)]
    [InlineData("प्रिया शर्मा", false)]
    [InlineData("สมชาย ใจดี", false)]
    [InlineData("김민준", false)]
    public void Paragraph_NameInOtherScripts_FullyCoveredWithExpectedDirection(string name, bool rightToLeft)
    {
        Paragraph paragraph = new(name, Bold);

        Assert.Empty(paragraph.MissingCodePoints);
        Assert.Equal(rightToLeft, paragraph.BaseRightToLeft);
    }

    [Fact]
    public void ShapeLine_MixedDirections_RunsInVisualOrder()
    {
        // Latin paragraph with an Arabic word in the middle: runs stay Latin, Arabic, Latin from left to right.
        Paragraph paragraph = new("Hello مرحبا World", Bold);

        List<ShapedRun> runs = paragraph.ShapeLine(0, paragraph.Count);

        Assert.False(paragraph.BaseRightToLeft);
        Assert.Equal("NotoSans-Bold.ttf", runs[0].Font.FileName);
        Assert.Equal("NotoSans-Bold.ttf", runs[^1].Font.FileName);
        Assert.Contains(runs[1..^1], r => r.Font.FileName == "NotoSansArabic-Bold.ttf");
    }

    [Fact]
    public void ShapeLine_RightToLeftParagraphWithLatinWord_LatinRunIsNotReversedAway()
    {
        // Arabic paragraph: the first logical run (Arabic) ends up on the right, the Latin word on its left.
        Paragraph paragraph = new("مرحبا Kubernetes", Bold);

        List<ShapedRun> runs = paragraph.ShapeLine(0, paragraph.Count);

        Assert.True(paragraph.BaseRightToLeft);
        Assert.Equal("NotoSans-Bold.ttf", runs[0].Font.FileName);
        Assert.Equal("NotoSansArabic-Bold.ttf", runs[^1].Font.FileName);
    }

    private static string LineText(Paragraph paragraph, (int From, int To) line) =>
        paragraph.Text[paragraph.CharIndex(line.From)..paragraph.CharIndex(line.To)].Trim();

    [Fact]
    public void Fit_GreedyBreakAfterAConnective_BreaksAtTheColonInstead()
    {
        const string title = "Klustered #1: Ada and Chen";
        Paragraph paragraph = new(title, Bold);
        // Just wide enough for "Klustered #1: Ada": greedy breaking leaves "and Chen" on its own (ASCII: graphemes = chars).
        float width = paragraph.Width(0, title.IndexOf(" and", StringComparison.Ordinal), 72) + 4;
        Assert.Equal("Klustered #1: Ada", LineText(paragraph, paragraph.Wrap(72, width)[0]));

        FittedText fitted = TextBlock.Fit(title, Style(72, 72, 3), SKRect.Create(width, 400));

        Assert.Equal(["Klustered #1:", "Ada and Chen"], fitted.Lines.Select(l => LineText(fitted.Paragraph, l)));
    }

    [Fact]
    public void Fit_ThreeLines_NoLineEndsWithAConnective()
    {
        const string title = "Pairing on Cluster API with Ada and Grace for the new control plane";
        Paragraph paragraph = new(title, Bold);
        float width = paragraph.Width(0, title.Length, 60) / 2.6f;

        FittedText fitted = TextBlock.Fit(title, Style(60, 60, 4), SKRect.Create(width, 400));

        Assert.True(fitted.Lines.Count >= 3);
        Assert.All(fitted.Lines.SkipLast(1), l => Assert.DoesNotMatch(@"\b(and|with|for|the|on)$", LineText(fitted.Paragraph, l)));
        Assert.All(fitted.Lines, l => Assert.True(fitted.Paragraph.Width(l.From, l.To, 60) <= width + 0.5f));
        Assert.Equal(title, string.Join(" ", fitted.Lines.Select(l => LineText(fitted.Paragraph, l))));
    }

    [Fact]
    public void Fit_ShortTitle_KeepsPreferredSizeOnOneLine()
    {
        FittedText fitted = TextBlock.Fit("Short", Style(80, 40, 4), SKRect.Create(700, 330));

        Assert.Equal(80, fitted.Size);
        Assert.Single(fitted.Lines);
        Assert.False(fitted.Ellipsized);
    }

    [Fact]
    public void Fit_HundredCharacterTitle_WrapsAndShrinksWithinBox()
    {
        SKRect box = SKRect.Create(700, 330);

        FittedText fitted = TextBlock.Fit(GoldenThumbnailTests.HundredCharacterTitle, Style(80, 40, 4), box);

        Assert.InRange(fitted.Size, 40, 79);
        Assert.InRange(fitted.Lines.Count, 2, 4);
        Assert.All(fitted.Lines, l => Assert.True(fitted.Paragraph.Width(l.From, l.To, fitted.Size) <= box.Width));
        Assert.True(fitted.Lines.Count * fitted.Size * 1.1f <= box.Height + 0.5f);
        Assert.False(fitted.Ellipsized);
    }

    [Fact]
    public void Fit_TooLongAtMinimumSize_EllipsizesWithinMaxLines()
    {
        string text = string.Concat(Enumerable.Repeat("Kubernetes control plane ", 20));
        SKRect box = SKRect.Create(500, 100);

        FittedText fitted = TextBlock.Fit(text, Style(60, 40, 2), box);

        Assert.True(fitted.Ellipsized);
        Assert.Equal(40, fitted.Size);
        Assert.InRange(fitted.Lines.Count, 1, 2);
        Assert.EndsWith("…", fitted.Paragraph.Text, StringComparison.Ordinal);
        Assert.All(fitted.Lines, l => Assert.True(fitted.Paragraph.Width(l.From, l.To, fitted.Size) <= box.Width + 0.5f));
    }

    [Fact]
    public void Wrap_CjkWithoutSpaces_BreaksBetweenIdeographs()
    {
        Paragraph paragraph = new("山田太郎山田太郎山田太郎山田太郎山田太郎", Bold);

        List<(int From, int To)> lines = paragraph.Wrap(40, 200);

        Assert.True(lines.Count > 1);
        Assert.All(lines, l => Assert.True(paragraph.Width(l.From, l.To, 40) <= 200));
        Assert.Equal(paragraph.Count, lines[^1].To);
    }

    [Fact]
    public void Wrap_SingleWordWiderThanBox_BreaksInsideWord()
    {
        Paragraph paragraph = new("Supercalifragilisticexpialidocious", Bold);

        List<(int From, int To)> lines = paragraph.Wrap(60, 300);

        Assert.True(lines.Count > 1);
        Assert.All(lines, l => Assert.True(paragraph.Width(l.From, l.To, 60) <= 300));
    }

    [Fact]
    public void Width_ScalesLinearlyWithSize()
    {
        Paragraph paragraph = new("Klustered", Bold);

        float at20 = paragraph.Width(0, paragraph.Count, 20);
        float at80 = paragraph.Width(0, paragraph.Count, 80);

        Assert.Equal(at20 * 4, at80, 2);
        Assert.True(at20 > 50);
    }
}

using SkiaSharp;

namespace RawkodeAutomation.Thumbnails.Text;

/// <summary>How a text block looks: the resolved form of a template's text style.</summary>
internal sealed record TextStyle(
    FontFamily Family,
    float Size,
    float MinSize,
    int MaxLines,
    float LineHeight,
    SKColor Color,
    string Align,
    string Valign,
    SKColor? ShadowColor = null,
    float ShadowX = 0,
    float ShadowY = 0,
    float ShadowBlur = 0);

/// <summary>Text fitted into a box: the size it ended at, its lines, and whether it had to be cut.</summary>
internal sealed record FittedText(Paragraph Paragraph, float Size, List<(int From, int To)> Lines, bool Ellipsized);

/// <summary>Fits text into a box (wrap, shrink to the minimum size, then ellipsize) and draws it.</summary>
internal static class TextBlock
{
    private const string Ellipsis = "…";

    public static FittedText Fit(string text, TextStyle style, SKRect box)
    {
        Paragraph paragraph = new(text, style.Family);
        // Try sizes from the preferred one down to the minimum in 2 px steps, and the minimum itself last.
        FittedText? firstFit = null;
        for (float size = style.Size; ; size = Math.Max(style.MinSize, size - 2))
        {
            List<(int, int)> lines = paragraph.Wrap(size, box.Width);
            if (lines.Count <= style.MaxLines && (lines.Count * size * style.LineHeight <= box.Height + 0.5f || lines.Count <= 1))
            {
                FittedText fit = new(paragraph, size, paragraph.Balance(lines, size, box.Width, out bool awkward), Ellipsized: false);
                firstFit ??= fit;
                // A line that ends on "and" or "the" reads as a mistake: a size up to 15% smaller that avoids it is better.
                if (!awkward || size <= style.MinSize || size - 2 < firstFit.Size * 0.85f)
                {
                    return awkward ? firstFit : fit;
                }
            }
            else if (firstFit is not null)
            {
                return firstFit;
            }

            if (size <= style.MinSize)
            {
                break;
            }
        }

        if (firstFit is not null)
        {
            return firstFit;
        }

        float min = style.MinSize;
        int maxLines = Math.Max(1, Math.Min(style.MaxLines, (int)Math.Floor((box.Height + 0.5f) / (min * style.LineHeight))));
        // Binary search for the longest prefix (in graphemes) that fits with an ellipsis appended.
        int lo = 0, hi = paragraph.Count;
        FittedText? best = null;
        while (lo <= hi)
        {
            int mid = (lo + hi) / 2;
            string cut = text[..paragraph.CharIndex(mid)].TrimEnd(' ', ',', ';', ':', '-', '–', '—', '·') + Ellipsis;
            Paragraph candidate = new(cut, style.Family);
            List<(int, int)> lines = candidate.Wrap(min, box.Width);
            if (lines.Count <= maxLines && lines.All(l => candidate.Width(l.Item1, l.Item2, min) <= box.Width + 0.5f))
            {
                best = new FittedText(candidate, min, lines, Ellipsized: true);
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return best ?? new FittedText(new Paragraph(Ellipsis, style.Family), min, [(0, 1)], Ellipsized: true);
    }

    public static void Draw(SKCanvas canvas, FittedText fitted, TextStyle style, SKRect box)
    {
        float size = fitted.Size;
        float lineHeight = size * style.LineHeight;
        float blockHeight = fitted.Lines.Count * lineHeight;
        float top = style.Valign switch
        {
            "middle" => box.MidY - (blockHeight / 2),
            "bottom" => box.Bottom - blockHeight,
            _ => box.Top,
        };
        using SKFont metricsFont = new(style.Family.Primary.Typeface, size);
        float capHeight = metricsFont.Metrics.CapHeight > 0 ? metricsFont.Metrics.CapHeight : size * 0.7f;

        using SKPaint paint = new() { Color = style.Color, IsAntialias = true };
        // The shadow is the same glyphs drawn first, offset and blurred through a mask filter: much cheaper than a
        // drop-shadow image filter, which renders the text into a layer and blurs the whole layer.
        using SKPaint? shadowPaint = style.ShadowColor is { } shadow
            ? new SKPaint
            {
                Color = shadow,
                IsAntialias = true,
                MaskFilter = style.ShadowBlur > 0 ? SKMaskFilter.CreateBlur(SKBlurStyle.Normal, style.ShadowBlur / 2) : null,
            }
            : null;

        for (int i = 0; i < fitted.Lines.Count; i++)
        {
            (int from, int to) = fitted.Lines[i];
            using SKTextBlob? blob = Paragraph.BuildBlob(fitted.Paragraph.ShapeLine(from, to), size, out float width);
            if (blob is null)
            {
                continue;
            }

            float x = style.Align switch
            {
                "center" => box.MidX - (width / 2),
                "right" => box.Right - width,
                _ => box.Left,
            };
            // Centre the capitals in the line box: looks balanced for Latin, and CJK/Arabic sit close to it.
            float baseline = top + (i * lineHeight) + (lineHeight / 2) + (capHeight / 2);
            if (shadowPaint is not null)
            {
                canvas.DrawText(blob, x + style.ShadowX, baseline + style.ShadowY, shadowPaint);
            }

            canvas.DrawText(blob, x, baseline, paint);
        }
    }

    /// <summary>Measures a single line at a fixed size (for badges).</summary>
    public static float MeasureLine(string text, FontFamily family, float size)
    {
        Paragraph paragraph = new(text, family);
        return paragraph.Width(0, paragraph.Count, size);
    }
}

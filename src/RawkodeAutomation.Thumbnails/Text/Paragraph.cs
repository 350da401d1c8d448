using System.Globalization;
using SkiaSharp;

namespace RawkodeAutomation.Thumbnails.Text;

/// <summary>A run of glyphs in one font and one direction, positioned in font units from its own origin.</summary>
internal sealed record ShapedRun(LoadedFont Font, ushort[] Glyphs, float[] X, float[] Y, float Advance);

/// <summary>
/// One paragraph of text, itemized into grapheme clusters with a font (per-character fallback across the family)
/// and a bidi level each, and shaped once with HarfBuzz. HarfBuzz is used without hinting, so advances scale
/// linearly with the size: the same shaping measures every candidate size while text is being fitted.
/// </summary>
internal sealed class Paragraph
{
    private readonly int[] _starts;
    private readonly int[] _lengths;
    private readonly int[] _fonts;
    private readonly byte[] _levels;
    private readonly float[] _advance; // per grapheme, in ems
    private readonly bool[] _space;
    private readonly bool[] _cjk;

    public Paragraph(string text, FontFamily family)
    {
        Text = text;
        Family = family;
        List<int> starts = [];
        TextElementEnumerator graphemes = StringInfo.GetTextElementEnumerator(text);
        while (graphemes.MoveNext())
        {
            starts.Add(graphemes.ElementIndex);
        }

        int count = starts.Count;
        _starts = [.. starts];
        _lengths = new int[count];
        _fonts = new int[count];
        _levels = new byte[count];
        _advance = new float[count];
        _space = new bool[count];
        _cjk = new bool[count];
        BidiClass[] classes = new BidiClass[count];
        List<int> missing = [];
        for (int i = 0; i < count; i++)
        {
            _lengths[i] = (i + 1 < count ? _starts[i + 1] : text.Length) - _starts[i];
            ReadOnlySpan<char> g = text.AsSpan(_starts[i], _lengths[i]);
            int cp = TextClassifier.FirstCodePoint(g);
            _fonts[i] = family.FontFor(g);
            if (_fonts[i] < 0)
            {
                missing.Add(cp);
                _fonts[i] = 0; // draws .notdef from the primary font; reported as a warning
            }

            classes[i] = TextClassifier.Classify(cp);
            // Spaces and punctuation stay in the font of the text around them when it has them, so an Arabic
            // name is one run (one shaping context, the Arabic font's own space) rather than three.
            if (classes[i] == BidiClass.Neutral && i > 0 && _fonts[i] != _fonts[i - 1]
                && !family.Fonts[_fonts[i - 1]].IsEmoji && family.Fonts[_fonts[i - 1]].Covers(cp))
            {
                _fonts[i] = _fonts[i - 1];
            }
            _space[i] = TextClassifier.IsSpace(g);
            _cjk[i] = TextClassifier.IsCjk(cp);
        }

        MissingCodePoints = missing;
        ResolveLevels(classes);
        MeasureAdvances();
    }

    public string Text { get; }

    public FontFamily Family { get; }

    public int Count => _starts.Length;

    /// <summary>Code points that no font in the family has (they render as a box).</summary>
    public IReadOnlyList<int> MissingCodePoints { get; }

    public bool BaseRightToLeft { get; private set; }

    /// <summary>Width of graphemes [from, to) at <paramref name="size"/>, excluding trailing spaces.</summary>
    public float Width(int from, int to, float size)
    {
        while (to > from && _space[to - 1])
        {
            to--;
        }

        float sum = 0;
        for (int i = from; i < to; i++)
        {
            sum += _advance[i];
        }

        return sum * size;
    }

    /// <summary>UTF-16 index where grapheme <paramref name="index"/> starts (Text.Length for Count).</summary>
    public int CharIndex(int index) => index < Count ? _starts[index] : Text.Length;

    /// <summary>Greedy line breaking: after spaces, between ideographs, and inside a word only when it alone is too wide.</summary>
    public List<(int From, int To)> Wrap(float size, float maxWidth)
    {
        List<(int, int)> lines = [];
        int lineStart = 0;
        while (lineStart < Count)
        {
            while (lineStart < Count && _space[lineStart])
            {
                lineStart++; // a wrapped line never starts with the space it broke at
            }

            if (lineStart >= Count)
            {
                break;
            }

            int lastBreak = -1; // grapheme index after which we may break
            float width = 0;
            int i = lineStart;
            for (; i < Count; i++)
            {
                width += _advance[i] * size;
                if (width > maxWidth && !_space[i] && i > lineStart)
                {
                    break;
                }

                if (_space[i] || (_cjk[i] && i + 1 < Count && !_space[i + 1]) || (i + 1 < Count && _cjk[i + 1]))
                {
                    lastBreak = i + 1;
                }
            }

            int end = i >= Count ? Count : (lastBreak > lineStart ? lastBreak : i);
            lines.Add((lineStart, end));
            lineStart = end;
        }

        return lines;
    }

    /// <summary>Shapes graphemes [from, to) and returns the runs in visual (left to right) order.</summary>
    public List<ShapedRun> ShapeLine(int from, int to)
    {
        while (to > from && _space[to - 1])
        {
            to--;
        }

        List<(int From, int To)> logical = [];
        for (int i = from; i < to;)
        {
            int j = i + 1;
            while (j < to && _fonts[j] == _fonts[i] && _levels[j] == _levels[i])
            {
                j++;
            }

            logical.Add((i, j));
            i = j;
        }

        // UAX #9 rule L2: from the highest level down to the lowest odd level, reverse every sequence of runs at
        // that level or above. Inside a run, HarfBuzz already returns right-to-left glyphs in visual order.
        int[] order = [.. Enumerable.Range(0, logical.Count)];
        if (logical.Count > 1)
        {
            byte max = logical.Max(r => _levels[r.From]);
            byte minOdd = logical.Select(r => _levels[r.From]).Where(l => l % 2 == 1).DefaultIfEmpty((byte)255).Min();
            for (int level = max; level >= minOdd && level > 0; level--)
            {
                for (int k = 0; k < order.Length;)
                {
                    if (_levels[logical[order[k]].From] < level)
                    {
                        k++;
                        continue;
                    }

                    int end = k;
                    while (end < order.Length && _levels[logical[order[end]].From] >= level)
                    {
                        end++;
                    }

                    Array.Reverse(order, k, end - k);
                    k = end;
                }
            }
        }

        List<ShapedRun> runs = new(order.Length);
        foreach (int index in order)
        {
            (int a, int b) = logical[index];
            runs.Add(Shape(Family.Fonts[_fonts[a]], _starts[a], CharIndex(b) - _starts[a], _levels[a] % 2 == 1));
        }

        return runs;
    }

    private ShapedRun Shape(LoadedFont font, int start, int length, bool rightToLeft)
    {
        using HarfBuzzSharp.Buffer buffer = new();
        // The whole paragraph goes in as context so Arabic joins across font-run boundaries.
        buffer.AddUtf16(Text, start, length);
        buffer.Direction = rightToLeft ? HarfBuzzSharp.Direction.RightToLeft : HarfBuzzSharp.Direction.LeftToRight;
        buffer.GuessSegmentProperties();
        font.Shaping.Shape(buffer);
        HarfBuzzSharp.GlyphInfo[] infos = buffer.GlyphInfos;
        HarfBuzzSharp.GlyphPosition[] positions = buffer.GlyphPositions;
        ushort[] glyphs = new ushort[infos.Length];
        float[] xs = new float[infos.Length];
        float[] ys = new float[infos.Length];
        float pen = 0;
        for (int i = 0; i < infos.Length; i++)
        {
            glyphs[i] = (ushort)infos[i].Codepoint;
            xs[i] = pen + positions[i].XOffset;
            ys[i] = -positions[i].YOffset; // HarfBuzz's y points up, Skia's down
            pen += positions[i].XAdvance;
        }

        return new ShapedRun(font, glyphs, xs, ys, pen);
    }

    private void MeasureAdvances()
    {
        if (Count == 0)
        {
            return;
        }

        int[] graphemeOfChar = new int[Text.Length];
        for (int g = 0; g < Count; g++)
        {
            for (int c = _starts[g]; c < _starts[g] + _lengths[g]; c++)
            {
                graphemeOfChar[c] = g;
            }
        }

        for (int i = 0; i < Count;)
        {
            int j = i + 1;
            while (j < Count && _fonts[j] == _fonts[i] && _levels[j] == _levels[i])
            {
                j++;
            }

            LoadedFont font = Family.Fonts[_fonts[i]];
            using HarfBuzzSharp.Buffer buffer = new();
            buffer.AddUtf16(Text, _starts[i], CharIndex(j) - _starts[i]);
            buffer.Direction = _levels[i] % 2 == 1 ? HarfBuzzSharp.Direction.RightToLeft : HarfBuzzSharp.Direction.LeftToRight;
            buffer.GuessSegmentProperties();
            font.Shaping.Shape(buffer);
            HarfBuzzSharp.GlyphInfo[] infos = buffer.GlyphInfos;
            HarfBuzzSharp.GlyphPosition[] positions = buffer.GlyphPositions;
            float perUnit = 1f / font.UnitsPerEm;
            for (int k = 0; k < infos.Length; k++)
            {
                int cluster = (int)infos[k].Cluster;
                if (cluster >= 0 && cluster < graphemeOfChar.Length)
                {
                    _advance[graphemeOfChar[cluster]] += positions[k].XAdvance * perUnit;
                }
            }

            i = j;
        }
    }

    /// <summary>
    /// Simplified UAX #9: the paragraph direction is that of the first strong character; neutrals between two strong
    /// characters of the same direction take it, other neutrals take the paragraph direction.
    /// </summary>
    private void ResolveLevels(BidiClass[] classes)
    {
        BidiClass first = classes.FirstOrDefault(c => c != BidiClass.Neutral, BidiClass.LeftToRight);
        BaseRightToLeft = first == BidiClass.RightToLeft;
        BidiClass baseClass = BaseRightToLeft ? BidiClass.RightToLeft : BidiClass.LeftToRight;
        BidiClass[] resolved = (BidiClass[])classes.Clone();
        for (int i = 0; i < resolved.Length; i++)
        {
            if (resolved[i] != BidiClass.Neutral)
            {
                continue;
            }

            int j = i;
            while (j < resolved.Length && classes[j] == BidiClass.Neutral)
            {
                j++;
            }

            BidiClass before = i > 0 ? resolved[i - 1] : baseClass;
            BidiClass after = j < resolved.Length ? classes[j] : baseClass;
            BidiClass fill = before == after ? before : baseClass;
            for (int k = i; k < j; k++)
            {
                resolved[k] = fill;
            }

            i = j - 1;
        }

        for (int i = 0; i < resolved.Length; i++)
        {
            _levels[i] = (BaseRightToLeft, resolved[i]) switch
            {
                (false, BidiClass.RightToLeft) => 1,
                (false, _) => 0,
                (true, BidiClass.LeftToRight) => 2,
                (true, _) => 1,
            };
        }
    }

    /// <summary>Builds a text blob for one line at <paramref name="size"/>, with its left edge at x = 0 and baseline at y = 0.</summary>
    public static SKTextBlob? BuildBlob(List<ShapedRun> runs, float size, out float width)
    {
        width = 0;
        if (runs.Count == 0)
        {
            return null;
        }

        using SKTextBlobBuilder builder = new();
        foreach (ShapedRun run in runs)
        {
            float scale = size / run.Font.UnitsPerEm;
            using SKFont font = new(run.Font.Typeface, size)
            {
                // No hinting and subpixel positions: glyphs sit exactly where HarfBuzz put them, at any size.
                Hinting = SKFontHinting.None,
                Subpixel = true,
                LinearMetrics = true,
                Edging = SKFontEdging.Antialias,
            };
            SKPoint[] points = new SKPoint[run.Glyphs.Length];
            for (int i = 0; i < points.Length; i++)
            {
                points[i] = new SKPoint(width + (run.X[i] * scale), run.Y[i] * scale);
            }

            builder.AddPositionedRun(run.Glyphs, font, points);
            width += run.Advance * scale;
        }

        return builder.Build();
    }
}

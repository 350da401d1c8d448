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

    /// <summary>Words a line should not end with (they belong with what follows): "Ada and" / "Chen" reads badly.</summary>
    private static readonly HashSet<string> Connectives = new(StringComparer.OrdinalIgnoreCase)
    {
        "and", "&", "+", "or", "with", "vs", "vs.", "x", "of", "the", "a", "an", "to", "for", "in", "on", "at", "by", "from", "feat.", "ft.",
    };

    /// <summary>
    /// The same number of lines as <paramref name="greedy"/>, with the breaks moved to where they read best: after a
    /// colon or dash ("Klustered #1:" / "Ada and Chen" rather than "Klustered #1: Ada" / "and Chen"), never right
    /// after a connective, no lone last word, and otherwise lines of even length. Keeps the greedy lines when they
    /// break inside a word (nothing to improve) or no other arrangement fits.
    /// </summary>
    public List<(int From, int To)> Balance(List<(int From, int To)> greedy, float size, float maxWidth) =>
        Balance(greedy, size, maxWidth, out _);

    /// <summary>As <see cref="Balance(List{ValueTuple{int, int}}, float, float)"/>; <paramref name="awkward"/> is true when
    /// even the best arrangement ends a line with a connective (a smaller size may avoid it).</summary>
    public List<(int From, int To)> Balance(List<(int From, int To)> greedy, float size, float maxWidth, out bool awkward)
    {
        awkward = false;
        int n = greedy.Count;
        if (n < 2 || n > 6)
        {
            return greedy;
        }

        // Break opportunities: after a space run (the next line starts at the next non-space), or between ideographs.
        List<int> ends = [];
        for (int i = 1; i < Count; i++)
        {
            if ((_space[i - 1] && !_space[i]) || (!_space[i - 1] && !_space[i] && (_cjk[i - 1] || _cjk[i])))
            {
                ends.Add(i);
            }
        }

        foreach ((int from, int to) in greedy.Take(n - 1))
        {
            if (!ends.Contains(SkipSpaces(to)))
            {
                return greedy; // a word was cut to fit: keep it as it is
            }
        }

        ends.Add(Count);
        int m = ends.Count;
        // cost[k, j]: best cost of k+1 lines covering [0, ends[j]).
        double[,] cost = new double[n, m];
        int[,] from_ = new int[n, m];
        for (int k = 0; k < n; k++)
        {
            for (int j = 0; j < m; j++)
            {
                cost[k, j] = double.PositiveInfinity;
                from_[k, j] = -1;
                int stop = ends[j];
                if (k == 0)
                {
                    cost[k, j] = LineCost(0, stop, size, maxWidth, last: j == m - 1);
                    continue;
                }

                for (int i = 0; i < j; i++)
                {
                    if (double.IsPositiveInfinity(cost[k - 1, i]))
                    {
                        continue;
                    }

                    double c = cost[k - 1, i] + LineCost(ends[i], stop, size, maxWidth, last: j == m - 1);
                    if (c < cost[k, j])
                    {
                        cost[k, j] = c;
                        from_[k, j] = i;
                    }
                }
            }
        }

        if (double.IsPositiveInfinity(cost[n - 1, m - 1]))
        {
            return greedy;
        }

        List<(int, int)> lines = [];
        int end = m - 1;
        for (int k = n - 1; k >= 0; k--)
        {
            int start = k == 0 ? 0 : ends[from_[k, end]];
            lines.Add((start, ends[end]));
            end = k == 0 ? end : from_[k, end];
        }

        lines.Reverse();
        awkward = lines.SkipLast(1).Any(l => EndsWithConnective(l.Item1, l.Item2));
        return lines;
    }

    private bool EndsWithConnective(int from, int to)
    {
        string line = Text[CharIndex(from)..CharIndex(to)].Trim();
        return Connectives.Contains(line[(line.LastIndexOf(' ') + 1)..]);
    }

    private int SkipSpaces(int i)
    {
        while (i < Count && _space[i])
        {
            i++;
        }

        return i;
    }

    /// <summary>How badly one line [from, to) reads: its empty space squared, plus penalties for where it breaks.</summary>
    private double LineCost(int from, int to, float size, float maxWidth, bool last)
    {
        float width = Width(from, to, size);
        if (width > maxWidth + 0.5f || from >= to)
        {
            return double.PositiveInfinity;
        }

        double slack = (maxWidth - width) / maxWidth;
        double cost = slack * slack;
        string line = Text[CharIndex(from)..CharIndex(to)].Trim();
        if (last)
        {
            // A lone short last word ("… and" / "Chen") looks like an accident.
            return cost + (line.Contains(' ', StringComparison.Ordinal) || line.Length > 12 ? 0 : 0.35);
        }

        if (EndsWithConnective(from, to))
        {
            cost += 1.0;
        }

        char end = line.Length > 0 ? line[^1] : ' ';
        if (end is ':' or '—' or '–' or '-' or '|' or '·' or '?' or '!' or '.' or ',' or ';')
        {
            cost -= 0.3; // a phrase ends here: the best place for a break
        }

        return cost;
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

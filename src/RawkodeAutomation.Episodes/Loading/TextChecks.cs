using System.Globalization;
using System.Text;

namespace RawkodeAutomation.Episodes.Loading;

/// <summary>Checks on the raw bytes and characters of a file, before and after YAML parsing.</summary>
internal static class TextChecks
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Decodes strict UTF-8. On failure returns null and the 1-based line/column of the first bad byte
    /// (the column counts characters decoded so far on that line, plus one).
    /// </summary>
    public static string? DecodeUtf8(byte[] bytes, out int badLine, out int badColumn, out string problem)
    {
        badLine = 1;
        badColumn = 1;
        problem = "";
        if (bytes.Length >= 2 && ((bytes[0] == 0xFF && bytes[1] == 0xFE) || (bytes[0] == 0xFE && bytes[1] == 0xFF)))
        {
            problem = "the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8";
            return null;
        }

        var start = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
        try
        {
            return StrictUtf8.GetString(bytes, start, bytes.Length - start);
        }
        catch (DecoderFallbackException ex)
        {
            var offset = ex.Index >= 0 ? start + ex.Index : FindFirstInvalid(bytes, start);
            offset = FindFirstInvalid(bytes, start) is var precise && precise >= 0 ? precise : offset;
            var prefix = Encoding.UTF8.GetString(bytes, start, Math.Max(0, offset - start));
            badLine = 1 + prefix.Count(c => c == '\n');
            var lastNewline = prefix.LastIndexOf('\n');
            badColumn = prefix.Length - lastNewline;
            problem = $"the file is not valid UTF-8 (byte 0x{bytes[offset]:X2} at offset {offset}); save it as UTF-8";
            return null;
        }
    }

    private static int FindFirstInvalid(byte[] bytes, int start)
    {
        var i = start;
        while (i < bytes.Length)
        {
            var status = System.Text.Rune.DecodeFromUtf8(bytes.AsSpan(i), out _, out var consumed);
            if (status != System.Buffers.OperationStatus.Done)
            {
                return i;
            }

            i += consumed;
        }

        return -1;
    }

    /// <summary>Reports every tab used for indentation (YAML forbids them; editors hide them).</summary>
    public static bool ReportIndentationTabs(string text, Action<int, int, string> error)
    {
        var found = false;
        var line = 1;
        var atLineStart = true;
        var column = 1;
        foreach (var c in text)
        {
            if (c == '\n')
            {
                line++;
                column = 1;
                atLineStart = true;
                continue;
            }

            if (atLineStart)
            {
                if (c == '\t')
                {
                    error(line, column, "tab character used for indentation; YAML indents with spaces only");
                    found = true;
                    atLineStart = false;
                }
                else if (c != ' ' && c != '-')
                {
                    atLineStart = false;
                }
            }

            column++;
        }

        return found;
    }

    /// <summary>Deepest nesting a file may have; real files nest at most six levels.</summary>
    public const int MaxNesting = 32;

    /// <summary>
    /// Finds nesting far deeper than any real file before the YAML parser sees it: the parser's cost grows
    /// with the square of the depth, so a small file of brackets could otherwise take minutes.
    /// Counts flow brackets outside quotes and comments, block indentation and compact "- - -" items.
    /// </summary>
    public static bool ReportExcessiveNesting(string text, Action<int, int, string> error)
    {
        int line = 1, column = 0, depth = 0, indent = 0, dashes = 0;
        bool inSingle = false, inDouble = false, inComment = false, atLineStart = true;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            column++;
            if (c == '\n')
            {
                line++;
                column = 0;
                inComment = false;
                atLineStart = true;
                indent = 0;
                dashes = 0;
                continue;
            }

            if (inComment)
            {
                continue;
            }

            if (atLineStart)
            {
                if (c == ' ')
                {
                    indent++;
                }
                else if (c == '-' && i + 1 < text.Length && text[i + 1] is ' ')
                {
                    dashes++;
                    indent++;
                }
                else
                {
                    atLineStart = false;
                }

                if (dashes > MaxNesting || indent > MaxNesting * 8)
                {
                    error(line, column, $"this line is nested deeper than {MaxNesting} levels; no episodes file needs that, flatten it");
                    return true;
                }
            }

            if (inDouble)
            {
                if (c == '\\')
                {
                    i++;
                    column++;
                }
                else if (c == '"')
                {
                    inDouble = false;
                }

                continue;
            }

            if (inSingle)
            {
                inSingle = c != '\'';
                continue;
            }

            switch (c)
            {
                case '#' when i == 0 || text[i - 1] is ' ' or '\t' or '\n':
                    inComment = true;
                    break;
                case '"':
                    inDouble = true;
                    break;
                case '\'':
                    inSingle = true;
                    break;
                case '[' or '{':
                    if (++depth > MaxNesting)
                    {
                        error(line, column, $"brackets nest deeper than {MaxNesting} levels here; no episodes file needs that, flatten it");
                        return true;
                    }

                    break;
                case ']' or '}':
                    depth = Math.Max(0, depth - 1);
                    break;
            }
        }

        return false;
    }

    /// <summary>Characters that render as nothing (or reorder text) and so hide a difference from a reviewer.</summary>
    public static bool IsInvisible(Rune r)
    {
        var v = r.Value;
        if (v is 0x00AD or 0x034F or 0x061C or 0x115F or 0x1160 or 0x17B4 or 0x17B5 or 0x180E or 0x3164 or 0xFEFF or 0xFFA0)
        {
            return true;
        }

        if (v is >= 0x200B and <= 0x200F or >= 0x202A and <= 0x202E or >= 0x2060 and <= 0x206F or >= 0xFE00 and <= 0xFE0F
            or >= 0xE0000 and <= 0xE007F)
        {
            return true;
        }

        var category = Rune.GetUnicodeCategory(r);
        return category is UnicodeCategory.Format or UnicodeCategory.Control && v is not ('\n' or '\r' or '\t');
    }

    /// <summary>A few ASCII look-alikes, so the message can say what the character pretends to be.</summary>
    private static readonly Dictionary<int, char> LookAlikes = new()
    {
        [0x0430] = 'a',
        [0x0435] = 'e',
        [0x043E] = 'o',
        [0x0440] = 'p',
        [0x0441] = 'c',
        [0x0445] = 'x',
        [0x0443] = 'y',
        [0x0456] = 'i',
        [0x0458] = 'j',
        [0x04BB] = 'h',
        [0x0501] = 'd',
        [0x051B] = 'q',
        [0x0455] = 's',
        [0x0410] = 'A',
        [0x0412] = 'B',
        [0x0415] = 'E',
        [0x041A] = 'K',
        [0x041C] = 'M',
        [0x041D] = 'H',
        [0x041E] = 'O',
        [0x0420] = 'P',
        [0x0421] = 'C',
        [0x0422] = 'T',
        [0x0425] = 'X',
        [0x03BF] = 'o',
        [0x03B1] = 'a',
        [0x039F] = 'O',
        [0x0391] = 'A',
        [0x0392] = 'B',
        [0x0395] = 'E',
        [0x0397] = 'H',
        [0x0399] = 'I',
        [0x039A] = 'K',
        [0x039C] = 'M',
        [0x039D] = 'N',
        [0x03A1] = 'P',
        [0x03A4] = 'T',
        [0x03A7] = 'X',
        [0x03A5] = 'Y',
        [0x0396] = 'Z',
        [0x2010] = '-',
        [0x2011] = '-',
        [0x2012] = '-',
        [0x2013] = '-',
        [0x2212] = '-',
        [0xFF0E] = '.',
        [0x2024] = '.',
        [0x0131] = 'i',
        [0x2044] = '/',
        [0x2215] = '/',
        [0xFF1A] = ':',
        [0x0261] = 'g',
        [0x01C3] = '!',
        [0x00A0] = ' ',
    };

    /// <summary>Describes a character for a message: <c>U+0430 (looks like 'a')</c>.</summary>
    public static string Describe(Rune r)
    {
        var code = $"U+{r.Value:X4}";
        if (LookAlikes.TryGetValue(r.Value, out var ascii))
        {
            return $"'{r}' {code}, which looks like '{ascii}'";
        }

        return IsInvisible(r) ? $"the invisible character {code}" : $"'{r}' {code}";
    }

    /// <summary>First character index (UTF-16) in <paramref name="value"/> that is not printable ASCII, or -1.</summary>
    public static int FirstNonAscii(string value, out Rune rune) => FirstRune(value, static r => r.Value is < 0x21 or > 0x7E, out rune);

    /// <summary>First invisible character index in <paramref name="value"/>, or -1.</summary>
    public static int FirstInvisible(string value, out Rune rune) => FirstRune(value, IsInvisible, out rune);

    private static int FirstRune(string value, Func<Rune, bool> match, out Rune rune)
    {
        for (var i = 0; i < value.Length;)
        {
            Rune.DecodeFromUtf16(value.AsSpan(i), out rune, out var used);
            if (match(rune))
            {
                return i;
            }

            i += used;
        }

        rune = default;
        return -1;
    }

    /// <summary>Number of user-perceived characters (what YouTube counts toward the title limit).</summary>
    public static int CountCharacters(string value) => new StringInfo(value).LengthInTextElements;

    /// <summary>Levenshtein distance, for "did you mean" suggestions on unknown keys and ids.</summary>
    public static int Distance(string a, string b)
    {
        var beforePrevious = new int[b.Length + 1];
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
                // A swapped pair of letters ("brakes" for "breaks") is one typo, not two.
                if (i > 1 && j > 1 && char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 2])
                    && char.ToLowerInvariant(a[i - 2]) == char.ToLowerInvariant(b[j - 1]))
                {
                    current[j] = Math.Min(current[j], beforePrevious[j - 2] + 1);
                }
            }

            (beforePrevious, previous, current) = (previous, current, beforePrevious);
        }

        return previous[b.Length];
    }

    public static string? Suggest(string value, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var d = Distance(value, candidate);
            if (d < bestDistance || (d == bestDistance && best is not null
                && Math.Abs(candidate.Length - value.Length) < Math.Abs(best.Length - value.Length)))
            {
                bestDistance = d;
                best = candidate;
            }
        }

        return best is not null && bestDistance <= Math.Max(2, value.Length / 3) ? best : null;
    }
}

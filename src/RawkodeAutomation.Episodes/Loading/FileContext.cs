using System.Text;
using RawkodeAutomation.Episodes.Model;

namespace RawkodeAutomation.Episodes.Loading;

/// <summary>One file being loaded: its path, decoded text and the diagnostics found in it.</summary>
internal sealed class FileContext(string path, string text)
{
    private int[]? _lineStarts;

    public string Path { get; } = path;
    public string Text { get; } = text;
    public List<Diagnostic> Diagnostics { get; } = [];
    public bool HasErrors => Diagnostics.Exists(d => d.Severity == DiagnosticSeverity.Error);

    public SourceLocation Location(int line, int column) => new(Path, line, column);
    public SourceLocation Location(YNode node) => new(Path, node.Line, node.Column);

    public void Error(int line, int column, string message) =>
        Diagnostics.Add(new Diagnostic(Location(line, column), message));

    public void Error(YNode node, string message) => Diagnostics.Add(new Diagnostic(Location(node), message));

    public void Warning(YNode node, string message) =>
        Diagnostics.Add(new Diagnostic(Location(node), message, DiagnosticSeverity.Warning));

    /// <summary>
    /// Reports at the exact character of a scalar's value when it can be found in the source (plain and
    /// quoted scalars), otherwise at the scalar itself.
    /// </summary>
    public void ErrorInScalar(YScalar scalar, int valueIndex, string message) =>
        Diagnostics.Add(new Diagnostic(LocateInScalar(scalar, valueIndex), message));

    public SourceLocation LocateInScalar(YScalar scalar, int valueIndex)
    {
        if (valueIndex <= 0 || valueIndex > scalar.Value.Length)
        {
            return Location(scalar);
        }

        // Find the same run of characters in the source, starting at the scalar; escapes or folding make
        // the value differ from the source, in which case the scalar's own position is the best we have.
        var needle = scalar.Value.AsSpan(valueIndex, Math.Min(8, scalar.Value.Length - valueIndex));
        var limit = Math.Min(Text.Length, scalar.Index + scalar.Value.Length * 2 + 16);
        if (scalar.Index >= 0 && scalar.Index < Text.Length)
        {
            var found = Text.AsSpan(scalar.Index, limit - scalar.Index).IndexOf(needle, StringComparison.Ordinal);
            if (found >= 0)
            {
                return LocationOfIndex(scalar.Index + found);
            }
        }

        return Location(scalar);
    }

    public SourceLocation LocationOfIndex(int index)
    {
        _lineStarts ??= ComputeLineStarts(Text);
        var line = Array.BinarySearch(_lineStarts, index);
        if (line < 0)
        {
            line = ~line - 1;
        }

        return new SourceLocation(Path, line + 1, index - _lineStarts[line] + 1);
    }

    private static int[] ComputeLineStarts(string text)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                starts.Add(i + 1);
            }
        }

        return [.. starts];
    }

    /// <summary>Reports invisible or bidi-control characters in every scalar (keys included) of the tree.</summary>
    public void ReportInvisibleCharacters(YNode node, int depth = 0)
    {
        if (depth > 64)
        {
            return;
        }

        switch (node)
        {
            case YScalar s:
                var at = TextChecks.FirstInvisible(s.Value, out var rune);
                if (at >= 0)
                {
                    ErrorInScalar(s, at, $"this value contains {TextChecks.Describe(rune)}; remove it (invisible characters hide differences from reviewers)");
                }

                break;
            case YSequence q:
                foreach (var item in q.Items)
                {
                    ReportInvisibleCharacters(item, depth + 1);
                }

                break;
            case YMapping m:
                foreach (var e in m.Entries)
                {
                    ReportInvisibleCharacters(e.Key, depth + 1);
                    ReportInvisibleCharacters(e.Value, depth + 1);
                }

                break;
        }
    }

    public static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    public static string Bytes(string value) => Encoding.UTF8.GetByteCount(value).ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
}

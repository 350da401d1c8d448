using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace RawkodeAutomation.Episodes.Loading;

/// <summary>
/// A YAML node that remembers where it came from. We build our own tiny tree from YamlDotNet's parser
/// events (instead of deserialising into objects) so that every value keeps its line and column, and so
/// that duplicate keys, aliases and multiple documents are seen rather than silently resolved.
/// </summary>
internal abstract class YNode(int line, int column, int index)
{
    public int Line { get; } = line;
    public int Column { get; } = column;

    /// <summary>Character offset of the node's first character in the decoded file text.</summary>
    public int Index { get; } = index;

    /// <summary>Number of nodes this node stands for once aliases are expanded.</summary>
    public long ExpandedSize { get; set; } = 1;

    public abstract string KindName { get; }
}

internal sealed class YScalar(string value, ScalarStyle style, string? tag, int line, int column, int index)
    : YNode(line, column, index)
{
    public string Value { get; } = value;
    public ScalarStyle Style { get; } = style;
    public string? Tag { get; } = tag;
    public bool IsPlain => Style == ScalarStyle.Plain;

    /// <summary>A plain <c>~</c>, <c>null</c> or empty value: YAML's null.</summary>
    public bool IsNull => IsPlain && Tag is null && Value is "" or "~" or "null" or "Null" or "NULL";

    public override string KindName => IsNull ? "null" : "a text value";
}

internal sealed class YSequence(int line, int column, int index) : YNode(line, column, index)
{
    public List<YNode> Items { get; } = [];
    public override string KindName => "a list";
}

internal sealed class YMapping(int line, int column, int index) : YNode(line, column, index)
{
    public List<KeyValuePair<YScalar, YNode>> Entries { get; } = [];

    /// <summary>Keys seen so far (duplicates included), so duplicate detection stays linear in big files.</summary>
    public Dictionary<string, YScalar> SeenKeys { get; } = new(StringComparer.Ordinal);

    public override string KindName => "a mapping";

    public YNode? Get(string key)
    {
        foreach (var entry in Entries)
        {
            if (entry.Key.Value == key)
            {
                return entry.Value;
            }
        }

        return null;
    }
}

/// <summary>
/// Reads one YAML document into a <see cref="YNode"/> tree, reporting problems (syntax errors, duplicate
/// keys, alias bombs, several documents, non-scalar keys) as diagnostics instead of exceptions.
/// </summary>
internal static class StrictYamlReader
{
    /// <summary>
    /// Limit on the number of nodes a file may expand to through aliases. Our largest real files have a
    /// few hundred nodes; a "billion laughs" file reaches this within a handful of lines.
    /// </summary>
    public const long MaxExpandedNodes = 10_000;

    public static YNode? Read(string text, Action<int, int, string> error)
    {
        var parser = new Parser(new StringReader(text));
        var anchors = new Dictionary<string, YNode>(StringComparer.Ordinal);
        var stack = new Stack<YNode>();
        // For mappings: the key waiting for its value (null when the next node is a key).
        var pendingKeys = new Stack<YScalar?>();
        YNode? root = null;
        var documents = 0;
        long totalSize = 0;

        try
        {
            while (parser.MoveNext())
            {
                var ev = parser.Current!;
                switch (ev)
                {
                    case DocumentStart ds when !ds.IsImplicit || documents > 0:
                        documents++;
                        if (documents > 1)
                        {
                            error(Line(ev.Start), Col(ev.Start),
                                "a file holds exactly one YAML document; remove the second document (after '---')");
                            return root;
                        }

                        break;
                    case DocumentStart:
                        documents++;
                        break;
                    case NodeEvent node when !node.Tag.IsEmpty && !node.Tag.Value.StartsWith("tag:yaml.org,2002:", StringComparison.Ordinal) && node.Tag.Value != "!":
                        error(Line(ev.Start), Col(ev.Start),
                            $"YAML tag '{node.Tag.Value}' is not allowed here; remove it (these files hold plain values only)");
                        return null;
                    case Scalar s:
                        {
                            var tag = s.Tag.IsEmpty ? null : s.Tag.Value;
                            if (!Place(s, new YScalar(s.Value, s.Style, tag, Line(s.Start), Col(s.Start), Index(s.Start))))
                            {
                                return root;
                            }

                            break;
                        }
                    case AnchorAlias alias:
                        {
                            if (!anchors.TryGetValue(alias.Value.Value, out var target))
                            {
                                error(Line(ev.Start), Col(ev.Start), $"alias '*{alias.Value.Value}' refers to an anchor that is not defined before it");
                                return root;
                            }

                            totalSize += target.ExpandedSize;
                            if (totalSize > MaxExpandedNodes)
                            {
                                error(Line(ev.Start), Col(ev.Start),
                                    "aliases expand this file beyond 10,000 values (an alias bomb?); write the values out or remove the nested aliases");
                                return null;
                            }

                            if (!Attach(target, isAlias: true))
                            {
                                return root;
                            }

                            break;
                        }
                    case MappingStart or SequenceStart:
                        {
                            YNode node = ev is MappingStart
                                ? new YMapping(Line(ev.Start), Col(ev.Start), Index(ev.Start))
                                : new YSequence(Line(ev.Start), Col(ev.Start), Index(ev.Start));
                            if (!Place((NodeEvent)ev, node))
                            {
                                return root;
                            }

                            stack.Push(node);
                            pendingKeys.Push(null);
                            break;
                        }
                    case MappingEnd or SequenceEnd:
                        {
                            var done = stack.Pop();
                            pendingKeys.Pop();
                            // Propagate the expanded size so that aliases of this node count in full.
                            long size = 1;
                            if (done is YMapping m)
                            {
                                foreach (var e in m.Entries)
                                {
                                    size += 1 + e.Value.ExpandedSize;
                                }
                            }
                            else if (done is YSequence q)
                            {
                                foreach (var item in q.Items)
                                {
                                    size += item.ExpandedSize;
                                }
                            }

                            done.ExpandedSize = Math.Min(size, MaxExpandedNodes + 1);
                            break;
                        }
                }
            }
        }
        catch (YamlException ex)
        {
            error(Line(ex.Start), Col(ex.Start), DescribeSyntaxError(ex));
            return null;
        }

        return root;

        // A new (not aliased) node: remember it under its anchor, then attach it; false once the tree is abandoned.
        bool Place(NodeEvent source, YNode node)
        {
            if (!source.Anchor.IsEmpty)
            {
                anchors[source.Anchor.Value] = node;
            }

            return Attach(node);
        }

        bool Attach(YNode node, bool isAlias = false)
        {
            if (!isAlias)
            {
                totalSize++;
            }

            if (stack.Count == 0)
            {
                root ??= node;
                return true;
            }

            var parent = stack.Peek();
            if (parent is YSequence seq)
            {
                seq.Items.Add(node);
                return true;
            }

            var map = (YMapping)parent;
            var key = pendingKeys.Pop();
            if (key is null)
            {
                if (node is not YScalar scalarKey)
                {
                    error(node.Line, node.Column, "keys must be plain text, not " + node.KindName);
                    return false;
                }

                if (isAlias)
                {
                    error(node.Line, node.Column, "an alias cannot be used as a key");
                    return false;
                }

                if (map.SeenKeys.TryGetValue(scalarKey.Value, out var existing))
                {
                    error(scalarKey.Line, scalarKey.Column,
                        $"duplicate key '{scalarKey.Value}' (first defined at line {existing.Line}); keep one of them");
                    // Keep going: later errors in the file are still worth reporting.
                    pendingKeys.Push(new YScalar(scalarKey.Value + "\0duplicate", scalarKey.Style, null, scalarKey.Line, scalarKey.Column, scalarKey.Index));
                    return true;
                }

                map.SeenKeys[scalarKey.Value] = scalarKey;

                pendingKeys.Push(scalarKey);
                return true;
            }

            if (!key.Value.EndsWith("\0duplicate", StringComparison.Ordinal))
            {
                map.Entries.Add(new(key, node));
            }

            pendingKeys.Push(null);
            return true;
        }
    }

    private static string DescribeSyntaxError(YamlException ex)
    {
        var message = ex.Message;
        // YamlDotNet prefixes messages with "(Line: 1, Col: 2, Idx: 3) - (Line ...): "; we print our own position.
        var dash = message.IndexOf("): ", StringComparison.Ordinal);
        if (message.StartsWith("(Line", StringComparison.Ordinal) && dash >= 0)
        {
            message = message[(dash + 3)..];
        }

        message = message.Trim().TrimEnd('.');
        if (message.Contains("quoted scalar", StringComparison.Ordinal))
        {
            return "YAML syntax error: " + char.ToLowerInvariant(message[0]) + message[1..] + "; is the quote that opens here closed?";
        }

        return "YAML syntax error: " + char.ToLowerInvariant(message[0]) + message[1..]
            + " (check the indentation, quotes and colons around here)";
    }

    private static int Line(Mark mark) => (int)Math.Max(1, mark.Line);
    private static int Col(Mark mark) => (int)Math.Max(1, mark.Column);
    private static int Index(Mark mark) => (int)mark.Index;
}

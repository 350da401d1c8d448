using System.Text.Json.Nodes;

namespace RawkodeAutomation.Kubernetes.Sandbox;

/// <summary>
/// Label selectors in both forms Kubernetes uses: the query-string syntax (<c>a=b,c!=d,e in (f,g),!h</c>)
/// and the structured <c>matchLabels</c>/<c>matchExpressions</c> form found in specs.
/// See https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors.
/// </summary>
public sealed class LabelSelector
{
    private readonly List<Func<IReadOnlyDictionary<string, string>, bool>> _requirements = [];

    private LabelSelector()
    {
    }

    public static LabelSelector Everything { get; } = new();

    /// <summary>True when the selector has no requirement (selects everything).</summary>
    public bool IsEmpty => _requirements.Count == 0;

    public bool Matches(IReadOnlyDictionary<string, string> labels) => _requirements.All(r => r(labels));

    public bool Matches(JsonNode? obj) => Matches(Labels(obj));

    public static IReadOnlyDictionary<string, string> Labels(JsonNode? obj)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (obj?["metadata"]?["labels"] is JsonObject labels)
        {
            foreach (var (key, value) in labels)
            {
                result[key] = value?.GetValue<string>() ?? "";
            }
        }

        return result;
    }

    /// <summary>Parses the query-string form; throws <see cref="ApiError"/> (400) on bad syntax.</summary>
    public static LabelSelector Parse(string? text)
    {
        var selector = new LabelSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        foreach (var raw in SplitTopLevel(text))
        {
            var part = raw.Trim();
            if (part.Length == 0)
            {
                continue;
            }

            var lower = part;
            int idx;
            if ((idx = IndexOfWord(lower, " notin ")) > 0 || (idx = IndexOfWord(lower, " in ")) > 0)
            {
                var notIn = lower.Contains(" notin ", StringComparison.Ordinal);
                var key = part[..idx].Trim();
                var setText = part[(idx + (notIn ? 7 : 4))..].Trim();
                if (!setText.StartsWith('(') || !setText.EndsWith(')'))
                {
                    throw ApiError.BadRequest($"unable to parse requirement: \"{part}\": expected a parenthesised set");
                }

                var values = setText[1..^1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
                selector._requirements.Add(notIn
                    ? labels => !labels.TryGetValue(key, out var v) || !values.Contains(v)
                    : labels => labels.TryGetValue(key, out var v) && values.Contains(v));
            }
            else if (part.Contains("!=", StringComparison.Ordinal))
            {
                var (key, value) = SplitPair(part, "!=");
                selector._requirements.Add(labels => !labels.TryGetValue(key, out var v) || v != value);
            }
            else if (part.Contains("==", StringComparison.Ordinal))
            {
                var (key, value) = SplitPair(part, "==");
                selector._requirements.Add(labels => labels.TryGetValue(key, out var v) && v == value);
            }
            else if (part.Contains('=', StringComparison.Ordinal))
            {
                var (key, value) = SplitPair(part, "=");
                selector._requirements.Add(labels => labels.TryGetValue(key, out var v) && v == value);
            }
            else if (part.StartsWith('!'))
            {
                var key = part[1..].Trim();
                selector._requirements.Add(labels => !labels.ContainsKey(key));
            }
            else
            {
                selector._requirements.Add(labels => labels.ContainsKey(part));
            }
        }

        return selector;
    }

    /// <summary>
    /// Parses a structured selector. A <c>null</c> node selects nothing when <paramref name="nullSelectsNothing"/>
    /// (a Service without selector), everything otherwise (an empty <c>podSelector: {}</c>).
    /// </summary>
    public static LabelSelector FromSpec(JsonNode? node, bool nullSelectsNothing = false)
    {
        var selector = new LabelSelector();
        if (node is null)
        {
            if (nullSelectsNothing)
            {
                selector._requirements.Add(_ => false);
            }

            return selector;
        }

        if (node is not JsonObject obj)
        {
            return selector;
        }

        // A Service selector is a plain map; a LabelSelector has matchLabels/matchExpressions.
        var isStructured = obj.ContainsKey("matchLabels") || obj.ContainsKey("matchExpressions");
        var matchLabels = isStructured ? obj["matchLabels"] as JsonObject : obj;
        if (matchLabels is not null)
        {
            foreach (var (key, value) in matchLabels)
            {
                var expected = value?.GetValue<string>() ?? "";
                selector._requirements.Add(labels => labels.TryGetValue(key, out var v) && v == expected);
            }
        }

        if (isStructured && obj["matchExpressions"] is JsonArray expressions)
        {
            foreach (var expression in expressions.OfType<JsonObject>())
            {
                var key = expression["key"]?.GetValue<string>() ?? "";
                var op = expression["operator"]?.GetValue<string>() ?? "";
                var values = (expression["values"] as JsonArray)?.Select(v => v?.GetValue<string>() ?? "").ToHashSet(StringComparer.Ordinal) ?? [];
                selector._requirements.Add(op switch
                {
                    "In" => labels => labels.TryGetValue(key, out var v) && values.Contains(v),
                    "NotIn" => labels => !labels.TryGetValue(key, out var v) || !values.Contains(v),
                    "Exists" => labels => labels.ContainsKey(key),
                    "DoesNotExist" => labels => !labels.ContainsKey(key),
                    _ => throw ApiError.BadRequest($"unknown label selector operator \"{op}\" for key \"{key}\""),
                });
            }
        }

        return selector;
    }

    private static int IndexOfWord(string text, string word) => text.IndexOf(word, StringComparison.Ordinal);

    private static (string Key, string Value) SplitPair(string part, string separator)
    {
        var i = part.IndexOf(separator, StringComparison.Ordinal);
        return (part[..i].Trim(), part[(i + separator.Length)..].Trim());
    }

    // Commas inside "in (a,b)" sets do not separate requirements.
    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }

        yield return text[start..];
    }
}

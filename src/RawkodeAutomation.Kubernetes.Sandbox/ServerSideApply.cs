using System.Globalization;
using System.Text.Json.Nodes;

namespace RawkodeAutomation.Kubernetes.Sandbox;

/// <summary>
/// A small server-side apply (<c>application/apply-patch+yaml</c>, https://kubernetes.io/docs/reference/using-api/server-side-apply/):
/// the applied configuration is merged into the live object by the strategic merge rules, each field manager's set of
/// applied fields is kept in <c>metadata.managedFields</c> (FieldsV1), and setting a field another apply manager owns to a
/// different value is a 409 conflict unless <c>force=true</c>, which moves the field to the new manager. A field a
/// manager applied before and leaves out now is removed from the object when no other apply manager owns it (list
/// elements and maps it leaves empty go with it), as the API server does.
/// Not modelled: ownership by non-apply (Update) operations.
/// </summary>
internal static class ServerSideApply
{
    public static JsonObject Apply(ResourceType type, JsonObject? live, JsonObject applied, string manager, bool force)
    {
        var fields = Leaves(applied, "").ToDictionary(l => l.Path, l => l.Value, StringComparer.Ordinal);
        var managed = (live?["metadata"]?["managedFields"] as JsonArray)?.OfType<JsonObject>().Select(e => (JsonObject)e.DeepClone()).ToList() ?? [];
        var liveLeaves = live is null ? new Dictionary<string, JsonNode?>(StringComparer.Ordinal) : Leaves(live, "").ToDictionary(l => l.Path, l => l.Value, StringComparer.Ordinal);
        var conflicts = new List<(string Manager, string Path)>();
        foreach (var entry in managed.Where(e => e["operation"]?.GetValue<string>() == "Apply" && e["manager"]?.GetValue<string>() != manager))
        {
            var owned = Flatten(entry["fieldsV1"] as JsonObject, "");
            foreach (var path in owned.Where(fields.ContainsKey))
            {
                if (!JsonNode.DeepEquals(liveLeaves.GetValueOrDefault(path), fields[path]))
                {
                    conflicts.Add((entry["manager"]!.GetValue<string>(), path));
                }
            }

            if (force)
            {
                entry["fieldsV1"] = Nest(owned.Where(p => !fields.ContainsKey(p)));
            }
        }

        if (conflicts.Count > 0 && !force)
        {
            var list = string.Join("\n", conflicts.Select(c => $"- conflict with \"{c.Manager}\" using {type.ApiVersion}: .{c.Path}"));
            throw new ApiError(409, "Conflict", conflicts.Count == 1
                ? $"Apply failed with 1 conflict: conflict with \"{conflicts[0].Manager}\" using {type.ApiVersion}: .{conflicts[0].Path}"
                : $"Apply failed with {conflicts.Count.ToString(CultureInfo.InvariantCulture)} conflicts: {list}", type.Kind, applied["metadata"]?["name"]?.GetValue<string>(), type.Group);
        }

        var merged = live is null ? (JsonObject)applied.DeepClone() : (JsonObject)Patching.MergePatch(live, applied, strategic: true)!;

        // What this manager applied before and leaves out now goes, unless another manager still owns it.
        var before = managed.Where(e => e["manager"]?.GetValue<string>() == manager && e["operation"]?.GetValue<string>() == "Apply")
            .SelectMany(e => Flatten(e["fieldsV1"] as JsonObject, "")).ToHashSet(StringComparer.Ordinal);
        var others = managed.Where(e => e["manager"]?.GetValue<string>() != manager)
            .SelectMany(e => Flatten(e["fieldsV1"] as JsonObject, "")).ToHashSet(StringComparer.Ordinal);
        var kept = fields.Keys.Concat(others).ToList();
        bool Holds(string prefix) => kept.Any(k => k == prefix || k.StartsWith(prefix + ".", StringComparison.Ordinal) || k.StartsWith(prefix + "[", StringComparison.Ordinal));
        var gone = before.Where(p => !fields.ContainsKey(p) && !others.Contains(p) && !Holds(p)).ToList();

        // A list element nobody owns anything in any more goes whole, with the fields the server defaulted in it.
        var elements = gone.SelectMany(ElementPaths).Distinct(StringComparer.Ordinal).Where(e => !Holds(e)).OrderBy(e => e.Length).ToList();
        var removed = new List<string>();
        foreach (var element in elements.Where(e => !removed.Any(r => e.StartsWith(r, StringComparison.Ordinal))))
        {
            Remove(merged, [.. Segments(element)]);
            removed.Add(element);
        }

        // Merge keys last: an element is found by its key until everything else in it is gone.
        foreach (var path in gone.Where(p => !removed.Any(r => p.StartsWith(r, StringComparison.Ordinal))).OrderBy(p => IsMergeKey(p) ? 1 : 0).ThenByDescending(p => p.Length))
        {
            Remove(merged, [.. Segments(path)]);
        }

        managed.RemoveAll(e => e["manager"]?.GetValue<string>() == manager && e["operation"]?.GetValue<string>() == "Apply");
        managed.RemoveAll(e => e["fieldsV1"] is JsonObject { Count: 0 });
        managed.Add(new JsonObject
        {
            ["manager"] = manager,
            ["operation"] = "Apply",
            ["apiVersion"] = type.ApiVersion,
            ["time"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["fieldsType"] = "FieldsV1",
            ["fieldsV1"] = Nest(fields.Keys),
        });
        merged["metadata"] ??= new JsonObject();
        merged["metadata"]!["managedFields"] = new JsonArray([.. managed]);
        return merged;
    }

    // "a.b[name=x].c[port=1].d" -> "a.b[name=x]", "a.b[name=x].c[port=1]".
    private static IEnumerable<string> ElementPaths(string path)
    {
        var at = new System.Text.StringBuilder();
        foreach (var segment in Segments(path))
        {
            at.Append(segment.StartsWith('[') || at.Length == 0 ? segment : "." + segment);
            if (segment.StartsWith('['))
            {
                yield return at.ToString();
            }
        }
    }

    private static bool IsMergeKey(string path)
    {
        var segments = Segments(path).ToList();
        return segments.Count >= 2 && segments[^2] is ['[', ..] keyed && keyed[1..keyed.IndexOf('=')] == segments[^1];
    }

    /// <summary>
    /// Removes the field at <paramref name="segments"/> (a <c>[key=value]</c> segment picks a list element by its merge
    /// key), then every map or list element that removal left empty (an element left with only its key is empty),
    /// up to but not including the top-level sections.
    /// </summary>
    private static void Remove(JsonObject root, string[] segments)
    {
        var trail = new List<(JsonNode Parent, JsonNode Node, string Segment)>();
        JsonNode current = root;
        foreach (var segment in segments)
        {
            JsonNode? next = null;
            if (segment.StartsWith('[') && current is JsonArray array)
            {
                var key = segment[1..segment.IndexOf('=')];
                var value = segment[(segment.IndexOf('=') + 1)..^1];
                next = array.OfType<JsonObject>().FirstOrDefault(e => e[key]?.ToString() == value);
            }
            else if (current is JsonObject obj)
            {
                next = obj[segment];
            }

            if (next is null)
            {
                return;
            }

            trail.Add((current, next, segment));
            current = next;
        }

        for (var i = trail.Count - 1; i >= 0; i--)
        {
            var (parent, node, segment) = trail[i];
            if (i < trail.Count - 1)
            {
                var empty = node is JsonObject { Count: 0 } or JsonArray { Count: 0 }
                    || (segment.StartsWith('[') && node is JsonObject { Count: 1 } element && element.ContainsKey(segment[1..segment.IndexOf('=')]));
                if (i == 0 || !empty)
                {
                    // Top-level sections stay, and so does anything still holding other fields.
                    return;
                }
            }
            else if (i > 0 && trail[i - 1].Segment is ['[', ..] keyed && keyed[1..keyed.IndexOf('=')] == segment && parent is JsonObject { Count: > 1 })
            {
                // An element's merge key goes last, with the element, once nothing else is left in it.
                return;
            }

            if (parent is JsonObject o)
            {
                o.Remove(segment);
            }
            else if (parent is JsonArray a)
            {
                a.Remove(node);
            }
        }
    }

    // Leaf fields of an object as dotted paths; list elements with a merge key become [key=value] segments.
    private static IEnumerable<(string Path, JsonNode? Value)> Leaves(JsonNode? node, string path)
    {
        if (node is JsonObject o)
        {
            foreach (var (key, value) in o)
            {
                if (path.Length == 0 && key is "apiVersion" or "kind" or "status")
                {
                    continue;
                }

                if (path == "metadata" && key is not ("labels" or "annotations"))
                {
                    continue;
                }

                var at = path.Length == 0 ? key : $"{path}.{key}";
                if (value is JsonArray array && Patching.MergeKey(key, array) is { Length: > 0 } mergeKey && array.All(e => e is JsonObject))
                {
                    foreach (var element in array.OfType<JsonObject>())
                    {
                        foreach (var leaf in Leaves(element, $"{at}[{mergeKey}={element[mergeKey]}]"))
                        {
                            yield return leaf;
                        }
                    }
                }
                else if (value is JsonObject { Count: > 0 })
                {
                    foreach (var leaf in Leaves(value, at))
                    {
                        yield return leaf;
                    }
                }
                else
                {
                    yield return (at, value);
                }
            }
        }
    }

    // FieldsV1 in upstream's shape: {"f:spec":{"f:replicas":{}}}, list elements as "k:{...}".
    private static JsonObject Nest(IEnumerable<string> paths)
    {
        var root = new JsonObject();
        foreach (var path in paths)
        {
            var node = root;
            foreach (var segment in Segments(path))
            {
                var key = segment.StartsWith('[') ? "k:" + new JsonObject { [segment[1..segment.IndexOf('=')]] = segment[(segment.IndexOf('=') + 1)..^1] }.ToJsonString() : "f:" + segment;
                node = node[key] as JsonObject ?? (JsonObject)(node[key] = new JsonObject());
            }
        }

        return root;
    }

    private static List<string> Flatten(JsonObject? fields, string path)
    {
        var result = new List<string>();
        foreach (var (key, value) in fields ?? [])
        {
            var segment = key.StartsWith("f:", StringComparison.Ordinal)
                ? (path.Length == 0 ? key[2..] : $".{key[2..]}")
                : key.StartsWith("k:", StringComparison.Ordinal) && JsonNode.Parse(key[2..]) is JsonObject k && k.Count == 1
                    ? $"[{k.First().Key}={k.First().Value}]"
                    : null;
            if (segment is null)
            {
                continue;
            }

            var at = path + segment;
            if (value is JsonObject { Count: > 0 } children)
            {
                result.AddRange(Flatten(children, at));
            }
            else
            {
                result.Add(at);
            }
        }

        return result;
    }

    private static IEnumerable<string> Segments(string path)
    {
        var current = new System.Text.StringBuilder();
        var depth = 0;
        foreach (var c in path)
        {
            if (c == '[' && depth++ == 0 && current.Length > 0)
            {
                yield return current.ToString();
                current.Clear();
            }

            if (c == '.' && depth == 0)
            {
                if (current.Length > 0)
                {
                    yield return current.ToString();
                }

                current.Clear();
                continue;
            }

            current.Append(c);
            if (c == ']' && --depth == 0)
            {
                yield return current.ToString();
                current.Clear();
            }
        }

        if (current.Length > 0)
        {
            yield return current.ToString();
        }
    }
}

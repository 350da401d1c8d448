using System.Globalization;
using System.Text.Json.Nodes;

namespace RawkodeAutomation.Kubernetes.Sandbox;

/// <summary>
/// The three patch flavours <c>kubectl</c> and KubernetesClient send: JSON merge patch (RFC 7386), JSON patch
/// (RFC 6902) and strategic merge patch, which follows the patch strategies upstream declares on the built-in types:
/// lists with a <c>patchMergeKey</c> (containers, ports, env, volumes, conditions...) merge by that key, primitive
/// lists with strategy <c>merge</c> (finalizers) merge as sets, and every other list (taints, tolerations, args,
/// NetworkPolicy rules) is replaced whole. The <c>$patch</c>, <c>$retainKeys</c>, <c>$setElementOrder</c> and
/// <c>$deleteFromPrimitiveList</c> directives are honoured.
/// See https://github.com/kubernetes/community/blob/master/contributors/devel/sig-api-machinery/strategic-merge-patch.md.
/// </summary>
public static class Patching
{
    public static JsonNode Apply(JsonNode target, string contentType, JsonNode patch)
    {
        var mediaType = contentType.Split(';')[0].Trim().ToLowerInvariant();
        return mediaType switch
        {
            "application/merge-patch+json" => MergePatch(target, patch, strategic: false)!,
            "application/strategic-merge-patch+json" => MergePatch(target, patch, strategic: true)!,
            "application/json-patch+json" => JsonPatch(target, patch),
            _ => throw new ApiError(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got \"{contentType}\")"),
        };
    }

    /// <summary>
    /// The merge key of list field <paramref name="field"/> under strategic merge patch ("" for a set of primitives),
    /// or null when upstream declares no merge strategy (the list is replaced).
    /// </summary>
    public static string? MergeKey(string field, JsonArray? sample)
    {
        switch (field)
        {
            case "containers" or "initContainers" or "ephemeralContainers" or "volumes" or "env" or "imagePullSecrets" or "webhooks" or "secrets" or "resourceClaims":
                return "name";
            case "ports":
                // Container ports merge by containerPort, Service ports by port.
                return sample?.OfType<JsonObject>().Any(p => p.ContainsKey("containerPort")) == true ? "containerPort" : "port";
            case "volumeMounts":
                return "mountPath";
            case "volumeDevices":
                return "devicePath";
            case "hostAliases":
                return "ip";
            case "conditions" or "addresses":
                return "type";
            case "ownerReferences":
                return "uid";
            case "topologySpreadConstraints":
                return "topologyKey";
            case "finalizers" or "podCIDRs":
                return "";
            default:
                return null;
        }
    }

    public static JsonNode? MergePatch(JsonNode? target, JsonNode? patch, bool strategic)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        if (strategic && patchObject["$patch"]?.GetValue<string>() is { } directive)
        {
            switch (directive)
            {
                case "replace":
                    var replacement = (JsonObject)patchObject.DeepClone();
                    replacement.Remove("$patch");
                    return replacement;
                case "delete":
                    return null;
            }
        }

        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (strategic && key.StartsWith('$'))
            {
                if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal) && result[key["$deleteFromPrimitiveList/".Length..]] is JsonArray primitives && value is JsonArray remove)
                {
                    foreach (var gone in remove)
                    {
                        foreach (var match in primitives.Where(p => JsonNode.DeepEquals(p, gone)).ToList())
                        {
                            primitives.Remove(match);
                        }
                    }
                }

                continue;
            }

            if (value is null)
            {
                result.Remove(key);
            }
            else if (strategic && value is JsonArray patchArray)
            {
                var targetArray = result[key] as JsonArray;
                var mergeKey = MergeKey(key, targetArray is null ? patchArray : new JsonArray([.. targetArray.Concat(patchArray).Select(e => e?.DeepClone())]));
                var replaceAll = patchArray.OfType<JsonObject>().Any(e => e["$patch"]?.GetValue<string>() == "replace");
                result[key] = mergeKey is null || replaceAll
                    ? new JsonArray([.. patchArray.Where(e => !(e is JsonObject o && o.ContainsKey("$patch"))).Select(e => StripDirectives(e))])
                    : mergeKey.Length == 0 ? MergeSet(targetArray, patchArray) : MergeList(targetArray ?? [], patchArray, mergeKey);
                if (patchObject[$"$setElementOrder/{key}"] is JsonArray order && result[key] is JsonArray merged)
                {
                    result[key] = Reorder(merged, order, mergeKey);
                }
            }
            else
            {
                var merged = MergePatch(result[key], value, strategic);
                if (merged is null)
                {
                    result.Remove(key);
                }
                else
                {
                    result[key] = merged;
                }
            }
        }

        if (strategic && patchObject["$retainKeys"] is JsonArray retain)
        {
            var keep = retain.Select(k => k?.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
            foreach (var key in result.Select(kv => kv.Key).Where(k => !keep.Contains(k)).ToList())
            {
                result.Remove(key);
            }
        }

        return result;
    }

    private static JsonNode? StripDirectives(JsonNode? node) => MergePatch(null, node, strategic: true) ?? node?.DeepClone();

    private static JsonArray MergeSet(JsonArray? target, JsonArray patch)
    {
        var result = new JsonArray([.. (target ?? []).Select(e => e?.DeepClone())]);
        foreach (var element in patch.Where(e => !result.Any(r => JsonNode.DeepEquals(r, e))))
        {
            result.Add(element?.DeepClone());
        }

        return result;
    }

    private static JsonArray MergeList(JsonArray target, JsonArray patch, string mergeKey)
    {
        var result = new JsonArray([.. target.Select(e => e?.DeepClone())]);
        foreach (var element in patch.OfType<JsonObject>())
        {
            var keyValue = element[mergeKey]?.ToJsonString();
            var existing = result.OfType<JsonObject>().FirstOrDefault(e => e[mergeKey]?.ToJsonString() == keyValue);
            if (element["$patch"]?.GetValue<string>() == "delete")
            {
                if (existing is not null)
                {
                    result.Remove(existing);
                }
            }
            else if (existing is not null)
            {
                var index = result.IndexOf(existing);
                result[index] = MergePatch(existing, element, strategic: true);
            }
            else
            {
                result.Add(StripDirectives(element));
            }
        }

        return result;
    }

    private static JsonArray Reorder(JsonArray merged, JsonArray order, string? mergeKey)
    {
        string Key(JsonNode? e) => mergeKey is { Length: > 0 } ? e?[mergeKey]?.ToJsonString() ?? "" : e?.ToJsonString() ?? "";
        var wanted = order.Select(Key).ToList();
        var sorted = merged.Select(e => e?.DeepClone())
            .OrderBy(e => wanted.IndexOf(Key(e)) is var i && i < 0 ? int.MaxValue : i)
            .ToArray();
        return new JsonArray(sorted);
    }

    public static JsonNode JsonPatch(JsonNode target, JsonNode patch)
    {
        if (patch is not JsonArray operations)
        {
            throw ApiError.BadRequest("a JSON patch must be an array of operations");
        }

        var document = target.DeepClone();
        foreach (var operation in operations.OfType<JsonObject>())
        {
            var op = operation["op"]?.GetValue<string>() ?? throw ApiError.BadRequest("JSON patch operation without \"op\"");
            var path = operation["path"]?.GetValue<string>() ?? throw ApiError.BadRequest($"JSON patch \"{op}\" without \"path\"");
            switch (op)
            {
                case "add":
                    document = Add(document, path, operation["value"]?.DeepClone());
                    break;
                case "remove":
                    document = Remove(document, path, out _);
                    break;
                case "replace":
                    document = Remove(document, path, out _);
                    document = Add(document, path, operation["value"]?.DeepClone());
                    break;
                case "move":
                    {
                        var from = operation["from"]?.GetValue<string>() ?? throw ApiError.BadRequest("JSON patch \"move\" without \"from\"");
                        document = Remove(document, from, out var moved);
                        document = Add(document, path, moved);
                        break;
                    }

                case "copy":
                    {
                        var from = operation["from"]?.GetValue<string>() ?? throw ApiError.BadRequest("JSON patch \"copy\" without \"from\"");
                        document = Add(document, path, Get(document, from)?.DeepClone());
                        break;
                    }

                case "test":
                    if (!JsonNode.DeepEquals(Get(document, path), operation["value"]))
                    {
                        throw new ApiError(422, "Invalid", $"the JSON patch test operation failed at \"{path}\"");
                    }

                    break;
                default:
                    throw ApiError.BadRequest($"unknown JSON patch operation \"{op}\"");
            }
        }

        return document;
    }

    private static string[] Tokens(string path)
    {
        if (path.Length == 0)
        {
            return [];
        }

        if (!path.StartsWith('/'))
        {
            throw ApiError.BadRequest($"JSON pointer \"{path}\" must start with '/'");
        }

        return path[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
    }

    public static JsonNode? Get(JsonNode? document, string path)
    {
        var node = document;
        foreach (var token in Tokens(path))
        {
            node = node switch
            {
                JsonObject o => o[token],
                JsonArray a when int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
                _ => null,
            };
        }

        return node;
    }

    private static JsonNode Add(JsonNode document, string path, JsonNode? value)
    {
        var tokens = Tokens(path);
        if (tokens.Length == 0)
        {
            return value ?? throw ApiError.BadRequest("cannot replace the whole document with null");
        }

        var parent = Get(document, "/" + string.Join('/', tokens[..^1].Select(Escape))) ?? throw new ApiError(422, "Invalid", $"JSON patch: the parent of \"{path}\" does not exist");
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i <= a.Count:
                a.Insert(i, value);
                break;
            default:
                throw new ApiError(422, "Invalid", $"JSON patch: cannot add at \"{path}\"");
        }

        return document;
    }

    private static JsonNode Remove(JsonNode document, string path, out JsonNode? removed)
    {
        var tokens = Tokens(path);
        var parent = Get(document, "/" + string.Join('/', tokens[..^1].Select(Escape)));
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(last):
                removed = o[last];
                o.Remove(last);
                break;
            case JsonArray a when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count:
                removed = a[i];
                a.RemoveAt(i);
                break;
            default:
                throw new ApiError(422, "Invalid", $"JSON patch: \"{path}\" does not exist");
        }

        removed = removed?.DeepClone();
        return document;
    }

    private static string Escape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}

/// <summary>Kubernetes resource quantities (<c>128Mi</c>, <c>1Gi</c>, <c>500m</c>, <c>2</c>) as plain numbers.</summary>
public static class Quantity
{
    public static decimal Parse(string text)
    {
        var suffixes = new (string Suffix, decimal Factor)[]
        {
            ("Ki", 1024m), ("Mi", 1024m * 1024), ("Gi", 1024m * 1024 * 1024), ("Ti", 1024m * 1024 * 1024 * 1024),
            ("k", 1e3m), ("M", 1e6m), ("G", 1e9m), ("T", 1e12m), ("m", 0.001m),
        };
        foreach (var (suffix, factor) in suffixes)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal) && decimal.TryParse(text[..^suffix.Length], NumberStyles.Number, CultureInfo.InvariantCulture, out var n))
            {
                return n * factor;
            }
        }

        return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var plain)
            ? plain
            : throw ApiError.BadRequest($"quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (got \"{text}\")");
    }

    public static decimal? Read(JsonNode? node) => node is null ? null : Parse(node.ToString());
}

using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using k8s.Models;

namespace RawkodeAutomation.Kubernetes.Sandbox;

/// <summary>
/// <c>/openapi/v2</c> and <c>/openapi/v3</c>, generated from the model types of KubernetesClient (<c>k8s.Models</c>, the types
/// the project already uses) and their XML documentation: schemas with descriptions for <c>kubectl explain</c>, and paths
/// whose PATCH operations carry <c>x-kubernetes-group-version-kind</c> and the <c>fieldValidation</c> parameter, which is
/// how kubectl decides the server validates (so <c>create -f</c>, <c>apply</c> and <c>edit</c> work with default validation).
/// Custom resources use their CRD's <c>openAPIV3Schema</c>; kinds without a model preserve unknown fields.
/// See https://kubernetes.io/docs/concepts/overview/kubernetes-api/#openapi-interface-definition.
/// </summary>
internal static partial class OpenApi
{
    private static readonly Lazy<Dictionary<string, string>> Docs = new(LoadDocs);

    private static readonly Lazy<Dictionary<(string Group, string Version, string Kind), Type>> Models = new(() =>
        typeof(V1Pod).Assembly.GetTypes()
            .Select(t => (Type: t, Entity: t.GetCustomAttribute<KubernetesEntityAttribute>()))
            .Where(x => x.Entity is not null && x.Type.Namespace == "k8s.Models" && !x.Type.Name.EndsWith("List", StringComparison.Ordinal))
            .GroupBy(x => (x.Entity!.Group ?? "", x.Entity.ApiVersion ?? "", x.Entity.Kind ?? ""))
            .ToDictionary(g => g.Key, g => g.First().Type));

    /// <summary>The model type of a served kind, if KubernetesClient has one.</summary>
    public static Type? ModelFor(ResourceType type) => Models.Value.GetValueOrDefault((type.Group, type.Version, type.Kind));

    /// <summary>The OpenAPI v3 discovery document: one entry per group-version.</summary>
    public static JsonObject V3Root(ResourceCatalog catalog)
    {
        var paths = new JsonObject();
        foreach (var gv in catalog.All.GroupBy(t => (t.Group, t.Version)))
        {
            var path = gv.Key.Group.Length == 0 ? $"api/{gv.Key.Version}" : $"apis/{gv.Key.Group}/{gv.Key.Version}";
            var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join(",", gv.Select(t => t.Plural)))))[..16];
            paths[path] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{path}?hash={hash}" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    /// <summary>The OpenAPI v3 document of one group-version.</summary>
    public static JsonObject V3(ResourceCatalog catalog, ObjectStore store, string group, string version)
    {
        var types = catalog.All.Where(t => t.Group == group && t.Version == version).ToList();
        if (types.Count == 0)
        {
            throw new ApiError(404, "NotFound", "the server could not find the requested resource");
        }

        var schemas = new JsonObject();
        var paths = new JsonObject();
        foreach (var type in types.Where(t => !t.Virtual))
        {
            var name = SchemaFor(type, store, schemas, "#/components/schemas/", v3: true);
            AddPaths(paths, type, $"#/components/schemas/{name}", v3: true);
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.31.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }

    /// <summary>The OpenAPI v2 (Swagger) document of the whole cluster.</summary>
    public static JsonObject V2(ResourceCatalog catalog, ObjectStore store)
    {
        var definitions = new JsonObject();
        var paths = new JsonObject();
        foreach (var type in catalog.All.Where(t => !t.Virtual))
        {
            var name = SchemaFor(type, store, definitions, "#/definitions/", v3: false);
            AddPaths(paths, type, $"#/definitions/{name}", v3: false);
        }

        return new JsonObject
        {
            ["swagger"] = "2.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.31.0" },
            ["paths"] = paths,
            ["definitions"] = definitions,
        };
    }

    /// <summary>
    /// The fields of <paramref name="obj"/> that the schema of its kind does not know (for <c>fieldValidation=Strict</c>),
    /// as dotted paths; empty when the kind preserves unknown fields.
    /// </summary>
    public static List<string> UnknownFields(ResourceType type, JsonObject obj)
    {
        var unknown = new List<string>();
        if (ModelFor(type) is { } model)
        {
            Walk(model, obj, "", unknown);
        }

        return unknown;
    }

    private static void Walk(Type model, JsonNode? node, string path, List<string> unknown)
    {
        model = Nullable.GetUnderlyingType(model) ?? model;
        if (node is JsonObject o && IsModel(model))
        {
            var properties = Properties(model).ToDictionary(p => p.Name, p => p.Property.PropertyType, StringComparer.Ordinal);
            foreach (var (key, value) in o)
            {
                var at = path.Length == 0 ? key : $"{path}.{key}";
                if (path.Length == 0 && key is "apiVersion" or "kind" or "status")
                {
                    continue;
                }

                if (!properties.TryGetValue(key, out var propertyType))
                {
                    unknown.Add(at);
                    continue;
                }

                Walk(propertyType, value, at, unknown);
            }
        }
        else if (node is JsonArray array && ElementType(model) is { } element)
        {
            for (var i = 0; i < array.Count; i++)
            {
                Walk(element, array[i], $"{path}[{i}]", unknown);
            }
        }
        else if (node is JsonObject map && DictionaryValueType(model) is { } valueType)
        {
            foreach (var (key, value) in map)
            {
                Walk(valueType, value, $"{path}.{key}", unknown);
            }
        }
    }

    /// <summary>
    /// The first value of <paramref name="obj"/> (in document order) that its kind's model cannot hold, worded as the API
    /// server's decoder (Go's <c>encoding/json</c>) words it: <c>json: cannot unmarshal bool into Go struct field
    /// ObjectMeta.spec.template.metadata.labels of type string</c>. Null when every value fits or the kind has no model.
    /// </summary>
    public static string? TypeError(ResourceType type, JsonObject obj) =>
        ModelFor(type) is { } model ? Decode(model, obj, "", GoName(model)) : null;

    // Go reports the innermost struct and the path of struct fields from the root (no indexes, no map keys).
    private static string? Decode(Type model, JsonNode? node, string path, string owner)
    {
        if (node is null)
        {
            // null decodes into anything as its zero value.
            return null;
        }

        model = Nullable.GetUnderlyingType(model) ?? model;
        var kind = node.GetValueKind();
        string Mismatch() =>
            $"json: cannot unmarshal {JsonKindName(node)} into Go struct field {owner}.{path} of type {GoTypeName(model)}";

        if (model == typeof(string) || model == typeof(DateTime) || model == typeof(DateTimeOffset) || model == typeof(byte[]))
        {
            return kind == JsonValueKind.String ? null : Mismatch();
        }

        if (model == typeof(bool))
        {
            return kind is JsonValueKind.True or JsonValueKind.False ? null : Mismatch();
        }

        if (model == typeof(int) || model == typeof(short) || model == typeof(long))
        {
            if (kind != JsonValueKind.Number)
            {
                return Mismatch();
            }

            // A fraction or an overflow: Go names the number.
            var fits = model == typeof(long) ? long.TryParse(node.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
                : int.TryParse(node.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);
            return fits ? null : $"json: cannot unmarshal number {node.ToJsonString()} into Go struct field {owner}.{path} of type {GoTypeName(model)}";
        }

        if (model == typeof(double) || model == typeof(float) || model == typeof(decimal))
        {
            return kind == JsonValueKind.Number ? null : Mismatch();
        }

        if (model == typeof(IntOrString))
        {
            return kind is JsonValueKind.String or JsonValueKind.Number ? null : Mismatch();
        }

        if (model == typeof(ResourceQuantity))
        {
            // resource.Quantity decodes itself: a string it cannot parse fails with its own words.
            return kind switch
            {
                JsonValueKind.Number => null,
                JsonValueKind.String when IsQuantity(node.GetValue<string>()) => null,
                JsonValueKind.String => "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
                _ => Mismatch(),
            };
        }

        if (DictionaryValueType(model) is { } valueType)
        {
            return node is JsonObject map
                ? map.Select(kv => Decode(valueType, kv.Value, path, owner)).FirstOrDefault(e => e is not null)
                : Mismatch();
        }

        if (ElementType(model) is { } element)
        {
            return node is JsonArray array
                ? array.Select(item => Decode(element, item, path, owner)).FirstOrDefault(e => e is not null)
                : Mismatch();
        }

        if (IsModel(model))
        {
            if (node is not JsonObject o)
            {
                return Mismatch();
            }

            var properties = PropertyTypes(model);
            foreach (var (key, value) in o)
            {
                // Unknown fields are fieldValidation's business, not the decoder's.
                if (properties.TryGetValue(key, out var propertyType)
                    && Decode(propertyType, value, path.Length == 0 ? key : $"{path}.{key}", GoName(model)) is { } error)
                {
                    return error;
                }
            }
        }

        return null;
    }

    // A number and one of upstream's suffixes: binary (Ki..Ei), decimal SI (n..E), or a decimal exponent (e3, E-2).
    private static bool IsQuantity(string text) => QuantityPattern().IsMatch(text);

    [GeneratedRegex(@"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex QuantityPattern();

    private static string JsonKindName(JsonNode node) => node.GetValueKind() switch
    {
        JsonValueKind.True or JsonValueKind.False => "bool",
        JsonValueKind.Number => "number",
        JsonValueKind.String => "string",
        JsonValueKind.Array => "array",
        _ => "object",
    };

    // As Go prints a field's type: string, int32, []v1.Container, map[string]string, v1.ObjectMeta.
    private static string GoTypeName(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return "string";
        }

        if (type == typeof(int) || type == typeof(short))
        {
            return "int32";
        }

        if (type == typeof(long))
        {
            return "int64";
        }

        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return "float64";
        }

        if (type == typeof(bool))
        {
            return "bool";
        }

        if (type == typeof(DateTime) || type == typeof(DateTimeOffset))
        {
            return "v1.Time";
        }

        if (type == typeof(byte[]))
        {
            return "[]uint8";
        }

        if (type == typeof(IntOrString))
        {
            return "intstr.IntOrString";
        }

        if (type == typeof(ResourceQuantity))
        {
            return "resource.Quantity";
        }

        if (DictionaryValueType(type) is { } valueType)
        {
            return $"map[string]{GoTypeName(valueType)}";
        }

        if (ElementType(type) is { } element)
        {
            return $"[]{GoTypeName(element)}";
        }

        var match = VersionPrefix().Match(type.Name);
        return match.Success ? $"{match.Groups[1].Value.ToLowerInvariant()}.{match.Groups[2].Value}" : type.Name;
    }

    // V1ObjectMeta -> ObjectMeta: the struct's name as Go's decoder reports it.
    private static string GoName(Type model)
    {
        var match = VersionPrefix().Match(model.Name);
        return match.Success ? match.Groups[2].Value : model.Name;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, Dictionary<string, Type>> PropertyTypeCache = new();

    private static Dictionary<string, Type> PropertyTypes(Type model) =>
        PropertyTypeCache.GetOrAdd(model, m => Properties(m).ToDictionary(p => p.Name, p => p.Property.PropertyType, StringComparer.Ordinal));

    private static string SchemaFor(ResourceType type, ObjectStore store, JsonObject schemas, string refPrefix, bool v3)
    {
        if (ModelFor(type) is { } model)
        {
            var name = Define(model, schemas, refPrefix, v3);
            ((JsonObject)schemas[name]!)["x-kubernetes-group-version-kind"] = new JsonArray(Gvk(type));
            return name;
        }

        // A custom resource: its CRD's schema, or anything goes.
        var schemaName = $"{string.Join('.', type.Group.Split('.').Reverse())}.{type.Version}.{type.Kind}";
        var crdType = store.Catalog.Find("apiextensions.k8s.io", "v1", "customresourcedefinitions");
        var crd = crdType is null ? null : store.Get(crdType, null, $"{type.Plural}.{type.Group}");
        var schema = (crd?["spec"]?["versions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(v => v["name"]?.GetValue<string>() == type.Version)?["schema"]?["openAPIV3Schema"]?.DeepClone() as JsonObject
            ?? new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
        schema["x-kubernetes-group-version-kind"] = new JsonArray(Gvk(type));
        schemas[schemaName] = schema;
        return schemaName;
    }

    private static JsonObject Gvk(ResourceType type) => new() { ["group"] = type.Group, ["kind"] = type.Kind, ["version"] = type.Version };

    private static void AddPaths(JsonObject paths, ResourceType type, string schemaRef, bool v3)
    {
        var prefix = type.Group.Length == 0 ? $"/api/{type.Version}" : $"/apis/{type.Group}/{type.Version}";
        var collection = type.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{type.Plural}" : $"{prefix}/{type.Plural}";
        JsonObject Operation(string action, string verb, bool writes)
        {
            var parameters = new JsonArray(new JsonObject { ["name"] = "pretty", ["in"] = "query", ["description"] = "If 'true', then the output is pretty printed.", ["schema"] = new JsonObject { ["type"] = "string" } });
            if (writes)
            {
                parameters.Add(new JsonObject { ["name"] = "dryRun", ["in"] = "query", ["description"] = "When present, indicates that modifications should not be persisted.", ["schema"] = new JsonObject { ["type"] = "string" } });
                parameters.Add(new JsonObject { ["name"] = "fieldManager", ["in"] = "query", ["description"] = "fieldManager is a name associated with the actor or entity that is making these changes.", ["schema"] = new JsonObject { ["type"] = "string" } });
                parameters.Add(new JsonObject { ["name"] = "fieldValidation", ["in"] = "query", ["description"] = "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields: Ignore, Warn or Strict.", ["schema"] = new JsonObject { ["type"] = "string" } });
            }

            if (!v3)
            {
                foreach (var parameter in parameters.OfType<JsonObject>())
                {
                    parameter.Remove("schema");
                    parameter["type"] = "string";
                }
            }

            var response = v3
                ? new JsonObject { ["description"] = "OK", ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = schemaRef } } } }
                : new JsonObject { ["description"] = "OK", ["schema"] = new JsonObject { ["$ref"] = schemaRef } };
            return new JsonObject
            {
                ["operationId"] = $"{verb}{type.Kind}",
                ["parameters"] = parameters,
                ["responses"] = new JsonObject { ["200"] = response },
                ["x-kubernetes-action"] = action,
                ["x-kubernetes-group-version-kind"] = Gvk(type),
            };
        }

        paths[collection] = new JsonObject { ["get"] = Operation("list", "list", false), ["post"] = Operation("post", "create", true) };
        paths[$"{collection}/{{name}}"] = new JsonObject
        {
            ["get"] = Operation("get", "read", false),
            ["put"] = Operation("put", "replace", true),
            ["patch"] = Operation("patch", "patch", true),
            ["delete"] = Operation("delete", "delete", true),
        };
    }

    // Defines the component schema of a model type (and everything it references); returns its name.
    private static string Define(Type model, JsonObject schemas, string refPrefix, bool v3)
    {
        var name = SchemaName(model);
        if (schemas.ContainsKey(name))
        {
            return name;
        }

        var properties = new JsonObject();
        var schema = new JsonObject { ["description"] = Doc($"T:{model.FullName}"), ["type"] = "object", ["properties"] = properties };
        schemas[name] = schema;
        foreach (var (field, property) in Properties(model))
        {
            var fieldSchema = SchemaOf(property.PropertyType, schemas, refPrefix, v3);
            if (Doc($"P:{model.FullName}.{property.Name}") is { Length: > 0 } description)
            {
                fieldSchema["description"] = description;
            }

            if (ElementType(property.PropertyType) is not null && Patching.MergeKey(field, null) is { } mergeKey)
            {
                fieldSchema["x-kubernetes-patch-strategy"] = "merge";
                if (mergeKey.Length > 0)
                {
                    fieldSchema["x-kubernetes-patch-merge-key"] = field == "ports" && model.Name.Contains("Service", StringComparison.Ordinal) ? "port" : field == "ports" ? "containerPort" : mergeKey;
                }
            }

            properties[field] = fieldSchema;
        }

        return name;
    }

    private static JsonObject SchemaOf(Type type, JsonObject schemas, string refPrefix, bool v3)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return new JsonObject { ["type"] = "string" };
        }

        if (type == typeof(int) || type == typeof(short))
        {
            return new JsonObject { ["type"] = "integer", ["format"] = "int32" };
        }

        if (type == typeof(long))
        {
            return new JsonObject { ["type"] = "integer", ["format"] = "int64" };
        }

        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return new JsonObject { ["type"] = "number", ["format"] = "double" };
        }

        if (type == typeof(bool))
        {
            return new JsonObject { ["type"] = "boolean" };
        }

        if (type == typeof(DateTime) || type == typeof(DateTimeOffset))
        {
            return new JsonObject { ["type"] = "string", ["format"] = "date-time" };
        }

        if (type == typeof(byte[]))
        {
            return new JsonObject { ["type"] = "string", ["format"] = "byte" };
        }

        if (type == typeof(IntOrString))
        {
            return new JsonObject { ["type"] = "string", ["format"] = "int-or-string", ["x-kubernetes-int-or-string"] = true };
        }

        if (type == typeof(ResourceQuantity))
        {
            return new JsonObject { ["type"] = "string", ["format"] = "quantity" };
        }

        if (DictionaryValueType(type) is { } valueType)
        {
            return new JsonObject { ["type"] = "object", ["additionalProperties"] = SchemaOf(valueType, schemas, refPrefix, v3) };
        }

        if (ElementType(type) is { } element)
        {
            return new JsonObject { ["type"] = "array", ["items"] = SchemaOf(element, schemas, refPrefix, v3) };
        }

        if (IsModel(type))
        {
            var reference = new JsonObject { ["$ref"] = refPrefix + Define(type, schemas, refPrefix, v3) };

            // Upstream's v3 wraps references so a description can sit beside them.
            return v3 ? new JsonObject { ["allOf"] = new JsonArray(reference) } : reference;
        }

        return new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
    }

    private static bool IsModel(Type type) => type.Namespace == "k8s.Models" && type.IsClass && type != typeof(IntOrString) && type != typeof(ResourceQuantity);

    private static IEnumerable<(string Name, PropertyInfo Property)> Properties(Type model) =>
        model.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (Name: p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name, Property: p))
            .Where(x => x.Name is not null)
            .Select(x => (x.Name!, x.Property));

    private static Type? ElementType(Type type) =>
        type != typeof(string) && type != typeof(byte[]) && DictionaryValueType(type) is null && typeof(IEnumerable).IsAssignableFrom(type)
            ? (type.IsArray ? type.GetElementType() : type.GetGenericArguments().FirstOrDefault())
            : null;

    private static Type? DictionaryValueType(Type type) =>
        type.IsGenericType && type.GetInterfaces().Append(type).Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>))
            ? type.GetGenericArguments()[^1]
            : null;

    // V1DeploymentSpec -> io.k8s.api.v1.DeploymentSpec, so kubectl explain shows <DeploymentSpec>.
    private static string SchemaName(Type model)
    {
        var match = VersionPrefix().Match(model.Name);
        return match.Success ? $"io.k8s.api.{match.Groups[1].Value.ToLowerInvariant()}.{match.Groups[2].Value}" : $"io.k8s.api.{model.Name}";
    }

    private static string Doc(string member) => Docs.Value.GetValueOrDefault(member) ?? "";

    private static Dictionary<string, string> LoadDocs()
    {
        using var stream = typeof(OpenApi).Assembly.GetManifestResourceStream("KubernetesClient.xml");
        if (stream is null)
        {
            return [];
        }

        return XDocument.Load(stream).Descendants("member")
            .Where(m => m.Attribute("name") is not null && m.Element("summary") is not null)
            .GroupBy(m => m.Attribute("name")!.Value)
            .ToDictionary(g => g.Key, g => Whitespace().Replace(g.First().Element("summary")!.Value, " ").Trim(), StringComparer.Ordinal);
    }

    [GeneratedRegex(@"^(V\d+(?:alpha\d+|beta\d+)?)([A-Z].*)$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPrefix();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();
}

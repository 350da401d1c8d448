using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace RawkodeAutomation.Kubernetes;

/// <summary>
/// The Klustered break library: one versioned module per id, kept as YAML data in <c>Breaks/</c> and embedded in
/// this assembly. Episode validation uses <see cref="Ids"/>; the pipeline uses <see cref="Get"/>.
/// </summary>
public static class BreakLibrary
{
    private static readonly Lazy<FrozenDictionary<string, BreakModule>> Modules = new(LoadEmbedded);

    /// <summary>Every break id, sorted.</summary>
    public static IReadOnlyList<string> Ids => [.. Modules.Value.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Every module, sorted by id.</summary>
    public static IReadOnlyList<BreakModule> All => [.. Modules.Value.Values.OrderBy(m => m.Id, StringComparer.Ordinal)];

    public static bool Contains(string id) => Modules.Value.ContainsKey(id);

    /// <summary>The module with this id; an unknown id is a <see cref="KlusteredException"/> that lists the known ones.</summary>
    public static BreakModule Get(string id) =>
        Modules.Value.TryGetValue(id, out var module)
            ? module
            : throw new KlusteredException($"unknown break \"{id}\"; the break library has: {string.Join(", ", Ids)}");

    private static FrozenDictionary<string, BreakModule> LoadEmbedded()
    {
        var assembly = typeof(BreakLibrary).Assembly;
        var modules = new Dictionary<string, BreakModule>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("Breaks/", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            var module = Parse(reader.ReadToEnd(), resource);
            var expectedId = Path.GetFileNameWithoutExtension(resource);
            if (module.Id != expectedId)
            {
                throw new KlusteredException($"{resource}: id \"{module.Id}\" does not match the file name \"{expectedId}\"");
            }

            modules.Add(module.Id, module);
        }

        return modules.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Parses one module; errors name the source and the field.</summary>
    public static BreakModule Parse(string yaml, string source)
    {
        JsonObject root;
        try
        {
            root = YamlJson.Load(yaml) as JsonObject ?? throw new KlusteredException($"{source}: a break module must be a mapping");
        }
        catch (YamlException e)
        {
            throw new KlusteredException($"{source}:{e.Start.Line}:{e.Start.Column}: {e.Message}", e);
        }

        string Required(JsonObject obj, string key, string where) =>
            obj[key]?.GetValue<string>() is { Length: > 0 } value ? value : throw new KlusteredException($"{source}: {where}{key} is required");

        var id = Required(root, "id", "");
        var level = Enum.Parse<BreakLevel>(Required(root, "level", ""), ignoreCase: true);
        NodeScript? node = null;
        if (root["node"] is JsonObject n)
        {
            // node.check may be left out when the API checks prove the break (a node whose kubelet is stopped runs no pod to check it).
            node = new NodeScript(Required(n, "on", "node."), Required(n, "apply", "node."), n["check"]?.GetValue<string>() is { Length: > 0 } nodeCheck ? nodeCheck : null, Required(n, "undo", "node."));
            if (node.On is not ("control-plane" or "workers" or "all"))
            {
                throw new KlusteredException($"{source}: node.on must be control-plane, workers or all (got \"{node.On}\")");
            }
        }

        if (level == BreakLevel.Node && node is null)
        {
            throw new KlusteredException($"{source}: a node-level break needs a node: section");
        }

        if (node is { Check: null } && (root["check"] as JsonArray) is not { Count: > 0 })
        {
            throw new KlusteredException($"{source}: node.check is required unless check: has API checks");
        }

        var module = new BreakModule(
            id,
            int.Parse(root["version"]?.ToString() ?? "1", CultureInfo.InvariantCulture),
            Required(root, "title", ""),
            root["description"]?.GetValue<string>() ?? "",
            Enum.Parse<BreakDifficulty>(Required(root, "difficulty", ""), ignoreCase: true),
            level,
            root["blocksRollout"]?.GetValue<bool>() ?? true,
            root["cutsApiAccess"]?.GetValue<bool>() ?? false,
            (root["hints"] as JsonArray)?.Select(h => h!.GetValue<string>()).ToList() ?? [],
            Steps(root["apply"], source, "apply"),
            Checks(root["check"], source),
            Steps(root["undo"], source, "undo"),
            node);
        if (module.Level == BreakLevel.Api && (module.Apply.Count == 0 || module.Checks.Count == 0 || module.Undo.Count == 0))
        {
            throw new KlusteredException($"{source}: an API-level break needs apply, check and undo steps");
        }

        return module;
    }

    private static List<BreakStep> Steps(JsonNode? node, string source, string section)
    {
        var steps = new List<BreakStep>();
        foreach (var (item, index) in ((node as JsonArray)?.OfType<JsonObject>() ?? []).Select((x, i) => (x, i)))
        {
            var where = $"{source}: {section}[{index}]";
            var (kind, body) = item.Single();
            steps.Add(kind switch
            {
                "create" => new CreateStep(body!.AsObject()),
                "patch" => new PatchStep(Target(body!["target"], where), body["type"]?.GetValue<string>() ?? "merge", body["patch"] ?? throw new KlusteredException($"{where}: patch.patch is required")),
                "delete" => new DeleteStep(Target(body, where)),
                "replaceText" => new ReplaceTextStep(Target(body!["target"], where), body["path"]!.GetValue<string>(), body["find"]!.GetValue<string>(), body["replace"]!.GetValue<string>()),
                "taintNodes" => new TaintNodesStep(body!["key"]!.GetValue<string>(), body["value"]?.GetValue<string>(), body["effect"]?.GetValue<string>() ?? "NoSchedule", Remove: false),
                "untaintNodes" => new TaintNodesStep(body!["key"]!.GetValue<string>(), null, "", Remove: true),
                _ => throw new KlusteredException($"{where}: unknown step \"{kind}\" (create, patch, delete, replaceText, taintNodes, untaintNodes)"),
            });
        }

        return steps;
    }

    private static List<BreakCheck> Checks(JsonNode? node, string source)
    {
        var checks = new List<BreakCheck>();
        foreach (var (item, index) in ((node as JsonArray)?.OfType<JsonObject>() ?? []).Select((x, i) => (x, i)))
        {
            var where = $"{source}: check[{index}]";
            var (kind, body) = item.Single();
            checks.Add(kind switch
            {
                "exists" => new ExistsCheck(Target(body, where)),
                "field" => new FieldCheck(Target(body!["target"], where), body["path"]!.GetValue<string>(), body["equals"]?.DeepClone(), body["contains"]?.GetValue<string>()),
                "nodesTainted" => new NodesTaintedCheck(body!["key"]!.GetValue<string>()),
                "deploymentReady" => new DeploymentReadyCheck(Target(body, where)),
                "nodesNotReady" => new NodesNotReadyCheck(body?["on"]?.GetValue<string>() is "control-plane" or "workers" or "all" ? body["on"]!.GetValue<string>() : throw new KlusteredException($"{where}: nodesNotReady.on must be control-plane, workers or all")),
                _ => throw new KlusteredException($"{where}: unknown check \"{kind}\" (exists, field, nodesTainted, deploymentReady, nodesNotReady)"),
            });
        }

        return checks;
    }

    private static ObjectRef Target(JsonNode? node, string where)
    {
        if (node is not JsonObject t)
        {
            throw new KlusteredException($"{where}: target is required");
        }

        var kind = t["kind"]?.GetValue<string>() ?? throw new KlusteredException($"{where}: target.kind is required");
        if (!DynamicClient.IsKnownKind(kind))
        {
            throw new KlusteredException($"{where}: kind \"{kind}\" is not supported");
        }

        return new ObjectRef(
            t["apiVersion"]?.GetValue<string>() ?? throw new KlusteredException($"{where}: target.apiVersion is required"),
            kind,
            t["namespace"]?.GetValue<string>(),
            t["name"]?.GetValue<string>() ?? throw new KlusteredException($"{where}: target.name is required"));
    }
}

/// <summary>YAML to JSON with YAML 1.2 core-schema scalars: plain <c>0</c> is a number, <c>"0"</c> a string.</summary>
internal static class YamlJson
{
    public static JsonNode? Load(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Count == 0 ? null : Convert(stream.Documents[0].RootNode);
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value!, Convert(kv.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new KlusteredException($"unsupported YAML node at {node.Start}"),
    };

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain)
        {
            return JsonValue.Create(value);
        }

        return value switch
        {
            "null" or "~" or "" => null,
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            _ when long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => JsonNode.Parse(l.ToString(CultureInfo.InvariantCulture)),
            _ when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && value.Any(char.IsDigit) && !value.Contains(':', StringComparison.Ordinal) => JsonNode.Parse(d.ToString("R", CultureInfo.InvariantCulture)),
            _ => JsonValue.Create(value),
        };
    }
}

using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using k8s.Autorest;
using k8s.Models;

namespace RawkodeAutomation.Kubernetes;

/// <summary>
/// Applies, checks and undoes break modules on one workload cluster. API steps go through <see cref="DynamicClient"/>;
/// node scripts run in a privileged pod (hostPID, hostNetwork, hostIPC) pinned to each chosen node, which enters the
/// host's namespaces with <c>nsenter -t 1</c>. Objects a break creates carry our ownership label and the break id;
/// objects without our label are never overwritten or deleted.
/// </summary>
public sealed class BreakEngine(DynamicClient client, KubernetesOptions options, TimeProvider? timeProvider = null)
{
    /// <summary>The namespace node-script pods run in.</summary>
    public const string ScriptNamespace = "kube-system";

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    public async Task ApplyAsync(BreakModule module, CancellationToken cancellationToken = default)
    {
        foreach (var step in module.Apply)
        {
            await RunStepAsync(module, step, cancellationToken).ConfigureAwait(false);
        }

        if (module.Node is { } node)
        {
            await RunNodeScriptAsync(module, "apply", node.Apply, throwOnFailure: true, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task UndoAsync(BreakModule module, CancellationToken cancellationToken = default)
    {
        if (module.Node is { } node)
        {
            try
            {
                await RunNodeScriptAsync(module, "undo", node.Undo, throwOnFailure: true, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e) when (module.CutsApiAccess)
            {
                throw new KlusteredException(
                    $"break {module.Id} took the API away, so it can only be undone on the node itself: run as root on each {node.On} node:\n{node.Undo}", e);
            }
        }

        foreach (var step in module.Undo)
        {
            await RunStepAsync(module, step, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One pass over the module's checks (and its node check script).</summary>
    public async Task<BreakCheckResult> CheckAsync(BreakModule module, CancellationToken cancellationToken = default)
    {
        try
        {
            foreach (var check in module.Checks)
            {
                var problem = await CheckOneAsync(check, cancellationToken).ConfigureAwait(false);
                if (problem is not null)
                {
                    return new BreakCheckResult(module.Id, false, problem);
                }
            }

            if (module.Node is { Check: { } script } node && !await RunNodeScriptAsync(module, "check", script, throwOnFailure: false, cancellationToken).ConfigureAwait(false))
            {
                return new BreakCheckResult(module.Id, false, $"the node check script did not pass on every {node.On} node");
            }

            return new BreakCheckResult(module.Id, true, "in effect");
        }
        catch (HttpRequestException e) when (module.CutsApiAccess)
        {
            return new BreakCheckResult(module.Id, true, $"the API is unreachable, as this break intends ({e.Message})");
        }
    }

    private async Task<string?> CheckOneAsync(BreakCheck check, CancellationToken ct)
    {
        switch (check)
        {
            case ExistsCheck exists:
                return await client.GetAsync(exists.Target, ct).ConfigureAwait(false) is null ? $"{exists.Target} does not exist" : null;
            case FieldCheck field:
                {
                    var obj = await client.GetAsync(field.Target, ct).ConfigureAwait(false);
                    if (obj is null)
                    {
                        return $"{field.Target} does not exist";
                    }

                    var value = Pointer(obj, field.Path);
                    if (field.EqualsValue is not null && !JsonNode.DeepEquals(Normalise(value), Normalise(field.EqualsValue)))
                    {
                        return $"{field.Target} {field.Path} is {value?.ToJsonString() ?? "missing"}, expected {field.EqualsValue.ToJsonString()}";
                    }

                    if (field.Contains is not null && !(value?.GetValueKind() == System.Text.Json.JsonValueKind.String && value.GetValue<string>().Contains(field.Contains, StringComparison.Ordinal)))
                    {
                        return $"{field.Target} {field.Path} does not contain \"{field.Contains}\"";
                    }

                    return null;
                }

            case NodesTaintedCheck tainted:
                {
                    var nodes = await client.ListAsync("v1", "Node", null, cancellationToken: ct).ConfigureAwait(false);
                    var clean = nodes.Where(n => !Taints(n).Any(t => t["key"]?.GetValue<string>() == tainted.Key)).Select(Name).ToList();
                    return clean.Count == 0 && nodes.Count > 0 ? null : $"nodes without taint {tainted.Key}: {string.Join(", ", clean)}";
                }

            case DeploymentReadyCheck ready:
                {
                    var deployment = await client.GetAsync(ready.Target, ct).ConfigureAwait(false);
                    var want = deployment?["spec"]?["replicas"]?.GetValue<int>() ?? 1;
                    var have = deployment?["status"]?["readyReplicas"]?.GetValue<int>() ?? 0;
                    return have >= want ? null : $"{ready.Target} has {have}/{want} ready replicas";
                }

            case NodesNotReadyCheck notReady:
                {
                    var nodes = await client.ListAsync("v1", "Node", null, NodeSelector(notReady.On), ct).ConfigureAwait(false);
                    var ready = nodes.Where(n => (n["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>()
                        .Any(c => c["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == "True") == true).Select(Name).ToList();
                    return nodes.Count > 0 && ready.Count == 0 ? null : $"{notReady.On} nodes still Ready: {string.Join(", ", ready)}";
                }

            default:
                throw new KlusteredException($"unknown check {check.GetType().Name}");
        }
    }

    private async Task RunStepAsync(BreakModule module, BreakStep step, CancellationToken ct)
    {
        switch (step)
        {
            case CreateStep create:
                {
                    var manifest = (JsonObject)create.Manifest.DeepClone();
                    var metadata = manifest["metadata"] as JsonObject ?? new JsonObject();
                    manifest["metadata"] = metadata;
                    var labels = metadata["labels"] as JsonObject ?? new JsonObject();
                    metadata["labels"] = labels;
                    labels[Ownership.OwnedByLabel] = Ownership.OwnedByValue;
                    labels[Ownership.BreakLabel] = module.Id;
                    var target = DynamicClient.RefOf(manifest);
                    var existing = await client.GetAsync(target, ct).ConfigureAwait(false);
                    if (existing is not null)
                    {
                        GuardOwned(existing, target, "overwrite");
                        return;
                    }

                    try
                    {
                        await client.CreateAsync(manifest, ct).ConfigureAwait(false);
                    }
                    catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
                    {
                        // Created concurrently (a retried activity): fine if it is ours.
                        GuardOwned(await client.GetAsync(target, ct).ConfigureAwait(false), target, "overwrite");
                    }

                    return;
                }

            case PatchStep patch:
                {
                    var type = patch.Type switch
                    {
                        "merge" => V1Patch.PatchType.MergePatch,
                        "strategic" => V1Patch.PatchType.StrategicMergePatch,
                        "json" => V1Patch.PatchType.JsonPatch,
                        _ => throw new KlusteredException($"break {module.Id}: unknown patch type \"{patch.Type}\" (merge, strategic, json)"),
                    };
                    await Require(module, patch.Target, ct).ConfigureAwait(false);
                    await client.PatchAsync(patch.Target, type, patch.Patch, ct).ConfigureAwait(false);
                    return;
                }

            case DeleteStep delete:
                {
                    var existing = await client.GetAsync(delete.Target, ct).ConfigureAwait(false);
                    if (existing is null)
                    {
                        return;
                    }

                    GuardOwned(existing, delete.Target, "delete");
                    await client.DeleteAsync(delete.Target, ct).ConfigureAwait(false);
                    return;
                }

            case ReplaceTextStep replace:
                {
                    var obj = await Require(module, replace.Target, ct).ConfigureAwait(false);
                    var text = Pointer(obj, replace.Path)?.GetValue<string>() ?? throw new KlusteredException($"break {module.Id}: {replace.Target} has no text at {replace.Path}");
                    if (!text.Contains(replace.Find, StringComparison.Ordinal))
                    {
                        if (text.Contains(replace.Replace, StringComparison.Ordinal))
                        {
                            return; // Already applied.
                        }

                        throw new KlusteredException($"break {module.Id}: {replace.Target} {replace.Path} does not contain \"{replace.Find}\"; it cannot be applied to this cluster");
                    }

                    // test + replace: the write fails instead of clobbering a concurrent edit.
                    var operations = new JsonArray(
                        new JsonObject { ["op"] = "test", ["path"] = replace.Path, ["value"] = text },
                        new JsonObject { ["op"] = "replace", ["path"] = replace.Path, ["value"] = text.Replace(replace.Find, replace.Replace, StringComparison.Ordinal) });
                    await client.PatchAsync(replace.Target, V1Patch.PatchType.JsonPatch, operations, ct).ConfigureAwait(false);
                    return;
                }

            case TaintNodesStep taint:
                {
                    foreach (var node in await client.ListAsync("v1", "Node", null, cancellationToken: ct).ConfigureAwait(false))
                    {
                        var taints = Taints(node).Select(t => t.DeepClone()).ToList();
                        var has = taints.Any(t => t!["key"]?.GetValue<string>() == taint.Key);
                        if (has != taint.Remove)
                        {
                            continue;
                        }

                        var next = taint.Remove
                            ? taints.Where(t => t!["key"]?.GetValue<string>() != taint.Key).ToList()
                            : [.. taints, new JsonObject { ["key"] = taint.Key, ["value"] = taint.Value, ["effect"] = taint.Effect }];
                        var operations = new JsonArray(
                            new JsonObject { ["op"] = "test", ["path"] = "/metadata/resourceVersion", ["value"] = node["metadata"]!["resourceVersion"]!.DeepClone() },
                            new JsonObject { ["op"] = "add", ["path"] = "/spec/taints", ["value"] = new JsonArray([.. next]) });
                        await client.PatchAsync(new ObjectRef("v1", "Node", null, Name(node)), V1Patch.PatchType.JsonPatch, operations, ct).ConfigureAwait(false);
                    }

                    return;
                }

            default:
                throw new KlusteredException($"break {module.Id}: unknown step {step.GetType().Name}");
        }
    }

    /// <summary>
    /// Runs a script on every chosen node in a privileged host pod and waits for it to finish. Returns whether it
    /// succeeded everywhere; with <paramref name="throwOnFailure"/> a failure is a <see cref="KlusteredException"/>.
    /// </summary>
    private async Task<bool> RunNodeScriptAsync(BreakModule module, string purpose, string script, bool throwOnFailure, CancellationToken ct)
    {
        var nodes = await client.ListAsync("v1", "Node", null, NodeSelector(module.Node!.On), ct).ConfigureAwait(false);
        if (nodes.Count == 0)
        {
            throw new KlusteredException($"break {module.Id}: no {module.Node.On} node to run its {purpose} script on");
        }

        var pods = new List<ObjectRef>();
        foreach (var node in nodes)
        {
            var pod = HostScriptPod(module, purpose, Name(node), script, options.NodeScriptImage);
            var target = DynamicClient.RefOf(pod);
            if (await client.GetAsync(target, ct).ConfigureAwait(false) is { } stale)
            {
                GuardOwned(stale, target, "replace");
                await client.DeleteAsync(target, ct).ConfigureAwait(false);
                await WaitGoneAsync(target, ct).ConfigureAwait(false);
            }

            await client.CreateAsync(pod, ct).ConfigureAwait(false);
            pods.Add(target);
        }

        var failures = new List<string>();
        foreach (var target in pods)
        {
            var deadline = _time.GetUtcNow() + options.BreakStepTimeout;
            string? phase = null;
            JsonObject? pod = null;
            while (_time.GetUtcNow() < deadline)
            {
                pod = await client.GetAsync(target, ct).ConfigureAwait(false);
                phase = pod?["status"]?["phase"]?.GetValue<string>();
                if (phase is "Succeeded" or "Failed")
                {
                    break;
                }

                await Task.Delay(ShortPoll, _time, ct).ConfigureAwait(false);
            }

            if (phase != "Succeeded")
            {
                var node = pod?["spec"]?["nodeName"]?.GetValue<string>();
                failures.Add($"{node}: {(phase is null or "Pending" or "Running" ? $"did not finish within {options.BreakStepTimeout}" : pod?["status"]?["message"]?.GetValue<string>() ?? phase)}");
            }

            await client.DeleteAsync(target, ct).ConfigureAwait(false);
        }

        if (failures.Count > 0 && throwOnFailure)
        {
            throw new KlusteredException($"break {module.Id}: the node {purpose} script failed on {string.Join("; ", failures)}");
        }

        return failures.Count == 0;
    }

    /// <summary>The label selector of a node script's or check's <c>on</c>.</summary>
    private static string? NodeSelector(string on) => on switch
    {
        "control-plane" => "node-role.kubernetes.io/control-plane",
        "workers" => "!node-role.kubernetes.io/control-plane",
        _ => null,
    };

    private TimeSpan ShortPoll => options.PollInterval < TimeSpan.FromSeconds(1) ? options.PollInterval : TimeSpan.FromSeconds(1);

    private async Task WaitGoneAsync(ObjectRef target, CancellationToken ct)
    {
        var deadline = _time.GetUtcNow() + options.BreakStepTimeout;
        while (await client.GetAsync(target, ct).ConfigureAwait(false) is not null)
        {
            if (_time.GetUtcNow() > deadline)
            {
                throw new KlusteredException($"{target} was not deleted within {options.BreakStepTimeout}");
            }

            await Task.Delay(ShortPoll, _time, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The privileged pod that runs <paramref name="script"/> in the host's namespaces on <paramref name="node"/>.</summary>
    public static JsonObject HostScriptPod(BreakModule module, string purpose, string node, string script, string image)
    {
        var nodeHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(node)))[..8];
        var name = $"rawkode-{purpose}-{module.Id}";
        name = (name.Length > 53 ? name[..53].TrimEnd('-') : name) + "-" + nodeHash;
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = ScriptNamespace,
                ["labels"] = new JsonObject
                {
                    [Ownership.OwnedByLabel] = Ownership.OwnedByValue,
                    [Ownership.BreakLabel] = module.Id,
                    ["rawkode.dev/purpose"] = purpose,
                },
            },
            ["spec"] = new JsonObject
            {
                ["nodeName"] = node,
                ["hostPID"] = true,
                ["hostNetwork"] = true,
                ["hostIPC"] = true,
                ["restartPolicy"] = "Never",
                ["tolerations"] = new JsonArray(new JsonObject { ["operator"] = "Exists" }),
                ["containers"] = new JsonArray(new JsonObject
                {
                    ["name"] = "script",
                    ["image"] = image,
                    ["securityContext"] = new JsonObject { ["privileged"] = true },
                    // Short options: both util-linux and busybox nsenter understand them.
                    ["command"] = new JsonArray("nsenter", "-t", "1", "-m", "-u", "-i", "-n", "-p", "--", "/bin/sh", "-ec", script),
                }),
            },
        };
    }

    private async Task<JsonObject> Require(BreakModule module, ObjectRef target, CancellationToken ct) =>
        await client.GetAsync(target, ct).ConfigureAwait(false)
        ?? throw new KlusteredException($"break {module.Id}: {target} does not exist in this cluster");

    private static void GuardOwned(JsonObject? obj, ObjectRef target, string verb)
    {
        var labels = obj?["metadata"]?["labels"] as JsonObject;
        if (labels?[Ownership.OwnedByLabel]?.GetValue<string>() != Ownership.OwnedByValue)
        {
            throw new OwnershipException($"refusing to {verb} {target}: it lacks the label {Ownership.OwnedSelector}");
        }
    }

    private static IEnumerable<JsonObject> Taints(JsonObject node) => (node["spec"]?["taints"] as JsonArray)?.OfType<JsonObject>() ?? [];

    private static string Name(JsonObject obj) => obj["metadata"]!["name"]!.GetValue<string>();

    internal static JsonNode? Pointer(JsonNode? node, string path)
    {
        foreach (var token in path.TrimStart('/').Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)))
        {
            node = node switch
            {
                JsonObject o => o[token],
                JsonArray a when int.TryParse(token, out var i) && i < a.Count => a[i],
                _ => null,
            };
        }

        return node;
    }

    private static JsonNode? Normalise(JsonNode? node) => node is null ? null : JsonNode.Parse(node.ToJsonString());
}

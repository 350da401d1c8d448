using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace RawkodeAutomation.Kubernetes.Sandbox;

/// <summary>One field error, as the API server's validation reports it in a 422's <c>details.causes</c>.</summary>
public sealed record FieldError(string Field, string Reason, string Message)
{
    public string Text => $"{Field}: {Message}";

    public static FieldError Required(string field, string? detail = null) =>
        new(field, "FieldValueRequired", detail is null ? "Required value" : $"Required value: {detail}");

    public static FieldError Invalid(string field, JsonNode? value, string detail) =>
        new(field, "FieldValueInvalid", $"Invalid value: {Render(value)}: {detail}");

    public static FieldError Duplicate(string field, JsonNode? value) =>
        new(field, "FieldValueDuplicate", $"Duplicate value: {Render(value)}");

    public static FieldError NotSupported(string field, JsonNode? value, params string[] supported) =>
        new(field, "FieldValueNotSupported", $"Unsupported value: {Render(value)}: supported values: {string.Join(", ", supported.Select(s => $"\"{s}\""))}");

    // Values as Go's %#v prints them in validation messages: strings quoted, numbers bare.
    private static string Render(JsonNode? value) => value switch
    {
        null => "null",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => $"\"{v.GetValue<string>()}\"",
        JsonObject o when o.All(kv => kv.Value?.GetValueKind() == JsonValueKind.String) =>
            "map[string]string{" + string.Join(", ", o.Select(kv => $"\"{kv.Key}\":\"{kv.Value}\"")) + "}",
        _ => value.ToJsonString(),
    };
}

/// <summary>
/// The API server's defaulting of the built-in kinds the sandbox serves (what <c>kubectl get -o yaml</c> shows that nobody
/// wrote: strategy, imagePullPolicy, protocol, dnsPolicy...), applied on every create and update.
/// </summary>
internal static class Defaults
{
    /// <summary>
    /// A pod's quality of service class, as the API server sets <c>status.qosClass</c>: Guaranteed when every container
    /// has CPU and memory limits and its requests (defaulted to the limits) equal them, BestEffort when no container
    /// requests or limits either, else Burstable.
    /// </summary>
    public static string QosClass(JsonObject pod)
    {
        var containers = new[] { "initContainers", "containers" }
            .SelectMany(field => (pod["spec"]?[field] as JsonArray)?.OfType<JsonObject>() ?? [])
            .ToList();
        var any = false;
        var guaranteed = containers.Count > 0;
        foreach (var container in containers)
        {
            var limits = container["resources"]?["limits"] as JsonObject;
            var requests = container["resources"]?["requests"] as JsonObject;
            foreach (var resource in new[] { "cpu", "memory" })
            {
                var limit = Quantity.Read(limits?[resource]);
                var request = Quantity.Read(requests?[resource]) ?? limit;
                any |= limit is not null || request is not null;
                guaranteed &= limit is not null && request == limit;
            }
        }

        return guaranteed ? "Guaranteed" : any ? "Burstable" : "BestEffort";
    }

    public static void Apply(ResourceType type, JsonObject obj)
    {
        switch (type.Group, type.Kind)
        {
            case ("apps", "Deployment"):
                {
                    var spec = Ensure(obj, "spec");
                    spec["replicas"] ??= 1;
                    spec["revisionHistoryLimit"] ??= 10;
                    spec["progressDeadlineSeconds"] ??= 600;
                    var strategy = Ensure(spec, "strategy");
                    strategy["type"] ??= "RollingUpdate";
                    if (strategy["type"]?.GetValue<string>() == "RollingUpdate")
                    {
                        var rolling = Ensure(strategy, "rollingUpdate");
                        rolling["maxUnavailable"] ??= "25%";
                        rolling["maxSurge"] ??= "25%";
                    }

                    PodSpec(Ensure(Ensure(spec, "template"), "spec"));
                    break;
                }

            case ("apps", "ReplicaSet"):
                {
                    var spec = Ensure(obj, "spec");
                    spec["replicas"] ??= 1;
                    PodSpec(Ensure(Ensure(spec, "template"), "spec"));
                    break;
                }

            case ("apps", "DaemonSet"):
                PodSpec(Ensure(Ensure(Ensure(obj, "spec"), "template"), "spec"));
                break;
            case ("", "Pod"):
                {
                    var spec = Ensure(obj, "spec");
                    PodSpec(spec);
                    spec["serviceAccountName"] ??= spec["serviceAccount"]?.DeepClone() ?? "default";
                    spec["serviceAccount"] ??= spec["serviceAccountName"]!.DeepClone();
                    spec["enableServiceLinks"] ??= true;
                    spec["priority"] ??= 0;
                    spec["preemptionPolicy"] ??= "PreemptLowerPriority";
                    var tolerations = spec["tolerations"] as JsonArray ?? new JsonArray();
                    foreach (var key in new[] { "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable" })
                    {
                        if (!tolerations.OfType<JsonObject>().Any(t => t["key"]?.GetValue<string>() == key))
                        {
                            tolerations.Add(new JsonObject { ["key"] = key, ["operator"] = "Exists", ["effect"] = "NoExecute", ["tolerationSeconds"] = 300 });
                        }
                    }

                    spec["tolerations"] = tolerations;
                    break;
                }

            case ("", "Service"):
                {
                    var spec = Ensure(obj, "spec");
                    spec["type"] ??= "ClusterIP";
                    spec["sessionAffinity"] ??= "None";
                    if (spec["type"]?.GetValue<string>() != "ExternalName")
                    {
                        spec["internalTrafficPolicy"] ??= "Cluster";
                        spec["ipFamilies"] ??= new JsonArray("IPv4");
                        spec["ipFamilyPolicy"] ??= "SingleStack";
                        if (spec["clusterIP"] is { } ip)
                        {
                            spec["clusterIPs"] ??= new JsonArray(ip.DeepClone());
                        }
                    }

                    foreach (var port in (spec["ports"] as JsonArray)?.OfType<JsonObject>() ?? [])
                    {
                        port["protocol"] ??= "TCP";
                        port["targetPort"] ??= port["port"]?.DeepClone();
                    }

                    break;
                }

            case ("", "Namespace"):
                Ensure(Ensure(obj, "spec"), "finalizers", () => new JsonArray("kubernetes"));
                Ensure(obj, "status")["phase"] ??= "Active";
                var labels = Ensure(Ensure(obj, "metadata"), "labels");
                labels["kubernetes.io/metadata.name"] = obj["metadata"]?["name"]?.DeepClone();
                break;
        }
    }

    private static void PodSpec(JsonObject spec)
    {
        spec["restartPolicy"] ??= "Always";
        spec["terminationGracePeriodSeconds"] ??= 30;
        spec["dnsPolicy"] ??= "ClusterFirst";
        spec["securityContext"] ??= new JsonObject();
        spec["schedulerName"] ??= "default-scheduler";
        foreach (var container in new[] { "initContainers", "containers" }.SelectMany(f => (spec[f] as JsonArray)?.OfType<JsonObject>() ?? []))
        {
            var image = container["image"]?.GetValue<string>() ?? "";
            var tag = image.Split('@')[0];
            var hasTag = tag.LastIndexOf(':') > tag.LastIndexOf('/');
            container["imagePullPolicy"] ??= !image.Contains('@', StringComparison.Ordinal) && (!hasTag || tag.EndsWith(":latest", StringComparison.Ordinal)) ? "Always" : "IfNotPresent";
            container["terminationMessagePath"] ??= "/dev/termination-log";
            container["terminationMessagePolicy"] ??= "File";
            container["resources"] ??= new JsonObject();
            foreach (var port in (container["ports"] as JsonArray)?.OfType<JsonObject>() ?? [])
            {
                port["protocol"] ??= "TCP";
            }

            foreach (var probe in new[] { "readinessProbe", "livenessProbe", "startupProbe" }.Select(p => container[p]).OfType<JsonObject>())
            {
                probe["timeoutSeconds"] ??= 1;
                probe["periodSeconds"] ??= 10;
                probe["successThreshold"] ??= 1;
                probe["failureThreshold"] ??= 3;
                if (probe["httpGet"] is JsonObject httpGet)
                {
                    httpGet["scheme"] ??= "HTTP";
                    httpGet["path"] ??= "/";
                }
            }
        }
    }

    private static JsonObject Ensure(JsonObject parent, string field) => Ensure(parent, field, () => new JsonObject());

    private static T Ensure<T>(JsonObject parent, string field, Func<T> create)
        where T : JsonNode
    {
        if (parent[field] is T existing)
        {
            return existing;
        }

        var created = create();
        parent[field] = created;
        return created;
    }
}

/// <summary>
/// The API server's validation of the built-in kinds the sandbox serves: a 422 Invalid whose message and causes name
/// each field as upstream does (<c>spec.replicas: Invalid value: -3: must be greater than or equal to 0</c>).
/// </summary>
internal static partial class Validation
{
    public static void Check(ResourceType type, JsonObject obj, JsonObject? old)
    {
        var errors = new List<FieldError>();
        Labels(obj["metadata"]?["labels"], "metadata.labels", errors);
        var spec = obj["spec"] as JsonObject;
        switch (type.Group, type.Kind)
        {
            case ("apps", "Deployment" or "ReplicaSet" or "DaemonSet"):
                Workload(type, spec, old?["spec"], errors);
                break;
            case ("", "Pod"):
                PodSpec(spec, "spec", errors);
                break;
            case ("", "Service"):
                Service(spec, errors);
                break;
            case ("", "Node"):
                Taints(spec?["taints"] as JsonArray, errors);
                break;
            case ("", "Namespace"):
                var name = obj["metadata"]?["name"]?.GetValue<string>() ?? "";
                if (!DnsLabel().IsMatch(name) || name.Length > 63)
                {
                    errors.Add(FieldError.Invalid("metadata.name", name, LabelMessage));
                }

                break;
        }

        if (errors.Count > 0)
        {
            throw ApiError.Invalid(type, obj["metadata"]?["name"]?.GetValue<string>() ?? "", errors);
        }
    }

    private const string LabelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

    private static void Workload(ResourceType type, JsonObject? spec, JsonNode? oldSpec, List<FieldError> errors)
    {
        if (type.Kind != "DaemonSet" && spec?["replicas"] is JsonValue replicas && replicas.GetValueKind() == JsonValueKind.Number && Number(replicas) < 0)
        {
            errors.Add(FieldError.Invalid("spec.replicas", replicas, "must be greater than or equal to 0"));
        }

        var selector = spec?["selector"] as JsonObject;
        if (selector is null)
        {
            errors.Add(FieldError.Required("spec.selector"));
        }
        else if (selector["matchLabels"] is not JsonObject { Count: > 0 } && selector["matchExpressions"] is not JsonArray { Count: > 0 })
        {
            errors.Add(new FieldError("spec.selector", "FieldValueInvalid", $"Invalid value: v1.LabelSelector{{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}}: empty selector is invalid for {type.Singular}"));
        }
        else if (!LabelSelector.FromSpec(selector).Matches(new JsonObject { ["metadata"] = spec?["template"]?["metadata"]?.DeepClone() }))
        {
            errors.Add(FieldError.Invalid("spec.template.metadata.labels", spec?["template"]?["metadata"]?["labels"] ?? new JsonObject(), "`selector` does not match template `labels`"));
        }

        if (oldSpec is not null && selector is not null && oldSpec["selector"] is { } oldSelector && !JsonNode.DeepEquals(oldSelector, selector))
        {
            errors.Add(new FieldError("spec.selector", "FieldValueInvalid", "Invalid value: v1.LabelSelector{...}: field is immutable"));
        }

        if (type.Kind == "Deployment" && spec?["strategy"]?["type"]?.GetValue<string>() is { } strategy && strategy is not ("RollingUpdate" or "Recreate"))
        {
            errors.Add(FieldError.NotSupported("spec.strategy.type", strategy, "Recreate", "RollingUpdate"));
        }

        if (spec?["template"]?["spec"]?["restartPolicy"]?.GetValue<string>() is { } restart && restart != "Always")
        {
            errors.Add(FieldError.NotSupported("spec.template.spec.restartPolicy", restart, "Always"));
        }

        if (spec?["template"] is null)
        {
            errors.Add(FieldError.Required("spec.template"));
            return;
        }

        PodSpec(spec["template"]?["spec"] as JsonObject, "spec.template.spec", errors);
    }

    private static void PodSpec(JsonObject? spec, string path, List<FieldError> errors)
    {
        if (spec?["containers"] is not JsonArray { Count: > 0 } containers)
        {
            errors.Add(FieldError.Required($"{path}.containers"));
            return;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < containers.Count; i++)
        {
            var at = $"{path}.containers[{i.ToString(CultureInfo.InvariantCulture)}]";
            var container = containers[i] as JsonObject ?? new JsonObject();
            var name = container["name"]?.GetValue<string>();
            if (string.IsNullOrEmpty(name))
            {
                errors.Add(FieldError.Required($"{at}.name"));
            }
            else if (!DnsLabel().IsMatch(name) || name.Length > 63)
            {
                errors.Add(FieldError.Invalid($"{at}.name", name, LabelMessage));
            }
            else if (!names.Add(name))
            {
                errors.Add(FieldError.Duplicate($"{at}.name", name));
            }

            if (string.IsNullOrWhiteSpace(container["image"]?.GetValue<string>()))
            {
                errors.Add(FieldError.Required($"{at}.image"));
            }

            var ports = (container["ports"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
            for (var p = 0; p < ports.Count; p++)
            {
                var port = ports[p]["containerPort"];
                if (port is null)
                {
                    errors.Add(FieldError.Required($"{at}.ports[{p.ToString(CultureInfo.InvariantCulture)}].containerPort"));
                }
                else if (port.GetValueKind() != JsonValueKind.Number || Number(port) is < 1 or > 65535)
                {
                    errors.Add(FieldError.Invalid($"{at}.ports[{p.ToString(CultureInfo.InvariantCulture)}].containerPort", port, "must be between 1 and 65535, inclusive"));
                }
            }

            foreach (var resource in new[] { "cpu", "memory" })
            {
                var request = container["resources"]?["requests"]?[resource];
                var limit = container["resources"]?["limits"]?[resource];
                if (request is not null && limit is not null && Quantity.Read(request) > Quantity.Read(limit))
                {
                    errors.Add(FieldError.Invalid($"{at}.resources.requests", request, $"must be less than or equal to {resource} limit of {limit}"));
                }
            }
        }

        var tolerations = (spec["tolerations"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        for (var i = 0; i < tolerations.Count; i++)
        {
            var at = $"{path}.tolerations[{i.ToString(CultureInfo.InvariantCulture)}]";
            var op = tolerations[i]["operator"]?.GetValue<string>() ?? "Equal";
            if (op is not ("Equal" or "Exists"))
            {
                errors.Add(FieldError.NotSupported($"{at}.operator", op, "Equal", "Exists"));
            }
            else if (op == "Exists" && tolerations[i]["value"]?.GetValue<string>() is { Length: > 0 } value)
            {
                errors.Add(FieldError.Invalid($"{at}.operator", value, "value must be empty when `operator` is 'Exists'"));
            }

            if (tolerations[i]["effect"]?.GetValue<string>() is { Length: > 0 } effect && effect is not ("NoSchedule" or "PreferNoSchedule" or "NoExecute"))
            {
                errors.Add(FieldError.NotSupported($"{at}.effect", effect, "NoSchedule", "PreferNoSchedule", "NoExecute"));
            }
        }
    }

    private static void Service(JsonObject? spec, List<FieldError> errors)
    {
        var type = spec?["type"]?.GetValue<string>() ?? "ClusterIP";
        if (type is not ("ClusterIP" or "NodePort" or "LoadBalancer" or "ExternalName"))
        {
            errors.Add(FieldError.NotSupported("spec.type", type, "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"));
        }

        var headless = spec?["clusterIP"]?.GetValue<string>() == "None";
        var ports = (spec?["ports"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        if (ports.Count == 0 && type != "ExternalName" && !headless)
        {
            errors.Add(FieldError.Required("spec.ports"));
        }

        for (var i = 0; i < ports.Count; i++)
        {
            var port = ports[i]["port"];
            var at = $"spec.ports[{i.ToString(CultureInfo.InvariantCulture)}]";
            if (port is null)
            {
                errors.Add(FieldError.Required($"{at}.port"));
            }
            else if (port.GetValueKind() != JsonValueKind.Number || Number(port) is < 1 or > 65535)
            {
                errors.Add(FieldError.Invalid($"{at}.port", port, "must be between 1 and 65535, inclusive"));
            }

            if (ports.Count > 1 && string.IsNullOrEmpty(ports[i]["name"]?.GetValue<string>()))
            {
                errors.Add(FieldError.Required($"{at}.name"));
            }
        }
    }

    private static void Taints(JsonArray? taints, List<FieldError> errors)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (taints?.Count ?? 0); i++)
        {
            var taint = taints![i] as JsonObject ?? new JsonObject();
            var at = $"spec.taints[{i.ToString(CultureInfo.InvariantCulture)}]";
            var effect = taint["effect"]?.GetValue<string>();
            if (string.IsNullOrEmpty(effect))
            {
                errors.Add(FieldError.Required($"{at}.effect"));
            }
            else if (effect is not ("NoSchedule" or "PreferNoSchedule" or "NoExecute"))
            {
                errors.Add(FieldError.NotSupported($"{at}.effect", effect, "NoSchedule", "PreferNoSchedule", "NoExecute"));
            }

            if (string.IsNullOrEmpty(taint["key"]?.GetValue<string>()))
            {
                errors.Add(FieldError.Required($"{at}.key"));
            }
            else if (!seen.Add($"{taint["key"]}:{effect}"))
            {
                errors.Add(FieldError.Duplicate("spec.taints", new JsonObject { ["key"] = taint["key"]?.DeepClone(), ["effect"] = effect }));
            }
        }
    }

    private static void Labels(JsonNode? labels, string path, List<FieldError> errors)
    {
        foreach (var value in (labels as JsonObject)?.Select(kv => kv.Value) ?? [])
        {
            var text = value?.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value?.ToJsonString() ?? "";
            if (text.Length > 63 || (text.Length > 0 && !LabelValue().IsMatch(text)))
            {
                errors.Add(FieldError.Invalid(path, text, "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"));
            }
        }
    }

    // Numbers as JSON text: a node may hold an int, a long or a double.
    private static decimal Number(JsonNode node) => decimal.Parse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelValue();
}

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
    private static readonly string[] ContainerFields = ["initContainers", "containers"];
    private static readonly string[] ProbeFields = ["readinessProbe", "livenessProbe", "startupProbe"];

    /// <summary>
    /// A pod's quality of service class, as the API server sets <c>status.qosClass</c>: Guaranteed when every container
    /// has CPU and memory limits and its requests (defaulted to the limits) equal them, BestEffort when no container
    /// requests or limits either, else Burstable.
    /// </summary>
    public static string QosClass(JsonObject pod)
    {
        var containers = ContainerFields
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
        foreach (var container in ContainerFields.SelectMany(f => (spec[f] as JsonArray)?.OfType<JsonObject>() ?? []))
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

            foreach (var probe in ProbeFields.Select(p => container[p]).OfType<JsonObject>())
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
    /// <summary>What a name may not contain when it is a path segment.</summary>
    private static readonly string[] PathSegmentForbidden = ["/", "%"];

    /// <summary>
    /// Validates a create (<paramref name="old"/> null) or an update. <paramref name="byClient"/> is false for a
    /// controller's own path (the scheduler's binding, the kubelet's restart of a static pod), which upstream does
    /// through subresources that the pod's immutability does not cover.
    /// </summary>
    public static void Check(ResourceType type, JsonObject obj, JsonObject? old, bool byClient = true)
    {
        var errors = new List<FieldError>();
        Labels(obj["metadata"]?["labels"], "metadata.labels", errors);
        foreach (var key in (obj["metadata"]?["annotations"] as JsonObject)?.Select(kv => kv.Key) ?? [])
        {
            errors.AddRange(QualifiedName(key).Select(message => FieldError.Invalid("metadata.annotations", key, message)));
        }

        var spec = obj["spec"] as JsonObject;
        switch (type.Group, type.Kind)
        {
            case ("apps", "Deployment" or "ReplicaSet" or "DaemonSet"):
                Workload(type, spec, old?["spec"], errors);
                break;
            case ("", "Pod"):
                PodSpec(spec, "spec", errors);
                if (old is not null && byClient)
                {
                    PodUpdate(old["spec"] as JsonObject, spec, errors);
                }

                break;
            case ("", "Service"):
                Service(spec, errors);
                break;
            case ("", "Node"):
                Taints(spec?["taints"] as JsonArray, errors);
                break;
        }

        if (errors.Count > 0)
        {
            throw ApiError.Invalid(type, obj["metadata"]?["name"]?.GetValue<string>() ?? "", errors);
        }
    }

    /// <summary>
    /// The errors of an object's name as upstream checks it for the kind: namespaces are RFC 1123 labels, services
    /// RFC 1035 labels, RBAC objects path segments (<c>system:aggregate-to-admin</c>), everything else RFC 1123 subdomains.
    /// </summary>
    public static List<FieldError> Name(ResourceType type, string name)
    {
        var errors = new List<FieldError>();
        switch (type.Group, type.Kind)
        {
            case ("", "Namespace"):
                if (name.Length > 63)
                {
                    errors.Add(FieldError.Invalid("metadata.name", name, "must be no more than 63 characters"));
                }

                if (!DnsLabel().IsMatch(name))
                {
                    errors.Add(FieldError.Invalid("metadata.name", name, LabelMessage));
                }

                break;
            case ("", "Service"):
                if (name.Length > 63)
                {
                    errors.Add(FieldError.Invalid("metadata.name", name, "must be no more than 63 characters"));
                }

                if (!Dns1035Label().IsMatch(name))
                {
                    errors.Add(FieldError.Invalid("metadata.name", name, Dns1035Message));
                }

                break;
            case ("rbac.authorization.k8s.io", _):
                if (name is "." or "..")
                {
                    errors.Add(FieldError.Invalid("metadata.name", name, $"may not be '{name}'"));
                }

                foreach (var forbidden in PathSegmentForbidden.Where(f => name.Contains(f, StringComparison.Ordinal)))
                {
                    errors.Add(FieldError.Invalid("metadata.name", name, $"may not contain '{forbidden}'"));
                }

                break;
            default:
                errors.AddRange(Subdomain(name).Select(message => FieldError.Invalid("metadata.name", name, message)));
                break;
        }

        return errors;
    }

    private const string LabelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

    private const string Dns1035Message = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

    private const string SubdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    private const string NamePartMessage = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

    private const string PodUpdateMessage = "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

    private static IEnumerable<string> Subdomain(string name)
    {
        if (name.Length > 253)
        {
            yield return "must be no more than 253 characters";
        }

        if (!DnsSubdomain().IsMatch(name))
        {
            yield return SubdomainMessage;
        }
    }

    /// <summary>A label or annotation key: an optional DNS subdomain prefix and '/', then a name of at most 63 characters.</summary>
    private static IEnumerable<string> QualifiedName(string key)
    {
        var parts = key.Split('/');
        if (parts.Length > 2)
        {
            yield return "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
            yield break;
        }

        if (parts.Length == 2)
        {
            if (parts[0].Length == 0)
            {
                yield return "prefix part must be non-empty";
            }
            else
            {
                foreach (var message in Subdomain(parts[0]))
                {
                    yield return "prefix part " + message;
                }
            }
        }

        var namePart = parts[^1];
        if (namePart.Length == 0)
        {
            yield return "name part must be non-empty";
        }
        else if (namePart.Length > 63)
        {
            yield return "name part must be no more than 63 characters";
        }

        if (namePart.Length > 0 && !LabelValue().IsMatch(namePart))
        {
            yield return NamePartMessage;
        }
    }

    /// <summary>
    /// A pod's spec is immutable but for its containers' images, activeDeadlineSeconds, tolerations (additions only) and
    /// terminationGracePeriodSeconds: upstream's <c>ValidatePodUpdate</c>. Anything else is fixed through the pod's owner.
    /// </summary>
    private static void PodUpdate(JsonObject? oldSpec, JsonObject? newSpec, List<FieldError> errors)
    {
        if (oldSpec is null || newSpec is null)
        {
            return;
        }

        // The new spec with every change upstream allows taken back: what is left must equal the old spec.
        var mutable = (JsonObject)newSpec.DeepClone();
        foreach (var field in new[] { "containers", "initContainers" })
        {
            if (oldSpec[field] is JsonArray oldContainers && mutable[field] is JsonArray newContainers && oldContainers.Count == newContainers.Count)
            {
                for (var i = 0; i < newContainers.Count; i++)
                {
                    if (newContainers[i] is JsonObject container)
                    {
                        container["image"] = oldContainers[i]?["image"]?.DeepClone();
                    }
                }
            }
        }

        foreach (var field in new[] { "activeDeadlineSeconds", "terminationGracePeriodSeconds" })
        {
            mutable[field] = oldSpec[field]?.DeepClone();
        }

        var oldTolerations = (oldSpec["tolerations"] as JsonArray)?.ToList() ?? [];
        var newTolerations = (newSpec["tolerations"] as JsonArray)?.ToList() ?? [];
        if (oldTolerations.All(t => newTolerations.Any(n => JsonNode.DeepEquals(n, t))))
        {
            mutable["tolerations"] = oldSpec["tolerations"]?.DeepClone();
        }

        if (!JsonNode.DeepEquals(Compact(mutable), Compact(oldSpec)))
        {
            errors.Add(new FieldError("spec", "FieldValueForbidden", $"Forbidden: {PodUpdateMessage}"));
        }
    }

    // Null fields are absent fields.
    private static JsonNode? Compact(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Where(kv => kv.Value is not null).Select(kv => KeyValuePair.Create(kv.Key, Compact(kv.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Compact)]),
        _ => node?.DeepClone(),
    };

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
        foreach (var key in (labels as JsonObject)?.Select(kv => kv.Key) ?? [])
        {
            errors.AddRange(QualifiedName(key).Select(message => FieldError.Invalid(path, key, message)));
        }

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

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1035Label();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelValue();
}

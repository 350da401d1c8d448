using System.Globalization;
using System.Text.Json.Nodes;

namespace RawkodeAutomation.Kubernetes.Sandbox;

/// <summary>
/// Server-side printing: the <c>Table</c> (meta.k8s.io/v1) answers to <c>Accept: application/json;as=Table;v=v1;g=meta.k8s.io</c>,
/// with the columns kube-apiserver's printers give each kind (what <c>kubectl get</c> shows), CRD
/// <c>additionalPrinterColumns</c> for custom resources, and NAME/CREATED AT otherwise.
/// See https://kubernetes.io/docs/reference/using-api/api-concepts/#receiving-resources-as-tables.
/// </summary>
internal static class Printing
{
    private sealed record Column(string Name, string Type, Func<JsonObject, object?> Cell, int Priority = 0, string Format = "", string Description = "");

    /// <summary>Whether an Accept header asks for a Table.</summary>
    public static bool WantsTable(string? accept) => accept?.Contains("as=Table", StringComparison.Ordinal) == true;

    public static JsonObject Table(ResourceType type, IEnumerable<JsonObject> items, string? resourceVersion, string? includeObject, ObjectStore store, DateTimeOffset now)
    {
        var columns = Columns(type, store, now);
        var rows = new JsonArray();
        foreach (var item in items)
        {
            var row = new JsonObject { ["cells"] = new JsonArray([.. columns.Select(c => ToNode(c.Cell(item)))]) };
            row["object"] = includeObject switch
            {
                "None" => null,
                "Object" => item.DeepClone(),
                _ => new JsonObject { ["kind"] = "PartialObjectMetadata", ["apiVersion"] = "meta.k8s.io/v1", ["metadata"] = item["metadata"]?.DeepClone() },
            };
            rows.Add(row);
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion },
            ["columnDefinitions"] = new JsonArray([.. columns.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name,
                ["type"] = c.Type,
                ["format"] = c.Format,
                ["description"] = c.Description.Length > 0 ? c.Description : c.Name,
                ["priority"] = c.Priority,
            })]),
            ["rows"] = rows,
        };
    }

    private static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        int i => i,
        long l => l,
        bool b => b,
        _ => value.ToString(),
    };

    private static List<Column> Columns(ResourceType type, ObjectStore store, DateTimeOffset now)
    {
        var name = new Column("Name", "string", o => S(o, "metadata", "name"), Format: "name", Description: "Name must be unique within a namespace.");
        var age = new Column("Age", "string", o => Age(o, now), Description: "CreationTimestamp is a timestamp representing the server time when this object was created.");
        var created = new Column("Created At", "date", o => S(o, "metadata", "creationTimestamp"));
        return (type.Group, type.Plural) switch
        {
            ("", "pods") =>
            [
                name,
                new("Ready", "string", o => $"{Containers(o).Count(c => c["ready"]?.GetValue<bool>() == true)}/{(o["spec"]?["containers"] as JsonArray)?.Count ?? 0}"),
                new("Status", "string", PodStatus),
                new("Restarts", "string", o => Restarts(o, now)),
                age,
                new("IP", "string", o => S(o, "status", "podIP") ?? "<none>", 1),
                new("Node", "string", o => S(o, "spec", "nodeName") ?? "<none>", 1),
                new("Nominated Node", "string", o => S(o, "status", "nominatedNodeName") ?? "<none>", 1),
                new("Readiness Gates", "string", _ => "<none>", 1),
            ],
            ("apps", "deployments") =>
            [
                name,
                new("Ready", "string", o => $"{N(o, "status", "readyReplicas")}/{N(o, "spec", "replicas")}"),
                new("Up-to-date", "integer", o => N(o, "status", "updatedReplicas")),
                new("Available", "integer", o => N(o, "status", "availableReplicas")),
                age,
                new("Containers", "string", o => ContainerField(o["spec"]?["template"], "name"), 1),
                new("Images", "string", o => ContainerField(o["spec"]?["template"], "image"), 1),
                new("Selector", "string", o => Selector(o["spec"]?["selector"]), 1),
            ],
            ("apps", "replicasets") =>
            [
                name,
                new("Desired", "integer", o => N(o, "spec", "replicas")),
                new("Current", "integer", o => N(o, "status", "replicas")),
                new("Ready", "integer", o => N(o, "status", "readyReplicas")),
                age,
                new("Containers", "string", o => ContainerField(o["spec"]?["template"], "name"), 1),
                new("Images", "string", o => ContainerField(o["spec"]?["template"], "image"), 1),
                new("Selector", "string", o => Selector(o["spec"]?["selector"]), 1),
            ],
            ("", "replicationcontrollers") =>
            [
                name,
                new("Desired", "integer", o => N(o, "spec", "replicas")),
                new("Current", "integer", o => N(o, "status", "replicas")),
                new("Ready", "integer", o => N(o, "status", "readyReplicas")),
                age,
            ],
            ("coordination.k8s.io", "leases") => [name, new("Holder", "string", o => S(o, "spec", "holderIdentity") ?? ""), age],
            ("apps", "daemonsets") =>
            [
                name,
                new("Desired", "integer", o => N(o, "status", "desiredNumberScheduled")),
                new("Current", "integer", o => N(o, "status", "currentNumberScheduled")),
                new("Ready", "integer", o => N(o, "status", "numberReady")),
                new("Up-to-date", "integer", o => N(o, "status", "updatedNumberScheduled")),
                new("Available", "integer", o => N(o, "status", "numberAvailable")),
                new("Node Selector", "string", o => o["spec"]?["template"]?["spec"]?["nodeSelector"] is JsonObject s && s.Count > 0 ? string.Join(",", s.Select(kv => $"{kv.Key}={kv.Value}")) : "<none>"),
                age,
            ],
            ("", "nodes") =>
            [
                name,
                new("Status", "string", NodeStatus),
                new("Roles", "string", o => (o["metadata"]?["labels"] as JsonObject)?.Select(kv => kv.Key).Where(k => k.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal)).Select(k => k["node-role.kubernetes.io/".Length..]).DefaultIfEmpty("<none>").Aggregate((a, b) => $"{a},{b}")),
                age,
                new("Version", "string", o => S(o, "status", "nodeInfo", "kubeletVersion") ?? ""),
                new("Internal-IP", "string", o => (o["status"]?["addresses"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(a => a["type"]?.GetValue<string>() == "InternalIP")?["address"]?.GetValue<string>() ?? "<none>", 1),
                new("External-IP", "string", _ => "<none>", 1),
                new("OS-Image", "string", o => S(o, "status", "nodeInfo", "osImage") ?? "<unknown>", 1),
                new("Kernel-Version", "string", o => S(o, "status", "nodeInfo", "kernelVersion") ?? "<unknown>", 1),
                new("Container-Runtime", "string", o => S(o, "status", "nodeInfo", "containerRuntimeVersion") ?? "<unknown>", 1),
            ],
            ("", "events") =>
            [
                new("Last Seen", "string", o => EventAge(o, now)),
                new("Type", "string", o => S(o, "type") ?? ""),
                new("Reason", "string", o => S(o, "reason") ?? ""),
                new("Object", "string", o => $"{S(o, "involvedObject", "kind")?.ToLowerInvariant()}/{S(o, "involvedObject", "name")}"),
                new("Subobject", "string", o => S(o, "involvedObject", "fieldPath") ?? "", 1),
                new("Source", "string", o => S(o, "source", "component") ?? S(o, "reportingComponent") ?? "", 1),
                new("Message", "string", o => S(o, "message") ?? ""),
                new("First Seen", "string", o => Since(S(o, "firstTimestamp"), now), 1),
                new("Count", "integer", o => N(o, "count"), 1),
                new("Name", "string", o => S(o, "metadata", "name"), 1, "name"),
            ],
            ("", "services") =>
            [
                name,
                new("Type", "string", o => S(o, "spec", "type") ?? "ClusterIP"),
                new("Cluster-IP", "string", o => S(o, "spec", "clusterIP") ?? "<none>"),
                new("External-IP", "string", o => S(o, "spec", "type") switch { "LoadBalancer" => "<pending>", "ExternalName" => S(o, "spec", "externalName") ?? "<none>", _ => "<none>" }),
                new("Port(s)", "string", o => (o["spec"]?["ports"] as JsonArray)?.OfType<JsonObject>().Select(p => p["nodePort"] is null ? $"{p["port"]}/{p["protocol"] ?? "TCP"}" : $"{p["port"]}:{p["nodePort"]}/{p["protocol"] ?? "TCP"}").DefaultIfEmpty("<none>").Aggregate((a, b) => $"{a},{b}")),
                age,
                new("Selector", "string", o => o["spec"]?["selector"] is JsonObject s && s.Count > 0 ? string.Join(",", s.Select(kv => $"{kv.Key}={kv.Value}")) : "<none>", 1),
            ],
            ("", "endpoints") =>
            [
                name,
                new("Endpoints", "string", Endpoints),
                age,
            ],
            ("policy", "poddisruptionbudgets") =>
            [
                name,
                new("Min Available", "string", o => o["spec"]?["minAvailable"]?.ToString() ?? "N/A"),
                new("Max Unavailable", "string", o => o["spec"]?["maxUnavailable"]?.ToString() ?? "N/A"),
                new("Allowed Disruptions", "integer", o => N(o, "status", "disruptionsAllowed")),
                age,
            ],
            ("discovery.k8s.io", "endpointslices") =>
            [
                name,
                new("AddressType", "string", o => S(o, "addressType") ?? ""),
                new("Ports", "string", o => (o["ports"] as JsonArray)?.OfType<JsonObject>().Select(p => p["port"]?.ToJsonString() ?? "<unset>").DefaultIfEmpty("<unset>").Aggregate((a, b) => $"{a},{b}") ?? "<unset>"),
                new("Endpoints", "string", SliceEndpoints),
                age,
            ],
            ("", "componentstatuses") =>
            [
                name,
                new("Status", "string", o => (o["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == "Healthy")?["status"]?.GetValue<string>() == "True" ? "Healthy" : "Unhealthy"),
                new("Message", "string", o => (o["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault()?["message"]?.GetValue<string>() ?? ""),
                new("Error", "string", o => (o["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault()?["error"]?.GetValue<string>() ?? ""),
            ],
            ("", "namespaces") => [name, new("Status", "string", o => S(o, "status", "phase") ?? ""), age],
            ("", "configmaps") => [name, new("Data", "integer", o => ((o["data"] as JsonObject)?.Count ?? 0) + ((o["binaryData"] as JsonObject)?.Count ?? 0)), age],
            ("", "secrets") => [name, new("Type", "string", o => S(o, "type") ?? "Opaque"), new("Data", "integer", o => (o["data"] as JsonObject)?.Count ?? 0), age],
            ("", "serviceaccounts") => [name, new("Secrets", "integer", o => (o["secrets"] as JsonArray)?.Count ?? 0), age],
            ("", "resourcequotas") =>
            [
                name,
                age,
                new("Request", "string", o => QuotaColumn(o, limits: false)),
                new("Limit", "string", o => QuotaColumn(o, limits: true)),
            ],
            ("", "limitranges") => [name, created],
            ("networking.k8s.io", "networkpolicies") => [name, new("Pod-Selector", "string", o => Selector(o["spec"]?["podSelector"], empty: "<none>")), age],
            ("admissionregistration.k8s.io", _) => [name, new("Webhooks", "integer", o => (o["webhooks"] as JsonArray)?.Count ?? 0), age],
            ("rbac.authorization.k8s.io", "clusterroles" or "roles") => [name, created],
            ("rbac.authorization.k8s.io", "clusterrolebindings" or "rolebindings") =>
            [
                name,
                new("Role", "string", o => $"{S(o, "roleRef", "kind")}/{S(o, "roleRef", "name")}"),
                age,
                new("Users", "string", o => Subjects(o, "User"), 1),
                new("Groups", "string", o => Subjects(o, "Group"), 1),
                new("ServiceAccounts", "string", o => Subjects(o, "ServiceAccount"), 1),
            ],
            ("cluster.x-k8s.io", "clusters") =>
            [
                name,
                new("ClusterClass", "string", o => S(o, "spec", "topology", "class") ?? ""),
                new("Phase", "string", o => S(o, "status", "phase") ?? ""),
                age,
                new("Version", "string", o => S(o, "spec", "topology", "version") ?? ""),
            ],
            _ when CustomColumns(type, store) is { } custom => [name, .. custom, age],
            _ when type.Group.Contains('.', StringComparison.Ordinal) && !type.Group.EndsWith(".k8s.io", StringComparison.Ordinal) => [name, age],
            _ => [name, created],
        };
    }

    // additionalPrinterColumns of the CustomResourceDefinition that serves the type (simple .a.b JSON paths).
    private static List<Column>? CustomColumns(ResourceType type, ObjectStore store)
    {
        var crdType = store.Catalog.Find("apiextensions.k8s.io", "v1", "customresourcedefinitions");
        if (crdType is null || store.Get(crdType, null, $"{type.Plural}.{type.Group}") is not { } crd)
        {
            return null;
        }

        var version = (crd["spec"]?["versions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(v => v["name"]?.GetValue<string>() == type.Version);
        if (version?["additionalPrinterColumns"] is not JsonArray { Count: > 0 } columns)
        {
            return null;
        }

        return [.. columns.OfType<JsonObject>()
            .Where(c => c["jsonPath"]?.GetValue<string>() != ".metadata.creationTimestamp")
            .Select(c => new Column(c["name"]?.GetValue<string>() ?? "", c["type"]?.GetValue<string>() ?? "string", o =>
            {
                JsonNode? node = o;
                foreach (var segment in (c["jsonPath"]?.GetValue<string>() ?? "").Split('.', StringSplitOptions.RemoveEmptyEntries))
                {
                    node = node?[segment];
                }

                return node?.ToString() ?? "";
            }, c["priority"]?.GetValue<int>() ?? 0))];
    }

    private static string PodStatus(JsonObject pod)
    {
        if (pod["metadata"]?["deletionTimestamp"] is not null)
        {
            return "Terminating";
        }

        var reason = S(pod, "status", "reason") ?? S(pod, "status", "phase") ?? "Pending";
        var running = false;
        foreach (var status in Containers(pod).Reverse())
        {
            if (status["state"]?["waiting"]?["reason"]?.GetValue<string>() is { Length: > 0 } waiting)
            {
                reason = waiting;
            }
            else if (status["state"]?["terminated"] is JsonObject terminated)
            {
                reason = terminated["reason"]?.GetValue<string>() ?? $"ExitCode:{terminated["exitCode"]}";
            }
            else if (status["state"]?["running"] is not null && status["ready"]?.GetValue<bool>() == true)
            {
                running = true;
            }
        }

        return reason == "Completed" && running ? "Running" : reason;
    }

    private static string Restarts(JsonObject pod, DateTimeOffset now)
    {
        var statuses = Containers(pod).ToList();
        var restarts = statuses.Sum(c => c["restartCount"]?.GetValue<int>() ?? 0);
        var last = statuses.Select(c => S(c, "lastState", "terminated", "finishedAt")).Where(t => t is not null).Max();
        return restarts > 0 && last is not null ? $"{restarts} ({Since(last, now)} ago)" : restarts.ToString(CultureInfo.InvariantCulture);
    }

    private static string NodeStatus(JsonObject node)
    {
        var ready = (node["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == "Ready")?["status"]?.GetValue<string>();
        // As kubectl's node printer: a Ready condition that is not True (False, or Unknown when the kubelet stopped
        // posting status) is NotReady; only a node without one is Unknown.
        var status = ready switch { "True" => "Ready", null => "Unknown", _ => "NotReady" };
        return node["spec"]?["unschedulable"]?.GetValue<bool>() == true ? status + ",SchedulingDisabled" : status;
    }

    private static string Endpoints(JsonObject endpoints)
    {
        var list = ((endpoints["subsets"] as JsonArray)?.OfType<JsonObject>() ?? [])
            .SelectMany(s => ((s["addresses"] as JsonArray)?.OfType<JsonObject>() ?? []).SelectMany(a =>
                ((s["ports"] as JsonArray)?.OfType<JsonObject>() ?? [new JsonObject()]).Select(p => p["port"] is null ? $"{a["ip"]}" : $"{a["ip"]}:{p["port"]}")))
            .ToList();
        return list.Count == 0 ? "<none>" : list.Count > 3 ? string.Join(",", list.Take(3)) + $" + {list.Count - 3} more..." : string.Join(",", list);
    }

    // As kubectl's printer: every address of the slice, the first three then "+ N more...".
    private static string SliceEndpoints(JsonObject slice)
    {
        var list = ((slice["endpoints"] as JsonArray)?.OfType<JsonObject>() ?? []).SelectMany(e => (e["addresses"] as JsonArray)?.Select(a => a?.GetValue<string>() ?? "") ?? []).ToList();
        return list.Count == 0 ? "<unset>" : list.Count > 3 ? string.Join(",", list.Take(3)) + $" + {list.Count - 3} more..." : string.Join(",", list);
    }

    private static string QuotaColumn(JsonObject quota, bool limits)
    {
        var hard = quota["status"]?["hard"] as JsonObject ?? quota["spec"]?["hard"] as JsonObject ?? new JsonObject();
        var used = quota["status"]?["used"] as JsonObject;
        return string.Join(", ", hard.Where(kv => kv.Key.StartsWith("limits.", StringComparison.Ordinal) == limits)
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => $"{kv.Key}: {used?[kv.Key]?.ToString() ?? "0"}/{kv.Value}"));
    }

    private static string Subjects(JsonObject binding, string kind) =>
        ((binding["subjects"] as JsonArray)?.OfType<JsonObject>() ?? []).Where(s => s["kind"]?.GetValue<string>() == kind)
            .Select(s => kind == "ServiceAccount" ? $"{s["namespace"]}/{s["name"]}" : $"{s["name"]}").DefaultIfEmpty("").Aggregate((a, b) => $"{a}, {b}");

    private static string Selector(JsonNode? selector, string empty = "<none>")
    {
        var parts = new List<string>();
        foreach (var (key, value) in selector?["matchLabels"] as JsonObject ?? [])
        {
            parts.Add($"{key}={value}");
        }

        foreach (var expression in (selector?["matchExpressions"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            var values = (expression["values"] as JsonArray)?.Select(v => v?.ToString()) ?? [];
            parts.Add(expression["operator"]?.GetValue<string>() switch
            {
                "In" => $"{expression["key"]} in ({string.Join(",", values)})",
                "NotIn" => $"{expression["key"]} notin ({string.Join(",", values)})",
                "Exists" => $"{expression["key"]}",
                _ => $"!{expression["key"]}",
            });
        }

        return parts.Count == 0 ? empty : string.Join(",", parts);
    }

    private static string ContainerField(JsonNode? template, string field) =>
        string.Join(",", ((template?["spec"]?["containers"] as JsonArray)?.OfType<JsonObject>() ?? []).Select(c => c[field]?.ToString()));

    private static IEnumerable<JsonObject> Containers(JsonObject pod) => (pod["status"]?["containerStatuses"] as JsonArray)?.OfType<JsonObject>() ?? [];

    private static string? S(JsonNode? node, params string[] path)
    {
        foreach (var segment in path)
        {
            node = node?[segment];
        }

        return node?.ToString();
    }

    private static long N(JsonNode? node, params string[] path) =>
        long.TryParse(S(node, path), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;

    private static string Age(JsonObject obj, DateTimeOffset now) => Since(S(obj, "metadata", "creationTimestamp"), now);

    private static string EventAge(JsonObject e, DateTimeOffset now) =>
        Since(S(e, "lastTimestamp") ?? S(e, "eventTime") ?? S(e, "firstTimestamp") ?? S(e, "metadata", "creationTimestamp"), now);

    private static string Since(string? timestamp, DateTimeOffset now) =>
        timestamp is not null && DateTimeOffset.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? HumanDuration(now - at) : "<unknown>";

    /// <summary>Durations as kubectl prints ages (apimachinery's duration.HumanDuration).</summary>
    public static string HumanDuration(TimeSpan d)
    {
        static string I(double v) => ((long)v).ToString(CultureInfo.InvariantCulture);
        if (d < TimeSpan.FromSeconds(-1))
        {
            return "<invalid>";
        }

        if (d < TimeSpan.Zero)
        {
            return "0s";
        }

        if (d < TimeSpan.FromMinutes(2))
        {
            return $"{I(d.TotalSeconds)}s";
        }

        if (d < TimeSpan.FromMinutes(10))
        {
            return d.Seconds == 0 ? $"{I(d.TotalMinutes)}m" : $"{I(d.TotalMinutes)}m{d.Seconds}s";
        }

        if (d < TimeSpan.FromHours(3))
        {
            return $"{I(d.TotalMinutes)}m";
        }

        if (d < TimeSpan.FromHours(8))
        {
            return d.Minutes == 0 ? $"{I(d.TotalHours)}h" : $"{I(d.TotalHours)}h{d.Minutes}m";
        }

        if (d < TimeSpan.FromHours(48))
        {
            return $"{I(d.TotalHours)}h";
        }

        if (d < TimeSpan.FromDays(8))
        {
            return d.Hours == 0 ? $"{I(d.TotalDays)}d" : $"{I(d.TotalDays)}d{d.Hours}h";
        }

        if (d < TimeSpan.FromDays(365 * 2))
        {
            return $"{I(d.TotalDays)}d";
        }

        var years = (long)(d.TotalDays / 365);
        return years < 8 ? $"{years}y{(long)(d.TotalDays % 365)}d" : $"{years}y";
    }
}

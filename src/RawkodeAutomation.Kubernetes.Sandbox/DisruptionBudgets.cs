using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RawkodeAutomation.Kubernetes.Sandbox;

/// <summary>
/// PodDisruptionBudgets as upstream's disruption controller and eviction subresource apply them: how many of a budget's
/// pods must stay healthy, and whether evicting one more would break that (then <c>kubectl drain</c> waits).
/// See https://kubernetes.io/docs/concepts/workloads/pods/disruptions/.
/// </summary>
internal static class DisruptionBudgets
{
    /// <summary>
    /// A budget's expected, desired-healthy and currently healthy pod counts. Expected is the matching pods for an integer
    /// minAvailable, else the replicas their owners want (a percentage or maxUnavailable is of the scale, as upstream).
    /// </summary>
    public static (long Expected, long Desired, long Current) Count(ObjectStore store, JsonObject budget)
    {
        var pods = Pods(store, budget);
        var current = pods.Count(p => WorkloadStandIn.IsReady(p) && p["metadata"]?["deletionTimestamp"] is null);
        var minAvailable = budget["spec"]?["minAvailable"];
        var maxUnavailable = budget["spec"]?["maxUnavailable"];
        long expected = pods.Count;
        if (maxUnavailable is not null || minAvailable?.GetValueKind() == JsonValueKind.String)
        {
            // The scale of every controller of the matching pods.
            expected = pods.GroupBy(p => p["metadata"]?["ownerReferences"]?[0]?["uid"]?.GetValue<string>() ?? Guid.NewGuid().ToString())
                .Sum(g => OwnerReplicas(store, g.First()) ?? g.Count());
        }

        long desired = minAvailable is not null
            ? Resolve(minAvailable, expected)
            : maxUnavailable is not null ? Math.Max(0, expected - Resolve(maxUnavailable, expected)) : 0;
        return (expected, desired, current);
    }

    /// <summary>
    /// Refuses (429) the eviction of <paramref name="pod"/> when a budget covering it has no disruption left. A pod that is
    /// not running (Pending, Succeeded, Failed) is never protected, and one not Ready does not count against its budget.
    /// </summary>
    public static void CheckEviction(ObjectStore store, JsonObject pod)
    {
        if (pod["status"]?["phase"]?.GetValue<string>() is "Pending" or "Succeeded" or "Failed")
        {
            return;
        }

        var type = store.Catalog.Find("policy", "v1", "poddisruptionbudgets")!;
        var ns = pod["metadata"]?["namespace"]?.GetValue<string>();
        var budgets = store.List(type, ns).Items.Where(b => Selects(b, pod)).ToList();
        if (budgets.Count > 1)
        {
            throw new ApiError(500, "InternalError", "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
        }

        if (budgets.Count == 0 || !WorkloadStandIn.IsReady(pod))
        {
            return;
        }

        var (_, desired, current) = Count(store, budgets[0]);
        if (current - desired <= 0)
        {
            throw ApiError.DisruptionBudget(budgets[0]["metadata"]!["name"]!.GetValue<string>(), desired, current);
        }
    }

    private static List<JsonObject> Pods(ObjectStore store, JsonObject budget) =>
        [.. store.List(store.Catalog.Find("", "v1", "pods")!, budget["metadata"]?["namespace"]?.GetValue<string>()).Items.Where(p => Selects(budget, p))];

    private static bool Selects(JsonObject budget, JsonObject pod) =>
        budget["spec"]?["selector"] is JsonObject selector && LabelSelector.FromSpec(selector, nullSelectsNothing: true).Matches(pod);

    private static long? OwnerReplicas(ObjectStore store, JsonObject pod)
    {
        var owner = pod["metadata"]?["ownerReferences"]?[0];
        var kind = owner?["kind"]?.GetValue<string>();
        var type = kind switch
        {
            "ReplicaSet" => store.Catalog.Find("apps", "v1", "replicasets"),
            "ReplicationController" => store.Catalog.Find("", "v1", "replicationcontrollers"),
            _ => null,
        };
        var controller = type is null ? null : store.Get(type, pod["metadata"]?["namespace"]?.GetValue<string>(), owner!["name"]!.GetValue<string>());
        return controller?["spec"]?["replicas"] is { } replicas ? Number(replicas) : null;
    }

    // Numbers as JSON text: a node may hold an int or a long.
    private static long Number(JsonNode node) => long.Parse(node.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    // An int, or a percentage of the expected pods rounded up (upstream's GetScaledValueFromIntOrPercent, roundUp=true).
    private static long Resolve(JsonNode value, long expected)
    {
        if (value.GetValueKind() == JsonValueKind.Number)
        {
            return Number(value);
        }

        var text = value.GetValue<string>();
        return text.EndsWith('%') && long.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var percent)
            ? (long)Math.Ceiling(expected * percent / 100.0)
            : 0;
    }
}

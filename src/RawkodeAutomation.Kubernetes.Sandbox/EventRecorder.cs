using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;

namespace RawkodeAutomation.Kubernetes.Sandbox;

/// <summary>
/// Writes core/v1 Events as the controllers and kubelets of a real cluster do (what <c>kubectl get events</c> and
/// <c>describe</c> show): the same event repeated is one Event whose <c>count</c> and <c>lastTimestamp</c> move on,
/// at most every few seconds, like client-go's event correlator.
/// </summary>
internal sealed class EventRecorder(ObjectStore store)
{
    private static readonly TimeSpan RepeatEvery = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<string, (string Name, DateTime Last)> _seen = new(StringComparer.Ordinal);

    public async Task RecordAsync(JsonObject involved, string type, string reason, string message, string component, string? host = null, string? fieldPath = null)
    {
        var ns = involved["metadata"]?["namespace"]?.GetValue<string>() ?? "default";
        var uid = involved["metadata"]?["uid"]?.GetValue<string>() ?? "";
        var key = $"{uid}|{reason}|{message}";
        var eventType = store.Catalog.Find("", "v1", "events")!;
        var now = DateTime.UtcNow;
        var stamp = now.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        try
        {
            if (_seen.TryGetValue(key, out var seen))
            {
                if (now - seen.Last < RepeatEvery)
                {
                    return;
                }

                if (store.Get(eventType, ns, seen.Name) is { } existing)
                {
                    existing["count"] = (existing["count"]?.GetValue<int>() ?? 1) + 1;
                    existing["lastTimestamp"] = stamp;
                    await store.UpdateAsync(eventType, ns, seen.Name, existing, null, admit: false).ConfigureAwait(false);
                    _seen[key] = (seen.Name, now);
                    return;
                }
            }

            var name = $"{involved["metadata"]?["name"]}.{now.Ticks:x}";
            await store.CreateAsync(eventType, ns, new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
                ["involvedObject"] = new JsonObject
                {
                    ["kind"] = involved["kind"]?.DeepClone(),
                    ["namespace"] = involved["metadata"]?["namespace"]?.DeepClone(),
                    ["name"] = involved["metadata"]?["name"]?.DeepClone(),
                    ["uid"] = uid,
                    ["apiVersion"] = involved["apiVersion"]?.DeepClone(),
                    ["resourceVersion"] = involved["metadata"]?["resourceVersion"]?.DeepClone(),
                    ["fieldPath"] = fieldPath,
                },
                ["reason"] = reason,
                ["message"] = message,
                ["source"] = new JsonObject { ["component"] = component, ["host"] = host },
                ["firstTimestamp"] = stamp,
                ["lastTimestamp"] = stamp,
                ["count"] = 1,
                ["type"] = type,
                ["eventTime"] = null,
                ["reportingComponent"] = component,
                ["reportingInstance"] = host ?? "",
            }, admit: false).ConfigureAwait(false);
            _seen[key] = (name, now);
        }
        catch (ApiError)
        {
            // Events are best effort, as in a real cluster (the namespace may be going away).
        }
    }
}

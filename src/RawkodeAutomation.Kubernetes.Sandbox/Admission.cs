using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace RawkodeAutomation.Kubernetes.Sandbox;

/// <summary>
/// The admission chain of a sandbox cluster, in the real order: mutating (LimitRanger defaults, mutating
/// webhooks), then validating (LimitRanger maxima, ResourceQuota, validating webhooks).
/// See https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/.
/// </summary>
internal sealed class AdmissionChain(SandboxCluster cluster)
{
    private static readonly HttpClient WebhookHttp = new() { Timeout = TimeSpan.FromSeconds(10) };

    public async Task<JsonObject> AdmitAsync(AdmissionRequest request)
    {
        var obj = request.Object;
        if (request.Resource.Kind == "Pod" && request.Operation == "CREATE")
        {
            ApplyLimitRangeDefaults(request.Namespace!, obj);
        }

        obj = await CallWebhooksAsync(request with { Object = obj }, mutating: true).ConfigureAwait(false);
        if (request.Resource.Kind == "Pod" && request.Operation == "CREATE")
        {
            CheckLimitRangeMaxima(request.Namespace!, request.Name, obj);
            CheckQuota(request.Namespace!, request.Name);
        }

        await CallWebhooksAsync(request with { Object = obj }, mutating: false).ConfigureAwait(false);
        return obj;
    }

    private IEnumerable<JsonObject> ContainerLimits(string ns) =>
        cluster.Store.List(cluster.Type("LimitRange"), ns).Items
            .SelectMany(lr => (lr["spec"]?["limits"] as JsonArray)?.OfType<JsonObject>() ?? [])
            .Where(l => (l["type"]?.GetValue<string>() ?? "Container") == "Container");

    private void ApplyLimitRangeDefaults(string ns, JsonObject pod)
    {
        foreach (var limit in ContainerLimits(ns))
        {
            foreach (var container in Containers(pod))
            {
                var resources = container["resources"] as JsonObject ?? new JsonObject();
                container["resources"] = resources;
                foreach (var (field, source) in new[] { ("limits", "default"), ("requests", "defaultRequest") })
                {
                    if (limit[source] is not JsonObject defaults)
                    {
                        continue;
                    }

                    var target = resources[field] as JsonObject ?? new JsonObject();
                    resources[field] = target;
                    foreach (var (resource, value) in defaults)
                    {
                        if (target[resource] is null)
                        {
                            target[resource] = value!.DeepClone();
                        }
                    }
                }
            }
        }
    }

    private void CheckLimitRangeMaxima(string ns, string name, JsonObject pod)
    {
        foreach (var limit in ContainerLimits(ns))
        {
            foreach (var container in Containers(pod))
            {
                foreach (var (resource, maxNode) in limit["max"] as JsonObject ?? [])
                {
                    var max = Quantity.Read(maxNode)!.Value;
                    foreach (var field in new[] { "limits", "requests" })
                    {
                        var actual = Quantity.Read(container["resources"]?[field]?[resource]);
                        if (actual > max)
                        {
                            throw ApiError.Forbidden(cluster.Type("Pod"), name,
                                $"maximum {resource} usage per Container is {maxNode}, but {(field == "limits" ? "limit" : "request")} is {container["resources"]![field]![resource]}");
                        }
                    }
                }
            }
        }
    }

    private void CheckQuota(string ns, string name)
    {
        foreach (var quota in cluster.Store.List(cluster.Type("ResourceQuota"), ns).Items)
        {
            var hard = Quantity.Read(quota["spec"]?["hard"]?["pods"]);
            if (hard is null)
            {
                continue;
            }

            var used = cluster.Store.List(cluster.Type("Pod"), ns).Items.Count(p => p["status"]?["phase"]?.GetValue<string>() is not ("Succeeded" or "Failed"));
            if (used + 1 > hard)
            {
                var quotaName = quota["metadata"]!["name"]!.GetValue<string>();
                throw ApiError.Forbidden(cluster.Type("Pod"), name,
                    $"exceeded quota: {quotaName}, requested: pods=1, used: pods={used}, limited: pods={quota["spec"]!["hard"]!["pods"]}");
            }
        }
    }

    private async Task<JsonObject> CallWebhooksAsync(AdmissionRequest request, bool mutating)
    {
        var configurationType = cluster.Type(mutating ? "MutatingWebhookConfiguration" : "ValidatingWebhookConfiguration");
        var obj = request.Object;
        foreach (var configuration in cluster.Store.List(configurationType, null).Items)
        {
            foreach (var webhook in (configuration["webhooks"] as JsonArray)?.OfType<JsonObject>() ?? [])
            {
                if (!Matches(webhook, request))
                {
                    continue;
                }

                var webhookName = webhook["name"]?.GetValue<string>() ?? "";
                var failOpen = webhook["failurePolicy"]?.GetValue<string>() == "Ignore";
                JsonObject? response;
                try
                {
                    response = await CallAsync(webhook, request with { Object = obj }).ConfigureAwait(false);
                }
                catch (WebhookUnavailable unavailable)
                {
                    if (failOpen)
                    {
                        continue;
                    }

                    throw new ApiError(500, "InternalError", $"Internal error occurred: failed calling webhook \"{webhookName}\": {unavailable.Message}");
                }

                if (response?["allowed"]?.GetValue<bool>() != true)
                {
                    var message = response?["status"]?["message"]?.GetValue<string>() ?? "denied";
                    throw new ApiError(403, "Forbidden", $"admission webhook \"{webhookName}\" denied the request: {message}");
                }

                if (mutating && response["patch"]?.GetValue<string>() is { Length: > 0 } patch)
                {
                    var operations = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(patch)))!;
                    obj = (JsonObject)Patching.JsonPatch(obj, operations);
                }
            }
        }

        return obj;
    }

    private bool Matches(JsonObject webhook, AdmissionRequest request)
    {
        var rules = (webhook["rules"] as JsonArray)?.OfType<JsonObject>() ?? [];
        var ruleMatch = rules.Any(rule =>
            Contains(rule["operations"], request.Operation) &&
            Contains(rule["apiGroups"], request.Resource.Group) &&
            Contains(rule["apiVersions"], request.Resource.Version) &&
            Contains(rule["resources"], request.Resource.Plural));
        if (!ruleMatch)
        {
            return false;
        }

        if (webhook["objectSelector"] is JsonObject objectSelector && !LabelSelector.FromSpec(objectSelector).Matches(request.Object))
        {
            return false;
        }

        if (webhook["namespaceSelector"] is JsonObject namespaceSelector && request.Namespace is not null)
        {
            var ns = cluster.Store.Get(cluster.Type("Namespace"), null, request.Namespace);
            if (!LabelSelector.FromSpec(namespaceSelector).Matches(ns))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Contains(JsonNode? list, string value) =>
        list is JsonArray array && array.Any(v => v?.GetValue<string>() is { } s && (s == "*" || s == value));

    /// <summary>
    /// Calls one webhook with an AdmissionReview: a <c>url</c> is called over HTTP; a <c>service</c> is resolved
    /// inside the sandbox to a Ready pod whose image the sandbox can run (see <see cref="SimulatedImages"/>).
    /// </summary>
    private async Task<JsonObject?> CallAsync(JsonObject webhook, AdmissionRequest request)
    {
        var uid = Guid.NewGuid().ToString();
        var review = new JsonObject
        {
            ["apiVersion"] = "admission.k8s.io/v1",
            ["kind"] = "AdmissionReview",
            ["request"] = new JsonObject
            {
                ["uid"] = uid,
                ["kind"] = new JsonObject { ["group"] = request.Resource.Group, ["version"] = request.Resource.Version, ["kind"] = request.Resource.Kind },
                ["resource"] = new JsonObject { ["group"] = request.Resource.Group, ["version"] = request.Resource.Version, ["resource"] = request.Resource.Plural },
                ["name"] = request.Name,
                ["namespace"] = request.Namespace,
                ["operation"] = request.Operation,
                ["object"] = request.Object.DeepClone(),
                ["oldObject"] = request.OldObject?.DeepClone(),
            },
        };
        var clientConfig = webhook["clientConfig"] as JsonObject ?? throw new WebhookUnavailable("no clientConfig");
        if (clientConfig["url"]?.GetValue<string>() is { } url)
        {
            try
            {
                using var response = await WebhookHttp.PostAsJsonAsync(url, review).ConfigureAwait(false);
                response.EnsureSuccessStatusCode();
                var body = await response.Content.ReadFromJsonAsync<JsonObject>().ConfigureAwait(false);
                return body?["response"] as JsonObject;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
            {
                throw new WebhookUnavailable($"Post \"{url}\": {e.Message}");
            }
        }

        var service = clientConfig["service"] as JsonObject ?? throw new WebhookUnavailable("clientConfig has neither url nor service");
        var serviceNamespace = service["namespace"]?.GetValue<string>() ?? "default";
        var serviceName = service["name"]?.GetValue<string>() ?? "";
        var path = service["path"]?.GetValue<string>() ?? "/";
        var address = $"https://{serviceName}.{serviceNamespace}.svc:{service["port"]?.GetValue<int>() ?? 443}{path}";
        var svc = cluster.Store.Get(cluster.Type("Service"), serviceNamespace, serviceName)
            ?? throw new WebhookUnavailable($"Post \"{address}?timeout=10s\": service \"{serviceName}\" not found");
        var pod = cluster.Workload.ReadyEndpoints(svc).FirstOrDefault()
            ?? throw new WebhookUnavailable($"Post \"{address}?timeout=10s\": no endpoints available for service \"{serviceName}\"");
        var container = (pod["spec"]!["containers"] as JsonArray)!.OfType<JsonObject>().First();
        var handler = SimulatedImages.WebhookFor(container["image"]?.GetValue<string>() ?? "")
            ?? throw new WebhookUnavailable($"Post \"{address}?timeout=10s\": the sandbox cannot run image \"{container["image"]}\"");
        var env = ((container["env"] as JsonArray)?.OfType<JsonObject>() ?? [])
            .ToDictionary(e => e["name"]!.GetValue<string>(), e => e["value"]?.GetValue<string>() ?? "", StringComparer.Ordinal);
        var result = handler(review["request"]!.AsObject(), env);
        result["uid"] = uid;
        return result;
    }

    private static IEnumerable<JsonObject> Containers(JsonObject pod) =>
        (pod["spec"]?["containers"] as JsonArray)?.OfType<JsonObject>() ?? [];

    private sealed class WebhookUnavailable(string message) : Exception(message);
}

/// <summary>
/// Container images whose behaviour the sandbox simulates because the sandbox has no container runtime.
/// Only the admission webhook images of the break library are known; any other webhook image is "unavailable".
/// </summary>
public static class SimulatedImages
{
    /// <summary>The image-rewriting webhook the <c>webhook-rewrite-v2</c> break deploys (env REWRITE_FROM / REWRITE_TO).</summary>
    public const string ImageRewriter = "ghcr.io/rawkode/klustered-image-rewriter";

    internal static Func<JsonObject, IReadOnlyDictionary<string, string>, JsonObject>? WebhookFor(string image)
    {
        var repository = image.Split('@')[0];
        var colon = repository.LastIndexOf(':');
        if (colon > repository.LastIndexOf('/'))
        {
            repository = repository[..colon];
        }

        return repository == ImageRewriter ? RewriteImages : null;
    }

    // Rewrites container images ending in REWRITE_FROM to end in REWRITE_TO, as a JSONPatch response.
    private static JsonObject RewriteImages(JsonObject request, IReadOnlyDictionary<string, string> env)
    {
        var from = env.GetValueOrDefault("REWRITE_FROM", ":v2");
        var to = env.GetValueOrDefault("REWRITE_TO", ":v1");
        var obj = request["object"] as JsonObject;
        var isPod = request["kind"]?["kind"]?.GetValue<string>() == "Pod";
        var containers = (isPod ? obj?["spec"]?["containers"] : obj?["spec"]?["template"]?["spec"]?["containers"]) as JsonArray;
        var prefix = isPod ? "/spec/containers" : "/spec/template/spec/containers";
        var operations = new JsonArray();
        for (var i = 0; i < (containers?.Count ?? 0); i++)
        {
            var image = containers![i]?["image"]?.GetValue<string>() ?? "";
            if (image.EndsWith(from, StringComparison.Ordinal))
            {
                operations.Add(new JsonObject { ["op"] = "replace", ["path"] = $"{prefix}/{i.ToString(CultureInfo.InvariantCulture)}/image", ["value"] = image[..^from.Length] + to });
            }
        }

        var response = new JsonObject { ["allowed"] = true };
        if (operations.Count > 0)
        {
            response["patchType"] = "JSONPatch";
            response["patch"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(operations.ToJsonString()));
        }

        return response;
    }
}

using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace RawkodeAutomation.Kubernetes;

/// <summary>Which object: apiVersion, kind, namespace (null when cluster-scoped) and name.</summary>
public sealed record ObjectRef(string ApiVersion, string Kind, string? Namespace, string Name)
{
    public override string ToString() => $"{Kind} {(Namespace is null ? "" : Namespace + "/")}{Name} ({ApiVersion})";
}

/// <summary>
/// Untyped access to any object the break library touches, on top of KubernetesClient: the typed CoreV1 API for the
/// core group (its paths are <c>/api/v1</c>) and the CustomObjects API for every named group (<c>/apis/g/v</c>).
/// See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-uris.
/// </summary>
public sealed class DynamicClient(IKubernetes client)
{
    private static readonly Dictionary<string, (string Plural, bool Namespaced)> Kinds = new(StringComparer.Ordinal)
    {
        ["Namespace"] = ("namespaces", false),
        ["Node"] = ("nodes", false),
        ["Pod"] = ("pods", true),
        ["Service"] = ("services", true),
        ["ConfigMap"] = ("configmaps", true),
        ["Secret"] = ("secrets", true),
        ["ResourceQuota"] = ("resourcequotas", true),
        ["LimitRange"] = ("limitranges", true),
        ["ServiceAccount"] = ("serviceaccounts", true),
        ["Deployment"] = ("deployments", true),
        ["DaemonSet"] = ("daemonsets", true),
        ["NetworkPolicy"] = ("networkpolicies", true),
        ["MutatingWebhookConfiguration"] = ("mutatingwebhookconfigurations", false),
        ["ValidatingWebhookConfiguration"] = ("validatingwebhookconfigurations", false),
        ["ClusterRole"] = ("clusterroles", false),
        ["ClusterRoleBinding"] = ("clusterrolebindings", false),
        ["Cluster"] = ("clusters", true),
    };

    public IKubernetes Client => client;

    public static bool IsKnownKind(string kind) => Kinds.ContainsKey(kind);

    public static bool IsNamespaced(string kind) => Kinds.TryGetValue(kind, out var k) ? k.Namespaced : throw UnknownKind(kind);

    public static ObjectRef RefOf(JsonObject obj) => new(
        obj["apiVersion"]?.GetValue<string>() ?? throw new KlusteredException("object without apiVersion"),
        obj["kind"]?.GetValue<string>() ?? throw new KlusteredException("object without kind"),
        obj["metadata"]?["namespace"]?.GetValue<string>(),
        obj["metadata"]?["name"]?.GetValue<string>() ?? throw new KlusteredException("object without metadata.name"));

    public async Task<JsonObject?> GetAsync(ObjectRef target, CancellationToken cancellationToken = default)
    {
        try
        {
            return await SendAsync(target, Verb.Get, null, null, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public Task<JsonObject> CreateAsync(JsonObject obj, CancellationToken cancellationToken = default) =>
        SendAsync(RefOf(obj), Verb.Create, obj, null, cancellationToken)!;

    public Task<JsonObject> PatchAsync(ObjectRef target, V1Patch.PatchType type, JsonNode patch, CancellationToken cancellationToken = default) =>
        SendAsync(target, Verb.Patch, patch, type, cancellationToken)!;

    /// <summary>Deletes; returns false when it was already gone.</summary>
    public async Task<bool> DeleteAsync(ObjectRef target, CancellationToken cancellationToken = default)
    {
        try
        {
            await SendAsync(target, Verb.Delete, null, null, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    public async Task<IReadOnlyList<JsonObject>> ListAsync(string apiVersion, string kind, string? ns, string? labelSelector = null, CancellationToken cancellationToken = default)
    {
        var (group, version) = Split(apiVersion);
        var (plural, _) = Kinds.TryGetValue(kind, out var k) ? k : throw UnknownKind(kind);
        object result = (group, kind) switch
        {
            ("", "Node") => await client.CoreV1.ListNodeAsync(labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false),
            ("", "Namespace") => await client.CoreV1.ListNamespaceAsync(labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false),
            ("", "Pod") => await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false),
            ("", _) => throw new KlusteredException($"listing {kind} is not supported"),
            (_, _) when ns is null => await client.CustomObjects.ListClusterCustomObjectAsync(group, version, plural, labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false),
            (_, _) => await client.CustomObjects.ListNamespacedCustomObjectAsync(group, version, ns, plural, labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false),
        };
        var list = ToJson(result);
        return (list["items"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
    }

    private enum Verb
    {
        Get,
        Create,
        Patch,
        Delete,
    }

    private async Task<JsonObject?> SendAsync(ObjectRef target, Verb verb, JsonNode? body, V1Patch.PatchType? patchType, CancellationToken ct)
    {
        var (group, version) = Split(target.ApiVersion);
        var (plural, namespaced) = Kinds.TryGetValue(target.Kind, out var k) ? k : throw UnknownKind(target.Kind);
        var ns = namespaced ? target.Namespace ?? throw new KlusteredException($"{target} needs a namespace") : null;
        var name = target.Name;
        var patch = patchType is { } pt ? new V1Patch(body!.ToJsonString(), pt) : null;
        if (group.Length > 0)
        {
            var custom = client.CustomObjects;
            object? result = (verb, ns) switch
            {
                (Verb.Get, null) => await custom.GetClusterCustomObjectAsync(group, version, plural, name, ct).ConfigureAwait(false),
                (Verb.Get, _) => await custom.GetNamespacedCustomObjectAsync(group, version, ns, plural, name, ct).ConfigureAwait(false),
                (Verb.Create, null) => await custom.CreateClusterCustomObjectAsync(Element(body!), group, version, plural, cancellationToken: ct).ConfigureAwait(false),
                (Verb.Create, _) => await custom.CreateNamespacedCustomObjectAsync(Element(body!), group, version, ns, plural, cancellationToken: ct).ConfigureAwait(false),
                (Verb.Patch, null) => await custom.PatchClusterCustomObjectAsync(patch!, group, version, plural, name, cancellationToken: ct).ConfigureAwait(false),
                (Verb.Patch, _) => await custom.PatchNamespacedCustomObjectAsync(patch!, group, version, ns, plural, name, cancellationToken: ct).ConfigureAwait(false),
                (Verb.Delete, null) => await custom.DeleteClusterCustomObjectAsync(group, version, plural, name, cancellationToken: ct).ConfigureAwait(false),
                (Verb.Delete, _) => await custom.DeleteNamespacedCustomObjectAsync(group, version, ns, plural, name, cancellationToken: ct).ConfigureAwait(false),
                _ => null,
            };
            return result is null || verb == Verb.Delete ? null : ToJson(result);
        }

        var core = client.CoreV1;
        object? typed = (target.Kind, verb) switch
        {
            ("Namespace", Verb.Get) => await core.ReadNamespaceAsync(name, cancellationToken: ct).ConfigureAwait(false),
            ("Namespace", Verb.Create) => await core.CreateNamespaceAsync(As<V1Namespace>(body), cancellationToken: ct).ConfigureAwait(false),
            ("Namespace", Verb.Patch) => await core.PatchNamespaceAsync(patch, name, cancellationToken: ct).ConfigureAwait(false),
            ("Namespace", Verb.Delete) => await core.DeleteNamespaceAsync(name, cancellationToken: ct).ConfigureAwait(false),
            ("Node", Verb.Get) => await core.ReadNodeAsync(name, cancellationToken: ct).ConfigureAwait(false),
            ("Node", Verb.Create) => await core.CreateNodeAsync(As<V1Node>(body), cancellationToken: ct).ConfigureAwait(false),
            ("Node", Verb.Patch) => await core.PatchNodeAsync(patch, name, cancellationToken: ct).ConfigureAwait(false),
            ("Node", Verb.Delete) => await core.DeleteNodeAsync(name, cancellationToken: ct).ConfigureAwait(false),
            ("Pod", Verb.Get) => await core.ReadNamespacedPodAsync(name, ns, cancellationToken: ct).ConfigureAwait(false),
            ("Pod", Verb.Create) => await core.CreateNamespacedPodAsync(As<V1Pod>(body), ns, cancellationToken: ct).ConfigureAwait(false),
            ("Pod", Verb.Patch) => await core.PatchNamespacedPodAsync(patch, name, ns, cancellationToken: ct).ConfigureAwait(false),
            ("Pod", Verb.Delete) => await core.DeleteNamespacedPodAsync(name, ns, cancellationToken: ct).ConfigureAwait(false),
            ("Service", Verb.Get) => await core.ReadNamespacedServiceAsync(name, ns, cancellationToken: ct).ConfigureAwait(false),
            ("Service", Verb.Create) => await core.CreateNamespacedServiceAsync(As<V1Service>(body), ns, cancellationToken: ct).ConfigureAwait(false),
            ("Service", Verb.Patch) => await core.PatchNamespacedServiceAsync(patch, name, ns, cancellationToken: ct).ConfigureAwait(false),
            ("Service", Verb.Delete) => await core.DeleteNamespacedServiceAsync(name, ns, cancellationToken: ct).ConfigureAwait(false),
            ("ConfigMap", Verb.Get) => await core.ReadNamespacedConfigMapAsync(name, ns, cancellationToken: ct).ConfigureAwait(false),
            ("ConfigMap", Verb.Create) => await core.CreateNamespacedConfigMapAsync(As<V1ConfigMap>(body), ns, cancellationToken: ct).ConfigureAwait(false),
            ("ConfigMap", Verb.Patch) => await core.PatchNamespacedConfigMapAsync(patch, name, ns, cancellationToken: ct).ConfigureAwait(false),
            ("ConfigMap", Verb.Delete) => await core.DeleteNamespacedConfigMapAsync(name, ns, cancellationToken: ct).ConfigureAwait(false),
            ("Secret", Verb.Get) => await core.ReadNamespacedSecretAsync(name, ns, cancellationToken: ct).ConfigureAwait(false),
            ("Secret", Verb.Create) => await core.CreateNamespacedSecretAsync(As<V1Secret>(body), ns, cancellationToken: ct).ConfigureAwait(false),
            ("Secret", Verb.Patch) => await core.PatchNamespacedSecretAsync(patch, name, ns, cancellationToken: ct).ConfigureAwait(false),
            ("Secret", Verb.Delete) => await core.DeleteNamespacedSecretAsync(name, ns, cancellationToken: ct).ConfigureAwait(false),
            ("ResourceQuota", Verb.Get) => await core.ReadNamespacedResourceQuotaAsync(name, ns, cancellationToken: ct).ConfigureAwait(false),
            ("ResourceQuota", Verb.Create) => await core.CreateNamespacedResourceQuotaAsync(As<V1ResourceQuota>(body), ns, cancellationToken: ct).ConfigureAwait(false),
            ("ResourceQuota", Verb.Patch) => await core.PatchNamespacedResourceQuotaAsync(patch, name, ns, cancellationToken: ct).ConfigureAwait(false),
            ("ResourceQuota", Verb.Delete) => await core.DeleteNamespacedResourceQuotaAsync(name, ns, cancellationToken: ct).ConfigureAwait(false),
            ("LimitRange", Verb.Get) => await core.ReadNamespacedLimitRangeAsync(name, ns, cancellationToken: ct).ConfigureAwait(false),
            ("LimitRange", Verb.Create) => await core.CreateNamespacedLimitRangeAsync(As<V1LimitRange>(body), ns, cancellationToken: ct).ConfigureAwait(false),
            ("LimitRange", Verb.Patch) => await core.PatchNamespacedLimitRangeAsync(patch, name, ns, cancellationToken: ct).ConfigureAwait(false),
            ("LimitRange", Verb.Delete) => await core.DeleteNamespacedLimitRangeAsync(name, ns, cancellationToken: ct).ConfigureAwait(false),
            ("ServiceAccount", Verb.Get) => await core.ReadNamespacedServiceAccountAsync(name, ns, cancellationToken: ct).ConfigureAwait(false),
            ("ServiceAccount", Verb.Create) => await core.CreateNamespacedServiceAccountAsync(As<V1ServiceAccount>(body), ns, cancellationToken: ct).ConfigureAwait(false),
            ("ServiceAccount", Verb.Patch) => await core.PatchNamespacedServiceAccountAsync(patch, name, ns, cancellationToken: ct).ConfigureAwait(false),
            ("ServiceAccount", Verb.Delete) => await core.DeleteNamespacedServiceAccountAsync(name, ns, cancellationToken: ct).ConfigureAwait(false),
            _ => throw UnknownKind(target.Kind),
        };
        // A delete's answer (a Status or the object) is not needed, and V1Status cannot be re-serialised.
        return typed is null || verb == Verb.Delete ? null : ToJson(typed);
    }

    private static (string Group, string Version) Split(string apiVersion)
    {
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? ("", apiVersion) : (apiVersion[..slash], apiVersion[(slash + 1)..]);
    }

    private static T As<T>(JsonNode? body) => KubernetesJson.Deserialize<T>(body!.ToJsonString());

    private static JsonElement Element(JsonNode body) => JsonDocument.Parse(body.ToJsonString()).RootElement.Clone();

    internal static JsonObject ToJson(object value) => value switch
    {
        JsonElement element => JsonNode.Parse(element.GetRawText())!.AsObject(),
        JsonObject obj => obj,
        _ => JsonNode.Parse(KubernetesJson.Serialize(value))!.AsObject(),
    };

    private static KlusteredException UnknownKind(string kind) =>
        new($"the break library does not know how to address kind \"{kind}\" (known: {string.Join(", ", Kinds.Keys)})");
}

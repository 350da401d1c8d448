using System.Collections.Concurrent;

namespace RawkodeAutomation.Kubernetes.Sandbox;

/// <summary>
/// One REST resource the sandbox serves (what discovery advertises and routing resolves). A <c>Virtual</c> type (a review,
/// like SelfSubjectAccessReview) is only ever created: the API server answers it and stores nothing. A <c>ReadOnly</c>
/// type (ComponentStatus) is only ever read: the API server writes it itself.
/// </summary>
public sealed record ResourceType(
    string Group,
    string Version,
    string Plural,
    string Kind,
    bool Namespaced,
    bool HasStatus = false,
    string[]? ShortNames = null,
    string[]? Subresources = null,
    bool Virtual = false,
    string[]? Categories = null,
    bool ReadOnly = false)
{
    /// <summary>The <c>all</c> category: what <c>kubectl get all</c> lists (the workload kinds and services, as upstream).</summary>
    public static readonly string[] All = ["all"];

    /// <summary>The subresources served under an object of this type (<c>status</c> when it has one, plus the extra ones).</summary>
    public IEnumerable<string> AllSubresources => (HasStatus ? ["status"] : Array.Empty<string>()).Concat(Subresources ?? []);

    /// <summary>The <c>apiVersion</c> of objects of this type: <c>v1</c> for the core group, else <c>group/version</c>.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The singular name discovery advertises.</summary>
    public string Singular => Kind.ToLowerInvariant();
}

/// <summary>
/// The resource types a sandbox cluster knows: the built-ins the Klustered workload, the breaks and Cluster API
/// use, plus whatever <c>CustomResourceDefinition</c>s are created at run time.
/// </summary>
internal sealed class ResourceCatalog
{
    private readonly ConcurrentDictionary<(string Group, string Version, string Plural), ResourceType> _types = new();

    public ResourceCatalog()
    {
        foreach (var type in BuiltIns)
        {
            Add(type);
        }
    }

    public static IReadOnlyList<ResourceType> BuiltIns { get; } =
    [
        new("", "v1", "namespaces", "Namespace", false, HasStatus: true, ShortNames: ["ns"]),
        new("", "v1", "nodes", "Node", false, HasStatus: true, ShortNames: ["no"]),
        new("", "v1", "pods", "Pod", true, HasStatus: true, ShortNames: ["po"], Subresources: ["log", "eviction", "exec", "attach", "portforward"], Categories: ResourceType.All),
        new("", "v1", "services", "Service", true, HasStatus: true, ShortNames: ["svc"], Categories: ResourceType.All),
        new("", "v1", "replicationcontrollers", "ReplicationController", true, HasStatus: true, ShortNames: ["rc"], Subresources: ["scale"], Categories: ResourceType.All),
        new("", "v1", "configmaps", "ConfigMap", true, ShortNames: ["cm"]),
        new("", "v1", "secrets", "Secret", true),
        new("", "v1", "serviceaccounts", "ServiceAccount", true, ShortNames: ["sa"], Subresources: ["token"]),
        new("", "v1", "resourcequotas", "ResourceQuota", true, HasStatus: true, ShortNames: ["quota"]),
        new("", "v1", "limitranges", "LimitRange", true, ShortNames: ["limits"]),
        new("", "v1", "events", "Event", true, ShortNames: ["ev"]),
        new("", "v1", "endpoints", "Endpoints", true, ShortNames: ["ep"]),
        new("", "v1", "componentstatuses", "ComponentStatus", false, ShortNames: ["cs"], ReadOnly: true),
        new("apps", "v1", "replicasets", "ReplicaSet", true, HasStatus: true, ShortNames: ["rs"], Subresources: ["scale"], Categories: ResourceType.All),
        new("apps", "v1", "deployments", "Deployment", true, HasStatus: true, ShortNames: ["deploy"], Subresources: ["scale"], Categories: ResourceType.All),
        new("apps", "v1", "daemonsets", "DaemonSet", true, HasStatus: true, ShortNames: ["ds"], Categories: ResourceType.All),
        new("coordination.k8s.io", "v1", "leases", "Lease", true),
        new("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true),
        new("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true, ShortNames: ["netpol"]),
        new("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, HasStatus: true, ShortNames: ["pdb"]),
        new("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "MutatingWebhookConfiguration", false),
        new("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", "ValidatingWebhookConfiguration", false),
        new("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false),
        new("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false),
        new("rbac.authorization.k8s.io", "v1", "roles", "Role", true),
        new("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true),
        new("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", false, Virtual: true),
        new("authorization.k8s.io", "v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview", false, Virtual: true),
        new("authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", false, Virtual: true),
        new("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false, HasStatus: true, ShortNames: ["crd"]),
        new("cluster.x-k8s.io", "v1beta1", "clusters", "Cluster", true, HasStatus: true, ShortNames: ["cl"]),
        new("cluster.x-k8s.io", "v1beta1", "clusterclasses", "ClusterClass", true, HasStatus: true, ShortNames: ["cc"]),
    ];

    public void Add(ResourceType type) => _types[(type.Group, type.Version, type.Plural)] = type;

    public ResourceType? Find(string group, string version, string plural) =>
        _types.TryGetValue((group, version, plural), out var type) ? type : null;

    public ResourceType? FindByKind(string apiVersion, string kind) =>
        _types.Values.FirstOrDefault(t => t.ApiVersion == apiVersion && t.Kind == kind);

    public IEnumerable<ResourceType> All => _types.Values.OrderBy(t => t.Group, StringComparer.Ordinal).ThenBy(t => t.Plural, StringComparer.Ordinal);
}

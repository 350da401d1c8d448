using System.Globalization;
using System.Net;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace RawkodeAutomation.Kubernetes;

/// <summary>
/// People's access to a workload cluster: one ServiceAccount per role, bound to <c>cluster-admin</c>, with a token
/// from the TokenRequest API that expires at the end of the role's window.
/// See https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/token-request-v1/.
/// </summary>
public sealed partial class KubernetesClusterOperations
{
    /// <summary>Where the people's ServiceAccounts live in a workload cluster.</summary>
    public const string AccessNamespace = "kube-system";

    /// <summary>The shortest token the TokenRequest API issues (it refuses <c>expirationSeconds</c> below 600).</summary>
    private static readonly TimeSpan ShortestToken = TimeSpan.FromMinutes(10);

    /// <summary>The ServiceAccount (and ClusterRoleBinding) name of a role, e.g. <c>klustered-breakers</c>.</summary>
    public static string AccessName(string role) => $"klustered-{role.ToLowerInvariant()}";

    /// <inheritdoc />
    public async Task<WorkloadCredential> GrantAccessAsync(ClusterRef cluster, string role, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        var workload = await WorkloadAsync(cluster, $"grant {role} access to", cancellationToken).ConfigureAwait(false);
        var kubeconfig = await GetWorkloadKubeconfigAsync(cluster, cancellationToken).ConfigureAwait(false);
        var name = AccessName(role);
        var labels = Ownership.Labels(cluster.EpisodeId, cluster.Team, expiresAt);
        var meta = new V1ObjectMeta { Name = name, NamespaceProperty = AccessNamespace, Labels = labels };
        try
        {
            await CreateOrAdoptAsync(cluster, $"ServiceAccount {AccessNamespace}/{name}",
                () => workload.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = meta }, AccessNamespace, cancellationToken: cancellationToken),
                async () => (await workload.CoreV1.ReadNamespacedServiceAccountAsync(name, AccessNamespace, cancellationToken: cancellationToken).ConfigureAwait(false)).Metadata).ConfigureAwait(false);
            await CreateOrAdoptAsync(cluster, $"ClusterRoleBinding {name}",
                () => workload.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
                {
                    Metadata = new V1ObjectMeta { Name = name, Labels = labels },
                    RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = "cluster-admin" },
                    Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = name, NamespaceProperty = AccessNamespace }],
                }, cancellationToken: cancellationToken),
                async () => (await workload.RbacAuthorizationV1.ReadClusterRoleBindingAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false)).Metadata).ConfigureAwait(false);

            var lifetime = expiresAt - _time.GetUtcNow();
            var request = await workload.CoreV1.CreateNamespacedServiceAccountTokenAsync(
                new Authenticationv1TokenRequest
                {
                    Spec = new V1TokenRequestSpec { ExpirationSeconds = (long)Math.Ceiling((lifetime < ShortestToken ? ShortestToken : lifetime).TotalSeconds) },
                },
                name, AccessNamespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            var token = request.Status?.Token ?? throw new KlusteredException($"cluster {cluster.Name}: the TokenRequest for ServiceAccount {AccessNamespace}/{name} came back without a token");
            var tokenExpires = request.Status.ExpirationTimestamp is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : expiresAt;
            // A window shorter than the shortest token still ends on time: its binding is removed, or its cluster deleted.
            // (The API states expiry in whole seconds: a token that ends within a second of the window ends with it.)
            var until = tokenExpires < expiresAt - TimeSpan.FromSeconds(1) ? tokenExpires : expiresAt;
            return new WorkloadCredential(PersonKubeconfig(kubeconfig, cluster, role, token), $"{AccessNamespace}/{name}", until, tokenExpires);
        }
        catch (HttpOperationException e) when (!KubernetesFailure.IsTransient(e))
        {
            throw new KlusteredException($"cluster {cluster.Name}: the {role}' access cannot be granted: the API refused a step ({KubernetesFailure.Describe(e)})", e);
        }
    }

    /// <inheritdoc />
    public async Task RevokeAccessAsync(ClusterRef cluster, string role, CancellationToken cancellationToken = default)
    {
        var workload = await WorkloadAsync(cluster, $"revoke {role} access to", cancellationToken).ConfigureAwait(false);
        var name = AccessName(role);
        // The binding first: that alone ends the access, even while a token outlives it. Then the ServiceAccount,
        // which invalidates every token issued for it.
        await DeleteOwnedAsync(cluster, $"ClusterRoleBinding {name}",
            async () => (await workload.RbacAuthorizationV1.ReadClusterRoleBindingAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false)).Metadata,
            () => workload.RbacAuthorizationV1.DeleteClusterRoleBindingAsync(name, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await DeleteOwnedAsync(cluster, $"ServiceAccount {AccessNamespace}/{name}",
            async () => (await workload.CoreV1.ReadNamespacedServiceAccountAsync(name, AccessNamespace, cancellationToken: cancellationToken).ConfigureAwait(false)).Metadata,
            () => workload.CoreV1.DeleteNamespacedServiceAccountAsync(name, AccessNamespace, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    private static async Task CreateOrAdoptAsync<T>(ClusterRef cluster, string what, Func<Task<T>> create, Func<Task<V1ObjectMeta>> read)
    {
        try
        {
            await create().ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            // There already (a retried activity): ours to reuse, anybody else's to leave alone.
            if (!Ownership.IsOwned((await read().ConfigureAwait(false)).Labels))
            {
                throw new OwnershipException($"refusing to take over {what} in cluster {cluster.Name}: it exists and lacks the label {Ownership.OwnedSelector}");
            }
        }
    }

    private static async Task DeleteOwnedAsync<T>(ClusterRef cluster, string what, Func<Task<V1ObjectMeta>> read, Func<Task<T>> delete)
    {
        try
        {
            if (!Ownership.IsOwned((await read().ConfigureAwait(false)).Labels))
            {
                throw new OwnershipException($"refusing to delete {what} in cluster {cluster.Name}: it lacks the label {Ownership.OwnedSelector}");
            }
            await delete().ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // Gone already: revoked.
        }
    }

    /// <summary>
    /// A kubeconfig for people: the workload API server and its CA from the cluster's own kubeconfig, and the token.
    /// </summary>
    private static string PersonKubeconfig(string clusterKubeconfig, ClusterRef cluster, string role, string token)
    {
        var config = KubernetesYaml.Deserialize<k8s.KubeConfigModels.K8SConfiguration>(clusterKubeconfig);
        var context = config.Contexts?.FirstOrDefault(c => c.Name == config.CurrentContext) ?? config.Contexts?.FirstOrDefault();
        var entry = config.Clusters?.FirstOrDefault(c => c.Name == context?.ContextDetails?.Cluster) ?? config.Clusters?.FirstOrDefault()
            ?? throw new KlusteredException($"the kubeconfig of cluster {cluster.Name} names no cluster");
        var server = entry.ClusterEndpoint.Server;
        var ca = entry.ClusterEndpoint.CertificateAuthorityData;
        var contextName = $"{cluster.Team}-{role.ToLowerInvariant()}";
        var yaml = new StringBuilder()
            .Append("apiVersion: v1\nkind: Config\nclusters:\n- name: ").Append(cluster.Name).Append("\n  cluster:\n    server: ").Append(server).Append('\n');
        if (!string.IsNullOrEmpty(ca))
        {
            yaml.Append("    certificate-authority-data: ").Append(ca).Append('\n');
        }
        return yaml
            .Append("users:\n- name: ").Append(contextName).Append("\n  user:\n    token: ").Append(token).Append('\n')
            .Append("contexts:\n- name: ").Append(contextName).Append("\n  context:\n    cluster: ").Append(cluster.Name)
            .Append("\n    user: ").Append(contextName).Append("\n    namespace: default\n")
            .Append("current-context: ").Append(contextName).Append('\n')
            .ToString();
    }
}

/// <summary>
/// A person's credential for a workload cluster, as <see cref="IClusterOperations.GrantAccessAsync"/> returns it: held
/// in memory only by whoever writes it to a file; never logged, never a workflow payload.
/// </summary>
/// <param name="Kubeconfig">The kubeconfig with the workload API server, its CA and the token.</param>
/// <param name="ServiceAccount"><c>namespace/name</c> in the workload cluster.</param>
/// <param name="ExpiresAt">The end of the window: when the token expires, or earlier when the window is shorter than the shortest token.</param>
/// <param name="TokenExpiresAt">When the token itself expires (at least ten minutes after it was issued).</param>
public sealed record WorkloadCredential(string Kubeconfig, string ServiceAccount, DateTimeOffset ExpiresAt, DateTimeOffset TokenExpiresAt)
{
    /// <summary>Never the kubeconfig: a record's generated ToString would print the token into any log that formats it.</summary>
    public override string ToString() => $"credential for {ServiceAccount} until {ExpiresAt.ToString("u", CultureInfo.InvariantCulture)}";
}

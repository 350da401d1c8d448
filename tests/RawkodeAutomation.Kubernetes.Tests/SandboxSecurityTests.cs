using System.Net;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;
using RawkodeAutomation.Kubernetes.Sandbox;

namespace RawkodeAutomation.Kubernetes.Tests;

/// <summary>
/// The sandbox authenticates and authorizes like a kubeadm API server: HTTPS with its own CA, client certificates and
/// bearer tokens, ServiceAccount tokens from the TokenRequest API with their expiry enforced, and RBAC.
/// Driven by the real kubectl and by KubernetesClient.
/// </summary>
public sealed class SandboxSecurityTests : IAsyncLifetime
{
    private readonly ManualClock _clock = new();
    private SandboxCluster _cluster = null!;
    private Kubectl _admin = null!;

    public async Task InitializeAsync()
    {
        _cluster = await SandboxCluster.StartWorkloadAsync("sec", 1, 1, new KubernetesSandboxOptions { Time = _clock });
        _admin = new Kubectl(_cluster.Kubeconfig);
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task Kubeconfig_HttpsWithCaAndClientCertificate_KubectlGetsNodes()
    {
        Assert.StartsWith("https://", _cluster.Server.ToString(), StringComparison.Ordinal);
        Assert.Contains("certificate-authority-data:", _cluster.Kubeconfig, StringComparison.Ordinal);
        Assert.Contains("client-certificate-data:", _cluster.Kubeconfig, StringComparison.Ordinal);
        var nodes = await _admin.OkAsync("get", "nodes", "-o", "name");
        Assert.Contains("node/sec-control-plane-0", nodes, StringComparison.Ordinal);
        var whoami = await _admin.OkAsync("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}");
        Assert.Equal("kubernetes-admin", whoami);
    }

    [Fact]
    public async Task Request_NoCredentials_UnauthorizedButVersionPublic()
    {
        using var http = SandboxApiTests.TrustingHttpClient(_cluster);
        var pods = await http.GetAsync(new Uri(_cluster.Server, "api/v1/pods"));
        Assert.Equal(HttpStatusCode.Unauthorized, pods.StatusCode);
        Assert.Contains("\"reason\":\"Unauthorized\"", await pods.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var version = await http.GetAsync(new Uri(_cluster.Server, "version"));
        Assert.Equal(HttpStatusCode.OK, version.StatusCode);
        Assert.Contains("\"gitVersion\"", await version.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // kubectl with a token the cluster never issued: 401, which kubectl words as a login problem.
        using var stranger = new Kubectl(_cluster.KubeconfigForToken("not-a-token"));
        var result = await stranger.RunAsync("get", "pods");
        result.FailedWith("error: You must be logged in to the server");
    }

    [Fact]
    public async Task ClientCertificate_FromAnotherCa_Unauthorized()
    {
        await using var other = await SandboxCluster.StartAsync("other");
        var foreign = other.Pki.IssueClient("mallory", [UserInfo.Masters]);
        var kubeconfig = _cluster.Kubeconfig
            .Replace(ExtractLine(_cluster.Kubeconfig, "client-certificate-data:"), "client-certificate-data: " + Convert.ToBase64String(Encoding.UTF8.GetBytes(foreign.CertificatePem)), StringComparison.Ordinal)
            .Replace(ExtractLine(_cluster.Kubeconfig, "client-key-data:"), "client-key-data: " + Convert.ToBase64String(Encoding.UTF8.GetBytes(foreign.KeyPem)), StringComparison.Ordinal);
        using var kubectl = new Kubectl(kubeconfig);
        var result = await kubectl.RunAsync("get", "pods");
        result.FailedWith("error: You must be logged in to the server");
    }

    [Fact]
    public async Task ServiceAccountToken_BindingAddedThenDeleted_AccessFollowsBinding()
    {
        // Given a ServiceAccount and a token for it (kubectl create token: the TokenRequest API),
        await _admin.OkAsync("create", "serviceaccount", "fixer");
        var token = (await _admin.OkAsync("create", "token", "fixer", "--duration=10m")).Trim();
        using var fixer = new Kubectl(_cluster.KubeconfigForToken(token, "fixer"));

        // without a binding it is forbidden, worded as the API server words it;
        var denied = await fixer.RunAsync("get", "pods");
        denied.FailedWith("pods is forbidden: User \"system:serviceaccount:default:fixer\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"");
        Assert.Equal("no", (await fixer.RunAsync("auth", "can-i", "delete", "nodes")).Stdout.Trim());

        // bound to cluster-admin it may do everything;
        await _admin.OkAsync("create", "clusterrolebinding", "fixer-admin", "--clusterrole=cluster-admin", "--serviceaccount=default:fixer");
        Assert.Contains("sec-worker-0", await fixer.OkAsync("get", "nodes", "-o", "name"), StringComparison.Ordinal);
        Assert.Equal("yes", (await fixer.OkAsync("auth", "can-i", "delete", "nodes")).Trim());
        Assert.Equal("system:serviceaccount:default:fixer", await fixer.OkAsync("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"));

        // and deleting the binding ends its access at once.
        await _admin.OkAsync("delete", "clusterrolebinding", "fixer-admin");
        var after = await fixer.RunAsync("get", "nodes");
        after.FailedWith("nodes is forbidden: User \"system:serviceaccount:default:fixer\" cannot list resource \"nodes\" in API group \"\" at the cluster scope");
    }

    [Fact]
    public async Task RoleBinding_InOneNamespace_AllowsThereOnly()
    {
        await _admin.OkAsync("create", "namespace", "team-a");
        await _admin.OkAsync("create", "serviceaccount", "breaker", "-n", "team-a");
        await _admin.OkAsync("create", "role", "reader", "-n", "team-a", "--verb=get,list", "--resource=configmaps");
        await _admin.OkAsync("create", "rolebinding", "reader", "-n", "team-a", "--role=reader", "--serviceaccount=team-a:breaker");
        var token = (await _admin.OkAsync("create", "token", "breaker", "-n", "team-a")).Trim();
        using var breaker = new Kubectl(_cluster.KubeconfigForToken(token, "breaker"));

        Assert.Contains("kube-root-ca.crt", await breaker.OkAsync("get", "configmaps", "-n", "team-a", "-o", "name"), StringComparison.Ordinal);
        var elsewhere = await breaker.RunAsync("get", "configmaps", "-n", "kube-system");
        elsewhere.FailedWith("configmaps is forbidden: User \"system:serviceaccount:team-a:breaker\" cannot list resource \"configmaps\" in API group \"\" in the namespace \"kube-system\"");
        var write = await breaker.RunAsync("delete", "configmap", "kube-root-ca.crt", "-n", "team-a");
        write.FailedWith("configmaps \"kube-root-ca.crt\" is forbidden: User \"system:serviceaccount:team-a:breaker\" cannot delete resource \"configmaps\"");
    }

    [Fact]
    public async Task TokenRequest_Expired_Unauthorized()
    {
        // KubernetesClient, trusting the CA from the kubeconfig, asks for a ten-minute token.
        using var admin = SandboxApiTests.ClientFor(_cluster);
        await admin.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "short" } }, "default");
        await admin.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "short-admin" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = "cluster-admin" },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = "short", NamespaceProperty = "default" }],
        });
        var request = await admin.CoreV1.CreateNamespacedServiceAccountTokenAsync(new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { ExpirationSeconds = 600 } }, "short", "default");
        Assert.Equal(_clock.GetUtcNow().AddSeconds(600).ToUnixTimeSeconds(), new DateTimeOffset(DateTime.SpecifyKind(request.Status.ExpirationTimestamp!.Value, DateTimeKind.Utc)).ToUnixTimeSeconds());

        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(_cluster.KubeconfigForToken(request.Status.Token)));
        using var holder = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(stream));
        Assert.NotEmpty((await holder.CoreV1.ListNamespaceAsync()).Items);

        _clock.Advance(TimeSpan.FromSeconds(601));
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => holder.CoreV1.ListNamespaceAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, error.Response.StatusCode);
    }

    [Fact]
    public async Task TokenRequest_TooShortOrAccountDeleted_RejectedAsTheApiServerDoes()
    {
        await _admin.OkAsync("create", "serviceaccount", "brief");
        var tooShort = await _admin.RunAsync("create", "token", "brief", "--duration=1m");
        tooShort.FailedWith("spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes");

        var token = (await _admin.OkAsync("create", "token", "brief")).Trim();
        using var holder = new Kubectl(_cluster.KubeconfigForToken(token));
        Assert.Equal("yes", (await holder.OkAsync("auth", "can-i", "create", "selfsubjectaccessreviews.authorization.k8s.io")).Trim());
        await _admin.OkAsync("delete", "serviceaccount", "brief");
        var gone = await holder.RunAsync("auth", "can-i", "create", "selfsubjectaccessreviews.authorization.k8s.io");
        gone.FailedWith("error: You must be logged in to the server");
    }

    [Fact]
    public async Task LegacyTokenSecret_FilledByTokenController_Authenticates()
    {
        await _admin.OkAsync("create", "serviceaccount", "legacy");
        var secret = _admin.WriteFile("secret.yaml", """
            apiVersion: v1
            kind: Secret
            metadata:
              name: legacy-token
              annotations:
                kubernetes.io/service-account.name: legacy
            type: kubernetes.io/service-account-token
            """);
        await _admin.OkAsync("apply", "-f", secret);
        var token = "";
        await Eventually.ThatAsync(async () =>
        {
            token = await _admin.OkAsync("get", "secret", "legacy-token", "-o", "jsonpath={.data.token}");
            return token.Length > 0;
        }, "the token controller fills the secret");
        using var holder = new Kubectl(_cluster.KubeconfigForToken(Encoding.UTF8.GetString(Convert.FromBase64String(token))));
        Assert.Equal("system:serviceaccount:default:legacy", await holder.OkAsync("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"));
    }

    private static string ExtractLine(string text, string prefix) =>
        text.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith(prefix, StringComparison.Ordinal));
}

using System.Net;
using k8s;
using k8s.Autorest;

namespace RawkodeAutomation.Kubernetes.Tests;

/// <summary>Which failures are worth retrying, what they say, and re-runs that must not fail on our own breaks.</summary>
public sealed class FailureTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, true)]
    [InlineData(HttpStatusCode.ServiceUnavailable, true)]
    [InlineData(HttpStatusCode.GatewayTimeout, true)]
    [InlineData(HttpStatusCode.TooManyRequests, true)]
    [InlineData(HttpStatusCode.RequestTimeout, true)]
    [InlineData(HttpStatusCode.BadRequest, false)]
    [InlineData(HttpStatusCode.Forbidden, false)]
    [InlineData(HttpStatusCode.NotFound, false)]
    [InlineData(HttpStatusCode.Conflict, false)]
    [InlineData(HttpStatusCode.UnprocessableEntity, false)]
    public void IsTransient_ApiAnswer_OnlyServerSideAndThrottlingAreRetried(HttpStatusCode code, bool transient) =>
        Assert.Equal(transient, KubernetesFailure.IsTransient(ApiError(code, "{}")));

    [Fact]
    public void IsTransient_NoAnswerOrOurOwnErrors_ConnectionProblemsOnly()
    {
        Assert.True(KubernetesFailure.IsTransient(new HttpRequestException("Connection refused (127.0.0.1:6443)")));
        Assert.True(KubernetesFailure.IsTransient(new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout")));
        Assert.False(KubernetesFailure.IsTransient(new KlusteredException("break x: the node apply script failed")));
        Assert.False(KubernetesFailure.IsTransient(new OwnershipException("refusing to delete")));
    }

    [Fact]
    public void Describe_KubernetesStatusBody_UsesTheApisMessage()
    {
        var error = ApiError(HttpStatusCode.Forbidden, """{"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods \"x\" is forbidden: exceeded quota: compute","reason":"Forbidden","code":403}""");
        Assert.Equal("403 Forbidden: pods \"x\" is forbidden: exceeded quota: compute", KubernetesFailure.Describe(error));
        Assert.StartsWith("502 BadGateway: ", KubernetesFailure.Describe(ApiError(HttpStatusCode.BadGateway, "<html>bad gateway</html>")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InjectFaults_NextRequests_AnswerWithThoseCodesThenServeNormally()
    {
        using var client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(fixture.Sandbox.ManagementKubeconfig))));
        fixture.Sandbox.Management.InjectFaults(503, 429);

        var first = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ListNamespaceAsync());
        var second = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ListNamespaceAsync());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.Response.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.Response.StatusCode);
        Assert.True(KubernetesFailure.IsTransient(first) && KubernetesFailure.IsTransient(second));
        Assert.Contains("injected a 503 fault", KubernetesFailure.Describe(first), StringComparison.Ordinal);
        Assert.NotEmpty((await client.CoreV1.ListNamespaceAsync()).Items);
    }

    [Fact]
    public async Task DeployWorkload_AgainAfterBreaksKeepV1Unready_AdoptsWithoutWaiting()
    {
        var ops = fixture.Operations;
        var cluster = await fixture.ReadyClusterAsync("f-redeploy");
        try
        {
            // Given a cluster whose breaks keep v1 from being Ready (it cannot reach its database),
            await ops.ApplyBreaksAsync(cluster, ["networkpolicy-deny-all"]);
            var workload = fixture.WorkloadCluster(cluster);
            await Eventually.ThatAsync(() => workload.Get("apps/v1", "Deployment", "default", "klustered")?["status"]?["readyReplicas"]?.GetValue<int>() is null or 0, "the klustered Deployment has no ready replica");

            // when provisioning runs again (an operator's Retry, a retried activity), deploying adopts what is there,
            var started = DateTimeOffset.UtcNow;
            await ops.DeployWorkloadAsync(cluster);

            // without waiting for a readiness the breaks prevent on purpose, and the breaks still hold.
            Assert.True(DateTimeOffset.UtcNow - started < fixture.Options.WorkloadReadyTimeout, "waited for the workload to be Ready");
            await ops.ApplyBreaksAsync(cluster, ["networkpolicy-deny-all"]);
            var verdict = await ops.VerifyBrokenAsync(cluster, ["networkpolicy-deny-all"]);
            Assert.True(verdict.Broken, verdict.Summary);
        }
        finally
        {
            await ops.TeardownAsync(cluster);
        }
    }

    private static HttpOperationException ApiError(HttpStatusCode code, string body) => new($"Operation returned an invalid status code '{code}'")
    {
        Response = new HttpResponseMessageWrapper(new HttpResponseMessage(code), body),
    };
}

using System.Net;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Options;
using RawkodeAutomation.GitHub;
using RawkodeAutomation.Kubernetes;
using RawkodeAutomation.Kubernetes.Sandbox;
using RawkodeAutomation.Worker.Adapters;
using RawkodeAutomation.Workflows.Activities;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Testing;

namespace RawkodeAutomation.Pipeline.Tests.EndToEnd;

/// <summary>
/// The Klustered activities as the worker runs them (<see cref="KubernetesKlusteredActivities"/>, in the SDK's
/// activity environment) against the Kubernetes sandbox: teams without library breaks, broken by hand or not, and the
/// breakers' and fixers' kubeconfig files on disk.
/// </summary>
public sealed class KlusteredHandsTests : IAsyncLifetime
{
    private const string EpisodeId = "klustered/2030-06-01-hands";
    private readonly DirectoryInfo _access = Directory.CreateTempSubdirectory("klustered-access-");
    private KubernetesSandbox _sandbox = null!;
    private KubernetesClusterOperations _operations = null!;
    private KubernetesKlusteredActivities _activities = null!;

    public async Task InitializeAsync()
    {
        _sandbox = await KubernetesSandbox.StartAsync(new KubernetesSandboxOptions { ProvisionDelay = TimeSpan.FromMilliseconds(150) });
        var options = new KubernetesOptions
        {
            ManagementKubeconfigContent = _sandbox.ManagementKubeconfig,
            PollInterval = TimeSpan.FromMilliseconds(100),
            // Long enough that an unbroken rollout completes in the sandbox even on a busy machine.
            VerifyBrokenTimeout = TimeSpan.FromSeconds(5),
            AccessDirectory = _access.FullName,
        };
        _operations = new KubernetesClusterOperations(options);
        _activities = new KubernetesKlusteredActivities(_operations, Options.Create(options), new NoWriter());
    }

    public async Task DisposeAsync()
    {
        _operations.Dispose();
        await _sandbox.DisposeAsync();
        _access.Delete(recursive: true);
    }

    [Fact]
    public async Task HandOver_TeamWithoutBreaksBrokenByItsBreakers_BrokenByHandAndFixersGetAccess()
    {
        // Given a team without library breaks, provisioned two hours before the start,
        var input = Input("team-a");
        var provisioned = await RunAsync(() => _activities.ProvisionTeamAsync(input));
        Assert.True(provisioned.BreaksVerified);
        var breakers = provisioned.Breakers!;
        Assert.Equal((AccessRole.Breakers, input.ShowStart!.Value), (breakers.Role, breakers.ValidUntil));
        Assert.Equal(Path.Combine(_access.FullName, "klustered", "2030-06-01-hands", "team-a", "breakers.kubeconfig"), breakers.Path);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(breakers.Path));
        }
        Assert.Equal(input.ShowStart, KlusteredAccessFiles.ValidUntil(await File.ReadAllTextAsync(breakers.Path)));

        // when its breakers break it by hand with their kubeconfig (no pods may be created any more),
        using (var client = ClientFrom(breakers.Path))
        {
            await client.CoreV1.CreateNamespacedResourceQuotaAsync(
                new V1ResourceQuota { Metadata = new V1ObjectMeta { Name = "by-hand" }, Spec = new V1ResourceQuotaSpec { Hard = new Dictionary<string, ResourceQuantity> { ["pods"] = new("0") } } },
                "default");
        }

        // then at the start the check finds it broken by hand, the breakers are out, and the fixers are in.
        var handedOver = await RunAsync(() => _activities.HandOverTeamAsync(input));
        Assert.Equal(BreakVerdict.BrokenByHand, handedOver.Verdict);
        Assert.False(File.Exists(breakers.Path), "the breakers' file outlived their window");
        using (var client = ClientFrom(breakers.Path, await CapturedAsync(breakers.Path)))
        {
            // (the captured copy of their file, as a breaker who kept it would use it)
            var refused = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ListNamespacedPodAsync("default"));
            Assert.Contains(refused.Response.StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden });
        }
        var fixers = handedOver.Fixers!;
        Assert.Equal((AccessRole.Fixers, input.TeardownAt!.Value), (fixers.Role, fixers.ValidUntil));
        using var fixer = ClientFrom(fixers.Path);
        var deployment = await fixer.AppsV1.ReadNamespacedDeploymentAsync("klustered", "default");
        Assert.EndsWith(":v1", deployment.Spec.Template.Spec.Containers.Single().Image, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandOver_TeamLeftUnbroken_NotBrokenRevertedToV1AndFixersStillGetAccess()
    {
        var input = Input("team-b");
        var provisioned = await RunAsync(() => _activities.ProvisionTeamAsync(input));

        var handedOver = await RunAsync(() => _activities.HandOverTeamAsync(input));

        Assert.Equal(BreakVerdict.NotBroken, handedOver.Verdict);
        Assert.Contains("not broken", handedOver.Detail, StringComparison.Ordinal);
        using var fixer = ClientFrom(handedOver.Fixers!.Path);
        var deployment = await fixer.AppsV1.ReadNamespacedDeploymentAsync("klustered", "default");
        Assert.EndsWith(":v1", deployment.Spec.Template.Spec.Containers.Single().Image, StringComparison.Ordinal);
        Assert.False(File.Exists(provisioned.Breakers!.Path));
    }

    [Fact]
    public async Task HandOver_BreakTookTheApiServerDown_FixersGetTheCredentialMintedAtProvisioning()
    {
        // Given a team whose library break takes the workload API server away (applied last, verified broken),
        var input = Input("team-c", ["apiserver-wrong-port"]);
        var provisioned = await RunAsync(() => _activities.ProvisionTeamAsync(input));
        Assert.True(provisioned.BreaksVerified, string.Join("; ", provisioned.Notes));
        var workload = _sandbox.FindWorkloadCluster("default", provisioned.ClusterName)!;
        Assert.True(workload.ApiServerDown);
        var fixersPath = Path.Combine(_access.FullName, "klustered", "2030-06-01-hands", "team-c", "fixers.kubeconfig");
        Assert.False(File.Exists(fixersPath), "the fixers' file appeared before the start");

        // when the show starts, the first attempts wait for the API server (it may be restarting),
        var retried = await Assert.ThrowsAsync<Temporalio.Exceptions.ApplicationFailureException>(() => RunAsync(() => _activities.HandOverTeamAsync(input)));
        Assert.Equal(KubernetesKlusteredActivities.KubernetesUnavailable, retried.ErrorType);

        // then the hand-over goes ahead without it: broken, the breakers' file gone, the fixers' file there,
        var handedOver = await RunAsync(() => _activities.HandOverTeamAsync(input), attempt: KubernetesKlusteredActivities.HandOverAttemptsWithoutApi);
        Assert.Equal(BreakVerdict.Broken, handedOver.Verdict);
        Assert.Contains("does not answer", handedOver.Detail, StringComparison.Ordinal);
        Assert.Contains("minted at provisioning", handedOver.Detail, StringComparison.Ordinal);
        Assert.Contains("breakers' ClusterRoleBinding could not be removed", handedOver.Detail, StringComparison.Ordinal);
        Assert.False(File.Exists(provisioned.Breakers!.Path));
        var fixers = handedOver.Fixers!;
        Assert.Equal((AccessRole.Fixers, fixersPath, input.TeardownAt!.Value), (fixers.Role, fixers.Path, fixers.ValidUntil));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(fixers.Path));
        }

        // and it works once the API server is back (the cluster as it stands, served again with the break's effect
        // undone, as after the fix on the node; a plain restore keeps node-level breaks in effect).
        var state = workload.ExportState();
        await using var repaired = await SandboxCluster.RestoreAsync(state with { Nodes = state.Nodes! with { ApiServerDown = null } });
        using var fixer = ClientFrom(fixers.Path, server: repaired.Server);
        var deployment = await fixer.AppsV1.ReadNamespacedDeploymentAsync("klustered", "default");
        Assert.EndsWith(":v1", deployment.Spec.Template.Spec.Containers.Single().Image, StringComparison.Ordinal);
    }

    private readonly Dictionary<string, string> _captured = [];

    private static KlusteredTeamInput Input(string team, IReadOnlyList<string>? breaks = null)
    {
        var start = DateTimeOffset.UtcNow.AddHours(2);
        var spec = new KlusteredTeamDesired(team, ["ada-okafor"], ["chen-wei"], "kubeadm-small", "v1.31.0", 1, 1, breaks ?? []);
        return new KlusteredTeamInput(EpisodeId, spec, start.AddHours(6), start, start.AddMinutes(90).AddHours(4));
    }

    private async Task<T> RunAsync<T>(Func<Task<T>> activity, int attempt = 1)
    {
        var environment = new ActivityEnvironment { Info = ActivityEnvironment.DefaultInfo with { Attempt = attempt } };
        var result = await environment.RunAsync(activity);
        // Keep a copy of every file a breaker could have saved, for the "after the start" checks.
        foreach (var file in _access.EnumerateFiles("*.kubeconfig", SearchOption.AllDirectories))
        {
            _captured[file.FullName] = await File.ReadAllTextAsync(file.FullName);
        }
        return result;
    }

    private Task<string> CapturedAsync(string path) => Task.FromResult(_captured[path]);

    private static k8s.Kubernetes ClientFrom(string path, string? content = null, Uri? server = null)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(content ?? File.ReadAllText(path)));
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(stream);
        if (server is not null)
        {
            config.Host = server.ToString();
        }
        return new k8s.Kubernetes(config);
    }

    private sealed class NoWriter : IEpisodeFileWriter
    {
        public Task<FileWriteResult> UpdateAsync(string path, Func<byte[]?, byte[]?> edit, string message, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("these tests write no episode file");
    }
}

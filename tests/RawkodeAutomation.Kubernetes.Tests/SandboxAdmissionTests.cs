using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using RawkodeAutomation.Kubernetes.Sandbox;

namespace RawkodeAutomation.Kubernetes.Tests;

/// <summary>Custom resources and URL webhooks in the sandbox.</summary>
public sealed class SandboxAdmissionTests : IAsyncLifetime
{
    private SandboxCluster _cluster = null!;
    private IKubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _cluster = await SandboxCluster.StartWorkloadAsync("admission-test", 1, 1);
        _client = SandboxApiTests.ClientFor(_cluster);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task CustomResource_AfterCrd_CrudNamespacedAndClusterScoped()
    {
        foreach (var (plural, kind, scope) in new[] { ("widgets", "Widget", "Namespaced"), ("gadgets", "Gadget", "Cluster") })
        {
            await _client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(new V1CustomResourceDefinition
            {
                Metadata = new V1ObjectMeta { Name = $"{plural}.example.dev" },
                Spec = new V1CustomResourceDefinitionSpec
                {
                    Group = "example.dev",
                    Scope = scope,
                    Names = new V1CustomResourceDefinitionNames { Plural = plural, Kind = kind, Singular = kind.ToLowerInvariant() },
                    Versions = [new V1CustomResourceDefinitionVersion { Name = "v1", Served = true, Storage = true, Subresources = new V1CustomResourceSubresources { Status = new object() } }],
                },
            });
        }

        var widget = JsonSerializer.SerializeToElement(new { apiVersion = "example.dev/v1", kind = "Widget", metadata = new { name = "w1", labels = new { size = "l" } }, spec = new { teeth = 3 } });
        await _client.CustomObjects.CreateNamespacedCustomObjectAsync(widget, "example.dev", "v1", "default", "widgets");
        var gadget = JsonSerializer.SerializeToElement(new { apiVersion = "example.dev/v1", kind = "Gadget", metadata = new { name = "g1" } });
        await _client.CustomObjects.CreateClusterCustomObjectAsync(gadget, "example.dev", "v1", "gadgets");

        var listed = (JsonElement)await _client.CustomObjects.ListNamespacedCustomObjectAsync("example.dev", "v1", "default", "widgets", labelSelector: "size=l");
        Assert.Equal(1, listed.GetProperty("items").GetArrayLength());
        var patched = (JsonElement)await _client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch("""{"spec":{"teeth":4}}""", V1Patch.PatchType.MergePatch), "example.dev", "v1", "default", "widgets", "w1");
        Assert.Equal(4, patched.GetProperty("spec").GetProperty("teeth").GetInt32());
        Assert.Equal(2, patched.GetProperty("metadata").GetProperty("generation").GetInt64());
        var status = (JsonElement)await _client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(new V1Patch("""{"status":{"ok":true}}""", V1Patch.PatchType.MergePatch), "example.dev", "v1", "default", "widgets", "w1");
        Assert.True(status.GetProperty("status").GetProperty("ok").GetBoolean());
        Assert.Equal(2, status.GetProperty("metadata").GetProperty("generation").GetInt64());
        await _client.CustomObjects.GetClusterCustomObjectAsync("example.dev", "v1", "gadgets", "g1");
        await _client.CustomObjects.DeleteClusterCustomObjectAsync("example.dev", "v1", "gadgets", "g1");
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CustomObjects.GetClusterCustomObjectAsync("example.dev", "v1", "gadgets", "g1"));
        Assert.Equal(HttpStatusCode.NotFound, error.Response.StatusCode);
    }

    [Fact]
    public async Task ValidatingWebhook_UrlDenies_PodCreationForbiddenWithItsMessage()
    {
        // A real webhook server on loopback: the sandbox calls it with an AdmissionReview over HTTP.
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        await using var app = builder.Build();
        var seen = new List<string>();
        app.MapPost("/validate", async (HttpContext context) =>
        {
            var review = await JsonNode.ParseAsync(context.Request.Body);
            var request = review!["request"]!;
            lock (seen)
            {
                seen.Add($"{request["operation"]} {request["kind"]!["kind"]} {request["name"]}");
            }

            return Results.Json(new JsonObject
            {
                ["apiVersion"] = "admission.k8s.io/v1",
                ["kind"] = "AdmissionReview",
                ["response"] = new JsonObject { ["uid"] = request["uid"]!.DeepClone(), ["allowed"] = false, ["status"] = new JsonObject { ["message"] = "no pods on Fridays" } },
            });
        });
        await app.StartAsync();
        var url = app.Urls.First() + "/validate";
        await _client.AdmissionregistrationV1.CreateValidatingWebhookConfigurationAsync(new V1ValidatingWebhookConfiguration
        {
            Metadata = new V1ObjectMeta { Name = "fridays" },
            Webhooks =
            [
                new V1ValidatingWebhook
                {
                    Name = "fridays.example.dev",
                    AdmissionReviewVersions = ["v1"],
                    SideEffects = "None",
                    ClientConfig = new Admissionregistrationv1WebhookClientConfig { Url = url },
                    Rules = [new V1RuleWithOperations { Operations = ["CREATE"], ApiGroups = [""], ApiVersions = ["v1"], Resources = ["pods"] }],
                },
            ],
        });

        var pod = new V1Pod { Metadata = new V1ObjectMeta { Name = "friday" }, Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] } };
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoreV1.CreateNamespacedPodAsync(pod, "default"));
        Assert.Equal(HttpStatusCode.Forbidden, error.Response.StatusCode);
        Assert.Contains("no pods on Fridays", error.Response.Content, StringComparison.Ordinal);
        Assert.Equal(["CREATE Pod friday"], seen);

        // ConfigMaps do not match the rules: allowed without a call.
        await _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "fine" } }, "default");
        Assert.Single(seen);
    }

    [Fact]
    public async Task Watch_FromResourceVersion_StreamsModifiedThenDeleted()
    {
        var map = await _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "watched" } }, "default");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var events = new List<(WatchEventType, string)>();
        var watching = Task.Run(async () =>
        {
            await foreach (var (type, item) in _client.CoreV1.WatchListNamespacedConfigMapAsync("default", fieldSelector: "metadata.name=watched", resourceVersion: map.Metadata.ResourceVersion, cancellationToken: cts.Token))
            {
                events.Add((type, item.Metadata.Name));
                if (type == WatchEventType.Deleted)
                {
                    break;
                }
            }
        });
        await _client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"a":"1"}}""", V1Patch.PatchType.MergePatch), "watched", "default");
        await _client.CoreV1.DeleteNamespacedConfigMapAsync("watched", "default");
        await watching;
        Assert.Equal([(WatchEventType.Modified, "watched"), (WatchEventType.Deleted, "watched")], events);
    }
}

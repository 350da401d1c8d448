using System.Text.Json.Nodes;

namespace RawkodeAutomation.Kubernetes;

/// <summary>
/// The Klustered workload: the <c>klustered</c> Deployment and Service in <c>default</c> and the <c>postgres</c>
/// database it needs. The fixers win when <c>klustered</c> runs <c>:v2</c> and is Ready (docs/architecture.md, "Facts about the outside world").
/// </summary>
public static class KlusteredWorkload
{
    public const string Namespace = "default";
    public const string DeploymentName = "klustered";
    public const string ContainerName = "klustered";
    public const string DatabaseName = "postgres";

    /// <summary>
    /// Declares the app's runtime dependency (it checks its database in its readiness probe). Real clusters ignore it;
    /// the Kubernetes sandbox reads it to model readiness.
    /// </summary>
    public const string DependsOnAnnotation = "klustered.rawkode.dev/depends-on";

    public static string Image(KubernetesOptions options, string tag) => $"{options.WorkloadImage}:{tag}";

    /// <summary>The manifests, in creation order (database first).</summary>
    public static IReadOnlyList<JsonObject> Manifests(KubernetesOptions options)
    {
        var labels = (string app) => new JsonObject
        {
            ["app"] = app,
            ["app.kubernetes.io/part-of"] = "klustered",
            [Ownership.OwnedByLabel] = Ownership.OwnedByValue,
        };
        var database = $"{DatabaseName}.{Namespace}.svc.cluster.local:5432";
        return
        [
            new JsonObject
            {
                ["apiVersion"] = "apps/v1",
                ["kind"] = "Deployment",
                ["metadata"] = new JsonObject { ["name"] = DatabaseName, ["namespace"] = Namespace, ["labels"] = labels(DatabaseName) },
                ["spec"] = new JsonObject
                {
                    ["replicas"] = 1,
                    ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = DatabaseName } },
                    ["template"] = new JsonObject
                    {
                        ["metadata"] = new JsonObject { ["labels"] = labels(DatabaseName) },
                        ["spec"] = new JsonObject
                        {
                            ["containers"] = new JsonArray(new JsonObject
                            {
                                ["name"] = DatabaseName,
                                ["image"] = options.DatabaseImage,
                                ["env"] = new JsonArray(
                                    new JsonObject { ["name"] = "POSTGRES_DB", ["value"] = "klustered" },
                                    new JsonObject { ["name"] = "POSTGRES_USER", ["value"] = "klustered" },
                                    new JsonObject { ["name"] = "POSTGRES_HOST_AUTH_METHOD", ["value"] = "trust" }),
                                ["ports"] = new JsonArray(new JsonObject { ["name"] = "postgres", ["containerPort"] = 5432 }),
                                ["readinessProbe"] = new JsonObject { ["tcpSocket"] = new JsonObject { ["port"] = 5432 } },
                                ["resources"] = new JsonObject
                                {
                                    ["requests"] = new JsonObject { ["cpu"] = "100m", ["memory"] = "128Mi" },
                                    ["limits"] = new JsonObject { ["memory"] = "256Mi" },
                                },
                            }),
                        },
                    },
                },
            },
            new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Service",
                ["metadata"] = new JsonObject { ["name"] = DatabaseName, ["namespace"] = Namespace, ["labels"] = labels(DatabaseName) },
                ["spec"] = new JsonObject
                {
                    ["selector"] = new JsonObject { ["app"] = DatabaseName },
                    ["ports"] = new JsonArray(new JsonObject { ["name"] = "postgres", ["port"] = 5432, ["targetPort"] = 5432 }),
                },
            },
            new JsonObject
            {
                ["apiVersion"] = "apps/v1",
                ["kind"] = "Deployment",
                ["metadata"] = new JsonObject { ["name"] = DeploymentName, ["namespace"] = Namespace, ["labels"] = labels(DeploymentName) },
                ["spec"] = new JsonObject
                {
                    ["replicas"] = 2,
                    ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = DeploymentName } },
                    ["template"] = new JsonObject
                    {
                        ["metadata"] = new JsonObject
                        {
                            ["labels"] = labels(DeploymentName),
                            ["annotations"] = new JsonObject { [DependsOnAnnotation] = database },
                        },
                        ["spec"] = new JsonObject
                        {
                            ["containers"] = new JsonArray(new JsonObject
                            {
                                ["name"] = ContainerName,
                                ["image"] = Image(options, options.BrokenTag),
                                ["env"] = new JsonArray(new JsonObject { ["name"] = "DATABASE_URL", ["value"] = $"postgres://klustered@{database}/klustered" }),
                                ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["containerPort"] = 8080 }),
                                ["readinessProbe"] = new JsonObject { ["httpGet"] = new JsonObject { ["path"] = "/healthz", ["port"] = 8080 }, ["periodSeconds"] = 5 },
                                ["resources"] = new JsonObject
                                {
                                    ["requests"] = new JsonObject { ["cpu"] = "50m", ["memory"] = "64Mi" },
                                    ["limits"] = new JsonObject { ["memory"] = "128Mi" },
                                },
                            }),
                        },
                    },
                },
            },
            new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Service",
                ["metadata"] = new JsonObject { ["name"] = DeploymentName, ["namespace"] = Namespace, ["labels"] = labels(DeploymentName) },
                ["spec"] = new JsonObject
                {
                    ["selector"] = new JsonObject { ["app"] = DeploymentName },
                    ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = 80, ["targetPort"] = "http" }),
                },
            },
        ];
    }

    /// <summary>The strategic merge patch that sets the klustered container's image (what <c>kubectl set image</c> sends).</summary>
    public static JsonObject SetImagePatch(string image) => new()
    {
        ["spec"] = new JsonObject
        {
            ["template"] = new JsonObject
            {
                ["spec"] = new JsonObject
                {
                    ["containers"] = new JsonArray(new JsonObject { ["name"] = ContainerName, ["image"] = image }),
                },
            },
        },
    };
}

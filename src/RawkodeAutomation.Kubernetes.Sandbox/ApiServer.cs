using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace RawkodeAutomation.Kubernetes.Sandbox;

/// <summary>
/// The HTTP face of one sandbox cluster: the REST paths, discovery documents, watch streams and error shapes of the
/// Kubernetes API (https://kubernetes.io/docs/reference/using-api/api-concepts/), served by Kestrel on loopback.
/// </summary>
internal sealed class ApiServer : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };
    private readonly ObjectStore _store;
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();

    private readonly ClusterSecurity _security;
    private readonly System.Collections.Concurrent.ConcurrentQueue<int> _faults = new();

    private ApiServer(ObjectStore store, WebApplication app, ClusterSecurity security)
    {
        _store = store;
        _app = app;
        _security = security;
    }

    public Uri BaseUri { get; private set; } = null!;

    private volatile string? _down;
    private Task? _stopped;

    /// <summary>See <see cref="GoDown"/>.</summary>
    public bool IsDown => _down is not null;

    /// <summary>Why the API server went away (see <see cref="GoDown"/>); null while it answers.</summary>
    public string? DownReason => _down;

    /// <summary>
    /// The API server goes away: requests that arrive from now on are cut off, and the listener closes, so new
    /// connections are refused (what clients see when kube-apiserver no longer listens on its port). A request already
    /// being served (e.g. the one whose change caused this) still gets its answer.
    /// </summary>
    public void GoDown(string why)
    {
        if (Interlocked.CompareExchange(ref _down, why, null) is not null)
        {
            return;
        }

        _stopped = Task.Run(async () =>
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _app.StopAsync(deadline.Token).ConfigureAwait(false);
        });
    }

    /// <summary>The next authenticated requests fail with these status codes, one each, in order.</summary>
    public void InjectFaults(IEnumerable<int> statusCodes)
    {
        foreach (var code in statusCodes)
        {
            _faults.Enqueue(code);
        }
    }

    /// <summary>
    /// Serves HTTPS with the cluster's serving certificate; a client certificate is requested (not required) so both
    /// client-certificate and bearer-token users get in, as on kube-apiserver.
    /// </summary>
    public static async Task<ApiServer> StartAsync(ObjectStore store, ClusterSecurity security, string host = "127.0.0.1", int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(System.Net.IPAddress.Parse(host), port, listen => listen.UseHttps(https =>
        {
            https.ServerCertificate = security.Pki.ServingCertificate;
            https.ClientCertificateMode = Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.AllowCertificate;

            // An untrusted client certificate is a 401 from the authenticator, not a failed handshake.
            https.AllowAnyClientCertificate();
        })));
        var app = builder.Build();
        var server = new ApiServer(store, app, security);
        app.Run(server.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Urls.First();
        server.BaseUri = new Uri(address.EndsWith('/') ? address : address + "/");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_stopped is not null)
        {
            await _stopped.ConfigureAwait(false);
        }
        else
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _app.StopAsync(deadline.Token).ConfigureAwait(false);
        }

        await _app.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (_down is not null)
        {
            // Gone (see GoDown): the connection is cut, no HTTP answer, until the listener has closed.
            context.Abort();
            return;
        }

        try
        {
            var path = context.Request.Path.Value ?? "/";
            var user = _security.Authenticate(context.Request.Headers.Authorization.ToString(), context.Connection.ClientCertificate);
            if (user is null)
            {
                // Without credentials only the public-info paths answer (system:public-info-viewer), as on kubeadm.
                if (path.TrimEnd('/') is not ("/healthz" or "/readyz" or "/livez" or "/version"))
                {
                    throw new ApiError(401, "Unauthorized", "Unauthorized");
                }

                user = UserInfo.Anonymous;
            }

            if (path is "/healthz" or "/readyz" or "/livez")
            {
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("ok", context.RequestAborted).ConfigureAwait(false);
                return;
            }

            if (user != UserInfo.Anonymous && _faults.TryDequeue(out var fault))
            {
                throw new ApiError(fault, fault == 429 ? "TooManyRequests" : "ServiceUnavailable", $"the Kubernetes sandbox injected a {fault} fault");
            }

            await RouteAsync(context, user).ConfigureAwait(false);
        }
        catch (ApiError error)
        {
            await WriteAsync(context, error.Code, error.ToStatus()).ConfigureAwait(false);
        }
        catch (JsonException error)
        {
            await WriteAsync(context, 400, ApiError.BadRequest($"the request body is not valid JSON: {error.Message}").ToStatus()).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested || _stopping.IsCancellationRequested)
        {
            // The client went away (a watch being cancelled) or the sandbox is stopping.
        }
        catch (Exception e) when (e is not OperationCanceledException && !context.Response.HasStarted)
        {
            // A sandbox bug: answer as the API server does on a panic, with what went wrong, rather than an empty 500.
            await WriteAsync(context, 500, new ApiError(500, "InternalError", $"Internal error occurred: {e.GetType().Name}: {e.Message}").ToStatus()).ConfigureAwait(false);
        }
    }

    private async Task RouteAsync(HttpContext context, UserInfo user)
    {
        var path = context.Request.Path.Value ?? "/";
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var method = context.Request.Method;
        var isResource = segments is ["api", _, _, ..] or ["apis", _, _, _, ..];
        if (!isResource)
        {
            _security.Authorize(user, RequestAttributes.NonResource(method.ToLowerInvariant(), path));
        }

        switch (segments)
        {
            case ["openapi", "v2"]:
                if (!context.Request.Headers.Accept.ToString().Contains("json", StringComparison.Ordinal) && context.Request.Headers.Accept.Count > 0 && !context.Request.Headers.Accept.ToString().Contains("*/*", StringComparison.Ordinal))
                {
                    throw new ApiError(406, "NotAcceptable", "only application/json is served for /openapi/v2 by the sandbox");
                }

                await WriteAsync(context, 200, OpenApi.V2(_store.Catalog, _store)).ConfigureAwait(false);
                return;
            case ["openapi", "v3"]:
                await WriteAsync(context, 200, OpenApi.V3Root(_store.Catalog)).ConfigureAwait(false);
                return;
            case ["openapi", "v3", "api", var coreVersion]:
                await WriteAsync(context, 200, OpenApi.V3(_store.Catalog, _store, "", coreVersion)).ConfigureAwait(false);
                return;
            case ["openapi", "v3", "apis", var openApiGroup, var openApiVersion]:
                await WriteAsync(context, 200, OpenApi.V3(_store.Catalog, _store, openApiGroup, openApiVersion)).ConfigureAwait(false);
                return;
        }

        if (segments.Length == 0 || (segments is ["version"]))
        {
            await WriteAsync(context, 200, new JsonObject { ["major"] = "1", ["minor"] = "31", ["gitVersion"] = "v1.31.0-rawkode-sandbox", ["platform"] = "linux/amd64" }).ConfigureAwait(false);
            return;
        }

        string group, version;
        string[] rest;
        switch (segments)
        {
            case ["api"]:
                await WriteAsync(context, 200, new JsonObject { ["kind"] = "APIVersions", ["versions"] = new JsonArray("v1"), ["serverAddressByClientCIDRs"] = new JsonArray() }).ConfigureAwait(false);
                return;
            case ["apis"]:
                await WriteAsync(context, 200, GroupList()).ConfigureAwait(false);
                return;
            case ["apis", var g]:
                var groupDoc = GroupList()["groups"]!.AsArray().FirstOrDefault(x => x!["name"]!.GetValue<string>() == g)
                    ?? throw new ApiError(404, "NotFound", $"the server could not find the requested resource (group {g})");
                await WriteAsync(context, 200, groupDoc.DeepClone()).ConfigureAwait(false);
                return;
            case ["api", var v, .. var r]:
                (group, version, rest) = ("", v, r);
                break;
            case ["apis", var g, var v, .. var r]:
                (group, version, rest) = (g, v, r);
                break;
            default:
                throw new ApiError(404, "NotFound", "the server could not find the requested resource");
        }

        if (rest.Length == 0)
        {
            await WriteAsync(context, 200, ResourceList(group, version)).ConfigureAwait(false);
            return;
        }

        // namespaces/{ns} is the Namespace object itself; namespaces/{ns}/{plural}/... is a namespaced resource.
        string? ns = null;
        if (rest[0] == "namespaces" && rest.Length >= 3 && !(group.Length == 0 && rest.Length == 3 && rest[2] is "status" or "finalize"))
        {
            ns = rest[1];
            rest = rest[2..];
        }

        var type = _store.Catalog.Find(group, version, rest[0])
            ?? throw new ApiError(404, "NotFound", $"the server could not find the requested resource ({group}/{version} {rest[0]})");
        if (ns is not null && !type.Namespaced)
        {
            throw new ApiError(404, "NotFound", $"{type.Plural} is cluster-scoped");
        }

        var name = rest.Length > 1 ? rest[1] : null;
        var subresource = rest.Length > 2 ? rest[2] : null;
        if (subresource is not null && !type.AllSubresources.Contains(subresource))
        {
            throw new ApiError(404, "NotFound", $"the server could not find the requested resource ({type.Plural}/{subresource})");
        }

        var query = context.Request.Query;

        // dryRun=All runs a write through defaulting, admission and validation and stores nothing (kubectl --dry-run=server, diff).
        var dryRun = query["dryRun"].ToString() switch
        {
            "" => false,
            "All" => true,
            var other => throw ApiError.BadRequest($"Invalid dry run value: \"{other}\": supported values: \"All\""),
        };
        _security.Authorize(user, new RequestAttributes(Verb(method, name, IsTrue(query["watch"])), group, type.Plural, subresource, ns, name, path));
        if (type.ReadOnly && method != "GET")
        {
            throw new ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
        }

        if (type.Kind == "ComponentStatus")
        {
            context.Response.Headers.Append("Warning", "299 - \"v1 ComponentStatus is deprecated in v1.19+\"");
        }

        if (type.Virtual)
        {
            if (method != "POST" || name is not null)
            {
                throw new ApiError(405, "MethodNotAllowed", $"{type.Plural} can only be created");
            }

            await WriteAsync(context, 201, Review(type, user, await ReadObjectAsync(context).ConfigureAwait(false))).ConfigureAwait(false);
            return;
        }

        switch (subresource, method)
        {
            case ("log", "GET"):
                {
                    var pod = _store.GetRequired(type, ns, name!);
                    context.Response.StatusCode = 200;
                    context.Response.ContentType = "text/plain";
                    await context.Response.WriteAsync(Logs.For(pod, query["container"], IsTrue(query["previous"]), query["tailLines"]), context.RequestAborted).ConfigureAwait(false);
                    return;
                }

            case ("exec" or "attach" or "portforward", "GET" or "POST"):
                {
                    // kubectl exec, attach, cp and port-forward stream to a container through the kubelet; the sandbox has
                    // neither, so it says so (rather than a 404 that reads like a typo in the pod's name).
                    var pod = _store.GetRequired(type, ns, name!);
                    var container = query["container"].ToString() is { Length: > 0 } c ? c : pod["spec"]?["containers"]?[0]?["name"]?.GetValue<string>();
                    throw ApiError.BadRequest($"the Kubernetes sandbox runs no containers, so nothing can {(subresource == "portforward" ? "forward a port of" : subresource + " to")} container {container} of pod {ns}/{name}: kubectl exec, attach, cp and port-forward need a real cluster; kubectl logs, describe and events show what the pod is doing");
                }

            case ("eviction", "POST"):
                {
                    // An eviction is a delete that the pod's PodDisruptionBudget may refuse (429).
                    var pod = _store.GetRequired(type, ns, name!);
                    DisruptionBudgets.CheckEviction(_store, pod);
                }

                if (!dryRun)
                {
                    _store.Delete(type, ns, name!);
                }

                await WriteAsync(context, 201, new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success", ["code"] = 201 }).ConfigureAwait(false);
                return;
            case ("scale", "GET"):
                await WriteAsync(context, 200, Scale(_store.GetRequired(type, ns, name!))).ConfigureAwait(false);
                return;
            case ("scale", "PUT" or "PATCH"):
                {
                    var current = _store.GetRequired(type, ns, name!);
                    var body = await ReadNodeAsync(context).ConfigureAwait(false);
                    var scale = method == "PUT" ? body : Patching.Apply(Scale(current), context.Request.ContentType ?? "", body);
                    var replicas = scale["spec"]?["replicas"] ?? throw ApiError.BadRequest("a Scale needs spec.replicas");
                    var updated = await _store.PatchAsync(type, ns, name!, "application/merge-patch+json", new JsonObject { ["spec"] = new JsonObject { ["replicas"] = replicas.DeepClone() } }, null, dryRun).ConfigureAwait(false);
                    await WriteAsync(context, 200, Scale(updated)).ConfigureAwait(false);
                    return;
                }
        }

        if (type.Kind == "ServiceAccount" && subresource == "token" && name is not null && method == "POST")
        {
            await WriteAsync(context, 201, RequestToken(ns!, name, await ReadObjectAsync(context).ConfigureAwait(false))).ConfigureAwait(false);
            return;
        }

        if (name is null)
        {
            switch (method)
            {
                case "GET" when IsTrue(query["watch"]):
                    await WatchAsync(context, type, ns).ConfigureAwait(false);
                    return;
                case "GET":
                    {
                        var (items, rv) = _store.List(type, ns, LabelSelector.Parse(query["labelSelector"]), FieldSelector.Parse(query["fieldSelector"]));
                        if (Printing.WantsTable(context.Request.Headers.Accept))
                        {
                            await WriteAsync(context, 200, Printing.Table(type, items, rv.ToString(CultureInfo.InvariantCulture), query["includeObject"], _store, DateTimeOffset.UtcNow)).ConfigureAwait(false);
                            return;
                        }

                        await WriteAsync(context, 200, new JsonObject
                        {
                            ["kind"] = type.Kind + "List",
                            ["apiVersion"] = type.ApiVersion,
                            ["metadata"] = new JsonObject { ["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture) },
                            ["items"] = new JsonArray(items.Cast<JsonNode>().ToArray()),
                        }).ConfigureAwait(false);
                        return;
                    }

                case "POST":
                    {
                        if (type.Namespaced && ns is null)
                        {
                            throw new ApiError(405, "MethodNotAllowed", $"POST to {type.Plural} requires a namespace in the path");
                        }

                        var created = await _store.CreateAsync(type, ns, ValidateFields(context, type, await ReadObjectAsync(context).ConfigureAwait(false)), dryRun: dryRun).ConfigureAwait(false);
                        await WriteAsync(context, 201, created).ConfigureAwait(false);
                        return;
                    }

                case "DELETE":
                    {
                        dryRun |= await DeleteOptionsDryRunAsync(context).ConfigureAwait(false);
                        var (items, _) = _store.List(type, ns, LabelSelector.Parse(query["labelSelector"]), FieldSelector.Parse(query["fieldSelector"]));
                        foreach (var item in items)
                        {
                            TryDelete(type, item, dryRun);
                        }

                        await WriteAsync(context, 200, new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success" }).ConfigureAwait(false);
                        return;
                    }
            }
        }
        else
        {
            switch (method)
            {
                case "GET":
                    {
                        var obj = _store.GetRequired(type, ns, name);
                        await WriteAsync(context, 200, Printing.WantsTable(context.Request.Headers.Accept)
                            ? Printing.Table(type, [obj], obj["metadata"]?["resourceVersion"]?.ToString(), query["includeObject"], _store, DateTimeOffset.UtcNow)
                            : obj).ConfigureAwait(false);
                        return;
                    }
                case "PUT":
                    await WriteAsync(context, 200, await _store.UpdateAsync(type, ns, name, ValidateFields(context, type, await ReadObjectAsync(context).ConfigureAwait(false)), subresource, dryRun: dryRun).ConfigureAwait(false)).ConfigureAwait(false);
                    return;
                case "PATCH":
                    {
                        var patch = await ReadNodeAsync(context).ConfigureAwait(false);
                        if (patch is JsonObject patchObject)
                        {
                            ValidateFields(context, type, patchObject);
                        }

                        if ((context.Request.ContentType ?? "").StartsWith("application/apply-patch", StringComparison.OrdinalIgnoreCase) && subresource is null)
                        {
                            var manager = query["fieldManager"].ToString();
                            if (manager.Length == 0)
                            {
                                throw ApiError.BadRequest("PATCH requests with apply content type must specify a fieldManager");
                            }

                            var applied = patch as JsonObject ?? throw ApiError.BadRequest("an apply patch must be an object");
                            var live = _store.Get(type, ns, name);
                            var merged = ServerSideApply.Apply(type, live, applied, manager, IsTrue(query["force"]));
                            if (live is null)
                            {
                                await WriteAsync(context, 201, await _store.CreateAsync(type, ns, merged, dryRun: dryRun).ConfigureAwait(false)).ConfigureAwait(false);
                                return;
                            }

                            merged["metadata"]!["resourceVersion"] = live["metadata"]!["resourceVersion"]!.DeepClone();
                            await WriteAsync(context, 200, await _store.UpdateAsync(type, ns, name, merged, null, dryRun: dryRun).ConfigureAwait(false)).ConfigureAwait(false);
                            return;
                        }

                        var patched = await _store.PatchAsync(type, ns, name, context.Request.ContentType ?? "", patch, subresource, dryRun).ConfigureAwait(false);
                        await WriteAsync(context, 200, patched).ConfigureAwait(false);
                        return;
                    }

                case "DELETE":
                    {
                        // kubectl sends DeleteOptions in the body: its dryRun counts like the query parameter.
                        dryRun |= await DeleteOptionsDryRunAsync(context).ConfigureAwait(false);

                        // As the API server does for objects without finalizers: 200 with the deleted object.
                        var deleted = _store.Delete(type, ns, name, dryRun);
                        await WriteAsync(context, 200, deleted).ConfigureAwait(false);
                        return;
                    }
            }
        }

        throw new ApiError(405, "MethodNotAllowed", $"{method} is not supported on this path");
    }

    /// <summary>
    /// Server-side field validation (https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation):
    /// unknown fields are a 400 under <c>fieldValidation=Strict</c> (what kubectl sends), a warning otherwise. A value of
    /// the wrong JSON type is a 400 in every mode, as the decoder fails before validation.
    /// </summary>
    private static JsonObject ValidateFields(HttpContext context, ResourceType type, JsonObject body)
    {
        var withoutDirectives = Patching.MergePatch(null, body, strategic: true) as JsonObject ?? body;

        // A value of the wrong JSON type never decodes, whatever fieldValidation says: 400 as the API server's decoder.
        if (OpenApi.TypeError(type, withoutDirectives) is { } typeError)
        {
            throw ApiError.CannotDecode(type, typeError);
        }

        var mode = context.Request.Query["fieldValidation"].ToString();
        if (mode == "Ignore")
        {
            return body;
        }

        var unknown = OpenApi.UnknownFields(type, withoutDirectives);
        if (unknown.Count == 0)
        {
            return body;
        }

        if (mode == "Strict")
        {
            throw ApiError.BadRequest("strict decoding error: " + string.Join(", ", unknown.Select(f => $"unknown field \"{f}\"")));
        }

        foreach (var field in unknown)
        {
            context.Response.Headers.Append("Warning", $"299 - \"unknown field \\\"{field}\\\"\"");
        }

        return body;
    }

    private static string Verb(string method, string? name, bool watch) => (method, name) switch
    {
        ("GET", _) when watch => "watch",
        ("GET", null) => "list",
        ("GET", _) => "get",
        ("POST", _) => "create",
        ("PUT", _) => "update",
        ("PATCH", _) => "patch",
        ("DELETE", null) => "deletecollection",
        ("DELETE", _) => "delete",
        _ => method.ToLowerInvariant(),
    };

    /// <summary>
    /// TokenRequest (<c>kubectl create token</c>): a signed token for the ServiceAccount, expiring after
    /// <c>spec.expirationSeconds</c> (default one hour, at least ten minutes), optionally bound to a Secret or Pod.
    /// See https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/token-request-v1/.
    /// </summary>
    private JsonObject RequestToken(string ns, string name, JsonObject request)
    {
        var serviceAccountType = _store.Catalog.Find("", "v1", "serviceaccounts")!;
        var serviceAccount = _store.GetRequired(serviceAccountType, ns, name);
        var spec = request["spec"] as JsonObject ?? new JsonObject();
        var seconds = spec["expirationSeconds"]?.GetValue<long>() ?? 3600;
        var invalid = seconds < 600 ? "may not specify a duration less than 10 minutes" : seconds > (1L << 32) ? "may not specify a duration larger than 2^32 seconds" : null;
        if (invalid is not null)
        {
            throw new ApiError(422, "Invalid", $"TokenRequest.authentication.k8s.io \"{name}\" is invalid: spec.expirationSeconds: Invalid value: {seconds.ToString(CultureInfo.InvariantCulture)}: {invalid}", "TokenRequest", name, "authentication.k8s.io");
        }

        JsonObject? bound = null;
        if (spec["boundObjectRef"] is JsonObject reference)
        {
            var kind = reference["kind"]?.GetValue<string>();
            var boundType = kind switch
            {
                "Secret" => _store.Catalog.Find("", "v1", "secrets"),
                "Pod" => _store.Catalog.Find("", "v1", "pods"),
                _ => throw new ApiError(422, "Invalid", $"TokenRequest.authentication.k8s.io \"{name}\" is invalid: spec.boundObjectRef.kind: Unsupported value: \"{kind}\": supported values: \"Pod\", \"Secret\""),
            };
            bound = _store.GetRequired(boundType!, ns, reference["name"]?.GetValue<string>() ?? "");
            if (reference["uid"]?.GetValue<string>() is { Length: > 0 } uid && uid != bound["metadata"]!["uid"]!.GetValue<string>())
            {
                throw new ApiError(409, "Conflict", $"the UID in the bound object reference ({uid}) does not match the UID in record. The object might have been deleted and then recreated");
            }
        }

        var audiences = (spec["audiences"] as JsonArray)?.Select(a => a!.GetValue<string>()).ToList() ?? [];
        var (token, expires) = _security.IssueToken(serviceAccount, audiences, TimeSpan.FromSeconds(seconds), bound);
        spec["expirationSeconds"] = seconds;
        spec["audiences"] = new JsonArray([.. (audiences.Count == 0 ? [ClusterSecurity.Issuer] : audiences).Select(a => (JsonNode)a)]);
        return new JsonObject
        {
            ["kind"] = "TokenRequest",
            ["apiVersion"] = "authentication.k8s.io/v1",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["creationTimestamp"] = ClusterSecurity.FormatExpiry(_security.Time.GetUtcNow()) },
            ["spec"] = spec.DeepClone(),
            ["status"] = new JsonObject { ["token"] = token, ["expirationTimestamp"] = ClusterSecurity.FormatExpiry(expires) },
        };
    }

    // The scale subresource (autoscaling/v1 Scale) of Deployments and ReplicaSets: kubectl scale.
    private static JsonObject Scale(JsonObject obj) => new()
    {
        ["kind"] = "Scale",
        ["apiVersion"] = "autoscaling/v1",
        ["metadata"] = new JsonObject
        {
            ["name"] = obj["metadata"]!["name"]!.DeepClone(),
            ["namespace"] = obj["metadata"]!["namespace"]?.DeepClone(),
            ["uid"] = obj["metadata"]!["uid"]!.DeepClone(),
            ["resourceVersion"] = obj["metadata"]!["resourceVersion"]!.DeepClone(),
            ["creationTimestamp"] = obj["metadata"]!["creationTimestamp"]?.DeepClone(),
        },
        ["spec"] = new JsonObject { ["replicas"] = obj["spec"]?["replicas"]?.DeepClone() ?? 1 },
        ["status"] = new JsonObject
        {
            ["replicas"] = obj["status"]?["replicas"]?.DeepClone() ?? 0,
            ["selector"] = string.Join(",", (obj["spec"]?["selector"]?["matchLabels"] as JsonObject ?? []).Select(kv => $"{kv.Key}={kv.Value}")),
        },
    };

    // SelfSubjectAccessReview (kubectl auth can-i), SelfSubjectRulesReview (kubectl auth can-i --list) and
    // SelfSubjectReview (kubectl auth whoami).
    private JsonObject Review(ResourceType type, UserInfo user, JsonObject review)
    {
        review["apiVersion"] = type.ApiVersion;
        review["kind"] = type.Kind;
        review["metadata"] ??= new JsonObject();
        if (type.Kind == "SelfSubjectRulesReview")
        {
            var ns = review["spec"]?["namespace"]?.GetValue<string>() is { Length: > 0 } inNamespace ? inNamespace : null;
            var rules = _security.RulesFor(user, ns).ToList();
            JsonArray Field(JsonObject rule, string name) => (rule[name] as JsonArray)?.DeepClone() as JsonArray ?? [];
            review["status"] = new JsonObject
            {
                ["resourceRules"] = new JsonArray([.. rules.Where(r => r["resources"] is JsonArray).Select(r => (JsonNode)new JsonObject
                {
                    ["verbs"] = Field(r, "verbs"),
                    ["apiGroups"] = Field(r, "apiGroups"),
                    ["resources"] = Field(r, "resources"),
                    ["resourceNames"] = Field(r, "resourceNames"),
                })]),
                ["nonResourceRules"] = new JsonArray([.. rules.Where(r => r["nonResourceURLs"] is JsonArray).Select(r => (JsonNode)new JsonObject
                {
                    ["verbs"] = Field(r, "verbs"),
                    ["nonResourceURLs"] = Field(r, "nonResourceURLs"),
                })]),
                ["incomplete"] = false,
            };
            return review;
        }

        if (type.Kind == "SelfSubjectReview")
        {
            review["status"] = new JsonObject
            {
                ["userInfo"] = new JsonObject
                {
                    ["username"] = user.Name,
                    ["uid"] = user.Uid,
                    ["groups"] = new JsonArray([.. user.Groups.Select(g => (JsonNode)g)]),
                },
            };
            return review;
        }

        var spec = review["spec"];
        var attributes = spec?["resourceAttributes"] is JsonObject r
            ? new RequestAttributes(r["verb"]?.GetValue<string>() ?? "", r["group"]?.GetValue<string>() ?? "", r["resource"]?.GetValue<string>() ?? "",
                r["subresource"]?.GetValue<string>() is { Length: > 0 } sub ? sub : null, r["namespace"]?.GetValue<string>() is { Length: > 0 } n ? n : null,
                r["name"]?.GetValue<string>() is { Length: > 0 } nm ? nm : null, "")
            : RequestAttributes.NonResource(spec?["nonResourceAttributes"]?["verb"]?.GetValue<string>() ?? "", spec?["nonResourceAttributes"]?["path"]?.GetValue<string>() ?? "");
        var allowed = _security.Allowed(user, attributes);
        review["status"] = allowed
            ? new JsonObject { ["allowed"] = true, ["reason"] = user.Groups.Contains(UserInfo.Masters) ? "" : "RBAC: allowed by a binding" }
            : new JsonObject { ["allowed"] = false };
        return review;
    }

    private void TryDelete(ResourceType type, JsonObject item, bool dryRun)
    {
        try
        {
            _store.Delete(type, item["metadata"]!["namespace"]?.GetValue<string>(), item["metadata"]!["name"]!.GetValue<string>(), dryRun);
        }
        catch (ApiError e) when (e.Code == 404)
        {
            // Already gone: a collection delete is best effort.
        }
    }

    private async Task WatchAsync(HttpContext context, ResourceType type, string? ns)
    {
        var query = context.Request.Query;
        var (initial, live, subscription) = _store.Watch(type, ns, LabelSelector.Parse(query["labelSelector"]), FieldSelector.Parse(query["fieldSelector"]), query["resourceVersion"]);
        using var _ = subscription;
        var timeout = int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromMinutes(30);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        linked.CancelAfter(timeout);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.StartAsync(linked.Token).ConfigureAwait(false);

        // Headers go out now, not with the first event: clients (kubectl rollout status, wait) block on them.
        await context.Response.Body.FlushAsync(linked.Token).ConfigureAwait(false);
        try
        {
            // kubectl get -w asks for Tables: each event then carries a one-row Table.
            var asTable = Printing.WantsTable(context.Request.Headers.Accept);
            foreach (var change in initial)
            {
                await WriteEventAsync(context, AsTable(change, asTable, query["includeObject"]), linked.Token).ConfigureAwait(false);
            }

            await foreach (var change in live.ReadAllAsync(linked.Token).ConfigureAwait(false))
            {
                await WriteEventAsync(context, AsTable(change, asTable, query["includeObject"]), linked.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            // timeoutSeconds elapsed, the client left or the sandbox stops: ending the stream is the protocol.
        }
    }

    private WatchEvent AsTable(WatchEvent change, bool asTable, string? includeObject) =>
        asTable ? change with { Object = Printing.Table(change.Resource, [change.Object], change.ResourceVersion.ToString(CultureInfo.InvariantCulture), includeObject, _store, DateTimeOffset.UtcNow) } : change;

    private static async Task WriteEventAsync(HttpContext context, WatchEvent change, CancellationToken cancellationToken)
    {
        // One JSON event per line, flushed, as the API server streams them.
        var line = new JsonObject { ["type"] = change.Type, ["object"] = change.Object.DeepClone() }.ToJsonString(Compact) + "\n";
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line), cancellationToken).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private JsonObject GroupList()
    {
        var groups = new JsonArray();
        foreach (var byGroup in _store.Catalog.All.Where(t => t.Group.Length > 0).GroupBy(t => t.Group))
        {
            var versions = new JsonArray(byGroup.Select(t => t.Version).Distinct().Select(v => (JsonNode)new JsonObject { ["groupVersion"] = $"{byGroup.Key}/{v}", ["version"] = v }).ToArray());
            groups.Add(new JsonObject
            {
                ["name"] = byGroup.Key,
                ["versions"] = versions,
                ["preferredVersion"] = versions[0]!.DeepClone(),
            });
        }

        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    private JsonObject ResourceList(string group, string version)
    {
        var types = _store.Catalog.All.Where(t => t.Group == group && t.Version == version).ToList();
        if (types.Count == 0)
        {
            throw new ApiError(404, "NotFound", $"the server could not find the requested resource ({group}/{version})");
        }

        var resources = new JsonArray();
        foreach (var type in types)
        {
            resources.Add(new JsonObject
            {
                ["name"] = type.Plural,
                ["singularName"] = type.Singular,
                ["namespaced"] = type.Namespaced,
                ["kind"] = type.Kind,
                ["verbs"] = type.Virtual ? new JsonArray("create") : type.ReadOnly ? new JsonArray("get", "list") : new JsonArray("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"),
                ["shortNames"] = new JsonArray((type.ShortNames ?? []).Select(s => (JsonNode)s).ToArray()),
                ["categories"] = new JsonArray((type.Categories ?? []).Select(c => (JsonNode)c).ToArray()),
            });
            foreach (var subresource in type.AllSubresources)
            {
                var (kind, subGroup, subVersion, verbs) = subresource switch
                {
                    "token" => ("TokenRequest", "authentication.k8s.io", "v1", new JsonArray("create")),
                    "scale" => ("Scale", "autoscaling", "v1", new JsonArray("get", "patch", "update")),
                    "eviction" => ("Eviction", "policy", "v1", new JsonArray("create")),
                    "log" => ("Pod", null, null, new JsonArray("get")),
                    "exec" => ("PodExecOptions", null, null, new JsonArray("create", "get")),
                    "attach" => ("PodAttachOptions", null, null, new JsonArray("create", "get")),
                    "portforward" => ("PodPortForwardOptions", null, null, new JsonArray("create", "get")),
                    _ => (type.Kind, (string?)null, (string?)null, new JsonArray("get", "patch", "update")),
                };
                var entry = new JsonObject { ["name"] = $"{type.Plural}/{subresource}", ["singularName"] = "", ["namespaced"] = type.Namespaced, ["kind"] = kind, ["verbs"] = verbs };
                if (subGroup is not null)
                {
                    entry["group"] = subGroup;
                    entry["version"] = subVersion;
                }

                resources.Add(entry);
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }

    private static async Task<bool> DeleteOptionsDryRunAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        return !string.IsNullOrWhiteSpace(text) && JsonNode.Parse(text)?["dryRun"] is JsonArray values && values.Any(v => v?.GetValue<string>() == "All");
    }

    private static bool IsTrue(string? value) => value is "true" or "1" or "True";

    private static async Task<JsonNode> ReadNodeAsync(HttpContext context) =>
        await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false)
        ?? throw ApiError.BadRequest("the request body is empty");

    private static async Task<JsonObject> ReadObjectAsync(HttpContext context) =>
        await ReadNodeAsync(context).ConfigureAwait(false) as JsonObject ?? throw ApiError.BadRequest("the request body must be a JSON object");

    private static async Task WriteAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(Compact), context.RequestAborted).ConfigureAwait(false);
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace RawkodeAutomation.Kubernetes.Sandbox;

/// <summary>Who a request is from, as the API server's authenticators report it.</summary>
public sealed record UserInfo(string Name, IReadOnlyList<string> Groups, string? Uid = null)
{
    public const string Authenticated = "system:authenticated";
    public const string Unauthenticated = "system:unauthenticated";
    public const string Masters = "system:masters";

    /// <summary>The user of a request without credentials (only public paths answer it).</summary>
    public static UserInfo Anonymous { get; } = new("system:anonymous", [Unauthenticated]);

    /// <summary>The user of the kubeconfigs the sandbox hands out (kubeadm's super-admin: bypasses RBAC).</summary>
    public static UserInfo Admin { get; } = new("kubernetes-admin", [Masters, Authenticated]);

    /// <summary>The user name of a ServiceAccount.</summary>
    public static string ServiceAccountUser(string ns, string name) => $"system:serviceaccount:{ns}:{name}";
}

/// <summary>
/// What one request asks to do, as the authorizer sees it
/// (https://kubernetes.io/docs/reference/access-authn-authz/authorization/#review-your-request-attributes).
/// A resource request names a resource; any other request (discovery, /version, /openapi) is a path.
/// </summary>
internal sealed record RequestAttributes(string Verb, string Group, string? Resource, string? Subresource, string? Namespace, string? Name, string Path)
{
    public bool IsResourceRequest => Resource is not null;

    public string ResourceWithSubresource => Subresource is null ? Resource! : $"{Resource}/{Subresource}";

    public static RequestAttributes NonResource(string verb, string path) => new(verb, "", null, null, null, null, path);
}

/// <summary>
/// Authentication and authorization of one sandbox cluster, as a kubeadm API server configures them:
/// client certificates signed by the cluster CA, the static admin token, and ServiceAccount tokens (JWTs signed with the
/// cluster's service-account key: TokenRequest tokens with an expiry, and legacy Secret-based tokens); then RBAC over the
/// Roles, ClusterRoles and their bindings in the store (https://kubernetes.io/docs/reference/access-authn-authz/rbac/).
/// Members of <c>system:masters</c> bypass RBAC.
/// </summary>
internal sealed class ClusterSecurity(ObjectStore store, ClusterPki pki, string adminToken, TimeProvider time)
{
    /// <summary>The issuer and default audience of TokenRequest tokens (kubeadm's default).</summary>
    public const string Issuer = "https://kubernetes.default.svc.cluster.local";

    private const string LegacyIssuer = "kubernetes/serviceaccount";

    public ClusterPki Pki => pki;

    public TimeProvider Time => time;

    /// <summary>
    /// The user behind a request's credentials: null when it carries none (anonymous), 401 when they are not valid.
    /// </summary>
    public UserInfo? Authenticate(string? authorization, X509Certificate2? clientCertificate)
    {
        if (!string.IsNullOrEmpty(authorization))
        {
            if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                throw Unauthorized();
            }

            var token = authorization["Bearer ".Length..].Trim();
            if (CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(adminToken)))
            {
                return UserInfo.Admin;
            }

            return AuthenticateServiceAccountToken(token) ?? throw Unauthorized();
        }

        if (clientCertificate is not null)
        {
            return pki.Authenticate(clientCertificate) ?? throw Unauthorized();
        }

        return null;
    }

    private static ApiError Unauthorized() => new(401, "Unauthorized", "Unauthorized");

    /// <summary>
    /// A signed token for ServiceAccount <paramref name="serviceAccount"/> (TokenRequest), valid for
    /// <paramref name="lifetime"/>, optionally bound to a Secret or Pod (invalid once that object is gone).
    /// </summary>
    public (string Token, DateTimeOffset ExpiresAt) IssueToken(JsonObject serviceAccount, IReadOnlyList<string> audiences, TimeSpan lifetime, JsonObject? boundObject)
    {
        var now = time.GetUtcNow();
        var expires = now + lifetime;
        var ns = serviceAccount["metadata"]!["namespace"]!.GetValue<string>();
        var name = serviceAccount["metadata"]!["name"]!.GetValue<string>();
        var identity = new JsonObject
        {
            ["namespace"] = ns,
            ["serviceaccount"] = new JsonObject { ["name"] = name, ["uid"] = serviceAccount["metadata"]!["uid"]!.DeepClone() },
        };
        if (boundObject is not null)
        {
            identity[boundObject["kind"]!.GetValue<string>().ToLowerInvariant()] = new JsonObject
            {
                ["name"] = boundObject["metadata"]!["name"]!.DeepClone(),
                ["uid"] = boundObject["metadata"]!["uid"]!.DeepClone(),
            };
        }

        var claims = new JsonObject
        {
            ["aud"] = new JsonArray([.. (audiences.Count == 0 ? [Issuer] : audiences).Select(a => (JsonNode)a)]),
            ["exp"] = expires.ToUnixTimeSeconds(),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["iss"] = Issuer,
            ["jti"] = Guid.NewGuid().ToString(),
            ["kubernetes.io"] = identity,
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["sub"] = UserInfo.ServiceAccountUser(ns, name),
        };
        return (Sign(claims), DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds()));
    }

    /// <summary>The long-lived token the token controller writes into a <c>kubernetes.io/service-account-token</c> Secret.</summary>
    public string IssueLegacyToken(JsonObject serviceAccount, JsonObject secret)
    {
        var ns = serviceAccount["metadata"]!["namespace"]!.GetValue<string>();
        var name = serviceAccount["metadata"]!["name"]!.GetValue<string>();
        return Sign(new JsonObject
        {
            ["iss"] = LegacyIssuer,
            ["kubernetes.io/serviceaccount/namespace"] = ns,
            ["kubernetes.io/serviceaccount/secret.name"] = secret["metadata"]!["name"]!.DeepClone(),
            ["kubernetes.io/serviceaccount/service-account.name"] = name,
            ["kubernetes.io/serviceaccount/service-account.uid"] = serviceAccount["metadata"]!["uid"]!.DeepClone(),
            ["sub"] = UserInfo.ServiceAccountUser(ns, name),
        });
    }

    private string Sign(JsonObject claims)
    {
        var kid = Base64Url(SHA256.HashData(pki.ServiceAccountKey.ExportSubjectPublicKeyInfo()));
        var header = Base64Url(Encoding.UTF8.GetBytes(new JsonObject { ["alg"] = "ES256", ["kid"] = kid }.ToJsonString()));
        var payload = Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var signature = pki.ServiceAccountKey.SignData(Encoding.ASCII.GetBytes($"{header}.{payload}"), HashAlgorithmName.SHA256);
        return $"{header}.{payload}.{Base64Url(signature)}";
    }

    private UserInfo? AuthenticateServiceAccountToken(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        JsonObject claims;
        try
        {
            if (!pki.ServiceAccountKey.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), FromBase64Url(parts[2]), HashAlgorithmName.SHA256))
            {
                return null;
            }

            claims = JsonNode.Parse(FromBase64Url(parts[1])) as JsonObject ?? throw new FormatException();
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or CryptographicException)
        {
            return null;
        }

        var serviceAccountType = store.Catalog.Find("", "v1", "serviceaccounts")!;
        string ns, name, uid;
        if (claims["iss"]?.GetValue<string>() == LegacyIssuer)
        {
            ns = claims["kubernetes.io/serviceaccount/namespace"]?.GetValue<string>() ?? "";
            name = claims["kubernetes.io/serviceaccount/service-account.name"]?.GetValue<string>() ?? "";
            uid = claims["kubernetes.io/serviceaccount/service-account.uid"]?.GetValue<string>() ?? "";
            var secretName = claims["kubernetes.io/serviceaccount/secret.name"]?.GetValue<string>() ?? "";

            // A legacy token lives as long as its Secret.
            if (store.Get(store.Catalog.Find("", "v1", "secrets")!, ns, secretName) is not { } secret ||
                secret["metadata"]?["annotations"]?["kubernetes.io/service-account.name"]?.GetValue<string>() != name)
            {
                return null;
            }
        }
        else
        {
            var now = time.GetUtcNow().ToUnixTimeSeconds();
            var audiences = claims["aud"] is JsonArray aud ? aud.Select(a => a?.GetValue<string>()) : [claims["aud"]?.GetValue<string>()];
            if (claims["iss"]?.GetValue<string>() != Issuer || !audiences.Contains(Issuer) ||
                claims["exp"]?.GetValue<long>() is not { } exp || exp <= now ||
                (claims["nbf"]?.GetValue<long>() ?? 0) > now + 60)
            {
                return null;
            }

            var identity = claims["kubernetes.io"];
            ns = identity?["namespace"]?.GetValue<string>() ?? "";
            name = identity?["serviceaccount"]?["name"]?.GetValue<string>() ?? "";
            uid = identity?["serviceaccount"]?["uid"]?.GetValue<string>() ?? "";
            foreach (var (kind, plural) in new[] { ("secret", "secrets"), ("pod", "pods") })
            {
                if (identity?[kind] is JsonObject bound &&
                    store.Get(store.Catalog.Find("", "v1", plural)!, ns, bound["name"]?.GetValue<string>() ?? "")?["metadata"]?["uid"]?.GetValue<string>() != bound["uid"]?.GetValue<string>())
                {
                    return null;
                }
            }
        }

        // A token outlives neither its ServiceAccount nor a ServiceAccount recreated under the same name.
        if (store.Get(serviceAccountType, ns, name)?["metadata"]?["uid"]?.GetValue<string>() is not { } current || current != uid)
        {
            return null;
        }

        return new UserInfo(UserInfo.ServiceAccountUser(ns, name), ["system:serviceaccounts", $"system:serviceaccounts:{ns}", UserInfo.Authenticated], uid);
    }

    /// <summary>Throws 403 Forbidden, worded as the API server does, unless <paramref name="user"/> may do <paramref name="request"/>.</summary>
    public void Authorize(UserInfo user, RequestAttributes request)
    {
        if (Allowed(user, request))
        {
            return;
        }

        if (!request.IsResourceRequest)
        {
            throw new ApiError(403, "Forbidden", $"forbidden: User \"{user.Name}\" cannot {request.Verb} path \"{request.Path}\"");
        }

        var subject = request.Resource + (request.Group.Length == 0 ? "" : "." + request.Group) + (request.Name is null ? "" : $" \"{request.Name}\"");
        var scope = request.Namespace is null ? "at the cluster scope" : $"in the namespace \"{request.Namespace}\"";
        throw new ApiError(403, "Forbidden",
            $"{subject} is forbidden: User \"{user.Name}\" cannot {request.Verb} resource \"{request.ResourceWithSubresource}\" in API group \"{request.Group}\" {scope}",
            request.Resource, request.Name, request.Group);
    }

    /// <summary>Whether RBAC (or membership of system:masters) allows <paramref name="user"/> to do <paramref name="request"/>.</summary>
    public bool Allowed(UserInfo user, RequestAttributes request) =>
        user.Groups.Contains(UserInfo.Masters) || RulesFor(user, request.Namespace).Any(rule => Matches(rule, request));

    /// <summary>Every policy rule that applies to <paramref name="user"/> in <paramref name="ns"/> (cluster-wide ones included).</summary>
    public IEnumerable<JsonObject> RulesFor(UserInfo user, string? ns)
    {
        var clusterRoles = store.List(Type("clusterroles"), null).Items;
        foreach (var binding in store.List(Type("clusterrolebindings"), null).Items.Where(b => Binds(b, user, null)))
        {
            foreach (var rule in ClusterRoleRules(clusterRoles, binding["roleRef"]?["name"]?.GetValue<string>()))
            {
                yield return rule;
            }
        }

        if (ns is null)
        {
            yield break;
        }

        foreach (var binding in store.List(Type("rolebindings"), ns).Items.Where(b => Binds(b, user, ns)))
        {
            var roleName = binding["roleRef"]?["name"]?.GetValue<string>();
            var rules = binding["roleRef"]?["kind"]?.GetValue<string>() == "ClusterRole"
                ? ClusterRoleRules(clusterRoles, roleName)
                : Rules(store.Get(Type("roles"), ns, roleName ?? ""));
            foreach (var rule in rules)
            {
                yield return rule;
            }
        }
    }

    private ResourceType Type(string plural) => store.Catalog.Find("rbac.authorization.k8s.io", "v1", plural)!;

    // An aggregated ClusterRole (admin, edit, view) holds the rules of every ClusterRole its selectors pick.
    private static List<JsonObject> ClusterRoleRules(List<JsonObject> clusterRoles, string? name)
    {
        var role = clusterRoles.FirstOrDefault(r => r["metadata"]!["name"]!.GetValue<string>() == name);
        var rules = Rules(role).ToList();
        foreach (var selector in (role?["aggregationRule"]?["clusterRoleSelectors"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            var labels = LabelSelector.FromSpec(selector);
            rules.AddRange(clusterRoles.Where(r => r != role && labels.Matches(r)).SelectMany(Rules));
        }

        return rules;
    }

    private static IEnumerable<JsonObject> Rules(JsonObject? role) => (role?["rules"] as JsonArray)?.OfType<JsonObject>() ?? [];

    private static bool Binds(JsonObject binding, UserInfo user, string? bindingNamespace) =>
        ((binding["subjects"] as JsonArray)?.OfType<JsonObject>() ?? []).Any(subject =>
        {
            var name = subject["name"]?.GetValue<string>();
            return subject["kind"]?.GetValue<string>() switch
            {
                "User" => name == user.Name,
                "Group" => name is not null && user.Groups.Contains(name),
                "ServiceAccount" => UserInfo.ServiceAccountUser(subject["namespace"]?.GetValue<string>() ?? bindingNamespace ?? "", name ?? "") == user.Name,
                _ => false,
            };
        });

    private static bool Matches(JsonObject rule, RequestAttributes request)
    {
        if (!Has(rule["verbs"], request.Verb))
        {
            return false;
        }

        if (!request.IsResourceRequest)
        {
            return (rule["nonResourceURLs"] as JsonArray)?.Any(u => u?.GetValue<string>() is { } url &&
                (url == "*" || url == request.Path || (url.EndsWith('*') && request.Path.StartsWith(url[..^1], StringComparison.Ordinal)))) ?? false;
        }

        var resourceMatches = (rule["resources"] as JsonArray)?.Any(r => r?.GetValue<string>() is { } resource &&
            (resource == "*" || resource == request.ResourceWithSubresource ||
             (request.Subresource is not null && (resource == $"{request.Resource}/*" || resource == $"*/{request.Subresource}")))) ?? false;
        return resourceMatches && Has(rule["apiGroups"], request.Group) &&
            (rule["resourceNames"] is not JsonArray { Count: > 0 } names || (request.Name is not null && Has(names, request.Name)));
    }

    private static bool Has(JsonNode? list, string value) =>
        list is JsonArray array && array.Any(v => v?.GetValue<string>() is { } s && (s == "*" || s == value));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - (padded.Length % 4)) % 4);
        return Convert.FromBase64String(padded);
    }

    /// <summary>The RBAC objects kubeadm's API server bootstraps (the subset that matters to a fixer), to seed a new cluster.</summary>
    public static IEnumerable<JsonObject> BootstrapPolicy()
    {
        static JsonObject Role(string name, string rules, string? aggregateTo = null, string? aggregationSelector = null)
        {
            var role = new JsonObject
            {
                ["apiVersion"] = "rbac.authorization.k8s.io/v1",
                ["kind"] = "ClusterRole",
                ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["kubernetes.io/bootstrapping"] = "rbac-defaults" } },
                ["rules"] = JsonNode.Parse(rules),
            };
            if (aggregateTo is not null)
            {
                role["metadata"]!["labels"]![$"rbac.authorization.k8s.io/aggregate-to-{aggregateTo}"] = "true";
            }

            if (aggregationSelector is not null)
            {
                role["aggregationRule"] = new JsonObject { ["clusterRoleSelectors"] = new JsonArray(new JsonObject { ["matchLabels"] = new JsonObject { [$"rbac.authorization.k8s.io/aggregate-to-{aggregationSelector}"] = "true" } }) };
            }

            return role;
        }

        static JsonObject Binding(string name, string role, params string[] groups) => new()
        {
            ["apiVersion"] = "rbac.authorization.k8s.io/v1",
            ["kind"] = "ClusterRoleBinding",
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["kubernetes.io/bootstrapping"] = "rbac-defaults" } },
            ["roleRef"] = new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "ClusterRole", ["name"] = role },
            ["subjects"] = new JsonArray([.. groups.Select(g => (JsonNode)new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "Group", ["name"] = g })]),
        };

        const string Read = """["get","list","watch"]""";
        const string Write = """["create","delete","deletecollection","patch","update"]""";
        const string Workloads = """
            {"apiGroups":[""],"resources":["pods","pods/log","pods/status","services","endpoints","configmaps","events","persistentvolumeclaims","replicationcontrollers","serviceaccounts"],"verbs":VERBS},
            {"apiGroups":["apps"],"resources":["deployments","deployments/scale","deployments/status","replicasets","replicasets/scale","daemonsets","statefulsets"],"verbs":VERBS},
            {"apiGroups":["networking.k8s.io"],"resources":["networkpolicies","ingresses"],"verbs":VERBS},
            {"apiGroups":["policy"],"resources":["poddisruptionbudgets"],"verbs":VERBS},
            {"apiGroups":["batch"],"resources":["jobs","cronjobs"],"verbs":VERBS}
            """;
        yield return Role("cluster-admin", """[{"apiGroups":["*"],"resources":["*"],"verbs":["*"]},{"nonResourceURLs":["*"],"verbs":["*"]}]""");
        yield return Role("admin", "[]", aggregationSelector: "admin");
        yield return Role("edit", "[]", aggregationSelector: "edit");
        yield return Role("view", "[]", aggregationSelector: "view");
        yield return Role("system:aggregate-to-admin", """[{"apiGroups":["rbac.authorization.k8s.io"],"resources":["roles","rolebindings"],"verbs":["*"]},{"apiGroups":[""],"resources":["resourcequotas","limitranges"],"verbs":["get","list","watch"]}]""", aggregateTo: "admin");
        yield return Role("system:aggregate-to-edit", "[" + Workloads.Replace("VERBS", Write, StringComparison.Ordinal) + """,{"apiGroups":[""],"resources":["secrets","pods/exec","pods/eviction"],"verbs":["create","delete","get","list","patch","update","watch"]},{"apiGroups":["apps"],"resources":["deployments/rollback"],"verbs":["create"]}]""", aggregateTo: "edit");
        yield return Role("system:aggregate-to-view", "[" + Workloads.Replace("VERBS", Read, StringComparison.Ordinal) + """,{"apiGroups":[""],"resources":["namespaces","resourcequotas","limitranges"],"verbs":["get","list","watch"]},{"apiGroups":["discovery.k8s.io"],"resources":["endpointslices"],"verbs":["get","list","watch"]}]""", aggregateTo: "view");
        yield return Role("system:discovery", """[{"nonResourceURLs":["/api","/api/*","/apis","/apis/*","/healthz","/livez","/openapi","/openapi/*","/readyz","/version","/version/"],"verbs":["get"]}]""");
        yield return Role("system:public-info-viewer", """[{"nonResourceURLs":["/healthz","/livez","/readyz","/version","/version/"],"verbs":["get"]}]""");
        yield return Role("system:basic-user", """[{"apiGroups":["authorization.k8s.io"],"resources":["selfsubjectaccessreviews","selfsubjectrulesreviews"],"verbs":["create"]},{"apiGroups":["authentication.k8s.io"],"resources":["selfsubjectreviews"],"verbs":["create"]}]""");
        yield return Binding("cluster-admin", "cluster-admin", UserInfo.Masters);
        yield return Binding("kubeadm:cluster-admins", "cluster-admin", "kubeadm:cluster-admins");
        yield return Binding("system:discovery", "system:discovery", UserInfo.Authenticated);
        yield return Binding("system:basic-user", "system:basic-user", UserInfo.Authenticated);
        yield return Binding("system:public-info-viewer", "system:public-info-viewer", UserInfo.Authenticated, UserInfo.Unauthenticated);
    }

    internal static string FormatExpiry(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}

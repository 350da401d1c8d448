using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace RawkodeAutomation.Kubernetes.Sandbox;

/// <summary>A change to one object, as a watch delivers it.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "A watch event's object, as the API names it.")]
public sealed record WatchEvent(string Type, ResourceType Resource, long ResourceVersion, JsonObject Object);

/// <summary>What admission sees for one write: the operation, the object before and after.</summary>
internal sealed record AdmissionRequest(string Operation, ResourceType Resource, string? Namespace, string Name, JsonObject? OldObject, JsonObject Object, string? SubResource);

/// <summary>
/// The sandbox's etcd: every object of one cluster, one resourceVersion counter, an event log for watches
/// that resume from a resourceVersion, and optimistic concurrency (409 on a stale resourceVersion).
/// Admission runs outside the lock so a webhook call can read the store.
/// </summary>
internal sealed class ObjectStore
{
    private const int EventLogCapacity = 20_000;
    private readonly Lock _lock = new();
    private readonly Dictionary<(ResourceType Type, string Namespace, string Name), JsonObject> _objects = new();
    private readonly LinkedList<WatchEvent> _log = new();
    private readonly List<Subscription> _subscriptions = [];
    private long _resourceVersion = 1;
    private long _oldestLoggedVersion = 1;
    private int _uid;

    public ObjectStore(ResourceCatalog catalog) => Catalog = catalog;

    public ResourceCatalog Catalog { get; }

    /// <summary>Admission chain (mutating, then validating); set by the cluster once its policies are wired.</summary>
    public Func<AdmissionRequest, Task<JsonObject>>? Admission { get; set; }

    /// <summary>Raised (outside the lock) after every committed change; controllers use it to wake up.</summary>
    public event Action<WatchEvent>? Changed;

    public long CurrentResourceVersion
    {
        get
        {
            lock (_lock)
            {
                return _resourceVersion;
            }
        }
    }

    public JsonObject? Get(ResourceType type, string? ns, string name)
    {
        lock (_lock)
        {
            return _objects.TryGetValue((type, ns ?? "", name), out var obj) ? (JsonObject)obj.DeepClone() : null;
        }
    }

    public JsonObject GetRequired(ResourceType type, string? ns, string name) => Get(type, ns, name) ?? throw ApiError.NotFound(type, name);

    public (List<JsonObject> Items, long ResourceVersion) List(ResourceType type, string? ns, LabelSelector? labels = null, FieldSelector? fields = null)
    {
        lock (_lock)
        {
            var items = _objects
                .Where(kv => kv.Key.Type == type && (ns is null || kv.Key.Namespace == ns))
                .Select(kv => kv.Value)
                .Where(o => (labels?.Matches(o) ?? true) && (fields?.Matches(o) ?? true))
                .OrderBy(o => o["metadata"]!["namespace"]?.GetValue<string>(), StringComparer.Ordinal)
                .ThenBy(o => o["metadata"]!["name"]!.GetValue<string>(), StringComparer.Ordinal)
                .Select(o => (JsonObject)o.DeepClone())
                .ToList();
            return (items, _resourceVersion);
        }
    }

    public async Task<JsonObject> CreateAsync(ResourceType type, string? ns, JsonObject obj, bool admit = true, bool dryRun = false)
    {
        obj = (JsonObject)obj.DeepClone();
        var metadata = obj["metadata"] as JsonObject ?? new JsonObject();
        obj["metadata"] = metadata;
        obj["apiVersion"] = type.ApiVersion;
        obj["kind"] = type.Kind;
        if (type.Namespaced)
        {
            var bodyNamespace = metadata["namespace"]?.GetValue<string>();
            ns ??= bodyNamespace ?? "default";
            if (bodyNamespace is not null && bodyNamespace != ns)
            {
                throw ApiError.BadRequest($"the namespace of the provided object ({bodyNamespace}) does not match the namespace sent on the request ({ns})");
            }

            metadata["namespace"] = ns;
        }
        else
        {
            ns = null;
            metadata.Remove("namespace");
        }

        var name = metadata["name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name) && metadata["generateName"]?.GetValue<string>() is { Length: > 0 } prefix)
        {
            name = prefix + Guid.NewGuid().ToString("N")[..5];
            metadata["name"] = name;
        }

        if (string.IsNullOrEmpty(name))
        {
            throw ApiError.Invalid(type, "", "metadata.name: Required value: name or generateName is required");
        }

        if (Validation.Name(type, name) is { Count: > 0 } nameErrors)
        {
            throw ApiError.Invalid(type, name, nameErrors);
        }

        if (type.Namespaced && type.Kind != "Namespace" && Get(Catalog.Find("", "v1", "namespaces")!, null, ns!) is null)
        {
            throw new ApiError(404, "NotFound", $"namespaces \"{ns}\" not found", "namespaces", ns);
        }

        NormaliseOnWrite(type, obj);
        Defaults.Apply(type, obj);
        if (admit && Admission is not null)
        {
            obj = await Admission(new AdmissionRequest("CREATE", type, ns, name, null, obj, null)).ConfigureAwait(false);
        }

        Validation.Check(type, obj, null);
        WatchEvent change;
        lock (_lock)
        {
            var key = (type, ns ?? "", name);
            if (_objects.ContainsKey(key))
            {
                throw ApiError.AlreadyExists(type, name);
            }

            metadata = (JsonObject)obj["metadata"]!;
            metadata["uid"] = $"{Guid.NewGuid()}";
            metadata["creationTimestamp"] = Now();
            metadata["generation"] = 1;
            metadata.Remove("deletionTimestamp");
            if (dryRun)
            {
                // dryRun=All: everything a create does (defaulting, admission, validation), nothing stored.
                return Normalise(obj);
            }

            change = Commit(key, obj, "ADDED");
        }

        Changed?.Invoke(change);
        return (JsonObject)change.Object.DeepClone();
    }

    /// <summary>
    /// Replaces an object (PUT) or its status (PUT .../status). A body resourceVersion that is not the current one
    /// is a 409 Conflict; an empty one is an unconditional update, as on the real API server.
    /// </summary>
    public async Task<JsonObject> UpdateAsync(ResourceType type, string? ns, string name, JsonObject body, string? subresource, bool admit = true, bool dryRun = false)
    {
        for (var attempt = 0; ; attempt++)
        {
            var current = GetRequired(type, ns, name);
            var currentVersion = current["metadata"]!["resourceVersion"]!.GetValue<string>();
            var requested = body["metadata"]?["resourceVersion"]?.GetValue<string>();
            if (!string.IsNullOrEmpty(requested) && requested != currentVersion)
            {
                throw ApiError.Conflict(type, name);
            }

            var next = Merge(type, current, (JsonObject)body.DeepClone(), subresource);
            NormaliseOnWrite(type, next);
            if (subresource is null)
            {
                Defaults.Apply(type, next);
            }

            if (admit && Admission is not null && subresource is null)
            {
                next = await Admission(new AdmissionRequest("UPDATE", type, ns, name, current, next, subresource)).ConfigureAwait(false);
            }

            if (subresource is null)
            {
                Validation.Check(type, next, current, byClient: admit);
            }

            WatchEvent change;
            lock (_lock)
            {
                var key = (type, ns ?? "", name);
                if (!_objects.TryGetValue(key, out var latest))
                {
                    throw ApiError.NotFound(type, name);
                }

                if (latest["metadata"]!["resourceVersion"]!.GetValue<string>() != currentVersion)
                {
                    if (!string.IsNullOrEmpty(requested) || attempt > 20)
                    {
                        throw ApiError.Conflict(type, name);
                    }

                    continue;
                }

                if (JsonNode.DeepEquals(Strip(latest), Strip(next)))
                {
                    // A no-op write keeps the resourceVersion and emits no event, as the real server does.
                    return (JsonObject)latest.DeepClone();
                }

                if (!JsonNode.DeepEquals(WithoutStatusAndMetadata(latest), WithoutStatusAndMetadata(next)))
                {
                    next["metadata"]!["generation"] = (latest["metadata"]!["generation"]?.GetValue<long>() ?? 1) + 1;
                }

                if (dryRun)
                {
                    next["metadata"]!["resourceVersion"] = currentVersion;
                    return Normalise(next);
                }

                if (latest["metadata"]!["deletionTimestamp"] is { } deleting && next["metadata"]!["finalizers"] is not JsonArray { Count: > 0 })
                {
                    // The last finalizer is gone: the deletion completes.
                    _objects.Remove(key);
                    next["metadata"]!["deletionTimestamp"] = deleting.DeepClone();
                    change = Commit(key, next, "DELETED", store: false);
                }
                else
                {
                    change = Commit(key, next, "MODIFIED");
                }
            }

            Changed?.Invoke(change);
            return (JsonObject)change.Object.DeepClone();
        }
    }

    public async Task<JsonObject> PatchAsync(ResourceType type, string? ns, string name, string contentType, JsonNode patch, string? subresource, bool dryRun = false)
    {
        var current = GetRequired(type, ns, name);
        var patched = Patching.Apply(current, contentType, patch) as JsonObject ?? throw ApiError.BadRequest("the patch did not produce an object");
        if (subresource is null && OpenApi.TypeError(type, patched) is { } typeError)
        {
            // A JSON patch can put a value of the wrong type anywhere: the decoder of the patched object refuses it.
            throw ApiError.CannotDecode(type, typeError);
        }

        // A patch carries the resourceVersion only when the caller asked for a precondition.
        var wanted = patch is JsonObject o ? o["metadata"]?["resourceVersion"]?.GetValue<string>() : null;
        patched["metadata"]!["resourceVersion"] = wanted ?? current["metadata"]!["resourceVersion"]!.GetValue<string>();
        try
        {
            return await UpdateAsync(type, ns, name, patched, subresource, dryRun: dryRun).ConfigureAwait(false);
        }
        catch (ApiError e) when (e.Reason == "Conflict" && wanted is null)
        {
            // Somebody wrote in between: re-apply the patch on the newer object, as the API server does.
            return await PatchAsync(type, ns, name, contentType, patch, subresource, dryRun).ConfigureAwait(false);
        }
    }

    public JsonObject Delete(ResourceType type, string? ns, string name, bool dryRun = false)
    {
        var changes = new List<WatchEvent>();
        JsonObject deleted;
        lock (_lock)
        {
            var key = (type, ns ?? "", name);
            if (!_objects.TryGetValue(key, out var existing))
            {
                throw ApiError.NotFound(type, name);
            }

            if (dryRun)
            {
                return (JsonObject)existing.DeepClone();
            }

            if (existing["metadata"]!["finalizers"] is JsonArray { Count: > 0 })
            {
                // Finalizers hold the object until their controllers remove them (as Cluster API's do).
                if (existing["metadata"]!["deletionTimestamp"] is null)
                {
                    var marked = (JsonObject)existing.DeepClone();
                    marked["metadata"]!["deletionTimestamp"] = Now();
                    changes.Add(Commit(key, marked, "MODIFIED"));
                    existing = marked;
                }

                deleted = (JsonObject)existing.DeepClone();
            }
            else
            {
                _objects.Remove(key);
                existing["metadata"]!["deletionTimestamp"] = Now();
                changes.Add(Commit(key, existing, "DELETED", store: false));
                deleted = existing;
                if (type.Kind == "Namespace")
                {
                    // Namespace deletion removes everything in it (namespaces have no finalizers in the sandbox).
                    foreach (var child in _objects.Keys.Where(k => k.Type.Namespaced && k.Namespace == name).ToList())
                    {
                        _objects.Remove(child, out var obj);
                        changes.Add(Commit(child, obj!, "DELETED", store: false));
                    }
                }
            }
        }

        foreach (var change in changes)
        {
            Changed?.Invoke(change);
        }

        return (JsonObject)deleted.DeepClone();
    }

    /// <summary>
    /// Subscribes to changes of one resource type. Without a resourceVersion (or "0") the current objects come first
    /// as ADDED; with one, the logged events after it (410 Gone when it is older than the log).
    /// </summary>
    public (List<WatchEvent> Initial, ChannelReader<WatchEvent> Live, IDisposable Subscription) Watch(
        ResourceType type, string? ns, LabelSelector labels, FieldSelector fields, string? resourceVersion)
    {
        var channel = Channel.CreateUnbounded<WatchEvent>(new UnboundedChannelOptions { SingleReader = true });
        bool Filter(WatchEvent e) =>
            e.Resource == type && (ns is null || e.Object["metadata"]?["namespace"]?.GetValue<string>() == ns) && labels.Matches(e.Object) && fields.Matches(e.Object);
        var subscription = new Subscription(this, Filter, channel.Writer);
        lock (_lock)
        {
            List<WatchEvent> initial;
            if (string.IsNullOrEmpty(resourceVersion) || resourceVersion == "0")
            {
                initial = _objects
                    .Where(kv => kv.Key.Type == type && (ns is null || kv.Key.Namespace == ns))
                    .Select(kv => new WatchEvent("ADDED", type, long.Parse(kv.Value["metadata"]!["resourceVersion"]!.GetValue<string>(), CultureInfo.InvariantCulture), (JsonObject)kv.Value.DeepClone()))
                    .Where(Filter)
                    .OrderBy(e => e.ResourceVersion)
                    .ToList();
            }
            else
            {
                if (!long.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var from))
                {
                    throw ApiError.BadRequest($"invalid resourceVersion \"{resourceVersion}\"");
                }

                if (from < _oldestLoggedVersion - 1)
                {
                    throw new ApiError(410, "Expired", $"too old resource version: {from} ({_oldestLoggedVersion})");
                }

                initial = _log.Where(e => e.ResourceVersion > from && Filter(e)).ToList();
            }

            _subscriptions.Add(subscription);
            return (initial, channel.Reader, subscription);
        }
    }

    private WatchEvent Commit((ResourceType Type, string Namespace, string Name) key, JsonObject obj, string eventType, bool store = true)
    {
        var version = ++_resourceVersion;
        obj["metadata"]!["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture);

        // Stored objects are always parsed JSON, so readers can ask any numeric node for int or long.
        obj = Normalise(obj);
        if (store)
        {
            _objects[key] = obj;
        }

        var change = new WatchEvent(eventType, key.Type, version, (JsonObject)obj.DeepClone());
        _log.AddLast(change);
        while (_log.Count > EventLogCapacity)
        {
            _oldestLoggedVersion = _log.First!.Value.ResourceVersion + 1;
            _log.RemoveFirst();
        }

        foreach (var subscription in _subscriptions)
        {
            subscription.Offer(change);
        }

        return change;
    }

    /// <summary>Every stored object and the resourceVersion counter, for the sandbox's state file.</summary>
    public (List<JsonObject> Objects, long ResourceVersion) Export()
    {
        lock (_lock)
        {
            return (_objects.Values.Select(o => (JsonObject)o.DeepClone()).ToList(), _resourceVersion);
        }
    }

    /// <summary>
    /// Loads objects saved by <see cref="Export"/> as they were (uids, resourceVersions, status), raising no events,
    /// so controllers and watchers see a store that was never down. Types must already be in the catalog.
    /// </summary>
    public void Import(IEnumerable<JsonObject> objects, long resourceVersion)
    {
        lock (_lock)
        {
            foreach (var obj in objects)
            {
                var type = Catalog.FindByKind(obj["apiVersion"]?.GetValue<string>() ?? "", obj["kind"]?.GetValue<string>() ?? "");
                if (type is null)
                {
                    continue;
                }

                _objects[(type, obj["metadata"]?["namespace"]?.GetValue<string>() ?? "", obj["metadata"]!["name"]!.GetValue<string>())] = Normalise(obj);
            }

            _resourceVersion = Math.Max(_resourceVersion, resourceVersion);
            _oldestLoggedVersion = _resourceVersion + 1;
        }
    }

    public static JsonObject Normalise(JsonObject obj) => JsonNode.Parse(obj.ToJsonString())!.AsObject();

    public string NextUid() => $"sandbox-{Interlocked.Increment(ref _uid)}";

    private static JsonObject Merge(ResourceType type, JsonObject current, JsonObject body, string? subresource)
    {
        body["apiVersion"] = type.ApiVersion;
        body["kind"] = type.Kind;
        var metadata = body["metadata"] as JsonObject ?? new JsonObject();
        body["metadata"] = metadata;

        // Identity and bookkeeping fields belong to the server.
        foreach (var field in new[] { "name", "namespace", "uid", "creationTimestamp", "generation", "deletionTimestamp" })
        {
            if (current["metadata"]![field] is { } value)
            {
                metadata[field] = value.DeepClone();
            }
            else
            {
                metadata.Remove(field);
            }
        }

        if (subresource == "status")
        {
            // The status subresource changes status only.
            var next = (JsonObject)current.DeepClone();
            next["status"] = body["status"]?.DeepClone();
            return next;
        }

        if (type.HasStatus)
        {
            // The main resource ignores status changes when a status subresource exists.
            body["status"] = current["status"]?.DeepClone();
            if (body["status"] is null)
            {
                body.Remove("status");
            }
        }

        return body;
    }

    private static void NormaliseOnWrite(ResourceType type, JsonObject obj)
    {
        // ObjectMeta's maps are omitempty: an emptied label or annotation map is no map at all (kubectl diff compares them).
        if (obj["metadata"] is JsonObject meta)
        {
            foreach (var map in new[] { "labels", "annotations" })
            {
                if (meta[map] is JsonObject { Count: 0 } || (meta.ContainsKey(map) && meta[map] is null))
                {
                    meta.Remove(map);
                }
            }
        }

        if (type.Kind == "Secret" && obj["stringData"] is JsonObject stringData)
        {
            var data = obj["data"] as JsonObject ?? new JsonObject();
            foreach (var (key, value) in stringData)
            {
                data[key] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(value?.GetValue<string>() ?? ""));
            }

            obj["data"] = data;
            obj.Remove("stringData");
        }

        if (type.Kind == "Service" && obj["spec"] is JsonObject spec && spec["clusterIP"] is null)
        {
            spec["clusterIP"] = $"10.96.{Random.Shared.Next(1, 254)}.{Random.Shared.Next(1, 254)}";
        }

        if (type.Kind == "Deployment" && obj["spec"] is JsonObject deploymentSpec && deploymentSpec["replicas"] is null)
        {
            deploymentSpec["replicas"] = 1;
        }
    }

    private static JsonObject Strip(JsonObject obj)
    {
        var copy = (JsonObject)obj.DeepClone();
        (copy["metadata"] as JsonObject)?.Remove("resourceVersion");
        (copy["metadata"] as JsonObject)?.Remove("generation");
        return copy;
    }

    private static JsonObject WithoutStatusAndMetadata(JsonObject obj)
    {
        var copy = (JsonObject)obj.DeepClone();
        copy.Remove("status");
        copy.Remove("metadata");
        return copy;
    }

    private static string Now() => DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private sealed class Subscription(ObjectStore store, Func<WatchEvent, bool> filter, ChannelWriter<WatchEvent> writer) : IDisposable
    {
        public void Offer(WatchEvent change)
        {
            if (filter(change))
            {
                writer.TryWrite(change);
            }
        }

        public void Dispose()
        {
            lock (store._lock)
            {
                store._subscriptions.Remove(this);
            }

            writer.TryComplete();
        }
    }
}

/// <summary>Field selectors (<c>metadata.name=x,status.phase!=Running</c>) over any dotted field path.</summary>
public sealed class FieldSelector
{
    private readonly List<(string Path, string Value, bool Equal)> _terms = [];

    public static FieldSelector Parse(string? text)
    {
        var selector = new FieldSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var notEqual = part.Contains("!=", StringComparison.Ordinal);
            var separator = notEqual ? "!=" : part.Contains("==", StringComparison.Ordinal) ? "==" : "=";
            var i = part.IndexOf(separator, StringComparison.Ordinal);
            if (i <= 0)
            {
                throw ApiError.BadRequest($"invalid field selector \"{part}\": expected field=value");
            }

            selector._terms.Add((part[..i], part[(i + separator.Length)..], !notEqual));
        }

        return selector;
    }

    public bool Matches(JsonNode obj) => _terms.All(t =>
    {
        JsonNode? node = obj;
        foreach (var segment in t.Path.Split('.'))
        {
            node = node is JsonObject o ? o[segment] : null;
        }

        var actual = node?.ToString() ?? "";
        return (actual == t.Value) == t.Equal;
    });
}

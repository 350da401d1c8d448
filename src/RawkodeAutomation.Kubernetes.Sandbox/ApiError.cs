using System.Text.Json.Nodes;

namespace RawkodeAutomation.Kubernetes.Sandbox;

/// <summary>
/// A failed API call, rendered as a Kubernetes <c>Status</c> object with the same code and reason the real
/// API server uses, so clients see the errors they would in production.
/// See https://kubernetes.io/docs/reference/using-api/api-concepts/#status-codes.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1710", Justification = "Named for the Kubernetes Status it is answered as, like client-go's StatusError.")]
public sealed class ApiError : Exception
{
    public ApiError(int code, string reason, string message, string? kind = null, string? name = null, string? group = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Kind = kind;
        Name = name;
        Group = group;
    }

    public int Code { get; }

    public string Reason { get; }

    public string? Kind { get; }

    public string? Name { get; }

    public string? Group { get; }

    public static ApiError NotFound(ResourceType type, string name) =>
        new(404, "NotFound", $"{type.Plural}{GroupSuffix(type)} \"{name}\" not found", type.Plural, name, type.Group);

    public static ApiError AlreadyExists(ResourceType type, string name) =>
        new(409, "AlreadyExists", $"{type.Plural}{GroupSuffix(type)} \"{name}\" already exists", type.Plural, name, type.Group);

    public static ApiError Conflict(ResourceType type, string name) =>
        new(409, "Conflict",
            $"Operation cannot be fulfilled on {type.Plural}{GroupSuffix(type)} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
            type.Plural, name, type.Group);

    public static ApiError Forbidden(ResourceType type, string name, string why) =>
        new(403, "Forbidden", $"{type.Plural}{GroupSuffix(type)} \"{name}\" is forbidden: {why}", type.Plural, name, type.Group);

    public static ApiError Invalid(ResourceType type, string name, string why) =>
        new(422, "Invalid", $"{type.Kind}{GroupSuffix(type)} \"{name}\" is invalid: {why}", type.Kind, name, type.Group);

    /// <summary>A 422 listing every field error, worded as the API server words it (one error bare, several in brackets).</summary>
    public static ApiError Invalid(ResourceType type, string name, IReadOnlyList<FieldError> errors)
    {
        var list = errors.Count == 1 ? errors[0].Text : "[" + string.Join(", ", errors.Select(e => e.Text)) + "]";
        return new ApiError(422, "Invalid", $"{type.Kind}{GroupSuffix(type)} \"{name}\" is invalid: {list}", type.Kind, name, type.Group) { Causes = errors };
    }

    /// <summary>The field errors of a 422 (its <c>details.causes</c>).</summary>
    public IReadOnlyList<FieldError>? Causes { get; private init; }

    public static ApiError BadRequest(string why) => new(400, "BadRequest", why);

    /// <summary>An eviction a PodDisruptionBudget refuses: 429, which <c>kubectl drain</c> retries until its timeout.</summary>
    public static ApiError DisruptionBudget(string budget, long desiredHealthy, long currentHealthy) =>
        new(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.")
        {
            Causes = [new FieldError("", "DisruptionBudget", $"The disruption budget {budget} needs {desiredHealthy} healthy pods and has {currentHealthy} currently")],
        };

    /// <summary>A body the API server's decoder rejects (a value of the wrong JSON type), with the decoder's words.</summary>
    public static ApiError CannotDecode(ResourceType type, string decoderError) =>
        BadRequest($"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: {decoderError}");

    private static string GroupSuffix(ResourceType type) => type.Group.Length == 0 ? "" : "." + type.Group;

    public JsonObject ToStatus()
    {
        var details = new JsonObject();
        if (Name is not null)
        {
            details["name"] = Name;
        }

        if (Group is not null)
        {
            details["group"] = Group;
        }

        if (Kind is not null)
        {
            details["kind"] = Kind;
        }

        if (Causes is not null)
        {
            details["causes"] = new JsonArray([.. Causes.Select(c => (JsonNode)(c.Field.Length == 0
                ? new JsonObject { ["reason"] = c.Reason, ["message"] = c.Message }
                : new JsonObject { ["reason"] = c.Reason, ["message"] = c.Message, ["field"] = c.Field }))]);
        }

        return new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = Message,
            ["reason"] = Reason,
            ["details"] = details,
            ["code"] = Code,
        };
    }
}

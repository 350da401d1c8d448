using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace RawkodeAutomation.Episodes.Planning;

/// <summary>What happens to an episode's broadcast.</summary>
public enum BroadcastAction
{
    Create,
    Update,
    Delete,
}

/// <summary>A broadcast to create, update or delete.</summary>
/// <param name="Reasons">Why (e.g. "new episode", "title changed", "description changed").</param>
/// <param name="Aired">The episode's time has passed: changes go to the video, and a delete removes nothing from YouTube.</param>
/// <param name="RenamedFrom">Set on the create of a rename: the old id whose broadcast is deleted.</param>
/// <param name="RenamedTo">Set on the delete of a rename: the new id that gets a new broadcast.</param>
public sealed record BroadcastChange(
    BroadcastAction Action,
    string EpisodeId,
    string Title,
    DateTimeOffset? ScheduledFor,
    IReadOnlyList<string> Reasons,
    bool Aired,
    string? VideoId = null,
    string? RenamedFrom = null,
    string? RenamedTo = null);

/// <summary>An episode file that was renamed: its id changed, so the old broadcast goes and a new one comes.</summary>
public sealed record Rename(string FromId, string ToId, string Message);

/// <summary>A thumbnail to render and upload again.</summary>
public sealed record ThumbnailChange(string EpisodeId, IReadOnlyList<string> Reasons);

/// <summary>A description whose rendered text changes.</summary>
/// <param name="Diff">A line diff: "- " removed, "+ " added, "  " context.</param>
public sealed record DescriptionChange(string EpisodeId, int BytesBefore, int BytesAfter, string Diff, IReadOnlyList<string> Shortenings);

/// <summary>A Klustered cluster to provision (and break) before its episode.</summary>
public sealed record ClusterProvision(
    string EpisodeId,
    string Team,
    string ClusterClass,
    string KubernetesVersion,
    int ControlPlaneReplicas,
    int WorkerReplicas,
    IReadOnlyList<string> Breaks,
    DateTimeOffset ProvisionAt,
    DateTimeOffset TeardownAt);

/// <summary>A show whose persistent liveStream must be created.</summary>
public sealed record StreamChange(string ShowId, string StreamKey);

/// <summary>One kind of YouTube call in the plan and what it costs (docs/architecture.md, "Facts about the outside world").</summary>
public sealed record QuotaLine(string Call, int Count, int UnitsEach, int Units);

/// <summary>The YouTube quota a plan costs, and how many days of quota that is.</summary>
public sealed record QuotaEstimate(int Units, int DailyQuota, int Days, IReadOnlyList<QuotaLine> Lines);

/// <summary>The effects of moving the channel from one tree of <c>episodes/</c> to another.</summary>
public sealed record Plan(
    IReadOnlyList<BroadcastChange> Broadcasts,
    IReadOnlyList<Rename> Renames,
    IReadOnlyList<StreamChange> Streams,
    IReadOnlyList<ThumbnailChange> Thumbnails,
    IReadOnlyList<DescriptionChange> Descriptions,
    IReadOnlyList<ClusterProvision> Clusters,
    QuotaEstimate Quota,
    IReadOnlyList<string> Warnings)
{
    /// <summary>True when the plan changes nothing anywhere.</summary>
    public bool IsEmpty => Broadcasts.Count == 0 && Streams.Count == 0 && Thumbnails.Count == 0 && Descriptions.Count == 0 && Clusters.Count == 0;

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Descriptions hold emoji and typographic characters; keep them readable in the JSON.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>The plan as JSON (camelCase, enums as strings), for <c>rawkode plan --json</c>.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads a plan written by <see cref="ToJson"/>.</summary>
    public static Plan? FromJson(string json) => JsonSerializer.Deserialize<Plan>(json, JsonOptions);
}

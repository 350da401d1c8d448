using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace RawkodeAutomation.Kubernetes;

/// <summary>
/// The labels that mark a cluster or object as ours, and the names we derive. The guard (<see cref="OwnershipException"/>)
/// refuses to touch anything without <see cref="OwnedByLabel"/> = <see cref="OwnedByValue"/>, whatever the input says.
/// </summary>
public static class Ownership
{
    public const string OwnedByLabel = "rawkode.dev/owned-by";
    public const string OwnedByValue = "rawkode-automation";

    /// <summary>A hash of the episode id (label values cannot hold '/').</summary>
    public const string EpisodeLabel = "rawkode.dev/episode";
    public const string TeamLabel = "rawkode.dev/team";

    /// <summary>Expiry as Unix seconds (a label value, so the cleanup can select on it).</summary>
    public const string ExpiresLabel = "rawkode.dev/expires";

    /// <summary>The episode id in full.</summary>
    public const string EpisodeIdAnnotation = "rawkode.dev/episode-id";
    public const string ExpiresAtAnnotation = "rawkode.dev/expires-at";

    /// <summary>Which break module created an object in a workload cluster.</summary>
    public const string BreakLabel = "rawkode.dev/break";

    public static string OwnedSelector => $"{OwnedByLabel}={OwnedByValue}";

    public static string EpisodeHash(string episodeId) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(episodeId)))[..10];

    /// <summary>The Cluster name for one team of one episode: <c>&lt;team&gt;-&lt;hash of episode id&gt;</c>, at most 40 characters.</summary>
    public static string ClusterName(string episodeId, string team)
    {
        var prefix = team.Length > 29 ? team[..29].TrimEnd('-') : team;
        return $"{prefix}-{EpisodeHash(episodeId)}";
    }

    public static Dictionary<string, string> Labels(string episodeId, string team, DateTimeOffset expiresAt) => new(StringComparer.Ordinal)
    {
        [OwnedByLabel] = OwnedByValue,
        [EpisodeLabel] = EpisodeHash(episodeId),
        [TeamLabel] = team,
        [ExpiresLabel] = expiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
    };

    public static bool IsOwned(IDictionary<string, string>? labels) =>
        labels is not null && labels.TryGetValue(OwnedByLabel, out var value) && value == OwnedByValue;
}

/// <summary>Thrown when asked to touch a cluster or object that lacks our ownership label. Never retried.</summary>
public sealed class OwnershipException(string message) : InvalidOperationException(message);

/// <summary>A Kubernetes step failed in a way a person must look at (bad input, a break that does not apply, a timeout).</summary>
public sealed class KlusteredException(string message, Exception? inner = null) : Exception(message, inner);

using System.Globalization;
using System.Text;

namespace RawkodeAutomation.Kubernetes;

/// <summary>
/// The breakers' and fixers' kubeconfig files: <c>&lt;directory&gt;/&lt;show&gt;/&lt;slug&gt;/&lt;team&gt;/&lt;role&gt;.kubeconfig</c>,
/// readable by their owner only (0600). The file is the only place a credential is written: what travels through
/// Temporal is its path and window.
/// </summary>
public static class KlusteredAccessFiles
{
    private const string ExpiresComment = "# rawkode: valid until ";

    /// <summary>The file of one role of one team (the episode id is <c>&lt;show&gt;/&lt;slug&gt;</c>).</summary>
    public static string PathFor(string directory, string episodeId, string team, string role) =>
        Path.Combine([directory, .. episodeId.Split('/'), team, $"{role.ToLowerInvariant()}.kubeconfig"]);

    /// <summary>
    /// Where a role's credential waits, minted ahead of its window, until it is handed over: beside the role's file, with
    /// a name that is not <c>*.kubeconfig</c> so nobody takes it for a handed-out one. The fixers' credential is minted at
    /// provisioning, before any break can take the workload API server away, and handed over from here when the API
    /// server does not answer at the show's start.
    /// </summary>
    public static string StandbyPathFor(string directory, string episodeId, string team, string role) =>
        Path.Combine([directory, .. episodeId.Split('/'), team, $"{role.ToLowerInvariant()}.standby"]);

    /// <summary>
    /// Hands a standby credential over: moves it to the role's file (same mode, same content). False when there is
    /// none (minted by nobody, e.g. a cluster provisioned before standby credentials existed).
    /// </summary>
    public static bool Promote(string standbyPath, string path)
    {
        if (!File.Exists(standbyPath))
        {
            return false;
        }
        File.Move(standbyPath, path, overwrite: true);
        return true;
    }

    /// <summary>The <c>namespace/name</c> of the ServiceAccount a file written by <see cref="WriteAsync"/> is for; null if it does not say.</summary>
    public static string? ServiceAccount(string content)
    {
        var first = content.Split('\n', 2)[0];
        var open = first.LastIndexOf('(');
        return first.StartsWith(ExpiresComment, StringComparison.Ordinal) && open > 0 && first.EndsWith(')') ? first[(open + 1)..^1] : null;
    }

    /// <summary>Writes the kubeconfig with a comment that says until when it is valid; owner-only from its first byte.</summary>
    public static async Task WriteAsync(string path, WorkloadCredential credential, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var text = $"{ExpiresComment}{credential.ExpiresAt.ToString("O", CultureInfo.InvariantCulture)} ({credential.ServiceAccount})\n{credential.Kubeconfig}";
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        await using (var stream = new FileStream(temporary, options))
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false);
        }
        if (!OperatingSystem.IsWindows())
        {
            // UnixCreateMode only applies to a new file; a leftover temporary file keeps its old mode.
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>When a file written by <see cref="WriteAsync"/> stops working; null if it does not say.</summary>
    public static DateTimeOffset? ValidUntil(string content)
    {
        var first = content.Split('\n', 2)[0];
        if (!first.StartsWith(ExpiresComment, StringComparison.Ordinal))
        {
            return null;
        }
        var value = first[ExpiresComment.Length..].Split(' ', 2)[0];
        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) ? at : null;
    }
}

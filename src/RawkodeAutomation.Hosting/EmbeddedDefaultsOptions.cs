using RawkodeAutomation.Kubernetes.Sandbox;
using RawkodeAutomation.YouTube.Sandbox;
using Temporalio.Common.EnvConfig;

namespace RawkodeAutomation.Hosting;

/// <summary>
/// What a host tells <see cref="EmbeddedDefaultsExtensions.AddRawkodeEmbeddedDefaultsAsync"/> beyond its configuration:
/// where the checkout and the state are, where progress lines go, and how the sandboxes it may start differ from
/// <c>rawkode up</c>'s.
/// </summary>
public sealed class EmbeddedDefaultsOptions
{
    /// <summary>The checkout that holds <c>episodes/</c> and <c>thumbnails/</c>.</summary>
    public required string RepositoryRoot { get; init; }

    /// <summary>
    /// Where state outlives a run (<c>.rawkode/</c> for <c>rawkode up</c>): the offline server's <c>temporal.db</c>, the
    /// sandboxes' <c>youtube.json</c> and <c>kubernetes.json</c>, the Klustered credentials (<c>klustered/</c>) and the
    /// webhook delivery ids. Null keeps everything in memory and sets none of those paths.
    /// </summary>
    public string? StateDirectory { get; init; }

    /// <summary>Told one line per area as it is wired (what runs where); null says nothing.</summary>
    public Func<string, Task>? Report { get; init; }

    /// <summary>
    /// True to reach each configured service once before going on (Temporal's namespace, the GitHub repository), so a
    /// wrong address or token is one clear <see cref="StartupException"/> rather than a worker that retries forever.
    /// </summary>
    public bool CheckConfiguredServices { get; init; }

    /// <summary>Adjusts the YouTube sandbox before it starts (only started without YouTube credentials).</summary>
    public Action<YouTubeSandboxOptions>? ConfigureYouTubeSandbox { get; init; }

    /// <summary>Adjusts the Kubernetes sandbox before it starts (only started without a management cluster).</summary>
    public Action<KubernetesSandboxOptions>? ConfigureKubernetesSandbox { get; init; }

    /// <summary>
    /// How the SDK's Temporal profile is loaded; null loads the default profile from the default file, with the
    /// <c>TEMPORAL_*</c> variables the host's configuration holds. A host that must not depend on the machine (a test)
    /// sets <see cref="ClientEnvConfig.ProfileLoadOptions.DisableFile"/>.
    /// </summary>
    public ClientEnvConfig.ProfileLoadOptions? TemporalProfile { get; init; }
}

using Microsoft.Extensions.Configuration;
using RawkodeAutomation.GitHub;
using RawkodeAutomation.Kubernetes;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.YouTube;
using Temporalio.Client;
using Temporalio.Common.EnvConfig;

namespace RawkodeAutomation.Hosting;

/// <summary>
/// Which areas run on the service configuration names and which on their embedded default, decided from each area's
/// options as the hosts bind them (and validate on start): Temporal from <see cref="TemporalConnectionSettings"/>, the others
/// from <see cref="YouTubeOptions"/>, <see cref="KubernetesOptions"/> and <see cref="GitHubOptions"/>.
/// </summary>
/// <param name="Temporal">The Temporal connection; no <see cref="TemporalConnectionOptions.TargetHost"/> means the offline server.</param>
/// <param name="YouTube">The <c>YouTube</c> section; no credentials at all means the sandbox.</param>
/// <param name="Kubernetes">The <c>Kubernetes</c> section; no management kubeconfig means the sandbox.</param>
/// <param name="GitHub">The <c>GitHub</c> section; no repository means the local git watcher on the checkout.</param>
public sealed record EmbeddedPlan(TemporalClientConnectOptions Temporal, YouTubeOptions YouTube, KubernetesOptions Kubernetes, GitHubOptions GitHub)
{
    /// <summary>True when no Temporal address is configured: the offline Temporal server.</summary>
    public bool TemporalEmbedded => string.IsNullOrWhiteSpace(Temporal.TargetHost);

    /// <summary>
    /// True when none of the channel's credentials is set: the YouTube sandbox. Some but not all of them is a configured
    /// channel with a mistake, which <see cref="YouTubeOptions.Problems"/> names on start, never a silent sandbox.
    /// </summary>
    public bool YouTubeEmbedded => !new[] { YouTube.ClientId, YouTube.ClientSecret, YouTube.RefreshToken }.Any(s => !string.IsNullOrWhiteSpace(s));

    /// <summary>True when no management cluster is configured (neither a kubeconfig file nor its content): the Kubernetes sandbox.</summary>
    public bool KubernetesEmbedded =>
        string.IsNullOrWhiteSpace(Kubernetes.ManagementKubeconfig) && string.IsNullOrWhiteSpace(Kubernetes.ManagementKubeconfigContent);

    /// <summary>True when no GitHub repository is configured: the local git watcher on the checkout.</summary>
    public bool GitHubLocal => !GitHub.UsesGitHub;

    /// <summary>Reads the plan from <paramref name="configuration"/>.</summary>
    /// <param name="temporalProfile">How the SDK's Temporal profile is loaded (<see cref="TemporalConnectionSettings.Load"/>).</param>
    /// <exception cref="InvalidOperationException">A value cannot be read (a number that is none); the message names the key.</exception>
    public static EmbeddedPlan From(IConfiguration configuration, ClientEnvConfig.ProfileLoadOptions? temporalProfile = null) => new(
        TemporalConnectionSettings.Load(configuration, temporalProfile),
        configuration.GetSection(YouTubeOptions.SectionName).Get<YouTubeOptions>() ?? new YouTubeOptions(),
        configuration.GetSection(KubernetesOptions.SectionName).Get<KubernetesOptions>() ?? new KubernetesOptions(),
        configuration.GetSection(GitHubOptions.SectionName).Get<GitHubOptions>() ?? new GitHubOptions());
}

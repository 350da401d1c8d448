using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using RawkodeAutomation.GitHub;
using RawkodeAutomation.Kubernetes;
using RawkodeAutomation.Thumbnails;
using RawkodeAutomation.Worker.Activities;
using RawkodeAutomation.Worker.Adapters;
using RawkodeAutomation.Worker.Seams;
using RawkodeAutomation.Workflows.Activities;
using RawkodeAutomation.YouTube;
using Temporalio.Common.EnvConfig;

namespace RawkodeAutomation.Worker.Hosting;

/// <summary>The whole pipeline on its real adapters: what <c>rawkode up</c> runs.</summary>
public static class PipelineWiring
{
    /// <summary>
    /// Registers the YouTube, GitHub and Kubernetes areas from configuration (each pointing at Google,
    /// GitHub and a management cluster, or at their sandboxes when the caller put sandbox addresses in
    /// configuration), the domain-backed desired-state builder, the thumbnail renderer on
    /// <paramref name="repositoryRoot"/>'s <c>thumbnails/</c>, and the worker itself on the Temporal connection
    /// configuration describes (<see cref="TemporalConnectionSettings"/>). Every area's options are validated on start.
    /// </summary>
    /// <param name="temporalProfile">How the SDK's Temporal profile is loaded; null: the default profile and file.</param>
    public static IServiceCollection AddRawkodePipeline(this IServiceCollection services, IConfiguration configuration, string repositoryRoot,
        ClientEnvConfig.ProfileLoadOptions? temporalProfile = null)
    {
        var connection = TemporalConnectionSettings.Load(configuration, temporalProfile);
        services.AddYouTube(configuration);
        DecorateYouTubeClient(services, configuration);
        services.AddGitHub(configuration);
        services.AddKubernetes(configuration);
        services.TryAddSingleton(_ => new ThumbnailRenderer(ThumbnailAssets.FromRepositoryRoot(repositoryRoot)));
        // GitHub avatars only when asked for (`rawkode up` asks by default): tests and offline hosts never reach out.
        if (configuration["Thumbnails:AvatarBaseUri"] is { Length: > 0 } avatarBase)
        {
            var avatarBaseUri = new Uri(avatarBase.EndsWith('/') ? avatarBase : avatarBase + "/");
            services.TryAddSingleton(sp => new GitHubAvatarCache(
                new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, sp.GetRequiredService<ThumbnailRenderer>().Assets, avatarBaseUri));
        }
        services.TryAddSingleton<IDesiredStateBuilder>(sp => new DomainDesiredStateBuilder(sp.GetRequiredService<ThumbnailRenderer>()));
        services.TryAddSingleton<IThumbnailSource, RendererThumbnailSource>();
        services.TryAddScoped<IKlusteredActivities, KubernetesKlusteredActivities>();
        services.AddSingleton<IClusterJanitor, KubernetesClusterJanitor>();
        services.AddRawkodePipelineWorker(configuration, connection);
        return services;
    }

    /// <summary>
    /// Wraps whichever <see cref="IYouTubeClient"/> is registered in a <see cref="RetryingYouTubeClient"/>
    /// (options from <c>YouTube:Retry</c>), so one transient fault does not restart a whole chain of calls.
    /// </summary>
    private static void DecorateYouTubeClient(IServiceCollection services, IConfiguration configuration)
    {
        var retry = new YouTubeRetryOptions();
        configuration.GetSection("YouTube:Retry").Bind(retry);
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(IYouTubeClient));
        if (registered is null)
        {
            return;
        }
        services.Remove(registered);
        services.Add(ServiceDescriptor.Describe(typeof(IYouTubeClient), sp =>
        {
            // A registered instance belongs to whoever registered it; one we create here is ours to dispose.
            var owned = registered.ImplementationInstance is null;
            var inner = registered.ImplementationInstance
                ?? registered.ImplementationFactory?.Invoke(sp)
                ?? ActivatorUtilities.CreateInstance(sp, registered.ImplementationType!);
            return new RetryingYouTubeClient((IYouTubeClient)inner, retry, owned);
        }, registered.Lifetime));
    }
}

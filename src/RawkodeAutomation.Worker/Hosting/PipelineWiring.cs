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

namespace RawkodeAutomation.Worker.Hosting;

/// <summary>The whole pipeline on its real adapters: what <c>rawkode up</c> runs.</summary>
public static class PipelineWiring
{
    /// <summary>
    /// Registers the YouTube, GitHub and Kubernetes areas from configuration (each pointing at Google,
    /// GitHub and a management cluster, or at their sandboxes when the caller put sandbox addresses in
    /// configuration), the domain-backed desired-state builder, the thumbnail renderer on
    /// <paramref name="repositoryRoot"/>'s <c>thumbnails/</c>, and the worker itself.
    /// </summary>
    public static IServiceCollection AddRawkodePipeline(this IServiceCollection services, IConfiguration configuration, string repositoryRoot)
    {
        var options = PipelineServiceCollectionExtensions.ReadPipelineOptions(configuration);
        services.AddYouTube(configuration);
        services.AddGitHub(configuration);
        services.AddKubernetes(configuration);
        services.TryAddSingleton(_ => new ThumbnailRenderer(ThumbnailAssets.FromRepositoryRoot(repositoryRoot)));
        services.TryAddSingleton<IDesiredStateBuilder>(sp => new DomainDesiredStateBuilder(sp.GetRequiredService<ThumbnailRenderer>()));
        services.TryAddSingleton<IThumbnailSource, RendererThumbnailSource>();
        services.TryAddScoped<IKlusteredActivities, KubernetesKlusteredActivities>();
        services.AddSingleton<IClusterJanitor, KubernetesClusterJanitor>();
        services.AddRawkodePipelineWorker(options);
        return services;
    }
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace RawkodeAutomation.Kubernetes;

/// <summary>Wiring for hosts: <c>services.AddKubernetes(configuration)</c>.</summary>
public static class KubernetesServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="KubernetesOptions"/> from the <c>Kubernetes</c> section, validates it on start, and registers
    /// <see cref="IClusterOperations"/> as <see cref="KubernetesClusterOperations"/>.
    /// </summary>
    public static IServiceCollection AddKubernetes(this IServiceCollection services, IConfiguration configuration, Action<KubernetesOptions>? configure = null)
    {
        var builder = services.AddOptions<KubernetesOptions>().Bind(configuration.GetSection(KubernetesOptions.SectionName));
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        builder.Validate(o => o.Validate().Count == 0, "invalid Kubernetes configuration (see Kubernetes:* keys)").ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IClusterOperations>(sp => new KubernetesClusterOperations(sp.GetRequiredService<IOptions<KubernetesOptions>>(), sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}

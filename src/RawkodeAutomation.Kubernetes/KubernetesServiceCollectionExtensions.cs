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

        builder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KubernetesOptions>, KubernetesOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IClusterOperations>(sp => new KubernetesClusterOperations(sp.GetRequiredService<IOptions<KubernetesOptions>>(), sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}

/// <summary>Reports every problem of <see cref="KubernetesOptions"/>, each naming its configuration key.</summary>
internal sealed class KubernetesOptionsValidator : IValidateOptions<KubernetesOptions>
{
    public ValidateOptionsResult Validate(string? name, KubernetesOptions options)
    {
        var problems = options.Validate();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

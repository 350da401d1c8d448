using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using RawkodeAutomation.YouTube.Operations;
using RawkodeAutomation.YouTube.Quota;

namespace RawkodeAutomation.YouTube;

/// <summary>Wiring for the YouTube area.</summary>
public static class YouTubeServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="YouTubeOptions"/> from section <c>YouTube</c> (validated on start), and registers
    /// <see cref="IQuotaLedger"/>, <see cref="IYouTubeClient"/> and <see cref="YouTubeOperations"/> as singletons.
    /// </summary>
    public static IServiceCollection AddYouTube(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<YouTubeOptions>()
            .Bind(configuration.GetSection(YouTubeOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<YouTubeOptions>, YouTubeOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IQuotaLedger>(sp =>
            new InMemoryQuotaLedger(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<YouTubeOptions>>().Value.DailyQuota));
        services.TryAddSingleton<IYouTubeClient>(sp => YouTubeClient.Create(
            sp.GetRequiredService<IOptions<YouTubeOptions>>().Value, sp.GetRequiredService<IQuotaLedger>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<YouTubeOperations>();
        return services;
    }
}

/// <summary>Reports every problem of <see cref="YouTubeOptions"/>, each naming its configuration key.</summary>
internal sealed class YouTubeOptionsValidator : IValidateOptions<YouTubeOptions>
{
    public ValidateOptionsResult Validate(string? name, YouTubeOptions options)
    {
        var problems = options.Problems();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

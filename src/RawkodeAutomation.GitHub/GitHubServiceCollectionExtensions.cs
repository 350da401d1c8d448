using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Octokit;
using RawkodeAutomation.GitHub.Local;
using RawkodeAutomation.GitHub.Octokit;
using RawkodeAutomation.GitHub.Webhooks;

namespace RawkodeAutomation.GitHub;

/// <summary>Wiring for the GitHub area.</summary>
public static class GitHubServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="GitHubOptions"/> from the <c>GitHub</c> section and registers <see cref="IEpisodeSource"/>,
    /// <see cref="ICommitStatusReporter"/> and <see cref="IEpisodeFileWriter"/>: Octokit implementations when
    /// <c>GitHub:Repository</c> is set, else local git ones on <c>GitHub:LocalRepositoryPath</c> (default: the current
    /// directory) plus the <see cref="LocalGitWatcherService"/> hosted service. Also registers what
    /// <see cref="GitHubWebhookEndpoint.MapGitHubWebhooks"/> needs. The caller registers its <see cref="ICommitSink"/>.
    /// </summary>
    public static IServiceCollection AddGitHub(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<GitHubOptions>()
            .Bind(configuration.GetSection(GitHubOptions.SectionName))
            .Validate(o => !o.UsesGitHub || o.Repository!.Count(c => c == '/') == 1, "GitHub:Repository must be 'owner/name'.")
            .Validate(o => !string.IsNullOrWhiteSpace(o.Branch), "GitHub:Branch must not be empty.")
            .ValidateOnStart();
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<GitHubOptions>>().Value);
        AddWebhookServices(services);

        var options = configuration.GetSection(GitHubOptions.SectionName).Get<GitHubOptions>() ?? new GitHubOptions();
        if (options.UsesGitHub)
        {
            services.TryAddSingleton(sp => GitHubClientFactory.Create(sp.GetRequiredService<GitHubOptions>()));
            services.TryAddSingleton<IEpisodeSource>(sp => new GitHubEpisodeSource(sp.GetRequiredService<IGitHubClient>(), sp.GetRequiredService<GitHubOptions>()));
            services.TryAddSingleton<ICommitStatusReporter, GitHubCommitStatusReporter>();
            services.TryAddSingleton<IEpisodeFileWriter, GitHubEpisodeFileWriter>();
        }
        else
        {
            services.TryAddSingleton(sp => new GitCli(sp.GetRequiredService<GitHubOptions>().LocalRepositoryPath ?? Directory.GetCurrentDirectory()));
            services.TryAddSingleton<IEpisodeSource, LocalGitEpisodeSource>();
            services.TryAddSingleton<ICommitStatusReporter, LoggingCommitStatusReporter>();
            services.TryAddSingleton<IEpisodeFileWriter, LocalGitEpisodeFileWriter>();
            services.AddHostedService<LocalGitWatcherService>();
        }

        return services;
    }

    /// <summary>
    /// Registers only what <see cref="GitHubWebhookEndpoint.MapGitHubWebhooks"/> needs, with fixed options (no
    /// configuration binding). The caller registers its <see cref="ICommitSink"/>.
    /// </summary>
    public static IServiceCollection AddGitHubWebhooks(this IServiceCollection services, GitHubOptions options)
    {
        services.TryAddSingleton(Options.Create(options));
        services.TryAddSingleton(options);
        AddWebhookServices(services);
        return services;
    }

    private static void AddWebhookServices(IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IWebhookDeliveryStore>(sp =>
        {
            var o = sp.GetRequiredService<GitHubOptions>();
            return new WebhookDeliveryStore(o.DeliveryStoreCapacity, o.MaxDeliveryAge, o.DeliveryStorePath, sp.GetRequiredService<TimeProvider>());
        });
        services.TryAddSingleton(sp => new WebhookReadGate(sp.GetRequiredService<GitHubOptions>()));
        services.TryAddScoped<PushWebhookProcessor>();
    }
}

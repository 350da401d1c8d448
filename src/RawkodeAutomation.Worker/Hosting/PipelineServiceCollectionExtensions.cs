using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using RawkodeAutomation.GitHub;
using RawkodeAutomation.Worker.Activities;
using RawkodeAutomation.Worker.Seams;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Activities;
using Temporalio.Client;
using Temporalio.Extensions.Hosting;

namespace RawkodeAutomation.Worker.Hosting;

/// <summary>Wiring for the pipeline worker (workflows + activities on one task queue).</summary>
public static class PipelineServiceCollectionExtensions
{
    /// <summary>
    /// Reads <see cref="PipelineOptions"/> from configuration: <c>Temporal:Address</c> (or
    /// <c>TEMPORAL_ADDRESS</c>), <c>Temporal:Namespace</c>, <c>Temporal:ApiKey</c>, <c>YouTube:DailyQuota</c>
    /// and the <c>Pipeline</c> section.
    /// </summary>
    public static PipelineOptions ReadPipelineOptions(IConfiguration configuration)
    {
        var options = new PipelineOptions();
        configuration.GetSection("Pipeline").Bind(options);
        options.Address = configuration["Temporal:Address"] ?? configuration["TEMPORAL_ADDRESS"] ?? options.Address;
        options.Namespace = configuration["Temporal:Namespace"] ?? configuration["TEMPORAL_NAMESPACE"] ?? options.Namespace;
        options.ApiKey = configuration["Temporal:ApiKey"] ?? configuration["TEMPORAL_API_KEY"] ?? options.ApiKey;
        if (long.TryParse(configuration["YouTube:DailyQuota"], System.Globalization.CultureInfo.InvariantCulture, out var quota))
        {
            options.DailyQuota = quota;
        }
        return options;
    }

    /// <summary>
    /// What every pipeline worker needs beyond its workflows and activities: activities with a heartbeat timeout are
    /// kept alive (<see cref="ActivityKeepAlive"/>), and the progress activities heartbeat (the YouTube units spent so
    /// far) reaches the server within a second, so an attempt lost with a killed worker leaves it to the next attempt.
    /// </summary>
    public static void ConfigureWorker(Temporalio.Worker.TemporalWorkerOptions options)
    {
        options.Interceptors = [.. options.Interceptors ?? [], new ActivityKeepAlive()];
        options.DefaultHeartbeatThrottleInterval = ActivityKeepAlive.ThrottleInterval;
        options.MaxHeartbeatThrottleInterval = ActivityKeepAlive.ThrottleInterval;
    }

    /// <summary>
    /// Registers the Temporal client, the hosted worker with every pipeline workflow and activity, and the
    /// <see cref="ICommitSink"/> the GitHub area's webhook and local watcher feed. Adapters the activities
    /// need (<c>AddYouTube</c>, <c>AddGitHub</c>, an <see cref="IDesiredStateBuilder"/>, an
    /// <see cref="IThumbnailSource"/>, an <see cref="IKlusteredActivities"/> implementation) are registered by
    /// the caller, as <see cref="PipelineWiring.AddRawkodePipeline"/> does.
    /// </summary>
    public static IServiceCollection AddRawkodePipelineWorker(this IServiceCollection services, PipelineOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Address))
        {
            throw new InvalidOperationException("Temporal:Address (or TEMPORAL_ADDRESS) must be set before the pipeline worker is added; `rawkode up` sets it to the embedded server.");
        }
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        services.AddTemporalClient(o =>
        {
            o.TargetHost = options.Address;
            o.Namespace = options.Namespace;
            if (!string.IsNullOrEmpty(options.ApiKey))
            {
                o.ApiKey = options.ApiKey;
                o.Tls = new TlsOptions();
            }
        });
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ICommitSink, TemporalCommitSink>();
        services.TryAddScoped<ICleanupActivities, CleanupActivities>();
        // The cleanup's YouTube and git halves; resolved only when a cleanup pass runs.
        services.TryAddSingleton<RawkodeAutomation.YouTube.Operations.MarkedBroadcasts>();
        services.TryAddSingleton<ICurrentRevision, Adapters.GitBranchHead>();
        // The commit activities order deliveries by git history (a late commit never overrides the branch head).
        services.TryAddSingleton<ICommitHistory, Adapters.GitBranchHead>();

        // Lets calls parked on refused YouTube credentials run again once a worker starts with new ones.
        services.AddHostedService<CredentialsAnnouncer>();
        services.AddHostedTemporalWorker(options.TaskQueue)
            .AddScopedActivities<CommitActivities>()
            .AddScopedActivities<QuotaActivities>()
            .AddScopedActivities<YouTubeActivities>()
            // Registered by contract: DI picks the implementation (the Kubernetes adapter, or a test's).
            .ApplyTemporalActivities<IKlusteredActivities>()
            .ApplyTemporalActivities<ICleanupActivities>()
            .AddWorkflow<EpisodeWorkflow>()
            .AddWorkflow<PersonWorkflow>()
            .AddWorkflow<YouTubeQuotaWorkflow>()
            .AddWorkflow<CommitWorkflow>()
            .AddWorkflow<CleanupWorkflow>()
            .ConfigureOptions(ConfigureWorker);
        return services;
    }
}

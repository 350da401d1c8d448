using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
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
    /// Binds <see cref="PipelineOptions"/> from configuration: the <c>Pipeline</c> section, the Temporal
    /// <paramref name="connection"/> (<see cref="TemporalConnectionSettings.Load"/>) and <c>YouTube:DailyQuota</c>,
    /// validated when the host starts: a bad value stops the host with an <see cref="OptionsValidationException"/>
    /// naming the key.
    /// </summary>
    public static OptionsBuilder<PipelineOptions> AddPipelineOptions(this IServiceCollection services, IConfiguration configuration, TemporalClientConnectOptions connection)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PipelineOptions>, PipelineOptionsValidator>());
        return services.AddOptions<PipelineOptions>()
            .Configure(o => Apply(configuration, connection, o))
            .ValidateOnStart();
    }

    private static void Apply(IConfiguration configuration, TemporalClientConnectOptions connection, PipelineOptions options)
    {
        configuration.GetSection(PipelineOptions.SectionName).Bind(options);
        options.Address = connection.TargetHost;
        options.Namespace = connection.Namespace;
        options.ApiKey = connection.ApiKey;
        var quota = configuration[$"{RawkodeAutomation.YouTube.YouTubeOptions.SectionName}:{nameof(PipelineOptions.DailyQuota)}"];
        if (!string.IsNullOrWhiteSpace(quota))
        {
            // A value that is no number fails the YouTube options' binding, which names the key; read as no budget here.
            options.DailyQuota = long.TryParse(quota, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var units) ? units : 0;
        }
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
    /// <see cref="ICommitSink"/> the GitHub area's webhook and local watcher feed, on fixed <paramref name="options"/>
    /// (checked now: a problem throws an <see cref="OptionsValidationException"/> naming the key). Adapters the
    /// activities need (<c>AddYouTube</c>, <c>AddGitHub</c>, an <see cref="IDesiredStateBuilder"/>, an
    /// <see cref="IThumbnailSource"/>, an <see cref="IKlusteredActivities"/> implementation) are registered by the
    /// caller, as <see cref="PipelineWiring.AddRawkodePipeline"/> does.
    /// </summary>
    public static IServiceCollection AddRawkodePipelineWorker(this IServiceCollection services, PipelineOptions options)
    {
        var problems = options.Problems();
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(string.Empty, typeof(PipelineOptions), problems);
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
        return services.AddPipelineWorkerServices(options.TaskQueue);
    }

    /// <summary>
    /// As <see cref="AddRawkodePipelineWorker(IServiceCollection, PipelineOptions)"/>, with the options bound from
    /// <paramref name="configuration"/> and validated on start (<see cref="AddPipelineOptions"/>), and the client on
    /// <paramref name="connection"/> (TLS and gRPC metadata included, as a Temporal profile may set them).
    /// </summary>
    public static IServiceCollection AddRawkodePipelineWorker(this IServiceCollection services, IConfiguration configuration, TemporalClientConnectOptions connection)
    {
        services.AddPipelineOptions(configuration, connection);
        services.AddTemporalClient(o =>
        {
            o.TargetHost = connection.TargetHost;
            o.Namespace = connection.Namespace;
            o.ApiKey = connection.ApiKey;
            o.Tls = connection.Tls;
            o.RpcMetadata = connection.RpcMetadata;
        });
        var taskQueue = configuration[$"{PipelineOptions.SectionName}:{nameof(PipelineOptions.TaskQueue)}"];
        return services.AddPipelineWorkerServices(string.IsNullOrWhiteSpace(taskQueue) ? new PipelineOptions().TaskQueue : taskQueue);
    }

    private static IServiceCollection AddPipelineWorkerServices(this IServiceCollection services, string taskQueue)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ICommitSink, TemporalCommitSink>();
        services.TryAddSingleton(sp => new YouTubeCallJournal(
            sp.GetRequiredService<IOptions<PipelineOptions>>().Value.CallJournalPath, sp.GetRequiredService<TimeProvider>()));
        services.TryAddScoped<ICleanupActivities, CleanupActivities>();
        // The cleanup's YouTube and git halves; resolved only when a cleanup pass runs.
        services.TryAddSingleton<RawkodeAutomation.YouTube.Operations.MarkedBroadcasts>();
        services.TryAddSingleton<ICurrentRevision, Adapters.GitBranchHead>();
        // The commit activities order deliveries by git history (a late commit never overrides the branch head).
        services.TryAddSingleton<ICommitHistory, Adapters.GitBranchHead>();

        // Lets calls parked on refused YouTube credentials run again once a worker starts with new ones.
        services.AddHostedService<CredentialsAnnouncer>();
        services.AddHostedTemporalWorker(taskQueue)
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

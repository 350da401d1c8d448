using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RawkodeAutomation.TemporalServer;
using RawkodeAutomation.Worker.Activities;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Client;
using Temporalio.Worker;

namespace RawkodeAutomation.Pipeline.Tests.Workflows;

/// <summary>
/// The offline Temporal server in-process, a client, and a worker running the real workflows with
/// fake YouTube/Klustered activities (the real quota activity). The worker can be stopped and started
/// again to model a crash mid-way.
/// </summary>
public sealed class PipelineHarness : IAsyncDisposable
{
    private TemporalWorker? _worker;
    private Task? _workerRun;
    private CancellationTokenSource? _workerStop;

    private PipelineHarness(OfflineTemporalServer server, TemporalClient client, PipelineOptions options)
    {
        Server = server;
        Client = client;
        Options = options;
    }

    public OfflineTemporalServer Server { get; }
    public TemporalClient Client { get; }
    public PipelineOptions Options { get; }
    public FakeYouTube YouTube { get; } = new();
    public FakeKlustered Klustered { get; } = new();

    /// <summary>Extra activity objects (e.g. real commit activities) registered next to the fakes.</summary>
    public List<object> ExtraActivities { get; } = [];

    /// <param name="configure">Changes to the pipeline options.</param>
    /// <param name="server">Changes to the server's options (e.g. when it suggests continuing as new).</param>
    public static async Task<PipelineHarness> StartAsync(Action<PipelineOptions>? configure = null, Action<OfflineTemporalServerOptions>? server = null)
    {
        var serverOptions = new OfflineTemporalServerOptions { Port = 0 };
        server?.Invoke(serverOptions);
        var instance = await OfflineTemporalServer.StartNewAsync(serverOptions);
        var client = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(instance.Address) { Namespace = "default" });
        // A running Klustered show is checked for the fix twice a second, so wall-clock tests see it fixed at once.
        var options = new PipelineOptions { Address = instance.Address, DailyQuota = 1_000_000, SweepReserve = 0, FixPollInterval = TimeSpan.FromMilliseconds(500) };
        configure?.Invoke(options);
        return new PipelineHarness(instance, client, options);
    }

    /// <summary><see cref="StartAsync"/>, then <see cref="StartWorkerAsync"/>: for tests that register no extra activities.</summary>
    public static async Task<PipelineHarness> StartWithWorkerAsync(Action<PipelineOptions>? configure = null, Action<OfflineTemporalServerOptions>? server = null)
    {
        var harness = await StartAsync(configure, server);
        try
        {
            await harness.StartWorkerAsync();
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }
        return harness;
    }

    /// <summary>Starts a worker on its own connection, as a new process would.</summary>
    public async Task StartWorkerAsync()
    {
        var connection = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(Server.Address) { Namespace = "default" });
        var workerOptions = new TemporalWorkerOptions(Options.TaskQueue)
            .AddAllActivities(YouTube)
            .AddAllActivities(Klustered)
            .AddAllActivities(new QuotaActivities(Client, Microsoft.Extensions.Options.Options.Create(Options)))
            .AddWorkflow<EpisodeWorkflow>()
            .AddWorkflow<PersonWorkflow>()
            .AddWorkflow<YouTubeQuotaWorkflow>()
            .AddWorkflow<CommitWorkflow>()
            .AddWorkflow<CleanupWorkflow>();
        foreach (var extra in ExtraActivities)
        {
            workerOptions.AddAllActivities(extra.GetType(), extra);
        }
        PipelineServiceCollectionExtensions.ConfigureWorker(workerOptions);
        _worker = new TemporalWorker(connection, workerOptions);
        _workerStop = new CancellationTokenSource();
        _workerRun = _worker.ExecuteAsync(_workerStop.Token);
    }

    public async Task StopWorkerAsync()
    {
        if (_worker is null)
        {
            return;
        }
        await _workerStop!.CancelAsync();
        try
        {
            await _workerRun!;
        }
        catch (OperationCanceledException)
        {
        }
        _worker.Dispose();
        _worker = null;
        _workerStop.Dispose();
    }

    public Task SignalAsync(params SpecChanged[] changes) =>
        EntitySignals.SignalEpisodesAsync(Client, Options, changes, CancellationToken.None);

    public Task<EpisodeStatus> EpisodeAsync(string episodeId) =>
        Client.GetWorkflowHandle<EpisodeWorkflow>(WorkflowIds.Episode(episodeId)).QueryAsync(wf => wf.State);

    public Task<QuotaStatus> QuotaAsync() =>
        Client.GetWorkflowHandle<YouTubeQuotaWorkflow>(WorkflowIds.Quota).QueryAsync(wf => wf.State);

    /// <summary>The quota entity's state, or null while it does not exist (or cannot answer yet).</summary>
    public static async Task<QuotaStatus?> QuotaAsync(ITemporalClient client)
    {
        try
        {
            return await client.GetWorkflowHandle<YouTubeQuotaWorkflow>(WorkflowIds.Quota).QueryAsync(wf => wf.State);
        }
        catch (Exception e) when (e is Temporalio.Exceptions.RpcException or Temporalio.Exceptions.WorkflowQueryFailedException)
        {
            return null;
        }
    }

    /// <summary>
    /// <see cref="Eventually.WaitAsync"/> over a workflow query: a workflow not started yet, or not answering queries
    /// yet, is "not yet".
    /// </summary>
    public static Task<T> WaitForAsync<T>(Func<Task<T>> observe, Func<T, bool> done, TimeSpan timeout, string what) =>
        Eventually.WaitAsync(observe, done, what, timeout,
            e => e is Temporalio.Exceptions.RpcException or Temporalio.Exceptions.WorkflowQueryFailedException or InvalidOperationException);

    /// <summary>Writes a workflow's history to a file (for diagnosing a failed test).</summary>
    public async Task DumpHistoryAsync(string workflowId, string path)
    {
        var lines = new List<string>();
        await foreach (var e in Client.GetWorkflowHandle(workflowId).FetchHistoryEventsAsync())
        {
            lines.Add(e.ToString());
        }
        await File.WriteAllLinesAsync(path, lines);
    }

    public async ValueTask DisposeAsync()
    {
        await StopWorkerAsync();
        await Server.DisposeAsync();
    }
}

using RawkodeAutomation.TemporalServer.Tests.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;

namespace RawkodeAutomation.TemporalServer.Tests;

/// <summary>
/// Payload size limits as a real server enforces them (sdk-dotnet's PayloadSizeLimitsTests, run here on a server
/// started with a 10 KiB blob limit, what those tests pass as <c>limit.blobSize.error</c>).
/// </summary>
public sealed class PayloadLimitTests : IAsyncLifetime
{
    private const int Limit = 10 * 1024;
    private OfflineTemporalServer? _server;
    private ITemporalClient? _client;

    private ITemporalClient Client => _client ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _server = await OfflineTemporalServer.StartNewAsync(new() { BlobSizeLimitError = Limit });
        _client = await TemporalClient.ConnectAsync(new(_server.Address) { Namespace = "default" });
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task CompleteWorkflowTask_ActivityInputOverLimit_TerminatesTheRunWithTheCommandsCause()
    {
        var tq = Workers.NewTaskQueue();
        var options = Workers.Options(tq);
        // The worker's own check is off, so the oversized command reaches the server.
        options.DisablePayloadErrorLimit = true;
        using var worker = new TemporalWorker(Client, options);
        var workflowId = Workers.NewId("oversized");
        var failure = await worker.ExecuteAsync(() => Assert.ThrowsAsync<WorkflowFailedException>(() =>
            Client.ExecuteWorkflowAsync((LargeGreetingWorkflow wf) => wf.RunAsync(Limit + 1024), new(workflowId, tq))));

        var terminated = Assert.IsType<TerminatedFailureException>(failure.InnerException);
        Assert.Equal("BadScheduleActivityAttributes: ScheduleActivityTaskCommandAttributes.Input exceeds size limit.", terminated.Message);
        var history = await Client.GetWorkflowHandle(workflowId).FetchHistoryAsync();
        var taskFailed = Assert.Single(history.Events, e => e.EventType == EventType.WorkflowTaskFailed).WorkflowTaskFailedEventAttributes;
        Assert.Equal(WorkflowTaskFailedCause.BadScheduleActivityAttributes, taskFailed.Cause);
        Assert.DoesNotContain(history.Events, e => e.EventType == EventType.ActivityTaskScheduled);
    }

    [Fact]
    public async Task DescribeNamespace_LimitsConfigured_AdvertisesThemSoTheWorkerFailsItsOwnTask()
    {
        var description = await Client.WorkflowService.DescribeNamespaceAsync(new() { Namespace = "default" });
        Assert.Equal(Limit, description.NamespaceInfo.Limits.BlobSizeLimitError);

        // With its check on, the worker fails the task itself (PayloadsTooLarge) and the run stays open.
        var tq = Workers.NewTaskQueue();
        using var worker = new TemporalWorker(Client, Workers.Options(tq));
        await worker.ExecuteAsync(async () =>
        {
            var handle = await Client.StartWorkflowAsync((LargeGreetingWorkflow wf) => wf.RunAsync(Limit + 1024), new(Workers.NewId("oversized"), tq));
            await Workers.WaitUntilAsync(
                async () => (await handle.FetchHistoryAsync()).Events.Any(e => e.WorkflowTaskFailedEventAttributes?.Cause == WorkflowTaskFailedCause.PayloadsTooLarge),
                TimeSpan.FromSeconds(30),
                "the worker failed its task with PayloadsTooLarge");
            Assert.Equal(WorkflowExecutionStatus.Running, (await handle.DescribeAsync()).Status);
            await handle.TerminateAsync("done");
        });
    }
}

using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Worker;

namespace RawkodeAutomation.Pipeline.Tests.Workflows;

/// <summary>
/// An activity taken by a worker that is then killed (kill -9: it never heartbeats, completes or fails). The test
/// itself is that worker: it polls the activity task queue over the raw API and abandons what it took.
/// </summary>
public class LostActivityTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task CommitWorkflow_WorkerKilledDuringApplyCommit_NotSettledAndHandedOutAgainBeforeItsStartToCloseTimeout()
    {
        await using var h = await PipelineHarness.StartAsync();
        // A worker for the commit's workflow code only (no activities, so it takes no activity task).
        using var workflows = new TemporalWorker(h.Client, new TemporalWorkerOptions(h.Options.TaskQueue).AddWorkflow<CommitWorkflow>());
        using var stop = new CancellationTokenSource();
        var run = workflows.ExecuteAsync(stop.Token);
        try
        {
            await h.Client.StartWorkflowAsync(
                (CommitWorkflow wf) => wf.RunAsync(new CommitInput("c1", null, DateTimeOffset.UtcNow, Full: true)),
                new WorkflowOptions(WorkflowIds.Commit("c1"), h.Options.TaskQueue));

            // Given the ApplyCommit attempt taken by a worker that dies with it.
            var lost = await TakeAsync(h, "ApplyCommit");
            Assert.Equal(1, lost.Attempt);

            // Then the channel is not settled while the commit waits for its activity: nothing else says so.
            var status = await PipelineStatusReader.ReadAsync(h.Client);
            Assert.False(status.Settled, status.Summary());
            Assert.Contains(status.InFlight!, w => w.WorkflowId == WorkflowIds.Commit("c1") && w.Activity == "ApplyCommit");

            // And Temporal hands the commit out again once its heartbeat timeout passed, not after 45 minutes.
            var again = await TakeAsync(h, "ApplyCommit");
            Assert.Equal(2, again.Attempt);
            Assert.Contains("Heartbeat", (await PipelineStatusReader.ReadAsync(h.Client)).InFlight!.Single(w => w.Activity == "ApplyCommit").LastFailure, StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await run;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>
    /// Polls activity tasks as a worker would until one of <paramref name="activityType"/> arrives, failing any other
    /// (non-retryable: the commit's status report is not what this test is about) and returning that one unanswered.
    /// </summary>
    private static async Task<PollActivityTaskQueueResponse> TakeAsync(PipelineHarness h, string activityType)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (DateTime.UtcNow < deadline)
        {
            var task = await h.Client.WorkflowService.PollActivityTaskQueueAsync(new PollActivityTaskQueueRequest
            {
                Namespace = h.Client.Options.Namespace,
                TaskQueue = new TaskQueue { Name = h.Options.TaskQueue },
                Identity = "worker-that-gets-killed",
            });
            if (task.TaskToken.IsEmpty)
            {
                continue;
            }
            if (task.ActivityType.Name == activityType)
            {
                return task;
            }
            await h.Client.WorkflowService.RespondActivityTaskFailedAsync(new RespondActivityTaskFailedRequest
            {
                Namespace = h.Client.Options.Namespace,
                TaskToken = task.TaskToken,
                Failure = new Failure { Message = "not part of this test", ApplicationFailureInfo = new ApplicationFailureInfo { NonRetryable = true } },
            });
        }
        throw new TimeoutException($"no {activityType} task within {Deadline}");
    }
}

using RawkodeAutomation.TemporalServer;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Worker;

namespace RawkodeAutomation.Cli.Tests;

/// <summary><c>rawkode up --once --timeout</c> returns when its time is up, whatever it is waiting for.</summary>
public sealed class UpTimeoutTests
{
    [Fact]
    public async Task UpOnce_HeadCommitHeldByAKilledWorker_GivesUpAtItsTimeout()
    {
        using var checkout = new TemporaryCheckout();
        await using var server = await OfflineTemporalServer.StartNewAsync(new OfflineTemporalServerOptions { Port = 0 });
        var client = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(server.Address) { Namespace = "default" });
        var taskQueue = new PipelineOptions().TaskQueue;
        var head = GitHead(checkout);

        // Given the head commit being applied by a worker that was killed (kill -9) while it held ApplyCommit: a worker
        // for the workflow code only, and the test taking the activity task and never answering it.
        using (var workflows = new TemporalWorker(client, new TemporalWorkerOptions(taskQueue).AddWorkflow<CommitWorkflow>()))
        {
            using var stop = new CancellationTokenSource();
            var run = workflows.ExecuteAsync(stop.Token);
            await client.StartWorkflowAsync(
                (CommitWorkflow wf) => wf.RunAsync(new CommitInput(head, null, DateTimeOffset.UtcNow, Full: true)),
                new WorkflowOptions(WorkflowIds.Commit(head), taskQueue));
            await TakeAndAbandonAsync(client, taskQueue, "ApplyCommit");
            await stop.CancelAsync();
            try
            {
                await run;
            }
            catch (OperationCanceledException)
            {
            }
        }

        // When up --once runs against that Temporal with a short timeout.
        checkout.WriteAppSettings($$"""{ "Temporal": { "Address": "{{server.Address}}" }, "Thumbnails": { "AvatarBaseUri": "" } }""");
        var result = await Rawkode.RunAsync(checkout.Path, "up", "--once", "--timeout", "00:00:05");

        // Then it returns (today it waited for the commit first, for as long as the lost attempt's 45-minute timeout),
        // saying it gave up rather than blaming anything else.
        Assert.True(result.ExitCode is 0 or 1, result.ToString());
        Assert.False(result.HasStackTrace, result.ToString());
        if (result.ExitCode == 1)
        {
            Assert.Contains("gave up waiting after 00:00:05", result.Output, StringComparison.Ordinal);
        }
    }

    private static string GitHead(TemporaryCheckout checkout)
    {
        var info = new System.Diagnostics.ProcessStartInfo("git", ["rev-parse", "HEAD"]) { WorkingDirectory = checkout.Path, RedirectStandardOutput = true };
        using var git = System.Diagnostics.Process.Start(info)!;
        var sha = git.StandardOutput.ReadToEnd().Trim();
        git.WaitForExit();
        return sha;
    }

    /// <summary>Polls activity tasks until one of <paramref name="activityType"/> arrives and keeps it; others fail for good.</summary>
    private static async Task TakeAndAbandonAsync(TemporalClient client, string taskQueue, string activityType)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        while (DateTime.UtcNow < deadline)
        {
            var task = await client.WorkflowService.PollActivityTaskQueueAsync(new PollActivityTaskQueueRequest
            {
                Namespace = client.Options.Namespace,
                TaskQueue = new TaskQueue { Name = taskQueue },
                Identity = "worker-that-gets-killed",
            });
            if (task.TaskToken.IsEmpty)
            {
                continue;
            }
            if (task.ActivityType.Name == activityType)
            {
                return;
            }
            await client.WorkflowService.RespondActivityTaskFailedAsync(new RespondActivityTaskFailedRequest
            {
                Namespace = client.Options.Namespace,
                TaskToken = task.TaskToken,
                Failure = new Failure { Message = "not part of this test", ApplicationFailureInfo = new ApplicationFailureInfo { NonRetryable = true } },
            });
        }
        throw new TimeoutException($"no {activityType} task within 4 minutes");
    }
}

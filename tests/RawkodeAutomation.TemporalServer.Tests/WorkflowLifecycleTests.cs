using RawkodeAutomation.TemporalServer.Tests.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;

namespace RawkodeAutomation.TemporalServer.Tests;

[Collection(ServerCollection.Name)]
public class WorkflowLifecycleTests(ServerFixture fixture)
{
    private ITemporalClient Client => fixture.Environment.Client;

    [Fact]
    public async Task ExecuteWorkflow_OneActivity_ReturnsActivityResult()
    {
        var result = await Workers.RunAsync(Client, tq => Client.ExecuteWorkflowAsync(
            (GreetWorkflow wf) => wf.RunAsync("Rawkode"),
            new WorkflowOptions(Workers.NewId("greet"), tq)));
        Assert.Equal("Hello, Rawkode!", result);
    }

    [Fact]
    public async Task Signal_WorkerCachesRun_LaterTasksGoToItsStickyQueueAndQueriesAreAnswered()
    {
        var tq = Workers.NewTaskQueue();
        var options = Workers.Options(tq);
        // However slowly the machine runs the worker, its sticky queue keeps the run's tasks.
        options.StickyQueueScheduleToStartTimeout = TimeSpan.FromMinutes(10);
        using var worker = new TemporalWorker(Client, options);
        var result = await worker.ExecuteAsync(async () =>
        {
            var handle = await Client.StartWorkflowAsync((InteractiveWorkflow wf) => wf.RunAsync("sticky"), new(Workers.NewId("sticky"), tq));
            await handle.SignalAsync(wf => wf.AddAsync("a"));
            await Workers.WaitUntilAsync(
                async () => (await handle.QueryAsync(wf => wf.Items())).Count == 1, what: "the signal seen by a query");
            await handle.SignalAsync(wf => wf.FinishAsync());
            var history = await handle.FetchHistoryAsync();

            // The SDK worker asks for stickiness, so every workflow task after the first was scheduled on its sticky queue.
            var scheduled = history.Events.Where(e => e.EventType == EventType.WorkflowTaskScheduled).Skip(1)
                .Select(e => e.WorkflowTaskScheduledEventAttributes.TaskQueue).ToList();
            Assert.NotEmpty(scheduled);
            Assert.All(scheduled, queue => Assert.Equal((TaskQueueKind.Sticky, tq), (queue.Kind, queue.NormalName)));
            return await handle.GetResultAsync();
        });
        Assert.Equal("sticky: a", result);
    }

    [Fact]
    public async Task Describe_StartedWithStaticSummary_ReturnsSummaryAndDetailsOfRunAndChild()
    {
        await Workers.RunAsync(Client, async tq =>
        {
            var id = Workers.NewId("summary");
            var handle = await Client.StartWorkflowAsync(
                (ParentWorkflow wf) => wf.RunAsync("summarised"),
                new(id, tq) { StaticSummary = "parent summary", StaticDetails = "parent details" });
            await handle.GetResultAsync();

            var parent = await handle.DescribeAsync();
            Assert.Equal("parent summary", await parent.GetStaticSummaryAsync());
            Assert.Equal("parent details", await parent.GetStaticDetailsAsync());
            var child = await Client.GetWorkflowHandle($"{id}-child").DescribeAsync();
            Assert.Equal("child summary", await child.GetStaticSummaryAsync());
            Assert.Equal("child details", await child.GetStaticDetailsAsync());
        });
    }

    private static TemporalWorkerOptions WithBuildId(string taskQueue, string buildId)
    {
        var options = Workers.Options(taskQueue);
#pragma warning disable CS0618 // a build id without a deployment: the legacy (unversioned) stamp
        options.BuildId = buildId;
#pragma warning restore CS0618
        return options;
    }

    [Fact]
    public async Task Query_WorkerWithNewBuildIdReplaysOldTask_SeesTheBuildIdThatRanIt()
    {
        // sdk-dotnet's ExecuteWorkflowAsync_CurrentBuildId_SetProperly: a replaying worker takes Workflow.CurrentBuildId
        // from the WorkflowTaskCompleted events, so the server must keep the build id each worker stamped there.
        var tq = Workers.NewTaskQueue();
        var handle = await Client.StartWorkflowAsync((BuildIdWorkflow wf) => wf.RunAsync(), new(Workers.NewId("build-id"), tq));
        using (var first = new TemporalWorker(Client, WithBuildId(tq, "1.0")))
        {
            await first.ExecuteAsync(async () => Assert.Equal("1.0", await handle.QueryAsync(wf => wf.CurrentBuildId())));
        }
        var completed = (await handle.FetchHistoryAsync()).Events.Where(e => e.EventType == EventType.WorkflowTaskCompleted).ToList();
        Assert.NotEmpty(completed);
#pragma warning disable CS0612 // the (deprecated) stamp is where an unversioned worker's build id is kept
        Assert.All(completed, e => Assert.Equal("1.0", e.WorkflowTaskCompletedEventAttributes.WorkerVersion?.BuildId));
#pragma warning restore CS0612

        using var second = new TemporalWorker(Client, WithBuildId(tq, "1.1"));
        await second.ExecuteAsync(async () =>
        {
            Assert.Equal("1.0", await handle.QueryAsync(wf => wf.CurrentBuildId()));
            await handle.SignalAsync(wf => wf.FinishAsync());
            await handle.GetResultAsync();
        });
    }

    [Fact]
    public async Task Query_NewBuildIdAfterStickinessReset_ReplaysTheOldBranchThenRunsOnAsTheNewBuild()
    {
        var tq = Workers.NewTaskQueue();
        var handle = await Client.StartWorkflowAsync((BuildIdBranchWorkflow wf) => wf.RunAsync(), new(Workers.NewId("build-id-branch"), tq));
        using (var first = new TemporalWorker(Client, WithBuildId(tq, "1.0")))
        {
            await first.ExecuteAsync(async () =>
            {
                Assert.Equal("1.0", await handle.QueryAsync(wf => wf.CurrentBuildId()));
                // The query may be answered before the timer fires. Stop this worker only once it has completed the
                // task after the "1.0" branch's activity, or "1.1" would run that task and be the build id asked next.
                await Workers.WaitUntilAsync(
                    async () => (await handle.FetchHistoryAsync()).Events
                        .SkipWhile(e => e.EventType != EventType.ActivityTaskCompleted)
                        .Any(e => e.EventType == EventType.WorkflowTaskCompleted),
                    what: "the workflow task after the 1.0 branch's activity, completed by the 1.0 worker");
            });
        }
        await Client.WorkflowService.ResetStickyTaskQueueAsync(new()
        {
            Namespace = Client.Options.Namespace,
            Execution = new() { WorkflowId = handle.Id },
        });

        using var second = new TemporalWorker(Client, WithBuildId(tq, "1.1"));
        await second.ExecuteAsync(async () =>
        {
            Assert.Equal("1.0", await handle.QueryAsync(wf => wf.CurrentBuildId()));
            await handle.SignalAsync(wf => wf.FinishAsync());
            Assert.Equal("1.1", await handle.QueryAsync(wf => wf.CurrentBuildId()));
            await handle.GetResultAsync();
            Assert.Equal("1.1", await handle.QueryAsync(wf => wf.CurrentBuildId()));
        });
    }

    [Fact]
    public async Task StartWorkflow_IdAlreadyRunning_ThrowsWorkflowAlreadyStarted()
    {
        var id = Workers.NewId("dup");
        var tq = Workers.NewTaskQueue();
        var first = await Client.StartWorkflowAsync((BlockingWorkflow wf) => wf.RunAsync(), new(id, tq));
        var error = await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() =>
            Client.StartWorkflowAsync((BlockingWorkflow wf) => wf.RunAsync(), new(id, tq)));
        Assert.Equal(first.ResultRunId, error.RunId);
        await first.TerminateAsync("cleanup");
    }

    [Fact]
    public async Task StartWorkflow_ConflictPolicyUseExisting_ReturnsRunningRun()
    {
        var id = Workers.NewId("use-existing");
        var tq = Workers.NewTaskQueue();
        var first = await Client.StartWorkflowAsync((BlockingWorkflow wf) => wf.RunAsync(), new(id, tq));
        var second = await Client.StartWorkflowAsync((BlockingWorkflow wf) => wf.RunAsync(), new(id, tq) { IdConflictPolicy = WorkflowIdConflictPolicy.UseExisting });
        Assert.Equal(first.ResultRunId, second.ResultRunId);
        await first.TerminateAsync("cleanup");
    }

    [Fact]
    public async Task StartWorkflow_ConflictPolicyTerminateExisting_TerminatesOldRun()
    {
        var id = Workers.NewId("terminate-existing");
        var tq = Workers.NewTaskQueue();
        var first = await Client.StartWorkflowAsync((BlockingWorkflow wf) => wf.RunAsync(), new(id, tq));
        var second = await Client.StartWorkflowAsync((BlockingWorkflow wf) => wf.RunAsync(), new(id, tq) { IdConflictPolicy = WorkflowIdConflictPolicy.TerminateExisting });
        Assert.NotEqual(first.ResultRunId, second.ResultRunId);
        Assert.Equal(WorkflowExecutionStatus.Terminated, (await Client.GetWorkflowHandle(id, runId: first.ResultRunId).DescribeAsync()).Status);
        await second.TerminateAsync("cleanup");
    }

    [Fact]
    public async Task StartWorkflow_ReusePolicies_FollowClosedRunStatus()
    {
        await Workers.RunAsync(Client, async tq =>
        {
            var id = Workers.NewId("reuse");
            await Client.ExecuteWorkflowAsync((GreetWorkflow wf) => wf.RunAsync("a"), new(id, tq));
            await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() =>
                Client.StartWorkflowAsync((GreetWorkflow wf) => wf.RunAsync("b"), new(id, tq) { IdReusePolicy = WorkflowIdReusePolicy.RejectDuplicate }));
            await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() =>
                Client.StartWorkflowAsync((GreetWorkflow wf) => wf.RunAsync("b"), new(id, tq) { IdReusePolicy = WorkflowIdReusePolicy.AllowDuplicateFailedOnly }));
            var again = await Client.ExecuteWorkflowAsync((GreetWorkflow wf) => wf.RunAsync("c"), new(id, tq) { IdReusePolicy = WorkflowIdReusePolicy.AllowDuplicate });
            Assert.Equal("Hello, c!", again);
        });
    }

    [Fact]
    public async Task SignalQueryUpdate_RunningWorkflow_SeeEachOther()
    {
        var result = await Workers.RunAsync(Client, async tq =>
        {
            var handle = await Client.StartWorkflowAsync((InteractiveWorkflow wf) => wf.RunAsync("show"), new(Workers.NewId("interactive"), tq));
            await handle.SignalAsync(wf => wf.AddAsync("one"));
            await handle.SignalAsync(wf => wf.AddAsync("two"));
            Assert.Equal(["one", "two"], await handle.QueryAsync(wf => wf.Items()));
            var old = await handle.ExecuteUpdateAsync(wf => wf.RenameAsync("renamed"));
            Assert.Equal("show", old);
            var rejected = await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => handle.ExecuteUpdateAsync(wf => wf.RenameAsync(" ")));
            Assert.Contains("must not be empty", rejected.InnerException?.Message);
            var queryError = await Assert.ThrowsAsync<WorkflowQueryFailedException>(() => handle.QueryAsync(wf => wf.Explode()));
            Assert.Contains("query failed on purpose", queryError.Message);
            await handle.SignalAsync(wf => wf.FinishAsync());
            var result = await handle.GetResultAsync();
            // A closed workflow is evicted from the worker's cache: the query replays its whole history.
            Assert.Equal(["one", "two"], await handle.QueryAsync(wf => wf.Items()));
            return result;
        });
        Assert.Equal("renamed: one,two", result);
    }

    [Fact]
    public async Task StartUpdate_WaitForAccepted_ThenResultArrives()
    {
        await Workers.RunAsync(Client, async tq =>
        {
            var handle = await Client.StartWorkflowAsync((InteractiveWorkflow wf) => wf.RunAsync("a"), new(Workers.NewId("update"), tq));
            var update = await handle.StartUpdateAsync(wf => wf.RenameAsync("b"), new(WorkflowUpdateStage.Accepted));
            Assert.Equal("a", await update.GetResultAsync());
            await handle.SignalAsync(wf => wf.FinishAsync());
            Assert.Equal("b: ", await handle.GetResultAsync());
        });
    }

    [Fact]
    public async Task SignalWithStart_NewThenExisting_StartsOnceAndDeliversBoth()
    {
        var result = await Workers.RunAsync(Client, async tq =>
        {
            var id = Workers.NewId("sws");
            var options = new WorkflowOptions(id, tq);
            options.SignalWithStart((InteractiveWorkflow wf) => wf.AddAsync("first"));
            var handle = await Client.StartWorkflowAsync((InteractiveWorkflow wf) => wf.RunAsync("sws"), options);
            var options2 = new WorkflowOptions(id, tq);
            options2.SignalWithStart((InteractiveWorkflow wf) => wf.AddAsync("second"));
            var handle2 = await Client.StartWorkflowAsync((InteractiveWorkflow wf) => wf.RunAsync("sws"), options2);
            Assert.Equal(handle.ResultRunId, handle2.ResultRunId);
            await handle.SignalAsync(wf => wf.FinishAsync());
            return await handle.GetResultAsync();
        });
        Assert.Equal("sws: first,second", result);
    }

    [Fact]
    public async Task Cancel_RunningWorkflow_ResultIsCanceled()
    {
        await Workers.RunAsync(Client, async tq =>
        {
            var handle = await Client.StartWorkflowAsync((BlockingWorkflow wf) => wf.RunAsync(), new(Workers.NewId("cancel"), tq));
            await handle.CancelAsync();
            var error = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync());
            Assert.IsType<CanceledFailureException>(error.InnerException);
            Assert.Equal(WorkflowExecutionStatus.Canceled, (await handle.DescribeAsync()).Status);
        });
    }

    [Fact]
    public async Task Terminate_RunningWorkflow_ResultIsTerminatedAndSignalsFail()
    {
        var handle = await Client.StartWorkflowAsync((BlockingWorkflow wf) => wf.RunAsync(), new(Workers.NewId("terminate"), Workers.NewTaskQueue()));
        await handle.TerminateAsync("operator said so");
        var error = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync());
        Assert.IsType<TerminatedFailureException>(error.InnerException);
        var rpc = await Assert.ThrowsAsync<RpcException>(() => handle.SignalAsync("anything", []));
        Assert.Equal(RpcException.StatusCode.NotFound, rpc.Code);
    }

    [Fact]
    public async Task Describe_UnknownWorkflow_ThrowsNotFound()
    {
        var handle = Client.GetWorkflowHandle(Workers.NewId("nobody"));
        var rpc = await Assert.ThrowsAsync<RpcException>(() => handle.DescribeAsync());
        Assert.Equal(RpcException.StatusCode.NotFound, rpc.Code);
    }

    [Fact]
    public async Task Timer_Workflow_SleepsAndCancelsTimer()
    {
        var result = await Workers.RunAsync(Client, tq => Client.ExecuteWorkflowAsync(
            (TimerWorkflow wf) => wf.RunAsync(300), new(Workers.NewId("timer"), tq)));
        Assert.Equal("slept True", result);
    }

    [Theory]
    [InlineData("hello", "parent saw: child got hello")]
    [InlineData("fail", "parent saw failure: ChildBroke")]
    public async Task ChildWorkflow_SucceedsOrFails_ParentSeesOutcome(string input, string expected)
    {
        var result = await Workers.RunAsync(Client, tq => Client.ExecuteWorkflowAsync(
            (ParentWorkflow wf) => wf.RunAsync(input), new(Workers.NewId("parent"), tq)));
        Assert.Equal(expected, result);
    }

    [Fact]
    public async Task ContinueAsNew_ThreeTimes_ClientFollowsRunChain()
    {
        var result = await Workers.RunAsync(Client, async tq =>
        {
            var handle = await Client.StartWorkflowAsync((CountdownWorkflow wf) => wf.RunAsync(3), new(Workers.NewId("countdown"), tq));
            var result = await handle.GetResultAsync();
            var first = await Client.GetWorkflowHandle(handle.Id, runId: handle.ResultRunId).DescribeAsync();
            Assert.Equal(WorkflowExecutionStatus.ContinuedAsNew, first.Status);
            return result;
        });
        Assert.Equal("done in run True", result);
    }

    [Fact]
    public async Task WorkflowTask_FailsOnce_IsRetriedAndCompletes()
    {
        var result = await Workers.RunAsync(Client, tq => Client.ExecuteWorkflowAsync(
            (FlakyTaskWorkflow wf) => wf.RunAsync(), new(Workers.NewId("flaky-task"), tq) { TaskTimeout = TimeSpan.FromSeconds(2) }));
        Assert.Equal("recovered", result);
    }

    [Fact]
    public async Task ExecuteWorkflow_FiftyConcurrent_AllComplete()
    {
        var results = await Workers.RunAsync(Client, tq => Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            Client.ExecuteWorkflowAsync((GreetWorkflow wf) => wf.RunAsync($"guest {i}"), new(Workers.NewId("fifty"), tq)))));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"Hello, guest {i}!"), results);
    }

    [Fact]
    public async Task Cancel_ParentWithChild_ChildIsCanceledToo()
    {
        await Workers.RunAsync(Client, async tq =>
        {
            var parent = await Client.StartWorkflowAsync((CancellingParentWorkflow wf) => wf.RunAsync(), new(Workers.NewId("cancel-parent"), tq));
            var child = Client.GetWorkflowHandle($"{parent.Id}-child");
            await Workers.WaitUntilAsync(async () =>
            {
                try
                {
                    return (await child.DescribeAsync()).Status == WorkflowExecutionStatus.Running;
                }
                catch (RpcException e) when (e.Code == RpcException.StatusCode.NotFound)
                {
                    return false;
                }
            }, what: "child started");
            await parent.CancelAsync();
            Assert.Equal("child canceled", await parent.GetResultAsync());
            Assert.Equal(WorkflowExecutionStatus.Canceled, (await child.DescribeAsync()).Status);
        });
    }

    [Fact]
    public async Task RunTimeout_Exceeded_WorkflowTimesOut()
    {
        var handle = await Client.StartWorkflowAsync((BlockingWorkflow wf) => wf.RunAsync(), new(Workers.NewId("run-timeout"), Workers.NewTaskQueue()) { RunTimeout = TimeSpan.FromMilliseconds(500) });
        var error = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync());
        Assert.IsType<TimeoutFailureException>(error.InnerException);
        Assert.Equal(WorkflowExecutionStatus.TimedOut, (await handle.DescribeAsync()).Status);
    }

    [Fact]
    public async Task SignalQueryUpdate_UnknownWorkflow_ThrowNotFound()
    {
        var handle = Client.GetWorkflowHandle<InteractiveWorkflow>(Workers.NewId("ghost"));
        Assert.Equal(RpcException.StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => handle.SignalAsync(wf => wf.AddAsync("x")))).Code);
        Assert.Equal(RpcException.StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => handle.QueryAsync(wf => wf.Items()))).Code);
        Assert.Equal(RpcException.StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => handle.CancelAsync())).Code);
        Assert.Equal(RpcException.StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => handle.TerminateAsync())).Code);
    }

    [Fact]
    public async Task SignalExternal_FromAnotherWorkflow_IsDelivered()
    {
        var result = await Workers.RunAsync(Client, async tq =>
        {
            var target = await Client.StartWorkflowAsync((InteractiveWorkflow wf) => wf.RunAsync("target"), new(Workers.NewId("target"), tq));
            Assert.Equal("sent", await Client.ExecuteWorkflowAsync((SignalSenderWorkflow wf) => wf.RunAsync(target.Id), new(Workers.NewId("sender"), tq)));
            await target.SignalAsync(wf => wf.FinishAsync());
            return await target.GetResultAsync();
        });
        Assert.Equal("target: from another workflow", result);
    }

    [Fact]
    public async Task AsyncActivity_HeartbeatAndCompleteById_WorkflowGetsResult()
    {
        var result = await Workers.RunAsync(Client, async tq =>
        {
            var key = Guid.NewGuid().ToString();
            var handle = await Client.StartWorkflowAsync((ApprovalWorkflow wf) => wf.RunAsync(key), new(Workers.NewId("approval"), tq));
            await Workers.WaitUntilAsync(() => Task.FromResult(HumanActivities.Waiting.ContainsKey(key)), what: "activity waiting");
            var (workflowId, runId, activityId) = HumanActivities.Waiting[key];
            var activity = Client.GetAsyncActivityHandle(workflowId, runId, activityId);
            await activity.HeartbeatAsync(new() { Details = ["still thinking"] });
            await activity.CompleteAsync("approved");
            return await handle.GetResultAsync();
        });
        Assert.Equal("approved", result);
    }

    [Fact]
    public async Task LocalActivityAndPatch_RecordedAsMarkers_WorkflowCompletes()
    {
        var (result, history) = await Workers.RunAsync(Client, async tq =>
        {
            var handle = await Client.StartWorkflowAsync((LocalActivityWorkflow wf) => wf.RunAsync("local"), new(Workers.NewId("local"), tq));
            return (await handle.GetResultAsync(), await handle.FetchHistoryAsync());
        });
        Assert.Equal("Hello, local! (v2)", result);
        Assert.Equal(2, history.Events.Count(e => e.EventType == EventType.MarkerRecorded));
        var replay = await new Temporalio.Worker.WorkflowReplayer(new Temporalio.Worker.WorkflowReplayerOptions().AddWorkflow<LocalActivityWorkflow>())
            .ReplayWorkflowAsync(history, throwOnReplayFailure: false);
        Assert.Null(replay.ReplayFailure);
    }

    [Fact]
    public async Task UpdateWithStart_NewThenExisting_StartsOnceAndUpdatesBoth()
    {
        var result = await Workers.RunAsync(Client, async tq =>
        {
            var id = Workers.NewId("uws");
            WithStartWorkflowOperation<WorkflowHandle<InteractiveWorkflow, string>> StartOperation() =>
                WithStartWorkflowOperation.Create((InteractiveWorkflow wf) => wf.RunAsync("first"), new(id, tq) { IdConflictPolicy = WorkflowIdConflictPolicy.UseExisting });
            var firstStart = StartOperation();
            Assert.Equal("first", await Client.ExecuteUpdateWithStartWorkflowAsync((InteractiveWorkflow wf) => wf.RenameAsync("second"), new(firstStart)));
            var secondStart = StartOperation();
            Assert.Equal("second", await Client.ExecuteUpdateWithStartWorkflowAsync((InteractiveWorkflow wf) => wf.RenameAsync("third"), new(secondStart)));
            var handle = await firstStart.GetHandleAsync();
            Assert.Equal(handle.ResultRunId, (await secondStart.GetHandleAsync()).ResultRunId);
            await handle.SignalAsync(wf => wf.FinishAsync());
            return await handle.GetResultAsync();
        });
        Assert.Equal("third: ", result);
    }

    [Fact]
    public async Task WorkflowRetryPolicy_FailsTwice_ThirdAttemptSucceeds()
    {
        var result = await Workers.RunAsync(Client, tq => Client.ExecuteWorkflowAsync(
            (RetriedWorkflow wf) => wf.RunAsync(),
            new(Workers.NewId("retried"), tq) { RetryPolicy = new() { InitialInterval = TimeSpan.FromMilliseconds(100), MaximumAttempts = 5 } }));
        Assert.Equal("succeeded on attempt 3", result);
    }

    [Fact]
    public async Task WorkflowRetryPolicy_AttemptsExhausted_FailsWithLastFailure()
    {
        var error = await Workers.RunAsync(Client, tq => Assert.ThrowsAsync<WorkflowFailedException>(() => Client.ExecuteWorkflowAsync(
            (RetriedWorkflow wf) => wf.RunAsync(),
            new(Workers.NewId("retried-out"), tq) { RetryPolicy = new() { InitialInterval = TimeSpan.FromMilliseconds(100), MaximumAttempts = 2 } })));
        Assert.Equal("attempt 2 failed", error.InnerException?.Message);
    }
}

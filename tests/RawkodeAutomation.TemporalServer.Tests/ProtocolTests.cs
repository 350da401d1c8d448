using Google.Protobuf;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace RawkodeAutomation.TemporalServer.Tests;

/// <summary>Raw gRPC calls, the way a misbehaving or stale worker would make them.</summary>
[Collection(ServerCollection.Name)]
public class ProtocolTests(ServerFixture fixture)
{
    private ITemporalClient Client => fixture.Environment.Client;

    private WorkflowService Service => Client.WorkflowService;

    private static async Task<RpcException.StatusCode> CodeOfAsync(Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        return error.Code;
    }

    private async Task<(string WorkflowId, PollWorkflowTaskQueueResponse Task)> StartAndPollAsync()
    {
        var tq = Workers.NewTaskQueue();
        var id = Workers.NewId("raw");
        await Service.StartWorkflowExecutionAsync(new StartWorkflowExecutionRequest
        {
            Namespace = "default",
            WorkflowId = id,
            WorkflowType = new WorkflowType { Name = "RawWorkflow" },
            TaskQueue = new TaskQueue { Name = tq },
            RequestId = Guid.NewGuid().ToString(),
        });
        var task = await Service.PollWorkflowTaskQueueAsync(new PollWorkflowTaskQueueRequest
        {
            Namespace = "default",
            TaskQueue = new TaskQueue { Name = tq },
            Identity = "protocol-test",
        });
        Assert.False(task.TaskToken.IsEmpty);
        return (id, task);
    }

    private static RespondWorkflowTaskCompletedRequest Complete(ByteString token) => new()
    {
        Namespace = "default",
        TaskToken = token,
        Identity = "protocol-test",
        Commands =
        {
            new Command
            {
                CommandType = CommandType.CompleteWorkflowExecution,
                CompleteWorkflowExecutionCommandAttributes = new(),
            },
        },
    };

    [Fact]
    public async Task RespondWorkflowTaskCompleted_StaleToken_ThrowsNotFound()
    {
        var (_, task) = await StartAndPollAsync();
        await Service.RespondWorkflowTaskCompletedAsync(Complete(task.TaskToken));
        Assert.Equal(RpcException.StatusCode.NotFound, await CodeOfAsync(() => Service.RespondWorkflowTaskCompletedAsync(Complete(task.TaskToken))));
    }

    [Fact]
    public async Task PollWorkflowTask_FirstTask_HasFullHistoryAndAttemptOne()
    {
        var (id, task) = await StartAndPollAsync();
        Assert.Equal(id, task.WorkflowExecution.WorkflowId);
        Assert.Equal(1, task.Attempt);
        Assert.Equal([EventType.WorkflowExecutionStarted, EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted], task.History.Events.Select(e => e.EventType));
        Assert.Equal(3, task.StartedEventId);
        await Service.RespondWorkflowTaskCompletedAsync(Complete(task.TaskToken));
    }

    [Fact]
    public async Task RespondWorkflowTaskFailed_Twice_AttemptIncrements()
    {
        var (_, task) = await StartAndPollAsync();
        await Service.RespondWorkflowTaskFailedAsync(new RespondWorkflowTaskFailedRequest { Namespace = "default", TaskToken = task.TaskToken, Identity = "protocol-test" });
        var retry = await Service.PollWorkflowTaskQueueAsync(new PollWorkflowTaskQueueRequest
        {
            Namespace = "default",
            TaskQueue = task.WorkflowExecutionTaskQueue,
            Identity = "protocol-test",
        });
        Assert.Equal(2, retry.Attempt);
        Assert.Equal(RpcException.StatusCode.NotFound, await CodeOfAsync(() => Service.RespondWorkflowTaskCompletedAsync(Complete(task.TaskToken))));
        await Service.RespondWorkflowTaskCompletedAsync(Complete(retry.TaskToken));
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 })]
    [InlineData(new byte[] { 0x52, 1, 200 })]
    public async Task RespondActivityCompleted_GarbageToken_ThrowsInvalidArgument(byte[] token)
    {
        Assert.Equal(RpcException.StatusCode.InvalidArgument, await CodeOfAsync(() => Service.RespondActivityTaskCompletedAsync(new RespondActivityTaskCompletedRequest
        {
            Namespace = "default",
            TaskToken = ByteString.CopyFrom(token),
        })));
    }

    [Fact]
    public async Task DescribeNamespace_Unknown_ThrowsNotFound()
    {
        Assert.Equal(RpcException.StatusCode.NotFound, await CodeOfAsync(() => Service.DescribeNamespaceAsync(new DescribeNamespaceRequest { Namespace = "no-such-namespace" })));
        var known = await Service.DescribeNamespaceAsync(new DescribeNamespaceRequest { Namespace = "default" });
        Assert.Equal("default", known.NamespaceInfo.Name);
    }

    [Fact]
    public async Task StartWorkflow_UnknownNamespace_ThrowsNotFound()
    {
        Assert.Equal(RpcException.StatusCode.NotFound, await CodeOfAsync(() => Service.StartWorkflowExecutionAsync(new StartWorkflowExecutionRequest
        {
            Namespace = "no-such-namespace",
            WorkflowId = "x",
            WorkflowType = new WorkflowType { Name = "X" },
            TaskQueue = new TaskQueue { Name = "x" },
        })));
    }

    [Theory]
    [InlineData("", "Type", "queue")]
    [InlineData("id", "", "queue")]
    [InlineData("id", "Type", "")]
    public async Task StartWorkflow_MissingRequiredField_ThrowsInvalidArgument(string id, string type, string queue)
    {
        Assert.Equal(RpcException.StatusCode.InvalidArgument, await CodeOfAsync(() => Service.StartWorkflowExecutionAsync(new StartWorkflowExecutionRequest
        {
            Namespace = "default",
            WorkflowId = id,
            WorkflowType = new WorkflowType { Name = type },
            TaskQueue = new TaskQueue { Name = queue },
        })));
        Assert.Equal(RpcException.StatusCode.NotFound, await CodeOfAsync(() => Service.DescribeWorkflowExecutionAsync(new DescribeWorkflowExecutionRequest
        {
            Namespace = "default",
            Execution = new Temporalio.Api.Common.V1.WorkflowExecution { WorkflowId = "id" },
        })));
    }

    [Fact]
    public async Task StartWorkflow_OversizePayload_ThrowsInvalidArgumentAndStoresNothing()
    {
        var id = Workers.NewId("huge");
        var request = new StartWorkflowExecutionRequest
        {
            Namespace = "default",
            WorkflowId = id,
            WorkflowType = new WorkflowType { Name = "X" },
            TaskQueue = new TaskQueue { Name = "x" },
            Input = new Payloads { Payloads_ = { new Payload { Data = ByteString.CopyFrom(new byte[(2 * 1024 * 1024) + 10]) } } },
        };
        Assert.Equal(RpcException.StatusCode.InvalidArgument, await CodeOfAsync(() => Service.StartWorkflowExecutionAsync(request)));
        Assert.Equal(RpcException.StatusCode.NotFound, await CodeOfAsync(() => Service.DescribeWorkflowExecutionAsync(new DescribeWorkflowExecutionRequest
        {
            Namespace = "default",
            Execution = new Temporalio.Api.Common.V1.WorkflowExecution { WorkflowId = id },
        })));
    }

    [Fact]
    public async Task PollWorkflowTask_NoTaskQueue_ThrowsInvalidArgument()
    {
        Assert.Equal(RpcException.StatusCode.InvalidArgument, await CodeOfAsync(() => Service.PollWorkflowTaskQueueAsync(new PollWorkflowTaskQueueRequest { Namespace = "default" })));
    }

    [Fact]
    public async Task GetSystemInfo_Capabilities_AdvertiseImplementedFeatures()
    {
        var info = await Service.GetSystemInfoAsync(new GetSystemInfoRequest());
        Assert.True(info.Capabilities.SdkMetadata);
        Assert.True(info.Capabilities.ActivityFailureIncludeHeartbeat);
        Assert.True(info.Capabilities.SignalAndQueryHeader);
    }

    [Fact]
    public async Task PollWorkflowTask_EmptyQueue_AnswersEmptyBeforeDeadline()
    {
        var started = DateTime.UtcNow;
        var response = await Service.PollWorkflowTaskQueueAsync(
            new PollWorkflowTaskQueueRequest { Namespace = "default", TaskQueue = new TaskQueue { Name = Workers.NewTaskQueue() } },
            new RpcOptions { Timeout = TimeSpan.FromSeconds(3) });
        Assert.True(response.TaskToken.IsEmpty);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task PollWorkflowTask_CancelledPoll_DoesNotLoseTheTask()
    {
        var tq = Workers.NewTaskQueue();
        using var cancel = new CancellationTokenSource();
        var abandoned = Service.PollWorkflowTaskQueueAsync(
            new PollWorkflowTaskQueueRequest { Namespace = "default", TaskQueue = new TaskQueue { Name = tq } },
            new RpcOptions { CancellationToken = cancel.Token });
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<Exception>(() => abandoned);
        var id = Workers.NewId("not-lost");
        await Service.StartWorkflowExecutionAsync(new StartWorkflowExecutionRequest
        {
            Namespace = "default",
            WorkflowId = id,
            WorkflowType = new WorkflowType { Name = "RawWorkflow" },
            TaskQueue = new TaskQueue { Name = tq },
        });
        var task = await Service.PollWorkflowTaskQueueAsync(
            new PollWorkflowTaskQueueRequest { Namespace = "default", TaskQueue = new TaskQueue { Name = tq } },
            new RpcOptions { Timeout = TimeSpan.FromSeconds(10) });
        Assert.Equal(id, task.WorkflowExecution.WorkflowId);
        await Service.RespondWorkflowTaskCompletedAsync(Complete(task.TaskToken));
    }

    [Fact]
    public async Task PollWorkflowTask_NotAnswered_TimesOutAndIsHandedOutAgain()
    {
        var tq = Workers.NewTaskQueue();
        await Service.StartWorkflowExecutionAsync(new StartWorkflowExecutionRequest
        {
            Namespace = "default",
            WorkflowId = Workers.NewId("wft-timeout"),
            WorkflowType = new WorkflowType { Name = "RawWorkflow" },
            TaskQueue = new TaskQueue { Name = tq },
            WorkflowTaskTimeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMilliseconds(500)),
        });
        var poll = new PollWorkflowTaskQueueRequest { Namespace = "default", TaskQueue = new TaskQueue { Name = tq } };
        var first = await Service.PollWorkflowTaskQueueAsync(poll, new RpcOptions { Timeout = TimeSpan.FromSeconds(10) });
        var second = await Service.PollWorkflowTaskQueueAsync(poll, new RpcOptions { Timeout = TimeSpan.FromSeconds(10) });
        Assert.Equal(1, first.Attempt);
        Assert.Equal(2, second.Attempt);
        Assert.Contains(second.History.Events, e => e.EventType == EventType.WorkflowTaskTimedOut);
        Assert.Equal(RpcException.StatusCode.NotFound, await CodeOfAsync(() => Service.RespondWorkflowTaskCompletedAsync(Complete(first.TaskToken))));
        await Service.RespondWorkflowTaskCompletedAsync(Complete(second.TaskToken));
    }

    [Fact]
    public async Task RespondWorkflowTaskCompleted_CloseWhileSignalArrived_IsRejectedAndRetriedWithSignal()
    {
        var (id, task) = await StartAndPollAsync();
        await Service.SignalWorkflowExecutionAsync(new SignalWorkflowExecutionRequest
        {
            Namespace = "default",
            WorkflowExecution = new() { WorkflowId = id },
            SignalName = "late",
            Identity = "protocol-test",
        });
        await Service.RespondWorkflowTaskCompletedAsync(Complete(task.TaskToken));
        var retry = await Service.PollWorkflowTaskQueueAsync(
            new PollWorkflowTaskQueueRequest { Namespace = "default", TaskQueue = task.WorkflowExecutionTaskQueue },
            new RpcOptions { Timeout = TimeSpan.FromSeconds(10) });
        var types = retry.History.Events.Select(e => e.EventType).ToList();
        Assert.Contains(EventType.WorkflowTaskFailed, types);
        Assert.True(types.IndexOf(EventType.WorkflowExecutionSignaled) > types.IndexOf(EventType.WorkflowTaskFailed));
        Assert.Equal(WorkflowTaskFailedCause.UnhandledCommand, retry.History.Events.First(e => e.EventType == EventType.WorkflowTaskFailed).WorkflowTaskFailedEventAttributes.Cause);
        await Service.RespondWorkflowTaskCompletedAsync(Complete(retry.TaskToken));
    }

    [Fact]
    public async Task RespondWorkflowTaskCompleted_ActivityWithoutTimeouts_FailsTaskAndAppliesNothing()
    {
        var (_, task) = await StartAndPollAsync();
        var request = new RespondWorkflowTaskCompletedRequest
        {
            Namespace = "default",
            TaskToken = task.TaskToken,
            Commands =
            {
                new Command { CommandType = CommandType.StartTimer, StartTimerCommandAttributes = new() { TimerId = "t", StartToFireTimeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromHours(1)) } },
                new Command { CommandType = CommandType.ScheduleActivityTask, ScheduleActivityTaskCommandAttributes = new() { ActivityId = "1", ActivityType = new ActivityType { Name = "A" } } },
            },
        };
        Assert.Equal(RpcException.StatusCode.InvalidArgument, await CodeOfAsync(() => Service.RespondWorkflowTaskCompletedAsync(request)));
        var retry = await Service.PollWorkflowTaskQueueAsync(
            new PollWorkflowTaskQueueRequest { Namespace = "default", TaskQueue = task.WorkflowExecutionTaskQueue },
            new RpcOptions { Timeout = TimeSpan.FromSeconds(10) });
        var types = retry.History.Events.Select(e => e.EventType).ToList();
        Assert.DoesNotContain(EventType.TimerStarted, types);
        Assert.DoesNotContain(EventType.WorkflowTaskCompleted, types);
        Assert.Equal(WorkflowTaskFailedCause.BadScheduleActivityAttributes, retry.History.Events.Single(e => e.EventType == EventType.WorkflowTaskFailed).WorkflowTaskFailedEventAttributes.Cause);
        Assert.Equal(2, retry.Attempt);
        await Service.RespondWorkflowTaskCompletedAsync(Complete(retry.TaskToken));
    }
}

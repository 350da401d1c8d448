using System.Net.Sockets;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;

namespace RawkodeAutomation.TemporalServer.Tests;

/// <summary>
/// Differences from real Temporal that the official SDKs' own tests (sdk-dotnet's suite, the TypeScript worker)
/// found, one test per cause, each asserting what the real server does.
/// </summary>
public sealed class SdkConformanceTests : IDisposable
{
    private readonly EngineDriver _driver = new();

    public void Dispose() => _driver.Dispose();

    private async Task<PollWorkflowTaskQueueResponse> StartAndPollAsync(Duration? runTimeout = null)
    {
        var workflowId = Workers.NewId("conformance");
        _driver.Engine.StartWorkflow(new()
        {
            Namespace = EngineDriver.Namespace,
            WorkflowId = workflowId,
            WorkflowType = new WorkflowType { Name = "Driven" },
            TaskQueue = new TaskQueue { Name = _driver.TaskQueue },
            RequestId = Guid.NewGuid().ToString(),
            WorkflowRunTimeout = runTimeout,
        });
        var task = await _driver.PollWorkflowAsync("conformance").WaitAsync(EngineDriver.Promptly);
        Assert.False(task.TaskToken.IsEmpty);
        return task;
    }

    private RespondWorkflowTaskCompletedResponse Complete(PollWorkflowTaskQueueResponse task, params Command[] commands)
    {
        var completion = new RespondWorkflowTaskCompletedRequest { Namespace = EngineDriver.Namespace, TaskToken = task.TaskToken, Identity = "conformance" };
        completion.Commands.Add(commands);
        return _driver.Engine.CompleteWorkflowTask(completion);
    }

    private List<HistoryEvent> History(PollWorkflowTaskQueueResponse task) =>
        [.. _driver.Engine.GetHistoryReverse(new() { Namespace = EngineDriver.Namespace, Execution = task.WorkflowExecution, MaximumPageSize = 1000 })
            .History.Events.Reverse()];

    private static Command ActivityWithOnlyStartToClose() => new()
    {
        CommandType = CommandType.ScheduleActivityTask,
        ScheduleActivityTaskCommandAttributes = new()
        {
            ActivityId = "1",
            ActivityType = new ActivityType { Name = "Driven" },
            StartToCloseTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(10)),
        },
    };

    [Fact]
    public async Task ScheduleActivity_OnlyStartToCloseWithoutRunTimeout_TaskCarriesZeroScheduleToClose()
    {
        var task = await StartAndPollAsync();
        Complete(task, ActivityWithOnlyStartToClose());

        var activity = await _driver.PollActivityAsync("conformance").WaitAsync(EngineDriver.Promptly);

        // The TypeScript worker refuses an activity task without schedule_to_close_timeout; zero means "no limit".
        Assert.NotNull(activity.ScheduleToCloseTimeout);
        Assert.Equal(TimeSpan.Zero, activity.ScheduleToCloseTimeout.ToTimeSpan());
        var scheduled = History(task).Single(e => e.EventType == EventType.ActivityTaskScheduled).ActivityTaskScheduledEventAttributes;
        Assert.NotNull(scheduled.ScheduleToStartTimeout);
        Assert.Equal(TimeSpan.Zero, scheduled.ScheduleToStartTimeout.ToTimeSpan());
    }

    [Fact]
    public async Task ScheduleActivity_OnlyStartToCloseWithRunTimeout_ScheduleTimeoutsAreTheRunTimeout()
    {
        var task = await StartAndPollAsync(Duration.FromTimeSpan(TimeSpan.FromMinutes(5)));
        Complete(task, ActivityWithOnlyStartToClose());

        var activity = await _driver.PollActivityAsync("conformance").WaitAsync(EngineDriver.Promptly);

        Assert.Equal(TimeSpan.FromMinutes(5), activity.ScheduleToCloseTimeout.ToTimeSpan());
        Assert.Equal(TimeSpan.FromSeconds(10), activity.StartToCloseTimeout.ToTimeSpan());
        var scheduled = History(task).Single(e => e.EventType == EventType.ActivityTaskScheduled).ActivityTaskScheduledEventAttributes;
        Assert.Equal(TimeSpan.FromMinutes(5), scheduled.ScheduleToStartTimeout.ToTimeSpan());
    }

    [Fact]
    public async Task ScheduleActivity_StartToCloseLongerThanScheduleToClose_IsCappedAtScheduleToClose()
    {
        var task = await StartAndPollAsync();
        var command = ActivityWithOnlyStartToClose();
        command.ScheduleActivityTaskCommandAttributes.StartToCloseTimeout = Duration.FromTimeSpan(TimeSpan.FromMinutes(10));
        command.ScheduleActivityTaskCommandAttributes.ScheduleToCloseTimeout = Duration.FromTimeSpan(TimeSpan.FromMinutes(1));
        Complete(task, command);

        var activity = await _driver.PollActivityAsync("conformance").WaitAsync(EngineDriver.Promptly);

        Assert.Equal(TimeSpan.FromMinutes(1), activity.StartToCloseTimeout.ToTimeSpan());
        Assert.Equal(TimeSpan.FromMinutes(1), activity.ScheduleToCloseTimeout.ToTimeSpan());
    }

    [Fact]
    public async Task Listen_ClientConnectsBeforeServerStarts_IsServedOnceStarted()
    {
        // The CLI opens the port first thing so the SDK's 5 s wait for it passes; a connection made before the
        // server is built waits in the backlog and is answered once it runs.
        // Not disposed here: the server takes the socket over and closes it when it stops.
        var socket = OfflineTemporalServer.Listen("127.0.0.1", 0);
        var port = ((System.Net.IPEndPoint)socket.LocalEndPoint!).Port;
        using (var early = new Socket(SocketType.Stream, ProtocolType.Tcp))
        {
            // What the SDK's wait for the port does: connect, then hang up.
            early.Connect(System.Net.IPAddress.Loopback, port);
        }

        var options = new OfflineTemporalServerOptions { ListenSocket = socket };
        var server = await OfflineTemporalServer.StartNewAsync(options).WaitAsync(TimeSpan.FromSeconds(30));
        try
        {
            var client = await Temporalio.Client.TemporalClient.ConnectAsync(new(server.Address)).WaitAsync(TimeSpan.FromSeconds(30));
            var info = await client.Connection.WorkflowService.GetSystemInfoAsync(new GetSystemInfoRequest()).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal($"127.0.0.1:{port}", server.Address);
            Assert.NotNull(info.Capabilities);
        }
        finally
        {
            await server.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        }

        // Stopped, the server has closed the socket it took over: the port no longer accepts connections.
        using var late = new Socket(SocketType.Stream, ProtocolType.Tcp);
        Assert.Throws<SocketException>(() => late.Connect(System.Net.IPAddress.Loopback, port));
    }

    [Fact]
    public void Listen_PortWhoseLastConnectionTheServerClosed_CanBeListenedOnAgain()
    {
        // Given a server that closed a connection itself (as a stopping server does): the port's side of it waits in
        // TIME_WAIT for a minute,
        int port;
        using (var first = OfflineTemporalServer.Listen("127.0.0.1", 0))
        {
            port = ((System.Net.IPEndPoint)first.LocalEndPoint!).Port;
            using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
            client.Connect(System.Net.IPAddress.Loopback, port);
            using var accepted = first.Accept();
            accepted.Shutdown(SocketShutdown.Both);
            accepted.Close();
            // The client reads the end of the stream, then hangs up too.
            Assert.Equal(0, client.Receive(new byte[1]));
        }

        // when the server starts again on the same port, it can listen (as a real server restarted on its port can).
        using var second = OfflineTemporalServer.Listen("127.0.0.1", port);
        Assert.Equal(port, ((System.Net.IPEndPoint)second.LocalEndPoint!).Port);
    }

    [Fact]
    public async Task Restart_SamePortWhileAWorkerPolls_ListensAgainEveryTime()
    {
        // Given a server in this process with a worker long-polling it (its connections open while the server stops),
        var server = await OfflineTemporalServer.StartNewAsync(new OfflineTemporalServerOptions { Port = 0 }).WaitAsync(TimeSpan.FromSeconds(60));
        var port = int.Parse(server.Address.Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture);
        var client = await Temporalio.Client.TemporalClient.ConnectAsync(new(server.Address)).WaitAsync(TimeSpan.FromSeconds(60));
        var tq = Workers.NewTaskQueue();
        using var worker = new Temporalio.Worker.TemporalWorker(client, Workers.Options(tq));
        using var stop = new CancellationTokenSource();
        var running = worker.ExecuteAsync(stop.Token);
        try
        {
            for (var restart = 0; restart < 5; restart++)
            {
                // (A workflow run through it: the worker is connected and polls again.)
                var handle = await client.StartWorkflowAsync((Workflows.GreetWorkflow wf) => wf.RunAsync("restart"), new(Workers.NewId("restart"), tq));
                var greeting = await handle.GetResultAsync().WaitAsync(TimeSpan.FromMinutes(2));
                Assert.Equal("Hello, restart!", greeting);
                await server.DisposeAsync();
                // when it stops and starts again on its port, it listens there again.
                server = await OfflineTemporalServer.StartNewAsync(new OfflineTemporalServerOptions { Port = port }).WaitAsync(TimeSpan.FromSeconds(60));
                Assert.Equal($"127.0.0.1:{port}", server.Address);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running).WaitAsync(TimeSpan.FromSeconds(60));
            await server.DisposeAsync();
        }
    }

    [Fact]
    public void Listen_PortAnotherServerListensOn_StillRefused()
    {
        using var first = OfflineTemporalServer.Listen("127.0.0.1", 0);
        var port = ((System.Net.IPEndPoint)first.LocalEndPoint!).Port;

        var error = Assert.Throws<IOException>(() => OfflineTemporalServer.Listen("127.0.0.1", port));
        Assert.Contains("in use", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void CountWorkflowExecutions_GroupByExecutionStatus_CountsEachStatus()
    {
        _driver.StartWorkflow();
        var terminated = _driver.StartWorkflow();
        _driver.StartWorkflow();
        _driver.Engine.Terminate(new() { Namespace = EngineDriver.Namespace, WorkflowExecution = new() { WorkflowId = terminated } });

        var count = _driver.Engine.Count(new() { Namespace = EngineDriver.Namespace, Query = $"TaskQueue = '{_driver.TaskQueue}' GROUP BY ExecutionStatus" });

        Assert.Equal(3, count.Count);
        var groups = count.Groups.ToDictionary(g => g.GroupValues.Single().Data.ToStringUtf8(), g => g.Count);
        Assert.Equal(new Dictionary<string, long> { ["\"Running\""] = 2, ["\"Terminated\""] = 1 }, groups);
        Assert.Equal("json/plain", count.Groups[0].GroupValues[0].Metadata["encoding"].ToStringUtf8());
    }

    [Theory]
    [InlineData("GROUP BY WorkflowType")]
    [InlineData("GROUP BY ExecutionStatus, WorkflowType")]
    public void CountWorkflowExecutions_GroupByOtherThanStatus_IsInvalidArgument(string query)
    {
        var error = Assert.Throws<RpcException>(() => _driver.Engine.Count(new() { Namespace = EngineDriver.Namespace, Query = query }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("GROUP BY", error.Status.Detail);
    }

    [Fact]
    public void ListWorkflowExecutions_GroupBy_IsInvalidArgument()
    {
        var error = Assert.Throws<RpcException>(() =>
            _driver.Engine.List(new() { Namespace = EngineDriver.Namespace, Query = "GROUP BY ExecutionStatus" }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    private static SearchAttributes Attributes(string name)
    {
        var attributes = new SearchAttributes();
        attributes.IndexedFields[name] = new Payload { Data = Google.Protobuf.ByteString.CopyFromUtf8("\"x\"") };
        attributes.IndexedFields[name].Metadata["encoding"] = Google.Protobuf.ByteString.CopyFromUtf8("json/plain");
        return attributes;
    }

    [Fact]
    public async Task Update_AcceptedThenWorkflowCompletes_CompletesWithAcceptedUpdateCompletedWorkflow()
    {
        var first = await StartAndPollAsync();
        Complete(first);
        var update = _driver.Engine.UpdateAsync(
            new()
            {
                Namespace = EngineDriver.Namespace,
                WorkflowExecution = new WorkflowExecution { WorkflowId = first.WorkflowExecution.WorkflowId },
                Request = new() { Meta = new() { UpdateId = "u1" }, Input = new() { Name = "never-finishes" } },
                WaitPolicy = new() { LifecycleStage = UpdateWorkflowExecutionLifecycleStage.Completed },
            },
            DateTime.UtcNow.AddMinutes(1),
            CancellationToken.None);
        var second = await _driver.PollWorkflowAsync("conformance").WaitAsync(EngineDriver.Promptly);
        var request = second.Messages.Single();

        // The worker accepts the update and completes the workflow in the same task, never answering the update.
        var completion = new RespondWorkflowTaskCompletedRequest { Namespace = EngineDriver.Namespace, TaskToken = second.TaskToken, Identity = "conformance" };
        completion.Messages.Add(new Temporalio.Api.Protocol.V1.Message
        {
            Id = "u1/accept",
            ProtocolInstanceId = "u1",
            Body = Any.Pack(new Temporalio.Api.Update.V1.Acceptance { AcceptedRequestMessageId = request.Id, AcceptedRequestSequencingEventId = request.EventId }),
        });
        completion.Commands.Add(new Command { CommandType = CommandType.ProtocolMessage, ProtocolMessageCommandAttributes = new() { MessageId = "u1/accept" } });
        completion.Commands.Add(new Command { CommandType = CommandType.CompleteWorkflowExecution, CompleteWorkflowExecutionCommandAttributes = new() });
        _driver.Engine.CompleteWorkflowTask(completion);

        var outcome = (await update.WaitAsync(EngineDriver.Promptly)).Outcome;
        Assert.Equal("AcceptedUpdateCompletedWorkflow", outcome.Failure.ApplicationFailureInfo.Type);
        Assert.True(outcome.Failure.ApplicationFailureInfo.NonRetryable);
    }

    [Fact]
    public async Task Update_DeadlineShorterThanLongPoll_FailsDeadlineExceededInsteadOfAnsweringAdmitted()
    {
        // No worker: the update stays admitted. Answering "admitted" before a short deadline makes the SDK send the
        // update again at once, for ever (sdk-dotnet's ExecuteWorkflowAsync_Updates_ClientTimedOut hung); the real
        // server answers with the reached stage only when its own long-poll interval ends first.
        var first = await StartAndPollAsync();
        Complete(first);
        var request = new UpdateWorkflowExecutionRequest
        {
            Namespace = EngineDriver.Namespace,
            WorkflowExecution = new WorkflowExecution { WorkflowId = first.WorkflowExecution.WorkflowId },
            Request = new() { Meta = new() { UpdateId = "short" }, Input = new() { Name = "never-accepted" } },
            WaitPolicy = new() { LifecycleStage = UpdateWorkflowExecutionLifecycleStage.Accepted },
        };

        var update = _driver.Engine.UpdateAsync(request, DateTime.UtcNow.AddMilliseconds(300), CancellationToken.None);
        var poll = _driver.Engine.PollUpdateAsync(
            new()
            {
                Namespace = EngineDriver.Namespace,
                UpdateRef = new() { WorkflowExecution = new WorkflowExecution { WorkflowId = first.WorkflowExecution.WorkflowId }, UpdateId = "short" },
                WaitPolicy = new() { LifecycleStage = UpdateWorkflowExecutionLifecycleStage.Completed },
            },
            DateTime.UtcNow.AddMilliseconds(300),
            CancellationToken.None);

        var failed = await Assert.ThrowsAsync<RpcException>(() => update.WaitAsync(EngineDriver.Promptly));
        Assert.Equal(StatusCode.DeadlineExceeded, failed.StatusCode);
        var pollFailed = await Assert.ThrowsAsync<RpcException>(() => poll.WaitAsync(EngineDriver.Promptly));
        Assert.Equal(StatusCode.DeadlineExceeded, pollFailed.StatusCode);
    }

    [Fact]
    public void CompileCronStrings_CronWithZone_BecomesStructuredCalendarAndSpecZone()
    {
        var spec = new Temporalio.Api.Schedule.V1.ScheduleSpec { CronString = { "CRON_TZ=Europe/London 0 12 * * MON" } };

        Schedules.ScheduleSpecCalculator.CompileCronStrings(spec);

        Assert.Empty(spec.CronString);
        var calendar = Assert.Single(spec.StructuredCalendar);
        Assert.Equal(12, calendar.Hour.Single().Start);
        Assert.Equal(0, calendar.Minute.Single().Start);
        Assert.Equal(1, calendar.DayOfWeek.Single().Start);
        Assert.Equal("Europe/London", spec.TimezoneName);
    }

    [Fact]
    public async Task CompleteWorkflowTask_NexusOperationOnUnregisteredEndpoint_FailsTheTaskWithTheCauseInHistory()
    {
        var task = await StartAndPollAsync();
        var nexus = new Command
        {
            CommandType = CommandType.ScheduleNexusOperation,
            ScheduleNexusOperationCommandAttributes = new() { Endpoint = "nowhere", Service = "s", Operation = "o" },
        };

        Assert.Throws<RpcException>(() => Complete(task, nexus));

        var failed = History(task).Last(e => e.EventType == EventType.WorkflowTaskFailed).WorkflowTaskFailedEventAttributes;
        Assert.Equal(WorkflowTaskFailedCause.BadScheduleNexusOperationAttributes, failed.Cause);
        Assert.Contains("endpoint \"nowhere\" is not registered", failed.Failure.Message);
    }

    [Fact]
    public void Describe_CancelRequested_ExtendedInfoSaysSo()
    {
        var execution = new WorkflowExecution { WorkflowId = _driver.StartWorkflow() };
        DescribeWorkflowExecutionResponse Describe() => _driver.Engine.Describe(new() { Namespace = EngineDriver.Namespace, Execution = execution });
        Assert.False(Describe().WorkflowExtendedInfo.CancelRequested);

        _driver.Engine.RequestCancel(new() { Namespace = EngineDriver.Namespace, WorkflowExecution = execution, RequestId = Guid.NewGuid().ToString() });

        // sdk-dotnet's Nexus cancel tests read workflow_extended_info.cancel_requested of the handler's workflow.
        Assert.True(Describe().WorkflowExtendedInfo.CancelRequested);
    }

    [Fact]
    public void RequestCancel_ClosedWorkflow_SucceedsWithoutChangingIt()
    {
        var workflowId = _driver.StartWorkflow();
        var execution = new WorkflowExecution { WorkflowId = workflowId };
        _driver.Engine.Terminate(new() { Namespace = EngineDriver.Namespace, WorkflowExecution = execution });
        var before = _driver.Engine.GetHistoryReverse(new() { Namespace = EngineDriver.Namespace, Execution = execution }).History.Events.Count;

        _driver.Engine.RequestCancel(new() { Namespace = EngineDriver.Namespace, WorkflowExecution = execution, RequestId = Guid.NewGuid().ToString() });

        Assert.Equal(before, _driver.Engine.GetHistoryReverse(new() { Namespace = EngineDriver.Namespace, Execution = execution }).History.Events.Count);
    }

    [Fact]
    public void StartWorkflow_UnregisteredSearchAttribute_IsInvalidArgumentNamingIt()
    {
        var error = Assert.Throws<RpcException>(() => _driver.Engine.StartWorkflow(new()
        {
            Namespace = EngineDriver.Namespace,
            WorkflowId = Workers.NewId("conformance"),
            WorkflowType = new WorkflowType { Name = "Driven" },
            TaskQueue = new TaskQueue { Name = _driver.TaskQueue },
            RequestId = Guid.NewGuid().ToString(),
            SearchAttributes = Attributes("NeverRegistered"),
        }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("search attribute NeverRegistered is not defined", error.Status.Detail);
    }

    [Fact]
    public async Task UpsertSearchAttributes_Unregistered_FailsWorkflowTaskWithBadSearchAttributes()
    {
        var task = await StartAndPollAsync();
        var upsert = new Command
        {
            CommandType = CommandType.UpsertWorkflowSearchAttributes,
            UpsertWorkflowSearchAttributesCommandAttributes = new() { SearchAttributes = Attributes("NeverRegistered") },
        };

        Assert.Throws<RpcException>(() => Complete(task, upsert));

        var failed = History(task).Last(e => e.EventType == EventType.WorkflowTaskFailed).WorkflowTaskFailedEventAttributes;
        Assert.Equal(WorkflowTaskFailedCause.BadSearchAttributes, failed.Cause);
        Assert.Contains("NeverRegistered", failed.Failure.Message);
    }

    [Fact]
    public void StartWorkflow_PredefinedAndAddedSearchAttributes_AreAccepted()
    {
        _driver.Engine.AddSearchAttributes(new() { Namespace = EngineDriver.Namespace, SearchAttributes = { ["AddedKeyword"] = IndexedValueType.Keyword } });

        foreach (var name in new[] { "CustomKeywordField", "AddedKeyword" })
        {
            _driver.Engine.StartWorkflow(new()
            {
                Namespace = EngineDriver.Namespace,
                WorkflowId = Workers.NewId("conformance"),
                WorkflowType = new WorkflowType { Name = "Driven" },
                TaskQueue = new TaskQueue { Name = _driver.TaskQueue },
                RequestId = Guid.NewGuid().ToString(),
                SearchAttributes = Attributes(name),
            });
        }
        var listed = _driver.Engine.ListSearchAttributes(new() { Namespace = EngineDriver.Namespace });

        Assert.Equal(IndexedValueType.Keyword, listed.CustomAttributes["AddedKeyword"]);
        Assert.Equal(IndexedValueType.Keyword, listed.SystemAttributes["WorkflowId"]);
    }

    [Fact]
    public void AddSearchAttributes_ExistingNameWithOtherType_IsInvalidArgument()
    {
        var error = Assert.Throws<RpcException>(() => _driver.Engine.AddSearchAttributes(
            new() { Namespace = EngineDriver.Namespace, SearchAttributes = { ["CustomKeywordField"] = IndexedValueType.Int } }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }
}

/// <summary>The services besides the WorkflowService that the SDKs call, over the wire of an in-process server.</summary>
public sealed class SdkConformanceServiceTests : IAsyncLifetime
{
    private OfflineTemporalServer? _server;
    private Temporalio.Client.TemporalClient? _client;

    private Temporalio.Client.TemporalClient Client => _client ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _server = await OfflineTemporalServer.StartNewAsync(new());
        _client = await Temporalio.Client.TemporalClient.ConnectAsync(new(_server.Address));
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task CheckHealth_WorkflowService_IsServing()
    {
        Assert.True(await Client.Connection.CheckHealthAsync());
    }

    [Fact]
    public async Task OperatorService_AddThenListSearchAttributes_ListsTheAddedOne()
    {
        await Client.Connection.OperatorService.AddSearchAttributesAsync(new()
        {
            Namespace = "default",
            SearchAttributes = { ["OperatorAddedInt"] = IndexedValueType.Int },
        });

        var listed = await Client.Connection.OperatorService.ListSearchAttributesAsync(new() { Namespace = "default" });

        Assert.Equal(IndexedValueType.Int, listed.CustomAttributes["OperatorAddedInt"]);
        Assert.Equal(IndexedValueType.Text, listed.CustomAttributes["CustomTextField"]);
    }
}

using Grpc.Core;
using RawkodeAutomation.TemporalServer.Engine;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Deployment.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;

namespace RawkodeAutomation.TemporalServer.Tests;

// The deprecated string and previous-version fields are part of what the server answers; the tests read them too.
#pragma warning disable CS0612

/// <summary>
/// Worker deployments (https://docs.temporal.io/worker-versioning): versions registered by versioned workers' polls,
/// the routing config set through the conflict token, and what a versioned worker's workflow task records.
/// </summary>
public sealed class WorkerDeploymentTests : IDisposable
{
    private readonly EngineDriver _driver = new();
    private readonly string _deployment = Workers.NewId("deployment");

    public void Dispose() => _driver.Dispose();

    private WorkerDeploymentOptions Versioned(string buildId) =>
        new() { DeploymentName = _deployment, BuildId = buildId, WorkerVersioningMode = WorkerVersioningMode.Versioned };

    private Task<PollWorkflowTaskQueueResponse> PollAsync(string buildId, CancellationToken cancellation = default) =>
        _driver.Engine.PollWorkflowTaskAsync(
            new()
            {
                Namespace = EngineDriver.Namespace,
                TaskQueue = new TaskQueue { Name = _driver.TaskQueue },
                Identity = buildId,
                DeploymentOptions = Versioned(buildId),
            },
            DateTime.MaxValue,
            cancellation);

    private DescribeWorkerDeploymentResponse Describe() =>
        _driver.Engine.DescribeWorkerDeployment(new() { Namespace = EngineDriver.Namespace, DeploymentName = _deployment });

    /// <summary>Registers <paramref name="buildId"/> by a poll that is then cancelled.</summary>
    private async Task RegisterAsync(string buildId)
    {
        using var cancel = new CancellationTokenSource();
        var poll = PollAsync(buildId, cancel.Token);
        await Workers.WaitUntilAsync(
            () => Task.FromResult(Describe().WorkerDeploymentInfo.VersionSummaries.Any(v => v.DeploymentVersion.BuildId == buildId)),
            EngineDriver.Promptly,
            $"version {buildId} registered");
        await cancel.CancelAsync();
        await Task.WhenAny(poll);
    }

    [Fact]
    public void DescribeWorkerDeployment_NoWorkerPolled_NotFound()
    {
        var ex = Assert.Throws<RpcException>(Describe);
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
    }

    [Fact]
    public async Task DescribeWorkerDeployment_VersionedWorkerPolled_ListsItsVersionInactiveAndUnversionedCurrent()
    {
        await RegisterAsync("1.0");

        var info = Describe().WorkerDeploymentInfo;
        var summary = Assert.Single(info.VersionSummaries);
        Assert.Equal($"{_deployment}.1.0", summary.Version);
        Assert.Equal(WorkerDeploymentVersionStatus.Inactive, summary.Status);
        Assert.Equal("__unversioned__", info.RoutingConfig.CurrentVersion);
        Assert.Null(info.RoutingConfig.CurrentDeploymentVersion);
    }

    [Fact]
    public async Task SetWorkerDeploymentCurrentVersion_WithDescribedToken_BecomesCurrentAndPreviousDrains()
    {
        await RegisterAsync("1.0");
        await RegisterAsync("2.0");

        var first = _driver.Engine.SetWorkerDeploymentCurrentVersion(new()
        {
            Namespace = EngineDriver.Namespace, DeploymentName = _deployment, BuildId = "1.0", ConflictToken = Describe().ConflictToken, Identity = "test",
        });
        Assert.Equal("__unversioned__", first.PreviousVersion);
        var second = _driver.Engine.SetWorkerDeploymentCurrentVersion(new()
        {
            Namespace = EngineDriver.Namespace, DeploymentName = _deployment, BuildId = "2.0", ConflictToken = first.ConflictToken, Identity = "test",
        });

        Assert.Equal("1.0", second.PreviousDeploymentVersion.BuildId);
        var info = Describe().WorkerDeploymentInfo;
        Assert.Equal("2.0", info.RoutingConfig.CurrentDeploymentVersion.BuildId);
        Assert.Equal("test", info.LastModifierIdentity);
        Assert.Equal(WorkerDeploymentVersionStatus.Draining, info.VersionSummaries.Single(v => v.DeploymentVersion.BuildId == "1.0").Status);
        Assert.Equal(WorkerDeploymentVersionStatus.Current, info.VersionSummaries.Single(v => v.DeploymentVersion.BuildId == "2.0").Status);
    }

    [Fact]
    public async Task SetWorkerDeploymentCurrentVersion_StaleConflictToken_FailedPrecondition()
    {
        await RegisterAsync("1.0");
        var stale = Describe().ConflictToken;
        await RegisterAsync("2.0");

        var ex = Assert.Throws<RpcException>(() => _driver.Engine.SetWorkerDeploymentCurrentVersion(new()
        {
            Namespace = EngineDriver.Namespace, DeploymentName = _deployment, BuildId = "1.0", ConflictToken = stale,
        }));
        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
    }

    [Fact]
    public async Task SetWorkerDeploymentCurrentVersion_VersionNeverPolled_FailedPreconditionUnlessAllowNoPollers()
    {
        await RegisterAsync("1.0");

        var ex = Assert.Throws<RpcException>(() => _driver.Engine.SetWorkerDeploymentCurrentVersion(new()
        {
            Namespace = EngineDriver.Namespace, DeploymentName = _deployment, BuildId = "9.9",
        }));
        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        _driver.Engine.SetWorkerDeploymentCurrentVersion(new()
        {
            Namespace = EngineDriver.Namespace, DeploymentName = _deployment, BuildId = "9.9", AllowNoPollers = true,
        });
        Assert.Equal("9.9", Describe().WorkerDeploymentInfo.RoutingConfig.CurrentDeploymentVersion.BuildId);
    }

    [Fact]
    public async Task SetWorkerDeploymentRampingVersion_Percentage_RampsAndEmptyVersionStops()
    {
        await RegisterAsync("1.0");
        await RegisterAsync("2.0");

        _driver.Engine.SetWorkerDeploymentRampingVersion(new()
        {
            Namespace = EngineDriver.Namespace, DeploymentName = _deployment, BuildId = "2.0", Percentage = 25,
        });
        var ramping = Describe().WorkerDeploymentInfo;
        Assert.Equal("2.0", ramping.RoutingConfig.RampingDeploymentVersion.BuildId);
        Assert.Equal(25, ramping.RoutingConfig.RampingVersionPercentage);
        Assert.Equal(WorkerDeploymentVersionStatus.Ramping, ramping.VersionSummaries.Single(v => v.DeploymentVersion.BuildId == "2.0").Status);

        var stopped = _driver.Engine.SetWorkerDeploymentRampingVersion(new() { Namespace = EngineDriver.Namespace, DeploymentName = _deployment });
        Assert.Equal(25, stopped.PreviousPercentage);
        Assert.Null(Describe().WorkerDeploymentInfo.RoutingConfig.RampingDeploymentVersion);
    }

    [Fact]
    public async Task RespondWorkflowTaskCompleted_VersionedPinnedWorker_RecordsVersionAndBehaviour()
    {
        await RegisterAsync("1.0");
        SetCurrent("1.0");
        var workflowId = _driver.StartWorkflow();
        var task = await PollAsync("1.0").WaitAsync(EngineDriver.Promptly);

        CompleteWithBehaviour(task, "1.0", VersioningBehavior.Pinned, new Command
        {
            CommandType = CommandType.CompleteWorkflowExecution,
            CompleteWorkflowExecutionCommandAttributes = new(),
        });

        var history = _driver.Engine.GetHistoryReverse(new()
        {
            Namespace = EngineDriver.Namespace, Execution = new WorkflowExecution { WorkflowId = workflowId }, MaximumPageSize = 1000,
        }).History.Events;
        var completed = history.Single(e => e.EventType == EventType.WorkflowTaskCompleted).WorkflowTaskCompletedEventAttributes;
        Assert.Equal(VersioningBehavior.Pinned, completed.VersioningBehavior);
        Assert.Equal(new WorkerDeploymentVersion { DeploymentName = _deployment, BuildId = "1.0" }, completed.DeploymentVersion);
        Assert.Equal(_deployment, completed.WorkerDeploymentName);
        var versioning = _driver.Engine.Describe(new()
        {
            Namespace = EngineDriver.Namespace, Execution = new WorkflowExecution { WorkflowId = workflowId },
        }).WorkflowExecutionInfo.VersioningInfo;
        Assert.Equal(VersioningBehavior.Pinned, versioning.Behavior);
        Assert.Equal("1.0", versioning.DeploymentVersion.BuildId);
    }

    private PollWorkflowTaskQueueRequest UnversionedPoll() =>
        new() { Namespace = EngineDriver.Namespace, TaskQueue = new TaskQueue { Name = _driver.TaskQueue }, Identity = "unversioned" };

    private void SetCurrent(string buildId) => _driver.Engine.SetWorkerDeploymentCurrentVersion(new()
    {
        Namespace = EngineDriver.Namespace, DeploymentName = _deployment, BuildId = buildId,
    });

    /// <summary>Completes <paramref name="task"/> as the worker of <paramref name="buildId"/> with <paramref name="commands"/>.</summary>
    private void CompleteWithBehaviour(PollWorkflowTaskQueueResponse task, string buildId, VersioningBehavior behaviour, params Command[] commands) =>
        _driver.Engine.CompleteWorkflowTask(new()
        {
            Namespace = EngineDriver.Namespace,
            TaskToken = task.TaskToken,
            Identity = buildId,
            VersioningBehavior = behaviour,
            DeploymentOptions = Versioned(buildId),
            Commands = { commands },
        });

    [Fact]
    public async Task PollWorkflowTaskQueue_VersionedQueueWithoutCurrent_TaskGoesToTheUnversionedPoller()
    {
        // Given a task queue a versioned worker polls, with no current version
        using var cancel = new CancellationTokenSource();
        var versioned = PollAsync("1.0", cancel.Token);
        await _driver.WaitParkedAsync(TaskKind.Workflow, 1);

        // When a workflow starts and an unversioned worker polls
        _driver.StartWorkflow();
        var task = await _driver.Engine.PollWorkflowTaskAsync(UnversionedPoll(), DateTime.MaxValue, CancellationToken.None).WaitAsync(EngineDriver.Promptly);

        // Then the unversioned worker has the task and the versioned poll is still waiting
        Assert.False(task.TaskToken.IsEmpty);
        Assert.False(versioned.IsCompleted);
        await cancel.CancelAsync();
        await Task.WhenAny(versioned);
    }

    [Fact]
    public async Task PollWorkflowTaskQueue_CurrentVersionSet_TaskGoesToThatVersionsPollerOnly()
    {
        await RegisterAsync("1.0");
        await RegisterAsync("2.0");
        SetCurrent("2.0");
        using var cancel = new CancellationTokenSource();
        var old = PollAsync("1.0", cancel.Token);
        await _driver.WaitParkedAsync(TaskKind.Workflow, 1);

        _driver.StartWorkflow();
        var task = await PollAsync("2.0").WaitAsync(EngineDriver.Promptly);

        Assert.False(task.TaskToken.IsEmpty);
        Assert.False(old.IsCompleted);
        await cancel.CancelAsync();
        await Task.WhenAny(old);
    }

    [Fact]
    public async Task PollWorkflowTaskQueue_PinnedWorkflowAfterNewCurrent_StaysOnItsVersionWhileAutoUpgradeMoves()
    {
        // Given a pinned and an auto-upgrade workflow, each past a first task on 1.0
        await RegisterAsync("1.0");
        await RegisterAsync("2.0");
        SetCurrent("1.0");
        var pinned = _driver.StartWorkflow();
        CompleteWithBehaviour(await PollAsync("1.0").WaitAsync(EngineDriver.Promptly), "1.0", VersioningBehavior.Pinned);
        var upgrading = _driver.StartWorkflow();
        CompleteWithBehaviour(await PollAsync("1.0").WaitAsync(EngineDriver.Promptly), "1.0", VersioningBehavior.AutoUpgrade);

        // When 2.0 becomes current and both workflows get a signal
        SetCurrent("2.0");
        foreach (var workflowId in new[] { pinned, upgrading })
        {
            _driver.Engine.Signal(new()
            {
                Namespace = EngineDriver.Namespace,
                WorkflowExecution = new WorkflowExecution { WorkflowId = workflowId },
                SignalName = "poke",
                RequestId = Guid.NewGuid().ToString(),
            });
        }

        // Then the pinned one's task goes to 1.0 and the other's to 2.0
        Assert.Equal(pinned, (await PollAsync("1.0").WaitAsync(EngineDriver.Promptly)).WorkflowExecution.WorkflowId);
        Assert.Equal(upgrading, (await PollAsync("2.0").WaitAsync(EngineDriver.Promptly)).WorkflowExecution.WorkflowId);
    }

    /// <summary>Starts a workflow whose first task 1.0 completes pinned, then makes 2.0 current.</summary>
    private async Task<(string WorkflowId, PollWorkflowTaskQueueResponse FirstTask)> PinnedThenNewCurrentAsync()
    {
        await RegisterAsync("1.0");
        await RegisterAsync("2.0");
        SetCurrent("1.0");
        var workflowId = _driver.StartWorkflow();
        var first = await PollAsync("1.0").WaitAsync(EngineDriver.Promptly);
        CompleteWithBehaviour(first, "1.0", VersioningBehavior.Pinned);
        SetCurrent("2.0");
        _driver.Engine.Signal(new()
        {
            Namespace = EngineDriver.Namespace,
            WorkflowExecution = new WorkflowExecution { WorkflowId = workflowId },
            SignalName = "poke",
            RequestId = Guid.NewGuid().ToString(),
        });
        return (workflowId, first);
    }

    [Fact]
    public async Task PollWorkflowTaskQueue_PinnedWorkflowAfterNewCurrent_StartedEventSaysTargetVersionChanged()
    {
        var (_, first) = await PinnedThenNewCurrentAsync();

        var task = await PollAsync("1.0").WaitAsync(EngineDriver.Promptly);

        Assert.False(first.History.Events.Last(e => e.EventType == EventType.WorkflowTaskStarted).WorkflowTaskStartedEventAttributes.TargetWorkerDeploymentVersionChanged);
        Assert.True(task.History.Events.Last(e => e.EventType == EventType.WorkflowTaskStarted).WorkflowTaskStartedEventAttributes.TargetWorkerDeploymentVersionChanged);
    }

    [Theory]
    [InlineData(ContinueAsNewVersioningBehavior.AutoUpgrade, "2.0")]
    [InlineData(ContinueAsNewVersioningBehavior.Unspecified, "1.0")]
    public async Task RespondWorkflowTaskCompleted_PinnedRunContinuesAsNew_NewRunGoesToCurrentOnlyWithAutoUpgrade(
        ContinueAsNewVersioningBehavior initial, string expectedBuildId)
    {
        var (workflowId, _) = await PinnedThenNewCurrentAsync();
        var task = await PollAsync("1.0").WaitAsync(EngineDriver.Promptly);
        CompleteWithBehaviour(task, "1.0", VersioningBehavior.Pinned, new Command
        {
            CommandType = CommandType.ContinueAsNewWorkflowExecution,
            ContinueAsNewWorkflowExecutionCommandAttributes = new()
            {
                WorkflowType = new WorkflowType { Name = "Driven" },
                TaskQueue = new TaskQueue { Name = _driver.TaskQueue },
                InitialVersioningBehavior = initial,
            },
        });

        var next = await PollAsync(expectedBuildId).WaitAsync(EngineDriver.Promptly);

        Assert.Equal(workflowId, next.WorkflowExecution.WorkflowId);
        Assert.NotEqual(task.WorkflowExecution.RunId, next.WorkflowExecution.RunId);
    }

    [Fact]
    public async Task StartWorkflow_PinnedVersioningOverride_RecordedAndTasksGoToThatVersionAfterAutoUpgradeCompletion()
    {
        // Given 2.0 current, a workflow started pinned to 1.0 by the caller (sdk-dotnet's WorkflowsCanUseVersioningOverride)
        await RegisterAsync("1.0");
        await RegisterAsync("2.0");
        SetCurrent("2.0");
        var workflowId = Workers.NewId("override");
        var pinnedOverride = new Temporalio.Api.Workflow.V1.VersioningOverride
        {
            Pinned = new()
            {
                Behavior = Temporalio.Api.Workflow.V1.VersioningOverride.Types.PinnedOverrideBehavior.Pinned,
                Version = new WorkerDeploymentVersion { DeploymentName = _deployment, BuildId = "1.0" },
            },
        };
        _driver.Engine.StartWorkflow(new()
        {
            Namespace = EngineDriver.Namespace,
            WorkflowId = workflowId,
            WorkflowType = new WorkflowType { Name = "Driven" },
            TaskQueue = new TaskQueue { Name = _driver.TaskQueue },
            RequestId = Guid.NewGuid().ToString(),
            VersioningOverride = pinnedOverride,
        });

        // When 1.0 completes its first task declaring auto-upgrade and a signal needs another task
        var first = await PollAsync("1.0").WaitAsync(EngineDriver.Promptly);
        CompleteWithBehaviour(first, "1.0", VersioningBehavior.AutoUpgrade);
        _driver.Engine.Signal(new()
        {
            Namespace = EngineDriver.Namespace,
            WorkflowExecution = new WorkflowExecution { WorkflowId = workflowId },
            SignalName = "poke",
            RequestId = Guid.NewGuid().ToString(),
        });

        // Then the override is on the started event and in describe, and the next task still goes to 1.0
        Assert.Equal(pinnedOverride, first.History.Events[0].WorkflowExecutionStartedEventAttributes.VersioningOverride);
        var described = _driver.Engine.Describe(new() { Namespace = EngineDriver.Namespace, Execution = new WorkflowExecution { WorkflowId = workflowId } });
        Assert.Equal(pinnedOverride, described.WorkflowExecutionInfo.VersioningInfo.VersioningOverride);
        Assert.Equal(workflowId, (await PollAsync("1.0").WaitAsync(EngineDriver.Promptly)).WorkflowExecution.WorkflowId);
    }
}

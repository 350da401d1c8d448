using System.Buffers.Binary;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Deployment.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;

namespace RawkodeAutomation.TemporalServer.Engine;

// The deprecated string forms of versions (deployment.build) and the previous-version fields are still what older
// SDKs and the CLI send and read; the real server fills both forms, and so does this one.
#pragma warning disable CS0612

/// <summary>
/// Worker deployments (https://docs.temporal.io/worker-versioning): a versioned worker's poll registers its version
/// (deployment name + build id) in its deployment; <c>DescribeWorkerDeployment</c> lists the versions and the routing
/// config; <c>SetWorkerDeploymentCurrentVersion</c>/<c>RampingVersion</c> change it, guarded by the conflict token the
/// describe returned. Workflow tasks completed by a versioned worker record its version and the workflow's versioning
/// behaviour in history and in <c>DescribeWorkflowExecution</c>'s versioning info. Once a versioned worker has polled
/// a task queue, its tasks go by version: a pinned workflow's to its version, any other's to the current version (or
/// the ramping one, for the ramp's share of workflow ids), and to unversioned workers while no version is current.
/// Not done: drainage, the versioning override, and the version chosen on continue-as-new.
/// </summary>
internal sealed partial class TemporalEngine
{
    private sealed class DeploymentState(string name, DateTime created)
    {
        public string Name { get; } = name;
        public DateTime Created { get; } = created;
        public long Revision { get; set; }
        public string LastModifierIdentity { get; set; } = "";
        public Dictionary<string, DeploymentVersionState> Versions { get; } = new(StringComparer.Ordinal);
        public string? CurrentBuildId { get; set; }
        public DateTime? CurrentChanged { get; set; }
        public string? RampingBuildId { get; set; }
        public float RampingPercentage { get; set; }
        public DateTime? RampingChanged { get; set; }
    }

    private sealed class DeploymentVersionState(string buildId, DateTime created)
    {
        public string BuildId { get; } = buildId;
        public DateTime Created { get; } = created;
        public WorkerDeploymentVersionStatus Status { get; set; } = WorkerDeploymentVersionStatus.Inactive;
        public DateTime? CurrentSince { get; set; }
        public DateTime? RampingSince { get; set; }
        public DateTime? RoutingUpdated { get; set; }
    }

    private readonly Dictionary<(string Namespace, string Name), DeploymentState> _deployments = [];

    /// <summary>The deployment each task queue a versioned worker polled belongs to.</summary>
    private readonly Dictionary<(string Namespace, string TaskQueue), string> _taskQueueDeployments = [];

    /// <summary>The real server's spelling of a version in the deprecated string fields: <c>deployment.build</c>.</summary>
    private static string CanonicalVersion(string deploymentName, string buildId) => $"{deploymentName}.{buildId}";

    /// <summary>Registers the version of a versioned worker's poll (a no-op for any other poll).</summary>
    private void RegisterDeploymentVersion(string ns, string taskQueue, Temporalio.Api.Deployment.V1.WorkerDeploymentOptions? options)
    {
        if (options is not { WorkerVersioningMode: WorkerVersioningMode.Versioned } || string.IsNullOrEmpty(options.DeploymentName)
            || string.IsNullOrEmpty(options.BuildId))
        {
            return;
        }
        lock (_gate)
        {
            RequireNamespace(ns);
            var now = Now;
            if (!_deployments.TryGetValue((ns, options.DeploymentName), out var deployment))
            {
                deployment = new DeploymentState(options.DeploymentName, now);
                _deployments[(ns, options.DeploymentName)] = deployment;
            }
            if (!deployment.Versions.ContainsKey(options.BuildId))
            {
                deployment.Versions[options.BuildId] = new DeploymentVersionState(options.BuildId, now);
                deployment.Revision++;
            }
            if (!_taskQueueDeployments.TryGetValue((ns, taskQueue), out var known) || known != options.DeploymentName)
            {
                _taskQueueDeployments[(ns, taskQueue)] = options.DeploymentName;
                foreach (var kind in new[] { TaskKind.Workflow, TaskKind.Activity })
                {
                    var queue = Queue(ns, taskQueue, kind);
                    queue.Routed = true;
                    // Tasks already queued may now be for other pollers than the ones parked.
                    queue.WakeAll();
                }
            }
        }
    }

    /// <summary>
    /// Whether a task is for a poller with <paramref name="options"/> (called under the engine lock): always, on a
    /// task queue no versioned worker has polled; otherwise when the poller's build id is the task's target version
    /// (null, unversioned, for a poller without versioning).
    /// </summary>
    private bool IsForWorkerVersion(string ns, string taskQueue, Temporalio.Api.Deployment.V1.WorkerDeploymentOptions? options, TaskEntry entry)
    {
        if (!_taskQueueDeployments.TryGetValue((ns, taskQueue), out var deploymentName))
        {
            return true;
        }
        var versioned = options is { WorkerVersioningMode: WorkerVersioningMode.Versioned };
        if (versioned && options!.DeploymentName != deploymentName)
        {
            return false;
        }
        return TargetBuildId(ns, deploymentName, entry) == (versioned ? options!.BuildId : null);
    }

    /// <summary>The build id a task goes to (null: unversioned workers).</summary>
    private string? TargetBuildId(string ns, string deploymentName, TaskEntry entry)
    {
        var run = _runs.GetValueOrDefault(entry.RunId);
        if (run is not null && PinnedVersion(run) is { } pinned && pinned.DeploymentName == deploymentName)
        {
            return pinned.BuildId;
        }
        return _deployments.TryGetValue((ns, deploymentName), out var deployment) ? UnpinnedTarget(deployment, run) : null;
    }

    /// <summary>Where a workflow that is not pinned goes: the ramping version for its share of ids, else the current one.</summary>
    private static string? UnpinnedTarget(DeploymentState deployment, RunState? run)
    {
        if (deployment.RampingBuildId is { } ramping && run is not null
            && ((run.StartsOnRampingVersion && run.VersioningInfo is null) || RampBucket(run.WorkflowId) < deployment.RampingPercentage))
        {
            return ramping;
        }
        return deployment.CurrentBuildId;
    }

    /// <summary>
    /// For <c>WorkflowTaskStarted.target_worker_deployment_version_changed</c>: a pinned workflow whose deployment
    /// would now send it elsewhere (the SDK's <c>Workflow.TargetWorkerDeploymentVersionChanged</c>, the cue to
    /// continue as new onto the new version).
    /// </summary>
    private bool TargetVersionChanged(RunState run) =>
        PinnedVersion(run) is { } pinned
        && _deployments.TryGetValue((run.Namespace, pinned.DeploymentName), out var deployment)
        && UnpinnedTarget(deployment, run) != pinned.BuildId;

    /// <summary>
    /// The version a run is pinned to, or null: a versioning override given at start wins (pinned to its version, or
    /// auto-upgrade), else the behaviour its last versioned workflow task declared.
    /// </summary>
    private static Temporalio.Api.Deployment.V1.WorkerDeploymentVersion? PinnedVersion(RunState run)
    {
        if (StartOverride(run) is { } versioningOverride)
        {
            return OverridePinnedVersion(versioningOverride);
        }
        return run.VersioningInfo is { Behavior: VersioningBehavior.Pinned, DeploymentVersion: { } pinned } ? pinned : null;
    }

    private static Temporalio.Api.Workflow.V1.VersioningOverride? StartOverride(RunState run) =>
        run.History.Count > 0 ? run.StartedEvent.WorkflowExecutionStartedEventAttributes.VersioningOverride : null;

    // The deprecated override fields are what older SDKs send.
    private static Temporalio.Api.Deployment.V1.WorkerDeploymentVersion? OverridePinnedVersion(Temporalio.Api.Workflow.V1.VersioningOverride versioningOverride)
    {
        if (versioningOverride.Pinned?.Version is { } version)
        {
            return version;
        }
        if (versioningOverride.Behavior != VersioningBehavior.Pinned)
        {
            return null;
        }
        if (versioningOverride.Deployment is { } deployment)
        {
            return new() { DeploymentName = deployment.SeriesName, BuildId = deployment.BuildId };
        }
        // "<deployment name>.<build id>", the form of the deprecated string versions.
        var dot = versioningOverride.PinnedVersion.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 ? new() { DeploymentName = versioningOverride.PinnedVersion[..dot], BuildId = versioningOverride.PinnedVersion[(dot + 1)..] } : null;
    }

    /// <summary>What describe shows: the run's versioning info with the override it was started with.</summary>
    private static Temporalio.Api.Workflow.V1.WorkflowExecutionVersioningInfo? DescribedVersioning(RunState run)
    {
        var versioningOverride = StartOverride(run);
        if (versioningOverride is null)
        {
            return run.VersioningInfo?.Clone();
        }
        var info = run.VersioningInfo?.Clone() ?? new();
        info.VersioningOverride = versioningOverride.Clone();
        return info;
    }

    /// <summary>
    /// The versioning a run continued as new starts with: a pinned run's version is inherited unless the command asks
    /// for <c>AUTO_UPGRADE</c> (the current version) or <c>USE_RAMPING_VERSION</c> (the ramping one).
    /// </summary>
    private static void ContinueVersioning(RunState previous, RunState next, ContinueAsNewVersioningBehavior initial)
    {
        switch (initial)
        {
            case ContinueAsNewVersioningBehavior.AutoUpgrade:
                break;
            case ContinueAsNewVersioningBehavior.UseRampingVersion:
                next.StartsOnRampingVersion = true;
                break;
            default:
                if (previous.VersioningInfo is { Behavior: VersioningBehavior.Pinned, DeploymentVersion: { } pinned })
                {
                    next.VersioningInfo = previous.VersioningInfo.Clone();
                    next.History[0].WorkflowExecutionStartedEventAttributes.InheritedPinnedVersion = pinned.Clone();
                }
                break;
        }
    }

    /// <summary>Where a workflow id falls in [0, 100): a ramp of p% takes the ids below p (FNV-1a, stable across restarts).</summary>
    private static double RampBucket(string workflowId)
    {
        var hash = 2166136261u;
        foreach (var c in workflowId)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return hash / (double)uint.MaxValue * 100;
    }

    /// <summary>A routing change may send queued tasks elsewhere: every parked poller of the deployment looks again.</summary>
    private void WakeDeploymentPollers(string ns, string deploymentName)
    {
        foreach (var ((queueNs, taskQueue), name) in _taskQueueDeployments)
        {
            if (queueNs == ns && name == deploymentName)
            {
                Queue(ns, taskQueue, TaskKind.Workflow).WakeAll();
                Queue(ns, taskQueue, TaskKind.Activity).WakeAll();
            }
        }
    }

    public DescribeWorkerDeploymentResponse DescribeWorkerDeployment(DescribeWorkerDeploymentRequest request)
    {
        lock (_gate)
        {
            RequireNamespace(request.Namespace);
            var deployment = RequireDeployment(request.Namespace, request.DeploymentName);
            var info = new WorkerDeploymentInfo
            {
                Name = deployment.Name,
                CreateTime = Timestamp.FromDateTime(deployment.Created),
                LastModifierIdentity = deployment.LastModifierIdentity,
                RoutingConfig = RoutingConfigOf(deployment),
            };
            foreach (var version in deployment.Versions.Values.OrderBy(v => v.Created))
            {
                var summary = new WorkerDeploymentInfo.Types.WorkerDeploymentVersionSummary
                {
                    Version = CanonicalVersion(deployment.Name, version.BuildId),
                    DeploymentVersion = new() { DeploymentName = deployment.Name, BuildId = version.BuildId },
                    Status = version.Status,
                    CreateTime = Timestamp.FromDateTime(version.Created),
                };
                if (version.CurrentSince is { } currentSince)
                {
                    summary.CurrentSinceTime = Timestamp.FromDateTime(currentSince);
                }
                if (version.RampingSince is { } rampingSince)
                {
                    summary.RampingSinceTime = Timestamp.FromDateTime(rampingSince);
                }
                if (version.RoutingUpdated is { } routingUpdated)
                {
                    summary.RoutingUpdateTime = Timestamp.FromDateTime(routingUpdated);
                }
                info.VersionSummaries.Add(summary);
            }
            return new DescribeWorkerDeploymentResponse { ConflictToken = ConflictToken(deployment), WorkerDeploymentInfo = info };
        }
    }

    public SetWorkerDeploymentCurrentVersionResponse SetWorkerDeploymentCurrentVersion(SetWorkerDeploymentCurrentVersionRequest request)
    {
        lock (_gate)
        {
            RequireNamespace(request.Namespace);
            var deployment = RequireDeployment(request.Namespace, request.DeploymentName);
            CheckConflictToken(deployment, request.ConflictToken);
            var buildId = RequestedBuildId(deployment, request.BuildId, request.Version, request.AllowNoPollers);
            var previous = deployment.CurrentBuildId;
            var response = new SetWorkerDeploymentCurrentVersionResponse
            {
                PreviousVersion = previous is null ? UnversionedName : CanonicalVersion(deployment.Name, previous),
                PreviousDeploymentVersion = previous is null ? null : new() { DeploymentName = deployment.Name, BuildId = previous },
            };
            if (previous != buildId)
            {
                var now = Now;
                if (previous is not null && deployment.Versions.TryGetValue(previous, out var old))
                {
                    old.Status = WorkerDeploymentVersionStatus.Draining;
                    old.CurrentSince = null;
                    old.RoutingUpdated = now;
                }
                if (buildId is not null)
                {
                    var version = deployment.Versions[buildId];
                    version.Status = WorkerDeploymentVersionStatus.Current;
                    version.CurrentSince = now;
                    version.RampingSince = null;
                    version.RoutingUpdated = now;
                    if (deployment.RampingBuildId == buildId)
                    {
                        // A ramping version made current stops ramping.
                        deployment.RampingBuildId = null;
                        deployment.RampingPercentage = 0;
                        deployment.RampingChanged = now;
                    }
                }
                deployment.CurrentBuildId = buildId;
                deployment.CurrentChanged = now;
                deployment.LastModifierIdentity = request.Identity;
                deployment.Revision++;
                WakeDeploymentPollers(request.Namespace, deployment.Name);
            }
            response.ConflictToken = ConflictToken(deployment);
            return response;
        }
    }

    public SetWorkerDeploymentRampingVersionResponse SetWorkerDeploymentRampingVersion(SetWorkerDeploymentRampingVersionRequest request)
    {
        if (request.Percentage is < 0 or > 100 || float.IsNaN(request.Percentage))
        {
            throw Errors.InvalidArgument($"Percentage must be between 0 and 100 (inclusive), got {request.Percentage}.");
        }
        lock (_gate)
        {
            RequireNamespace(request.Namespace);
            var deployment = RequireDeployment(request.Namespace, request.DeploymentName);
            CheckConflictToken(deployment, request.ConflictToken);
            // An empty version stops ramping.
            var buildId = string.IsNullOrEmpty(request.BuildId) && string.IsNullOrEmpty(request.Version)
                ? null
                : RequestedBuildId(deployment, request.BuildId, request.Version, request.AllowNoPollers);
            if (buildId is not null && buildId == deployment.CurrentBuildId)
            {
                throw Errors.FailedPrecondition($"Ramping version {CanonicalVersion(deployment.Name, buildId)} is already current.");
            }
            var previous = deployment.RampingBuildId;
            var response = new SetWorkerDeploymentRampingVersionResponse
            {
                PreviousVersion = previous is null ? "" : CanonicalVersion(deployment.Name, previous),
                PreviousDeploymentVersion = previous is null ? null : new() { DeploymentName = deployment.Name, BuildId = previous },
                PreviousPercentage = deployment.RampingPercentage,
            };
            var now = Now;
            if (previous != buildId && previous is not null && deployment.Versions.TryGetValue(previous, out var old))
            {
                old.Status = WorkerDeploymentVersionStatus.Draining;
                old.RampingSince = null;
                old.RoutingUpdated = now;
            }
            if (buildId is not null && previous != buildId)
            {
                var version = deployment.Versions[buildId];
                version.Status = WorkerDeploymentVersionStatus.Ramping;
                version.RampingSince = now;
                version.RoutingUpdated = now;
            }
            deployment.RampingBuildId = buildId;
            deployment.RampingPercentage = buildId is null ? 0 : request.Percentage;
            deployment.RampingChanged = now;
            deployment.LastModifierIdentity = request.Identity;
            deployment.Revision++;
            WakeDeploymentPollers(request.Namespace, deployment.Name);
            response.ConflictToken = ConflictToken(deployment);
            return response;
        }
    }

    /// <summary>The version string the real server uses for "no version": tasks go to unversioned workers.</summary>
    private const string UnversionedName = "__unversioned__";

    private DeploymentState RequireDeployment(string ns, string name) =>
        _deployments.TryGetValue((ns, name), out var deployment)
            ? deployment
            : throw Errors.NotFound($"Worker Deployment {name} not found.");

    private static ByteString ConflictToken(DeploymentState deployment)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, deployment.Revision);
        return ByteString.CopyFrom(bytes);
    }

    /// <summary>An empty token skips the check, as on the real server.</summary>
    private static void CheckConflictToken(DeploymentState deployment, ByteString token)
    {
        if (!token.IsEmpty && !token.Equals(ConflictToken(deployment)))
        {
            throw Errors.FailedPrecondition("Conflict token mismatch: the Worker Deployment changed since it was described.");
        }
    }

    /// <summary>
    /// The build id a set-current/ramping request names (null: unversioned), from <c>build_id</c> or the deprecated
    /// <c>deployment.build</c> string; a version no worker has polled with is refused unless <c>allow_no_pollers</c>.
    /// </summary>
    private string? RequestedBuildId(DeploymentState deployment, string buildId, string version, bool allowNoPollers)
    {
        if (string.IsNullOrEmpty(buildId))
        {
            if (version == UnversionedName)
            {
                return null;
            }
            var prefix = deployment.Name + ".";
            if (!version.StartsWith(prefix, StringComparison.Ordinal) || version.Length == prefix.Length)
            {
                throw Errors.InvalidArgument($"Version '{version}' is not a version of Worker Deployment {deployment.Name}.");
            }
            buildId = version[prefix.Length..];
        }
        if (!deployment.Versions.ContainsKey(buildId))
        {
            if (!allowNoPollers)
            {
                throw Errors.FailedPrecondition(
                    $"Version {CanonicalVersion(deployment.Name, buildId)} has no pollers; poll with it first, or set allow_no_pollers.");
            }
            deployment.Versions[buildId] = new DeploymentVersionState(buildId, Now);
        }
        return buildId;
    }

    private static RoutingConfig RoutingConfigOf(DeploymentState deployment)
    {
        var config = new RoutingConfig
        {
            CurrentVersion = deployment.CurrentBuildId is { } current ? CanonicalVersion(deployment.Name, current) : UnversionedName,
            CurrentDeploymentVersion = deployment.CurrentBuildId is { } c ? new() { DeploymentName = deployment.Name, BuildId = c } : null,
            RampingVersion = deployment.RampingBuildId is { } ramping ? CanonicalVersion(deployment.Name, ramping) : "",
            RampingDeploymentVersion = deployment.RampingBuildId is { } r ? new() { DeploymentName = deployment.Name, BuildId = r } : null,
            RampingVersionPercentage = deployment.RampingPercentage,
            RevisionNumber = deployment.Revision,
        };
        if (deployment.CurrentChanged is { } currentChanged)
        {
            config.CurrentVersionChangedTime = Timestamp.FromDateTime(currentChanged);
        }
        if (deployment.RampingChanged is { } rampingChanged)
        {
            config.RampingVersionChangedTime = Timestamp.FromDateTime(rampingChanged);
            config.RampingVersionPercentageChangedTime = Timestamp.FromDateTime(rampingChanged);
        }
        return config;
    }

    /// <summary>
    /// What a completed workflow task says about versioning: a versioned worker's version and the behaviour it
    /// declared, kept as the run's versioning info (as the real server's mutable state does).
    /// </summary>
    private static void RecordWorkflowTaskVersioning(RunState run, RespondWorkflowTaskCompletedRequest request,
        Temporalio.Api.History.V1.WorkflowTaskCompletedEventAttributes attributes)
    {
        attributes.VersioningBehavior = request.VersioningBehavior;
        if (request.DeploymentOptions is { WorkerVersioningMode: WorkerVersioningMode.Versioned } options)
        {
            attributes.WorkerDeploymentName = options.DeploymentName;
            attributes.DeploymentVersion = new() { DeploymentName = options.DeploymentName, BuildId = options.BuildId };
            run.VersioningInfo = new()
            {
                Behavior = request.VersioningBehavior,
                Version = CanonicalVersion(options.DeploymentName, options.BuildId),
                DeploymentVersion = new() { DeploymentName = options.DeploymentName, BuildId = options.BuildId },
            };
        }
        else if (request.VersioningBehavior != VersioningBehavior.Unspecified)
        {
            run.VersioningInfo = new() { Behavior = request.VersioningBehavior };
        }
    }
}

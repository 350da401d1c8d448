using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Sdk.V1;

namespace RawkodeAutomation.TemporalServer.Engine;

/// <summary>
/// What standalone activities and standalone Nexus operations share: each is the hidden run (of a reserved workflow
/// type, its kind) that records it, known by its namespace and id, the latest run of an id last.
/// </summary>
internal sealed partial class TemporalEngine
{
    private readonly Dictionary<(string Kind, string Namespace, string Id), List<RunState>> _standalone = [];

    /// <summary>A hidden run that records a standalone activity or Nexus operation rather than a workflow.</summary>
    private static bool IsStandalone(RunState run) => IsStandaloneActivity(run) || IsStandaloneNexus(run);

    private void RegisterStandalone(RunState run)
    {
        _runs[run.RunId] = run;
        if (!_standalone.TryGetValue((run.WorkflowType, run.Namespace, run.WorkflowId), out var list))
        {
            list = [];
            _standalone[(run.WorkflowType, run.Namespace, run.WorkflowId)] = list;
        }
        list.Add(run);
    }

    private IEnumerable<RunState> StandaloneRuns(string kind, string ns) =>
        _standalone.Where(kv => kv.Key.Kind == kind && kv.Key.Namespace == ns).SelectMany(kv => kv.Value);

    private RunState? CurrentStandalone(string kind, string ns, string id) =>
        _standalone.TryGetValue((kind, ns, id), out var list) && list.Count > 0 ? list[^1] : null;

    /// <summary>A record by id and optional run id (empty: the latest run), or NotFound.</summary>
    private RunState FindStandalone(string kind, string ns, string id, string? runId)
    {
        if (_standalone.TryGetValue((kind, ns, id), out var list))
        {
            var run = string.IsNullOrEmpty(runId) ? list.LastOrDefault() : list.FirstOrDefault(r => r.RunId == runId);
            if (run is not null)
            {
                return run;
            }
        }
        var what = kind == StandaloneActivityType ? "Activity" : "Nexus operation";
        throw Errors.NotFound($"{what} not found for ID {id} and run ID \"{runId}\".");
    }

    /// <summary>A record that is still running, or NotFound (unknown) or FailedPrecondition (closed).</summary>
    private RunState RunningStandalone(string kind, string ns, string id, string? runId)
    {
        RequireNamespace(ns);
        var run = FindStandalone(kind, ns, id, runId);
        return run.IsRunning ? run : throw Errors.FailedPrecondition($"{id} has already closed.");
    }

    /// <summary>The terminated event that closes a record.</summary>
    private HistoryEvent TerminatedEvent(RunState run, string? reason, string? identity)
    {
        var ev = NewEvent(EventType.WorkflowExecutionTerminated);
        ev.WorkflowExecutionTerminatedEventAttributes = new() { Reason = reason ?? "", Identity = identity ?? "" };
        Append(run, ev);
        return ev;
    }

    /// <summary>Creates and registers the hidden run of a new record, with its started event (callbacks, links, metadata).</summary>
    private RunState NewStandaloneRun(
        string kind, string ns, string id, string taskQueue, string requestId, string identity, SearchAttributes? searchAttributes,
        IEnumerable<Callback> callbacks, IEnumerable<Link> links, UserMetadata? userMetadata)
    {
        var now = Now;
        var runId = Guid.NewGuid().ToString();
        var run = new RunState
        {
            Namespace = ns,
            WorkflowId = id,
            RunId = runId,
            Sequence = ++_sequence,
            FirstRunId = runId,
            WorkflowType = kind,
            TaskQueue = taskQueue,
            RequestId = requestId,
            StartTime = now,
            ExecutionTime = now,
            SearchAttributes = searchAttributes?.Clone() ?? new SearchAttributes(),
        };
        RegisterStandalone(run);
        var started = NewEvent(EventType.WorkflowExecutionStarted);
        started.WorkflowExecutionStartedEventAttributes = new()
        {
            WorkflowType = new WorkflowType { Name = kind },
            TaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = taskQueue },
            Identity = identity,
            SearchAttributes = searchAttributes,
            WorkflowId = id,
            OriginalExecutionRunId = runId,
            FirstExecutionRunId = runId,
            Attempt = 1,
        };
        started.WorkflowExecutionStartedEventAttributes.CompletionCallbacks.AddRange(callbacks);
        started.Links.AddRange(links);
        if (userMetadata is not null)
        {
            started.UserMetadata = userMetadata;
        }
        Append(run, started);
        return run;
    }
}

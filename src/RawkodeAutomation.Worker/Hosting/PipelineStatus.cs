using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace RawkodeAutomation.Worker.Hosting;

/// <summary>Everything the operator view shows, read through queries (the same ones the Temporal UI runs).</summary>
/// <param name="Commits">The most recent commits, newest first: applied, rejected (with their errors) or still applying.</param>
/// <param name="QuotaQueue">Requests waiting for YouTube units, in the order they will be granted (priority, then arrival).</param>
/// <param name="Cleanup">The most recent cleanup passes, newest first.</param>
/// <param name="InFlight">
/// Work outside the entities that is not done: every commit still being applied and every activity a commit or a
/// cleanup pass has scheduled, running or waiting for its retry (Temporal's pending activities).
/// </param>
public sealed record ChannelStatus(
    IReadOnlyList<EpisodeStatus> Episodes,
    IReadOnlyList<PersonStatus> People,
    QuotaStatus? Quota,
    IReadOnlyList<CommitRecord>? Commits = null,
    IReadOnlyList<QueuedQuotaRequest>? QuotaQueue = null,
    IReadOnlyList<CleanupPassRecord>? Cleanup = null,
    IReadOnlyList<InFlightWork>? InFlight = null)
{
    public int Failed => Episodes.Count(e => e.Phase == EpisodePhase.Failed);

    /// <summary>
    /// Nothing left to do before a timer: idle, sleeping, failed, or parked until the quota resets; and no commit being
    /// applied and no activity pending or retrying (an activity lost with a killed worker is pending until Temporal hands
    /// it out again: the work is not done, whatever the entities say).
    /// </summary>
    public bool Settled =>
        Episodes.All(e => !e.Busy || ParkedOnQuota(e.Phase)) && People.All(p => !p.Busy || QuotaParked) && (InFlight?.Count ?? 0) == 0;

    private bool QuotaParked => Quota is { } q && (q.Exhausted || q.CredentialsRejected || q.QueuedLiveScheduling + q.QueuedThumbnails + q.QueuedSweeps > 0 && q.Remaining < RawkodeAutomation.Episodes.Quota.YouTubeCosts.Reserve.Broadcast);

    private bool ParkedOnQuota(EpisodePhase phase) => phase == EpisodePhase.WaitingForQuota && QuotaParked;

    /// <summary>
    /// When an episode acts next: its own timer, or — while it waits for units the day no longer has — the quota's
    /// reset (a waiting episode has no timer of its own; the reset is what wakes it).
    /// </summary>
    public DateTimeOffset? WakeUp(EpisodeStatus episode) =>
        episode.NextWakeUp ?? (episode.Phase == EpisodePhase.WaitingForQuota && QuotaParked ? Quota!.NextReset : null);

    /// <summary>One line: counts per phase and the quota.</summary>
    public string Summary()
    {
        var phases = Episodes.GroupBy(e => e.Phase).OrderBy(g => g.Key.ToString(), StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}");
        var quota = Quota is { } q ? $"; quota {q.Used}/{q.DailyBudget} used today ({q.Remaining} left, resets {q.NextReset:u}){(q.CredentialsRejected ? "; YouTube refused the credentials: calls wait for a worker with new ones" : "")}" : "";
        var sweeping = People.Where(p => p.Busy).Select(p => $"{p.PersonId} {p.Done}/{p.Done + p.Pending + p.InFlight}").ToList();
        var sweeps = sweeping.Count > 0 ? $"; sweeps: {string.Join(", ", sweeping)}" : "";
        var inFlight = InFlight is { Count: > 0 } work ? $"; in flight: {string.Join(", ", work.Take(3).Select(w => w.Describe()))}{(work.Count > 3 ? $" and {work.Count - 3} more" : "")}" : "";
        return $"{Episodes.Count} episodes: {string.Join(", ", phases)}{quota}{sweeps}{inFlight}";
    }
}

/// <summary>A commit being applied or an activity of a commit or cleanup pass that is not done.</summary>
/// <param name="WorkflowId">e.g. <c>commit/&lt;sha&gt;</c>.</param>
/// <param name="Activity">The pending activity's type (e.g. <c>ApplyCommit</c>); null for a commit between activities.</param>
/// <param name="State">Scheduled, Started or CancelRequested, as Temporal reports it.</param>
/// <param name="Attempt">The activity's attempt (above 1: it failed or was lost and is being retried).</param>
/// <param name="LastFailure">Why the previous attempt ended, when it did not succeed.</param>
public sealed record InFlightWork(string WorkflowId, string? Activity, string? State, int Attempt, string? LastFailure)
{
    public string Describe() =>
        Activity is null ? WorkflowId : $"{WorkflowId} {Activity}{(Attempt > 1 ? $" attempt {Attempt}" : "")}{(LastFailure is { } f ? $" (last: {f})" : "")}";
}

/// <summary>One commit as the pipeline saw it.</summary>
/// <param name="Status">The workflow's status: Running, Completed, Failed, Terminated, ...</param>
/// <param name="Outcome">What the commit did (its errors when rejected); null while it is still being applied.</param>
public sealed record CommitRecord(string Sha, DateTimeOffset StartedAt, string Status, CommitOutcome? Outcome)
{
    /// <summary>Applying, Applied, Rejected (the files did not validate or could not be read), or the workflow's status.</summary>
    public string Verdict => Outcome is { } o ? (o.Valid ? "Applied" : "Rejected") : Status == "Running" ? "Applying" : Status;
}

/// <summary>One cleanup pass: where it is (or Done) and what it deleted and kept so far.</summary>
public sealed record CleanupPassRecord(string WorkflowId, DateTimeOffset StartedAt, string Status, CleanupStatus? State);

/// <summary>Reads the state of every entity from Temporal.</summary>
public static class PipelineStatusReader
{
    /// <summary>Every running entity's state, the quota and its queue.</summary>
    public static Task<ChannelStatus> ReadAsync(ITemporalClient client, CancellationToken cancellationToken = default) =>
        ReadAsync(client, withRecent: false, cancellationToken);

    /// <summary>
    /// Every running entity's state, the quota and its queue; with <paramref name="withRecent"/> also the recent commits
    /// and cleanup passes (a history read each: for pages, not for loops that poll every second).
    /// </summary>
    public static async Task<ChannelStatus> ReadAsync(ITemporalClient client, bool withRecent, CancellationToken cancellationToken = default)
    {
        var episodes = new List<EpisodeStatus>();
        var people = new List<PersonStatus>();
        var others = new List<(string Id, string? RunId, string Type)>();
        await foreach (var wf in client.ListWorkflowsAsync("ExecutionStatus = 'Running'", new() { Rpc = new() { CancellationToken = cancellationToken } }))
        {
            if (wf.WorkflowType is not (nameof(EpisodeWorkflow) or nameof(PersonWorkflow)))
            {
                others.Add((wf.Id, wf.RunId, wf.WorkflowType));
                continue;
            }
            try
            {
                if (wf.WorkflowType == nameof(EpisodeWorkflow))
                {
                    episodes.Add(await client.GetWorkflowHandle<EpisodeWorkflow>(wf.Id).QueryAsync(w => w.State).ConfigureAwait(false));
                }
                else if (wf.WorkflowType == nameof(PersonWorkflow))
                {
                    people.Add(await client.GetWorkflowHandle<PersonWorkflow>(wf.Id).QueryAsync(w => w.State).ConfigureAwait(false));
                }
            }
            catch (Exception e) when (e is RpcException or WorkflowQueryFailedException)
            {
                // Completed or continuing as new between the list and the query: it shows up next time.
            }
        }
        QuotaStatus? quota = null;
        try
        {
            quota = await client.GetWorkflowHandle<YouTubeQuotaWorkflow>(WorkflowIds.Quota).QueryAsync(w => w.State).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or WorkflowQueryFailedException)
        {
            // No YouTube call has been made yet.
        }
        IReadOnlyList<QueuedQuotaRequest> queue = [];
        if (quota is not null)
        {
            try
            {
                queue = await client.GetWorkflowHandle<YouTubeQuotaWorkflow>(WorkflowIds.Quota).QueryAsync(w => w.Queue).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RpcException or WorkflowQueryFailedException)
            {
                // A worker from before the Queue query: the counts per priority still show.
            }
        }
        episodes.Sort((a, b) => string.CompareOrdinal(a.EpisodeId, b.EpisodeId));
        var inFlight = new List<InFlightWork>();
        foreach (var (id, runId, type) in others)
        {
            inFlight.AddRange(await ReadInFlightAsync(client, id, runId, type, cancellationToken).ConfigureAwait(false));
        }
        if (!withRecent)
        {
            return new ChannelStatus(episodes, people, quota, QuotaQueue: queue, InFlight: inFlight);
        }
        var commits = await ReadCommitsAsync(client, RecentCommits, cancellationToken).ConfigureAwait(false);
        var cleanup = await ReadCleanupPassesAsync(client, RecentCleanupPasses, cancellationToken).ConfigureAwait(false);
        return new ChannelStatus(episodes, people, quota, commits, queue, cleanup, inFlight);
    }

    /// <summary>
    /// A running commit (always: it is not applied yet) and the pending activities of a commit or cleanup pass, from
    /// Temporal's description of the workflow. The entities answer for themselves through their queries.
    /// </summary>
    private static async Task<IReadOnlyList<InFlightWork>> ReadInFlightAsync(ITemporalClient client, string workflowId, string? runId, string type, CancellationToken cancellationToken)
    {
        var isCommit = type == nameof(CommitWorkflow);
        if (!isCommit && type != nameof(CleanupWorkflow))
        {
            return [];
        }
        try
        {
            var description = await client.WorkflowService.DescribeWorkflowExecutionAsync(
                new Temporalio.Api.WorkflowService.V1.DescribeWorkflowExecutionRequest
                {
                    Namespace = client.Options.Namespace,
                    Execution = new Temporalio.Api.Common.V1.WorkflowExecution { WorkflowId = workflowId, RunId = runId ?? "" },
                },
                new RpcOptions { CancellationToken = cancellationToken }).ConfigureAwait(false);
            var pending = description.PendingActivities
                .Select(a => new InFlightWork(workflowId, a.ActivityType?.Name, a.State.ToString(), a.Attempt, a.LastFailure?.Message is { Length: > 0 } m ? m : null))
                .ToList();
            return pending.Count > 0 || !isCommit ? pending : [new InFlightWork(workflowId, null, null, 0, null)];
        }
        catch (RpcException)
        {
            // Closed between the list and the description: nothing of it is in flight any more.
            return [];
        }
    }

    /// <summary>How many commits the status reads (newest first).</summary>
    public const int RecentCommits = 20;

    /// <summary>How many cleanup passes the status reads (newest first).</summary>
    public const int RecentCleanupPasses = 5;

    /// <summary>
    /// JSON for people and scripts (<c>/api/status</c>): enums as their names (<c>"Provisioned"</c>, not <c>1</c>).
    /// Workflow payloads keep the SDK's own converter; this is only for what the status endpoint writes.
    /// </summary>
    public static System.Text.Json.JsonSerializerOptions JsonOptions { get; } = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    /// <summary>The most recent commits, newest first, with their outcomes (a running one's through its query).</summary>
    public static async Task<IReadOnlyList<CommitRecord>> ReadCommitsAsync(ITemporalClient client, int limit, CancellationToken cancellationToken = default)
    {
        var rpc = new RpcOptions { CancellationToken = cancellationToken };
        var commits = new List<CommitRecord>();
        await foreach (var wf in client.ListWorkflowsAsync($"WorkflowType = '{nameof(CommitWorkflow)}'", new() { Limit = limit, Rpc = rpc }))
        {
            var sha = wf.Id.StartsWith("commit/", StringComparison.Ordinal) ? wf.Id["commit/".Length..] : wf.Id;
            CommitOutcome? outcome = null;
            try
            {
                var handle = client.GetWorkflowHandle<CommitWorkflow>(wf.Id, wf.RunId);
                outcome = wf.Status switch
                {
                    WorkflowExecutionStatus.Completed => await handle.GetResultAsync<CommitOutcome>(rpcOptions: rpc).ConfigureAwait(false),
                    WorkflowExecutionStatus.Running => await handle.QueryAsync(w => w.Outcome, new() { Rpc = rpc }).ConfigureAwait(false),
                    _ => null,
                };
            }
            catch (Exception e) when (e is RpcException or WorkflowQueryFailedException or WorkflowFailedException)
            {
                // Closed between the list and the read, or its history is gone: the status alone still says something.
            }
            commits.Add(new CommitRecord(sha, new DateTimeOffset(DateTime.SpecifyKind(wf.StartTime, DateTimeKind.Utc)), wf.Status.ToString(), outcome));
        }
        return commits;
    }

    /// <summary>The most recent cleanup passes, newest first: a running one's progress, a finished one's report.</summary>
    public static async Task<IReadOnlyList<CleanupPassRecord>> ReadCleanupPassesAsync(ITemporalClient client, int limit, CancellationToken cancellationToken = default)
    {
        var rpc = new RpcOptions { CancellationToken = cancellationToken };
        var passes = new List<CleanupPassRecord>();
        await foreach (var wf in client.ListWorkflowsAsync($"WorkflowType = '{nameof(CleanupWorkflow)}'", new() { Limit = limit, Rpc = rpc }))
        {
            CleanupStatus? state = null;
            try
            {
                var handle = client.GetWorkflowHandle<CleanupWorkflow>(wf.Id, wf.RunId);
                state = wf.Status switch
                {
                    WorkflowExecutionStatus.Completed => new CleanupStatus(CleanupPhase.Done, await handle.GetResultAsync<CleanupReport>(rpcOptions: rpc).ConfigureAwait(false)),
                    WorkflowExecutionStatus.Running => await handle.QueryAsync(w => w.State, new() { Rpc = rpc }).ConfigureAwait(false),
                    _ => null,
                };
            }
            catch (Exception e) when (e is RpcException or WorkflowQueryFailedException or WorkflowFailedException)
            {
                // Closed between the list and the read: the status alone still says something.
            }
            passes.Add(new CleanupPassRecord(wf.Id, new DateTimeOffset(DateTime.SpecifyKind(wf.StartTime, DateTimeKind.Utc)), wf.Status.ToString(), state));
        }
        return passes;
    }
}

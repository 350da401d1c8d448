using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Client.Schedules;
using Temporalio.Exceptions;

namespace RawkodeAutomation.Worker.Hosting;

/// <summary>What <see cref="CleanupSchedule.EnsureAsync"/> did.</summary>
public enum CleanupScheduleChange
{
    Created,
    Updated,
    Unchanged,
}

/// <summary>One pass the Schedule started, with its report once it finished.</summary>
/// <param name="Status">Running, Completed, Failed, Terminated, ... (or NotFound when its history is gone).</param>
public sealed record CleanupPass(string WorkflowId, DateTimeOffset ScheduledAt, string Status, CleanupReport? Report);

/// <summary>The cleanup Schedule as an operator sees it.</summary>
public sealed record CleanupScheduleStatus(TimeSpan? Interval, bool Paused, IReadOnlyList<DateTimeOffset> NextPasses, IReadOnlyList<CleanupPass> RecentPasses);

/// <summary>
/// The cleanup as a Temporal Schedule (id <see cref="CleanupWorkflow.ScheduleId"/>): every
/// <see cref="PipelineOptions.CleanupInterval"/> it starts one <see cref="CleanupWorkflow"/> pass on the pipeline's
/// task queue, skipping a tick while a pass still runs (overlap Skip). An operator runs a pass now with the
/// Schedule's Trigger (Temporal UI, our operator page, or <c>rawkode cleanup run</c>).
/// See https://docs.temporal.io/schedule and https://docs.temporal.io/develop/dotnet/schedules.
/// </summary>
public static class CleanupSchedule
{
    /// <summary>The Schedule <c>rawkode up</c> wants.</summary>
    public static Schedule Desired(PipelineOptions options) =>
        new(
            ScheduleActionStartWorkflow.Create(
                (CleanupWorkflow wf) => wf.RunAsync(new CleanupPassInput(false)),
                new WorkflowOptions(WorkflowIds.Cleanup, options.TaskQueue)),
            new ScheduleSpec { Intervals = [new ScheduleIntervalSpec(options.CleanupInterval)] })
        {
            Policy = new SchedulePolicy { Overlap = ScheduleOverlapPolicy.Skip },
            State = new ScheduleState { Note = "rawkode: clusters past their TTL, orphaned clusters, broadcasts whose episode is gone, streams whose show is gone" },
        };

    /// <summary>
    /// Creates the Schedule if missing, updates it when its interval, overlap policy, workflow or task queue differ
    /// (keeping whether an operator paused it), and leaves it alone otherwise. Also ends the long-running cleanup
    /// workflow earlier versions started under the same id, which the Schedule replaces.
    /// </summary>
    public static async Task<CleanupScheduleChange> EnsureAsync(ITemporalClient client, PipelineOptions options, CancellationToken cancellationToken = default)
    {
        if (options.CleanupInterval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"Pipeline:CleanupInterval must be positive, got {options.CleanupInterval}.");
        }
        await RetireLegacyWorkflowAsync(client, cancellationToken).ConfigureAwait(false);
        var rpc = new RpcOptions { CancellationToken = cancellationToken };
        try
        {
            await client.CreateScheduleAsync(CleanupWorkflow.ScheduleId, Desired(options), new ScheduleOptions { Rpc = rpc }).ConfigureAwait(false);
            return CleanupScheduleChange.Created;
        }
        catch (ScheduleAlreadyRunningException)
        {
            // Created by an earlier `up`: compare below.
        }
        var handle = client.GetScheduleHandle(CleanupWorkflow.ScheduleId);
        var current = await handle.DescribeAsync(rpc).ConfigureAwait(false);
        if (Matches(current.Schedule, options))
        {
            return CleanupScheduleChange.Unchanged;
        }
        await handle.UpdateAsync(
            input => new ScheduleUpdate(Desired(options) with { State = input.Description.Schedule.State with { Note = Desired(options).State.Note } }),
            rpc).ConfigureAwait(false);
        return CleanupScheduleChange.Updated;
    }

    /// <summary>True when <paramref name="schedule"/> already does what <see cref="Desired"/> asks.</summary>
    public static bool Matches(Schedule schedule, PipelineOptions options) =>
        schedule.Action is ScheduleActionStartWorkflow action
        && action.Workflow == nameof(CleanupWorkflow)
        && action.Options.Id == WorkflowIds.Cleanup
        && action.Options.TaskQueue == options.TaskQueue
        && action.Args.Count == 1
        && schedule.Policy.Overlap == ScheduleOverlapPolicy.Skip
        && schedule.Spec.Intervals.Count == 1
        && schedule.Spec.Intervals.First().Every == options.CleanupInterval
        && (schedule.Spec.Intervals.First().Offset ?? TimeSpan.Zero) == TimeSpan.Zero
        && schedule.Spec.CronExpressions.Count == 0
        && schedule.Spec.Calendars.Count == 0;

    /// <summary>
    /// The Schedule's interval and state, its next passes, and its recent passes with their reports (each pass's
    /// result), newest first. Null when the Schedule does not exist.
    /// </summary>
    public static async Task<CleanupScheduleStatus?> DescribeAsync(ITemporalClient client, CancellationToken cancellationToken = default)
    {
        var rpc = new RpcOptions { CancellationToken = cancellationToken };
        ScheduleDescription description;
        try
        {
            description = await client.GetScheduleHandle(CleanupWorkflow.ScheduleId).DescribeAsync(rpc).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.NotFound)
        {
            return null;
        }
        List<CleanupPass> passes = [];
        foreach (var action in description.Info.RecentActions.OrderByDescending(a => a.ScheduledAt))
        {
            if (action.Action is not ScheduleActionExecutionStartWorkflow started)
            {
                continue;
            }
            var handle = client.GetWorkflowHandle(started.WorkflowId, started.FirstExecutionRunId);
            try
            {
                var workflow = await handle.DescribeAsync(new WorkflowDescribeOptions { Rpc = rpc }).ConfigureAwait(false);
                var report = workflow.Status == WorkflowExecutionStatus.Completed
                    ? await handle.GetResultAsync<CleanupReport>(rpcOptions: rpc).ConfigureAwait(false)
                    : null;
                passes.Add(new CleanupPass(started.WorkflowId, action.ScheduledAt, workflow.Status.ToString(), report));
            }
            catch (RpcException e) when (e.Code == RpcException.StatusCode.NotFound)
            {
                passes.Add(new CleanupPass(started.WorkflowId, action.ScheduledAt, "NotFound", null));
            }
        }
        return new CleanupScheduleStatus(
            description.Schedule.Spec.Intervals.FirstOrDefault()?.Every,
            description.Schedule.State.Paused,
            [.. description.Info.NextActionTimes.Select(t => new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)))],
            passes);
    }

    /// <summary>Runs a pass now (the Schedule's Trigger; skipped, like any tick, while a pass is still running).</summary>
    public static Task TriggerAsync(ITemporalClient client, CancellationToken cancellationToken = default) =>
        client.GetScheduleHandle(CleanupWorkflow.ScheduleId).TriggerAsync(new ScheduleTriggerOptions { Rpc = new RpcOptions { CancellationToken = cancellationToken } });

    /// <summary>
    /// Starts a drift-only pass now (<c>cleanup-drift-&lt;time&gt;</c>, beside the Schedule's passes, which it does not
    /// overlap with in effect: it reads and signals, it deletes nothing): the videos the episode entities hold are read
    /// back from YouTube, and a vanished upcoming broadcast is recreated. <c>rawkode up</c> runs it at start-up, since
    /// the channel may have changed while nothing watched it.
    /// </summary>
    public static Task<WorkflowHandle<CleanupWorkflow, CleanupReport>> StartDriftCheckAsync(ITemporalClient client, PipelineOptions options, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        client.StartWorkflowAsync(
            (CleanupWorkflow wf) => wf.RunAsync(new CleanupPassInput(DryRun: false, DriftOnly: true)),
            new WorkflowOptions($"{WorkflowIds.Cleanup}-drift-{now.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", System.Globalization.CultureInfo.InvariantCulture)}", options.TaskQueue)
            {
                Rpc = new RpcOptions { CancellationToken = cancellationToken },
            });

    private static async Task RetireLegacyWorkflowAsync(ITemporalClient client, CancellationToken cancellationToken)
    {
        var legacy = client.GetWorkflowHandle(WorkflowIds.Cleanup);
        try
        {
            var description = await legacy.DescribeAsync(new WorkflowDescribeOptions { Rpc = new RpcOptions { CancellationToken = cancellationToken } }).ConfigureAwait(false);
            if (description.Status == WorkflowExecutionStatus.Running && description.WorkflowType == nameof(CleanupWorkflow))
            {
                await legacy.TerminateAsync("replaced by the cleanup Schedule").ConfigureAwait(false);
            }
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.NotFound)
        {
            // Never started: nothing to retire.
        }
    }
}

using Microsoft.Extensions.Options;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Activities;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Activities;
using Temporalio.Client;

namespace RawkodeAutomation.Worker.Activities;

/// <summary>
/// <see cref="IQuotaActivities"/>: signal-with-start of the single quota entity, so whichever request
/// comes first creates it with the configured daily budget.
/// </summary>
public sealed class QuotaActivities(ITemporalClient client, IOptions<PipelineOptions> options) : IQuotaActivities
{
    [Activity]
    public async Task<QuotaRequestResult> RequestQuotaAsync(QuotaRequest input)
    {
        await EnsureQuotaEntity.SignalWithStartAsync(client, options.Value, (YouTubeQuotaWorkflow wf) => wf.RequestAsync(input)).ConfigureAwait(false);
        return new QuotaRequestResult(true);
    }
}

/// <summary>Starting (or signalling) the quota entity with the configured budget.</summary>
public static class EnsureQuotaEntity
{
    /// <summary>Signal-with-start on <see cref="WorkflowIds.Quota"/>.</summary>
    public static Task SignalWithStartAsync(
        ITemporalClient client,
        PipelineOptions options,
        System.Linq.Expressions.Expression<Func<YouTubeQuotaWorkflow, Task>> signal)
    {
        var workflowOptions = new WorkflowOptions(WorkflowIds.Quota, options.TaskQueue);
        workflowOptions.SignalWithStart(signal);
        return client.StartWorkflowAsync(
            (YouTubeQuotaWorkflow wf) => wf.RunAsync(new QuotaWorkflowInput(options.DailyQuota, options.SweepReserve, null)),
            workflowOptions);
    }
}

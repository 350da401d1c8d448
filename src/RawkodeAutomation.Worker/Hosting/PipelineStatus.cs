using System.Net;
using System.Text;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace RawkodeAutomation.Worker.Hosting;

/// <summary>Everything the operator view shows, read through queries (the same ones the Temporal UI runs).</summary>
public sealed record ChannelStatus(IReadOnlyList<EpisodeStatus> Episodes, IReadOnlyList<PersonStatus> People, QuotaStatus? Quota)
{
    public int Failed => Episodes.Count(e => e.Phase == "Failed");

    /// <summary>Nothing left to do before a timer: idle, sleeping, failed, or parked until the quota resets.</summary>
    public bool Settled =>
        Episodes.All(e => !e.Busy || ParkedOnQuota(e.Phase)) && People.All(p => !p.Busy || QuotaParked);

    private bool QuotaParked => Quota is { } q && (q.Exhausted || q.QueuedLiveScheduling + q.QueuedThumbnails + q.QueuedSweeps > 0 && q.Remaining < RawkodeAutomation.Episodes.Quota.YouTubeCosts.Reserve.Broadcast);

    private bool ParkedOnQuota(string phase) => phase == "WaitingForQuota" && QuotaParked;

    /// <summary>One line: counts per phase and the quota.</summary>
    public string Summary()
    {
        var phases = Episodes.GroupBy(e => e.Phase).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key.ToLowerInvariant()}");
        var quota = Quota is { } q ? $"; quota {q.Used}/{q.DailyBudget} used today ({q.Remaining} left, resets {q.NextReset:u})" : "";
        var sweeping = People.Where(p => p.Busy).Select(p => $"{p.PersonId} {p.Done}/{p.Done + p.Pending + p.InFlight}").ToList();
        var sweeps = sweeping.Count > 0 ? $"; sweeps: {string.Join(", ", sweeping)}" : "";
        return $"{Episodes.Count} episodes: {string.Join(", ", phases)}{quota}{sweeps}";
    }
}

/// <summary>Reads the state of every entity from Temporal.</summary>
public static class PipelineStatusReader
{
    public static async Task<ChannelStatus> ReadAsync(ITemporalClient client, CancellationToken cancellationToken = default)
    {
        var episodes = new List<EpisodeStatus>();
        var people = new List<PersonStatus>();
        await foreach (var wf in client.ListWorkflowsAsync("ExecutionStatus = 'Running'", new() { Rpc = new() { CancellationToken = cancellationToken } }))
        {
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
        episodes.Sort((a, b) => string.CompareOrdinal(a.EpisodeId, b.EpisodeId));
        return new ChannelStatus(episodes, people, quota);
    }

    /// <summary>The operator page: every episode's desired vs. applied state, last result and next wake-up.</summary>
    public static string Html(ChannelStatus status, string temporalAddress)
    {
        static string E(string? s) => WebUtility.HtmlEncode(s ?? "");
        var html = new StringBuilder();
        html.Append("<!doctype html><html><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"5\"><title>rawkode operator</title>")
            .Append("<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}.Failed{background:#fdd}.WaitingForQuota{background:#ffd}</style></head><body>")
            .Append("<h1>rawkode: the channel as Temporal sees it</h1><p>").Append(E(status.Summary())).Append("</p>")
            .Append("<p>Temporal frontend: <code>").Append(E(temporalAddress)).Append("</code>. Steer an episode with signals on <code>episode/&lt;show&gt;/&lt;slug&gt;</code>: ")
            .Append("<code>Retry</code>, <code>Skip</code>, <code>ForceRerender</code>, <code>Approve</code>; or with the updates that refuse when there is nothing to do and answer with the new state: ")
            .Append("<code>RetryFailed</code>, <code>SkipFailed</code>, <code>ForceRerenderNow</code>, <code>ApproveDeletion</code>.</p>")
            .Append("<table><tr><th>episode</th><th>phase</th><th>video</th><th>pending</th><th>last result</th><th>last error</th><th>next wake-up</th><th>units</th></tr>");
        foreach (var e in status.Episodes)
        {
            var pending = string.Join(", ", new[] { e.Pending.Broadcast ? "broadcast" : null, e.Pending.Description ? "description" : null, e.Pending.Thumbnail ? "thumbnail" : null }.Where(p => p is not null));
            html.Append("<tr class=\"").Append(E(e.Phase)).Append("\"><td>").Append(E(e.EpisodeId)).Append("</td><td>").Append(E(e.Phase))
                .Append("</td><td>").Append(E(e.Applied.VideoId)).Append("</td><td>").Append(E(pending))
                .Append("</td><td>").Append(E(e.LastResult)).Append("</td><td>").Append(E(e.LastError))
                .Append("</td><td>").Append(E(e.NextWakeUp?.ToString("u", System.Globalization.CultureInfo.InvariantCulture)))
                .Append("</td><td>").Append(e.QuotaUnitsSpent).Append("</td></tr>");
        }
        html.Append("</table></body></html>");
        return html.ToString();
    }
}

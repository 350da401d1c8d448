using System.CommandLine;
using System.Globalization;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace RawkodeAutomation.Cli.Commands;

/// <summary>
/// <c>rawkode cleanup status|run</c>: the cleanup Schedule that <c>rawkode up</c> keeps (see <see cref="CleanupSchedule"/>),
/// for an operator at a terminal. <c>status</c> shows the next passes and the reports of recent ones; <c>run</c>
/// triggers a pass now and prints its report (<c>--dry-run</c>: a pass that deletes nothing, started directly).
/// </summary>
internal static class CleanupCommand
{
    public static Command Create()
    {
        Command command = new("cleanup", "The cleanup Schedule: expired and orphaned clusters, broadcasts whose episode is gone, streams whose show is gone.");
        command.Subcommands.Add(Status());
        command.Subcommands.Add(Run());
        return command;
    }

    private static (Option<string?> Address, Option<string> Namespace) ConnectionOptions() =>
    (
        new("--address") { Description = "The Temporal frontend host:port (default: TEMPORAL_ADDRESS; `rawkode up` prints the embedded server's)." },
        new("--namespace") { Description = "The Temporal namespace.", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("TEMPORAL_NAMESPACE") ?? "default" }
    );

    private static Command Status()
    {
        var (address, ns) = ConnectionOptions();
        Command command = new("status", "Show the cleanup Schedule: interval, next passes, and what recent passes deleted and kept.") { address, ns };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            return await WithClientAsync(parseResult.GetValue(address), parseResult.GetValue(ns)!, error, async client =>
            {
                var status = await CleanupSchedule.DescribeAsync(client, cancellationToken).ConfigureAwait(false);
                if (status is null)
                {
                    await error.WriteLineAsync($"rawkode cleanup: there is no Schedule '{CleanupWorkflow.ScheduleId}'; `rawkode up` creates it.").ConfigureAwait(false);
                    return 1;
                }
                await output.WriteLineAsync($"Schedule {CleanupWorkflow.ScheduleId}: every {status.Interval}{(status.Paused ? " (paused)" : "")}").ConfigureAwait(false);
                foreach (var next in status.NextPasses.Take(3))
                {
                    await output.WriteLineAsync($"  next pass {next.ToString("u", CultureInfo.InvariantCulture)}").ConfigureAwait(false);
                }
                foreach (var pass in status.RecentPasses)
                {
                    await output.WriteLineAsync($"{pass.WorkflowId}: {pass.Status}").ConfigureAwait(false);
                    if (pass.Report is { } report)
                    {
                        await WriteReportAsync(output, report).ConfigureAwait(false);
                    }
                }
                return 0;
            }).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Run()
    {
        var (address, ns) = ConnectionOptions();
        Option<bool> dryRun = new("--dry-run") { Description = "Report what a pass would delete, delete nothing." };
        Option<string> taskQueue = new("--task-queue") { Description = "The pipeline's task queue (for --dry-run).", DefaultValueFactory = _ => WorkflowIds.TaskQueue };
        Command command = new("run", "Run a cleanup pass now (the Schedule's Trigger) and print its report; a worker (`rawkode up`) must be running.")
        {
            address, ns, dryRun, taskQueue,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            return await WithClientAsync(parseResult.GetValue(address), parseResult.GetValue(ns)!, error, async client =>
            {
                CleanupReport report;
                if (parseResult.GetValue(dryRun))
                {
                    var id = $"{WorkflowIds.Cleanup}-dry-run-{DateTime.UtcNow.ToString("yyyyMMddTHHmmssfffZ", CultureInfo.InvariantCulture)}";
                    report = await client.ExecuteWorkflowAsync(
                        (CleanupWorkflow wf) => wf.RunAsync(new CleanupPassInput(true)),
                        new WorkflowOptions(id, parseResult.GetValue(taskQueue)!) { Rpc = new RpcOptions { CancellationToken = cancellationToken } }).ConfigureAwait(false);
                    await output.WriteLineAsync($"{id} (dry run: nothing deleted)").ConfigureAwait(false);
                }
                else
                {
                    var before = (await CleanupSchedule.DescribeAsync(client, cancellationToken).ConfigureAwait(false))?.RecentPasses.Select(p => p.WorkflowId).ToHashSet();
                    if (before is null)
                    {
                        await error.WriteLineAsync($"rawkode cleanup: there is no Schedule '{CleanupWorkflow.ScheduleId}'; `rawkode up` creates it.").ConfigureAwait(false);
                        return 1;
                    }
                    await CleanupSchedule.TriggerAsync(client, cancellationToken).ConfigureAwait(false);
                    var pass = await WaitForNewPassAsync(client, before, cancellationToken).ConfigureAwait(false);
                    if (pass is null)
                    {
                        await error.WriteLineAsync("rawkode cleanup: the trigger started no pass (one is still running: the Schedule skips overlapping passes).").ConfigureAwait(false);
                        return 1;
                    }
                    await output.WriteLineAsync(pass.WorkflowId).ConfigureAwait(false);
                    report = await client.GetWorkflowHandle(pass.WorkflowId).GetResultAsync<CleanupReport>().ConfigureAwait(false);
                }
                await WriteReportAsync(output, report).ConfigureAwait(false);
                return 0;
            }).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<CleanupPass?> WaitForNewPassAsync(ITemporalClient client, HashSet<string> before, CancellationToken cancellationToken)
    {
        // A trigger shows up as a recent action within moments; none after a while means it was skipped.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var status = await CleanupSchedule.DescribeAsync(client, cancellationToken).ConfigureAwait(false);
            if (status?.RecentPasses.FirstOrDefault(p => !before.Contains(p.WorkflowId)) is { } pass)
            {
                return pass;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
        }
        return null;
    }

    private static async Task WriteReportAsync(TextWriter output, CleanupReport report)
    {
        await output.WriteLineAsync($"  at {report.At.ToString("u", CultureInfo.InvariantCulture)}: {report.Deleted.Count} {(report.DryRun ? "would be deleted" : "deleted")}, {report.Kept.Count} kept, {report.QuotaUnitsSpent} YouTube units").ConfigureAwait(false);
        foreach (var item in report.Deleted)
        {
            await output.WriteLineAsync($"  {(report.DryRun ? "would delete" : "deleted")} {item.Kind} {item.Name}{Episode(item)}: {item.Reason}").ConfigureAwait(false);
        }
        foreach (var item in report.Kept)
        {
            await output.WriteLineAsync($"  kept {item.Kind} {item.Name}{Episode(item)}: {item.Reason}").ConfigureAwait(false);
        }
        foreach (var item in report.Drifted ?? [])
        {
            await output.WriteLineAsync($"  drift: video {item.Name}{Episode(item)}: {item.Reason}").ConfigureAwait(false);
        }
        foreach (var note in report.Notes)
        {
            await output.WriteLineAsync($"  note: {note}").ConfigureAwait(false);
        }
    }

    private static string Episode(CleanupItem item) => item.EpisodeId is { } id ? $" ({id})" : "";

    private static async Task<int> WithClientAsync(string? address, string ns, TextWriter error, Func<ITemporalClient, Task<int>> action)
    {
        address ??= Environment.GetEnvironmentVariable("TEMPORAL_ADDRESS");
        if (string.IsNullOrWhiteSpace(address))
        {
            await error.WriteLineAsync("rawkode cleanup: no Temporal address: pass --address HOST:PORT or set TEMPORAL_ADDRESS (`rawkode up` prints the embedded server's).").ConfigureAwait(false);
            return 2;
        }
        try
        {
            var client = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(address) { Namespace = ns }).ConfigureAwait(false);
            return await action(client).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException or WorkflowFailedException)
        {
            await error.WriteLineAsync($"rawkode cleanup: {address} namespace {ns}: {e.Message}").ConfigureAwait(false);
            return 2;
        }
    }
}

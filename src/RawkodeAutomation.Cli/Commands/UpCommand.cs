using System.CommandLine;

namespace RawkodeAutomation.Cli.Commands;

/// <summary>
/// <c>rawkode up [--once] [--repo PATH]</c>: the main job. With no configuration it starts the offline
/// Temporal server (SQLite under <c>.rawkode/</c>), the YouTube and Kubernetes sandboxes, the worker and
/// the local git watcher, and reconciles every episode; with configuration it drives the real services.
/// </summary>
internal static class UpCommand
{
    public static Command Create()
    {
        Option<bool> once = new("--once") { Description = "Reconcile, wait until every entity has nothing to do before its next timer, print the summary and exit (non-zero if anything failed)." };
        Option<string?> repo = new("--repo") { Description = "The repository that holds episodes/ (default: the git checkout around the current directory)." };
        Option<TimeSpan?> timeout = new("--timeout") { Description = "With --once: give up after this long from the start, the wait for the head commit included (default 30 minutes)." };
        Command command = new("up", "Run the channel: reconcile every episode in episodes/ against YouTube (the sandbox unless configured).")
        {
            once,
            repo,
            timeout,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var runner = new UpRunner(
                parseResult.InvocationConfiguration.Output,
                parseResult.InvocationConfiguration.Error,
                parseResult.GetValue(repo),
                parseResult.GetValue(once),
                parseResult.GetValue(timeout) ?? TimeSpan.FromMinutes(30));
            return await runner.RunAsync(cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}

using System.CommandLine;
using RawkodeAutomation.Cli.Commands;

namespace RawkodeAutomation.Cli;

/// <summary>The <c>rawkode</c> command tree. Each area contributes its commands from <c>Commands/</c>.</summary>
public static class RawkodeCommandLine
{
    public static RootCommand Build()
    {
        RootCommand root = new("rawkode: run a live show's YouTube channel as code.");
        // One line per area; keep each area's commands in its own file under Commands/.
        root.Subcommands.Add(VersionCommand.Create());
        root.Subcommands.Add(ServerCommand.Create());
        root.Subcommands.Add(TestServerCommand.Create());
        root.Subcommands.Add(GitHubCommand.Create());
        root.Subcommands.Add(ThumbnailsCommand.Create());
        root.Subcommands.Add(ValidateCommand.Create());
        root.Subcommands.Add(PlanCommand.Create());
        root.Subcommands.Add(DescribeCommand.Create());
        root.Subcommands.Add(YouTubeCommand.Create());
        root.Subcommands.Add(KlusteredCommand.Create());
        root.Subcommands.Add(UpCommand.Create());
        root.Subcommands.Add(CleanupCommand.Create());
        root.Subcommands.Add(AdoptCommand.Create());
        return root;
    }

    /// <summary>Exit code of a command that failed in a way no command handled (EX_SOFTWARE).</summary>
    public const int UnexpectedFailure = 70;

    /// <summary>
    /// Runs the parsed command. The last line of defence for errors no command turned into a message: one line
    /// naming the command and what failed, never a stack trace (set RAWKODE_DEBUG=1 to see it).
    /// </summary>
    public static async Task<int> InvokeAsync(ParseResult parsed, InvocationConfiguration? configuration = null)
    {
        configuration ??= new InvocationConfiguration();
        configuration.EnableDefaultExceptionHandler = false;
        try
        {
            return await parsed.InvokeAsync(configuration).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
        catch (Exception e)
        {
            var names = new List<string>();
            for (var result = parsed.CommandResult; result.Parent is System.CommandLine.Parsing.CommandResult parent; result = parent)
            {
                names.Insert(0, result.Command.Name);
            }

            var command = string.Join(' ', names);
            await configuration.Error.WriteLineAsync($"rawkode {command}: {Describe(e)}").ConfigureAwait(false);
            if (Environment.GetEnvironmentVariable("RAWKODE_DEBUG") is { Length: > 0 })
            {
                await configuration.Error.WriteLineAsync(e.ToString()).ConfigureAwait(false);
            }

            return UnexpectedFailure;
        }
    }

    private static string Describe(Exception e)
    {
        // Wrappers (aggregate, target invocation, type initialisation) say nothing; their innermost cause does.
        while (e is AggregateException or System.Reflection.TargetInvocationException or TypeInitializationException && e.InnerException is not null)
        {
            e = e.InnerException!;
        }

        return $"{e.Message.Split('\n', 2)[0].Trim()} ({e.GetType().Name}; RAWKODE_DEBUG=1 shows where)";
    }
}

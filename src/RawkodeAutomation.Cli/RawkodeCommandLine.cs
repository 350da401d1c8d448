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
        root.Subcommands.Add(EpisodesBenchCommand.Create());
        root.Subcommands.Add(YouTubeCommand.Create());
        root.Subcommands.Add(KlusteredCommand.Create());
        root.Subcommands.Add(UpCommand.Create());
        root.Subcommands.Add(CleanupCommand.Create());
        root.Subcommands.Add(AdoptCommand.Create());
        return root;
    }
}

using System.CommandLine;
using System.Reflection;

namespace RawkodeAutomation.Cli.Commands;

/// <summary><c>rawkode version</c>: prints the informational version of the CLI.</summary>
internal static class VersionCommand
{
    public static Command Create()
    {
        Command command = new("version", "Print the version of rawkode.");
        command.SetAction(parseResult =>
        {
            var version = typeof(VersionCommand).Assembly
                .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            parseResult.InvocationConfiguration.Output.WriteLine(version);
            return 0;
        });
        return command;
    }
}

using System.CommandLine;

namespace RawkodeAutomation.Cli.Commands;

/// <summary><c>rawkode server bench</c>: throughput and latency of the offline Temporal server.</summary>
internal static class ServerBenchCommand
{
    public static Command Create()
    {
        Command command = new("bench", "Benchmark the offline Temporal server (not implemented yet).");
        command.SetAction(parseResult =>
        {
            parseResult.InvocationConfiguration.Error.WriteLine("server bench: not implemented yet.");
            return 1;
        });
        return command;
    }
}

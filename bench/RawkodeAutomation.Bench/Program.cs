using System.CommandLine;
using RawkodeAutomation.Bench;

RootCommand root = new("rawkode-bench: the project's benchmarks. Each prints its figures, the machine's load and its targets.");
root.Subcommands.Add(EpisodesBench.Create());
root.Subcommands.Add(ThumbnailsBench.Create());
root.Subcommands.Add(ServerBench.Create());
root.Subcommands.Add(WebhookLoadBench.Create());
root.Subcommands.Add(UpBench.Create());
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);

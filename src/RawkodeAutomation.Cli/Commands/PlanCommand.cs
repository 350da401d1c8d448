using System.CommandLine;
using RawkodeAutomation.Episodes.Loading;
using RawkodeAutomation.Episodes.Planning;
using RawkodeAutomation.GitHub.Local;

namespace RawkodeAutomation.Cli.Commands;

/// <summary><c>rawkode plan [--from REV] [--to REV] [--json]</c>: what a change to <c>episodes/</c> would do, and its quota cost.</summary>
internal static class PlanCommand
{
    public static Command Create()
    {
        Option<string> from = new("--from") { Description = "Git revision to compare from.", DefaultValueFactory = _ => "HEAD" };
        Option<string?> to = new("--to") { Description = "Git revision to compare to (default: the working tree)." };
        Option<bool> json = new("--json") { Description = "Print the plan as JSON." };
        Option<string?> repo = new("--repo") { Description = "The checkout (default: the one around the current directory)." };
        Option<int> diffs = new("--diffs") { Description = "Description diffs to print in full (the rest are listed); --json has all.", DefaultValueFactory = _ => 20 };
        Command command = new("plan", "Compare two revisions of episodes/ and print the broadcasts, thumbnails, descriptions and clusters that change, with the YouTube quota it costs.");
        command.Options.Add(from);
        command.Options.Add(to);
        command.Options.Add(json);
        command.Options.Add(repo);
        command.Options.Add(diffs);
        command.SetAction((parseResult, cancellationToken) =>
            RunAsync(parseResult.GetValue(repo), parseResult.GetValue(from)!, parseResult.GetValue(to), parseResult.GetValue(json),
                parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error, cancellationToken, parseResult.GetValue(diffs)));
        return command;
    }

    /// <summary>Runs the plan; also used by the episodes benchmark (<c>rawkode-bench episodes</c>).</summary>
    internal static async Task<int> RunAsync(
        string? repositoryPath, string from, string? to, bool json, TextWriter output, TextWriter error, CancellationToken cancellationToken,
        int maxDiffs = 20)
    {
        if (!ValidateCommand.TryResolveRoot(repositoryPath, out var root, out var problem))
        {
            error.WriteLine(problem);
            return 2;
        }

        var reader = new GitRevisionReader(root);
        IReadOnlyDictionary<string, byte[]> fromFiles;
        IReadOnlyDictionary<string, byte[]> toFiles;
        try
        {
            // A repository without commits plans from nothing: everything is new.
            fromFiles = from == "HEAD" && !await reader.ExistsAsync("HEAD", cancellationToken)
                ? new Dictionary<string, byte[]>()
                : await reader.ReadAsync(from, cancellationToken: cancellationToken);
            toFiles = await reader.ReadAsync(to, cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (ex is GitException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine(ex.Message);
            return 2;
        }

        // The "to" side is what would be published: it must be valid. The "from" side only needs to load.
        // Both sides share parsed files: most files are the same in both trees.
        var cache = new LoadCache();
        var target = EpisodeLoader.Load(toFiles, EpisodeLoaderOptions.Default with { Cache = cache });
        if (!target.IsValid)
        {
            var prefix = ValidateCommand.DisplayPrefix(root);
            foreach (var diagnostic in target.Diagnostics)
            {
                error.WriteLine(prefix + diagnostic);
            }

            error.WriteLine($"{to ?? "the working tree"} has {ValidateCommand.Count(target.Errors.Count(), "error")}; fix them before planning. Nothing was planned.");
            return 1;
        }

        var source = EpisodeLoader.Load(fromFiles, EpisodeLoaderOptions.Default with { ValidateDescriptions = false, Cache = cache });
        var plan = Planner.Plan(source.Repository, target.Repository);
        if (!source.IsValid)
        {
            plan = plan with
            {
                Warnings = [$"{from} has {ValidateCommand.Count(source.Errors.Count(), "error")}; files with errors count as absent there", .. plan.Warnings],
            };
        }

        output.Write(json ? plan.ToJson() + "\n" : $"Plan: {from} → {to ?? "working tree"}\n\n" + PlanFormatter.ToText(plan, Math.Max(0, maxDiffs)));
        return 0;
    }
}

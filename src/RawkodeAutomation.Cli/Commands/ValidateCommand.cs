using System.CommandLine;
using RawkodeAutomation.Episodes.Loading;
using RawkodeAutomation.Episodes.Model;

namespace RawkodeAutomation.Cli.Commands;

/// <summary><c>rawkode validate [PATH]</c>: every error in <c>episodes/</c> at once; exit 1 when there is one.</summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        Argument<string?> path = new("path")
        {
            Description = "The episodes/ folder, a checkout that contains one, or one file under episodes/. Default: episodes/ of the current checkout.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        Command command = new("validate", "Check every show, person and episode file; print each error as path:line:column: message.");
        command.Arguments.Add(path);
        command.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            return Run(parseResult.GetValue(path), output, error);
        });
        return command;
    }

    /// <summary>Runs the validation; also used by the episodes benchmark (<c>rawkode-bench episodes</c>).</summary>
    internal static int Run(string? path, TextWriter output, TextWriter error)
    {
        string? onlyFile = null;
        if (path is not null && File.Exists(path))
        {
            var full = Path.GetFullPath(path);
            var directory = new DirectoryInfo(Path.GetDirectoryName(full)!);
            while (directory is not null && directory.Name != "episodes")
            {
                directory = directory.Parent;
            }

            if (directory?.Parent is null)
            {
                error.WriteLine($"'{path}' is not inside an episodes/ folder");
                return 2;
            }

            onlyFile = Path.GetRelativePath(directory.Parent.FullName, full).Replace('\\', '/');
            path = directory.FullName;
        }

        if (!TryResolveRoot(path, out var root, out var problem))
        {
            error.WriteLine(problem);
            return 2;
        }

        LoadResult result;
        try
        {
            result = EpisodeLoader.LoadDirectory(root, EpisodeLoaderOptions.Default with { Now = DateTimeOffset.UtcNow });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"could not read {root}/episodes: {ex.Message}");
            return 2;
        }

        var prefix = DisplayPrefix(root);

        // PATH may name one file: the whole tree is still loaded (references need it), but only that
        // file's findings are printed and counted.
        var diagnostics = result.Diagnostics.AsEnumerable();
        if (onlyFile is not null)
        {
            diagnostics = diagnostics.Where(d => d.Location.Path == onlyFile);
        }

        var shown = diagnostics.ToList();
        foreach (var diagnostic in shown)
        {
            output.WriteLine(prefix + diagnostic);
        }

        var errors = shown.Count(d => d.Severity == DiagnosticSeverity.Error);
        var warnings = shown.Count(d => d.Severity == DiagnosticSeverity.Warning);
        var repository = result.Repository;
        var summary = $"{Count(repository.Shows.Count, "show")}, {Count(repository.People.Count, "person", "people")}, "
            + $"{Count(repository.Episodes.Count, "episode")} loaded; {Count(errors, "error")}, {Count(warnings, "warning")}.";
        // validate never publishes anything; what matters with errors is that `up` would refuse the commit.
        (errors > 0 ? error : output).WriteLine(errors > 0 ? $"{summary} `rawkode up` refuses a commit with errors: fix them and run validate again." : summary);
        return errors > 0 ? 1 : 0;
    }

    /// <summary>
    /// Finds the checkout root for a PATH that is either an <c>episodes/</c> folder or a checkout containing
    /// one; without PATH, searches upwards from the current directory.
    /// </summary>
    internal static bool TryResolveRoot(string? path, out string root, out string problem)
    {
        problem = "";
        if (path is null)
        {
            var directory = new DirectoryInfo(Environment.CurrentDirectory);
            while (directory is not null && !Directory.Exists(Path.Combine(directory.FullName, "episodes")))
            {
                directory = directory.Parent;
            }

            root = directory?.FullName ?? Environment.CurrentDirectory;
            if (directory is null)
            {
                problem = $"no episodes/ folder in {Environment.CurrentDirectory} or above it; pass the path of an episodes/ folder";
                return false;
            }

            return true;
        }

        var full = Path.GetFullPath(path);
        root = full;
        if (!Directory.Exists(full))
        {
            problem = $"'{path}' does not exist or is not a folder";
            return false;
        }

        if (Path.GetFileName(full.TrimEnd(Path.DirectorySeparatorChar)) == "episodes")
        {
            root = Path.GetDirectoryName(full.TrimEnd(Path.DirectorySeparatorChar))!;
            return true;
        }

        if (Directory.Exists(Path.Combine(full, "episodes")))
        {
            return true;
        }

        problem = $"'{path}' is neither an episodes/ folder nor a checkout that contains one";
        return false;
    }

    /// <summary>Prints paths relative to the current directory, so they can be opened as printed.</summary>
    internal static string DisplayPrefix(string root)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, root).Replace('\\', '/');
        return relative == "." ? "" : relative.TrimEnd('/') + "/";
    }

    internal static string Count(int count, string singular, string? plural = null) =>
        $"{count:N0} {(count == 1 ? singular : plural ?? singular + "s")}";
}

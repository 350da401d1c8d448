using System.CommandLine;
using RawkodeAutomation.Episodes.Loading;
using RawkodeAutomation.Episodes.Rendering;

namespace RawkodeAutomation.Cli.Commands;

/// <summary><c>rawkode describe EPISODE-ID</c>: the rendered YouTube description and its size.</summary>
internal static class DescribeCommand
{
    public static Command Create()
    {
        Argument<string> id = new("episode-id") { Description = "The episode id: <show-id>/<file name without .yaml>, e.g. klustered/2021-05-20-klustered-4." };
        Option<string?> path = new("--path") { Description = "The episodes/ folder or a checkout containing one (default: the current checkout)." };
        Command command = new("describe", "Print an episode's rendered YouTube description and its byte count.");
        command.Arguments.Add(id);
        command.Options.Add(path);
        command.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            if (!ValidateCommand.TryResolveRoot(parseResult.GetValue(path), out var root, out var problem))
            {
                error.WriteLine(problem);
                return 2;
            }

            var episodeId = parseResult.GetValue(id)!.Trim().Replace('\\', '/');
            if (episodeId.EndsWith(".yaml", StringComparison.Ordinal))
            {
                episodeId = episodeId[..^".yaml".Length];
            }

            if (episodeId.StartsWith("episodes/", StringComparison.Ordinal))
            {
                episodeId = episodeId["episodes/".Length..];
            }

            LoadResult result;
            try
            {
                result = EpisodeLoader.LoadDirectory(root, EpisodeLoaderOptions.Default with { ValidateDescriptions = false });
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"could not read {root}/episodes: {ex.Message}");
                return 2;
            }

            if (!result.Repository.Episodes.ContainsKey(episodeId))
            {
                var known = result.Repository.Episodes.Keys.Where(k => k.Contains(episodeId, StringComparison.OrdinalIgnoreCase)).Take(5).ToList();
                error.WriteLine($"episode '{episodeId}' not found (or it has errors: run 'rawkode validate')."
                    + (known.Count > 0 ? " Did you mean: " + string.Join(", ", known) : ""));
                return 1;
            }

            RenderedDescription rendered;
            try
            {
                rendered = DescriptionRenderer.Render(result.Repository, episodeId);
            }
            catch (InvalidOperationException ex)
            {
                // The show's template does not parse; the message says where.
                error.WriteLine(ex.Message);
                return 1;
            }

            output.WriteLine(rendered.Text);
            output.WriteLine();
            output.WriteLine($"--- {rendered.Utf8Bytes:N0} of {DescriptionRenderer.MaxDescriptionBytes:N0} UTF-8 bytes"
                + (rendered.Shortenings.Count > 0 ? $"; shortened: {string.Join("; ", rendered.Shortenings)}" : ""));
            if (!rendered.Fits)
            {
                error.WriteLine($"the description is {rendered.Utf8Bytes - DescriptionRenderer.MaxDescriptionBytes:N0} bytes over YouTube's limit; shorten the summary or chapters");
                return 1;
            }

            return 0;
        });
        return command;
    }
}

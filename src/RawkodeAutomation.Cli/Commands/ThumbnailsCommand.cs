using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Configuration;
using RawkodeAutomation.Episodes.Loading;
using RawkodeAutomation.Episodes.Model;
using RawkodeAutomation.Thumbnails;
using RawkodeAutomation.Thumbnails.Templates;
using SkiaSharp;

namespace RawkodeAutomation.Cli.Commands;

/// <summary><c>rawkode thumbnails render</c>: render episode thumbnails to files (the benchmark is <c>rawkode-bench thumbnails</c>).</summary>
internal static class ThumbnailsCommand
{
    public static Command Create()
    {
        Command thumbnails = new("thumbnails", "Episode thumbnails: render them from thumbnails/templates.");
        thumbnails.Subcommands.Add(Render());
        return thumbnails;
    }

    private static Option<DirectoryInfo?> RepoOption() =>
        new("--repo") { Description = "Repository root (holds episodes/ and thumbnails/). Default: found by walking up from the current directory." };

    private static Command Render()
    {
        Argument<string?> episodeId = new("EPISODE-ID") { Description = "Episode id, e.g. klustered/2021-05-20-guy-templeton.", Arity = ArgumentArity.ZeroOrOne };
        Option<bool> all = new("--all") { Description = "Render every episode." };
        Option<DirectoryInfo> outDir = new("--out") { Description = "Output directory.", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(".rawkode", "thumbnails")) };
        Option<DirectoryInfo?> repo = RepoOption();
        Command command = new("render", "Render thumbnails to files, with an index.html contact sheet to see them side by side.") { episodeId, all, outDir, repo };
        command.SetAction(async (parse, cancellationToken) =>
        {
            TextWriter output = parse.InvocationConfiguration.Output;
            TextWriter error = parse.InvocationConfiguration.Error;
            string? id = parse.GetValue(episodeId);
            if ((id is null) == !parse.GetValue(all))
            {
                error.WriteLine("Give one EPISODE-ID or --all (not both).");
                return 2;
            }

            if (FindRoot(parse.GetValue(repo), error) is not { } root)
            {
                return 2;
            }

            LoadResult loaded = EpisodeLoader.LoadDirectory(root);
            foreach (Diagnostic diagnostic in loaded.Diagnostics)
            {
                error.WriteLine(diagnostic.ToString());
            }

            EpisodeRepository episodes = loaded.Repository;
            List<Episode> selected;
            if (id is not null)
            {
                if (!episodes.Episodes.TryGetValue(id, out Episode? episode))
                {
                    string hint = string.Join(", ", episodes.Episodes.Keys.Where(k => k.Contains(id.Split('/')[^1], StringComparison.OrdinalIgnoreCase)).Take(5));
                    error.WriteLine($"No episode '{id}' in {Path.Combine(root, "episodes")}." + (hint.Length > 0 ? $" Did you mean: {hint}?" : " Ids look like <show-id>/<yyyy-mm-dd>-<slug>."));
                    return 2;
                }

                selected = [episode];
            }
            else
            {
                selected = [.. episodes.Episodes.Values.OrderBy(e => e.Id, StringComparer.Ordinal)];
            }

            string outPath = parse.GetValue(outDir)!.FullName;
            Directory.CreateDirectory(outPath);
            using ThumbnailRenderer renderer = new(ThumbnailAssets.FromRepositoryRoot(root));
            DateTimeOffset now = DateTimeOffset.UtcNow;
            await FetchAvatarsAsync(root, renderer.Assets, selected, episodes, now, output, cancellationToken).ConfigureAwait(false);
            List<ContactSheetEntry> entries = [];
            SortedSet<string> missingAvatars = new(StringComparer.Ordinal);
            int failures = 0;
            foreach (Episode episode in selected)
            {
                if (!episodes.Shows.TryGetValue(episode.ShowId, out Show? show))
                {
                    error.WriteLine($"{episode.Location}: show '{episode.ShowId}' is not defined; skipped.");
                    failures++;
                    continue;
                }

                try
                {
                    Stopwatch watch = Stopwatch.StartNew();
                    ThumbnailRequest request = ThumbnailRequest.FromEpisode(episode, show, episodes.People, now: now);
                    RenderedThumbnail thumbnail = renderer.Render(request);
                    string relative = episode.Id + thumbnail.FileExtension;
                    string file = Path.Combine(outPath, relative);
                    Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                    File.WriteAllBytes(file, thumbnail.Bytes);
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{file}  {thumbnail.ContentType} {thumbnail.Bytes.Length / 1024.0:0.0} KiB  hash {thumbnail.ContentHash[..12]}  {watch.Elapsed.TotalMilliseconds:0} ms"));
                    foreach (string warning in thumbnail.Warnings)
                    {
                        error.WriteLine($"  warning: {episode.Id}: {warning}");
                    }

                    missingAvatars.UnionWith(thumbnail.MissingAvatars);

                    entries.Add(new ContactSheetEntry(episode.Id, episode.Title, request.Template, relative, thumbnail));
                }
                catch (Exception e) when (e is ThumbnailTemplateException or ThumbnailFontException)
                {
                    error.WriteLine($"{episode.Id}: {e.Message}");
                    failures++;
                }
            }

            if (missingAvatars.Count > 0)
            {
                // One line for the run, not one per thumbnail: a monogram is a fine default, not a fault.
                error.WriteLine($"{missingAvatars.Count} {(missingAvatars.Count == 1 ? "person has" : "people have")} no picture and got a monogram: " +
                    $"{string.Join(", ", missingAvatars.Take(8))}{(missingAvatars.Count > 8 ? $" and {missingAvatars.Count - 8} more" : "")} " +
                    "(add episodes/people/avatars/<id>.png, or a github: handle and network access)");
            }

            string index = Path.Combine(outPath, "index.html");
            File.WriteAllText(index, ContactSheet(entries, root));
            output.WriteLine($"{entries.Count} thumbnail(s) written; contact sheet: {index}");
            return failures > 0 || !loaded.IsValid ? 1 : 0;
        });
        return command;
    }

    /// <summary>
    /// Puts the GitHub avatars of the people on these thumbnails into <c>.rawkode/avatars/</c>, from
    /// <c>Thumbnails:AvatarBaseUri</c> (appsettings.json or the environment; default GitHub; empty: never).
    /// </summary>
    private static async Task FetchAvatarsAsync(
        string root, ThumbnailAssets assets, IEnumerable<Episode> selected, EpisodeRepository episodes, DateTimeOffset now, TextWriter output, CancellationToken cancellationToken)
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .SetBasePath(root).AddJsonFile("appsettings.json", optional: true).AddEnvironmentVariables().Build();
        string? configured = configuration["Thumbnails:AvatarBaseUri"];
        if (configured is { Length: 0 })
        {
            return;
        }

        Uri baseUri = configured is null ? GitHubAvatarCache.DefaultBaseUri : new Uri(configured.EndsWith('/') ? configured : configured + "/");
        List<ThumbnailPerson> people = [.. selected
            .Where(e => episodes.Shows.ContainsKey(e.ShowId))
            .Select(e => ThumbnailRequest.FromEpisode(e, episodes.Shows[e.ShowId], episodes.People, now: now))
            .SelectMany(r => r.Guests.Append(r.Host).OfType<ThumbnailPerson>())];
        using HttpClient http = new() { Timeout = TimeSpan.FromSeconds(10) };
        AvatarFetchReport report = await new GitHubAvatarCache(http, assets, baseUri).FetchMissingAsync(people, cancellationToken).ConfigureAwait(false);
        if (report.Fetched.Count > 0)
        {
            output.WriteLine($"avatars: fetched {report.Fetched.Count} from {baseUri} into .rawkode/avatars/");
        }

        if (report.Offline is { } why)
        {
            output.WriteLine($"avatars: stopped fetching ({why}); people without a cached avatar get a monogram");
        }
    }

    private sealed record ContactSheetEntry(string Id, string Title, string Template, string File, RenderedThumbnail Thumbnail);

    private static string ContactSheet(List<ContactSheetEntry> entries, string root)
    {
        StringBuilder html = new();
        html.Append("<!doctype html><html><head><meta charset=\"utf-8\"><title>Thumbnails</title><style>");
        html.Append("body{font:14px system-ui,sans-serif;background:#0b0f19;color:#e5e7eb;margin:24px}");
        html.Append(".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:20px}");
        html.Append("figure{margin:0;background:#111827;border-radius:10px;overflow:hidden}img{width:100%;display:block;aspect-ratio:16/9}");
        html.Append("img.small{width:168px;height:94px;float:right;margin-left:10px;aspect-ratio:auto}figcaption{padding:10px 12px;line-height:1.45;overflow:hidden}code{color:#93c5fd}.w{color:#fbbf24}");
        html.Append("</style></head><body>");
        html.Append(CultureInfo.InvariantCulture, $"<h1>Thumbnails</h1><p>{entries.Count} episode(s) from {WebUtility.HtmlEncode(root)}</p><div class=\"grid\">");
        foreach (ContactSheetEntry e in entries)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<figure><a href=\"{Uri.EscapeDataString(e.File).Replace("%2F", "/", StringComparison.Ordinal)}\"><img src=\"{Uri.EscapeDataString(e.File).Replace("%2F", "/", StringComparison.Ordinal)}\" alt=\"\"></a><figcaption><img class=\"small\" title=\"at YouTube's list size, 168x94\" src=\"{Uri.EscapeDataString(e.File).Replace("%2F", "/", StringComparison.Ordinal)}\" alt=\"\"><b>{WebUtility.HtmlEncode(e.Title)}</b><br><code>{WebUtility.HtmlEncode(e.Id)}</code> · template <code>{WebUtility.HtmlEncode(e.Template)}</code><br>{e.Thumbnail.ContentType}, {e.Thumbnail.Bytes.Length / 1024.0:0.0} KiB, hash <code>{e.Thumbnail.ContentHash[..12]}</code>");
            foreach (string warning in e.Thumbnail.Warnings)
            {
                html.Append(CultureInfo.InvariantCulture, $"<br><span class=\"w\">⚠ {WebUtility.HtmlEncode(warning)}</span>");
            }

            html.Append("</figcaption></figure>");
        }

        html.Append("</div></body></html>");
        return html.ToString();
    }

    internal static string? FindRoot(DirectoryInfo? given, TextWriter error)
    {
        string start = given?.FullName ?? Environment.CurrentDirectory;
        string? root = ThumbnailAssets.FindRepositoryRoot(start);
        if (root is null)
        {
            error.WriteLine($"No thumbnails/fonts/fonts.yaml in {start} or above: run inside the repository or pass --repo.");
        }

        return root;
    }
}

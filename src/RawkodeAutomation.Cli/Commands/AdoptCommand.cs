using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using RawkodeAutomation.Episodes.Adoption;
using RawkodeAutomation.Episodes.Loading;
using RawkodeAutomation.GitHub;
using RawkodeAutomation.GitHub.Local;
using RawkodeAutomation.Hosting;
using RawkodeAutomation.YouTube;
using RawkodeAutomation.YouTube.Operations;
using RawkodeAutomation.YouTube.Quota;
using RawkodeAutomation.YouTube.Sandbox;

namespace RawkodeAutomation.Cli.Commands;

/// <summary>
/// <c>rawkode adopt [--write] [--json]</c>: onboarding an existing channel. Reads every video of the channel cheaply
/// (<see cref="ChannelHistory"/>), matches them to the episode files that have no <c>youtube.videoId</c>
/// (<see cref="AdoptionMatcher"/>), prints what matched and why, and with <c>--write</c> writes the ids into the files
/// (a text edit, <see cref="EpisodeFileEdit"/>) and commits them to the checkout's branch.
/// </summary>
internal static class AdoptCommand
{
    public static Command Create()
    {
        Option<bool> write = new("--write") { Description = "Write youtube.videoId into the matched episode files and commit them (ambiguous matches are never written)." };
        Option<bool> json = new("--json") { Description = "Print the report as JSON." };
        Option<string?> repo = new("--repo") { Description = "The checkout (default: the one around the current directory)." };
        Command command = new("adopt", "Match the channel's existing videos to episode files without youtube.videoId; --write records them.") { write, json, repo };
        command.SetAction(async (parse, cancellationToken) =>
            await RunAsync(parse.GetValue(repo), parse.GetValue(write), parse.GetValue(json),
                parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellationToken).ConfigureAwait(false));
        return command;
    }

    private static async Task<int> RunAsync(string? repositoryPath, bool write, bool json, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (!ValidateCommand.TryResolveRoot(repositoryPath, out var root, out var problem))
        {
            await error.WriteLineAsync(problem).ConfigureAwait(false);
            return 2;
        }
        var loaded = EpisodeLoader.LoadDirectory(root, EpisodeLoaderOptions.Default);
        if (!loaded.IsValid)
        {
            var prefix = ValidateCommand.DisplayPrefix(root);
            foreach (var diagnostic in loaded.Errors) { await error.WriteLineAsync(prefix + diagnostic).ConfigureAwait(false); }
            await error.WriteLineAsync($"rawkode adopt: episodes/ has {ValidateCommand.Count(loaded.Errors.Count(), "error")}; fix them first (rawkode validate). Nothing was read or written.").ConfigureAwait(false);
            return 1;
        }

        var config = new ConfigurationBuilder().SetBasePath(root).AddJsonFile("appsettings.json", optional: true).AddEnvironmentVariables().Build();
        YouTubeSandbox? sandbox = null;
        try
        {
            YouTubeOptions options;
            string where;
            if (string.IsNullOrWhiteSpace(config["YouTube:RefreshToken"]))
            {
                var sandboxOptions = EmbeddedYouTube.Options(root, 10_000);
                IReadOnlyDictionary<string, string?> clientConfiguration;
                try
                {
                    sandbox = await YouTubeSandbox.StartAsync(sandboxOptions, cancellationToken).ConfigureAwait(false);
                    clientConfiguration = sandbox.ClientConfiguration;
                    where = $"the YouTube sandbox (state in .rawkode/youtube.json{(EmbeddedYouTube.SnapshotOf(root) is null ? "" : $", first started from {EmbeddedYouTube.SnapshotFile}")})";
                }
                catch (YouTubeSandboxInUseException running) when (running.RunningAt is { } address)
                {
                    // `up` serves this checkout's channel: read it there, so what adopt spends is counted on that
                    // channel and nothing writes an older copy of it back.
                    clientConfiguration = YouTubeSandbox.ClientConfigurationFor(address, sandboxOptions);
                    where = $"the YouTube sandbox running at {address} (state in .rawkode/youtube.json)";
                }
                options = new YouTubeOptions();
                new ConfigurationBuilder().AddInMemoryCollection(clientConfiguration).Build().GetSection(YouTubeOptions.SectionName).Bind(options);
            }
            else
            {
                options = new YouTubeOptions();
                config.GetSection(YouTubeOptions.SectionName).Bind(options);
                where = "the configured channel";
            }
            var clock = TimeProvider.System;
            using var client = YouTubeClient.Create(options, new InMemoryQuotaLedger(clock, options.DailyQuota), clock);
            var history = await ChannelHistory.ReadAsync(client, cancellationToken).ConfigureAwait(false);
            var report = AdoptionMatcher.Match(loaded.Repository.Episodes.Values, history.Videos, clock.GetUtcNow());

            string? commit = null;
            List<string> written = [];
            if (write && report.Matched.Count > 0)
            {
                (commit, written) = await WriteAsync(root, report, cancellationToken).ConfigureAwait(false);
            }
            await output.WriteAsync(json ? Json(history, report, write, commit, written) : Text(where, history, report, write, commit, written)).ConfigureAwait(false);
            return 0;
        }
        catch (Exception e) when (e is YouTubeApiException or InvalidOperationException or InvalidDataException or IOException or GitException or HttpRequestException)
        {
            await error.WriteLineAsync($"rawkode adopt: {e.Message}").ConfigureAwait(false);
            return 2;
        }
        finally
        {
            if (sandbox is not null) { await sandbox.DisposeAsync().ConfigureAwait(false); }
        }
    }

    /// <summary>Writes the matched ids and commits exactly those files; refuses to touch a file with uncommitted changes.</summary>
    private static async Task<(string? Commit, List<string> Files)> WriteAsync(string root, AdoptionReport report, CancellationToken cancellationToken)
    {
        var git = new GitCli(root);
        var edits = new List<(string Path, string Before, string After)>();
        foreach (var match in report.Matched)
        {
            var path = match.Episode.Location.Path;
            var (dirty, _, _) = await git.TryRunAsync(["diff", "--quiet", "HEAD", "--", path], cancellationToken: cancellationToken).ConfigureAwait(false);
            if (dirty != 0)
            {
                throw new InvalidOperationException($"{path} has uncommitted changes; commit or discard them, then run rawkode adopt --write again. Nothing was written.");
            }
            var full = Path.Combine(root, path);
            var before = await File.ReadAllTextAsync(full, cancellationToken).ConfigureAwait(false);
            edits.Add((path, before, EpisodeFileEdit.WithVideoId(before, match.Video.VideoId)));
        }

        // Write, then prove the tree still loads with exactly these ids before committing; else put every file back.
        foreach (var (path, _, after) in edits) { await File.WriteAllTextAsync(Path.Combine(root, path), after, new UTF8Encoding(false), cancellationToken).ConfigureAwait(false); }
        var check = EpisodeLoader.LoadDirectory(root, EpisodeLoaderOptions.Default);
        var wrong = report.Matched.Where(m => !check.Repository.Episodes.TryGetValue(m.Episode.Id, out var e) || e.YouTube?.VideoId != m.Video.VideoId).ToList();
        if (!check.IsValid || wrong.Count > 0)
        {
            foreach (var (path, before, _) in edits) { await File.WriteAllTextAsync(Path.Combine(root, path), before, new UTF8Encoding(false), cancellationToken).ConfigureAwait(false); }
            var why = check.Errors.FirstOrDefault()?.ToString() ?? $"{wrong[0].Episode.Location.Path} did not read back youtube.videoId {wrong[0].Video.VideoId}";
            throw new InvalidOperationException($"the edited files did not validate ({why}); every file was put back as it was.");
        }

        var paths = edits.Select(e => e.Path).ToList();
        var message = new StringBuilder($"adopt: youtube.videoId for {ValidateCommand.Count(paths.Count, "episode")}\n\n");
        foreach (var m in report.Matched) { message.Append(CultureInfo.InvariantCulture, $"{m.Episode.Id} = {m.Video.VideoId} ({m.Evidence})\n"); }
        await git.RunAsync(["add", "--", .. paths], cancellationToken: cancellationToken).ConfigureAwait(false);
        // Only these paths: whatever else the person has staged stays staged and uncommitted.
        var env = await HasIdentityAsync(git, cancellationToken).ConfigureAwait(false) ? null : new Dictionary<string, string>
        {
            ["GIT_AUTHOR_NAME"] = "rawkode adopt",
            ["GIT_AUTHOR_EMAIL"] = "rawkode-adopt@localhost",
            ["GIT_COMMITTER_NAME"] = "rawkode adopt",
            ["GIT_COMMITTER_EMAIL"] = "rawkode-adopt@localhost",
        };
        await git.RunAsync(["commit", "--quiet", "-F", "-", "--", .. paths], Encoding.UTF8.GetBytes(message.ToString()), env, cancellationToken).ConfigureAwait(false);
        var sha = (await git.RunAsync(["rev-parse", "HEAD"], cancellationToken: cancellationToken).ConfigureAwait(false)).Trim();
        return (sha, paths);
    }

    private static async Task<bool> HasIdentityAsync(GitCli git, CancellationToken cancellationToken)
    {
        var (code, stdout, _) = await git.TryRunAsync(["config", "user.email"], cancellationToken: cancellationToken).ConfigureAwait(false);
        return code == 0 && stdout.Length > 0;
    }

    private static string Text(string where, ChannelHistoryResult history, AdoptionReport report, bool write, string? commit, List<string> written)
    {
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $"Channel {history.ChannelTitle ?? history.ChannelId} ({history.ChannelId}) on {where}: {history.Videos.Count} videos.\n\n");
        b.Append(CultureInfo.InvariantCulture, $"Matched ({report.Matched.Count}):\n");
        foreach (var m in report.Matched)
        {
            b.Append(CultureInfo.InvariantCulture, $"  {m.Episode.Id,-40} {m.Video.VideoId}  {m.Evidence}\n");
        }
        b.Append(CultureInfo.InvariantCulture, $"\nAmbiguous, not written ({report.Ambiguous.Count}):\n");
        foreach (var a in report.Ambiguous)
        {
            b.Append(CultureInfo.InvariantCulture, $"  {a.Episode.Id,-40} {a.Why}; add youtube.videoId by hand to {a.Episode.Location.Path}:\n");
            foreach (var (video, evidence) in a.Candidates) { b.Append(CultureInfo.InvariantCulture, $"      {video.VideoId}  {evidence}\n"); }
        }
        b.Append(CultureInfo.InvariantCulture, $"\nPast episodes with no video ({report.EpisodesWithoutVideo.Count}):\n");
        foreach (var e in report.EpisodesWithoutVideo) { b.Append(CultureInfo.InvariantCulture, $"  {e.Id,-40} {e.Location.Path}: \"{e.Title}\" {e.ScheduledFor:yyyy-MM-dd HH:mm}Z\n"); }
        b.Append(CultureInfo.InvariantCulture, $"\nVideos with no episode ({report.VideosWithoutEpisode.Count}):\n");
        foreach (var v in report.VideosWithoutEpisode) { b.Append(CultureInfo.InvariantCulture, $"  {v.VideoId}  {v.StartKind} {v.Start:yyyy-MM-dd HH:mm}Z  \"{v.Title}\"\n"); }
        if (report.ClaimedButMissing.Count > 0)
        {
            b.Append(CultureInfo.InvariantCulture, $"\nyoutube.videoId not on this channel ({report.ClaimedButMissing.Count}):\n");
            foreach (var e in report.ClaimedButMissing) { b.Append(CultureInfo.InvariantCulture, $"  {e.Id,-40} {e.YouTube!.VideoId}  {e.Location.Path}\n"); }
        }
        b.Append(CultureInfo.InvariantCulture, $"\nAlready adopted: {ValidateCommand.Count(report.AlreadyAdopted.Count, "episode")}.\n");
        var calls = string.Join(", ", history.Calls.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} ×{c.Value}"));
        b.Append(CultureInfo.InvariantCulture, $"Units spent: {history.UnitsSpent} ({calls}).\n");
        if (write)
        {
            b.Append(commit is null
                ? "Nothing to write.\n"
                : $"Wrote youtube.videoId into {ValidateCommand.Count(written.Count, "file")} and committed them as {GitShas.Short(commit)}.\n");
        }
        else if (report.Matched.Count > 0)
        {
            b.Append("Run rawkode adopt --write to write the matched ids into the files and commit them.\n");
        }
        return b.ToString();
    }

    private static string Json(ChannelHistoryResult history, AdoptionReport report, bool write, string? commit, List<string> written)
    {
        static JsonObject Video(ChannelVideo v) => new()
        {
            ["videoId"] = v.VideoId,
            ["title"] = v.Title,
            ["start"] = v.Start.ToString("O", CultureInfo.InvariantCulture),
            ["startKind"] = v.StartKind,
            ["wasLive"] = v.WasLive,
        };
        var o = new JsonObject
        {
            ["channelId"] = history.ChannelId,
            ["videos"] = history.Videos.Count,
            ["matched"] = new JsonArray([.. report.Matched.Select(m => (JsonNode)new JsonObject
            {
                ["episode"] = m.Episode.Id,
                ["path"] = m.Episode.Location.Path,
                ["video"] = Video(m.Video),
                ["evidence"] = m.Evidence,
            })]),
            ["ambiguous"] = new JsonArray([.. report.Ambiguous.Select(a => (JsonNode)new JsonObject
            {
                ["episode"] = a.Episode.Id,
                ["path"] = a.Episode.Location.Path,
                ["why"] = a.Why,
                ["candidates"] = new JsonArray([.. a.Candidates.Select(c => (JsonNode)new JsonObject { ["video"] = Video(c.Video), ["evidence"] = c.Evidence })]),
            })]),
            ["episodesWithoutVideo"] = new JsonArray([.. report.EpisodesWithoutVideo.Select(e => (JsonNode)e.Id)]),
            ["videosWithoutEpisode"] = new JsonArray([.. report.VideosWithoutEpisode.Select(v => (JsonNode)Video(v))]),
            ["claimedButMissing"] = new JsonArray([.. report.ClaimedButMissing.Select(e => (JsonNode)new JsonObject { ["episode"] = e.Id, ["videoId"] = e.YouTube!.VideoId })]),
            ["alreadyAdopted"] = report.AlreadyAdopted.Count,
            ["unitsSpent"] = history.UnitsSpent,
            ["calls"] = new JsonObject([.. history.Calls.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => KeyValuePair.Create(c.Key, (JsonNode?)c.Value))]),
        };
        if (write)
        {
            o["commit"] = commit;
            o["written"] = new JsonArray([.. written.Select(p => (JsonNode)p)]);
        }
        // People read this too (and jq does not care): titles and times as they are, not \u2014 or \u002B (as plan --json).
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }
}

using System.Diagnostics;
using System.Text.Json.Nodes;
using RawkodeAutomation.Hosting;
using RawkodeAutomation.YouTube.Sandbox;

namespace RawkodeAutomation.Cli.Tests;

/// <summary>
/// <c>rawkode adopt</c> end to end, as a creator onboarding a channel runs it: the built executable in a checkout of its
/// own, reading the YouTube sandbox started from the checkout's channel snapshot (<c>episodes/.sandbox/channel.json</c>),
/// printing the table or JSON, and with <c>--write</c> editing the matched files (comments kept) and committing them.
/// </summary>
public sealed class AdoptCommandTests : IDisposable
{
    private const string FluxPath = "episodes/demo/2021-03-04-flux.yaml";
    private const string DaprPath = "episodes/demo/2021-03-11-dapr.yaml";

    // Comments, a blank line and an inline comment: the edit must keep every byte of them.
    private const string FluxFile = """
        # Written by hand before RawkodeAutomation ran the channel.
        title: "Demo #1: Flux"   # the title people know
        scheduledFor: 2021-03-04T17:00:00Z
        duration: 90m

        summary: GitOps with Flux.

        """;

    private const string DaprFile = """
        title: "Demo #2: Dapr"
        scheduledFor: 2021-03-11T17:00:00Z
        duration: 60m
        summary: Dapr, one building block at a time.

        """;

    private readonly string _repo = Directory.CreateTempSubdirectory("rawkode-adopt-").FullName;

    public AdoptCommandTests()
    {
        Write("episodes/shows/demo.yaml", """
            name: Demo Show
            host: host
            description: A show for the test.
            youtube:
              categoryId: 28
              streamKey: demo

            """);
        Write("episodes/people/host.yaml", "name: Hedy Host\n");
        Write(FluxPath, FluxFile);
        // Only the start time agrees with a video: shown as a candidate, never written.
        Write(DaprPath, DaprFile);
        // Never streamed: no video at all.
        Write("episodes/demo/2021-03-18-tilt.yaml", """
            title: "Demo #3: Tilt"
            scheduledFor: 2021-03-18T17:00:00Z
            duration: 60m
            summary: Tilt for inner-loop development.

            """);
        // Upcoming: it gets a broadcast from `up`, adopt leaves it out.
        var future = DateTimeOffset.UtcNow.Date.AddDays(60);
        Write($"episodes/demo/{future:yyyy-MM-dd}-future.yaml", $"""
            title: "Demo #4: Future"
            scheduledFor: {future:yyyy-MM-dd}T17:00:00Z
            duration: 60m
            summary: Not yet.

            """);
        Write("episodes/.sandbox/channel.json", """
            {
              "channelId": "UCadoptCliTest0000000000",
              "channelTitle": "Adopt test channel",
              "videos": [
                { "id": "fluxVideo01", "title": "🔴 DEMO #1 — FLUX!", "description": "Old text.", "publishedAt": "2021-03-01T12:00:00Z",
                  "wasLive": true, "scheduledStart": "2021-03-04T17:00:00Z", "actualStart": "2021-03-04T17:02:00Z" },
                { "id": "officeHour1", "title": "Office hours", "publishedAt": "2021-03-09T12:00:00Z",
                  "wasLive": true, "scheduledStart": "2021-03-11T17:00:00Z", "actualStart": "2021-03-11T17:05:00Z" },
                { "id": "trailer0001", "title": "Channel trailer", "publishedAt": "2020-01-01T12:00:00Z" }
              ]
            }

            """);
        Write(".gitignore", ".rawkode/\n");
        Git("init", "-q", "-b", "main");
        Git("add", "-A");
        Git("-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", "commit", "-q", "-m", "seed");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_repo, recursive: true);
        }
        catch (IOException)
        {
            // A file may still be closing; a temp directory left behind is harmless.
        }
    }

    [Fact]
    public async Task Adopt_WithoutWrite_PrintsTheTableAndTheUnits_WritesNothing()
    {
        var head = Git("rev-parse", "HEAD");

        var result = await Rawkode.RunAsync(_repo, "adopt");

        Assert.True(result.ExitCode == 0, result.ToString());
        var text = result.Output;
        Assert.Contains("Channel Adopt test channel (UCadoptCliTest0000000000) on the YouTube sandbox", text, StringComparison.Ordinal);
        Assert.Contains("3 videos", text, StringComparison.Ordinal);
        Assert.Matches(@"Matched \(1\):\n  demo/2021-03-04-flux +fluxVideo01  same title ignoring case, punctuation and emoji \(""🔴 DEMO #1 — FLUX!""\); started 2m after scheduledFor\n", text);
        Assert.Matches(@"Ambiguous, not written \(1\):\n  demo/2021-03-11-dapr +only the start time agrees; the title differs; add youtube.videoId by hand to episodes/demo/2021-03-11-dapr.yaml:\n +officeHour1  ", text);
        Assert.Matches(@"Past episodes with no video \(1\):\n  demo/2021-03-18-tilt ", text);
        Assert.Matches(@"Videos with no episode \(1\):\n  trailer0001  published 2020-01-01 12:00Z  ""Channel trailer""\n", text);
        Assert.DoesNotContain("-future", text, StringComparison.Ordinal);
        Assert.Contains("Already adopted: 0 episodes.", text, StringComparison.Ordinal);
        Assert.Contains("Units spent: 3 (channels.list ×1, playlistItems.list ×1, videos.list ×1).", text, StringComparison.Ordinal);
        Assert.Contains("Run rawkode adopt --write", text, StringComparison.Ordinal);

        Assert.Equal(FluxFile, Read(FluxPath));
        Assert.Equal(head, Git("rev-parse", "HEAD"));
        Assert.Equal("", Git("status", "--porcelain"));
    }

    [Fact]
    public async Task Adopt_WhileUpServesTheSandboxChannel_ReadsItThereAndLeavesItsStateAlone()
    {
        // What `rawkode up` runs for this checkout: the sandbox on .rawkode/youtube.json.
        await using var running = await YouTubeSandbox.StartAsync(EmbeddedYouTube.Options(_repo, 10_000));
        var stateBefore = await File.ReadAllTextAsync(Path.Combine(_repo, ".rawkode", "youtube.json"));

        var result = await Rawkode.RunAsync(_repo, "adopt");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"on the YouTube sandbox running at {running.BaseUri}", result.Output, StringComparison.Ordinal);
        // The running channel served the reads and counted their units.
        Assert.Contains("3 videos", result.Output, StringComparison.Ordinal);
        Assert.Equal(1, running.Calls("videos.list"));
        Assert.Equal(3, running.QuotaUsedToday);
        // No second sandbox wrote its copy over the running one's file.
        Assert.Equal(stateBefore, await File.ReadAllTextAsync(Path.Combine(_repo, ".rawkode", "youtube.json")));
    }

    [Fact]
    public async Task Adopt_Json_IsTheSameReportAsJson_ReadableUnicode()
    {
        var result = await Rawkode.RunAsync(_repo, "adopt", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var report = JsonNode.Parse(result.Output)!.AsObject();
        Assert.Equal("UCadoptCliTest0000000000", report["channelId"]!.GetValue<string>());
        Assert.Equal(3, report["videos"]!.GetValue<int>());
        var matched = Assert.Single(report["matched"]!.AsArray())!;
        Assert.Equal("demo/2021-03-04-flux", matched["episode"]!.GetValue<string>());
        Assert.Equal(FluxPath, matched["path"]!.GetValue<string>());
        Assert.Equal("fluxVideo01", matched["video"]!["videoId"]!.GetValue<string>());
        Assert.True(matched["video"]!["wasLive"]!.GetValue<bool>());
        var ambiguous = Assert.Single(report["ambiguous"]!.AsArray())!;
        Assert.Equal("demo/2021-03-11-dapr", ambiguous["episode"]!.GetValue<string>());
        Assert.Equal("officeHour1", Assert.Single(ambiguous["candidates"]!.AsArray())!["video"]!["videoId"]!.GetValue<string>());
        Assert.Equal(["demo/2021-03-18-tilt"], report["episodesWithoutVideo"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Equal(["trailer0001"], report["videosWithoutEpisode"]!.AsArray().Select(v => v!["videoId"]!.GetValue<string>()));
        Assert.Equal(3, report["unitsSpent"]!.GetValue<int>());
        Assert.Equal(1, report["calls"]!["videos.list"]!.GetValue<int>());
        // Without --write the report says nothing about a commit.
        Assert.False(report.ContainsKey("commit"));
        // People read this too: titles and times as they are, not \u2014 or \u002B (System.Text.Json still escapes emoji).
        Assert.Contains("DEMO #1 — FLUX!", result.Output, StringComparison.Ordinal);
        Assert.Contains("+00:00", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdoptWrite_WritesMatchedIdKeepingComments_CommitsIt_LeavesAmbiguousAlone_ReRunWritesNothing()
    {
        var seed = Git("rev-parse", "HEAD");

        var first = await Rawkode.RunAsync(_repo, "adopt", "--write");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Matches(@"Wrote youtube.videoId into 1 file and committed them as [0-9a-f]{7,}\.", first.Output);
        // The matched file: every byte as written, plus the id.
        Assert.Equal(FluxFile + "youtube:\n  videoId: fluxVideo01\n", Read(FluxPath));
        // The ambiguous one is never written.
        Assert.Equal(DaprFile, Read(DaprPath));
        // Committed on the checkout's branch, exactly that file, nothing left uncommitted.
        var commit = Git("rev-parse", "HEAD");
        Assert.NotEqual(seed, commit);
        Assert.Equal(seed, Git("rev-parse", "HEAD~1"));
        Assert.Equal("refs/heads/main", Git("symbolic-ref", "HEAD"));
        Assert.Equal(FluxPath, Git("diff", "--name-only", seed, commit));
        Assert.StartsWith("adopt: youtube.videoId for 1 episode", Git("log", "-1", "--format=%B"), StringComparison.Ordinal);
        Assert.Contains("demo/2021-03-04-flux = fluxVideo01", Git("log", "-1", "--format=%B"), StringComparison.Ordinal);
        Assert.Equal("", Git("status", "--porcelain"));
        var validate = await Rawkode.RunAsync(_repo, "validate");
        Assert.True(validate.ExitCode == 0, validate.ToString());

        var again = await Rawkode.RunAsync(_repo, "adopt", "--write", "--json");

        Assert.True(again.ExitCode == 0, again.ToString());
        var report = JsonNode.Parse(again.Output)!.AsObject();
        Assert.Empty(report["matched"]!.AsArray());
        Assert.Equal(1, report["alreadyAdopted"]!.GetValue<int>());
        Assert.Null(report["commit"]);
        Assert.Empty(report["written"]!.AsArray());
        Assert.Equal(commit, Git("rev-parse", "HEAD"));
        Assert.Equal("", Git("status", "--porcelain"));
    }

    [Fact]
    public async Task Adopt_Twice_AlreadyAdoptedCountReadsAsEnglish()
    {
        var write = await Rawkode.RunAsync(_repo, "adopt", "--write");
        Assert.True(write.ExitCode == 0, write.ToString());

        var again = await Rawkode.RunAsync(_repo, "adopt");

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("Already adopted: 1 episode.", again.Output, StringComparison.Ordinal);
        Assert.Contains("Matched (0):", again.Output, StringComparison.Ordinal);
    }

    private void Write(string path, string text)
    {
        var full = Path.Combine(_repo, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text.ReplaceLineEndings("\n"));
    }

    private string Read(string path) => File.ReadAllText(Path.Combine(_repo, path));

    private string Git(params string[] arguments)
    {
        var info = new ProcessStartInfo("git") { WorkingDirectory = _repo, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var git = Process.Start(info)!;
        var stdout = git.StandardOutput.ReadToEnd();
        var stderr = git.StandardError.ReadToEnd();
        git.WaitForExit();
        Assert.True(git.ExitCode == 0, $"git {string.Join(' ', arguments)}: {stderr}");
        return stdout.Trim();
    }
}

using System.Diagnostics;
using System.Text;
using RawkodeAutomation.Episodes.Loading;
using RawkodeAutomation.GitHub.Local;

namespace RawkodeAutomation.Episodes.Tests;

/// <summary>Runs the real git CLI on a temporary repository.</summary>
public sealed class GitRevisionReaderTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("rawkode-git-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task ReadAsync_RevisionAndWorkingTree_ReturnEachVersionOfEpisodes()
    {
        Write("episodes/people/ada.yaml", "name: Ada\n");
        Write("episodes/people/zoë.yaml", "name: Zoë\n");
        Write("README.md", "not episodes\n");
        Git("init", "-q");
        Git("add", "-A");
        Git("-c", "user.name=test", "-c", "user.email=test@localhost", "-c", "commit.gpgsign=false", "commit", "-q", "-m", "first");
        Write("episodes/people/ada.yaml", "name: Ada Okafor\n");
        Write("episodes/people/ben.yaml", "name: Ben\n");
        var reader = new GitRevisionReader(_directory.FullName);

        var head = await reader.ReadAsync("HEAD");
        var workingTree = await reader.ReadAsync(null);

        Assert.Equal(["episodes/people/ada.yaml", "episodes/people/zoë.yaml"], head.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("name: Ada\n", Encoding.UTF8.GetString(head["episodes/people/ada.yaml"]));
        Assert.Equal("name: Ada Okafor\n", Encoding.UTF8.GetString(workingTree["episodes/people/ada.yaml"]));
        Assert.Contains("episodes/people/ben.yaml", workingTree.Keys);
        // The non-ASCII path arrives verbatim (not octal-quoted), so the loader can say what is wrong with it.
        Assert.Equal("episodes/people/zoë.yaml:1:1", Assert.Single(EpisodeLoader.Load(head).Errors).Location.ToString());
    }

    [Fact]
    public async Task ReadAsync_UnknownRevision_ThrowsGitExceptionThatSaysWhat()
    {
        Git("init", "-q");
        var reader = new GitRevisionReader(_directory.FullName);

        var error = await Assert.ThrowsAsync<GitException>(() => reader.ReadAsync("no-such-branch"));

        Assert.StartsWith("'no-such-branch' is not a commit in ", error.Message, StringComparison.Ordinal);
        Assert.False(await reader.ExistsAsync("HEAD"));
    }

    [Fact]
    public async Task ReadAsync_MoreThanPipeBuffersHold_ReadsEveryFileIncludingSharedContents()
    {
        // 3,000 object ids (~120 KB) in and over 1 MB out: more than a pipe buffer each way, so input and
        // output must stream together; two paths with the same contents share one blob.
        for (var i = 0; i < 3000; i++)
        {
            Write($"episodes/many/{i:D4}.yaml", $"name: N{i}\n");
        }

        var large = new string('x', 1_100_000);
        Write("episodes/large.txt", large);
        Write("episodes/copy-a.yaml", "same\n");
        Write("episodes/copy-b.yaml", "same\n");
        Git("init", "-q");
        Git("add", "-A");
        Git("-c", "user.name=test", "-c", "user.email=test@localhost", "-c", "commit.gpgsign=false", "commit", "-q", "-m", "many");
        var reader = new GitRevisionReader(_directory.FullName);

        var files = await reader.ReadAsync("HEAD");

        Assert.Equal(3003, files.Count);
        Assert.Equal("name: N2999\n", Encoding.UTF8.GetString(files["episodes/many/2999.yaml"]));
        Assert.Equal(large, Encoding.UTF8.GetString(files["episodes/large.txt"]));
        Assert.Equal("same\n", Encoding.UTF8.GetString(files["episodes/copy-a.yaml"]));
        Assert.Equal("same\n", Encoding.UTF8.GetString(files["episodes/copy-b.yaml"]));
    }

    private void Write(string path, string text)
    {
        var full = Path.Combine(_directory.FullName, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }

    private void Git(params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = _directory.FullName, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', arguments)}: {stderr}");
    }
}

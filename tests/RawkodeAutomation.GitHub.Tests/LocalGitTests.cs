using System.Text;
using RawkodeAutomation.GitHub.Local;

namespace RawkodeAutomation.GitHub.Tests;

/// <summary>A throwaway repository driven through the git CLI, as a human would.</summary>
internal sealed class TempRepo : IDisposable
{
    public TempRepo()
    {
        Path = Directory.CreateTempSubdirectory("rawkode-git-").FullName;
        Git = new GitCli(Path);
        Run("init", "-q", "-b", "main");
        Run("config", "user.name", "Human");
        Run("config", "user.email", "human@example.com");
        Run("config", "commit.gpgsign", "false");
    }

    public string Path { get; }

    public GitCli Git { get; }

    public string Run(params string[] args) => Git.RunAsync(args).GetAwaiter().GetResult();

    public string Commit(Dictionary<string, string?> files, string message = "human change")
    {
        foreach (var (path, content) in files)
        {
            var full = System.IO.Path.Combine(Path, path);
            if (content is null)
            {
                File.Delete(full);
                continue;
            }

            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
        }

        Run("add", "-A");
        Run("commit", "-q", "-m", message);
        return Run("rev-parse", "HEAD");
    }

    public void Dispose()
    {
        foreach (var file in Directory.EnumerateFiles(Path, "*", SearchOption.AllDirectories))
        {
            // git marks its objects read-only.
            File.SetAttributes(file, FileAttributes.Normal);
        }

        Directory.Delete(Path, recursive: true);
    }
}

public sealed class LocalGitTests
{
    [Fact]
    public async Task RunAsync_FailingCommand_ThrowsGitExceptionWithCommandAndGitsWords()
    {
        using var repo = new TempRepo();

        var error = await Assert.ThrowsAsync<GitException>(() => repo.Git.RunAsync(["rev-parse", "--verify", "no-such-branch"]));

        Assert.StartsWith($"git rev-parse --verify no-such-branch failed in {repo.Git.RepositoryPath} (exit 128): fatal:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadBlobsAsync_MissingObject_ThrowsGitExceptionNamingIt()
    {
        using var repo = new TempRepo();
        var missing = new string('0', 40);

        var error = await Assert.ThrowsAsync<GitException>(() => repo.Git.ReadBlobsAsync([missing]));

        Assert.Equal($"git cat-file could not read blob {missing} in {repo.Git.RepositoryPath}: '{missing} missing'.", error.Message);
    }

    [Fact]
    public async Task GetEpisodeFiles_OldCommit_ReadsThatCommitNotTheWorkTree()
    {
        using var repo = new TempRepo();
        var first = repo.Commit(Fixtures.ValidTree("First"));
        repo.Commit(new() { [Fixtures.Episode] = Fixtures.EpisodeYaml("Second") });
        File.WriteAllText(System.IO.Path.Combine(repo.Path, Fixtures.Episode), "uncommitted");
        var source = new LocalGitEpisodeSource(repo.Git);

        var files = await source.GetEpisodeFilesAsync(first, CancellationToken.None);

        Assert.Equal([Fixtures.Host, Fixtures.Episode, Fixtures.Show], files.Keys);
        Assert.Contains("First", Encoding.UTF8.GetString(files[Fixtures.Episode]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PollOnce_NewCommitsAndRewrite_ObservedLikePushes()
    {
        using var repo = new TempRepo();
        var first = repo.Commit(Fixtures.ValidTree());
        var sink = new RecordingSink();
        var watcher = new LocalGitCommitWatcher(repo.Git, "main", sink);

        var initial = await watcher.PollOnceAsync(CancellationToken.None);
        var idle = await watcher.PollOnceAsync(CancellationToken.None);
        repo.Commit(new() { [Fixtures.Episode] = Fixtures.EpisodeYaml("Two") });
        var third = repo.Commit(new() { [Fixtures.Episode] = Fixtures.EpisodeYaml("Three") });
        var batched = await watcher.PollOnceAsync(CancellationToken.None);
        repo.Run("reset", "-q", "--hard", first);
        var rewritten = repo.Commit(new() { [Fixtures.Episode] = Fixtures.EpisodeYaml("Rewritten") });
        var forced = await watcher.PollOnceAsync(CancellationToken.None);

        Assert.Equal(new CommitObserved(repo.Git.RepositoryPath, "main", first, null), initial);
        Assert.Null(idle);
        Assert.Equal(new CommitObserved(repo.Git.RepositoryPath, "main", third, first), batched);
        Assert.Equal(new CommitObserved(repo.Git.RepositoryPath, "main", rewritten, third, Forced: true), forced);
        Assert.Equal(3, sink.Observed.Count);
    }

    [Fact]
    public async Task Run_CommitWhileWatching_RaisedWithinDeadline()
    {
        using var repo = new TempRepo();
        var first = repo.Commit(Fixtures.ValidTree());
        var sink = new RecordingSink();
        var watcher = new LocalGitCommitWatcher(repo.Git, "main", sink, lastSeen: first);
        using var cts = new CancellationTokenSource();
        var running = watcher.RunAsync(TimeSpan.FromMilliseconds(50), cts.Token);

        var second = repo.Commit(new() { [Fixtures.Episode] = Fixtures.EpisodeYaml("Two") });
        await Eventually.ThatAsync(() => !sink.Observed.IsEmpty, "the watcher raises the new commit");

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        var observed = Assert.Single(sink.Observed);
        Assert.Equal(second, observed.Sha);
        Assert.Equal(first, observed.Before);
    }

    [Fact]
    public async Task Update_ConcurrentHumanCommit_RetriesAndKeepsBothChanges()
    {
        using var repo = new TempRepo();
        repo.Commit(Fixtures.ValidTree("Before"));
        var writer = new LocalGitEpisodeFileWriter(repo.Git, new GitHubOptions());
        var calls = 0;

        var result = await writer.UpdateAsync(Fixtures.Episode, current =>
        {
            if (++calls == 1)
            {
                repo.Commit(new() { [Fixtures.Episode] = Fixtures.EpisodeYaml("Human title") }, "human: retitle");
            }

            return Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(current!) + "youtube: { videoId: abc123 }\n");
        }, "automation: record video id", CancellationToken.None);

        Assert.True(result.Changed);
        Assert.Equal(2, result.Attempts);
        var committed = repo.Run("show", $"main:{Fixtures.Episode}");
        Assert.Contains("Human title", committed, StringComparison.Ordinal);
        Assert.Contains("videoId: abc123", committed, StringComparison.Ordinal);
        Assert.Equal("rawkode-automation", repo.Run("log", "-1", "--format=%an", "main"));
        Assert.Equal("human: retitle", repo.Run("log", "-1", "--format=%s", "main~1"));
        // The checkout follows the branch: nothing looks modified to the human.
        Assert.Equal("", repo.Run("status", "--porcelain"));
    }

    [Fact]
    public async Task Update_FileWithUncommittedChanges_RefusesWithClearError()
    {
        using var repo = new TempRepo();
        var head = repo.Commit(Fixtures.ValidTree());
        File.AppendAllText(System.IO.Path.Combine(repo.Path, Fixtures.Episode), "# editing\n");
        var writer = new LocalGitEpisodeFileWriter(repo.Git, new GitHubOptions());

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            writer.UpdateAsync(Fixtures.Episode, c => Encoding.UTF8.GetBytes("changed\n"), "automation", CancellationToken.None));

        Assert.Contains("uncommitted changes", error.Message, StringComparison.Ordinal);
        Assert.Equal(head, repo.Run("rev-parse", "main"));
    }
}

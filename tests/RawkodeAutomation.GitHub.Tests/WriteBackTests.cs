using System.Text;
using RawkodeAutomation.GitHub.Sandbox;

namespace RawkodeAutomation.GitHub.Tests;

public sealed class WriteBackTests
{
    private static Func<byte[]?, byte[]?> AppendLine(string line) =>
        current => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(current ?? []) + line + "\n");

    [Fact]
    public async Task Update_ConcurrentHumanCommitToSameFile_RetriesOnNewHeadAndKeepsHumanChange()
    {
        await using var h = await Harness.StartAsync();
        h.Push(Fixtures.ValidTree("Before"));
        var calls = 0;

        var result = await h.Writer.UpdateAsync(Fixtures.Episode, current =>
        {
            if (++calls == 1)
            {
                // A human commits to the same file after the automation read it and before it writes.
                h.Repo.Commit("main", "human: retitle", new Dictionary<string, string?> { [Fixtures.Episode] = Fixtures.EpisodeYaml("Human title") });
            }

            return AppendLine("youtube: { videoId: abc123 }")(current);
        }, "automation: record video id", CancellationToken.None);

        Assert.True(result.Changed);
        Assert.Equal(2, result.Attempts);
        var text = Encoding.UTF8.GetString(h.Repo.Files("main")[Fixtures.Episode]);
        Assert.Contains("Human title", text, StringComparison.Ordinal);
        Assert.Contains("videoId: abc123", text, StringComparison.Ordinal);
        var automation = h.Repo.GetCommit(h.Repo.Head("main")!)!;
        Assert.Equal(result.CommitSha, automation.Sha);
        Assert.Equal("rawkode-automation", automation.Author.Name);
        Assert.Equal("human: retitle", h.Repo.GetCommit(automation.Parents[0])!.Message);
        Assert.Contains(h.Sandbox.Requests, r => r.StartsWith("PUT", StringComparison.Ordinal) && r.EndsWith("409", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Update_HumanCommitToOtherFile_KeepsBothChanges()
    {
        await using var h = await Harness.StartAsync();
        h.Push(Fixtures.ValidTree());
        h.Push(new() { [Fixtures.Host] = "name: David Flanagan\nbio: Changed by a human.\ngithub: rawkode\n" });

        var result = await h.Writer.UpdateAsync(Fixtures.Episode, AppendLine("# fixed in 12m"), "automation: time to fix", CancellationToken.None);

        Assert.Equal(1, result.Attempts);
        var files = h.Repo.Files("main");
        Assert.Contains("Changed by a human", Encoding.UTF8.GetString(files[Fixtures.Host]), StringComparison.Ordinal);
        Assert.EndsWith("# fixed in 12m\n", Encoding.UTF8.GetString(files[Fixtures.Episode]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Update_EditLeavesContentUnchanged_MakesNoCommit()
    {
        await using var h = await Harness.StartAsync();
        var (_, head) = h.Push(Fixtures.ValidTree());

        var result = await h.Writer.UpdateAsync(Fixtures.Episode, current => current, "nothing", CancellationToken.None);

        Assert.False(result.Changed);
        Assert.Equal(head, h.Repo.Head("main"));
    }

    [Fact]
    public async Task Update_MissingFile_CreatesIt()
    {
        await using var h = await Harness.StartAsync();
        h.Push(Fixtures.ValidTree());

        var result = await h.Writer.UpdateAsync("episodes/results.yaml", current => current is null ? "ok: true\n"u8.ToArray() : null, "create", CancellationToken.None);

        Assert.True(result.Changed);
        Assert.Equal("ok: true\n", Encoding.UTF8.GetString(h.Repo.Files("main")["episodes/results.yaml"]));
    }

    [Fact]
    public async Task Update_FileKeepsChanging_GivesUpWithClearError()
    {
        await using var h = await Harness.StartAsync();
        h.Push(Fixtures.ValidTree());
        h.Options.WriteBackMaxAttempts = 3;
        var n = 0;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => h.Writer.UpdateAsync(Fixtures.Episode, current =>
        {
            h.Repo.Commit("main", "human", new Dictionary<string, string?> { [Fixtures.Episode] = Fixtures.EpisodeYaml($"Human {++n}") });
            return AppendLine("x: 1")(current);
        }, "automation", CancellationToken.None));

        Assert.Contains("3 attempts", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("x: 1", Encoding.UTF8.GetString(h.Repo.Files("main")[Fixtures.Episode]), StringComparison.Ordinal);
    }
}

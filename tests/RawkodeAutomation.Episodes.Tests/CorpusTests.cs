using System.Text.RegularExpressions;
using RawkodeAutomation.Episodes.Loading;

namespace RawkodeAutomation.Episodes.Tests;

/// <summary>
/// The broken-file corpus: each file in <c>Corpus/cases/</c> is placed into the small valid repository in
/// <c>Corpus/base/</c> at the path listed in <c>Corpus/targets.txt</c>, and the loader's complete output
/// must equal <c>Corpus/expected/&lt;case&gt;.txt</c> (one <c>path:line:column: message</c> per line).
/// A mismatch writes <c>&lt;case&gt;.received.txt</c> beside the expectation and fails with its path.
/// </summary>
public partial class CorpusTests
{
    private static readonly string SourceCorpus = Path.Combine(RepositoryPaths.Root, "tests", "RawkodeAutomation.Episodes.Tests", "Corpus");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var (name, _) in Targets())
        {
            data.Add(name);
        }

        return data;
    }

    [Fact]
    public void Load_BaseRepository_IsValid()
    {
        var result = EpisodeLoader.Load(BaseFiles());

        Assert.True(result.IsValid, string.Join('\n', result.Diagnostics));
        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void Corpus_HasOneCasePerRule_AtLeastTwentyFive()
    {
        Assert.True(Targets().Count >= 25);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Load_BrokenFile_ReportsExpectedErrors(string name)
    {
        var files = BaseFiles();
        var target = Targets()[name];
        files[target] = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Corpus", "cases", name));

        var result = EpisodeLoader.Load(files);

        var received = string.Join('\n', result.Diagnostics.Select(d => d.ToString())) + "\n";
        var expectedPath = Path.Combine(SourceCorpus, "expected", name + ".txt");
        var expected = File.Exists(expectedPath) ? File.ReadAllText(expectedPath).ReplaceLineEndings("\n") : null;
        var receivedPath = Path.Combine(SourceCorpus, "expected", name + ".received.txt");
        if (expected != received)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(receivedPath)!);
            File.WriteAllText(receivedPath, received);
            Assert.Fail($"diagnostics differ from {expectedPath}; see {receivedPath}\n{received}");
        }

        File.Delete(receivedPath);
        Assert.False(result.IsValid);
        // Every error points into the file that was broken, at a real position, and is no stack trace.
        Assert.All(result.Errors, d =>
        {
            Assert.Equal(target, d.Location.Path);
            Assert.True(d.Location.Line >= 1 && d.Location.Column >= 1);
            Assert.DoesNotMatch(StackTraceLine(), d.Message);
        });
    }

    [GeneratedRegex(@"\bat [A-Z][\w.]+\(")]
    private static partial Regex StackTraceLine();

    private static Dictionary<string, byte[]> BaseFiles()
    {
        var root = Path.Combine(AppContext.BaseDirectory, "Corpus", "base");
        return Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(p => Path.GetRelativePath(root, p).Replace('\\', '/'), File.ReadAllBytes, StringComparer.Ordinal);
    }

    private static Dictionary<string, string> Targets() =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Corpus", "targets.txt"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split(" -> "))
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
}

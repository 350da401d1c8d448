using System.Text;
using RawkodeAutomation.Episodes.Loading;
using RawkodeAutomation.Episodes.Model;

namespace RawkodeAutomation.Episodes.Tests;

/// <summary>Builds small in-memory episodes trees for tests.</summary>
internal sealed class TestRepository
{
    public Dictionary<string, byte[]> Files { get; } = new(StringComparer.Ordinal);

    public static TestRepository WithShow(string showId = "klustered", string host = "rawkode", string? playlist = "PLtest0001")
    {
        var repo = new TestRepository();
        repo.Person(host, "David Flanagan", "Host of the show.");
        repo.Show(showId, host, playlist);
        return repo;
    }

    public TestRepository Show(string id, string host, string? playlist = "PLtest0001", string description = "A show about Kubernetes.")
    {
        Put($"episodes/shows/{id}.yaml",
            $"name: Show {id}\nhost: {host}\ndescription: {description}\nhashtags: [\"#Test\"]\nyoutube:\n  categoryId: 28\n"
            + (playlist is null ? "" : $"  playlistId: {playlist}\n") + $"  streamKey: {id}\n");
        return this;
    }

    public TestRepository Person(string id, string name, string bio = "An engineer.")
    {
        Put($"episodes/people/{id}.yaml", $"name: {name}\nbio: \"{bio}\"\ngithub: {id.Replace("-", "", StringComparison.Ordinal)}\n");
        return this;
    }

    public TestRepository Episode(
        string show, string fileName, string title, string scheduledFor, string[]? guests = null, string extra = "", bool draft = false)
    {
        Put($"episodes/{show}/{fileName}.yaml",
            $"title: \"{title}\"\n" + (scheduledFor.Length > 0 ? $"scheduledFor: {scheduledFor}\n" : "") + "duration: 90m\n"
            + (draft ? "draft: true\n" : "") + $"guests: [{string.Join(", ", guests ?? [])}]\nsummary: Summary of {title}.\n" + extra);
        return this;
    }

    /// <summary>
    /// Adds <paramref name="count"/> weekly episodes of <paramref name="show"/> at 17:00 UTC from <paramref name="first"/>:
    /// episode i is "&lt;date&gt;-ep-i", titled "Episode i".
    /// </summary>
    public TestRepository WeeklyEpisodes(string show, int count, DateOnly first, Func<int, string[]>? guests = null, Func<int, string>? extra = null)
    {
        for (var i = 0; i < count; i++)
        {
            var day = first.AddDays(7 * i);
            Episode(show, $"{day:yyyy-MM-dd}-ep-{i}", $"Episode {i}", $"{day:yyyy-MM-dd}T17:00:00Z", guests?.Invoke(i), extra?.Invoke(i) ?? "");
        }

        return this;
    }

    public TestRepository Put(string path, string text)
    {
        Files[path] = Encoding.UTF8.GetBytes(text);
        return this;
    }

    public TestRepository Remove(string path)
    {
        Files.Remove(path);
        return this;
    }

    public TestRepository Clone()
    {
        var copy = new TestRepository();
        foreach (var (path, bytes) in Files)
        {
            copy.Files[path] = bytes;
        }

        return copy;
    }

    public LoadResult LoadResult() => EpisodeLoader.Load(Files);

    /// <summary>Loads and asserts the tree is valid.</summary>
    public EpisodeRepository Load()
    {
        var result = EpisodeLoader.Load(Files);
        Assert.True(result.IsValid, string.Join('\n', result.Diagnostics));
        return result.Repository;
    }

    public const string KlusteredSection = """
        klustered:
          teams:
            - name: team-a
              breakers: [ada]
              fixers: [ben]
              cluster: { class: kubeadm-small, kubernetesVersion: v1.31.0 }
              breaks: [coredns-homoglyph]
        """;
}

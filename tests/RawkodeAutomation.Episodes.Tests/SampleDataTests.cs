using RawkodeAutomation.Episodes.Loading;
using RawkodeAutomation.Episodes.Rendering;

namespace RawkodeAutomation.Episodes.Tests;

public class SampleDataTests
{
    [Fact]
    public void LoadDirectory_RepositoryEpisodes_EveryFileIsValid()
    {
        var result = EpisodeLoader.LoadDirectory(RepositoryPaths.Root);

        Assert.True(result.IsValid, string.Join('\n', result.Diagnostics));
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void LoadDirectory_RepositoryEpisodes_LooksLikeARealChannel()
    {
        var repository = EpisodeLoader.LoadDirectory(RepositoryPaths.Root).Repository;

        Assert.True(repository.Shows.Count >= 2);
        Assert.True(repository.People.Count >= 30);
        Assert.True(repository.Episodes.Count >= 40);
        Assert.Contains(repository.Episodes.Values, e => e.Klustered is { Teams.Count: >= 2 });
        Assert.Contains(repository.Episodes.Values, e => e.Draft);
        Assert.Contains(repository.Episodes.Values, e => e.ScheduledFor?.Year == 2027);
        Assert.Contains(repository.Episodes.Values, e => e.ScheduledFor is { Year: 2026, Month: 12 });
    }

    [Fact]
    public void Render_EverySampleEpisode_FitsAndHasNoAngleBrackets()
    {
        var repository = EpisodeLoader.LoadDirectory(RepositoryPaths.Root).Repository;

        foreach (var id in repository.Episodes.Keys)
        {
            var rendered = DescriptionRenderer.Render(repository, id);
            Assert.True(rendered.Utf8Bytes <= DescriptionRenderer.MaxDescriptionBytes, id);
            Assert.DoesNotContain('<', rendered.Text);
            Assert.DoesNotContain('>', rendered.Text);
            Assert.StartsWith(repository.Episodes[id].Summary.Trim()[..20], rendered.Text, StringComparison.Ordinal);
        }
    }
}

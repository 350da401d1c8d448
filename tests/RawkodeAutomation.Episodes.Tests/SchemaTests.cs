using System.Text.Json;
using RawkodeAutomation.Episodes.Loading;

namespace RawkodeAutomation.Episodes.Tests;

/// <summary>The editor-facing JSON Schemas must agree with the loader, which is the authority.</summary>
public class SchemaTests
{
    private static JsonElement Schema(string kind) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "episodes", ".schema", $"{kind}.schema.json"))).RootElement;

    private static string[] Keys(JsonElement objectSchema) =>
        [.. objectSchema.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];

    [Fact]
    public void Schemas_PropertyNames_MatchTheLoadersKeys()
    {
        var episode = Schema("episode");
        var team = episode.GetProperty("properties").GetProperty("klustered").GetProperty("properties").GetProperty("teams").GetProperty("items");

        Assert.Equal(EntityReaders.ShowKeys.Order(StringComparer.Ordinal), Keys(Schema("show")));
        Assert.Equal(EntityReaders.ShowYouTubeKeys.Order(StringComparer.Ordinal), Keys(Schema("show").GetProperty("properties").GetProperty("youtube")));
        Assert.Equal(EntityReaders.PersonKeys.Order(StringComparer.Ordinal), Keys(Schema("person")));
        Assert.Equal(EntityReaders.EpisodeKeys.Order(StringComparer.Ordinal), Keys(episode));
        Assert.Equal(EntityReaders.KlusteredKeys.Order(StringComparer.Ordinal), Keys(episode.GetProperty("properties").GetProperty("klustered")));
        Assert.Equal(EntityReaders.TeamKeys.Order(StringComparer.Ordinal), Keys(team));
        Assert.Equal(EntityReaders.ClusterKeys.Order(StringComparer.Ordinal), Keys(team.GetProperty("properties").GetProperty("cluster")));
    }

    [Fact]
    public void EpisodeSchema_BreakAndClusterClassEnums_MatchTheCatalogue()
    {
        var team = Schema("episode").GetProperty("properties").GetProperty("klustered").GetProperty("properties").GetProperty("teams").GetProperty("items").GetProperty("properties");

        var breaks = team.GetProperty("breaks").GetProperty("items").GetProperty("enum").EnumerateArray().Select(e => e.GetString()!);
        var classes = team.GetProperty("cluster").GetProperty("properties").GetProperty("class").GetProperty("enum").EnumerateArray().Select(e => e.GetString()!);

        Assert.Equal(KnownBreaks.Default.Order(StringComparer.Ordinal), breaks.Order(StringComparer.Ordinal));
        Assert.Equal(KnownClusterClasses.Default.Order(StringComparer.Ordinal), classes.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EveryYamlFile_ReferencesItsSchemaForEditors()
    {
        foreach (var path in Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "episodes"), "*.yaml", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(Path.Combine(RepositoryPaths.Root, "episodes"), path).Replace('\\', '/');
            var kind = relative.StartsWith("shows/", StringComparison.Ordinal) ? "show" : relative.StartsWith("people/", StringComparison.Ordinal) ? "person" : "episode";
            Assert.StartsWith($"# yaml-language-server: $schema=../.schema/{kind}.schema.json\n", File.ReadAllText(path), StringComparison.Ordinal);
        }
    }
}

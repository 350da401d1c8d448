using System.Text;
using RawkodeAutomation.Episodes.Loading;
using RawkodeAutomation.Episodes.Model;

namespace RawkodeAutomation.Episodes.Tests;

public class LoaderTests
{
    [Fact]
    public void Load_ValidTree_BuildsModelWithIdsFromPaths()
    {
        var repository = TestRepository.WithShow()
            .Person("ada", "Ada")
            .Person("ben", "Ben")
            .Episode("klustered", "2026-12-03-ada-and-ben", "Ada and Ben", "2026-12-03T17:00:00+01:00", ["ada", "ben"], TestRepository.KlusteredSection + "\n")
            .Load();

        var episode = repository.Episodes["klustered/2026-12-03-ada-and-ben"];
        Assert.Equal("klustered", episode.ShowId);
        Assert.Equal("2026-12-03-ada-and-ben", episode.Slug);
        Assert.Equal(new DateTimeOffset(2026, 12, 3, 17, 0, 0, TimeSpan.FromHours(1)), episode.ScheduledFor);
        Assert.Equal(TimeSpan.FromMinutes(90), episode.Duration);
        Assert.Equal(["ada", "ben"], episode.Guests);
        var team = Assert.Single(episode.Klustered!.Teams);
        Assert.Equal(TimeSpan.FromHours(2), episode.Klustered.ProvisionBefore);
        Assert.Equal(TimeSpan.FromHours(4), episode.Klustered.TeardownAfter);
        Assert.Equal(new ClusterSpec("kubeadm-small", "v1.31.0"), team.Cluster);
        Assert.Equal("episodes/klustered/2026-12-03-ada-and-ben.yaml", episode.Location.Path);
    }

    [Fact]
    public void Load_SeveralBrokenFiles_ReportsEveryErrorAtOnce()
    {
        var result = TestRepository.WithShow()
            .Put("episodes/people/ada.yaml", "name: Ada\nemail: ada@example.com\n")
            .Put("episodes/people/ben.yaml", "name: Ben\ngithub: \"@ben\"\n")
            .Episode("klustered", "2026-12-03-one", "One", "2026-12-03T17:00:00", ["nobody"])
            .LoadResult();

        Assert.False(result.IsValid);
        Assert.Equal(
            [
                "episodes/klustered/2026-12-03-one.yaml:2:15",
                "episodes/klustered/2026-12-03-one.yaml:4:10",
                "episodes/people/ada.yaml:2:1",
                "episodes/people/ben.yaml:2:9",
            ],
            result.Errors.Select(d => d.Location.ToString()));
    }

    [Fact]
    public void Load_DraftWithoutSchedule_IsValidAndKeptOutOfTheSeriesIndex()
    {
        var repository = TestRepository.WithShow()
            .Episode("klustered", "2027-06-01-idea", "An idea", "", draft: true)
            .Load();

        var episode = repository.Episodes["klustered/2027-06-01-idea"];
        Assert.True(episode.Draft);
        Assert.Null(episode.ScheduledFor);
    }

    [Fact]
    public void Load_FilesOutsideTheLayout_AreIgnoredOrRejected()
    {
        var result = TestRepository.WithShow()
            .Put("README.md", "not episodes")
            .Put("episodes/README.md", "docs")
            .Put("episodes/.schema/episode.schema.json", "{}")
            .Put("episodes/people/notes.yml", "name: x\n")
            .LoadResult();

        var error = Assert.Single(result.Errors);
        Assert.Equal("episodes/people/notes.yml:1:1", error.Location.ToString());
        Assert.Contains("rename it to episodes/people/notes.yaml", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("episodes/klustered/2026/2026-12-03-nested.yaml")]
    [InlineData("episodes/klustered/2026-12-03-yml.yml")]
    [InlineData("episodes/2026-12-03-at-the-root.yaml")]
    public void Load_EpisodeFileOutsideTheLayout_IsAnErrorNotASilentSkip(string path)
    {
        var result = TestRepository.WithShow()
            .Put(path, "title: \"Lost\"\nscheduledFor: 2026-12-03T17:00:00Z\nduration: 90m\nsummary: Lost.\n")
            .LoadResult();

        Assert.False(result.IsValid);
        Assert.Equal(path + ":1:1", Assert.Single(result.Errors).Location.ToString());
    }

    [Theory]
    [InlineData("2026-12-09-VCluster", "2026-12-09-vcluster")]
    [InlineData("2026-12-09_vcluster_deep_dive", "2026-12-09-vcluster-deep-dive")]
    [InlineData("Klustered_18", "2026-12-03-klustered-18")]
    [InlineData("2026-12-09", "2026-12-09-my-episode")]
    public void Load_BadEpisodeFileName_SuggestsANameWithOneDate(string stem, string suggested)
    {
        var result = TestRepository.WithShow()
            .Episode("klustered", stem, "Named", "2026-12-09T17:00:00Z")
            .LoadResult();

        Assert.Contains($"e.g. '{suggested}'", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SmallAliases_AreAccepted()
    {
        var repository = TestRepository.WithShow()
            .Person("ada", "Ada")
            .Put("episodes/klustered/2026-12-03-alias.yaml",
                "title: Alias\nscheduledFor: 2026-12-03T17:00:00Z\nduration: 1h\nguests: &g [ada]\nsummary: Uses an alias.\ntechnologies: *g\n")
            .Load();

        Assert.Equal(["ada"], repository.Episodes["klustered/2026-12-03-alias"].Technologies);
    }

    [Fact]
    public void Load_Utf8ByteOrderMark_IsAccepted()
    {
        var repo = TestRepository.WithShow();
        repo.Files["episodes/people/ada.yaml"] = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("name: Ada\n")];

        Assert.Equal("Ada", repo.Load().People["ada"].Name);
    }

    [Fact]
    public void Load_AvatarPng_IsKeptByPersonId()
    {
        var repo = TestRepository.WithShow();
        repo.Files["episodes/people/avatars/rawkode.png"] = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0];

        Assert.True(repo.Load().Avatars.ContainsKey("rawkode"));
    }

    [Fact]
    public void Load_NoBreakCatalogue_SkipsTheBreakCheck()
    {
        var repo = TestRepository.WithShow().Person("ada", "Ada").Person("ben", "Ben")
            .Episode("klustered", "2026-12-03-x", "X", "2026-12-03T17:00:00Z", [], TestRepository.KlusteredSection.Replace("coredns-homoglyph", "brand-new-break", StringComparison.Ordinal) + "\n");

        Assert.False(EpisodeLoader.Load(repo.Files).IsValid);
        Assert.True(EpisodeLoader.Load(repo.Files, EpisodeLoaderOptions.Default with { KnownBreakIds = null }).IsValid);
    }

    [Theory]
    [InlineData("\n      breaks: [coredns-homoglyph]\n", "\n")]
    [InlineData("\n      breaks: [coredns-homoglyph]\n", "\n      breaks: []\n")]
    public void Load_TeamWithoutLibraryBreaks_IsValidAndBrokenByHand(string section, string replacement)
    {
        var klustered = TestRepository.KlusteredSection + "\n";
        Assert.Contains(section, klustered, StringComparison.Ordinal);
        var repository = TestRepository.WithShow().Person("ada", "Ada").Person("ben", "Ben")
            .Episode("klustered", "2026-12-03-by-hand", "By hand", "2026-12-03T17:00:00Z", [], klustered.Replace(section, replacement, StringComparison.Ordinal))
            .Load();

        var team = Assert.Single(repository.Episodes["klustered/2026-12-03-by-hand"].Klustered!.Teams);
        Assert.Empty(team.Breaks);
        Assert.Equal(["ada"], team.Breakers);
    }

    [Theory]
    [InlineData("9999-12-31T23:59:59Z")]
    [InlineData("2031-12-08T00:00:00Z")]
    [InlineData("2004-12-31T23:59:59Z")]
    [InlineData("0001-01-01T00:00:00Z")]
    public void Load_ScheduledForOutsideTheSaneRange_IsAnErrorAtTheValue(string scheduledFor)
    {
        var result = EpisodeLoader.Load(
            TestRepository.WithShow().Episode("klustered", "2026-12-03-typo", "Typo", scheduledFor).Files,
            EpisodeLoaderOptions.Default with { Now = new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero) });

        var error = Assert.Single(result.Errors);
        Assert.Equal("episodes/klustered/2026-12-03-typo.yaml:2:15", error.Location.ToString());
        Assert.Contains("from 2005-01-01 (before YouTube) to 2031-12-07", error.Message, StringComparison.Ordinal);
        Assert.Empty(result.Repository.Episodes);
    }

    [Theory]
    [InlineData("2005-01-01T00:00:00Z")]
    [InlineData("2031-12-06T23:00:00Z")]
    public void Load_ScheduledForAtTheEdgesOfTheRange_IsValid(string scheduledFor)
    {
        var result = EpisodeLoader.Load(
            TestRepository.WithShow().Episode("klustered", scheduledFor[..10] + "-edge", "Edge", scheduledFor).Files,
            EpisodeLoaderOptions.Default with { Now = new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero) });

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
    }

    [Fact]
    public void Load_ScheduleDateDiffersFromFileName_WarnsButStaysValid()
    {
        var result = TestRepository.WithShow()
            .Episode("klustered", "2026-12-03-moved", "Moved", "2026-12-10T17:00:00Z")
            .LoadResult();

        Assert.True(result.IsValid);
        Assert.Contains("file name says 2026-12-03", Assert.Single(result.Warnings).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadDirectory_SameTreeOnDisk_EqualsInMemoryLoad()
    {
        var directory = Directory.CreateTempSubdirectory("rawkode-episodes-");
        try
        {
            var repo = TestRepository.WithShow().Person("ada", "Ada").Episode("klustered", "2026-12-03-x", "X", "2026-12-03T17:00:00Z", ["ada"]);
            foreach (var (path, bytes) in repo.Files)
            {
                var full = Path.Combine(directory.FullName, path);
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                File.WriteAllBytes(full, bytes);
            }

            var fromDisk = EpisodeLoader.LoadDirectory(directory.FullName);

            Assert.True(fromDisk.IsValid);
            Assert.Equal(repo.Load().Episodes.Keys.Order(), fromDisk.Repository.Episodes.Keys.Order());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Load_OversizeFile_IsRejectedBeforeParsing()
    {
        var result = TestRepository.WithShow()
            .Put("episodes/people/huge.yaml", "name: Huge\nbio: \"" + new string('x', EpisodeLoader.MaxFileBytes) + "\"\n")
            .LoadResult();

        var error = Assert.Single(result.Errors);
        Assert.Equal("episodes/people/huge.yaml:1:1: the file is 262,163 bytes; files under episodes/ are limited to 262,144 bytes (is it the right file?)", error.ToString());
    }

    [Fact]
    public void Load_EpisodeOfABrokenShow_IsLeftOutSoEveryEpisodeRenders()
    {
        var result = TestRepository.WithShow()
            .Put("episodes/shows/broken.yaml", "name: Broken\n")
            .Episode("broken", "2026-12-03-x", "X", "2026-12-03T17:00:00Z")
            .Episode("klustered", "2026-12-03-y", "Y", "2026-12-03T17:00:00Z")
            .LoadResult();

        Assert.False(result.IsValid);
        Assert.Equal(["klustered/2026-12-03-y"], result.Repository.Episodes.Keys);
    }

    [Theory]
    [InlineData("0s", 0)]
    [InlineData("1h2m3s", 3723)]
    [InlineData("45m", 2700)]
    public void Load_TimeToFixWrittenBackByTheAutomation_IsRead(string value, int seconds)
    {
        var repository = TestRepository.WithShow().Person("ada", "Ada").Person("ben", "Ben")
            .Episode("klustered", "2021-05-20-x", "X", "2021-05-20T17:00:00Z", [], TestRepository.KlusteredSection + $"\n      timeToFix: {value}\n")
            .Load();

        Assert.Equal(TimeSpan.FromSeconds(seconds), repository.Episodes["klustered/2021-05-20-x"].Klustered!.Teams[0].TimeToFix);
    }

    [Fact]
    public void Load_DeeplyNestedFile_ReportsAnErrorWithoutCrashing()
    {
        var result = TestRepository.WithShow()
            .Put("episodes/people/deep.yaml", "name: Deep\nbio: " + new string('[', 120_000) + new string(']', 120_000) + "\n")
            .LoadResult();

        Assert.Equal(
            "episodes/people/deep.yaml:2:38: brackets nest deeper than 32 levels here; no episodes file needs that, flatten it",
            Assert.Single(result.Errors).ToString());
    }

    [Fact]
    public void Load_DeeplyNestedBlockItems_ReportsAnErrorWithoutCrashing()
    {
        var result = TestRepository.WithShow()
            .Put("episodes/people/deep.yaml", "name: Deep\nbio:\n" + string.Concat(Enumerable.Repeat("- ", 100_000)) + "x\n")
            .LoadResult();

        Assert.Equal("episodes/people/deep.yaml:3:65", Assert.Single(result.Errors).Location.ToString());
    }

    [Theory]
    [InlineData("keys")]
    [InlineData("flow-items")]
    [InlineData("long-line")]
    public void Load_LargestAllowedPathologicalFile_LoadsQuickly(string shape)
    {
        var body = shape switch
        {
            "keys" => string.Concat(Enumerable.Range(0, 20_000).Select(i => $"k{i}: v\n")),
            "flow-items" => "bio: [" + string.Join(',', Enumerable.Repeat("a", 100_000)) + "]\n",
            _ => "bio: " + new string('x', 250_000) + "\n",
        };
        var repo = TestRepository.WithShow().Put("episodes/people/big.yaml", "name: Big\n" + body);
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();

        var result = repo.LoadResult();

        // Generous bound for a loaded CI machine; the point is "not quadratic" (which takes minutes).
        Assert.InRange(stopwatch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(20));
        Assert.Equal(shape == "long-line", result.IsValid);
    }

    [Fact]
    public void Load_SharedCache_SameResultsAndChangedFilesReparsed()
    {
        var before = TestRepository.WithShow().Person("ada", "Ada", "Old bio.").Episode("klustered", "2026-12-03-x", "X", "2026-12-03T17:00:00Z", ["ada"]);
        var after = before.Clone().Person("ada", "Ada", "New bio.");
        var cache = new LoadCache();

        var first = EpisodeLoader.Load(before.Files, EpisodeLoaderOptions.Default with { Cache = cache });
        var second = EpisodeLoader.Load(after.Files, EpisodeLoaderOptions.Default with { Cache = cache });

        Assert.Equal("Old bio.", first.Repository.People["ada"].Bio);
        Assert.Equal("New bio.", second.Repository.People["ada"].Bio);
        // Unchanged files are the very same parsed records.
        Assert.Same(first.Repository.Episodes["klustered/2026-12-03-x"], second.Repository.Episodes["klustered/2026-12-03-x"]);
        Assert.Equal(EpisodeLoader.Load(after.Files).Diagnostics, second.Diagnostics);
    }
}

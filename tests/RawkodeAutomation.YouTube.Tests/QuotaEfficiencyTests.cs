using System.Globalization;
using System.Text;
using RawkodeAutomation.Episodes.Loading;
using RawkodeAutomation.Episodes.Model;
using RawkodeAutomation.Episodes.Rendering;
using RawkodeAutomation.YouTube.Operations;

namespace RawkodeAutomation.YouTube.Tests;

/// <summary>
/// A guest's bio changes; they appear in 120 published episodes. The sweep must cost exactly the batched reads
/// plus 50 units per description whose text really changes, and nothing more when run again.
/// Descriptions are rendered by the domain's <see cref="DescriptionRenderer"/>.
/// </summary>
public sealed class QuotaEfficiencyTests
{
    private const int GuestEpisodes = 120;
    private const int OtherEpisodes = 30;
    private const int AlreadyRewritten = 10;

    private static Dictionary<string, byte[]> Channel(string guestBio)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        void Put(string path, string text) => files[path] = Encoding.UTF8.GetBytes(text);
        Put("episodes/shows/rawkode-live.yaml",
            "name: Rawkode Live\nhost: rawkode\ndescription: Hands-on conversations with the people who build cloud native tools.\n"
            + "youtube:\n  categoryId: 28\n  playlistId: PLrawkodelive0001\n  streamKey: rawkode-live\n");
        Put("episodes/people/rawkode.yaml", "name: David Flanagan\nbio: Founder of the Rawkode Academy.\ngithub: rawkode\n");
        Put("episodes/people/guy-templeton.yaml", $"name: Guy Templeton\nbio: {guestBio}\ngithub: gjtempleton\n");
        Put("episodes/people/ada-okafor.yaml", "name: Ada Okafor\nbio: SRE and Cilium contributor.\ngithub: adaokafor\n");
        var start = new DateTimeOffset(2021, 1, 7, 17, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < GuestEpisodes + OtherEpisodes; i++)
        {
            var when = start.AddDays(7 * i);
            var guest = i < GuestEpisodes ? "guy-templeton" : "ada-okafor";
            Put($"episodes/rawkode-live/{when:yyyy-MM-dd}-episode-{i}.yaml",
                $"title: \"Episode {i}: autoscaling, part {i}\"\nscheduledFor: {when.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}\n"
                + $"duration: 90m\nvisibility: public\nguests: [{guest}]\ntechnologies: [kubernetes]\n"
                + $"summary: |\n  Episode {i}. We install it, break it and learn it.\nlinks: [https://github.com/kubernetes/autoscaler]\n");
        }
        return files;
    }

    private static (EpisodeRepository Repository, List<Episode> Episodes) Load(string guestBio)
    {
        var result = EpisodeLoader.Load(Channel(guestBio));
        Assert.True(result.IsValid, string.Join(Environment.NewLine, result.Errors));
        var episodes = result.Repository.EpisodesOf("rawkode-live").ToList();
        Assert.Equal(GuestEpisodes + OtherEpisodes, episodes.Count);
        return (result.Repository, episodes);
    }

    private static string Render(EpisodeRepository repository, Episode episode) => DescriptionRenderer.Render(repository, episode.Id).Text;

    /// <summary>Publishes every episode with its old description; the first 10 guest episodes already show the new one.</summary>
    private static async Task<(SandboxHarness Harness, List<DescriptionSpec> Sweep, Dictionary<string, string> OldText)> PublishAsync(int dailyQuota)
    {
        var (before, episodes) = Load("Platform engineer at Skyscanner.");
        var (after, _) = Load("Platform engineer at Skyscanner and co-lead of Kubernetes SIG Autoscaling.");
        var h = await SandboxHarness.StartAsync(dailyQuota);
        List<DescriptionSpec> sweep = [];
        Dictionary<string, string> oldText = [];
        for (var i = 0; i < episodes.Count; i++)
        {
            var episode = episodes[i];
            var old = Render(before, episode);
            var updated = Render(after, episode);
            var guest = episode.Guests.Contains("guy-templeton");
            var published = guest && i < AlreadyRewritten ? updated : old;
            var videoId = h.Sandbox.AddPublishedVideo(episode.Title, published, ["kubernetes"]);
            oldText[videoId] = old;
            if (guest)
            {
                // A test that cannot fail is worthless: the bio must really be in these descriptions.
                Assert.NotEqual(old, updated);
                sweep.Add(new DescriptionSpec(episode.Id, videoId, updated));
            }
            else
            {
                Assert.Equal(old, updated);
            }
        }
        Assert.Equal(GuestEpisodes, sweep.Count);
        return (h, sweep, oldText);
    }

    [Fact]
    public async Task EnsureDescriptions_GuestBioChangedIn120Episodes_CostsBatchedReadsPlus50PerRealChange()
    {
        var (h, sweep, _) = await PublishAsync(dailyQuota: 10_000);
        await using var _h = h;
        var operations = new YouTubeOperations(h.Client);
        const int reads = (GuestEpisodes + 49) / 50;
        const int changes = GuestEpisodes - AlreadyRewritten;

        var first = await operations.EnsureDescriptionsAsync(sweep);

        Assert.Equal(3, reads);
        Assert.Equal(changes, first.Updated.Count);
        Assert.Equal(AlreadyRewritten, first.Unchanged.Count);
        Assert.Empty(first.Missing);
        Assert.Equal(reads, first.Reads);
        Assert.Equal(reads + (50 * changes), first.UnitsSpent);
        Assert.Equal(5503, h.Sandbox.UnitsSpent);
        Assert.Equal(h.Sandbox.UnitsSpent, h.Ledger.SpentToday);
        Assert.Equal(reads, h.Sandbox.Calls("videos.list"));
        Assert.Equal(changes, h.Sandbox.Calls("videos.update"));
        Assert.All(sweep, s => Assert.Equal(s.Description, h.Sandbox.FindVideo(s.VideoId)!.Description));
        // The whole snippet was written back: title, tags and category survive the rewrite.
        Assert.All(sweep, s => Assert.Equal(["kubernetes"], h.Sandbox.FindVideo(s.VideoId)!.Tags!));
        Assert.All(sweep, s => Assert.Equal("28", h.Sandbox.FindVideo(s.VideoId)!.CategoryId));

        h.Sandbox.ResetCounters();
        var second = await operations.EnsureDescriptionsAsync(sweep);

        Assert.Empty(second.Updated);
        Assert.Equal(GuestEpisodes, second.Unchanged.Count);
        Assert.Equal(reads, second.UnitsSpent);
        Assert.Equal(reads, h.Sandbox.UnitsSpent);
        Assert.Equal(0, h.Sandbox.Calls("videos.update"));
    }

    [Fact]
    public async Task EnsureDescriptions_SweepLargerThanTheDailyQuota_ResumesAfterResetWithoutRedoingAnything()
    {
        var (h, sweep, oldText) = await PublishAsync(dailyQuota: 2_000);
        await using var _h = h;
        var operations = new YouTubeOperations(h.Client);
        var days = 0;
        var quotaErrors = 0;

        while (true)
        {
            days++;
            Assert.True(days < 10, "the sweep never finished");
            try
            {
                await operations.EnsureDescriptionsAsync(sweep);
                break;
            }
            catch (YouTubeApiException e) when (e.Kind == YouTubeErrorKind.QuotaExceeded)
            {
                quotaErrors++;
                Assert.True(e.IsRetryable);
                Assert.True(h.Sandbox.QuotaUsedToday <= 2_000);
                h.Clock.Set(e.RetryAt!.Value.AddMinutes(1));
            }
        }

        // 110 writes of 50 units need 5,500 units: at most 39 writes a day at 2,000 units (with the reads).
        Assert.True(quotaErrors >= 2, $"expected the sweep to span days, got {quotaErrors} quota errors");
        Assert.All(sweep, s => Assert.Equal(s.Description, h.Sandbox.FindVideo(s.VideoId)!.Description));
        // Nothing done twice: each changed video was written exactly once, the others never.
        var written = sweep.Select(s => h.Sandbox.FindVideo(s.VideoId)!).Where(v => v.Revision > 0).ToList();
        Assert.Equal(GuestEpisodes - AlreadyRewritten, written.Count);
        Assert.All(written, v => Assert.Equal(1, v.Revision));
        Assert.All(h.Sandbox.Videos.Where(v => sweep.All(s => s.VideoId != v.Id)), v => Assert.Equal(oldText[v.Id], v.Description));
    }
}

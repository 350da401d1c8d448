using System.Text;
using RawkodeAutomation.Episodes.Loading;
using RawkodeAutomation.Episodes.Model;
using RawkodeAutomation.Episodes.Planning;
using RawkodeAutomation.Episodes.Quota;
using RawkodeAutomation.Pipeline.Tests.Workflows;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.Workflows.Contracts;
using RawkodeAutomation.YouTube.Operations;

namespace RawkodeAutomation.Pipeline.Tests.EndToEnd;

/// <summary>What <c>rawkode plan</c> promises for a commit is what the pipeline does to YouTube.</summary>
public class PlanMatchesPipelineTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(240);

    [Fact]
    public async Task MixedCommit_OnTheEmbeddedStack_YouTubeWritesEqualThePlanAndUnitsAreWithinTenPercent()
    {
        // Given a channel of six upcoming episodes, reconciled (odd ones with guest-person, even ones with other-person).
        var files = Channel.Base(6);
        await using var stack = await EmbeddedStack.StartAsync(files);
        await stack.StartWorkerAsync();
        await stack.ConvergedAsync(6, Timeout);

        // And one commit that adds an episode, edits a guest's bio, changes a title, deletes an upcoming episode,
        // renames a guest (the thumbnails showing them change) and moves an episode by an hour (its thumbnail shows the time).
        var after = new Dictionary<string, byte[]>(files, StringComparer.Ordinal);
        Channel.AddEpisode(after, 7, "other-person");
        after["episodes/people/guest-person.yaml"] = Channel.Person("Guest Person", "Now leads the platform team.");
        after["episodes/people/other-person.yaml"] = Channel.Person("Other Personage", "Never changes.");
        Edit(after, 2, "title: \"Episode 2\"", "title: \"Episode 2: the one with the new title\"");
        Edit(after, 3, "T17:00:00Z", "T18:00:00Z");
        after.Remove(EpisodeFile(4));
        var plan = Planner.Plan(Load(files), Load(after), new PlanOptions { Now = DateTimeOffset.UtcNow });
        var change = ChannelChange.Compute(Load(files), Load(after), new ChangeOptions { Now = DateTimeOffset.UtcNow });

        // When it is committed and the pipeline has done everything it asks for.
        stack.YouTube.ResetCounters();
        var commit = files.Keys.Union(after.Keys).Where(p => !after.TryGetValue(p, out var b) || !files.TryGetValue(p, out var a) || !a.SequenceEqual(b))
            .ToDictionary(p => p, p => after.GetValueOrDefault(p));
        var sha = await stack.CommitAsync(commit, "mixed change");
        var touched = change.Episodes.Where(e => e.Kind != EpisodeChangeKind.Deleted).Select(e => e.EpisodeId).ToHashSet(StringComparer.Ordinal);
        await PipelineHarness.WaitForAsync(
            () => PipelineStatusReader.ReadAsync(stack.Client),
            s => s.Episodes.Count == 6 && s.People.All(p => !p.Busy)
                && s.Episodes.All(e => !e.Busy && !e.Pending.Any && e.Phase != EpisodePhase.Failed && (!touched.Contains(e.EpisodeId) || e.Desired?.Commit == sha)),
            Timeout,
            "every episode the change touches reconciled at the new commit, the deleted one cancelled");

        // Then the YouTube writes are exactly the plan's lines, and the units charged are within 10% of the plan's.
        var planned = plan.Quota.Lines.Where(l => YouTubeCosts.IsWrite(l.Call)).Select(l => $"{l.Call} × {l.Count}").ToList();
        var made = stack.YouTube.CallsPerMethod.Where(c => YouTubeCosts.IsWrite(c.Key)).OrderBy(c => c.Key, StringComparer.Ordinal)
            .Select(c => $"{c.Key} × {c.Value}").ToList();
        Assert.Equal(planned, made);
        Assert.InRange(stack.YouTube.UnitsSpent, plan.Quota.Units * 0.9, plan.Quota.Units * 1.1);

        // And the plan covered every kind of change (so the comparison above is not vacuous).
        Assert.Contains("liveBroadcasts.insert × 1", planned);
        Assert.Contains("liveBroadcasts.delete × 1", planned);
        Assert.Contains("liveBroadcasts.update × 1", planned);
        Assert.Contains(plan.Thumbnails, t => t.EpisodeId == Channel.EpisodeId(6));
        Assert.Equal(["guest-person", "other-person"], change.PersonSweeps.Keys.Order(StringComparer.Ordinal));
        Assert.Null(stack.YouTube.Videos.FirstOrDefault(v => Markers.EpisodeOf(v.Tags) == Channel.EpisodeId(4)));
    }

    [Fact]
    public async Task BioEdit_Sweeping60AdoptedVideos_EveryCallReadsIncludedEqualsThePlan_TwoBatchedReads()
    {
        // Given 62 adopted past episodes, 60 of them with the guest, reconciled.
        var (files, history) = ChannelHistoryEndToEndTests.Adopted(62);
        await using var stack = await EmbeddedStack.StartAsync(files, history: history);
        await stack.StartWorkerAsync();
        await stack.ConvergedAsync(62, Timeout);

        // When the guest's bio changes.
        var after = new Dictionary<string, byte[]>(files, StringComparer.Ordinal)
        {
            ["episodes/people/guest-person.yaml"] = Channel.Person("Guest Person", "Now leads the platform team."),
        };
        var change = ChannelChange.Compute(Load(files), Load(after), new ChangeOptions { Now = DateTimeOffset.UtcNow });
        stack.YouTube.ResetCounters();
        await stack.CommitAsync(new Dictionary<string, byte[]?> { ["episodes/people/guest-person.yaml"] = after["episodes/people/guest-person.yaml"] }, "guest bio");
        await PipelineHarness.WaitForAsync(
            () => PipelineStatusReader.ReadAsync(stack.Client),
            s => s.People.All(p => !p.Busy) && s.People.Any(p => p.PersonId == "guest-person" && p.Done == 60)
                && s.Episodes.All(e => !e.Busy && !e.Pending.Any && e.Phase != EpisodePhase.Failed),
            Timeout,
            "the guest's sweep done, every episode at rest");

        // Then every call the pipeline made, reads included, is the plan's: ⌈60/50⌉ = 2 videos.list for the whole sweep
        // (no episode reads its video again before it writes) and one videos.update per description.
        var planned = change.Quota().Lines.Select(l => $"{l.Call} × {l.Count}").ToList();
        var made = stack.YouTube.CallsPerMethod.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} × {c.Value}").ToList();
        Assert.Equal(["videos.list × 2", "videos.update × 60"], planned);
        Assert.Equal(planned, made);
        Assert.Equal(change.Quota().Units, stack.YouTube.UnitsSpent);
    }

    private static string EpisodeFile(int i) => $"episodes/{Channel.EpisodeId(i)}.yaml";

    private static void Edit(Dictionary<string, byte[]> files, int episode, string from, string to)
    {
        var text = Encoding.UTF8.GetString(files[EpisodeFile(episode)]);
        Assert.Contains(from, text, StringComparison.Ordinal);
        files[EpisodeFile(episode)] = Encoding.UTF8.GetBytes(text.Replace(from, to, StringComparison.Ordinal));
    }

    private static EpisodeRepository Load(IReadOnlyDictionary<string, byte[]> files)
    {
        var loaded = EpisodeLoader.Load(files);
        Assert.True(loaded.IsValid, string.Join('\n', loaded.Errors));
        return loaded.Repository;
    }
}

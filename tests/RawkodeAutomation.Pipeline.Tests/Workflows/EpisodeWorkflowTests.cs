using RawkodeAutomation.Pipeline.Tests.Decisions;
using RawkodeAutomation.Workflows.Contracts;

namespace RawkodeAutomation.Pipeline.Tests.Workflows;

public class EpisodeWorkflowTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static SpecChanged Change(DesiredEpisode d, ChangeReason reason = ChangeReason.EpisodeEdited, string? notify = null) =>
        new(d.EpisodeId, d, false, reason, d.Commit, d.CommitTime, notify);

    [Fact]
    public async Task SpecChanged_NewEpisodeDeliveredTwice_OneBroadcastWithThumbnailAndDescription()
    {
        await using var h = await PipelineHarness.StartWithWorkerAsync();
        var spec = EpisodeDecisionsTests.Spec();

        await h.SignalAsync(Change(spec));
        await h.SignalAsync(Change(spec with { Commit = "c1-again" }));

        var state = await PipelineHarness.WaitForAsync(() => h.EpisodeAsync(spec.EpisodeId), s => !s.Busy && s.Applied.ThumbnailFingerprint is not null, Timeout, "episode reconciled");
        Assert.Equal(1, h.YouTube.Inserts);
        Assert.Equal(spec.Description, h.YouTube.Descriptions[state.Applied.VideoId!]);
        Assert.Equal(spec.ThumbnailFingerprint, h.YouTube.Thumbnails[state.Applied.VideoId!]);
        Assert.False(state.Pending.Any);
    }
}

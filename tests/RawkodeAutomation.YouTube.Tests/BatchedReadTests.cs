using RawkodeAutomation.YouTube.Api;
using RawkodeAutomation.YouTube.Operations;

namespace RawkodeAutomation.YouTube.Tests;

/// <summary>
/// A guest's sweep reads its videos once, 50 to a videos.list call, and each episode then writes onto what was read
/// (<see cref="YouTubeOperations.ReadVideosAsync"/>, <see cref="YouTubeOperations.WriteDescriptionAsync"/>), on the wire
/// against the sandbox: the calls made, the units charged, and the etag that keeps a creator's newer edit.
/// </summary>
public sealed class BatchedReadTests
{
    [Fact]
    public async Task ReadVideos_120Ids_Reads3Batches_3Units_LeavesOutUnknownIds()
    {
        await using var h = await SandboxHarness.StartAsync();
        var operations = new YouTubeOperations(h.Client);
        var ids = Enumerable.Range(0, 119).Select(i => h.Sandbox.AddPublishedVideo($"Video {i}", $"Text {i}", ["kubernetes"])).ToList();

        var read = await operations.ReadVideosAsync([.. ids, "notAVideo01"]);

        Assert.Equal(3, read.Reads);
        Assert.Equal(3, read.UnitsSpent);
        Assert.Equal(3, h.Sandbox.Calls("videos.list"));
        Assert.Equal(3, h.Sandbox.UnitsSpent);
        Assert.Equal(ids.Order(StringComparer.Ordinal), read.Found.Select(v => v.Id!).Order(StringComparer.Ordinal));
        Assert.All(read.Found, v => Assert.Equal(["kubernetes"], v.Snippet!.Tags!));
    }

    [Fact]
    public async Task WriteDescription_OntoTheBatchedRead_OneUpdate50Units_NoReadOfItsOwn_SnippetKept()
    {
        await using var h = await SandboxHarness.StartAsync();
        var operations = new YouTubeOperations(h.Client);
        var id = h.Sandbox.AddPublishedVideo("Klustered #7", "Old text.", ["kubernetes", "coredns"], categoryId: "27");
        var seen = (await operations.ReadVideosAsync([id])).Found.Single();
        h.Sandbox.ResetCounters();

        var result = await operations.WriteDescriptionAsync(new DescriptionSpec("klustered/7", id, "New text."), seen);

        Assert.Equal([id], result.Updated);
        Assert.Equal(50, result.UnitsSpent);
        Assert.Equal(0, h.Sandbox.Calls("videos.list"));
        Assert.Equal(1, h.Sandbox.Calls("videos.update"));
        Assert.Equal(50, h.Sandbox.UnitsSpent);
        var video = h.Sandbox.FindVideo(id)!;
        Assert.Equal("New text.", video.Description);
        Assert.Equal("Klustered #7", video.Title);
        Assert.Equal(["kubernetes", "coredns"], video.Tags!);
        Assert.Equal("27", video.CategoryId);
    }

    [Fact]
    public async Task WriteDescription_VideoEditedSinceTheBatchedRead_ReadsAgain_KeepsTheCreatorsTitle()
    {
        await using var h = await SandboxHarness.StartAsync();
        var operations = new YouTubeOperations(h.Client);
        var id = h.Sandbox.AddPublishedVideo("Klustered #7", "Old text.", ["kubernetes"]);
        var seen = (await operations.ReadVideosAsync([id])).Found.Single();
        // The creator renames the video in Studio after the sweep read it.
        await h.Client.UpdateVideoAsync(new Video
        {
            Id = id,
            Snippet = new VideoSnippet { Title = "Klustered #7 (director's cut)", Description = "Old text.", CategoryId = "28", Tags = ["kubernetes"] },
        }, "snippet");
        h.Sandbox.ResetCounters();

        var result = await operations.WriteDescriptionAsync(new DescriptionSpec("klustered/7", id, "New text."), seen);

        Assert.Equal([id], result.Updated);
        var video = h.Sandbox.FindVideo(id)!;
        Assert.Equal("New text.", video.Description);
        Assert.Equal("Klustered #7 (director's cut)", video.Title);
        // The refused write, the read again and the write: what the result says is what YouTube charged.
        Assert.Equal(2, h.Sandbox.Calls("videos.update"));
        Assert.Equal(1, h.Sandbox.Calls("videos.list"));
        Assert.Equal(h.Sandbox.UnitsSpent, result.UnitsSpent);
    }
}

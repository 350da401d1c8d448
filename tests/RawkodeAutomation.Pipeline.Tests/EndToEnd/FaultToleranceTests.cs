using RawkodeAutomation.Pipeline.Tests.Workflows;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.YouTube.Operations;
using RawkodeAutomation.YouTube.Sandbox;

namespace RawkodeAutomation.Pipeline.Tests.EndToEnd;

public class FaultToleranceTests
{
    [Fact]
    public async Task EmbeddedStack_YouTubeFailing20PercentAndTemporalRestarted_EveryEpisodeConvergesWithoutDuplicates()
    {
        // 30 keeps the suite quick; RAWKODE_FAULT_EPISODES=200 runs the full size on demand.
        var episodes = int.TryParse(Environment.GetEnvironmentVariable("RAWKODE_FAULT_EPISODES"), out var n) && n > 0 ? n : 30;
        await using var stack = await EmbeddedStack.StartAsync(Channel.Base(episodes));
        // Given YouTube failing a tenth of all calls with 503s and rate-limiting one in twenty.
        stack.YouTube.InjectFault(new SandboxFault(SandboxFaultKind.ServerError, Times: null, Fraction: 0.1));
        stack.YouTube.InjectFault(new SandboxFault(SandboxFaultKind.RateLimit, Times: null, Fraction: 0.05));
        await stack.StartWorkerAsync();

        // When the Temporal server is restarted (same SQLite file, same port) once work is under way.
        await PipelineHarness.WaitForAsync(() => Task.FromResult(stack.YouTube.Videos.Count), count => count >= episodes / 4, TimeSpan.FromSeconds(90), "a quarter created");
        await stack.StopTemporalAsync();
        await stack.StartTemporalAsync();

        // Then every episode converges, with exactly one broadcast each.
        var status = await PipelineHarness.WaitForAsync(
            () => PipelineStatusReader.ReadAsync(stack.Client),
            s => s.Episodes.Count == episodes && s.Episodes.All(e => !e.Busy && !e.Pending.Any),
            TimeSpan.FromSeconds(150 + (episodes * 3)),
            "every episode converged");
        Assert.Equal(0, status.Failed);
        var perEpisode = stack.YouTube.Videos.GroupBy(v => Markers.EpisodeOf(v.Tags)).ToList();
        Assert.Equal(episodes, perEpisode.Count);
        Assert.All(perEpisode, g => Assert.Single(g));
        Assert.All(stack.YouTube.Videos, v => Assert.NotNull(v.Thumbnail));
        Assert.Single(stack.YouTube.Streams);
    }
}

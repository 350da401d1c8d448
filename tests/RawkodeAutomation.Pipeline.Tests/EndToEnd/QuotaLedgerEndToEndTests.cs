using RawkodeAutomation.Pipeline.Tests.Workflows;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.Workflows.Contracts;
using RawkodeAutomation.YouTube.Sandbox;
using Xunit.Abstractions;

namespace RawkodeAutomation.Pipeline.Tests.EndToEnd;

/// <summary>The quota entity's count against what the YouTube sandbox charged, through crashes and wrong credentials.</summary>
public class QuotaLedgerEndToEndTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task WrongCredentialsThenFixed_NothingChargedWhileRefusedAndEveryEpisodeConvergesWithoutAnOperator()
    {
        const int episodes = 4;
        await using var stack = await EmbeddedStack.StartAsync(Channel.Base(episodes));
        var rightToken = stack.Settings["YouTube:RefreshToken"];

        // Given a worker whose refresh token the channel refuses.
        stack.Settings["YouTube:RefreshToken"] = "revoked-refresh-token";
        await stack.StartWorkerAsync();
        var refused = await PipelineHarness.WaitForAsync(
            () => PipelineStatusReader.ReadAsync(stack.Client),
            s => s.Episodes.Count == episodes && s.Episodes.All(e => !e.Busy || e.Phase == EpisodePhase.WaitingForQuota)
                && s.Episodes.Any(e => e.LastError?.Contains("refresh token", StringComparison.Ordinal) == true),
            Timeout,
            "every episode refused or waiting");
        output.WriteLine(refused.Summary());

        // Then no call reached YouTube, and the quota entity charged nothing either.
        Assert.Equal(0, stack.YouTube.UnitsSpent);
        Assert.Equal(0, refused.Quota!.Used);

        // When the operator fixes the token and restarts the worker (no Retry, no ResetDay).
        await stack.StopWorkerAsync();
        stack.Settings["YouTube:RefreshToken"] = rightToken;
        await stack.StartWorkerAsync();

        // Then every episode converges by itself, and the ledger holds what YouTube charged.
        var converged = await stack.ConvergedAsync(episodes, Timeout);
        Assert.Equal(episodes, stack.YouTube.Videos.Count);
        Assert.Equal(stack.YouTube.UnitsSpent, converged.Quota!.Used);
    }

    [Fact]
    public async Task WorkerKilledWhileCallsAreInFlight_LedgerEndsWithinOnePercentOfWhatYouTubeCharged()
    {
        const int episodes = 6;
        await using var stack = await EmbeddedStack.StartAsync(Channel.Base(episodes));
        // Given calls slow enough that several are in flight at once (each is heartbeated before it is sent).
        stack.YouTube.InjectFault(new SandboxFault(SandboxFaultKind.Latency, Times: null, Latency: TimeSpan.FromSeconds(1.5)));
        await stack.StartWorkerAsync();
        await PipelineHarness.WaitForAsync(
            () => Task.FromResult(stack.YouTube.CallsPerMethod.Values.Sum()),
            calls => calls >= 3 * episodes,
            Timeout,
            "calls under way for every episode");

        // When the worker dies as with kill -9: Temporal goes first so nothing the worker says on its way out arrives,
        // and the attempts it held are only handed out again when their timeouts fire.
        await stack.StopTemporalAsync();
        await stack.StopWorkerAsync();
        var chargedAtKill = stack.YouTube.UnitsSpent;
        stack.YouTube.ClearFaults();
        await stack.StartTemporalAsync();
        await stack.StartWorkerAsync();

        // Then every episode converges and the ledger holds what YouTube charged, the lost attempts' calls included.
        var converged = await stack.ConvergedAsync(episodes, Timeout);
        var charged = stack.YouTube.UnitsSpent;
        var settled = converged.Quota!.Used;
        output.WriteLine($"units: {chargedAtKill} charged when the worker died, {charged} in all, {settled} settled with the quota entity");
        Assert.InRange(settled, charged * 0.99, charged * 1.01);
    }
}

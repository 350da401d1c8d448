using System.Net;
using RawkodeAutomation.Worker.Activities;
using RawkodeAutomation.Workflows.Activities;
using RawkodeAutomation.YouTube;
using RawkodeAutomation.YouTube.Operations;
using Temporalio.Testing;

namespace RawkodeAutomation.Pipeline.Tests.Workflows;

/// <summary>The calls an activity attempt made reach the next attempt even when its heartbeat never left.</summary>
public sealed class YouTubeCallJournalTests : IDisposable
{
    private static readonly YouTubeRetryOptions Quick = new() { Attempts = 3, ServerErrorDelay = TimeSpan.FromMilliseconds(1), RateLimitDelay = TimeSpan.FromMilliseconds(1) };

    private readonly string _directory = Directory.CreateTempSubdirectory("rawkode-journal-").FullName;

    private string JournalPath => Path.Combine(_directory, "youtube-calls.tsv");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task DeleteBroadcast_FirstAttemptKilledBeforeItsHeartbeatLeft_NextAttemptOnANewWorkerCountsItsCalls()
    {
        // Given an attempt that made two calls YouTube charged (two 503s on liveBroadcasts.list) and was then killed
        // (the worker stopped mid-call) while Temporal was unreachable: none of its heartbeats left,
        var client = new RetryingYouTubeClientTests.ScriptedYouTubeClient();
        client.Fail("liveBroadcasts.list", Error(503), Error(503), new OperationCanceledException("worker killed"));
        var first = new YouTubeActivities(new YouTubeOperations(new RetryingYouTubeClient(client, Quick)), null!, null!, new YouTubeCallJournal(JournalPath, TimeProvider.System));
        var lost = new ActivityEnvironment { Info = Attempt(1), Heartbeater = _ => { } };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => lost.RunAsync(() => first.DeleteBroadcastAsync(new DeleteBroadcastInput("demo/episode", "video-1"))));
        Assert.Equal(3, client.Calls("liveBroadcasts.list"));

        // When the next attempt runs on a worker started again on the same state directory, with no heartbeat details,
        var second = new YouTubeActivities(new YouTubeOperations(new RetryingYouTubeClient(client, Quick)), null!, null!, new YouTubeCallJournal(JournalPath, TimeProvider.System));
        var result = await new ActivityEnvironment { Info = Attempt(2) }.RunAsync(() => second.DeleteBroadcastAsync(new DeleteBroadcastInput("demo/episode", "video-1")));

        // Then what it settles includes the lost attempt's two units and its own one.
        Assert.Equal(3, result.UnitsSpent);
    }

    [Fact]
    public void Open_JournalWithCutLineAndOldEntries_KeepsOnlyRecentWholeLines()
    {
        var now = DateTimeOffset.UtcNow;
        File.WriteAllLines(JournalPath,
        [
            $"{now.UtcTicks}\tepisode/a/run/1\t51",
            $"{now.UtcTicks}\tepisode/a/run/1\t102",
            $"{(now - YouTubeCallJournal.Retention - TimeSpan.FromHours(1)).UtcTicks}\tepisode/old/run/1\t400",
            $"{now.UtcTicks}\tepisode/b/run/1\t5",
        ]);
        File.AppendAllText(JournalPath, $"{now.UtcTicks}\tepisode/b/r");

        var journal = new YouTubeCallJournal(JournalPath, TimeProvider.System);

        Assert.Equal(102, journal.Read("episode/a/run/1"));
        Assert.Equal(5, journal.Read("episode/b/run/1"));
        Assert.Equal(0, journal.Read("episode/old/run/1"));
        Assert.Equal(2, File.ReadAllLines(JournalPath).Length);
    }

    [Fact]
    public void Record_LowerTotalThanKnown_KeepsTheHigherOne()
    {
        var journal = new YouTubeCallJournal(JournalPath, TimeProvider.System);
        journal.Record("k", 10);
        journal.Record("k", 4);

        Assert.Equal(10, new YouTubeCallJournal(JournalPath, TimeProvider.System).Read("k"));
    }

    [Fact]
    public void Record_WorkerRunningLongerThanTheRetention_DropsOldEntriesFromMemoryAndFile()
    {
        // Given a worker that called YouTube for 100 activities on its first day,
        var clock = new SteppedClock(DateTimeOffset.UtcNow);
        var journal = new YouTubeCallJournal(JournalPath, clock);
        for (var i = 0; i < 100; i++)
        {
            journal.Record($"episode/{i}/run/1", 50);
        }

        // When it keeps running past the retention and records one more call,
        clock.Now += YouTubeCallJournal.Retention + TimeSpan.FromHours(1);
        journal.Record("episode/new/run/1", 1);

        // then only that entry is left, in memory and in the file.
        Assert.Equal(1, journal.Count);
        Assert.Equal(0, journal.Read("episode/0/run/1"));
        Assert.Equal(1, journal.Read("episode/new/run/1"));
        var line = Assert.Single(File.ReadAllLines(JournalPath));
        Assert.EndsWith("\tepisode/new/run/1\t1", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Record_WithinTheCompactionInterval_AppendsALinePerCall()
    {
        var clock = new SteppedClock(DateTimeOffset.UtcNow);
        var journal = new YouTubeCallJournal(JournalPath, clock);
        journal.Record("k", 1);
        clock.Now += TimeSpan.FromHours(1);
        journal.Record("k", 2);

        Assert.Equal(2, File.ReadAllLines(JournalPath).Length);
        Assert.Equal(2, new YouTubeCallJournal(JournalPath, clock).Read("k"));
    }

    private sealed class SteppedClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static Temporalio.Activities.ActivityInfo Attempt(int attempt) =>
        ActivityEnvironment.DefaultInfo with { Attempt = attempt, WorkflowId = "episode/demo/episode", WorkflowRunId = "run-1", ActivityId = "7" };

    private static YouTubeApiException Error(int status) =>
        new("YouTube liveBroadcasts.list: Transient", YouTubeErrorKind.Transient, "liveBroadcasts.list", (HttpStatusCode)status, null, null, null, null, null, null);
}

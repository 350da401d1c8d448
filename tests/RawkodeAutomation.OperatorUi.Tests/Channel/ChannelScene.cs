using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RawkodeAutomation.OperatorUi.Channel;
using RawkodeAutomation.TemporalServer;
using RawkodeAutomation.Worker.Activities;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Activities;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Activities;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;

namespace RawkodeAutomation.OperatorUi.Tests.Channel;

/// <summary>
/// The channel page over the real workflows (episodes, a person's sweep, the quota entity, commits) on the offline
/// Temporal server, with fake YouTube and commit activities, driven into the state the closing note describes:
/// one episode failed (YouTube refused its broadcast), one commit rejected (an episode file without a UTC offset)
/// after one applied, and a guest's sweep in progress (one of three episodes done, one waiting for the quota that
/// YouTube said was spent, one not started). One scene per test: the buttons change it.
/// </summary>
public sealed class ChannelScene : IAsyncDisposable
{
    public const string FailedEpisode = "rawkode-live/2026-12-18-broken-schedule";
    public const string SweptDone = "rawkode-live/2026-10-01-ada-on-wasm";
    public const string SweptA = "rawkode-live/2026-11-05-ada-on-crossplane";
    public const string SweptB = "klustered/2026-11-12-ada-and-chen";
    public const string Person = "ada";
    public const string AppliedSha = "3f9a1c2e7b4d5a6f8e9d0c1b2a3f4e5d6c7b8a90";
    public const string SweepSha = "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e";
    public const string RejectedSha = "c0ffee1234567890abcdef1234567890abcdef12";
    public const string RejectedError = "episodes/rawkode-live/2026-12-24-holiday-special.yaml:4:16: scheduledFor: '2026-12-24T17:00' has no offset; write it with one, e.g. 2026-12-24T17:00:00Z";
    public const string BroadcastRefusal = "liveBroadcasts.insert: invalidScheduledStartTime: the scheduled start time must be in the future";

    private readonly OfflineTemporalServer _server;
    private readonly TemporalWorker _worker;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;
    private readonly WebApplication _page;

    private ChannelScene(OfflineTemporalServer server, ITemporalClient client, PipelineOptions options, TemporalWorker worker, WebApplication page, Uri uri, FakeYouTube youTube)
    {
        _server = server;
        Client = client;
        Options = options;
        _worker = worker;
        _run = worker.ExecuteAsync(_stop.Token);
        _page = page;
        Uri = uri;
        YouTube = youTube;
    }

    public ITemporalClient Client { get; }

    public PipelineOptions Options { get; }

    /// <summary>The channel page's root.</summary>
    public Uri Uri { get; }

    public FakeYouTube YouTube { get; }

    /// <summary>A server, a worker and the page; no entity yet.</summary>
    public static async Task<ChannelScene> StartEmptyAsync()
    {
        var server = await OfflineTemporalServer.StartNewAsync(new OfflineTemporalServerOptions { Port = 0 });
        var client = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(server.Address) { Namespace = "default" });
        var options = new PipelineOptions { Address = server.Address, DailyQuota = 10_000, SweepReserve = 0, TaskQueue = "channel-page-tests" };
        var youTube = new FakeYouTube();
        var worker = new TemporalWorker(client, new TemporalWorkerOptions(options.TaskQueue)
            .AddAllActivities(youTube)
            .AddAllActivities(new FakeCommits(client, options))
            .AddAllActivities(new QuotaActivities(client, Microsoft.Extensions.Options.Options.Create(options)))
            .AddWorkflow<EpisodeWorkflow>()
            .AddWorkflow<PersonWorkflow>()
            .AddWorkflow<YouTubeQuotaWorkflow>()
            .AddWorkflow<CommitWorkflow>());

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        app.MapChannelPage(client, "/operator", new ChannelPageOptions
        {
            // The page's own refresh would reload under a test's feet.
            RefreshSeconds = 0,
            TemporalAddress = server.Address,
            ReadFileAsync = (sha, path, _) => Task.FromResult(sha == RejectedSha && path == "episodes/rawkode-live/2026-12-24-holiday-special.yaml" ? HolidaySpecial : null),
        });
        await app.StartAsync();
        var uri = new Uri(app.Urls.First() + "/operator/");
        return new ChannelScene(server, client, options, worker, app, uri, youTube);
    }

    /// <summary>The state of the closing note's screenshot: a failed episode, a rejected commit, a sweep in progress.</summary>
    public static async Task<ChannelScene> StartAsync()
    {
        var scene = await StartEmptyAsync();
        try
        {
            await scene.BuildAsync();
            return scene;
        }
        catch
        {
            await scene.DisposeAsync();
            throw;
        }
    }

    private async Task BuildAsync()
    {
        await EnsureQuotaEntity.SignalWithStartAsync(Client, Options, wf => wf.SetBudgetAsync(new QuotaBudget(10_000, 0)));

        // An applied commit: two of Ada's episodes go live on YouTube.
        await RunCommitAsync(AppliedSha);
        await WaitAsync(s => s.Episodes.Count(e => e.Phase == EpisodePhase.Idle && e.Applied.VideoId is not null) == 2, "both episodes reconciled");

        // An episode YouTube refuses to schedule: failed, with YouTube's words.
        await EntitySignals.SignalEpisodesAsync(Client, Options, [Change(Spec(FailedEpisode, "Holiday special: what broke in 2026", "v1"), ChangeReason.EpisodeEdited)], CancellationToken.None);
        await WaitAsync(s => s.Episodes.Any(e => e.EpisodeId == FailedEpisode && e.Phase == EpisodePhase.Failed), "the failed episode");

        // A commit whose episode file does not validate: rejected, nothing signalled.
        await RunCommitAsync(RejectedSha);

        // Ada's bio changed: her sweep rewrites three descriptions, and YouTube has no quota left today.
        YouTube.QuotaGone = true;
        var person = new WorkflowOptions(WorkflowIds.Person(Person), Options.TaskQueue);
        var change = new PersonChange(Person, SweepSha, DateTimeOffset.UtcNow, [SweptDone, SweptA, SweptB]);
        person.SignalWithStart((PersonWorkflow wf) => wf.PersonChangedAsync(change));
        // Two at a time, in id order: the first batch is SweptB and SweptDone (deleted since, so done at once); SweptA waits its turn.
        await Client.StartWorkflowAsync((PersonWorkflow wf) => wf.RunAsync(new PersonWorkflowInput(Person, BatchSize: 2)), person);
        await WaitAsync(
            s => s.People.Any(p => p.PersonId == Person && p.Done == 1 && p.InFlight == 1 && p.Pending == 1)
                && s.Episodes.Any(e => e.EpisodeId == SweptB && e.Phase == EpisodePhase.WaitingForQuota)
                && s.Quota is { Exhausted: true }
                && s.QuotaQueue?.Count == 1,
            "the sweep waiting for the quota reset");
    }

    private async Task RunCommitAsync(string sha)
    {
        var handle = await Client.StartWorkflowAsync(
            (CommitWorkflow wf) => wf.RunAsync(new CommitInput(sha, null, DateTimeOffset.UtcNow)),
            new WorkflowOptions(WorkflowIds.Commit(sha), Options.TaskQueue));
        await handle.GetResultAsync();
    }

    /// <summary>Reads the channel as the page does until <paramref name="done"/> holds.</summary>
    public Task<ChannelStatus> WaitAsync(Func<ChannelStatus, bool> done, string what) =>
        Eventually.WaitAsync(() => PipelineStatusReader.ReadAsync(Client), done, what, TimeSpan.FromSeconds(60));

    public static DesiredEpisode Spec(string episodeId, string title, string revision) => new(
        episodeId,
        episodeId.Split('/')[0],
        title,
        new DateTimeOffset(2027, 1, 14, 17, 0, 0, TimeSpan.Zero),
        TimeSpan.FromMinutes(90),
        "public",
        false,
        $"{title}\n\nWith Ada Lovelace ({revision}).",
        ["kubernetes"],
        28,
        null,
        episodeId.Split('/')[0],
        null,
        "thumb-" + revision,
        null,
        revision == "v1" ? AppliedSha : SweepSha,
        revision == "v1" ? new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero) : new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));

    public static SpecChanged Change(DesiredEpisode desired, ChangeReason reason, string? notify = null) =>
        new(desired.EpisodeId, desired, false, reason, desired.Commit, desired.CommitTime, notify);

    private const string HolidaySpecial = """
        title: "Holiday special: what broke in 2026"
        duration: 90m
        visibility: public
        scheduledFor: 2026-12-24T17:00
        guests: [ada]
        """;

    public async ValueTask DisposeAsync()
    {
        await _page.StopAsync();
        await _page.DisposeAsync();
        await _stop.CancelAsync();
        try
        {
            await _run;
        }
        catch (OperationCanceledException)
        {
            // The worker stops by cancellation.
        }
        _worker.Dispose();
        await _server.DisposeAsync();
        _stop.Dispose();
    }

    /// <summary>YouTube as the scene needs it: the failed episode's broadcast refused; after <see cref="QuotaGone"/>, quotaExceeded.</summary>
    public sealed class FakeYouTube : IYouTubeActivities
    {
        public volatile bool QuotaGone;
        private int _refusedBroadcasts;

        /// <summary>How often the failed episode's broadcast was tried (a Retry tries again).</summary>
        public int RefusedBroadcasts => Volatile.Read(ref _refusedBroadcasts);

        [Activity]
        public Task<EnsureBroadcastResult> EnsureBroadcastAsync(EnsureBroadcastInput input)
        {
            if (input.Desired.EpisodeId == FailedEpisode)
            {
                Interlocked.Increment(ref _refusedBroadcasts);
                throw new ApplicationFailureException(BroadcastRefusal, PipelineErrors.InvalidInput, nonRetryable: true);
            }
            return Task.FromResult(new EnsureBroadcastResult(VideoIdFor(input.Desired.EpisodeId), input.KnownVideoId is null ? "created" : "updated", true, 50));
        }

        [Activity]
        public Task<EnsureDescriptionResult> EnsureDescriptionAsync(EnsureDescriptionInput input) =>
            QuotaGone
                ? throw new ApplicationFailureException("videos.update: quotaExceeded", PipelineErrors.QuotaExceeded, nonRetryable: true)
                : Task.FromResult(new EnsureDescriptionResult(true, 51));

        [Activity]
        public Task<EnsureThumbnailResult> EnsureThumbnailAsync(EnsureThumbnailInput input) =>
            Task.FromResult(new EnsureThumbnailResult(true, input.Fingerprint, 180_000, 50));

        // The scene's sweeps read nothing in a batch: each episode reads (and is charged) for itself.
        [Activity]
        public Task<ObservedVideos> ObserveVideosAsync(ObserveVideosInput input) =>
            Task.FromResult(new ObservedVideos([.. input.EpisodeIds.Select(id => new ObservedVideo(id, null, DateTimeOffset.UtcNow))], 0));

        [Activity]
        public Task<DeleteBroadcastResult> DeleteBroadcastAsync(DeleteBroadcastInput input) =>
            Task.FromResult(new DeleteBroadcastResult(true, 50));

        /// <summary>Stable, readable ids: the screenshot must not change from run to run.</summary>
        public static string VideoIdFor(string episodeId) => episodeId == SweptA ? "AdaXplane01" : "AdaChenK8s2";
    }

    /// <summary>The commits of the scene: one applies Ada's two episodes, one is rejected; a sweep signals the episodes it still has.</summary>
    public sealed class FakeCommits(ITemporalClient client, PipelineOptions options) : ICommitActivities
    {
        [Activity]
        public async Task<CommitOutcome> ApplyCommitAsync(CommitInput input)
        {
            if (input.Sha == RejectedSha)
            {
                return new CommitOutcome(input.Sha, false, [RejectedError, "episodes/people/chen.yaml:3:10: github: 'chen li' is not a GitHub handle (letters, digits and single hyphens)"], [], [], [],
                    "2 errors in 2 files; nothing was signalled");
            }
            var changes = new[] { Spec(SweptA, "Ada on Crossplane", "v1"), Spec(SweptB, "Klustered #12: Ada and Chen", "v1") }
                .Select(s => Change(s, ChangeReason.EpisodeEdited)).ToList();
            await EntitySignals.SignalEpisodesAsync(client, options, changes, CancellationToken.None);
            return new CommitOutcome(input.Sha, true, [], [.. changes.Select(c => c.EpisodeId)], [], [], "2 episodes signalled");
        }

        [Activity]
        public Task<CommitStatusResult> ReportCommitStatusAsync(CommitStatusInput input) => Task.FromResult(new CommitStatusResult(true, "test"));

        [Activity]
        public async Task<SignalEpisodesResult> SignalEpisodesAsync(SignalEpisodesInput input)
        {
            var known = input.EpisodeIds.Where(id => id is SweptA or SweptB).ToList();
            var changes = known.Select(id => Change(Spec(id, id == SweptA ? "Ada on Crossplane" : "Klustered #12: Ada and Chen", "v2"), input.Reason, input.NotifyWorkflowId)).ToList();
            await EntitySignals.SignalEpisodesAsync(client, options, changes, CancellationToken.None);
            return new SignalEpisodesResult(known, [.. input.EpisodeIds.Except(known)]);
        }
    }
}

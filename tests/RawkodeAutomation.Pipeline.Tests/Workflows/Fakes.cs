using System.Collections.Concurrent;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Activities;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace RawkodeAutomation.Pipeline.Tests.Workflows;

/// <summary>
/// An in-memory channel behind <see cref="IYouTubeActivities"/>, for workflow tests that are about
/// orchestration (ordering, quota, restarts). It charges quota like YouTube and can run out.
/// </summary>
public sealed class FakeYouTube : IYouTubeActivities
{
    private readonly object _gate = new();
    private int _nextId;

    public ConcurrentDictionary<string, string> VideoByEpisode { get; } = new();
    public ConcurrentDictionary<string, string> Descriptions { get; } = new();
    public ConcurrentDictionary<string, string> Thumbnails { get; } = new();
    public ConcurrentDictionary<string, int> DescriptionWrites { get; } = new();
    public int Inserts;
    public int Deletes;
    public int UnitsSpent;

    /// <summary>
    /// Units YouTube allows per Pacific day; null for unlimited. The day is the one of the server's clock when the
    /// activity was scheduled, so on the time-skipping server YouTube's day rolls over at Pacific midnight of skipped time.
    /// </summary>
    public int? DailyQuota { get; set; }
    public int UsedToday;
    private DateOnly? _day;

    private void Charge(int units)
    {
        lock (_gate)
        {
            if (ActivityExecutionContext.HasCurrent
                && RawkodeAutomation.Episodes.Quota.PacificDay.Of(ActivityExecutionContext.Current.Info.CurrentAttemptScheduledTime) is var day
                && day != _day)
            {
                // A new Pacific day: YouTube's quota is whole again.
                UsedToday = _day is null ? UsedToday : 0;
                _day = day;
            }
            if (DailyQuota is { } q && UsedToday + units > q)
            {
                UsedToday = q;
                throw new ApplicationFailureException("quotaExceeded", PipelineErrors.QuotaExceeded, nonRetryable: true);
            }
            UsedToday += units;
            UnitsSpent += units;
        }
    }

    /// <summary>While set, YouTube rejects every broadcast write as invalid (non-retryable) with this reason.</summary>
    public volatile string? RejectBroadcastWith;

    /// <summary>Broadcast ensures YouTube received (rejected ones included).</summary>
    public int BroadcastCalls;

    /// <summary>thumbnails.set calls that uploaded a picture.</summary>
    public int ThumbnailUploads;

    [Activity]
    public Task<EnsureBroadcastResult> EnsureBroadcastAsync(EnsureBroadcastInput input)
    {
        Interlocked.Increment(ref BroadcastCalls);
        Charge(1);
        if (RejectBroadcastWith is { } reason)
        {
            throw new ApplicationFailureException($"YouTube liveBroadcasts.insert: invalid request: {reason}", PipelineErrors.InvalidInput, nonRetryable: true);
        }
        var d = input.Desired;
        var created = false;
        var id = VideoByEpisode.GetOrAdd(d.EpisodeId, _ =>
        {
            created = true;
            return "vid" + Interlocked.Increment(ref _nextId);
        });
        if (created)
        {
            Interlocked.Increment(ref Inserts);
            Charge(100);
        }
        else
        {
            Charge(50);
        }
        Descriptions[id] = d.Description;
        return Task.FromResult(new EnsureBroadcastResult(id, created ? "created" : "updated", true, created ? 101 : 51));
    }

    /// <summary>While set, YouTube rejects every description write as invalid (non-retryable) with this reason.</summary>
    public volatile string? RejectDescriptionWith;

    [Activity]
    public Task<EnsureDescriptionResult> EnsureDescriptionAsync(EnsureDescriptionInput input)
    {
        // Read with the sweep's batch: no read of its own.
        var read = input.Observed is { Snippet: not null } seen && seen.VideoId == input.VideoId ? 0 : 1;
        Interlocked.Add(ref DescriptionReads, read);
        Charge(read);
        if (RejectDescriptionWith is { } reason)
        {
            throw new ApplicationFailureException($"YouTube videos.update: invalid request: {reason}", PipelineErrors.InvalidInput, nonRetryable: true);
        }
        if (Descriptions.TryGetValue(input.VideoId, out var current) && current == input.Description)
        {
            return Task.FromResult(new EnsureDescriptionResult(false, read));
        }
        Charge(50);
        Descriptions[input.VideoId] = input.Description;
        DescriptionWrites.AddOrUpdate(input.EpisodeId, 1, (_, n) => n + 1);
        return Task.FromResult(new EnsureDescriptionResult(true, read + 50));
    }

    /// <summary>videos.list calls a description write made for itself (not read with a sweep's batch).</summary>
    public int DescriptionReads;

    /// <summary>Batched reads of sweeps (videos.list of up to 50 ids each).</summary>
    public int BatchReads;

    [Activity]
    public Task<ObservedVideos> ObserveVideosAsync(ObserveVideosInput input)
    {
        var at = DateTimeOffset.UtcNow;
        var held = input.EpisodeIds.Select(e => (Episode: e, Video: VideoByEpisode.GetValueOrDefault(e))).ToList();
        var reads = (held.Count(h => h.Video is not null) + 49) / 50;
        Charge(reads);
        Interlocked.Add(ref BatchReads, reads);
        return Task.FromResult(new ObservedVideos(
            [.. held.Select(h => h.Video is { } v && Descriptions.TryGetValue(v, out var text)
                ? new ObservedVideo(h.Episode, v, at, RawkodeAutomation.Workflows.Decisions.Fingerprint.Of(text), new ObservedSnippet("title", "28", null, null, null), "etag")
                : new ObservedVideo(h.Episode, h.Video, at))],
            reads));
    }

    /// <summary>The next this-many thumbnail uploads fail (retryably): a way to hold an episode mid-way.</summary>
    public int ThumbnailFailuresLeft;

    [Activity]
    public Task<EnsureThumbnailResult> EnsureThumbnailAsync(EnsureThumbnailInput input)
    {
        if (Interlocked.Decrement(ref ThumbnailFailuresLeft) >= 0)
        {
            throw new ApplicationFailureException("thumbnails.set: 503 backendError", "Transient");
        }
        // Like the real operation: upload only when the video does not carry this picture yet, or when forced.
        if (!input.Force && Thumbnails.TryGetValue(input.VideoId, out var current) && current == input.Fingerprint)
        {
            Charge(1);
            return Task.FromResult(new EnsureThumbnailResult(false, input.Fingerprint, 1234, 1));
        }
        Charge(50);
        Interlocked.Increment(ref ThumbnailUploads);
        Thumbnails[input.VideoId] = input.Fingerprint;
        return Task.FromResult(new EnsureThumbnailResult(true, input.Fingerprint, 1234, 50));
    }

    [Activity]
    public Task<DeleteBroadcastResult> DeleteBroadcastAsync(DeleteBroadcastInput input)
    {
        Charge(51);
        var removed = VideoByEpisode.TryRemove(input.EpisodeId, out _);
        if (removed)
        {
            Interlocked.Increment(ref Deletes);
        }
        return Task.FromResult(new DeleteBroadcastResult(removed, 51));
    }
}

/// <summary>Klustered clusters in memory: a team is "fixed" once the test says so.</summary>
public sealed class FakeKlustered : IKlusteredActivities
{
    public ConcurrentDictionary<string, string> Clusters { get; } = new();
    public ConcurrentDictionary<string, DateTimeOffset> FixedTeams { get; } = new();
    public ConcurrentBag<RecordTimeToFixInput> Recorded { get; } = [];
    public ConcurrentBag<string> TornDown { get; } = [];

    public static string Key(string episodeId, string team) => episodeId + "#" + team;

    [Activity]
    public Task<TeamProvisioned> ProvisionTeamAsync(KlusteredTeamInput input)
    {
        var name = $"{input.EpisodeId.Replace('/', '-')}-{input.Team.Name}";
        Clusters[Key(input.EpisodeId, input.Team.Name)] = name;
        var breakers = input.ShowStart is { } start
            ? new AccessGrant(AccessRole.Breakers, $"/fake/{name}/breakers.kubeconfig", "kube-system/klustered-breakers", DateTimeOffset.UtcNow, start)
            : null;
        return Task.FromResult(new TeamProvisioned(name, $"secret/{name}-kubeconfig", true, [.. input.Team.Breaks.Select(b => b + " verified")], breakers));
    }

    /// <summary>Teams the breakers left unbroken (their v2 rollout would become Ready at the start).</summary>
    public ConcurrentDictionary<string, bool> Unbroken { get; } = new();

    /// <summary>Every hand-over, in the order they ran.</summary>
    public ConcurrentQueue<KlusteredTeamInput> HandedOver { get; } = new();

    [Activity]
    public Task<TeamHandedOver> HandOverTeamAsync(KlusteredTeamInput input)
    {
        HandedOver.Enqueue(input);
        var name = $"{input.EpisodeId.Replace('/', '-')}-{input.Team.Name}";
        var verdict = Unbroken.ContainsKey(Key(input.EpisodeId, input.Team.Name)) ? BreakVerdict.NotBroken
            : input.Team.Breaks.Count == 0 ? BreakVerdict.BrokenByHand : BreakVerdict.Broken;
        var until = input.TeardownAt ?? input.Expiry;
        return Task.FromResult(new TeamHandedOver(verdict,
            new AccessGrant(AccessRole.Fixers, $"/fake/{name}/fixers.kubeconfig", "kube-system/klustered-fixers", DateTimeOffset.UtcNow, until), verdict.ToString()));
    }

    public ConcurrentBag<RecordFixChaptersInput> Chapters { get; } = [];

    [Activity]
    public Task<WriteBackResult> RecordFixChaptersAsync(RecordFixChaptersInput input)
    {
        Chapters.Add(input);
        return Task.FromResult(new WriteBackResult("fake-commit", "chapters recorded"));
    }

    /// <summary>Fixed once the check is scheduled at or after the team's fix time (the server's clock, which may skip).</summary>
    [Activity]
    public Task<FixCheck> CheckFixedAsync(KlusteredTeamInput input) =>
        Task.FromResult(FixedTeams.TryGetValue(Key(input.EpisodeId, input.Team.Name), out var at)
            && at <= ActivityExecutionContext.Current.Info.CurrentAttemptScheduledTime + TimeSpan.FromSeconds(1)
            ? new FixCheck(true, at, "v2 Ready")
            : new FixCheck(false, null, "still broken"));

    [Activity]
    public Task<TeardownResult> TeardownTeamAsync(KlusteredTeamInput input)
    {
        var removed = Clusters.TryRemove(Key(input.EpisodeId, input.Team.Name), out var name);
        if (removed)
        {
            TornDown.Add(name!);
        }
        return Task.FromResult(new TeardownResult(removed, null));
    }

    [Activity]
    public Task<WriteBackResult> RecordTimeToFixAsync(RecordTimeToFixInput input)
    {
        Recorded.Add(input);
        return Task.FromResult(new WriteBackResult("fake-commit", "recorded"));
    }
}

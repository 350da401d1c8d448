using RawkodeAutomation.GitHub;
using RawkodeAutomation.Kubernetes;
using RawkodeAutomation.Worker.Activities;
using RawkodeAutomation.Workflows.Activities;
using RawkodeAutomation.Workflows.Contracts;
using RawkodeAutomation.YouTube.Operations;

namespace RawkodeAutomation.Worker.Decisions;

/// <summary>The cleanup's decisions as pure functions (tested without any server).</summary>
public static class CleanupDecisions
{
    /// <summary>The Cluster names the desired state asks for: one per Klustered team (see <c>Ownership.ClusterName</c>).</summary>
    public static IReadOnlySet<string> ExpectedClusterNames(IEnumerable<DesiredEpisode> episodes) =>
        episodes
            .Where(e => e.Klustered is not null)
            .SelectMany(e => e.Klustered!.Teams.Select(t => Ownership.ClusterName(e.EpisodeId, t.Name)))
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Null to keep (still wanted, or orphans cannot be judged because <paramref name="expected"/> is null);
    /// otherwise the item to delete with its reason: past its expiry, or not asked for by the desired state.
    /// </summary>
    public static CleanupItem? JudgeCluster(OwnedClusterInfo cluster, DateTimeOffset now, IReadOnlySet<string>? expected, IReadOnlySet<string>? episodes)
    {
        if (cluster.ExpiresAt is { } at && at <= now)
        {
            return new CleanupItem("cluster", cluster.Name, cluster.EpisodeId, $"expired at {at:u}");
        }
        if (expected is null || expected.Contains(cluster.Name))
        {
            return null;
        }
        var reason = cluster.EpisodeId is { Length: > 0 } episode && episodes?.Contains(episode) == true
            ? $"orphan: team {cluster.Team} is no longer in episode {episode}"
            : $"orphan: episode {(string.IsNullOrEmpty(cluster.EpisodeId) ? "(unknown)" : cluster.EpisodeId)} no longer exists";
        return new CleanupItem("cluster", cluster.Name, cluster.EpisodeId, reason);
    }

    /// <summary>
    /// A marked broadcast whose episode is not in the desired state at <paramref name="commit"/>: deleted only when
    /// no entity owns it, its entity did not keep it on purpose, and it is not yet live.
    /// </summary>
    public static CleanupVerdict JudgeBroadcast(MarkedBroadcast broadcast, EpisodeEntity entity, string commit)
    {
        CleanupVerdict Keep(string reason) => new(false, new CleanupItem("broadcast", broadcast.VideoId, broadcast.EpisodeId, reason));
        if (!broadcast.NotYetLive)
        {
            return Keep($"episode gone but the broadcast is {broadcast.LifeCycleStatus}: the automation never deletes a broadcast that went live");
        }
        if (entity.Running)
        {
            return Keep("episode gone but its entity is still running (cancelling, or waiting for an operator's approval): it owns the broadcast");
        }
        if (EntityKeptVideo(entity))
        {
            return Keep($"its episode entity kept the video on purpose: {entity.LastResult}");
        }
        return new CleanupVerdict(true, new CleanupItem(
            "broadcast", broadcast.VideoId, broadcast.EpisodeId,
            $"episode not in the desired state at {GitShas.Short(commit)}, no entity owns it, and it is {broadcast.LifeCycleStatus} (not yet live)"));
    }

    /// <summary>
    /// The video a running episode entity holds, if the drift check should look for it: the entity's episode is in the
    /// desired state at the head, not a draft, and holds a video id. Its show still to come (and no video claimed by the
    /// file) means a vanished broadcast is recreated; a show under way or over is only reported (YouTube refuses a
    /// broadcast in the past, and an aired video is the creator's record, never replaced by a new one).
    /// </summary>
    public static HeldVideo? JudgeHeld(EpisodeStatus entity, IReadOnlyDictionary<string, DesiredEpisode> desired, DateTimeOffset now)
    {
        if (entity.Applied.VideoId is not { Length: > 0 } videoId || entity.Desired is not { Draft: false } wanted || !desired.ContainsKey(entity.EpisodeId))
        {
            return null;
        }
        if (wanted.AdoptVideoId is { } claimed)
        {
            return new HeldVideo(entity.EpisodeId, videoId, false, $"youtube.videoId {claimed} is claimed by the episode file: a claimed video is never replaced");
        }
        if (wanted.ScheduledFor is not { } start || start <= now)
        {
            return new HeldVideo(entity.EpisodeId, videoId, false, "the show has started or is over: an aired video is reported, never recreated");
        }
        return new HeldVideo(entity.EpisodeId, videoId, true, $"the show is still to come ({start:u}): its entity creates the broadcast again");
    }

    /// <summary>The stream keys the desired state's episodes use: one persistent stream per show that has an episode.</summary>
    public static IReadOnlySet<string> WantedStreamKeys(IEnumerable<DesiredEpisode> episodes) =>
        episodes.Select(e => e.StreamKey).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// A marked stream whose key no episode at <paramref name="commit"/> uses: deleted unless a broadcast that has not
    /// completed is bound to it (YouTube would refuse, and that broadcast, ours or a person's, still needs it).
    /// </summary>
    public static CleanupVerdict JudgeStream(MarkedStream stream, IReadOnlyList<StreamBinding> bindings, string commit)
    {
        var holders = bindings.Where(b => b.StreamId == stream.StreamId).ToList();
        if (holders.Count > 0)
        {
            var which = string.Join(", ", holders.Select(b => $"{b.BroadcastId} ({b.LifeCycleStatus})"));
            return new CleanupVerdict(false, new CleanupItem("stream", stream.StreamId, null,
                $"no episode at {GitShas.Short(commit)} uses stream key {stream.StreamKey}, but broadcast(s) not yet complete are bound to it: {which}"));
        }
        return new CleanupVerdict(true, new CleanupItem("stream", stream.StreamId, null,
            $"no episode at {GitShas.Short(commit)} uses stream key {stream.StreamKey} (its show is gone or has no episode left) and no upcoming or active broadcast is bound to it"));
    }

    /// <summary>
    /// The episode entity ended by keeping its video: an operator's Skip on delete, or an adopted video released to its
    /// human owner. Read from the structured <see cref="EpisodeOutcome.VideoKept"/>; only an outcome recorded before that
    /// field existed (null) falls back to the phrases in its text (<see cref="EntityKeptVideo(string?)"/>).
    /// </summary>
    public static bool EntityKeptVideo(EpisodeEntity entity) => entity.VideoKept ?? EntityKeptVideo(entity.LastResult);

    /// <summary>
    /// The fallback for outcomes recorded before <see cref="EpisodeOutcome.VideoKept"/> existed: their free text
    /// (<see cref="EpisodeOutcome.Result"/>) says "published video kept by operator" or "adopted video ... released".
    /// Kept so a pass over an older history still respects a video kept on purpose; new outcomes never need it.
    /// </summary>
    public static bool EntityKeptVideo(string? lastResult) =>
        lastResult is not null
        && (lastResult.Contains("kept by operator", StringComparison.Ordinal) || lastResult.Contains("released", StringComparison.Ordinal));
}

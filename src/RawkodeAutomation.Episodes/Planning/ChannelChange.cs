using System.Globalization;
using RawkodeAutomation.Episodes.Graph;
using RawkodeAutomation.Episodes.Model;
using RawkodeAutomation.Episodes.Quota;

namespace RawkodeAutomation.Episodes.Planning;

/// <summary>Options for <see cref="ChannelChange.Compute"/>.</summary>
public sealed record ChangeOptions
{
    /// <summary>"Now", to tell aired episodes from upcoming ones.</summary>
    public required DateTimeOffset Now { get; init; }

    /// <summary>YouTube units per day (DESIGN §7).</summary>
    public int DailyQuota { get; init; } = 10_000;
}

/// <summary>What a change does to one episode.</summary>
public enum EpisodeChangeKind
{
    /// <summary>New in the "after" tree (or renamed to this id).</summary>
    Created,

    /// <summary>In both trees, and something about its spec differs.</summary>
    Updated,

    /// <summary>Gone from the "after" tree: the entity is cancelled.</summary>
    Deleted,
}

/// <summary>How the pipeline hears of an episode's change.</summary>
public enum ChangeRoute
{
    /// <summary>Its own file changed (or it is new): signalled at once, at live-scheduling priority.</summary>
    Edited,

    /// <summary>Only something it shows changed (its show, the series index): signalled at once, at sweep priority.</summary>
    Sweep,

    /// <summary>Only a person it shows changed: that person's entity sweeps it, at sweep priority.</summary>
    PersonSweep,

    /// <summary>Deleted: the entity is told to cancel.</summary>
    Cancel,
}

/// <summary>One YouTube Data API call a change makes.</summary>
/// <param name="Method">e.g. <c>videos.update</c>; its cost is <see cref="YouTubeCosts.For"/>.</param>
/// <param name="EpisodeId">The episode it is for; null for a show's stream.</param>
/// <param name="Why">For people, e.g. "write title, description, category and tags".</param>
public sealed record YouTubeCall(string Method, string? EpisodeId, string Why)
{
    /// <summary>Quota units the call costs.</summary>
    public int Units => YouTubeCosts.For(Method);

    /// <summary>The call changes the channel (not a list call).</summary>
    public bool IsWrite => YouTubeCosts.IsWrite(Method);
}

/// <summary>One episode a change affects.</summary>
/// <param name="Before">Its spec in the "before" tree; null when it is new there.</param>
/// <param name="After">Its spec in the "after" tree: what its entity is told to make true; null when deleted.</param>
/// <param name="SweptBy">For <see cref="ChangeRoute.PersonSweep"/>: the person whose entity sweeps it.</param>
/// <param name="Calls">The YouTube calls its entity makes for this change, in order (reads included, estimated).</param>
public sealed record EpisodeChange(
    string EpisodeId,
    EpisodeChangeKind Kind,
    EpisodeSpec? Before,
    EpisodeSpec? After,
    ChangeRoute Route,
    string? SweptBy,
    IReadOnlyList<YouTubeCall> Calls);

/// <summary>
/// The one answer to "what does this change do to the channel, for whom, and at what cost", computed from the
/// <c>episodes/</c> trees before and after. <c>rawkode plan</c> and the pull-request comment print it; the commit
/// pipeline signals exactly its episodes, deletions and person sweeps; its YouTube calls are the ones the episode
/// entities make, priced from <see cref="YouTubeCosts"/>. Pure: the same trees and "now" give the same change.
/// </summary>
/// <remarks>
/// The calls assume YouTube held the "before" tree when the change started (an entity compares before it writes, so
/// a channel that drifted costs different reads, and writes only what really differs). The thumbnail renderer's own
/// files (<c>thumbnails/</c>) are not part of the trees: a template edit re-uploads pictures this change cannot see.
/// </remarks>
public sealed record ChannelChange(
    IReadOnlyList<EpisodeChange> Episodes,
    IReadOnlyDictionary<string, IReadOnlyList<string>> PersonSweeps,
    IReadOnlyList<Rename> Renames,
    IReadOnlyList<YouTubeCall> StreamCalls,
    IReadOnlyList<string> Warnings,
    DateTimeOffset Now,
    int DailyQuota)
{
    /// <summary>Episodes signalled at once (own edit or a show/series change), in id order.</summary>
    public IEnumerable<EpisodeChange> Signalled => Episodes.Where(e => e.Route is ChangeRoute.Edited or ChangeRoute.Sweep);

    /// <summary>Ids of the episodes whose entities are cancelled.</summary>
    public IReadOnlyList<string> Deleted => [.. Episodes.Where(e => e.Kind == EpisodeChangeKind.Deleted).Select(e => e.EpisodeId)];

    /// <summary>Every YouTube call of the change: the shows' streams first, then each episode's.</summary>
    public IEnumerable<YouTubeCall> Calls => StreamCalls.Concat(Episodes.SelectMany(e => e.Calls));

    /// <summary>The calls by method, with what they cost, and how many days of quota that is.</summary>
    public QuotaEstimate Quota()
    {
        var lines = Calls.GroupBy(c => c.Method, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new QuotaLine(g.Key, g.Count(), YouTubeCosts.For(g.Key), g.Count() * YouTubeCosts.For(g.Key)))
            .ToList();
        var units = lines.Sum(l => l.Units);
        var days = units == 0 ? 0 : (units + DailyQuota - 1) / DailyQuota;
        return new QuotaEstimate(units, DailyQuota, days, lines);
    }

    /// <summary>One line for the commit status.</summary>
    public string Summary()
    {
        var edited = Episodes.Count(e => e.Route == ChangeRoute.Edited);
        var swept = Episodes.Count(e => e.Route is ChangeRoute.Sweep or ChangeRoute.PersonSweep);
        var parts = new List<string> { $"{edited} episode(s) to reconcile" };
        if (swept > 0)
        {
            parts.Add($"{swept} description(s) to sweep");
        }

        if (Deleted.Count > 0)
        {
            parts.Add($"{Deleted.Count} episode(s) deleted");
        }

        if (PersonSweeps.Count > 0)
        {
            parts.Add($"people changed: {string.Join(", ", PersonSweeps.Keys)}");
        }

        var quota = Quota();
        if (quota.Units > 0)
        {
            parts.Add($"YouTube: {Calls.Count(c => c.IsWrite)} write(s), {quota.Units.ToString("N0", CultureInfo.InvariantCulture)} units");
        }

        return string.Join("; ", parts);
    }

    /// <summary>
    /// The change from <paramref name="from"/> to <paramref name="to"/> (both loaded; pass <see cref="EpisodeRepository.Empty"/>
    /// as <paramref name="from"/> to treat everything as new).
    /// </summary>
    public static ChannelChange Compute(EpisodeRepository from, EpisodeRepository to, ChangeOptions options)
    {
        var now = options.Now;
        var warnings = new List<string>();
        var descriptions = DependencyGraph.CompareDescriptions(from, to).ToDictionary(c => c.EpisodeId, StringComparer.Ordinal);
        var changedPeople = ChangedPeople(from, to);
        var graph = DependencyGraph.Build(to);
        var sweeps = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        var episodes = new List<EpisodeChange>();

        // An episode whose show is missing (a "before" tree with errors) counts as absent there.
        var inFrom = Present(from);
        var inTo = Present(to);
        foreach (var id in inFrom.Union(inTo, StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var oldEpisode = inFrom.Contains(id) ? from.Episodes[id] : null;
            var newEpisode = inTo.Contains(id) ? to.Episodes[id] : null;
            if (newEpisode is null)
            {
                var gone = EpisodeSpecs.Of(from, oldEpisode!, RenderOrEmpty(from, id));
                episodes.Add(new EpisodeChange(id, EpisodeChangeKind.Deleted, gone, null, ChangeRoute.Cancel, null, DeleteCalls(gone, now, warnings)));
                continue;
            }

            if (oldEpisode is null)
            {
                var created = EpisodeSpecs.Of(to, newEpisode);
                episodes.Add(new EpisodeChange(id, EpisodeChangeKind.Created, null, created, ChangeRoute.Edited, null, []));
                continue;
            }

            EpisodeSpec before, after;
            if (descriptions.TryGetValue(id, out var texts))
            {
                before = EpisodeSpecs.Of(from, oldEpisode, texts.Before.Text);
                after = EpisodeSpecs.Of(to, newEpisode, texts.After.Text);
            }
            else
            {
                // Most episodes do not change: compare them without rendering (their descriptions were compared cheaply
                // above), and render the description only for an entity that is told about the change.
                before = EpisodeSpecs.Of(from, oldEpisode, "");
                after = EpisodeSpecs.Of(to, newEpisode, "");
                if (before.Fingerprint() == after.Fingerprint())
                {
                    continue;
                }

                var text = EpisodeSpecs.Of(to, newEpisode).Description;
                (before, after) = (before with { Description = text }, after with { Description = text });
            }

            if (OwnFileChanged(oldEpisode, newEpisode))
            {
                episodes.Add(new EpisodeChange(id, EpisodeChangeKind.Updated, before, after, ChangeRoute.Edited, null, []));
                continue;
            }

            var person = changedPeople.FirstOrDefault(p => graph.EpisodesDependingOnPerson(p).Contains(id));
            if (person is not null)
            {
                if (!sweeps.TryGetValue(person, out var list))
                {
                    sweeps[person] = list = [];
                }

                list.Add(id);
            }

            episodes.Add(new EpisodeChange(id, EpisodeChangeKind.Updated, before, after, person is null ? ChangeRoute.Sweep : ChangeRoute.PersonSweep, person, []));
        }

        var renames = FindRenames(episodes);
        var streamCalls = StreamCallsOf(episodes, now);
        for (var i = 0; i < episodes.Count; i++)
        {
            var change = episodes[i];
            if (change.Kind != EpisodeChangeKind.Deleted)
            {
                episodes[i] = change with { Calls = ReconcileCalls(change.Before, change.After!, now, warnings) };
            }
        }

        BatchSweepReads(episodes, sweeps);

        var result = new ChannelChange(
            episodes,
            sweeps.ToDictionary(s => s.Key, s => (IReadOnlyList<string>)s.Value, StringComparer.Ordinal),
            renames,
            streamCalls,
            warnings,
            now,
            options.DailyQuota);
        var quota = result.Quota();
        if (quota.Days > 1)
        {
            warnings.Add($"this change costs {quota.Units.ToString("N0", CultureInfo.InvariantCulture)} YouTube units, {quota.Days} days of quota "
                + $"at {options.DailyQuota.ToString("N0", CultureInfo.InvariantCulture)}/day: sweeps wait for the daily reset and resume");
        }

        return result;
    }

    /// <summary>
    /// A person's sweep reads its episodes' videos before it signals them, 50 episodes (in the sweep's id order) to a
    /// videos.list call, and an episode then writes its description without a read of its own: the per-episode "read the
    /// description" becomes one read per 50 episodes of the sweep, carried by the first of them with a video to touch. A
    /// 50 with nothing on YouTube (drafts, past episodes never adopted) reads nothing.
    /// </summary>
    private static void BatchSweepReads(List<EpisodeChange> episodes, SortedDictionary<string, List<string>> sweeps)
    {
        var at = Enumerable.Range(0, episodes.Count).ToDictionary(i => episodes[i].EpisodeId, StringComparer.Ordinal);
        foreach (var (person, ids) in sweeps)
        {
            foreach (var fifty in ids.Chunk(YouTubeCosts.IdsPerList))
            {
                var first = true;
                foreach (var index in fifty.Select(id => at[id]))
                {
                    var change = episodes[index];
                    if (change.Calls.Count == 0)
                    {
                        continue;
                    }

                    List<YouTubeCall> calls = [.. change.Calls.Where(c => !(c.Method == YouTubeCosts.VideosList && c.Why == ReadDescription))];
                    if (first)
                    {
                        calls.Insert(0, new YouTubeCall(YouTubeCosts.VideosList, change.EpisodeId, $"read the videos of {person}'s sweep, up to {fifty.Length} in one call"));
                        first = false;
                    }

                    episodes[index] = change with { Calls = calls };
                }
            }
        }
    }

    private const string ReadDescription = "read the description";

    /// <summary>
    /// What the episode's entity calls to make YouTube hold <paramref name="after"/> when it held <paramref name="before"/>
    /// (null: nothing yet). Mirrors the reconcile: the broadcast step (which writes the description with it), else the
    /// description step, then the thumbnail step; each compares first and writes only what differs.
    /// </summary>
    public static IReadOnlyList<YouTubeCall> ReconcileCalls(EpisodeSpec? before, EpisodeSpec after, DateTimeOffset now, List<string>? warnings = null)
    {
        var id = after.EpisodeId;
        List<YouTubeCall> calls = [];
        void Call(string method, string why) => calls.Add(new YouTubeCall(method, id, why));
        if (after.Draft)
        {
            if (before is { Draft: false })
            {
                warnings?.Add($"{id}: became a draft; its broadcast stays on YouTube as it is (drafts are never published; delete the file to delete the broadcast)");
            }

            return calls;
        }

        var aired = after.AiredAt(now);
        // A show that is over is its existing video (one snippet/status write, no broadcast calls, no playlist, the
        // creator's thumbnail unless opted in) or, without a videoId, not on YouTube at all: nothing is created.
        var existing = after.OverAt(now) && after.AdoptVideoId is not null;
        if (after.OverAt(now) && after.AdoptVideoId is null && (before is null || before.Draft))
        {
            warnings?.Add($"{id}: not on YouTube — run `rawkode adopt` (the show is over and has no youtube.videoId; no broadcast is created in the past)");
            return calls;
        }

        if (existing && (before is null || before.Draft || before.AdoptVideoId != after.AdoptVideoId))
        {
            Call(YouTubeCosts.VideosList, $"read video {after.AdoptVideoId}");
            Call(YouTubeCosts.VideosUpdate, $"adopt video {after.AdoptVideoId}: write title, description, category, tags, privacy and our marker");
            if (after.ReplaceThumbnail)
            {
                Thumbnail("youtube.replaceThumbnail is on");
            }

            return calls;
        }

        if (before is null || before.Draft)
        {
            if (after.AdoptVideoId is { } videoId)
            {
                Call(YouTubeCosts.LiveBroadcastsList, $"look up video {videoId}");
                Call(YouTubeCosts.VideosList, $"read video {videoId}");
                Call(YouTubeCosts.VideosUpdate, $"adopt video {videoId}: write title, description, category, tags and our marker");
                Playlist(after, added: true);
            }
            else if (aired)
            {
                warnings?.Add($"{id}: not on YouTube — run `rawkode adopt` (it is on air now and has no broadcast; none is created once it started)");
                return calls;
            }
            else
            {
                Call(YouTubeCosts.LiveBroadcastsList, "look for a broadcast carrying our marker");
                Call(YouTubeCosts.VideosList, "read the broadcasts' markers");
                Call(YouTubeCosts.LiveBroadcastsInsert, "create the broadcast");
                Call(YouTubeCosts.VideosList, "read the new broadcast's video");
                Call(YouTubeCosts.VideosUpdate, "write category, tags and our marker");
                Call(YouTubeCosts.LiveBroadcastsBind, $"bind to the show's stream '{after.StreamKey}'");
                if (after.PlaylistId is { } playlist)
                {
                    Call(YouTubeCosts.PlaylistItemsInsert, $"add to playlist {playlist}");
                }
            }

            if (after.AdoptVideoId is null || after.ReplaceThumbnail)
            {
                Thumbnail(after.AdoptVideoId is null ? "new broadcast" : "the episode opts in to replacing the existing thumbnail");
            }

            return calls;
        }

        if (existing && before.BroadcastDiffers(after))
        {
            // An existing video has no schedule, stream or playlist to change: only its snippet and privacy are written.
            Call(YouTubeCosts.VideosList, "read the video");
            if (before.Title != after.Title || before.Description != after.Description || !before.Tags.SequenceEqual(after.Tags)
                || before.CategoryId != after.CategoryId || before.Visibility != after.Visibility)
            {
                Call(YouTubeCosts.VideosUpdate, "write the video's snippet and status");
            }
        }
        else if (before.BroadcastDiffers(after))
        {
            Call(YouTubeCosts.LiveBroadcastsList, "read the broadcast");
            Call(YouTubeCosts.VideosList, "read its video");
            var textDiff = before.Title != after.Title || before.Description != after.Description;
            var videoDiff = !before.Tags.SequenceEqual(after.Tags) || before.CategoryId != after.CategoryId;
            if (after.AdoptVideoId is not null && aired)
            {
                // An adopted past episode is a plain video: one snippet/status write.
                if (textDiff || videoDiff || before.Visibility != after.Visibility)
                {
                    Call(YouTubeCosts.VideosUpdate, "write the video's snippet and status");
                }
            }
            else
            {
                // A live or completed broadcast keeps its schedule and its stream (YouTube refuses to change them).
                var timeDiff = (before.ScheduledFor != after.ScheduledFor || before.Duration != after.Duration) && !aired;
                var privacyDiff = before.Visibility != after.Visibility;
                var snippet = timeDiff || (textDiff && !videoDiff && privacyDiff && !aired);
                if (timeDiff || privacyDiff)
                {
                    Call(YouTubeCosts.LiveBroadcastsUpdate, string.Join(" and ", new[] { snippet ? "snippet" : null, privacyDiff ? "status" : null }.OfType<string>()));
                }

                if (videoDiff || (textDiff && !snippet))
                {
                    Call(YouTubeCosts.VideosUpdate, "write title, description, category and tags");
                }

                if (before.StreamKey != after.StreamKey && !aired)
                {
                    Call(YouTubeCosts.LiveBroadcastsBind, $"bind to the show's stream '{after.StreamKey}'");
                }
            }

            Playlist(after, added: before.PlaylistId != after.PlaylistId);
        }
        else if (before.Description != after.Description)
        {
            Call(YouTubeCosts.VideosList, ReadDescription);
            Call(YouTubeCosts.VideosUpdate, "rewrite the description");
        }

        if (before.Thumbnail.Differs(after.Thumbnail) && (!existing || after.ReplaceThumbnail))
        {
            Thumbnail("its inputs changed");
        }

        return calls;

        void Thumbnail(string why)
        {
            Call(YouTubeCosts.VideosList, "read the thumbnail marker");
            Call(YouTubeCosts.ThumbnailsSet, "upload the thumbnail: " + why);
            Call(YouTubeCosts.VideosUpdate, "write the thumbnail marker");
        }

        void Playlist(EpisodeSpec spec, bool added)
        {
            if (spec.PlaylistId is not { } playlist)
            {
                return;
            }

            Call(YouTubeCosts.PlaylistItemsList, $"check playlist {playlist}");
            if (added)
            {
                Call(YouTubeCosts.PlaylistItemsInsert, $"add to playlist {playlist}");
            }
        }
    }

    /// <summary>What cancelling a deleted episode's entity calls: an upcoming broadcast is deleted; an aired or adopted one is not.</summary>
    private static IReadOnlyList<YouTubeCall> DeleteCalls(EpisodeSpec gone, DateTimeOffset now, List<string> warnings)
    {
        if (gone.Draft)
        {
            return [];
        }

        if (gone.AdoptVideoId is { } videoId)
        {
            warnings.Add($"{gone.EpisodeId}: its file is gone; the adopted video {videoId} is released, not deleted");
            return [];
        }

        if (gone.AiredAt(now))
        {
            warnings.Add($"{gone.EpisodeId}: already aired; removing its file does not delete the video (an operator may approve the deletion)");
            return [];
        }

        return
        [
            new YouTubeCall(YouTubeCosts.LiveBroadcastsList, gone.EpisodeId, "check the broadcast has not gone live"),
            new YouTubeCall(YouTubeCosts.LiveBroadcastsDelete, gone.EpisodeId, "delete the broadcast"),
        ];
    }

    /// <summary>A show's stream is created the first time one of its broadcasts binds to a stream key no episode used before.</summary>
    private static List<YouTubeCall> StreamCallsOf(IReadOnlyList<EpisodeChange> episodes, DateTimeOffset now)
    {
        var known = episodes.Where(e => e.Before is { Draft: false }).Select(e => e.Before!.StreamKey).ToHashSet(StringComparer.Ordinal);
        List<YouTubeCall> calls = [];
        var binding = episodes
            .Where(e => e.After is { Draft: false, AdoptVideoId: null } a && !a.AiredAt(now)
                && (e.Before is null or { Draft: true } || e.Before.StreamKey != a.StreamKey))
            .Select(e => e.After!.StreamKey)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        foreach (var key in binding.Where(k => !known.Contains(k)))
        {
            calls.Add(new YouTubeCall(YouTubeCosts.LiveStreamsList, null, $"look for the stream '{key}'"));
            calls.Add(new YouTubeCall(YouTubeCosts.LiveStreamsInsert, null, $"create the persistent stream '{key}'"));
        }

        return calls;
    }

    private static HashSet<string> Present(EpisodeRepository repository) =>
        repository.Episodes.Values.Where(e => repository.Shows.ContainsKey(e.ShowId)).Select(e => e.Id).ToHashSet(StringComparer.Ordinal);

    /// <summary>The description, or nothing when the "before" tree cannot render it (it had errors; it is only compared).</summary>
    private static string RenderOrEmpty(EpisodeRepository repository, string episodeId)
    {
        try
        {
            return Rendering.DescriptionRenderer.Render(repository, episodeId).Text;
        }
        catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException)
        {
            return "";
        }
    }

    private static bool OwnFileChanged(Episode before, Episode after) =>
        EpisodeSpecs.Hash(before with { Location = default }) != EpisodeSpecs.Hash(after with { Location = default });

    /// <summary>People whose file or avatar differs between the trees, in id order.</summary>
    private static List<string> ChangedPeople(EpisodeRepository from, EpisodeRepository to) =>
    [
        .. from.People.Keys.Union(to.People.Keys, StringComparer.Ordinal)
            .Where(id =>
            {
                var before = from.People.GetValueOrDefault(id);
                var after = to.People.GetValueOrDefault(id);
                var personDiffers = before is null || after is null
                    || EpisodeSpecs.Hash(before with { Location = default }) != EpisodeSpecs.Hash(after with { Location = default });
                var avatarBefore = from.Avatars.GetValueOrDefault(id);
                var avatarAfter = to.Avatars.GetValueOrDefault(id);
                var avatarDiffers = (avatarBefore is null) != (avatarAfter is null)
                    || (avatarBefore is not null && !avatarBefore.AsSpan().SequenceEqual(avatarAfter));
                return personDiffers || avatarDiffers;
            })
            .Order(StringComparer.Ordinal),
    ];

    /// <summary>
    /// A published episode deleted in the same change as a new one of the same show with the same video id, title or
    /// start is a renamed file: episode ids never change once published, so this deletes one broadcast and creates another.
    /// </summary>
    private static List<Rename> FindRenames(IReadOnlyList<EpisodeChange> episodes)
    {
        var created = episodes.Where(e => e.Kind == EpisodeChangeKind.Created && !e.After!.Draft).Select(e => e.After!).ToList();
        var renames = new List<Rename>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var old in episodes.Where(e => e.Kind == EpisodeChangeKind.Deleted && !e.Before!.Draft).Select(e => e.Before!))
        {
            var match = created.FirstOrDefault(candidate =>
                !used.Contains(candidate.EpisodeId) && candidate.ShowId == old.ShowId
                && ((old.AdoptVideoId is { } v && v == candidate.AdoptVideoId)
                    || candidate.Title == old.Title
                    || (old.ScheduledFor is not null && candidate.ScheduledFor == old.ScheduledFor)));
            if (match is null)
            {
                continue;
            }

            used.Add(match.EpisodeId);
            renames.Add(new Rename(old.EpisodeId, match.EpisodeId,
                $"RENAME: episode '{old.EpisodeId}' became '{match.EpisodeId}'. Episode ids never change once published: this DELETES the broadcast of "
                + $"'{old.EpisodeId}' and CREATES a new one for '{match.EpisodeId}' (new URL, chat and reminders lost). Rename the file back unless that is what you want."));
        }

        return renames;
    }
}

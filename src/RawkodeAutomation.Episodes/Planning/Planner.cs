using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;
using RawkodeAutomation.Episodes.Graph;
using RawkodeAutomation.Episodes.Model;

namespace RawkodeAutomation.Episodes.Planning;

/// <summary>Options for <see cref="Planner"/>.</summary>
public sealed record PlanOptions
{
    /// <summary>"Now", to tell aired episodes from upcoming ones. Null: the current time.</summary>
    public DateTimeOffset? Now { get; init; }

    /// <summary>YouTube units per day (DESIGN §7).</summary>
    public int DailyQuota { get; init; } = 10_000;
}

/// <summary>
/// Diffs two repositories into the effects on YouTube and Kubernetes, and what they cost in YouTube
/// quota (https://developers.google.com/youtube/v3/determine_quota_cost). Pure: same input, same plan.
/// </summary>
/// <remarks>
/// Thumbnails are planned from the inputs a thumbnail shows (title, date, guests' names and avatars,
/// show name and thumbnail template); the thumbnails area's content hash is the exact test at upload
/// time, so the plan may list a thumbnail whose pixels turn out unchanged, never miss one that changed
/// for those reasons. Drafts are never published; an aired episode's changes go to its video.
/// </remarks>
public static class Planner
{
    /// <summary>YouTube Data API v3 costs in units (DESIGN §7).</summary>
    public static class Costs
    {
        public const int VideosList = 1;
        public const int VideosUpdate = 50;
        public const int ThumbnailsSet = 50;
        public const int PlaylistItemsInsert = 50;
        public const int LiveBroadcastsInsert = 50;
        public const int LiveBroadcastsUpdate = 50;
        public const int LiveBroadcastsBind = 50;
        public const int LiveBroadcastsDelete = 50;
        public const int LiveStreamsList = 1;
        public const int LiveStreamsInsert = 50;

        /// <summary><c>videos.list</c> takes up to 50 ids per call.</summary>
        public const int VideosListBatch = 50;
    }

    /// <summary>Plans the move from <paramref name="from"/> to <paramref name="to"/>, with "now" the current time.</summary>
    public static Plan Plan(EpisodeRepository from, EpisodeRepository to) => Plan(from, to, new PlanOptions());

    /// <summary>Plans the move from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static Plan Plan(EpisodeRepository from, EpisodeRepository to, PlanOptions options)
    {
        var now = options.Now ?? DateTimeOffset.UtcNow;
        var warnings = new List<string>();
        var broadcasts = new List<BroadcastChange>();
        var thumbnails = new List<ThumbnailChange>();
        var clusters = new List<ClusterProvision>();
        var streams = new List<StreamChange>();
        var quota = new QuotaCounter();

        var descriptionChanges = DependencyGraph.CompareDescriptions(from, to)
            .ToDictionary(c => c.EpisodeId, StringComparer.Ordinal);

        var published = (EpisodeRepository r) => r.Episodes.Values.Where(e => !e.Draft).ToDictionary(e => e.Id, StringComparer.Ordinal);
        var before = published(from);
        var after = published(to);

        var created = after.Keys.Where(id => !before.ContainsKey(id)).Order(StringComparer.Ordinal).ToList();
        var deleted = before.Keys.Where(id => !after.ContainsKey(id)).Order(StringComparer.Ordinal).ToList();
        var renames = FindRenames(before, after, created, deleted);

        // Shows: a new show with published episodes needs its persistent liveStream.
        foreach (var show in to.Shows.Values.OrderBy(s => s.Id, StringComparer.Ordinal))
        {
            if (!from.Shows.ContainsKey(show.Id) && after.Values.Any(e => e.ShowId == show.Id && !Aired(e, now)))
            {
                streams.Add(new StreamChange(show.Id, show.YouTube.StreamKey));
                quota.Add("liveStreams.list", Costs.LiveStreamsList);
                quota.Add("liveStreams.insert", Costs.LiveStreamsInsert);
            }
        }

        var videosToRead = 0;
        foreach (var id in deleted)
        {
            var episode = before[id];
            var aired = Aired(episode, now);
            var rename = renames.FirstOrDefault(r => r.FromId == id);
            var reasons = new List<string>
            {
                rename is not null ? $"RENAMED to {rename.ToId}" : to.Episodes.ContainsKey(id) ? "became a draft" : "episode file deleted",
            };
            if (aired)
            {
                reasons.Add("already aired: the video stays on YouTube, delete it there by hand if you mean it");
                warnings.Add($"{id}: already aired; removing its file does not delete the video");
            }
            else
            {
                quota.Add("liveBroadcasts.delete", Costs.LiveBroadcastsDelete);
            }

            broadcasts.Add(new BroadcastChange(BroadcastAction.Delete, id, episode.Title, episode.ScheduledFor, reasons, aired,
                episode.YouTube?.VideoId, RenamedTo: rename?.ToId));
        }

        foreach (var id in created)
        {
            var episode = after[id];
            var aired = Aired(episode, now);
            var rename = renames.FirstOrDefault(r => r.ToId == id);
            var reasons = new List<string> { rename is not null ? $"RENAMED from {rename.FromId}" : from.Episodes.ContainsKey(id) ? "no longer a draft" : "new episode" };
            var show = to.Shows.GetValueOrDefault(episode.ShowId);
            // An adopted video keeps the creator's thumbnail unless the episode or its show opts in.
            var replacesThumbnail = !aired || episode.YouTube?.ReplaceThumbnail == true || show?.YouTube.ReplaceThumbnail == true;
            if (episode.YouTube?.VideoId is { } videoId)
            {
                reasons.Add($"adopts existing video {videoId}");
                videosToRead++;
                quota.Add("videos.update", Costs.VideosUpdate);
                if (replacesThumbnail)
                {
                    quota.Add("thumbnails.set", Costs.ThumbnailsSet);
                }
            }
            else if (aired)
            {
                warnings.Add($"{id}: not on YouTube — run `rawkode adopt` (the show is over and has no youtube.videoId; no broadcast is created in the past)");
                reasons.Add("not on YouTube — run `rawkode adopt`");
            }
            else
            {
                quota.Add("liveBroadcasts.insert", Costs.LiveBroadcastsInsert);
                quota.Add("liveBroadcasts.bind", Costs.LiveBroadcastsBind);
                quota.Add("thumbnails.set", Costs.ThumbnailsSet);
                if (show?.YouTube.PlaylistId is not null)
                {
                    quota.Add("playlistItems.insert", Costs.PlaylistItemsInsert);
                }
            }

            broadcasts.Add(new BroadcastChange(BroadcastAction.Create, id, episode.Title, episode.ScheduledFor, reasons, aired,
                episode.YouTube?.VideoId, RenamedFrom: rename?.FromId));
            if (!aired || (episode.YouTube?.VideoId is not null && replacesThumbnail))
            {
                thumbnails.Add(new ThumbnailChange(id, ["new broadcast"]));
            }

            AddClusters(episode, now, clusters);
        }

        foreach (var id in after.Keys.Where(before.ContainsKey).Order(StringComparer.Ordinal))
        {
            var old = before[id];
            var current = after[id];
            var aired = Aired(current, now);
            var reasons = new List<string>();
            if (old.Title != current.Title)
            {
                reasons.Add("title changed");
            }

            if (old.ScheduledFor != current.ScheduledFor)
            {
                reasons.Add(aired ? "scheduledFor changed (already aired: only the record changes)" : "scheduledFor changed");
            }

            if (old.Visibility != current.Visibility)
            {
                reasons.Add($"visibility {old.Visibility.ToString().ToLowerInvariant()} → {current.Visibility.ToString().ToLowerInvariant()}");
            }

            if (old.YouTube?.VideoId != current.YouTube?.VideoId)
            {
                reasons.Add("youtube.videoId changed");
            }

            var tagsChanged = !old.Technologies.SequenceEqual(current.Technologies);
            if (tagsChanged)
            {
                reasons.Add("tags (technologies) changed");
            }

            if (descriptionChanges.ContainsKey(id))
            {
                reasons.Add("description changed");
            }

            // Moving an aired episode's date only corrects the record: YouTube has nothing to change.
            var needsWrite = reasons.Count > 0 && !(aired && reasons.Count == 1 && old.ScheduledFor != current.ScheduledFor);
            if (needsWrite)
            {
                if (aired)
                {
                    // An aired broadcast is a video: read the whole snippet, change it, write it back.
                    videosToRead++;
                    quota.Add("videos.update", Costs.VideosUpdate);
                }
                else
                {
                    var broadcastFields = old.Title != current.Title || old.ScheduledFor != current.ScheduledFor
                        || old.Visibility != current.Visibility || descriptionChanges.ContainsKey(id);
                    if (broadcastFields || old.YouTube?.VideoId != current.YouTube?.VideoId)
                    {
                        quota.Add("liveBroadcasts.update", Costs.LiveBroadcastsUpdate);
                    }

                    if (tagsChanged)
                    {
                        quota.Add("videos.update", Costs.VideosUpdate);
                    }
                }
            }

            if (reasons.Count > 0)
            {
                broadcasts.Add(new BroadcastChange(BroadcastAction.Update, id, current.Title, current.ScheduledFor, reasons, aired, current.YouTube?.VideoId));
            }

            var thumbnailReasons = ThumbnailReasons(from, to, old, current);
            if (thumbnailReasons.Count > 0 && (!aired || current.YouTube?.VideoId is not null))
            {
                thumbnails.Add(new ThumbnailChange(id, thumbnailReasons));
                quota.Add("thumbnails.set", Costs.ThumbnailsSet);
            }

            if (!aired && current.Klustered is not null && (old.Klustered is null || !SameKlustered(old, current)))
            {
                AddClusters(current, now, clusters);
            }
        }

        if (videosToRead > 0)
        {
            quota.Add("videos.list", Costs.VideosList, (videosToRead + Costs.VideosListBatch - 1) / Costs.VideosListBatch);
        }

        var descriptions = descriptionChanges.Values
            .OrderBy(c => c.EpisodeId, StringComparer.Ordinal)
            .Where(c => after.ContainsKey(c.EpisodeId) && before.ContainsKey(c.EpisodeId))
            .Select(c => new DescriptionChange(c.EpisodeId, c.Before.Utf8Bytes, c.After.Utf8Bytes, Diff(c.Before.Text, c.After.Text), c.After.Shortenings))
            .ToList();

        foreach (var rename in renames)
        {
            warnings.Insert(0, rename.Message);
        }

        var units = quota.Total;
        var estimate = new QuotaEstimate(units, options.DailyQuota, units == 0 ? 0 : (units + options.DailyQuota - 1) / options.DailyQuota, quota.Lines);
        if (estimate.Days > 1)
        {
            warnings.Add($"this plan costs {units:N0} YouTube units, {estimate.Days} days of quota: retroactive description sweeps wait for the daily reset and resume");
        }

        return new Plan(
            [.. broadcasts.OrderBy(b => b.Action).ThenBy(b => b.EpisodeId, StringComparer.Ordinal)],
            renames, streams, thumbnails.OrderBy(t => t.EpisodeId, StringComparer.Ordinal).ToList(), descriptions,
            clusters, estimate, warnings);
    }

    /// <summary>True once the episode's scheduled end has passed.</summary>
    public static bool Aired(Episode episode, DateTimeOffset now) =>
        episode.ScheduledFor is { } when && when + episode.Duration <= now;

    private static List<Rename> FindRenames(
        Dictionary<string, Episode> before, Dictionary<string, Episode> after, List<string> created, List<string> deleted)
    {
        var renames = new List<Rename>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var oldId in deleted)
        {
            var old = before[oldId];
            var match = created.FirstOrDefault(newId =>
            {
                var candidate = after[newId];
                return !used.Contains(newId) && candidate.ShowId == old.ShowId
                    && ((old.YouTube?.VideoId is { } v && v == candidate.YouTube?.VideoId)
                        || candidate.Title == old.Title
                        || (old.ScheduledFor is not null && candidate.ScheduledFor == old.ScheduledFor));
            });
            if (match is null)
            {
                continue;
            }

            used.Add(match);
            renames.Add(new Rename(oldId, match,
                $"RENAME: episode '{oldId}' became '{match}'. Episode ids never change once published: this DELETES the broadcast of "
                + $"'{oldId}' and CREATES a new one for '{match}' (new URL, chat and reminders lost). Rename the file back unless that is what you want."));
        }

        return renames;
    }

    private static List<string> ThumbnailReasons(EpisodeRepository from, EpisodeRepository to, Episode old, Episode current)
    {
        var reasons = new List<string>();
        if (old.Title != current.Title)
        {
            reasons.Add("title changed");
        }

        if (old.ScheduledFor != current.ScheduledFor)
        {
            reasons.Add("date changed");
        }

        if (!old.Guests.SequenceEqual(current.Guests))
        {
            reasons.Add("guests changed");
        }
        else
        {
            foreach (var guest in current.Guests)
            {
                if (from.People.GetValueOrDefault(guest)?.Name != to.People.GetValueOrDefault(guest)?.Name)
                {
                    reasons.Add($"guest {guest} renamed");
                }

                if (Hash(from.Avatars.GetValueOrDefault(guest)) != Hash(to.Avatars.GetValueOrDefault(guest)))
                {
                    reasons.Add($"avatar of {guest} changed");
                }
            }
        }

        var oldShow = from.Shows.GetValueOrDefault(old.ShowId);
        var newShow = to.Shows.GetValueOrDefault(current.ShowId);
        if (oldShow?.Name != newShow?.Name || oldShow?.Thumbnail != newShow?.Thumbnail)
        {
            reasons.Add("show name or thumbnail template changed");
        }

        return reasons;
    }

    private static string? Hash(byte[]? bytes) => bytes is null ? null : Convert.ToHexString(SHA256.HashData(bytes));

    private static bool SameKlustered(Episode a, Episode b) =>
        a.ScheduledFor == b.ScheduledFor && a.Duration == b.Duration
        && a.Klustered!.ProvisionBefore == b.Klustered!.ProvisionBefore && a.Klustered.TeardownAfter == b.Klustered.TeardownAfter
        && a.Klustered.Teams.Count == b.Klustered.Teams.Count
        && a.Klustered.Teams.Zip(b.Klustered.Teams).All(p =>
            p.First.Name == p.Second.Name && p.First.Cluster == p.Second.Cluster && p.First.Breaks.SequenceEqual(p.Second.Breaks));

    private static void AddClusters(Episode episode, DateTimeOffset now, List<ClusterProvision> clusters)
    {
        if (episode.Klustered is not { } k || episode.ScheduledFor is not { } when)
        {
            return;
        }

        var teardown = when + episode.Duration + k.TeardownAfter;
        if (teardown <= now)
        {
            return;
        }

        foreach (var team in k.Teams)
        {
            clusters.Add(new ClusterProvision(episode.Id, team.Name, team.Cluster.Class, team.Cluster.KubernetesVersion,
                team.Cluster.ControlPlaneReplicas, team.Cluster.WorkerReplicas, team.Breaks, when - k.ProvisionBefore, teardown));
        }
    }

    /// <summary>A compact line diff: changed lines with one line of context, hunks separated by "…".</summary>
    public static string Diff(string before, string after)
    {
        var model = InlineDiffBuilder.Diff(before, after, ignoreWhiteSpace: false);
        var lines = model.Lines;
        var keep = new bool[lines.Count];
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Type is ChangeType.Inserted or ChangeType.Deleted or ChangeType.Modified)
            {
                for (var j = Math.Max(0, i - 1); j <= Math.Min(lines.Count - 1, i + 1); j++)
                {
                    keep[j] = true;
                }
            }
        }

        var builder = new StringBuilder();
        var skipped = false;
        for (var i = 0; i < lines.Count; i++)
        {
            if (!keep[i])
            {
                skipped = true;
                continue;
            }

            if (skipped && builder.Length > 0)
            {
                builder.Append("  …\n");
            }

            skipped = false;
            var prefix = lines[i].Type switch
            {
                ChangeType.Inserted => "+ ",
                ChangeType.Deleted => "- ",
                _ => "  ",
            };
            builder.Append(prefix).Append(lines[i].Text).Append('\n');
        }

        return builder.ToString();
    }

    private sealed class QuotaCounter
    {
        private readonly Dictionary<string, (int Count, int Each)> _lines = new(StringComparer.Ordinal);

        public void Add(string call, int each, int count = 1)
        {
            var current = _lines.GetValueOrDefault(call, (Count: 0, Each: each));
            _lines[call] = (current.Count + count, each);
        }

        public int Total => _lines.Values.Sum(l => l.Count * l.Each);

        public IReadOnlyList<QuotaLine> Lines =>
        [
            .. _lines.OrderBy(l => l.Key, StringComparer.Ordinal)
                .Select(l => new QuotaLine(l.Key, l.Value.Count, l.Value.Each, l.Value.Count * l.Value.Each)),
        ];
    }

    internal static string Units(int units) => units.ToString("N0", CultureInfo.InvariantCulture);
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;
using RawkodeAutomation.Episodes.Model;
using RawkodeAutomation.Episodes.Quota;
using RawkodeAutomation.Episodes.Rendering;

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
/// Prints a <see cref="ChannelChange"/> for people: the move from one tree of <c>episodes/</c> to another as the
/// broadcasts, thumbnails, descriptions and clusters it changes and the YouTube quota it costs
/// (https://developers.google.com/youtube/v3/determine_quota_cost). The calls and units are the change's own, the
/// ones the pipeline makes; this only adds the reasons and the description diffs. Pure: same input, same plan.
/// </summary>
public static class Planner
{
    /// <summary>Plans the move from <paramref name="from"/> to <paramref name="to"/>, with "now" the current time.</summary>
    public static Plan Plan(EpisodeRepository from, EpisodeRepository to) => Plan(from, to, new PlanOptions());

    /// <summary>Plans the move from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static Plan Plan(EpisodeRepository from, EpisodeRepository to, PlanOptions options)
    {
        var change = ChannelChange.Compute(from, to, new ChangeOptions { Now = options.Now ?? DateTimeOffset.UtcNow, DailyQuota = options.DailyQuota });
        return Describe(change, from, to);
    }

    /// <summary>The plan of a change computed from <paramref name="from"/> and <paramref name="to"/>.</summary>
    public static Plan Describe(ChannelChange change, EpisodeRepository from, EpisodeRepository to)
    {
        var now = change.Now;
        var broadcasts = new List<BroadcastChange>();
        var thumbnails = new List<ThumbnailChange>();
        var descriptions = new List<DescriptionChange>();
        var clusters = new List<ClusterProvision>();
        foreach (var episode in change.Episodes)
        {
            var (before, after) = (episode.Before, episode.After);
            var old = from.Episodes.GetValueOrDefault(episode.EpisodeId);
            var current = to.Episodes.GetValueOrDefault(episode.EpisodeId);
            var published = after is { Draft: false };
            var wasPublished = before is { Draft: false };
            if (published && !wasPublished)
            {
                var rename = change.Renames.FirstOrDefault(r => r.ToId == episode.EpisodeId);
                var reasons = new List<string> { rename is not null ? $"RENAMED from {rename.FromId}" : before is not null ? "no longer a draft" : "new episode" };
                if (after!.AdoptVideoId is { } videoId)
                {
                    reasons.Add($"adopts existing video {videoId}");
                }
                else if (after.AiredAt(now))
                {
                    reasons.Add("in the past without youtube.videoId: nothing to do");
                }

                broadcasts.Add(new BroadcastChange(BroadcastAction.Create, episode.EpisodeId, after.Title, after.ScheduledFor, reasons, after.AiredAt(now),
                    after.AdoptVideoId, RenamedFrom: rename?.FromId));
                AddClusters(current!, now, clusters);
            }
            else if (wasPublished && !published)
            {
                var rename = change.Renames.FirstOrDefault(r => r.FromId == episode.EpisodeId);
                var aired = before!.AiredAt(now);
                if (after is not null)
                {
                    broadcasts.Add(new BroadcastChange(BroadcastAction.Update, episode.EpisodeId, after.Title, after.ScheduledFor,
                        ["became a draft: its broadcast stays on YouTube as it is (delete the file to delete it)"], aired, before.AdoptVideoId));
                    continue;
                }

                List<string> reasons = [rename is not null ? $"RENAMED to {rename.ToId}" : "episode file deleted"];
                if (before.AdoptVideoId is not null)
                {
                    reasons.Add($"adopted video {before.AdoptVideoId} is released, not deleted");
                }
                else if (aired)
                {
                    reasons.Add("already aired: the video stays on YouTube unless an operator approves deleting it");
                }

                broadcasts.Add(new BroadcastChange(BroadcastAction.Delete, episode.EpisodeId, before.Title, before.ScheduledFor, reasons, aired,
                    before.AdoptVideoId, RenamedTo: rename?.ToId));
            }
            else if (published && wasPublished)
            {
                var reasons = UpdateReasons(before!, after!, now);
                if (reasons.Count > 0)
                {
                    broadcasts.Add(new BroadcastChange(BroadcastAction.Update, episode.EpisodeId, after!.Title, after.ScheduledFor, reasons, after.AiredAt(now), after.AdoptVideoId));
                }

                if (before!.Description != after!.Description)
                {
                    var rendered = DescriptionRenderer.Render(to, episode.EpisodeId);
                    descriptions.Add(new DescriptionChange(episode.EpisodeId, Encoding.UTF8.GetByteCount(before.Description), rendered.Utf8Bytes,
                        Diff(before.Description, after.Description), rendered.Shortenings));
                }

                if (!after.AiredAt(now) && current!.Klustered is not null && (old!.Klustered is null || !SameKlustered(old, current)))
                {
                    AddClusters(current, now, clusters);
                }
            }

            if (episode.Calls.Any(c => c.Method == YouTubeCosts.ThumbnailsSet))
            {
                var reasons = wasPublished ? ThumbnailReasons(from, to, old!, current!) : ["new broadcast"];
                thumbnails.Add(new ThumbnailChange(episode.EpisodeId, reasons.Count > 0 ? reasons : ["its inputs changed"]));
            }
        }

        var streams = change.StreamCalls.Where(c => c.Method == YouTubeCosts.LiveStreamsInsert)
            .SelectMany(c => to.Shows.Values.Where(s => c.Why.Contains($"'{s.YouTube.StreamKey}'", StringComparison.Ordinal)).Take(1))
            .Select(s => new StreamChange(s.Id, s.YouTube.StreamKey))
            .ToList();
        return new Plan(
            [.. broadcasts.OrderBy(b => b.Action).ThenBy(b => b.EpisodeId, StringComparer.Ordinal)],
            change.Renames, streams, [.. thumbnails.OrderBy(t => t.EpisodeId, StringComparer.Ordinal)], descriptions,
            clusters, change.Quota(), [.. change.Renames.Select(r => r.Message), .. change.Warnings]);
    }

    private static List<string> UpdateReasons(EpisodeSpec old, EpisodeSpec current, DateTimeOffset now)
    {
        var aired = current.AiredAt(now);
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

        if (old.AdoptVideoId != current.AdoptVideoId)
        {
            reasons.Add("youtube.videoId changed");
        }

        if (!old.Tags.SequenceEqual(current.Tags))
        {
            reasons.Add("tags (technologies) changed");
        }

        if (old.Description != current.Description)
        {
            reasons.Add("description changed");
        }

        return reasons;
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

    internal static string Units(int units) => units.ToString("N0", CultureInfo.InvariantCulture);
}

using System.Globalization;
using System.Text;

namespace RawkodeAutomation.Episodes.Planning;

/// <summary>Prints a <see cref="Plan"/> for people: what changes, why, and what it costs.</summary>
public static class PlanFormatter
{
    /// <summary>The plan as text, sections in the order an operator reads them (renames first: they are the dangerous part).</summary>
    /// <param name="plan">The plan.</param>
    /// <param name="maxDiffs">How many description diffs to print in full; the rest are listed by id only.</param>
    public static string ToText(Plan plan, int maxDiffs = int.MaxValue)
    {
        var diffsShown = 0;
        var b = new StringBuilder();
        foreach (var rename in plan.Renames)
        {
            b.Append("!!! ").Append(rename.Message).Append('\n');
        }

        if (plan.Renames.Count > 0)
        {
            b.Append('\n');
        }

        if (plan.IsEmpty)
        {
            // plan compares two revisions of files; it never reads YouTube, so it must not claim the channel matches.
            b.Append("No changes: both revisions of episodes/ ask the same of the channel (plan compares files; it does not read YouTube).\n");
        }

        Section(b, "Live streams to create", plan.Streams, s => $"+ {s.ShowId}: liveStream '{s.StreamKey}'");
        Section(b, "Broadcasts", plan.Broadcasts, c =>
        {
            var sign = c.Action switch { BroadcastAction.Create => "+", BroadcastAction.Delete => "-", _ => "~" };
            var when = c.ScheduledFor?.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture) ?? "unscheduled";
            return $"{sign} {c.Action.ToString().ToLowerInvariant(),-6} {c.EpisodeId} ({when}) \"{c.Title}\": {string.Join("; ", c.Reasons)}";
        });
        Section(b, "Thumbnails to render and upload", plan.Thumbnails, t => $"~ {t.EpisodeId}: {string.Join("; ", t.Reasons)}");
        Section(b, "Descriptions that change", plan.Descriptions, d =>
        {
            var line = $"~ {d.EpisodeId}: {d.BytesBefore:N0} → {d.BytesAfter:N0} bytes";
            if (d.Shortenings.Count > 0)
            {
                line += $" (shortened: {string.Join("; ", d.Shortenings)})";
            }

            return diffsShown++ < maxDiffs ? line + "\n" + Indent(d.Diff) : line;
        });
        Section(b, "Clusters to provision", plan.Clusters, c =>
            $"+ {c.EpisodeId} {c.Team}: {c.ClusterClass} {c.KubernetesVersion} ({c.ControlPlaneReplicas} control plane, {c.WorkerReplicas} worker{(c.WorkerReplicas == 1 ? "" : "s")}), "
            + $"provision {c.ProvisionAt:yyyy-MM-dd HH:mm}Z, tear down {c.TeardownAt:yyyy-MM-dd HH:mm}Z, breaks: {string.Join(", ", c.Breaks)}");

        if (plan.Descriptions.Count > maxDiffs)
        {
            b.Append("(diffs shown for the first ").Append(maxDiffs).Append(" descriptions; --json has them all)\n\n");
        }

        b.Append("YouTube quota: ").Append(plan.Quota.Units.ToString("N0", CultureInfo.InvariantCulture)).Append(" units");
        if (plan.Quota.Units > 0)
        {
            b.Append(" (").Append(plan.Quota.Days).Append(plan.Quota.Days == 1 ? " day" : " days").Append(" at ")
                .Append(plan.Quota.DailyQuota.ToString("N0", CultureInfo.InvariantCulture)).Append("/day)");
        }

        b.Append('\n');
        foreach (var line in plan.Quota.Lines)
        {
            b.Append("  ").Append(line.Call.PadRight(22)).Append(line.Count.ToString(CultureInfo.InvariantCulture).PadLeft(6)).Append(" × ")
                .Append(line.UnitsEach.ToString(CultureInfo.InvariantCulture).PadLeft(2)).Append(" = ")
                .Append(line.Units.ToString("N0", CultureInfo.InvariantCulture).PadLeft(7)).Append('\n');
        }

        foreach (var warning in plan.Warnings.Where(w => !plan.Renames.Any(r => r.Message == w)))
        {
            b.Append("warning: ").Append(warning).Append('\n');
        }

        return b.ToString();
    }

    private static void Section<T>(StringBuilder b, string title, IReadOnlyList<T> items, Func<T, string> format)
    {
        if (items.Count == 0)
        {
            return;
        }

        b.Append(title).Append(" (").Append(items.Count).Append("):\n");
        foreach (var item in items)
        {
            b.Append("  ").Append(format(item)).Append('\n');
        }

        b.Append('\n');
    }

    private static string Indent(string text) =>
        string.Join('\n', text.TrimEnd('\n').Split('\n').Select(l => "      " + l));
}

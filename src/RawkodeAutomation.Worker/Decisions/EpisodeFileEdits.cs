using System.Globalization;
using System.Text;
using RawkodeAutomation.Workflows.Activities;
using RawkodeAutomation.Workflows.Contracts;

namespace RawkodeAutomation.Worker.Decisions;

/// <summary>
/// Writes <c>timeToFix</c> into a team of an episode file by editing lines, so a human's comments and
/// layout survive (a YAML round trip would drop them).
/// </summary>
public static class TeamYaml
{
    /// <summary>A duration in the episode schema's form, e.g. <c>1h2m3s</c>.</summary>
    public static string Format(TimeSpan t)
    {
        var s = new StringBuilder();
        if (t.TotalHours >= 1) { s.Append((int)t.TotalHours).Append('h'); }
        if (t.Minutes > 0) { s.Append(t.Minutes).Append('m'); }
        if (t.Seconds > 0 || s.Length == 0) { s.Append(t.Seconds).Append('s'); }
        return s.ToString();
    }

    /// <summary>The file with <c>timeToFix</c> set on the team; null when the team is not found (nothing to write).</summary>
    public static byte[]? WithTimeToFix(byte[] file, string team, TimeSpan timeToFix)
    {
        var lines = Encoding.UTF8.GetString(file).Split('\n').ToList();
        var at = lines.FindIndex(l => l.TrimStart().StartsWith("- name:", StringComparison.Ordinal) && ScalarOf(l.Split(':', 2)[1]) == team);
        if (at < 0)
        {
            return null;
        }
        var indent = new string(' ', lines[at].IndexOf('-', StringComparison.Ordinal) + 2);
        var value = $"{indent}timeToFix: {Format(timeToFix)}";
        // Replace an existing value inside this team's block, else add it right after the name.
        for (var i = at + 1; i < lines.Count && (lines[i].StartsWith(indent, StringComparison.Ordinal) || lines[i].Trim().Length == 0); i++)
        {
            if (lines[i].TrimStart().StartsWith("timeToFix:", StringComparison.Ordinal))
            {
                lines[i] = value;
                return Encoding.UTF8.GetBytes(string.Join('\n', lines));
            }
        }
        lines.Insert(at + 1, value);
        return Encoding.UTF8.GetBytes(string.Join('\n', lines));
    }

    /// <summary>A one-line YAML scalar as written after a key: quotes removed, or a trailing <c># comment</c> cut off.</summary>
    private static string ScalarOf(string written)
    {
        var value = written.Trim();
        if (value.Length > 1 && value[0] is '"' or '\'' && value.IndexOf(value[0], 1) is var close and > 0)
        {
            return value[1..close];
        }
        var comment = value.IndexOf(" #", StringComparison.Ordinal);
        return (comment < 0 ? value : value[..comment]).TrimEnd();
    }
}

/// <summary>
/// Adds a chapter per fixed team ("Team A fixed the cluster (23m)") to an episode file, within YouTube's chapter rules
/// (first at 0:00, at least three, ascending, each at least 10 seconds long). The chapters block is rewritten; the
/// rest of the file keeps its lines.
/// </summary>
public static partial class ChapterYaml
{
    private static readonly TimeSpan MinimumLength = TimeSpan.FromSeconds(10);

    /// <summary>The chapter title for one team's fix.</summary>
    public static string Title(string team, TimeSpan timeToFix) => $"{DisplayName(team)} fixed the cluster ({Minutes(timeToFix)})";

    /// <summary><c>team-a</c> as people say it: <c>Team A</c>.</summary>
    public static string DisplayName(string team) =>
        string.Join(' ', team.Split('-', StringSplitOptions.RemoveEmptyEntries).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));

    /// <summary>A time to fix in whole minutes (<c>23m</c>, <c>1h 5m</c>), or seconds under a minute.</summary>
    public static string Minutes(TimeSpan t) =>
        t < TimeSpan.FromMinutes(1) ? $"{(int)t.TotalSeconds}s"
        : t < TimeSpan.FromHours(1) ? $"{(int)t.TotalMinutes}m"
        : $"{(int)t.TotalHours}h {t.Minutes}m";

    /// <summary>The file with the fix chapters added (null: nothing to write) and what happened, in words.</summary>
    public static (byte[]? File, string Detail) WithFixChapters(byte[] file, IReadOnlyList<TeamFix> fixes, DateTimeOffset streamStart, TimeSpan duration)
    {
        var text = Encoding.UTF8.GetString(file);
        var existing = ReadChapters(text);
        var chapters = (existing ?? [(TimeSpan.Zero, "Start")]).ToList();
        var skipped = new List<string>();
        var added = new List<string>();
        foreach (var fix in fixes.OrderBy(f => f.FixedAt))
        {
            var title = Title(fix.Team, fix.TimeToFix);
            if (chapters.Any(c => c.Title == title))
            {
                continue;
            }
            var at = TimeSpan.FromSeconds(Math.Floor((fix.FixedAt - streamStart).TotalSeconds));
            var before = chapters.Where(c => c.At <= at).Select(c => c.At).DefaultIfEmpty(TimeSpan.Zero).Max();
            // Too close to the chapter before it: a little later, still "at the fix" to a viewer.
            if (at - before < MinimumLength)
            {
                at = before + MinimumLength;
            }
            var next = chapters.Where(c => c.At > at).Select(c => (TimeSpan?)c.At).Min() ?? duration;
            if (next - at < MinimumLength)
            {
                skipped.Add($"{title} (too close to {(next == duration ? "the end of the stream" : "the chapter at " + Format(next))})");
                continue;
            }
            chapters.Add((at, title));
            chapters.Sort((a, b) => a.At.CompareTo(b.At));
            added.Add($"{Format(at)} {title}");
        }
        var why = skipped.Count > 0 ? $"; left out: {string.Join(", ", skipped)}" : "";
        if (added.Count == 0)
        {
            return (null, $"no chapter to add{why}");
        }
        if (chapters.Count < 3)
        {
            return (null, $"not written: YouTube needs at least three chapters and this would make {chapters.Count}; add the episode's own chapters to get the fix lines{why}");
        }

        var lines = text.Split('\n').ToList();
        var block = new List<string> { "chapters:" };
        block.AddRange(chapters.Select(c => $"  - {{ at: \"{Format(c.At)}\", title: \"{c.Title.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\" }}"));
        var start = lines.FindIndex(l => l.StartsWith("chapters:", StringComparison.Ordinal));
        if (start < 0)
        {
            var end = lines.Count > 0 && lines[^1].Length == 0 ? lines.Count - 1 : lines.Count;
            lines.InsertRange(end, block);
        }
        else
        {
            var end = start + 1;
            while (end < lines.Count && (lines[end].Length == 0 || lines[end][0] is ' ' or '-' or '#' or '\t'))
            {
                end++;
            }
            // Trailing blank or comment lines belong to whatever follows.
            while (end > start + 1 && (lines[end - 1].Trim().Length == 0 || lines[end - 1].TrimStart().StartsWith('#')))
            {
                end--;
            }
            lines.RemoveRange(start, end - start);
            lines.InsertRange(start, block);
        }
        return (Encoding.UTF8.GetBytes(string.Join('\n', lines)), $"added {string.Join(", ", added)}{why}");
    }

    /// <summary>The chapters the file has (null: none), read with a YAML parser so any style the loader accepts works.</summary>
    private static List<(TimeSpan At, string Title)>? ReadChapters(string text)
    {
        var stream = new YamlDotNet.RepresentationModel.YamlStream();
        stream.Load(new StringReader(text));
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlDotNet.RepresentationModel.YamlMappingNode root
            || !root.Children.TryGetValue(new YamlDotNet.RepresentationModel.YamlScalarNode("chapters"), out var node)
            || node is not YamlDotNet.RepresentationModel.YamlSequenceNode { Children.Count: > 0 } sequence)
        {
            return null;
        }
        var chapters = new List<(TimeSpan, string)>();
        foreach (var item in sequence.Children.OfType<YamlDotNet.RepresentationModel.YamlMappingNode>())
        {
            var at = item.Children.TryGetValue(new YamlDotNet.RepresentationModel.YamlScalarNode("at"), out var a) ? (a as YamlDotNet.RepresentationModel.YamlScalarNode)?.Value : null;
            var title = item.Children.TryGetValue(new YamlDotNet.RepresentationModel.YamlScalarNode("title"), out var t) ? (t as YamlDotNet.RepresentationModel.YamlScalarNode)?.Value : null;
            if (at is not null && title is not null && ChapterTime().Match(at) is { Success: true } m)
            {
                var hours = m.Groups["h"].Success ? int.Parse(m.Groups["h"].Value, CultureInfo.InvariantCulture) : 0;
                chapters.Add((new TimeSpan(hours, int.Parse(m.Groups["m"].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups["s"].Value, CultureInfo.InvariantCulture)), title.Trim()));
            }
        }
        return chapters;
    }

    private static string Format(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}" : $"{t.Minutes:00}:{t.Seconds:00}";

    [System.Text.RegularExpressions.GeneratedRegex(@"^(?:(?<h>\d{1,2}):)?(?<m>\d{1,2}):(?<s>\d{2})$")]
    private static partial System.Text.RegularExpressions.Regex ChapterTime();
}

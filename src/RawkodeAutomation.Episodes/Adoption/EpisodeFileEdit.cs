using System.Text.RegularExpressions;

namespace RawkodeAutomation.Episodes.Adoption;

/// <summary>
/// Writes <c>youtube.videoId</c> into an episode file as a text edit: every other byte (comments, key order, quoting,
/// blank lines, line endings) stays as the person wrote it. A YAML re-serialisation would lose all of that.
/// </summary>
public static partial class EpisodeFileEdit
{
    [GeneratedRegex(@"^youtube:[ \t]*(?<rest>.*?)[ \t]*$")]
    private static partial Regex YouTubeKey();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_-]*:")]
    private static partial Regex TopLevelKey();

    [GeneratedRegex(@"^\{\s*\}$")]
    private static partial Regex EmptyFlowMapping();

    [GeneratedRegex(@"^[ \t]+videoId:")]
    private static partial Regex VideoIdKey();

    [GeneratedRegex(@"^[A-Za-z0-9_-]{11}$")]
    private static partial Regex VideoIdShape();

    /// <summary>
    /// The file's text with <c>youtube: { videoId }</c> set. Where the file has no <c>youtube:</c> key, the block goes
    /// before <c>klustered:</c> (the documented order) or at the end. The file must not have a videoId already.
    /// </summary>
    /// <exception cref="ArgumentException">The id is not a YouTube id.</exception>
    /// <exception cref="InvalidOperationException">The file's <c>youtube:</c> key has a shape this edit does not touch (it says which).</exception>
    public static string WithVideoId(string text, string videoId)
    {
        if (!VideoIdShape().IsMatch(videoId)) { throw new ArgumentException($"'{videoId}' is not a YouTube video id.", nameof(videoId)); }
        var newline = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        // A final newline splits into one empty last element; remember it so the file ends as it did.
        var endsWithNewline = text.EndsWith('\n');
        if (endsWithNewline) { lines.RemoveAt(lines.Count - 1); }

        var at = lines.FindIndex(l => YouTubeKey().IsMatch(l));
        if (at >= 0)
        {
            var rest = YouTubeKey().Match(lines[at]).Groups["rest"].Value;
            var comment = rest.StartsWith('#') ? " " + rest : "";
            if (rest.Length > 0 && comment.Length == 0)
            {
                if (!EmptyFlowMapping().IsMatch(rest))
                {
                    throw new InvalidOperationException($"youtube: has an inline value ('{rest}'); add 'videoId: {videoId}' to it by hand.");
                }
                lines[at] = "youtube:";
            }
            var end = BlockEnd(lines, at);
            if (lines.Skip(at + 1).Take(end - at - 1).Any(l => VideoIdKey().IsMatch(l)))
            {
                throw new InvalidOperationException("youtube.videoId is already set.");
            }
            var indent = lines.Skip(at + 1).Take(end - at - 1).Select(IndentOf).FirstOrDefault(i => i is not null) ?? "  ";
            lines.Insert(at + 1, $"{indent}videoId: {videoId}");
        }
        else
        {
            var klustered = lines.FindIndex(l => l.StartsWith("klustered:", StringComparison.Ordinal));
            var insertAt = klustered >= 0 ? klustered : lines.Count;
            // Keep a comment that introduces klustered: attached to it.
            while (insertAt > 0 && klustered >= 0 && lines[insertAt - 1].TrimStart().StartsWith('#')) { insertAt--; }
            lines.InsertRange(insertAt, ["youtube:", $"  videoId: {videoId}"]);
            if (insertAt == lines.Count - 2) { endsWithNewline = true; }
        }
        return string.Join(newline, lines) + (endsWithNewline ? newline : "");
    }

    // The index after the last line of the block mapping that starts at `key` (indented lines, blank lines and comments).
    private static int BlockEnd(List<string> lines, int key)
    {
        var i = key + 1;
        var last = key + 1;
        for (; i < lines.Count; i++)
        {
            var line = lines[i];
            if (TopLevelKey().IsMatch(line) || line.StartsWith("---", StringComparison.Ordinal) || line.StartsWith("...", StringComparison.Ordinal)) { break; }
            if (line.Length > 0 && (line[0] == ' ' || line[0] == '\t')) { last = i + 1; }
        }
        return last;
    }

    private static string? IndentOf(string line)
    {
        var trimmed = line.TrimStart(' ');
        if (trimmed.Length == 0 || trimmed.StartsWith('#') || trimmed.Length == line.Length) { return null; }
        return line[..(line.Length - trimmed.Length)];
    }
}

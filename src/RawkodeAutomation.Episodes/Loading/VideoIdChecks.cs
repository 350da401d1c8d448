using System.Text;
using RawkodeAutomation.Episodes.Adoption;
using RawkodeAutomation.Episodes.Model;

namespace RawkodeAutomation.Episodes.Loading;

/// <summary>
/// Checks across episodes about <c>youtube.videoId</c>, the claim that an episode IS an existing video: one video is
/// one episode (the same id on two episodes is an error naming both files), and a show that is over without an id
/// publishes nothing (a warning that points at <c>rawkode adopt</c>). The id's shape is checked where it is read.
/// </summary>
internal static class VideoIdChecks
{
    public static IEnumerable<Diagnostic> Check(IReadOnlyDictionary<string, byte[]> files, IEnumerable<Episode> episodes, DateTimeOffset? now)
    {
        var list = episodes.OrderBy(e => e.Location.Path, StringComparer.Ordinal).ToList();
        foreach (var group in list.Where(e => e.YouTube?.VideoId is not null).GroupBy(e => e.YouTube!.VideoId!, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            foreach (var episode in group)
            {
                var others = string.Join(", ", group.Where(e => e != episode).Select(e => e.Location.Path));
                yield return new Diagnostic(LocationOf(files, episode, "videoId"),
                    $"youtube.videoId '{group.Key}' is also claimed by {others}: one video is one episode; keep the id in the episode that is that video and remove it from the other");
            }
        }

        if (now is not { } at) { yield break; }
        foreach (var episode in list.Where(e => ShowTiming.NeedsAdoption(e, at)))
        {
            yield return new Diagnostic(LocationOf(files, episode, "scheduledFor"),
                $"the show is over ({ShowTiming.EndOf(episode):yyyy-MM-dd HH:mm}Z) and has no youtube.videoId, so nothing is published for it: run `rawkode adopt` to find its video on the channel (or add youtube.videoId by hand)",
                DiagnosticSeverity.Warning);
        }
    }

    // The line of `key:` in the episode's file (the model keeps only the file's location); the file's start if absent.
    private static SourceLocation LocationOf(IReadOnlyDictionary<string, byte[]> files, Episode episode, string key)
    {
        if (!files.TryGetValue(episode.Location.Path, out var bytes)) { return episode.Location; }
        var lines = Encoding.UTF8.GetString(bytes).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var trimmed = lines[i].TrimStart();
            if (trimmed.StartsWith(key + ":", StringComparison.Ordinal)) { return new SourceLocation(episode.Location.Path, i + 1, lines[i].Length - trimmed.Length + 1); }
        }
        return episode.Location;
    }
}

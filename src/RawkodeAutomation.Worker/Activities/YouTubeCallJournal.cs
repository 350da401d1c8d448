using System.Globalization;
using System.Text;

namespace RawkodeAutomation.Worker.Activities;

/// <summary>
/// The running total of YouTube units each activity has called, kept beside the worker: one line per answered call,
/// appended before the activity goes on. The next attempt of an activity starts from the larger of this and its last
/// heartbeat. Entries are kept after an activity completes (a completion lost with a killed worker runs the activity
/// again) and dropped after <see cref="Retention"/>.
/// </summary>
/// <remarks>
/// Why, beside the heartbeat: a heartbeat leaves at most once a second, and not at all while Temporal is unreachable,
/// so a worker killed in between loses the calls it made since (YouTube charged them; the quota entity would never
/// hear of them). A line written to the file survives a killed process (the operating system holds it), so a worker
/// started again on the same state directory counts them. Without a path the journal lives in memory: it then only
/// helps a worker that is restarted inside the same process.
/// </remarks>
public sealed class YouTubeCallJournal
{
    /// <summary>Entries older than this are dropped when the journal is opened: no attempt is retried that late.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _totals = new(StringComparer.Ordinal);
    private readonly string? _path;
    private readonly TimeProvider _time;

    /// <param name="path">The journal file (created when missing), or null for a journal in memory.</param>
    public YouTubeCallJournal(string? path, TimeProvider time)
    {
        _path = string.IsNullOrWhiteSpace(path) ? null : path;
        _time = time;
        if (_path is not null)
        {
            Load(_path);
        }
    }

    /// <summary>The units called so far by the activity <paramref name="key"/> (0 when the journal has none).</summary>
    public long Read(string key)
    {
        lock (_gate)
        {
            return _totals.GetValueOrDefault(key);
        }
    }

    /// <summary>The activity <paramref name="key"/> has called <paramref name="total"/> units so far, all attempts.</summary>
    public void Record(string key, long total)
    {
        lock (_gate)
        {
            if (_totals.TryGetValue(key, out var known) && known >= total)
            {
                return;
            }
            _totals[key] = total;
            Append(key, total.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>The key of the running activity attempt's activity (the same for every attempt of it).</summary>
    public static string KeyOf(Temporalio.Activities.ActivityInfo info) => $"{info.WorkflowId}/{info.WorkflowRunId}/{info.ActivityId}";

    private void Append(string key, string value)
    {
        if (_path is null)
        {
            return;
        }
        var line = $"{_time.GetUtcNow().UtcTicks.ToString(CultureInfo.InvariantCulture)}\t{key}\t{value}\n";
        // Written straight through to the operating system: a process killed right after still leaves the line.
        using var stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        stream.Write(Encoding.UTF8.GetBytes(line));
    }

    /// <summary>Reads what earlier processes left, and rewrites the file with only what is still open and recent.</summary>
    private void Load(string path)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }
        var oldest = (_time.GetUtcNow() - Retention).UtcTicks;
        var stamps = new Dictionary<string, long>(StringComparer.Ordinal);
        if (File.Exists(path))
        {
            foreach (var line in File.ReadLines(path))
            {
                // A line cut short by a kill, or anything else that is not ticks, key, value: skipped.
                var parts = line.Split('\t');
                if (parts.Length != 3 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks))
                {
                    continue;
                }
                if (parts[2] == "done")
                {
                    _totals.Remove(parts[1]);
                    stamps.Remove(parts[1]);
                }
                else if (long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var total) && ticks >= oldest)
                {
                    _totals[parts[1]] = Math.Max(total, _totals.GetValueOrDefault(parts[1]));
                    stamps[parts[1]] = ticks;
                }
            }
        }
        var compacted = new StringBuilder();
        foreach (var (key, total) in _totals)
        {
            compacted.Append(CultureInfo.InvariantCulture, $"{stamps[key]}\t{key}\t{total}\n");
        }
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, compacted.ToString());
        File.Move(temporary, path, overwrite: true);
    }
}

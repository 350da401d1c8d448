using System.Globalization;
using System.Text;

namespace RawkodeAutomation.Worker.Activities;

/// <summary>
/// The running total of YouTube units each activity has called, kept beside the worker: one line per answered call,
/// appended before the activity goes on. The next attempt of an activity starts from the larger of this and its last
/// heartbeat. Entries are kept after an activity completes (a completion lost with a killed worker runs the activity
/// again) and dropped after <see cref="Retention"/>: when the journal is opened, and at most once every
/// <see cref="CompactionInterval"/> while it is written to, so a worker that runs for weeks keeps neither memory nor a
/// file that grows with every call it ever made.
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
    /// <summary>Entries last written longer ago than this are dropped: no attempt is retried that late.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    /// <summary>How often a journal being written to drops what is older than <see cref="Retention"/>.</summary>
    public static readonly TimeSpan CompactionInterval = TimeSpan.FromDays(1);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, (long Total, long Ticks)> _totals = new(StringComparer.Ordinal);
    private readonly string? _path;
    private readonly TimeProvider _time;
    private DateTimeOffset _compactedAt;

    /// <param name="path">The journal file (created when missing), or null for a journal in memory.</param>
    public YouTubeCallJournal(string? path, TimeProvider time)
    {
        _path = string.IsNullOrWhiteSpace(path) ? null : path;
        _time = time;
        if (_path is not null)
        {
            Load(_path);
        }
        Compact();
    }

    /// <summary>How many activities the journal holds a total for.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _totals.Count;
            }
        }
    }

    /// <summary>The units called so far by the activity <paramref name="key"/> (0 when the journal has none).</summary>
    public long Read(string key)
    {
        lock (_gate)
        {
            return _totals.TryGetValue(key, out var entry) ? entry.Total : 0;
        }
    }

    /// <summary>The activity <paramref name="key"/> has called <paramref name="total"/> units so far, all attempts.</summary>
    public void Record(string key, long total)
    {
        lock (_gate)
        {
            if (_totals.TryGetValue(key, out var known) && known.Total >= total)
            {
                return;
            }
            var now = _time.GetUtcNow();
            _totals[key] = (total, now.UtcTicks);
            if (now - _compactedAt >= CompactionInterval)
            {
                Compact();
            }
            else
            {
                Append(key, total, now.UtcTicks);
            }
        }
    }

    /// <summary>The key of the running activity attempt's activity (the same for every attempt of it).</summary>
    public static string KeyOf(Temporalio.Activities.ActivityInfo info) => $"{info.WorkflowId}/{info.WorkflowRunId}/{info.ActivityId}";

    private void Append(string key, long total, long ticks)
    {
        if (_path is null)
        {
            return;
        }
        var line = string.Create(CultureInfo.InvariantCulture, $"{ticks}\t{key}\t{total}\n");
        // Written straight through to the operating system: a process killed right after still leaves the line.
        using var stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        stream.Write(Encoding.UTF8.GetBytes(line));
    }

    /// <summary>Reads what earlier processes left (compacted by the constructor afterwards).</summary>
    private void Load(string path)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }
        if (!File.Exists(path))
        {
            return;
        }
        foreach (var line in File.ReadLines(path))
        {
            // A line cut short by a kill, or anything else that is not ticks, key, value: skipped.
            var parts = line.Split('\t');
            if (parts.Length != 3 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks))
            {
                continue;
            }
            if (long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var total))
            {
                var known = _totals.GetValueOrDefault(parts[1]);
                _totals[parts[1]] = (Math.Max(total, known.Total), Math.Max(ticks, known.Ticks));
            }
        }
    }

    /// <summary>Drops the entries older than <see cref="Retention"/>, and rewrites the file with the rest.</summary>
    private void Compact()
    {
        var now = _time.GetUtcNow();
        _compactedAt = now;
        var oldest = (now - Retention).UtcTicks;
        foreach (var key in _totals.Where(e => e.Value.Ticks < oldest).Select(e => e.Key).ToList())
        {
            _totals.Remove(key);
        }
        if (_path is null)
        {
            return;
        }
        var compacted = new StringBuilder();
        foreach (var (key, (total, ticks)) in _totals)
        {
            compacted.Append(CultureInfo.InvariantCulture, $"{ticks}\t{key}\t{total}\n");
        }
        // Written beside and moved over, so a process killed meanwhile leaves the old file whole.
        var temporary = _path + ".tmp";
        File.WriteAllText(temporary, compacted.ToString());
        File.Move(temporary, _path, overwrite: true);
    }
}

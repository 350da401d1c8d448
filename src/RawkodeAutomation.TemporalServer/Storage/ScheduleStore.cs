using Microsoft.Data.Sqlite;

namespace RawkodeAutomation.TemporalServer.Storage;

/// <summary>One stored schedule: its protobuf state plus the scheduler's own bookkeeping.</summary>
/// <param name="Data">A serialized <c>DescribeScheduleResponse</c> (schedule, info, memo, search attributes, conflict token).</param>
/// <param name="Cursor">The last nominal time the schedule has processed; later times are still due.</param>
/// <param name="Buffered">Nominal times of buffered actions (overlap policy buffer one/all), as UTC ticks.</param>
internal sealed record StoredSchedule(string Namespace, string ScheduleId, byte[] Data, DateTime Cursor, IReadOnlyList<long> Buffered);

/// <summary>Where schedules live; <see cref="Save"/> returns only once the change is durable.</summary>
internal interface IScheduleStore : IDisposable
{
    IReadOnlyList<StoredSchedule> LoadAll();

    void Save(StoredSchedule schedule);

    void Delete(string ns, string scheduleId);
}

/// <summary>Nothing survives the process: the default without <c>--db-filename</c>.</summary>
internal sealed class InMemoryScheduleStore : IScheduleStore
{
    public IReadOnlyList<StoredSchedule> LoadAll() => [];

    public void Save(StoredSchedule schedule)
    {
    }

    public void Delete(string ns, string scheduleId)
    {
    }

    public void Dispose()
    {
    }
}

/// <summary>
/// Schedules in the same SQLite file as the runs, on a connection of their own (WAL lets the two writers
/// take turns), so the run store stays untouched by the schedule lock.
/// </summary>
internal sealed class SqliteScheduleStore : IScheduleStore
{
    private readonly SqliteConnection _connection;

    public SqliteScheduleStore(string path)
    {
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, DefaultTimeout = 30 }.ToString());
        _connection.Open();
        using var command = _connection.CreateCommand();
        command.CommandText = """
            PRAGMA busy_timeout=30000;
            CREATE TABLE IF NOT EXISTS schedules (
                namespace TEXT NOT NULL,
                schedule_id TEXT NOT NULL,
                data BLOB NOT NULL,
                cursor INTEGER NOT NULL,
                buffered TEXT NOT NULL,
                PRIMARY KEY (namespace, schedule_id)) WITHOUT ROWID;
            """;
        command.ExecuteNonQuery();
    }

    public IReadOnlyList<StoredSchedule> LoadAll()
    {
        var result = new List<StoredSchedule>();
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT namespace, schedule_id, data, cursor, buffered FROM schedules ORDER BY namespace, schedule_id";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var buffered = reader.GetString(4).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToList();
            result.Add(new StoredSchedule(reader.GetString(0), reader.GetString(1), (byte[])reader[2], new DateTime(reader.GetInt64(3), DateTimeKind.Utc), buffered));
        }
        return result;
    }

    public void Save(StoredSchedule schedule)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = """
            INSERT INTO schedules (namespace, schedule_id, data, cursor, buffered) VALUES ($ns, $id, $data, $cursor, $buffered)
            ON CONFLICT(namespace, schedule_id) DO UPDATE SET data = excluded.data, cursor = excluded.cursor, buffered = excluded.buffered
            """;
        command.Parameters.AddWithValue("$ns", schedule.Namespace);
        command.Parameters.AddWithValue("$id", schedule.ScheduleId);
        command.Parameters.AddWithValue("$data", schedule.Data);
        command.Parameters.AddWithValue("$cursor", schedule.Cursor.Ticks);
        command.Parameters.AddWithValue("$buffered", string.Join(',', schedule.Buffered));
        command.ExecuteNonQuery();
    }

    public void Delete(string ns, string scheduleId)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "DELETE FROM schedules WHERE namespace = $ns AND schedule_id = $id";
        command.Parameters.AddWithValue("$ns", ns);
        command.Parameters.AddWithValue("$id", scheduleId);
        command.ExecuteNonQuery();
    }

    public void Dispose() => _connection.Dispose();
}

using Microsoft.Data.Sqlite;
using RawkodeAutomation.TemporalServer.Engine;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;

namespace RawkodeAutomation.TemporalServer.Storage;

/// <summary>
/// SQLite persistence (WAL): one row per run holding its mutable-state snapshot, one row per history event.
/// Each <see cref="Save"/> is one transaction, committed before the engine answers the request that caused it.
/// </summary>
internal sealed class SqliteExecutionStore : IExecutionStore
{
    private readonly SqliteConnection _connection;

    public SqliteExecutionStore(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode=WAL;");
        // NORMAL in WAL mode survives a killed process (only an OS crash may lose the last commits).
        Execute("PRAGMA synchronous=NORMAL;");
        Execute("""
            CREATE TABLE IF NOT EXISTS runs (
                run_id TEXT PRIMARY KEY,
                namespace TEXT NOT NULL,
                workflow_id TEXT NOT NULL,
                sequence INTEGER NOT NULL,
                state TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS events (
                run_id TEXT NOT NULL,
                event_id INTEGER NOT NULL,
                data BLOB NOT NULL,
                PRIMARY KEY (run_id, event_id)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS search_attributes (
                name TEXT PRIMARY KEY,
                type INTEGER NOT NULL) WITHOUT ROWID;
            """);
    }

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public IReadOnlyList<RunState> LoadAll()
    {
        var runs = new List<RunState>();
        var byId = new Dictionary<string, RunState>(StringComparer.Ordinal);
        using (var command = _connection.CreateCommand())
        {
            command.CommandText = "SELECT state FROM runs ORDER BY sequence";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var run = StateSerializer.Deserialize(reader.GetString(0));
                runs.Add(run);
                byId[run.RunId] = run;
            }
        }
        using (var command = _connection.CreateCommand())
        {
            command.CommandText = "SELECT run_id, data FROM events ORDER BY run_id, event_id";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                if (byId.TryGetValue(reader.GetString(0), out var run))
                {
                    var ev = HistoryEvent.Parser.ParseFrom((byte[])reader[1]);
                    run.History.Add(ev);
                    run.HistorySizeBytes += ev.CalculateSize();
                }
            }
        }
        foreach (var run in runs)
        {
            run.PersistedEvents = run.History.Count;
        }
        return runs;
    }

    public void Save(IReadOnlyCollection<RunState> runs)
    {
        using var transaction = _connection.BeginTransaction();
        using var upsert = _connection.CreateCommand();
        upsert.Transaction = transaction;
        upsert.CommandText = """
            INSERT INTO runs (run_id, namespace, workflow_id, sequence, state) VALUES ($run, $ns, $wf, $seq, $state)
            ON CONFLICT(run_id) DO UPDATE SET state = excluded.state
            """;
        var pRun = upsert.Parameters.Add("$run", SqliteType.Text);
        var pNs = upsert.Parameters.Add("$ns", SqliteType.Text);
        var pWf = upsert.Parameters.Add("$wf", SqliteType.Text);
        var pSeq = upsert.Parameters.Add("$seq", SqliteType.Integer);
        var pState = upsert.Parameters.Add("$state", SqliteType.Text);
        using var insert = _connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT OR REPLACE INTO events (run_id, event_id, data) VALUES ($run, $id, $data)";
        var eRun = insert.Parameters.Add("$run", SqliteType.Text);
        var eId = insert.Parameters.Add("$id", SqliteType.Integer);
        var eData = insert.Parameters.Add("$data", SqliteType.Blob);
        foreach (var run in runs)
        {
            pRun.Value = run.RunId;
            pNs.Value = run.Namespace;
            pWf.Value = run.WorkflowId;
            pSeq.Value = run.Sequence;
            pState.Value = StateSerializer.Serialize(run);
            upsert.ExecuteNonQuery();
            for (var i = run.PersistedEvents; i < run.History.Count; i++)
            {
                eRun.Value = run.RunId;
                eId.Value = run.History[i].EventId;
                eData.Value = Google.Protobuf.MessageExtensions.ToByteArray(run.History[i]);
                insert.ExecuteNonQuery();
            }
        }
        transaction.Commit();
    }

    public IReadOnlyDictionary<string, IndexedValueType> LoadSearchAttributes()
    {
        var registrations = new Dictionary<string, IndexedValueType>(StringComparer.Ordinal);
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT name, type FROM search_attributes";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            registrations[reader.GetString(0)] = (IndexedValueType)reader.GetInt32(1);
        }
        return registrations;
    }

    public void SaveSearchAttributes(IReadOnlyDictionary<string, IndexedValueType> registrations)
    {
        using var transaction = _connection.BeginTransaction();
        using (var clear = _connection.CreateCommand())
        {
            clear.Transaction = transaction;
            clear.CommandText = "DELETE FROM search_attributes";
            clear.ExecuteNonQuery();
        }
        using var insert = _connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO search_attributes (name, type) VALUES ($name, $type)";
        var name = insert.Parameters.Add("$name", SqliteType.Text);
        var type = insert.Parameters.Add("$type", SqliteType.Integer);
        foreach (var (attribute, valueType) in registrations)
        {
            name.Value = attribute;
            type.Value = (int)valueType;
            insert.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    public void Dispose() => _connection.Dispose();
}

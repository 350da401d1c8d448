using RawkodeAutomation.TemporalServer.Engine;
using Temporalio.Api.Enums.V1;

namespace RawkodeAutomation.TemporalServer.Storage;

/// <summary>
/// Where the engine keeps runs. <see cref="Save"/> is called once per state change, inside the engine lock,
/// before the change is acknowledged to any client: whatever it has returned from is durable.
/// </summary>
internal interface IExecutionStore : IDisposable
{
    /// <summary>Every stored run with its full history, in creation order.</summary>
    IReadOnlyList<RunState> LoadAll();

    /// <summary>Stores the snapshots and the new history events of the given runs atomically.</summary>
    void Save(IReadOnlyCollection<RunState> runs);

    /// <summary>
    /// The stored custom search attribute registrations: each name with its type, or
    /// <see cref="IndexedValueType.Unspecified"/> for a predefined attribute that was removed.
    /// </summary>
    IReadOnlyDictionary<string, IndexedValueType> LoadSearchAttributes();

    /// <summary>Replaces the stored registrations with <paramref name="registrations"/> (same shape as <see cref="LoadSearchAttributes"/>).</summary>
    void SaveSearchAttributes(IReadOnlyDictionary<string, IndexedValueType> registrations);
}

/// <summary>Nothing survives the process: the default without <c>--db-filename</c>.</summary>
internal sealed class InMemoryExecutionStore : IExecutionStore
{
    public IReadOnlyList<RunState> LoadAll() => [];

    public void Save(IReadOnlyCollection<RunState> runs)
    {
    }

    public IReadOnlyDictionary<string, IndexedValueType> LoadSearchAttributes() => new Dictionary<string, IndexedValueType>();

    public void SaveSearchAttributes(IReadOnlyDictionary<string, IndexedValueType> registrations)
    {
    }

    public void Dispose()
    {
    }
}

using RawkodeAutomation.TemporalServer.Testing;
using Temporalio.Testing;

namespace RawkodeAutomation.TemporalServer.Tests;

/// <summary>One server (the built `rawkode server start-dev`) shared by the conformance tests of a collection.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private WorkflowEnvironment? _environment;

    public WorkflowEnvironment Environment => _environment ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() =>
        _environment = await TemporalTestServer.StartAsync(
            searchAttributes: new Dictionary<string, string> { ["EpisodeShow"] = "Keyword", ["EpisodeNumber"] = "Int" },
            callerAssembly: typeof(ServerFixture).Assembly);

    public async Task DisposeAsync()
    {
        if (_environment is not null)
        {
            await _environment.ShutdownAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "offline temporal server";
}

using RawkodeAutomation.TemporalServer.Testing;
using Temporalio.Testing;

namespace RawkodeAutomation.Pipeline.Tests.Workflows;

/// <summary>
/// A test class on the project's own time-skipping server hosted in the test process
/// (<see cref="InProcessTimeSkippingEnvironment"/>), one server per test: days of workflow time pass in seconds.
/// </summary>
public abstract class SkippedTimeTests : IAsyncLifetime
{
    /// <summary>Longest any wait may take in wall-clock time (the skipped time is hours).</summary>
    protected static readonly TimeSpan WallClock = TimeSpan.FromSeconds(120);

    private WorkflowEnvironment? _env;

    protected WorkflowEnvironment Env => _env ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _env = await InProcessTimeSkippingEnvironment.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_env is not null)
        {
            await _env.ShutdownAsync();
        }
    }
}

using Google.Protobuf.WellKnownTypes;
using RawkodeAutomation.TemporalServer.TimeSkipping;
using Temporalio.Api.TestService.V1;
using Temporalio.Client;
using Temporalio.Client.Interceptors;
using Temporalio.Testing;

namespace RawkodeAutomation.TemporalServer.Testing;

/// <summary>
/// A time-skipping <see cref="WorkflowEnvironment"/> on the offline server hosted in the test's own process (a
/// <see cref="SkippingClock"/> as its clock), with the SDK's time-skipping behaviour: time is locked except while a
/// client waits for a result of a workflow it started, or sleeps with <see cref="DelayAsync"/>. No process is started,
/// so nothing depends on the SDK's fixed 5 s for a test server to listen (which a busy machine sometimes misses).
/// </summary>
public sealed class InProcessTimeSkippingEnvironment : WorkflowEnvironment
{
    private readonly OfflineTemporalServer _server;
    private readonly SkippingClock _clock;
    private bool _autoTimeSkipping = true;

    private InProcessTimeSkippingEnvironment(TemporalClient client, OfflineTemporalServer server, SkippingClock clock)
        : base(client)
    {
        _server = server;
        _clock = clock;
        var options = (TemporalClientOptions)client.Options.Clone();
        options.Interceptors = [new TimeSkippingInterceptor(this), .. client.Options.Interceptors ?? []];
        Client = new TemporalClient(client.Connection, options);
    }

    /// <summary>Starts the server in this process (time locked, on a free loopback port) and connects a client to it.</summary>
    public static async Task<InProcessTimeSkippingEnvironment> StartAsync()
    {
        var clock = new SkippingClock(startLocked: true);
        OfflineTemporalServer? server = null;
        try
        {
            server = await OfflineTemporalServer.StartNewAsync(new() { Port = 0, TimeProvider = clock }).ConfigureAwait(false);
            var client = await TemporalClient.ConnectAsync(new(server.Address) { Namespace = "default" }).ConfigureAwait(false);
            return new InProcessTimeSkippingEnvironment(client, server, clock);
        }
        catch
        {
            if (server is not null)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }
            clock.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public override bool SupportsTimeSkipping => true;

    /// <summary>How long one <see cref="DelayAsync"/> may take in real time.</summary>
    /// <remarks>
    /// The clock only skips past what is due when nothing is outstanding, so a delay over busy workflows runs at the
    /// machine's speed; the SDK's default deadline for a call (30 s) would end it with "Timeout expired" on a busy
    /// machine. The caller's cancellation token still ends it sooner.
    /// </remarks>
    public static readonly TimeSpan DelayCallTimeout = TimeSpan.FromMinutes(30);

    /// <inheritdoc/>
    public override async Task DelayAsync(TimeSpan delay, CancellationToken? cancellationToken = null) =>
        await Client.Connection.TestService.UnlockTimeSkippingWithSleepAsync(
            new SleepRequest { Duration = Duration.FromTimeSpan(delay) },
            new RpcOptions { CancellationToken = cancellationToken, Timeout = DelayCallTimeout }).ConfigureAwait(false);

    /// <inheritdoc/>
    public override async Task<DateTime> GetCurrentTimeAsync() =>
        (await Client.Connection.TestService.GetCurrentTimeAsync(new()).ConfigureAwait(false)).Time.ToDateTime();

    /// <inheritdoc/>
    public override async Task<T> WithAutoTimeSkippingDisabledAsync<T>(Func<Task<T>> func)
    {
        ArgumentNullException.ThrowIfNull(func);
        var alreadyDisabled = !_autoTimeSkipping;
        _autoTimeSkipping = false;
        try
        {
            return await func().ConfigureAwait(false);
        }
        finally
        {
            if (!alreadyDisabled)
            {
                _autoTimeSkipping = true;
            }
        }
    }

    /// <inheritdoc/>
    public override async Task ShutdownAsync()
    {
        await _server.DisposeAsync().ConfigureAwait(false);
        _clock.Dispose();
    }

    /// <summary>Runs <paramref name="run"/> with time unlocked (unless auto skipping is disabled), locking it again after.</summary>
    private async Task<T> WithTimeSkippingUnlockedAsync<T>(Func<Task<T>> run)
    {
        if (!_autoTimeSkipping)
        {
            return await run().ConfigureAwait(false);
        }
        await Client.Connection.TestService.UnlockTimeSkippingAsync(new()).ConfigureAwait(false);
        T result;
        try
        {
            result = await run().ConfigureAwait(false);
        }
        catch
        {
            // The caller's failure is what matters; lock again on a best-effort basis.
            try
            {
                await Client.Connection.TestService.LockTimeSkippingAsync(new()).ConfigureAwait(false);
            }
            catch (Temporalio.Exceptions.RpcException)
            {
            }
            throw;
        }
        await Client.Connection.TestService.LockTimeSkippingAsync(new()).ConfigureAwait(false);
        return result;
    }

    /// <summary>Hands out handles whose result is awaited with time unlocked, as the SDK's time-skipping environment does.</summary>
    private sealed class TimeSkippingInterceptor(InProcessTimeSkippingEnvironment environment) : IClientInterceptor
    {
        public ClientOutboundInterceptor InterceptClient(ClientOutboundInterceptor nextInterceptor) => new Outbound(nextInterceptor, environment);

        private sealed class Outbound(ClientOutboundInterceptor next, InProcessTimeSkippingEnvironment environment) : ClientOutboundInterceptor(next)
        {
            public override async Task<WorkflowHandle<TWorkflow, TResult>> StartWorkflowAsync<TWorkflow, TResult>(StartWorkflowInput input) =>
                new SkippingHandle<TWorkflow, TResult>(environment, await base.StartWorkflowAsync<TWorkflow, TResult>(input).ConfigureAwait(false));
        }
    }

    private sealed record SkippingHandle<TWorkflow, TResult> : WorkflowHandle<TWorkflow, TResult>
    {
        private readonly InProcessTimeSkippingEnvironment _environment;

        public SkippingHandle(InProcessTimeSkippingEnvironment environment, WorkflowHandle<TWorkflow, TResult> underlying)
            : base(underlying.Client, underlying.Id, underlying.RunId, underlying.ResultRunId, underlying.FirstExecutionRunId) =>
            _environment = environment;

        public override Task<TLocalResult> GetResultAsync<TLocalResult>(bool followRuns = true, RpcOptions? rpcOptions = null) =>
            _environment.WithTimeSkippingUnlockedAsync(() => base.GetResultAsync<TLocalResult>(followRuns, rpcOptions));
    }
}

using Temporalio.Activities;
using Temporalio.Worker.Interceptors;

namespace RawkodeAutomation.Worker.Activities;

/// <summary>
/// Heartbeats every activity that was scheduled with a heartbeat timeout, a third of that timeout apart, for as long
/// as it runs, re-sending the details it last heartbeated itself (so the progress an activity reports, e.g. the
/// YouTube units it has spent, is never overwritten by a bare keep-alive).
/// </summary>
/// <remarks>
/// Why: an activity lost with a killed worker is only handed out again when one of its timeouts fires. With a long
/// start-to-close timeout alone (a commit, provisioning a cluster: 45 minutes) that is 45 minutes of nothing; with a
/// short heartbeat timeout it is seconds. The heartbeat says the process is alive, which is what a kill -9 takes
/// away; the start-to-close timeout still bounds an activity that is alive but stuck.
/// https://docs.temporal.io/encyclopedia/detecting-activity-failures#heartbeat-timeout
/// </remarks>
public sealed class ActivityKeepAlive : IWorkerInterceptor
{
    /// <summary>How often the worker sends the heartbeats an activity records (the SDK throttles them to this at most).</summary>
    public static readonly TimeSpan ThrottleInterval = TimeSpan.FromSeconds(1);

    public ActivityInboundInterceptor InterceptActivity(ActivityInboundInterceptor nextInterceptor) => new Inbound(nextInterceptor);

    private sealed class Inbound(ActivityInboundInterceptor next) : ActivityInboundInterceptor(next)
    {
        private Outbound? _outbound;

        public override void Init(ActivityOutboundInterceptor outbound)
        {
            _outbound = new Outbound(outbound);
            base.Init(_outbound);
        }

        public override async Task<object?> ExecuteActivityAsync(ExecuteActivityInput input)
        {
            var context = ActivityExecutionContext.Current;
            if (context.Info.IsLocal || context.Info.HeartbeatTimeout is not { } timeout || timeout <= TimeSpan.Zero || _outbound is null)
            {
                return await base.ExecuteActivityAsync(input).ConfigureAwait(false);
            }
            using var stop = new CancellationTokenSource();
            var pump = PumpAsync(_outbound, timeout / 3, stop.Token);
            try
            {
                return await base.ExecuteActivityAsync(input).ConfigureAwait(false);
            }
            finally
            {
                await stop.CancelAsync().ConfigureAwait(false);
                await pump.ConfigureAwait(false);
            }
        }

        private static async Task PumpAsync(Outbound outbound, TimeSpan every, CancellationToken stop)
        {
            using var timer = new PeriodicTimer(every);
            try
            {
                while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
                {
                    outbound.KeepAlive();
                }
            }
            catch (OperationCanceledException)
            {
                // The activity finished.
            }
        }
    }

    private sealed class Outbound(ActivityOutboundInterceptor next) : ActivityOutboundInterceptor(next)
    {
        private object?[] _details = [];

        public override void Heartbeat(HeartbeatInput input)
        {
            Volatile.Write(ref _details, input.Details);
            base.Heartbeat(input);
        }

        public void KeepAlive() => base.Heartbeat(new HeartbeatInput(Volatile.Read(ref _details)));
    }
}

using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using RawkodeAutomation.TemporalServer.TimeSkipping;
using Temporalio.Api.TestService.V1;

namespace RawkodeAutomation.TemporalServer.Grpc;

/// <summary>
/// <c>temporal.api.testservice.v1.TestService</c>
/// (https://github.com/temporalio/api/blob/master/temporal/api/testservice/v1/service.proto), the time-skipping
/// control the SDK's <c>WorkflowEnvironment.StartTimeSkippingAsync</c> uses: the client unlocks while it waits for a
/// workflow result and locks again after; <c>env.DelayAsync</c> is <c>UnlockTimeSkippingWithSleep</c>;
/// <c>env.GetCurrentTimeAsync</c> is <c>GetCurrentTime</c>. Served only when the server runs on a
/// <see cref="SkippingClock"/>. Method names match the RPC names: Grpc.AspNetCore binds each RPC to the method of that name.
/// </summary>
[BindServiceMethod(typeof(TestServiceEndpoint), nameof(BindService))]
internal class TestServiceEndpoint(SkippingClock clock)
{
    public static void BindService(ServiceBinderBase binder, TestServiceEndpoint? service) => TestServiceBinding.Bind(binder);

    public virtual Task<LockTimeSkippingResponse> LockTimeSkipping(LockTimeSkippingRequest request, ServerCallContext context) =>
        Run(() =>
        {
            clock.Lock();
            return new LockTimeSkippingResponse();
        });

    public virtual Task<UnlockTimeSkippingResponse> UnlockTimeSkipping(UnlockTimeSkippingRequest request, ServerCallContext context) =>
        Run(() =>
        {
            clock.Unlock();
            return new UnlockTimeSkippingResponse();
        });

    public virtual Task<SleepResponse> Sleep(SleepRequest request, ServerCallContext context) =>
        RunAsync(() => clock.SleepAsync(Duration(request.Duration, "SleepRequest.duration"), context.CancellationToken));

    public virtual Task<SleepResponse> SleepUntil(SleepUntilRequest request, ServerCallContext context) =>
        RunAsync(() => clock.SleepUntilAsync(
            request.Timestamp?.ToDateTimeOffset() ?? throw new RpcException(new Status(StatusCode.InvalidArgument, "SleepUntilRequest.timestamp is not set.")),
            context.CancellationToken));

    public virtual Task<SleepResponse> UnlockTimeSkippingWithSleep(SleepRequest request, ServerCallContext context) =>
        RunAsync(() => clock.UnlockWithSleepAsync(Duration(request.Duration, "SleepRequest.duration"), context.CancellationToken));

    public virtual Task<GetCurrentTimeResponse> GetCurrentTime(Empty request, ServerCallContext context) =>
        Task.FromResult(new GetCurrentTimeResponse { Time = Timestamp.FromDateTimeOffset(clock.GetUtcNow()) });

    private static TimeSpan Duration(Google.Protobuf.WellKnownTypes.Duration? duration, string field)
    {
        if (duration is null)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"{field} is not set."));
        }
        var value = duration.ToTimeSpan();
        return value >= TimeSpan.Zero ? value : throw new RpcException(new Status(StatusCode.InvalidArgument, $"{field} is negative ({value})."));
    }

    private static Task<T> Run<T>(Func<T> call)
    {
        try
        {
            return Task.FromResult(call());
        }
        catch (InvalidOperationException ex) when (ex is not ObjectDisposedException)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, ex.Message));
        }
        catch (ObjectDisposedException)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the server is shutting down"));
        }
    }

    private static async Task<SleepResponse> RunAsync(Func<Task> sleep)
    {
        try
        {
            await sleep().ConfigureAwait(false);
            return new SleepResponse();
        }
        catch (InvalidOperationException ex) when (ex is not ObjectDisposedException)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, ex.Message));
        }
        catch (ObjectDisposedException)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the server is shutting down"));
        }
        catch (OperationCanceledException)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, "the caller cancelled the sleep"));
        }
    }
}

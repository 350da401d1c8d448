using Grpc.Core;

namespace RawkodeAutomation.TemporalServer.Grpc;

/// <summary>
/// <c>grpc.health.v1.Health/Check</c> (https://github.com/grpc/grpc/blob/master/doc/health-checking.md), which the
/// SDKs' <c>CheckHealthAsync</c> calls with the WorkflowService's name. Its two messages are small enough to read and
/// write by hand (a string field 1 in, an enum field 1 out), so no package of generated types is needed.
/// </summary>
[BindServiceMethod(typeof(HealthEndpoint), nameof(BindService))]
internal class HealthEndpoint
{
    private const int Serving = 1;

    private static readonly HashSet<string> Services = new(StringComparer.Ordinal)
    {
        "", WorkflowServiceBinding.ServiceName, OperatorServiceEndpoint.ServiceName, TestServiceBinding.ServiceName,
    };

    public static void BindService(ServiceBinderBase binder, HealthEndpoint? service)
    {
        var bytes = Marshallers.Create(static (byte[] b) => b, static b => b);
        binder.AddMethod(new Method<byte[], byte[]>(MethodType.Unary, "grpc.health.v1.Health", "Check", bytes, bytes), (UnaryServerMethod<byte[], byte[]>?)null);
    }

    public virtual Task<byte[]> Check(byte[] request, ServerCallContext context)
    {
        var service = ServiceName(request);
        if (!Services.Contains(service))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"unknown service {service}"));
        }
        // HealthCheckResponse { status: SERVING }: field 1, varint.
        return Task.FromResult(new byte[] { 0x08, Serving });
    }

    /// <summary>The <c>service</c> field (1, length-delimited) of a HealthCheckRequest; other fields are skipped.</summary>
    private static string ServiceName(byte[] request)
    {
        var input = new Google.Protobuf.CodedInputStream(request);
        var name = "";
        try
        {
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                if (tag == 10)
                {
                    name = input.ReadString();
                }
                else
                {
                    input.SkipLastField();
                }
            }
        }
        catch (Google.Protobuf.InvalidProtocolBufferException ex)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"grpc: error unmarshalling request: {ex.Message}"));
        }
        return name;
    }
}

using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;

namespace RawkodeAutomation.TemporalServer.Grpc;

/// <summary>
/// Binds <c>temporal.api.workflowservice.v1.WorkflowService</c> onto Grpc.AspNetCore by hand
/// (see <see cref="DescriptorServiceBinding"/>): every RPC that <see cref="WorkflowServiceEndpoint"/> implements.
/// </summary>
internal static class WorkflowServiceBinding
{
    public const string ServiceName = "temporal.api.workflowservice.v1.WorkflowService";

    /// <summary>A body that is not the request message is INTERNAL, worded as grpc-go (the real frontend) words it.</summary>
    public static void Bind(ServiceBinderBase binder) => DescriptorServiceBinding.Bind<WorkflowServiceEndpoint>(
        binder,
        Temporalio.Api.WorkflowService.V1.ServiceReflection.Descriptor.Services.Single(s => s.FullName == ServiceName),
        "grpc: error unmarshalling request");
}

/// <summary>
/// Binds a gRPC service whose messages and descriptor ship in the Temporalio package, which has no server stubs:
/// the <see cref="Method{TRequest,TResponse}"/> descriptors are built from the service descriptor itself. Only the
/// unary RPCs that <typeparamref name="TEndpoint"/> implements (a public method named like the RPC, taking the request
/// and a <see cref="ServerCallContext"/>) are bound; every other method of the service answers <c>UNIMPLEMENTED</c>,
/// exactly like a server that does not support it.
/// </summary>
internal static class DescriptorServiceBinding
{
    private static readonly MethodInfo AddUnaryMethod =
        typeof(DescriptorServiceBinding).GetMethod(nameof(AddUnary), BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <param name="binder">The binder Grpc.AspNetCore passes to the endpoint's <c>BindService</c>.</param>
    /// <param name="service">The service descriptor from the Temporalio package.</param>
    /// <param name="unmarshalError">Start of the INTERNAL status message for a body that is not the request message.</param>
    public static void Bind<TEndpoint>(ServiceBinderBase binder, ServiceDescriptor service, string unmarshalError)
    {
        foreach (var method in service.Methods)
        {
            if (method.IsClientStreaming || method.IsServerStreaming)
            {
                continue;
            }
            var implementation = typeof(TEndpoint).GetMethod(
                method.Name,
                BindingFlags.Public | BindingFlags.Instance,
                [method.InputType.ClrType, typeof(ServerCallContext)]);
            if (implementation is null)
            {
                continue;
            }
            AddUnaryMethod.MakeGenericMethod(method.InputType.ClrType, method.OutputType.ClrType)
                .Invoke(null, [binder, method, unmarshalError]);
        }
    }

    private static TRequest Parse<TRequest>(MessageParser<TRequest> parser, byte[] bytes, string unmarshalError)
        where TRequest : IMessage<TRequest>
    {
        try
        {
            return parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"{unmarshalError}: {ex.Message}"));
        }
    }

    private static void AddUnary<TRequest, TResponse>(ServiceBinderBase binder, MethodDescriptor descriptor, string unmarshalError)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var parser = new MessageParser<TRequest>(() => new TRequest());
        var responseParser = new MessageParser<TResponse>(() => new TResponse());
        var method = new Method<TRequest, TResponse>(
            MethodType.Unary,
            descriptor.Service.FullName,
            descriptor.Name,
            Marshallers.Create(static m => m.ToByteArray(), bytes => Parse(parser, bytes, unmarshalError)),
            Marshallers.Create(static m => m.ToByteArray(), responseParser.ParseFrom));
        // Grpc.AspNetCore resolves the handler by name on the service type; the delegate is unused.
        binder.AddMethod(method, (UnaryServerMethod<TRequest, TResponse>?)null);
    }
}

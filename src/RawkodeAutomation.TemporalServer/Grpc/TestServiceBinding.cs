using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;

namespace RawkodeAutomation.TemporalServer.Grpc;

/// <summary>
/// Binds <c>temporal.api.testservice.v1.TestService</c> onto Grpc.AspNetCore by hand, from the service descriptor
/// and message types that ship in the Temporalio package (it has a client for the service but no server stubs).
/// RPCs that <see cref="TestServiceEndpoint"/> does not implement answer <c>UNIMPLEMENTED</c>.
/// </summary>
internal static class TestServiceBinding
{
    public const string ServiceName = "temporal.api.testservice.v1.TestService";

    private static readonly MethodInfo AddUnaryMethod =
        typeof(TestServiceBinding).GetMethod(nameof(AddUnary), BindingFlags.NonPublic | BindingFlags.Static)!;

    public static void Bind(ServiceBinderBase binder)
    {
        var service = Temporalio.Api.TestService.V1.ServiceReflection.Descriptor.Services
            .Single(s => s.FullName == ServiceName);
        foreach (var method in service.Methods)
        {
            if (method.IsClientStreaming || method.IsServerStreaming)
            {
                continue;
            }
            var implementation = typeof(TestServiceEndpoint).GetMethod(
                method.Name,
                BindingFlags.Public | BindingFlags.Instance,
                [method.InputType.ClrType, typeof(ServerCallContext)]);
            if (implementation is null)
            {
                continue;
            }
            AddUnaryMethod.MakeGenericMethod(method.InputType.ClrType, method.OutputType.ClrType)
                .Invoke(null, [binder, method]);
        }
    }

    /// <summary>A body that is not the request message is INTERNAL, as grpc-java (the official test server) reports it.</summary>
    private static TRequest Parse<TRequest>(MessageParser<TRequest> parser, byte[] bytes)
        where TRequest : IMessage<TRequest>
    {
        try
        {
            return parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"error unmarshalling request: {ex.Message}"));
        }
    }

    private static void AddUnary<TRequest, TResponse>(ServiceBinderBase binder, MethodDescriptor descriptor)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var parser = new MessageParser<TRequest>(() => new TRequest());
        var responseParser = new MessageParser<TResponse>(() => new TResponse());
        var method = new Method<TRequest, TResponse>(
            MethodType.Unary,
            ServiceName,
            descriptor.Name,
            Marshallers.Create(static m => m.ToByteArray(), bytes => Parse(parser, bytes)),
            Marshallers.Create(static m => m.ToByteArray(), responseParser.ParseFrom));
        // Grpc.AspNetCore resolves the handler by name on the service type; the delegate is unused.
        binder.AddMethod(method, (UnaryServerMethod<TRequest, TResponse>?)null);
    }
}

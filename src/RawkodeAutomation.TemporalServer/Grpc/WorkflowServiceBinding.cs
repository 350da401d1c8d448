using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;

namespace RawkodeAutomation.TemporalServer.Grpc;

/// <summary>
/// Binds <c>temporal.api.workflowservice.v1.WorkflowService</c> onto Grpc.AspNetCore by hand. The Temporalio
/// package ships the request/response messages and the service descriptor but no server stubs, so the
/// <see cref="Method{TRequest,TResponse}"/> descriptors are built here from the descriptor itself.
/// Only RPCs that <see cref="WorkflowServiceEndpoint"/> implements are bound; every other method of the
/// service answers <c>UNIMPLEMENTED</c>, exactly like a server that does not support it.
/// </summary>
internal static class WorkflowServiceBinding
{
    public const string ServiceName = "temporal.api.workflowservice.v1.WorkflowService";

    private static readonly MethodInfo AddUnaryMethod =
        typeof(WorkflowServiceBinding).GetMethod(nameof(AddUnary), BindingFlags.NonPublic | BindingFlags.Static)!;

    public static void Bind(ServiceBinderBase binder)
    {
        var service = Temporalio.Api.WorkflowService.V1.ServiceReflection.Descriptor.Services
            .Single(s => s.FullName == ServiceName);
        foreach (var method in service.Methods)
        {
            if (method.IsClientStreaming || method.IsServerStreaming)
            {
                continue;
            }
            var implementation = typeof(WorkflowServiceEndpoint).GetMethod(
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

    /// <summary>A body that is not the request message is INTERNAL, as grpc-go (the real frontend) reports it.</summary>
    private static TRequest Parse<TRequest>(MessageParser<TRequest> parser, byte[] bytes)
        where TRequest : IMessage<TRequest>
    {
        try
        {
            return parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"grpc: error unmarshalling request: {ex.Message}"));
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

using System.Reflection;
using Google.Protobuf;
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
    public static void Bind(ServiceBinderBase binder) =>
        DescriptorServiceBinding.Bind<WorkflowServiceEndpoint>(binder, ServiceName, "grpc: error unmarshalling request");
}

/// <summary>
/// Binds a gRPC service whose messages ship in the Temporalio package, which has no server stubs: the
/// <see cref="Method{TRequest,TResponse}"/> descriptors are built from the endpoint's own methods. Each public method
/// shaped like a unary RPC (<c>Task&lt;TResponse&gt; Name(TRequest, ServerCallContext)</c> over protobuf messages) is
/// bound as the RPC of that name; every other method of the service answers <c>UNIMPLEMENTED</c>, exactly like a
/// server that does not support it.
/// </summary>
/// <remarks>
/// The methods are not read from the package's service descriptor, because building that descriptor builds the
/// descriptors of the whole Temporal API: about a second of a cold start, and several on a busy machine, where the
/// SDK gives a time-skipping test server 5 s from its start to answer a call. A test holds every bound method to the
/// service descriptor instead.
/// </remarks>
internal static class DescriptorServiceBinding
{
    private static readonly MethodInfo AddUnaryMethod =
        typeof(DescriptorServiceBinding).GetMethod(nameof(AddUnary), BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <param name="binder">The binder Grpc.AspNetCore passes to the endpoint's <c>BindService</c>.</param>
    /// <param name="serviceName">The service's full protobuf name.</param>
    /// <param name="unmarshalError">Start of the INTERNAL status message for a body that is not the request message.</param>
    public static void Bind<TEndpoint>(ServiceBinderBase binder, string serviceName, string unmarshalError)
    {
        foreach (var (name, request, response) in UnaryMethods(typeof(TEndpoint)))
        {
            AddUnaryMethod.MakeGenericMethod(request, response).Invoke(null, [binder, serviceName, name, unmarshalError]);
        }
    }

    /// <summary>The endpoint's methods that are bound: name, request type and response type.</summary>
    public static IEnumerable<(string Name, Type Request, Type Response)> UnaryMethods(Type endpoint)
    {
        foreach (var method in endpoint.GetMethods(BindingFlags.Public | BindingFlags.Instance))
        {
            var parameters = method.GetParameters();
            if (parameters.Length == 2
                && parameters[1].ParameterType == typeof(ServerCallContext)
                && method.ReturnType.IsGenericType
                && method.ReturnType.GetGenericTypeDefinition() == typeof(Task<>)
                && IsMessage(parameters[0].ParameterType)
                && IsMessage(method.ReturnType.GetGenericArguments()[0]))
            {
                yield return (method.Name, parameters[0].ParameterType, method.ReturnType.GetGenericArguments()[0]);
            }
        }
    }

    private static bool IsMessage(Type type) =>
        type.IsClass && type.GetConstructor(Type.EmptyTypes) is not null && typeof(IMessage<>).MakeGenericType(type).IsAssignableFrom(type);

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

    private static void AddUnary<TRequest, TResponse>(ServiceBinderBase binder, string serviceName, string methodName, string unmarshalError)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var parser = new MessageParser<TRequest>(() => new TRequest());
        var responseParser = new MessageParser<TResponse>(() => new TResponse());
        var method = new Method<TRequest, TResponse>(
            MethodType.Unary,
            serviceName,
            methodName,
            Marshallers.Create(static m => m.ToByteArray(), bytes => Parse(parser, bytes, unmarshalError)),
            Marshallers.Create(static m => m.ToByteArray(), responseParser.ParseFrom));
        // Grpc.AspNetCore resolves the handler by name on the service type; the delegate is unused.
        binder.AddMethod(method, (UnaryServerMethod<TRequest, TResponse>?)null);
    }
}

using Grpc.Core;

namespace RawkodeAutomation.TemporalServer.Grpc;

/// <summary>
/// Binds <c>temporal.api.testservice.v1.TestService</c> onto Grpc.AspNetCore by hand (see
/// <see cref="DescriptorServiceBinding"/>): the Temporalio package has a client for it but no server stubs.
/// </summary>
internal static class TestServiceBinding
{
    public const string ServiceName = "temporal.api.testservice.v1.TestService";

    /// <summary>A body that is not the request message is INTERNAL, worded as grpc-java (the official test server) words it.</summary>
    public static void Bind(ServiceBinderBase binder) =>
        DescriptorServiceBinding.Bind<TestServiceEndpoint>(binder, ServiceName, "Invalid protobuf byte sequence");
}

using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Temporalio.Api.WorkflowService.V1;

namespace RawkodeAutomation.TemporalServer.Tests;

/// <summary>Bytes on the wire that no SDK would send: the server answers with a status and keeps working.</summary>
public sealed class RawGrpcTests : IAsyncLifetime
{
    private OfflineTemporalServer? _server;
    private GrpcChannel? _channel;

    public async Task InitializeAsync()
    {
        var options = new OfflineTemporalServerOptions();
        options.Namespaces.Add("rawkode");
        _server = await OfflineTemporalServer.StartNewAsync(options);
        _channel = GrpcChannel.ForAddress($"http://{_server.Address}");
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private Task<byte[]> CallAsync(string method, byte[] body)
    {
        var marshaller = Marshallers.Create(static (byte[] b) => b, static b => b);
        var descriptor = new Method<byte[], byte[]>(MethodType.Unary, "temporal.api.workflowservice.v1.WorkflowService", method, marshaller, marshaller);
        var invoker = _channel!.CreateCallInvoker();
        return invoker.AsyncUnaryCall(descriptor, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(10)), body).ResponseAsync;
    }

    [Fact]
    public async Task Call_GarbageProtobuf_FailsWithStatusAndServerStillAnswers()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => CallAsync("StartWorkflowExecution", [0xFF, 0xFF, 0xFF, 0x0F, 0x01]));
        Assert.Equal(StatusCode.Internal, error.StatusCode);
        var info = GetSystemInfoResponse.Parser.ParseFrom(await CallAsync("GetSystemInfo", new GetSystemInfoRequest().ToByteArray()));
        Assert.True(info.Capabilities.SdkMetadata);
    }

    [Fact]
    public async Task Call_UnknownMethod_IsUnimplemented()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => CallAsync("DeleteEverything", []));
        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Fact]
    public async Task Call_MessageLargerThanLimit_IsResourceExhausted()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => CallAsync("StartWorkflowExecution", new byte[5 * 1024 * 1024]));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task DescribeNamespace_ExtraNamespaceFromOptions_Exists()
    {
        var response = DescribeNamespaceResponse.Parser.ParseFrom(await CallAsync("DescribeNamespace", new DescribeNamespaceRequest { Namespace = "rawkode" }.ToByteArray()));
        Assert.Equal("rawkode", response.NamespaceInfo.Name);
    }
}

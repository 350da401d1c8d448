using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Temporalio.Api.Common.V1;
using Temporalio.Api.ErrorDetails.V1;

namespace RawkodeAutomation.TemporalServer.Engine;

/// <summary>
/// gRPC errors with the codes (and, where the SDK reads them, the <c>grpc-status-details-bin</c> details)
/// that a real Temporal frontend returns.
/// </summary>
internal static class Errors
{
    public static RpcException InvalidArgument(string message) => WithDetail(StatusCode.InvalidArgument, message, null);

    public static RpcException NotFound(string message) => WithDetail(StatusCode.NotFound, message, new NotFoundFailure());

    public static RpcException NamespaceNotFound(string ns) =>
        WithDetail(StatusCode.NotFound, $"Namespace {ns} is not found.", new NamespaceNotFoundFailure { Namespace = ns });

    public static RpcException WorkflowNotFound(string workflowId, string? runId) =>
        NotFound($"workflow execution not found for workflow ID \"{workflowId}\" and run ID \"{runId}\"");

    public static RpcException AlreadyCompleted() => NotFound("workflow execution already completed");

    public static RpcException AlreadyStarted(string message, string requestId, string runId) =>
        WithDetail(StatusCode.AlreadyExists, message, new WorkflowExecutionAlreadyStartedFailure { StartRequestId = requestId, RunId = runId });

    public static RpcException NexusOperationAlreadyStarted(string message, string requestId, string runId) =>
        WithDetail(StatusCode.AlreadyExists, message, new NexusOperationExecutionAlreadyStartedFailure { StartRequestId = requestId, RunId = runId });

    public static RpcException ActivityAlreadyStarted(string message, string requestId, string runId) =>
        WithDetail(StatusCode.AlreadyExists, message, new ActivityExecutionAlreadyStartedFailure { StartRequestId = requestId, RunId = runId });

    public static RpcException AlreadyExists(string message) => WithDetail(StatusCode.AlreadyExists, message, null);

    public static RpcException DeadlineExceeded() => new(new Status(StatusCode.DeadlineExceeded, "context deadline exceeded"));

    public static RpcException FailedPrecondition(string message) => WithDetail(StatusCode.FailedPrecondition, message, null);

    private static RpcException WithDetail(StatusCode code, string message, IMessage? detail)
    {
        var status = new GrpcStatus { Code = (int)code, Message = message };
        if (detail is not null)
        {
            status.Details.Add(Any.Pack(detail));
        }
        var trailers = new Metadata { { "grpc-status-details-bin", status.ToByteArray() } };
        return new RpcException(new Status(code, message), trailers);
    }
}

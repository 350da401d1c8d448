using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using RawkodeAutomation.TemporalServer.Engine;
using RawkodeAutomation.TemporalServer.Schedules;
using Temporalio.Api.WorkflowService.V1;

namespace RawkodeAutomation.TemporalServer.Grpc;

/// <summary>
/// The gRPC surface of <c>temporal.api.workflowservice.v1.WorkflowService</c>
/// (https://github.com/temporalio/api/blob/master/temporal/api/workflowservice/v1/service.proto).
/// Method names match the RPC names exactly: Grpc.AspNetCore binds each RPC to the virtual method of that name.
/// </summary>
[BindServiceMethod(typeof(WorkflowServiceEndpoint), nameof(BindService))]
internal class WorkflowServiceEndpoint(TemporalEngine engine, ScheduleService schedules)
{
    public static void BindService(ServiceBinderBase binder, WorkflowServiceEndpoint? service) => WorkflowServiceBinding.Bind(binder);

    public virtual Task<GetSystemInfoResponse> GetSystemInfo(GetSystemInfoRequest request, ServerCallContext context) =>
        Task.FromResult(TemporalEngine.SystemInfo());

    public virtual Task<DescribeNamespaceResponse> DescribeNamespace(DescribeNamespaceRequest request, ServerCallContext context) =>
        Task.FromResult(engine.DescribeNamespace(request));

    public virtual Task<ListNamespacesResponse> ListNamespaces(ListNamespacesRequest request, ServerCallContext context) =>
        Task.FromResult(engine.ListNamespaces());

    public virtual Task<StartWorkflowExecutionResponse> StartWorkflowExecution(StartWorkflowExecutionRequest request, ServerCallContext context) =>
        Task.FromResult(engine.StartWorkflow(request));

    public virtual Task<SignalWithStartWorkflowExecutionResponse> SignalWithStartWorkflowExecution(SignalWithStartWorkflowExecutionRequest request, ServerCallContext context) =>
        Task.FromResult(engine.SignalWithStart(request));

    public virtual Task<SignalWorkflowExecutionResponse> SignalWorkflowExecution(SignalWorkflowExecutionRequest request, ServerCallContext context) =>
        Empty<SignalWorkflowExecutionResponse>(() => engine.Signal(request));

    public virtual Task<RequestCancelWorkflowExecutionResponse> RequestCancelWorkflowExecution(RequestCancelWorkflowExecutionRequest request, ServerCallContext context) =>
        Empty<RequestCancelWorkflowExecutionResponse>(() => engine.RequestCancel(request));

    public virtual Task<TerminateWorkflowExecutionResponse> TerminateWorkflowExecution(TerminateWorkflowExecutionRequest request, ServerCallContext context) =>
        Empty<TerminateWorkflowExecutionResponse>(() => engine.Terminate(request));

    public virtual Task<DescribeWorkflowExecutionResponse> DescribeWorkflowExecution(DescribeWorkflowExecutionRequest request, ServerCallContext context) =>
        Task.FromResult(engine.Describe(request));

    public virtual Task<GetWorkflowExecutionHistoryResponse> GetWorkflowExecutionHistory(GetWorkflowExecutionHistoryRequest request, ServerCallContext context) =>
        engine.GetHistoryAsync(request, context.Deadline, context.CancellationToken);

    public virtual Task<GetWorkflowExecutionHistoryReverseResponse> GetWorkflowExecutionHistoryReverse(GetWorkflowExecutionHistoryReverseRequest request, ServerCallContext context) =>
        Task.FromResult(engine.GetHistoryReverse(request));

    public virtual Task<ListWorkflowExecutionsResponse> ListWorkflowExecutions(ListWorkflowExecutionsRequest request, ServerCallContext context) =>
        Task.FromResult(engine.List(request));

    public virtual Task<CountWorkflowExecutionsResponse> CountWorkflowExecutions(CountWorkflowExecutionsRequest request, ServerCallContext context) =>
        Task.FromResult(engine.Count(request));

    public virtual async Task<PollWorkflowTaskQueueResponse> PollWorkflowTaskQueue(PollWorkflowTaskQueueRequest request, ServerCallContext context)
    {
        var response = await engine.PollWorkflowTaskAsync(request, context.Deadline, context.CancellationToken).ConfigureAwait(false);
        return Deliver(response, response.TaskToken, context);
    }

    public virtual Task<RespondWorkflowTaskCompletedResponse> RespondWorkflowTaskCompleted(RespondWorkflowTaskCompletedRequest request, ServerCallContext context) =>
        Task.FromResult(engine.CompleteWorkflowTask(request));

    public virtual Task<RespondWorkflowTaskFailedResponse> RespondWorkflowTaskFailed(RespondWorkflowTaskFailedRequest request, ServerCallContext context) =>
        Empty<RespondWorkflowTaskFailedResponse>(() => engine.FailWorkflowTask(request));

    public virtual Task<RespondQueryTaskCompletedResponse> RespondQueryTaskCompleted(RespondQueryTaskCompletedRequest request, ServerCallContext context) =>
        Empty<RespondQueryTaskCompletedResponse>(() => engine.CompleteQueryTask(request));

    public virtual async Task<PollActivityTaskQueueResponse> PollActivityTaskQueue(PollActivityTaskQueueRequest request, ServerCallContext context)
    {
        var response = await engine.PollActivityTaskAsync(request, context.Deadline, context.CancellationToken).ConfigureAwait(false);
        return Deliver(response, response.TaskToken, context);
    }

    public virtual async Task<PollNexusTaskQueueResponse> PollNexusTaskQueue(PollNexusTaskQueueRequest request, ServerCallContext context) =>
        await engine.PollNexusTaskAsync(request, context.Deadline, context.CancellationToken).ConfigureAwait(false);

    public virtual Task<StartActivityExecutionResponse> StartActivityExecution(StartActivityExecutionRequest request, ServerCallContext context) =>
        Task.FromResult(engine.StartActivityExecution(request));

    public virtual Task<DescribeActivityExecutionResponse> DescribeActivityExecution(DescribeActivityExecutionRequest request, ServerCallContext context) =>
        Task.FromResult(engine.DescribeActivityExecution(request));

    public virtual Task<PollActivityExecutionResponse> PollActivityExecution(PollActivityExecutionRequest request, ServerCallContext context) =>
        engine.PollActivityExecutionAsync(request, context.Deadline, context.CancellationToken);

    public virtual Task<RequestCancelActivityExecutionResponse> RequestCancelActivityExecution(RequestCancelActivityExecutionRequest request, ServerCallContext context) =>
        Empty<RequestCancelActivityExecutionResponse>(() => engine.RequestCancelActivityExecution(request));

    public virtual Task<TerminateActivityExecutionResponse> TerminateActivityExecution(TerminateActivityExecutionRequest request, ServerCallContext context) =>
        Empty<TerminateActivityExecutionResponse>(() => engine.TerminateActivityExecution(request));

    public virtual Task<StartNexusOperationExecutionResponse> StartNexusOperationExecution(StartNexusOperationExecutionRequest request, ServerCallContext context) =>
        Task.FromResult(engine.StartNexusOperationExecution(request));

    public virtual Task<DescribeNexusOperationExecutionResponse> DescribeNexusOperationExecution(DescribeNexusOperationExecutionRequest request, ServerCallContext context) =>
        Task.FromResult(engine.DescribeNexusOperationExecution(request));

    public virtual Task<PollNexusOperationExecutionResponse> PollNexusOperationExecution(PollNexusOperationExecutionRequest request, ServerCallContext context) =>
        engine.PollNexusOperationExecutionAsync(request, context.Deadline, context.CancellationToken);

    public virtual Task<RequestCancelNexusOperationExecutionResponse> RequestCancelNexusOperationExecution(RequestCancelNexusOperationExecutionRequest request, ServerCallContext context) =>
        Empty<RequestCancelNexusOperationExecutionResponse>(() => engine.RequestCancelNexusOperationExecution(request));

    public virtual Task<TerminateNexusOperationExecutionResponse> TerminateNexusOperationExecution(TerminateNexusOperationExecutionRequest request, ServerCallContext context) =>
        Empty<TerminateNexusOperationExecutionResponse>(() => engine.TerminateNexusOperationExecution(request));

    public virtual Task<ListNexusOperationExecutionsResponse> ListNexusOperationExecutions(ListNexusOperationExecutionsRequest request, ServerCallContext context) =>
        Task.FromResult(engine.ListNexusOperationExecutions(request));

    public virtual Task<CountNexusOperationExecutionsResponse> CountNexusOperationExecutions(CountNexusOperationExecutionsRequest request, ServerCallContext context) =>
        Task.FromResult(engine.CountNexusOperationExecutions(request));

    public virtual Task<RespondNexusTaskCompletedResponse> RespondNexusTaskCompleted(RespondNexusTaskCompletedRequest request, ServerCallContext context) =>
        Empty<RespondNexusTaskCompletedResponse>(() => engine.CompleteNexusTask(request));

    public virtual Task<RespondNexusTaskFailedResponse> RespondNexusTaskFailed(RespondNexusTaskFailedRequest request, ServerCallContext context) =>
        Empty<RespondNexusTaskFailedResponse>(() => engine.FailNexusTask(request));

    /// <summary>Runs an RPC whose response message carries nothing and answers with that empty message.</summary>
    private static Task<TResponse> Empty<TResponse>(Action handle)
        where TResponse : new()
    {
        handle();
        return Task.FromResult(new TResponse());
    }

    /// <summary>
    /// Hands a polled task to the caller, or back to the engine when the caller is gone: the call was cancelled
    /// while the poll took the task, or it is aborted before the answer is complete (a worker killed mid-poll).
    /// A cancelled call's answer is thrown away by the client, so without this the task would wait for its
    /// start-to-close timeout. (A real server loses it the same way; this server can do better cheaply.)
    /// </summary>
    private TResponse Deliver<TResponse>(TResponse response, ByteString taskToken, ServerCallContext context)
        where TResponse : IMessage<TResponse>, new()
    {
        if (taskToken.IsEmpty)
        {
            return response;
        }
        if (context.CancellationToken.IsCancellationRequested)
        {
            engine.ReturnUndeliveredTask(taskToken);
            return new TResponse();
        }
        if (HttpContextOf(context) is { } http)
        {
            http.Response.OnCompleted(() =>
            {
                if (http.RequestAborted.IsCancellationRequested)
                {
                    engine.ReturnUndeliveredTask(taskToken);
                }
                return Task.CompletedTask;
            });
        }
        return response;
    }

    private static HttpContext? HttpContextOf(ServerCallContext context)
    {
        try
        {
            return context.GetHttpContext();
        }
        catch (InvalidOperationException)
        {
            // Not served by ASP.NET Core (a test calling the endpoint directly): nothing to watch.
            return null;
        }
    }

    public virtual Task<PauseActivityResponse> PauseActivity(PauseActivityRequest request, ServerCallContext context) =>
        Task.FromResult(engine.PauseActivity(request));

    public virtual Task<UnpauseActivityResponse> UnpauseActivity(UnpauseActivityRequest request, ServerCallContext context) =>
        Task.FromResult(engine.UnpauseActivity(request));

    public virtual Task<ResetActivityResponse> ResetActivity(ResetActivityRequest request, ServerCallContext context) =>
        Task.FromResult(engine.ResetActivity(request));

    public virtual Task<RecordActivityTaskHeartbeatResponse> RecordActivityTaskHeartbeat(RecordActivityTaskHeartbeatRequest request, ServerCallContext context) =>
        Task.FromResult(engine.Heartbeat(request));

    public virtual Task<RecordActivityTaskHeartbeatByIdResponse> RecordActivityTaskHeartbeatById(RecordActivityTaskHeartbeatByIdRequest request, ServerCallContext context) =>
        Task.FromResult(engine.HeartbeatById(request));

    public virtual Task<RespondActivityTaskCompletedResponse> RespondActivityTaskCompleted(RespondActivityTaskCompletedRequest request, ServerCallContext context) =>
        Empty<RespondActivityTaskCompletedResponse>(() => engine.CompleteActivity(request));

    public virtual Task<RespondActivityTaskCompletedByIdResponse> RespondActivityTaskCompletedById(RespondActivityTaskCompletedByIdRequest request, ServerCallContext context) =>
        Empty<RespondActivityTaskCompletedByIdResponse>(() => engine.CompleteActivityById(request));

    public virtual Task<RespondActivityTaskFailedResponse> RespondActivityTaskFailed(RespondActivityTaskFailedRequest request, ServerCallContext context) =>
        Empty<RespondActivityTaskFailedResponse>(() => engine.FailActivity(request));

    public virtual Task<RespondActivityTaskFailedByIdResponse> RespondActivityTaskFailedById(RespondActivityTaskFailedByIdRequest request, ServerCallContext context) =>
        Empty<RespondActivityTaskFailedByIdResponse>(() => engine.FailActivityById(request));

    public virtual Task<RespondActivityTaskCanceledResponse> RespondActivityTaskCanceled(RespondActivityTaskCanceledRequest request, ServerCallContext context) =>
        Empty<RespondActivityTaskCanceledResponse>(() => engine.CancelActivity(request));

    public virtual Task<RespondActivityTaskCanceledByIdResponse> RespondActivityTaskCanceledById(RespondActivityTaskCanceledByIdRequest request, ServerCallContext context) =>
        Empty<RespondActivityTaskCanceledByIdResponse>(() => engine.CancelActivityById(request));

    public virtual Task<QueryWorkflowResponse> QueryWorkflow(QueryWorkflowRequest request, ServerCallContext context) =>
        engine.QueryAsync(request, context.Deadline, context.CancellationToken);

    public virtual Task<UpdateWorkflowExecutionResponse> UpdateWorkflowExecution(UpdateWorkflowExecutionRequest request, ServerCallContext context) =>
        engine.UpdateAsync(request, context.Deadline, context.CancellationToken);

    public virtual Task<ExecuteMultiOperationResponse> ExecuteMultiOperation(ExecuteMultiOperationRequest request, ServerCallContext context) =>
        engine.ExecuteMultiOperationAsync(request, context.Deadline, context.CancellationToken);

    public virtual Task<PollWorkflowExecutionUpdateResponse> PollWorkflowExecutionUpdate(PollWorkflowExecutionUpdateRequest request, ServerCallContext context) =>
        engine.PollUpdateAsync(request, context.Deadline, context.CancellationToken);

    public virtual Task<ResetStickyTaskQueueResponse> ResetStickyTaskQueue(ResetStickyTaskQueueRequest request, ServerCallContext context) =>
        Empty<ResetStickyTaskQueueResponse>(() => engine.ResetStickyTaskQueue(request));

    public virtual Task<DescribeWorkerDeploymentResponse> DescribeWorkerDeployment(DescribeWorkerDeploymentRequest request, ServerCallContext context) =>
        Task.FromResult(engine.DescribeWorkerDeployment(request));

    public virtual Task<SetWorkerDeploymentCurrentVersionResponse> SetWorkerDeploymentCurrentVersion(SetWorkerDeploymentCurrentVersionRequest request, ServerCallContext context) =>
        Task.FromResult(engine.SetWorkerDeploymentCurrentVersion(request));

    public virtual Task<SetWorkerDeploymentRampingVersionResponse> SetWorkerDeploymentRampingVersion(SetWorkerDeploymentRampingVersionRequest request, ServerCallContext context) =>
        Task.FromResult(engine.SetWorkerDeploymentRampingVersion(request));

    public virtual Task<ShutdownWorkerResponse> ShutdownWorker(ShutdownWorkerRequest request, ServerCallContext context) =>
        Empty<ShutdownWorkerResponse>(() => engine.ShutdownWorker(request));

    public virtual Task<CreateScheduleResponse> CreateSchedule(CreateScheduleRequest request, ServerCallContext context) =>
        Task.FromResult(schedules.Create(request));

    public virtual Task<DescribeScheduleResponse> DescribeSchedule(DescribeScheduleRequest request, ServerCallContext context) =>
        Task.FromResult(schedules.Describe(request));

    public virtual Task<UpdateScheduleResponse> UpdateSchedule(UpdateScheduleRequest request, ServerCallContext context) =>
        Task.FromResult(schedules.Update(request));

    public virtual Task<PatchScheduleResponse> PatchSchedule(PatchScheduleRequest request, ServerCallContext context) =>
        Task.FromResult(schedules.Patch(request));

    public virtual Task<DeleteScheduleResponse> DeleteSchedule(DeleteScheduleRequest request, ServerCallContext context) =>
        Task.FromResult(schedules.Delete(request));

    public virtual Task<ListScheduleMatchingTimesResponse> ListScheduleMatchingTimes(ListScheduleMatchingTimesRequest request, ServerCallContext context) =>
        Task.FromResult(schedules.MatchingTimes(request));

    public virtual Task<ListSchedulesResponse> ListSchedules(ListSchedulesRequest request, ServerCallContext context) =>
        Task.FromResult(schedules.List(request));
}

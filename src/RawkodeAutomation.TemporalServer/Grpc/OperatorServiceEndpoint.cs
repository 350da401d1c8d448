using Grpc.Core;
using RawkodeAutomation.TemporalServer.Engine;
using Temporalio.Api.OperatorService.V1;

namespace RawkodeAutomation.TemporalServer.Grpc;

/// <summary>
/// The search-attribute and Nexus endpoint parts of <c>temporal.api.operatorservice.v1.OperatorService</c>
/// (https://github.com/temporalio/api/blob/master/temporal/api/operatorservice/v1/service.proto), which the SDKs'
/// tests and <c>temporal operator search-attribute create</c> / <c>nexus endpoint create</c> use. Clusters are not
/// served (UNIMPLEMENTED). Bound by hand like the WorkflowService (see <see cref="DescriptorServiceBinding"/>).
/// </summary>
[BindServiceMethod(typeof(OperatorServiceEndpoint), nameof(BindService))]
internal class OperatorServiceEndpoint(TemporalEngine engine)
{
    public const string ServiceName = "temporal.api.operatorservice.v1.OperatorService";

    public static void BindService(ServiceBinderBase binder, OperatorServiceEndpoint? service) =>
        DescriptorServiceBinding.Bind<OperatorServiceEndpoint>(binder, ServiceName, "grpc: error unmarshalling request");

    public virtual Task<ListSearchAttributesResponse> ListSearchAttributes(ListSearchAttributesRequest request, ServerCallContext context) =>
        Task.FromResult(engine.ListSearchAttributes(request));

    public virtual Task<AddSearchAttributesResponse> AddSearchAttributes(AddSearchAttributesRequest request, ServerCallContext context) =>
        Task.FromResult(engine.AddSearchAttributes(request));

    public virtual Task<RemoveSearchAttributesResponse> RemoveSearchAttributes(RemoveSearchAttributesRequest request, ServerCallContext context) =>
        Task.FromResult(engine.RemoveSearchAttributes(request));

    public virtual Task<CreateNexusEndpointResponse> CreateNexusEndpoint(CreateNexusEndpointRequest request, ServerCallContext context) =>
        Task.FromResult(engine.CreateNexusEndpoint(request));

    public virtual Task<UpdateNexusEndpointResponse> UpdateNexusEndpoint(UpdateNexusEndpointRequest request, ServerCallContext context) =>
        Task.FromResult(engine.UpdateNexusEndpoint(request));

    public virtual Task<DeleteNexusEndpointResponse> DeleteNexusEndpoint(DeleteNexusEndpointRequest request, ServerCallContext context) =>
        Task.FromResult(engine.DeleteNexusEndpoint(request));

    public virtual Task<GetNexusEndpointResponse> GetNexusEndpoint(GetNexusEndpointRequest request, ServerCallContext context) =>
        Task.FromResult(engine.GetNexusEndpoint(request));

    public virtual Task<ListNexusEndpointsResponse> ListNexusEndpoints(ListNexusEndpointsRequest request, ServerCallContext context) =>
        Task.FromResult(engine.ListNexusEndpoints(request));
}

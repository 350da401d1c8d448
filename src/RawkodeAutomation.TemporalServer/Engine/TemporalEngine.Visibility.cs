using Google.Protobuf;
using Temporalio.Api.Common.V1;
using Temporalio.Api.WorkflowService.V1;

namespace RawkodeAutomation.TemporalServer.Engine;

internal sealed partial class TemporalEngine
{
    private List<RunState> Matching(string ns, string query)
    {
        var predicate = VisibilityQuery.Parse(query, IsKnownAttribute);
        return [.. _runs.Values
            .Where(r => r.Namespace == ns && predicate(r))
            .OrderByDescending(r => r.StartTime)
            .ThenByDescending(r => r.Sequence)];
    }

    public ListWorkflowExecutionsResponse List(ListWorkflowExecutionsRequest request)
    {
        lock (_gate)
        {
            RequireNamespace(request.Namespace);
            var all = Matching(request.Namespace, request.Query);
            var offset = 0;
            if (!request.NextPageToken.IsEmpty)
            {
                if (request.NextPageToken.Length != 4 || (offset = BitConverter.ToInt32(request.NextPageToken.Span)) < 0)
                {
                    throw Errors.InvalidArgument("Invalid NextPageToken.");
                }
            }
            var pageSize = request.PageSize > 0 ? request.PageSize : 1000;
            var response = new ListWorkflowExecutionsResponse();
            response.Executions.AddRange(all.Skip(offset).Take(pageSize).Select(ExecutionInfo));
            if (offset + pageSize < all.Count)
            {
                response.NextPageToken = ByteString.CopyFrom(BitConverter.GetBytes(offset + pageSize));
            }
            return response;
        }
    }

    public CountWorkflowExecutionsResponse Count(CountWorkflowExecutionsRequest request)
    {
        lock (_gate)
        {
            RequireNamespace(request.Namespace);
            var (predicate, groupBy) = VisibilityQuery.ParseCount(request.Query, IsKnownAttribute);
            var matching = _runs.Values.Where(r => r.Namespace == request.Namespace && predicate(r)).ToList();
            var response = new CountWorkflowExecutionsResponse { Count = matching.Count };
            if (groupBy is not null)
            {
                foreach (var group in matching.GroupBy(r => VisibilityQuery.GroupValue(r, groupBy), StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
                {
                    // Group values are keyword payloads, as the real server's visibility store encodes them.
                    var value = new Payload { Data = ByteString.CopyFromUtf8(System.Text.Json.JsonSerializer.Serialize(group.Key)) };
                    value.Metadata["encoding"] = ByteString.CopyFromUtf8("json/plain");
                    value.Metadata["type"] = ByteString.CopyFromUtf8("Keyword");
                    var counted = new CountWorkflowExecutionsResponse.Types.AggregationGroup { Count = group.Count() };
                    counted.GroupValues.Add(value);
                    response.Groups.Add(counted);
                }
            }
            return response;
        }
    }
}

using Google.Protobuf;
using Temporalio.Api.WorkflowService.V1;

namespace RawkodeAutomation.TemporalServer.Engine;

internal sealed partial class TemporalEngine
{
    private readonly HashSet<string> _registeredSearchAttributes = new(StringComparer.Ordinal);

    /// <summary>Registers custom search attribute names (from <c>--search-attribute NAME=TYPE</c>).</summary>
    public void RegisterSearchAttributes(IEnumerable<string> names)
    {
        lock (_gate)
        {
            _registeredSearchAttributes.UnionWith(names);
        }
    }

    private bool IsKnownAttribute(string name) =>
        _registeredSearchAttributes.Contains(name) || _runs.Values.Any(r => r.SearchAttributes.IndexedFields.ContainsKey(name));

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
            return new CountWorkflowExecutionsResponse { Count = Matching(request.Namespace, request.Query).Count };
        }
    }
}

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
            .Where(r => r.Namespace == ns && !IsStandalone(r) && predicate(r))
            .OrderByDescending(r => r.StartTime)
            .ThenByDescending(r => r.Sequence)];
    }

    public ListWorkflowExecutionsResponse List(ListWorkflowExecutionsRequest request)
    {
        lock (_gate)
        {
            RequireNamespace(request.Namespace);
            var all = Matching(request.Namespace, request.Query);
            var offset = PageOffset(request.NextPageToken);
            var pageSize = request.PageSize > 0 ? request.PageSize : 1000;
            var response = new ListWorkflowExecutionsResponse();
            response.Executions.AddRange(all.Skip(offset).Take(pageSize).Select(ExecutionInfo));
            response.NextPageToken = NextPageToken(offset, pageSize, all.Count);
            return response;
        }
    }

    /// <summary>Where a listing's page starts: its token is the offset of the page's first entry (empty: the first page).</summary>
    private static int PageOffset(ByteString token)
    {
        var offset = 0;
        if (!token.IsEmpty && (token.Length != 4 || (offset = BitConverter.ToInt32(token.Span)) < 0))
        {
            throw Errors.InvalidArgument("Invalid NextPageToken.");
        }
        return offset;
    }

    /// <summary>The token of the page after the one at <paramref name="offset"/>, empty when that page was the last.</summary>
    private static ByteString NextPageToken(int offset, int pageSize, int total) =>
        offset + pageSize < total ? ByteString.CopyFrom(BitConverter.GetBytes(offset + pageSize)) : ByteString.Empty;

    public CountWorkflowExecutionsResponse Count(CountWorkflowExecutionsRequest request)
    {
        lock (_gate)
        {
            RequireNamespace(request.Namespace);
            var (predicate, groupBy) = VisibilityQuery.ParseCount(request.Query, IsKnownAttribute);
            var matching = _runs.Values.Where(r => r.Namespace == request.Namespace && !IsStandalone(r) && predicate(r)).ToList();
            var response = new CountWorkflowExecutionsResponse { Count = matching.Count };
            foreach (var (value, count) in CountGroups(matching, groupBy))
            {
                var counted = new CountWorkflowExecutionsResponse.Types.AggregationGroup { Count = count };
                counted.GroupValues.Add(value);
                response.Groups.Add(counted);
            }
            return response;
        }
    }

    /// <summary>The groups of a count's <c>GROUP BY</c> (none without one), ordered by value.</summary>
    private static IEnumerable<(Payload Value, long Count)> CountGroups(List<RunState> matching, string? groupBy)
    {
        if (groupBy is null)
        {
            yield break;
        }
        foreach (var group in matching.GroupBy(r => VisibilityQuery.GroupValue(r, groupBy), StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            // Group values are keyword payloads, as the real server's visibility store encodes them.
            var value = new Payload { Data = ByteString.CopyFromUtf8(System.Text.Json.JsonSerializer.Serialize(group.Key)) };
            value.Metadata["encoding"] = ByteString.CopyFromUtf8("json/plain");
            value.Metadata["type"] = ByteString.CopyFromUtf8("Keyword");
            yield return (value, group.Count());
        }
    }
}

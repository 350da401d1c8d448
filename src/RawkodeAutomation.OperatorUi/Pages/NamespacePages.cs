using Microsoft.AspNetCore.Http;
using RawkodeAutomation.OperatorUi.Rendering;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Exceptions;

namespace RawkodeAutomation.OperatorUi.Pages;

/// <summary>The namespaces the frontend knows (ListNamespaces; DescribeNamespace of the default one as a fallback).</summary>
internal static class NamespacePages
{
    public static async Task<IResult> ListAsync(OperatorUiContext ui)
    {
        var client = ui.ClientFor(ui.DefaultNamespace);
        var namespaces = new List<DescribeNamespaceResponse>();
        try
        {
            try
            {
                var request = new ListNamespacesRequest { PageSize = 100 };
                do
                {
                    var response = await client.WorkflowService.ListNamespacesAsync(request).ConfigureAwait(false);
                    namespaces.AddRange(response.Namespaces);
                    request.NextPageToken = response.NextPageToken;
                }
                while (!request.NextPageToken.IsEmpty && namespaces.Count < 1000);
            }
            catch (RpcException e) when (e.Code is RpcException.StatusCode.Unimplemented or RpcException.StatusCode.PermissionDenied)
            {
                // Some deployments (Temporal Cloud API keys scoped to one namespace) cannot list: show the one we have.
                namespaces.Add(await client.WorkflowService.DescribeNamespaceAsync(new DescribeNamespaceRequest { Namespace = ui.DefaultNamespace }).ConfigureAwait(false));
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Layout.Failure(ui, null, Section.Namespaces, "Namespaces", e, "Listing namespaces");
        }

        var body = new HtmlBuilder();
        body.Add($"<h1>Namespaces</h1><table id=\"namespaces\"><thead><tr><th>Name</th><th>State</th><th>Retention</th><th>Description</th><th></th></tr></thead><tbody>");
        foreach (var entry in namespaces.OrderBy(n => n.NamespaceInfo?.Name, StringComparer.Ordinal))
        {
            var name = entry.NamespaceInfo?.Name ?? "";
            var retention = entry.Config?.WorkflowExecutionRetentionTtl is { } ttl ? Html.Duration(ttl.ToTimeSpan()) : "";
            body.Add($"<tr><td><a class=\"mono\" href=\"{ui.WorkflowsLink(name)}\">{name}</a>{(name == ui.DefaultNamespace ? Html.Raw(" <span class=\"muted\">(default)</span>") : Markup.Empty)}</td>");
            body.Add($"<td>{entry.NamespaceInfo?.State.ToString()}</td><td>{retention}</td><td>{entry.NamespaceInfo?.Description}</td>");
            body.Add($"<td><a href=\"{ui.WorkflowsLink(name)}\">workflows</a> · <a href=\"{ui.SchedulesLink(name)}\">schedules</a></td></tr>");
        }
        body.Add($"</tbody></table>");
        return Layout.Page(ui, null, Section.Namespaces, "Namespaces", body.ToMarkup());
    }
}

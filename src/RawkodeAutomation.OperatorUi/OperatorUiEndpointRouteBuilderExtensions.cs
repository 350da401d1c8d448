using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RawkodeAutomation.OperatorUi.Pages;
using Temporalio.Client;

namespace RawkodeAutomation.OperatorUi;

/// <summary>Serves the operator page from an existing ASP.NET Core app.</summary>
public static class OperatorUiEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the operator page under <paramref name="pathPrefix"/> (e.g. <c>/temporal</c>, or <c>/</c> for the
    /// root). Reads are GETs; signal, cancel, terminate and the schedule actions are POSTs. The page has no login:
    /// only serve it on loopback or behind something that authenticates.
    /// </summary>
    /// <param name="endpoints">The app's routes.</param>
    /// <param name="client">
    /// A Temporal client; its namespace is the one the page opens on, and its connection serves the others.
    /// </param>
    /// <param name="pathPrefix">Where the page lives, starting with <c>/</c>.</param>
    public static IEndpointConventionBuilder MapOperatorUi(this IEndpointRouteBuilder endpoints, ITemporalClient client, string pathPrefix = "/")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(client);
        if (string.IsNullOrEmpty(pathPrefix) || pathPrefix[0] != '/')
        {
            throw new ArgumentException($"The operator page's path prefix '{pathPrefix}' must start with '/'.", nameof(pathPrefix));
        }
        var ui = new OperatorUiContext(client, pathPrefix.TrimEnd('/'));
        var group = endpoints.MapGroup(pathPrefix);
        // Its POSTs (signal, cancel, terminate, schedule actions) only from the page itself.
        group.AddEndpointFilter((context, next) => SameOriginFilter.InvokeAsync(context, next));

        group.MapGet("/", () => Results.Redirect(ui.WorkflowsLink(ui.DefaultNamespace)));
        group.MapGet("/namespaces", () => NamespacePages.ListAsync(ui));

        group.MapGet("/namespaces/{ns}/workflows", (HttpContext http, string ns) => WorkflowPages.ListAsync(ui, http, ns));
        group.MapGet("/namespaces/{ns}/workflow", (HttpContext http, string ns) => WorkflowPages.DetailAsync(ui, http, ns));
        group.MapPost("/namespaces/{ns}/workflow/signal", (HttpContext http, string ns) => WorkflowPages.SignalAsync(ui, http, ns));
        group.MapPost("/namespaces/{ns}/workflow/cancel", (HttpContext http, string ns) => WorkflowPages.CancelAsync(ui, http, ns));
        group.MapPost("/namespaces/{ns}/workflow/terminate", (HttpContext http, string ns) => WorkflowPages.TerminateAsync(ui, http, ns));

        group.MapGet("/namespaces/{ns}/schedules", (HttpContext http, string ns) => SchedulePages.ListAsync(ui, http, ns));
        group.MapGet("/namespaces/{ns}/schedule", (HttpContext http, string ns) => SchedulePages.DetailAsync(ui, http, ns));
        group.MapPost("/namespaces/{ns}/schedule/{action}", (HttpContext http, string ns, string action) => SchedulePages.ActAsync(ui, http, ns, action));
        return group;
    }
}

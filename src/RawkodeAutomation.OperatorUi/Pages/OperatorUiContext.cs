using System.Collections.Concurrent;
using Temporalio.Client;

namespace RawkodeAutomation.OperatorUi.Pages;

/// <summary>What every page needs: a client per namespace and the links between pages.</summary>
internal sealed class OperatorUiContext(ITemporalClient client, string pathBase)
{
    private readonly ConcurrentDictionary<string, ITemporalClient> _clients = new(StringComparer.Ordinal);

    public string DefaultNamespace => client.Options.Namespace;

    /// <summary>Where the frontend is, for the page header and error messages.</summary>
    public string TemporalAddress => client.Connection.Options.TargetHost ?? "(unknown address)";

    /// <summary>The default client for its namespace; for the others a client sharing its connection and interceptors.</summary>
    public ITemporalClient ClientFor(string ns) =>
        ns == client.Options.Namespace
            ? client
            : _clients.GetOrAdd(ns, name =>
            {
                var options = (TemporalClientOptions)client.Options.Clone();
                options.Namespace = name;
                return new TemporalClient(client.Connection, options);
            });

    public string Root => pathBase + "/";

    public string NamespacesLink() => pathBase + "/namespaces";

    public string WorkflowsLink(string ns, string? query = null, string? next = null, int? pageSize = null) =>
        $"{pathBase}/namespaces/{Uri.EscapeDataString(ns)}/workflows"
        + Rendering.Html.Query(("query", query), ("next", next), ("size", pageSize?.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public string WorkflowLink(string ns, string id, string? runId = null, string? notice = null) =>
        $"{pathBase}/namespaces/{Uri.EscapeDataString(ns)}/workflow" + Rendering.Html.Query(("id", id), ("run", runId), ("notice", notice));

    /// <summary>The detail page without parameters, for forms that send them as fields.</summary>
    public string WorkflowPath(string ns) => $"{pathBase}/namespaces/{Uri.EscapeDataString(ns)}/workflow";

    public string WorkflowActionLink(string ns, string action) => $"{pathBase}/namespaces/{Uri.EscapeDataString(ns)}/workflow/{action}";

    public string SchedulesLink(string ns) => $"{pathBase}/namespaces/{Uri.EscapeDataString(ns)}/schedules";

    public string ScheduleLink(string ns, string id, string? notice = null) =>
        $"{pathBase}/namespaces/{Uri.EscapeDataString(ns)}/schedule" + Rendering.Html.Query(("id", id), ("notice", notice));

    public string ScheduleActionLink(string ns, string action) => $"{pathBase}/namespaces/{Uri.EscapeDataString(ns)}/schedule/{action}";
}

using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RawkodeAutomation.OperatorUi.Pages;
using RawkodeAutomation.OperatorUi.Rendering;
using RawkodeAutomation.Worker.Hosting;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace RawkodeAutomation.OperatorUi.Channel;

/// <summary>Where the channel page's links point, and the clock it measures wake-ups against.</summary>
internal sealed class ChannelPageContext(ChannelPageOptions options, string prefix, string temporalAddress, string? temporalUi)
{
    public ChannelPageOptions Options => options;

    public string Home => prefix + "/";

    public string ActLink => prefix + "/act";

    public string TemporalAddress => temporalAddress;

    public DateTimeOffset Now { get; } = DateTimeOffset.UtcNow;

    /// <summary>The entity's history on the Temporal pages, when they are served beside this one.</summary>
    public string? WorkflowLink(string workflowId) =>
        temporalUi is null ? null : $"{temporalUi}/namespaces/default/workflow{Html.Query(("id", workflowId))}";

    public string? FileLink(string sha, string path, int line) =>
        options.FileLink is { } link ? link(sha, path, line)
        : options.ReadFileAsync is not null ? $"{prefix}/file{Html.Query(("sha", sha), ("path", path))}#L{line}"
        : null;
}

/// <summary>Serves the channel page (the operator's steering page) from an ASP.NET Core app.</summary>
public static partial class ChannelPageEndpointRouteBuilderExtensions
{
    [GeneratedRegex("^[0-9a-f]{7,64}$")]
    private static partial Regex Sha();

    /// <summary>
    /// Maps the channel page under <paramref name="pathPrefix"/>: <c>GET /</c> the page, <c>POST /act</c> its buttons,
    /// <c>GET /api/status</c> the same state as JSON (enums by name), and <c>GET /file</c> an episode file at a commit
    /// when <see cref="ChannelPageOptions.ReadFileAsync"/> is set. POSTs from another origin are refused (see
    /// <see cref="SameOriginFilter"/>). No login: serve it on loopback only.
    /// </summary>
    /// <param name="temporalUiPrefix">Where the Temporal pages (<see cref="OperatorUiEndpointRouteBuilderExtensions.MapOperatorUi"/>) are, to link each entity's history; null for no links.</param>
    public static IEndpointConventionBuilder MapChannelPage(
        this IEndpointRouteBuilder endpoints, ITemporalClient client, string pathPrefix = "/", ChannelPageOptions? options = null, string? temporalUiPrefix = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(client);
        if (string.IsNullOrEmpty(pathPrefix) || pathPrefix[0] != '/')
        {
            throw new ArgumentException($"The channel page's path prefix '{pathPrefix}' must start with '/'.", nameof(pathPrefix));
        }
        options ??= new ChannelPageOptions();
        var prefix = pathPrefix.TrimEnd('/');
        var temporalUi = temporalUiPrefix?.TrimEnd('/');
        var address = options.TemporalAddress ?? client.Connection.Options.TargetHost ?? "(unknown address)";
        ChannelPageContext Context() => new(options, prefix, address, temporalUi);

        var group = endpoints.MapGroup(pathPrefix);
        group.AddEndpointFilter((context, next) => SameOriginFilter.InvokeAsync(context, next, options.RequireLoopbackHost));

        group.MapGet("/", async (HttpContext http) =>
        {
            var query = http.Request.Query;
            Feedback? feedback = query["to"].ToString() is { Length: > 0 } to && query["sent"].ToString() is { Length: > 0 } sent ? new Feedback(to, true, sent) : null;
            return await PageAsync(client, Context(), feedback, StatusCodes.Status200OK, http.RequestAborted).ConfigureAwait(false);
        });

        group.MapPost("/act", async (HttpContext http) =>
        {
            if (!http.Request.HasFormContentType)
            {
                return Results.Text("a button of the page sends a form; this request has none", statusCode: StatusCodes.Status400BadRequest);
            }
            var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
            var action = new ChannelAction(form["action"].ToString(), form["target"].ToString(), form["reason"].ToString(), form["budget"].ToString(), form["reserve"].ToString());
            var result = await ChannelActions.RunAsync(client, action, http.RequestAborted).ConfigureAwait(false);
            if (result.Accepted)
            {
                // Post/redirect/get: a reload shows the page again instead of sending the button twice.
                return Results.Redirect($"{prefix}/{Html.Query(("to", action.Target), ("sent", result.Message))}", permanent: false, preserveMethod: false);
            }
            return await PageAsync(client, Context(), new Feedback(action.Target, false, result.Message), StatusCodes.Status409Conflict, http.RequestAborted).ConfigureAwait(false);
        });

        group.MapGet("/api/status", async (HttpContext http) =>
        {
            return Results.Json(await PipelineStatusReader.ReadAsync(client, withRecent: true, http.RequestAborted).ConfigureAwait(false), PipelineStatusReader.JsonOptions);
        });

        group.MapGet("/file", async (HttpContext http) =>
        {
            var sha = http.Request.Query["sha"].ToString();
            var path = http.Request.Query["path"].ToString();
            if (options.ReadFileAsync is not { } read)
            {
                return Results.NotFound();
            }
            if (!Sha().IsMatch(sha) || path.Length == 0 || path.StartsWith('/') || path.Contains('\\', StringComparison.Ordinal) || path.Split('/').Any(p => p is "" or "." or ".."))
            {
                return Results.Text($"file: '{path}' at '{sha}' is not a repository path at a commit sha", statusCode: StatusCodes.Status400BadRequest);
            }
            var text = await read(sha, path, http.RequestAborted).ConfigureAwait(false);
            return text is null
                ? Results.Text($"file: {path} does not exist at {sha}", statusCode: StatusCodes.Status404NotFound)
                : Results.Content(FilePage(sha, path, text, Context()), "text/html; charset=utf-8", Encoding.UTF8);
        });
        return group;
    }

    private static async Task<IResult> PageAsync(ITemporalClient client, ChannelPageContext context, Feedback? feedback, int status, CancellationToken cancellationToken)
    {
        ChannelStatus channel;
        try
        {
            channel = await PipelineStatusReader.ReadAsync(client, withRecent: true, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            return Results.Text($"the operator page cannot read the channel from Temporal at {context.TemporalAddress}: {e.Message}", statusCode: StatusCodes.Status502BadGateway);
        }
        catch (InvalidOperationException e)
        {
            // A lazy client that cannot connect surfaces the connection error this way.
            return Results.Text($"the operator page cannot reach Temporal at {context.TemporalAddress}: {e.Message}", statusCode: StatusCodes.Status502BadGateway);
        }
        return Results.Content(ChannelPage.Render(channel, context, feedback), "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    private static string FilePage(string sha, string path, string text, ChannelPageContext context)
    {
        var html = new HtmlBuilder();
        html.Add($"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{path} at {sha}</title><style>{Html.Raw(Layout.Style)}");
        html.Add($"table.file td {{ border:0; padding:0 8px; font: 12.5px ui-monospace, monospace; white-space:pre; }} table.file td.n {{ color:#636c76; text-align:right; user-select:none; }} table.file tr:target td {{ background:#fff8c5; }}</style></head><body>");
        html.Add($"<header><a class=\"brand\" href=\"{context.Home}\">rawkode · operator</a><span class=\"where\">{path} at <span class=\"mono\">{sha}</span></span></header><main><h1 class=\"mono\">{path}</h1><table class=\"file\" id=\"file\"><tbody>");
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            html.Add($"<tr id=\"L{i + 1}\"><td class=\"n\">{i + 1}</td><td>{lines[i]}</td></tr>");
        }
        html.Add($"</tbody></table></main></body></html>");
        return html.ToString();
    }
}

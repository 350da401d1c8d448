using Microsoft.AspNetCore.Http;

namespace RawkodeAutomation.OperatorUi;

/// <summary>
/// Cross-site request forgery protection for the page's POSTs, fit for a page with no login on loopback: a form on
/// some other site the operator happens to visit must not be able to press our buttons. Browsers say where a
/// request comes from (<c>Origin</c>, and <c>Sec-Fetch-Site</c> in every current browser), and a page on another
/// origin cannot forge either; so a POST is refused when either names another origin. A request with neither
/// header does not come from a browser (curl, scripts), and cannot be forged by a web page. The host must also be a
/// loopback name or address, so a DNS-rebinding page (whose own origin would pass the origin check) is refused too.
/// </summary>
internal static class SameOriginFilter
{
    /// <summary>Why the request is refused, or null when it may proceed.</summary>
    public static string? Refusal(HttpRequest request, bool requireLoopbackHost = true)
    {
        if (requireLoopbackHost && !IsLoopbackHost(request.Host.Host))
        {
            return $"refused: the operator page only answers on loopback addresses, not on '{request.Host.Host}' (a page rebinding its DNS name to this machine?)";
        }
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0 && site is not ("same-origin" or "none"))
        {
            return $"refused: a {site} request; the operator page's buttons only work from the page itself";
        }
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0)
        {
            var expected = $"{request.Scheme}://{request.Host.Value}";
            if (!string.Equals(origin, expected, StringComparison.OrdinalIgnoreCase))
            {
                return $"refused: the request comes from {origin}, not from the operator page at {expected}";
            }
        }
        return null;
    }

    /// <summary>An endpoint filter that answers 403 with <see cref="Refusal"/> before the handler runs.</summary>
    public static async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next, bool requireLoopbackHost = true)
    {
        var http = context.HttpContext;
        if (HttpMethods.IsPost(http.Request.Method) && Refusal(http.Request, requireLoopbackHost) is { } refusal)
        {
            return Results.Text(refusal, "text/plain; charset=utf-8", statusCode: StatusCodes.Status403Forbidden);
        }
        return await next(context).ConfigureAwait(false);
    }

    private static bool IsLoopbackHost(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var ip) && System.Net.IPAddress.IsLoopback(ip));
}

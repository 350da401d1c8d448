using System.Net;
using System.Text.Json;
using k8s.Autorest;

namespace RawkodeAutomation.Kubernetes;

/// <summary>
/// Sorts Kubernetes failures into the two kinds the pipeline treats differently: transient (the API is overloaded,
/// restarting or unreachable: try again later) and deterministic (the API understood the request and refused it:
/// trying again gives the same answer, so a person must look).
/// See https://kubernetes.io/docs/reference/using-api/api-concepts/#http-status-codes for what each code means.
/// </summary>
public static class KubernetesFailure
{
    /// <summary>
    /// True for 5xx, 429 (throttled), 408 and failures to reach the API at all (connection refused, reset, an HTTP
    /// timeout). Everything else (4xx answers, our own exceptions) is deterministic.
    /// </summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        HttpOperationException e => (int)e.Response.StatusCode >= 500 || e.Response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout,
        HttpRequestException or TimeoutException or IOException => true,
        // HttpClient reports its own timeout as a cancellation; callers exclude their own token first.
        TaskCanceledException => true,
        _ => false,
    };

    /// <summary>
    /// True when the API server did not answer at all: the connection was refused or reset, or the request timed out
    /// (a stopped or moved kube-apiserver, a blackholed port). An HTTP answer, even a 5xx, is not this: something
    /// answered. Callers exclude their own cancellation first.
    /// </summary>
    public static bool IsUnreachable(Exception exception) => exception switch
    {
        HttpRequestException e => e.StatusCode is null,
        TimeoutException or IOException or TaskCanceledException => true,
        _ => false,
    };

    /// <summary>"422 UnprocessableEntity: &lt;the API's message&gt;": the status and the <c>Status.message</c> the API sent.</summary>
    public static string Describe(HttpOperationException exception)
    {
        var code = exception.Response.StatusCode;
        var message = exception.Message;
        try
        {
            using var body = JsonDocument.Parse(exception.Response.Content ?? "");
            if (body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
            {
                message = m.GetString()!;
            }
        }
        catch (JsonException)
        {
            // Not a Kubernetes Status body (a proxy's error page): keep the client's message.
        }

        return $"{(int)code} {code}: {message}";
    }

    /// <summary>A one-line description of any failure, with the API's own message when it sent one.</summary>
    public static string Describe(Exception exception) => exception switch
    {
        HttpOperationException e => Describe(e),
        _ => exception.Message,
    };
}

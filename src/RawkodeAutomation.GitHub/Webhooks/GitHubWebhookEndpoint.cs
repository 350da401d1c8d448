using System.Net.Mime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace RawkodeAutomation.GitHub.Webhooks;

/// <summary>The GitHub push webhook endpoint (<c>POST /webhooks/github</c> by default).</summary>
public static class GitHubWebhookEndpoint
{
    /// <summary>GitHub caps payloads at 25 MB; anything larger is not GitHub.</summary>
    private const int MaxBodyBytes = 25 * 1024 * 1024;

    /// <summary>
    /// Maps the webhook endpoint at <see cref="GitHubOptions.WebhookPath"/>. It verifies <c>X-Hub-Signature-256</c> itself
    /// before Octokit.Webhooks sees the body, because Octokit's own check answers 400 and this endpoint must answer
    /// 401 for a wrong, missing, stale or replayed signature (logged with the delivery id only, never the payload).
    /// Requires <see cref="GitHubServiceCollectionExtensions.AddGitHub"/> and an <see cref="ICommitSink"/> registration.
    /// </summary>
    public static IEndpointConventionBuilder MapGitHubWebhooks(this IEndpointRouteBuilder endpoints, string? path = null)
    {
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<GitHubOptions>>().Value;
        return endpoints.MapPost(path ?? options.WebhookPath, HandleAsync);
    }

    private static async Task HandleAsync(HttpContext context)
    {
        var settings = context.RequestServices.GetRequiredService<IOptions<GitHubOptions>>().Value;
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GitHubWebhookEndpoint).FullName!);
        var headers = context.Request.Headers;
        var delivery = headers["X-GitHub-Delivery"].ToString();
        var eventName = headers["X-GitHub-Event"].ToString();
        var remote = context.Connection.RemoteIpAddress;

        if (context.Request.ContentLength > MaxBodyBytes)
        {
            await AnswerAsync(context, StatusCodes.Status413PayloadTooLarge, "payload larger than 25 MB").ConfigureAwait(false);
            return;
        }

        var body = await ReadBodyAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            await AnswerAsync(context, StatusCodes.Status413PayloadTooLarge, "payload larger than 25 MB").ConfigureAwait(false);
            return;
        }

        if (string.IsNullOrEmpty(settings.WebhookSecret))
        {
            logger.LogError("Rejected delivery {Delivery} ({Event}) from {Remote}: GitHub:WebhookSecret is not configured", delivery, eventName, remote);
            await AnswerAsync(context, StatusCodes.Status401Unauthorized, "webhook secret not configured on the receiver").ConfigureAwait(false);
            return;
        }

        var signature = headers[WebhookSignature.Header].ToString();
        if (!WebhookSignature.Verify(signature, settings.WebhookSecret, body))
        {
            var reason = signature.Length == 0 ? "missing X-Hub-Signature-256" : "X-Hub-Signature-256 does not match";
            logger.LogWarning("Rejected delivery {Delivery} ({Event}) from {Remote}: {Reason}", delivery, eventName, remote, reason);
            await AnswerAsync(context, StatusCodes.Status401Unauthorized, reason).ConfigureAwait(false);
            return;
        }

        if (eventName.Length == 0 || delivery.Length == 0)
        {
            await AnswerAsync(context, StatusCodes.Status400BadRequest, "X-GitHub-Event and X-GitHub-Delivery are required").ConfigureAwait(false);
            return;
        }

        if (eventName is not ("push" or "ping"))
        {
            // Only pushes matter; other events the hook may be subscribed to are acknowledged and dropped unparsed.
            await AnswerAsync(context, StatusCodes.Status200OK, $"event '{eventName}' ignored").ConfigureAwait(false);
            return;
        }

        var processor = context.RequestServices.GetRequiredService<PushWebhookProcessor>();
        try
        {
            await processor.ProcessWebhookAsync(headers, (ReadOnlyMemory<byte>)body, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (!processor.SinkFailed && e is System.Text.Json.JsonException or ArgumentException or NotSupportedException)
        {
            logger.LogWarning("Rejected delivery {Delivery} ({Event}): the payload is not a valid {Event} event ({Error})", delivery, eventName, eventName, e.GetType().Name);
            await AnswerAsync(context, StatusCodes.Status400BadRequest, $"payload is not a valid '{eventName}' event").ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e)
        {
            logger.LogError(e, "Delivery {Delivery} ({Event}) failed; GitHub may redeliver it", delivery, eventName);
            await AnswerAsync(context, StatusCodes.Status500InternalServerError, "processing failed; redeliver to retry").ConfigureAwait(false);
            return;
        }

        var status = processor.Outcome switch
        {
            WebhookOutcomeKind.Replayed or WebhookOutcomeKind.Stale => StatusCodes.Status401Unauthorized,
            WebhookOutcomeKind.Accepted => StatusCodes.Status202Accepted,
            _ => StatusCodes.Status200OK,
        };
        if (status == StatusCodes.Status401Unauthorized)
        {
            logger.LogWarning("Rejected delivery {Delivery} ({Event}) from {Remote}: {Reason}", delivery, eventName, remote, processor.Reason);
        }
        else if (processor.Outcome != WebhookOutcomeKind.Accepted)
        {
            logger.LogInformation("Delivery {Delivery} ({Event}): {Reason}", delivery, eventName, processor.Reason);
        }

        await AnswerAsync(context, status, processor.Reason).ConfigureAwait(false);
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static Task AnswerAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = MediaTypeNames.Text.Plain;
        return context.Response.WriteAsync(message + "\n", context.RequestAborted);
    }
}

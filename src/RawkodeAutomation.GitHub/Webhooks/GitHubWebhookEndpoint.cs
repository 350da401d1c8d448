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
    /// <summary>A body up to this size is kept in memory while it is verified; a larger one is spooled to a temporary file.</summary>
    private const int InMemoryBodyBytes = 64 * 1024;

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

        // Everything that can be decided from the headers is decided before a byte of the body is read: an
        // unauthenticated request must not cost memory in proportion to what it sends.
        var limit = settings.MaxWebhookBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            await AnswerAsync(context, StatusCodes.Status413PayloadTooLarge, TooLargeMessage(limit)).ConfigureAwait(false);
            return;
        }

        if (string.IsNullOrEmpty(settings.WebhookSecret))
        {
            logger.LogError("Rejected delivery {Delivery} ({Event}) from {Remote}: GitHub:WebhookSecret is not configured", delivery, eventName, remote);
            await AnswerAsync(context, StatusCodes.Status401Unauthorized, "webhook secret not configured on the receiver").ConfigureAwait(false);
            return;
        }

        var signature = headers[WebhookSignature.Header].ToString();
        var digest = new byte[32];
        if (!WebhookSignature.TryParse(signature, digest))
        {
            var reason = signature.Length == 0 ? "missing X-Hub-Signature-256" : "X-Hub-Signature-256 is not sha256= and 64 hex digits";
            logger.LogWarning("Rejected delivery {Delivery} ({Event}) from {Remote}: {Reason}", delivery, eventName, remote, reason);
            await AnswerAsync(context, StatusCodes.Status401Unauthorized, reason).ConfigureAwait(false);
            return;
        }

        var gate = context.RequestServices.GetRequiredService<WebhookReadGate>();
        if (!gate.TryEnter())
        {
            logger.LogWarning("Rejected delivery {Delivery} ({Event}) from {Remote}: {Busy} bodies are already being read", delivery, eventName, remote, settings.MaxConcurrentWebhookReads);
            context.Response.Headers.RetryAfter = "5";
            await AnswerAsync(context, StatusCodes.Status503ServiceUnavailable, "too many deliveries in flight; retry shortly").ConfigureAwait(false);
            return;
        }

        (BodyRead Outcome, byte[] Bytes) read;
        try
        {
            read = await ReadVerifiedBodyAsync(context, settings.WebhookSecret, digest, limit).ConfigureAwait(false);
        }
        catch (Exception e) when (context.RequestAborted.IsCancellationRequested || e is Microsoft.AspNetCore.Connections.ConnectionResetException or BadHttpRequestException)
        {
            // The sender hung up or sent a malformed body: nobody is left to answer.
            logger.LogWarning("Delivery {Delivery} ({Event}) from {Remote}: the body was not received ({Error})", delivery, eventName, remote, e.GetType().Name);
            return;
        }
        finally
        {
            gate.Exit();
        }

        switch (read.Outcome)
        {
            case BodyRead.TooLarge:
                await AnswerAsync(context, StatusCodes.Status413PayloadTooLarge, TooLargeMessage(limit)).ConfigureAwait(false);
                return;
            case BodyRead.SignatureMismatch:
                logger.LogWarning("Rejected delivery {Delivery} ({Event}) from {Remote}: {Reason}", delivery, eventName, remote, "X-Hub-Signature-256 does not match");
                await AnswerAsync(context, StatusCodes.Status401Unauthorized, "X-Hub-Signature-256 does not match").ConfigureAwait(false);
                return;
        }

        var body = read.Bytes;
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

    /// <summary>
    /// Streams the body through the HMAC, holding at most <see cref="InMemoryBodyBytes"/> in memory (the rest goes to a
    /// temporary file deleted on close). Reading stops as soon as the body is over <paramref name="limit"/>; only a
    /// verified body is then read into memory whole.
    /// </summary>
    private static async Task<(BodyRead Outcome, byte[] Bytes)> ReadVerifiedBodyAsync(HttpContext context, string secret, byte[] digest, long limit)
    {
        using var hmac = WebhookSignature.CreateHmac(secret);
        var head = new MemoryStream();
        FileStream? spool = null;
        try
        {
            var chunk = new byte[16 * 1024];
            long total = 0;
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                total += read;
                if (total > limit)
                {
                    return (BodyRead.TooLarge, []);
                }

                hmac.AppendData(chunk, 0, read);
                if (spool is null && head.Length + read > InMemoryBodyBytes)
                {
                    spool = new FileStream(Path.Combine(Path.GetTempPath(), "rawkode-webhook-" + Guid.NewGuid().ToString("N")), FileMode.CreateNew,
                        FileAccess.ReadWrite, FileShare.None, 16 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
                    head.Position = 0;
                    await head.CopyToAsync(spool, context.RequestAborted).ConfigureAwait(false);
                    head.SetLength(0);
                }

                if (spool is null)
                {
                    head.Write(chunk, 0, read);
                }
                else
                {
                    await spool.WriteAsync(chunk.AsMemory(0, read), context.RequestAborted).ConfigureAwait(false);
                }
            }

            if (!WebhookSignature.Matches(hmac, digest))
            {
                return (BodyRead.SignatureMismatch, []);
            }

            if (spool is null)
            {
                return (BodyRead.Verified, head.ToArray());
            }

            var body = new byte[spool.Length];
            spool.Position = 0;
            await spool.ReadExactlyAsync(body, context.RequestAborted).ConfigureAwait(false);
            return (BodyRead.Verified, body);
        }
        finally
        {
            if (spool is not null)
            {
                await spool.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static string TooLargeMessage(long limit) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"payload larger than {limit:N0} bytes");

    private enum BodyRead
    {
        Verified,
        TooLarge,
        SignatureMismatch,
    }

    private static Task AnswerAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = MediaTypeNames.Text.Plain;
        return context.Response.WriteAsync(message + "\n", context.RequestAborted);
    }
}

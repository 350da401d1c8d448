using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Octokit.Webhooks;
using Octokit.Webhooks.Events;

namespace RawkodeAutomation.GitHub.Webhooks;

/// <summary>How a verified delivery was handled, for the HTTP answer and the log.</summary>
public enum WebhookOutcomeKind
{
    /// <summary>Nothing decided yet (an event type we do not handle).</summary>
    Ignored,

    /// <summary>A push to the watched branch, handed to <see cref="ICommitSink"/>.</summary>
    Accepted,

    /// <summary>Already processed (same delivery id).</summary>
    Duplicate,

    /// <summary>A ping, answered.</summary>
    Pong,

    /// <summary>A signed body seen before under another delivery id.</summary>
    Replayed,

    /// <summary>A push older than <see cref="GitHubOptions.MaxDeliveryAge"/>.</summary>
    Stale,
}

/// <summary>
/// Handles verified deliveries (signature already checked by the endpoint): pings are answered, pushes to the watched
/// branch of the configured repository are de-duplicated and handed to <see cref="ICommitSink"/>, everything else is
/// ignored. One instance per request (scoped); <see cref="Outcome"/> tells the endpoint what happened.
/// See <see href="https://docs.github.com/en/webhooks/webhook-events-and-payloads#push"/>.
/// </summary>
public sealed class PushWebhookProcessor(
    IOptions<GitHubOptions> options,
    IWebhookDeliveryStore deliveries,
    ICommitSink sink,
    ILogger<PushWebhookProcessor> logger,
    TimeProvider? time = null) : WebhookEventProcessor
{
    /// <summary>What happened to the delivery.</summary>
    public WebhookOutcomeKind Outcome { get; private set; } = WebhookOutcomeKind.Ignored;

    /// <summary>True when <see cref="ICommitSink"/> threw (as opposed to the payload being malformed).</summary>
    public bool SinkFailed { get; private set; }

    /// <summary>A short human-readable reason (no payload content beyond ids).</summary>
    public string Reason { get; private set; } = "event not handled";

    /// <inheritdoc />
    protected override ValueTask ProcessPingWebhookAsync(WebhookHeaders headers, PingEvent pingEvent, CancellationToken cancellationToken = default)
    {
        Outcome = WebhookOutcomeKind.Pong;
        Reason = "pong";
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    protected override async ValueTask ProcessPushWebhookAsync(WebhookHeaders headers, PushEvent pushEvent, CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        var repository = pushEvent.Repository?.FullName ?? "";
        var delivery = headers.Delivery ?? "";
        var expectedRef = "refs/heads/" + settings.Branch;
        if (settings.UsesGitHub && !string.Equals(repository, settings.Repository, StringComparison.OrdinalIgnoreCase))
        {
            Ignore($"push to {repository}, not {settings.Repository}");
            return;
        }

        if (!string.Equals(pushEvent.Ref, expectedRef, StringComparison.Ordinal))
        {
            Ignore($"push to {pushEvent.Ref}, not {expectedRef}");
            return;
        }

        if (pushEvent.Deleted || GitShas.IsNone(pushEvent.After))
        {
            Ignore($"{expectedRef} was deleted");
            return;
        }

        var pushedAt = pushEvent.Repository?.PushedAt;
        var now = (time ?? TimeProvider.System).GetUtcNow();
        if (pushedAt is { } at && now - at > settings.MaxDeliveryAge)
        {
            Outcome = WebhookOutcomeKind.Stale;
            Reason = $"push from {at:O} is older than {settings.MaxDeliveryAge}";
            return;
        }

        switch (deliveries.TryClaim(delivery, WebhookSignature.Normalize(headers.Signature256)))
        {
            case DeliveryClaim.Duplicate:
                Outcome = WebhookOutcomeKind.Duplicate;
                Reason = $"delivery {delivery} already processed";
                return;
            case DeliveryClaim.Replayed:
                Outcome = WebhookOutcomeKind.Replayed;
                Reason = "signature already used by another delivery";
                return;
        }

        try
        {
            var commit = new CommitObserved(repository, settings.Branch, pushEvent.After,
                GitShas.IsNone(pushEvent.Before) ? null : pushEvent.Before, pushEvent.Forced, delivery);
            await sink.CommitObservedAsync(commit, cancellationToken).ConfigureAwait(false);
            deliveries.Complete(delivery);
        }
        catch
        {
            // Let GitHub's redelivery (or the operator's "Redeliver" button) try again.
            SinkFailed = true;
            deliveries.Release(delivery);
            throw;
        }

        Outcome = WebhookOutcomeKind.Accepted;
        Reason = $"commit {GitShas.Short(pushEvent.After)} on {settings.Branch} accepted";
        logger.LogInformation("Delivery {Delivery}: push {Before}..{After} to {Repository}@{Branch} accepted{Forced}",
            delivery, GitShas.Short(pushEvent.Before), GitShas.Short(pushEvent.After), repository, settings.Branch, pushEvent.Forced ? " (forced)" : "");
    }

    private void Ignore(string reason)
    {
        Outcome = WebhookOutcomeKind.Ignored;
        Reason = reason;
    }
}

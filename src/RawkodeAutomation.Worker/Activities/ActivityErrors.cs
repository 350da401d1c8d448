using RawkodeAutomation.Thumbnails;
using RawkodeAutomation.Thumbnails.Templates;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.YouTube;
using RawkodeAutomation.YouTube.Operations;
using Temporalio.Exceptions;

namespace RawkodeAutomation.Worker.Activities;

/// <summary>
/// Maps adapter exceptions to Temporal application failures whose error type tells the workflow what
/// to do: wait for the quota reset, let the retry policy back off, or stop and ask an operator.
/// </summary>
internal static class ActivityErrors
{
    /// <summary>
    /// A thumbnail that cannot be rendered from the checkout (a template or font missing or broken, thumbnails/ absent)
    /// fails the same way on every attempt: not retried, and saying which episode and why. Anything else is left as is.
    /// </summary>
    public static Exception FromThumbnail(string episodeId, Exception e) => e is ThumbnailTemplateException or ThumbnailFontException
        ? new ApplicationFailureException($"episode {episodeId}: its thumbnail cannot be rendered: {e.Message}", e, PipelineErrors.InvalidInput, nonRetryable: true)
        : e;

    public static Exception FromYouTube(Exception e) => e switch
    {
        YouTubeSpecException spec => new ApplicationFailureException(spec.Message, spec, PipelineErrors.InvalidInput, nonRetryable: true),
        YouTubeApiException api => api.Kind switch
        {
            YouTubeErrorKind.QuotaExceeded => new ApplicationFailureException(api.Message, api, PipelineErrors.QuotaExceeded, nonRetryable: true),
            YouTubeErrorKind.Invalid => new ApplicationFailureException(api.Message, api, PipelineErrors.InvalidInput, nonRetryable: true),
            YouTubeErrorKind.NotFound => new ApplicationFailureException(api.Message, api, PipelineErrors.NotFound, nonRetryable: true),
            // Wrong credentials are the channel's, not the call's: every call fails until they change (see QuotaGate).
            YouTubeErrorKind.Unauthorized => new ApplicationFailureException(api.Message, api, PipelineErrors.CredentialsRejected, nonRetryable: true),
            YouTubeErrorKind.Forbidden => new ApplicationFailureException(api.Message, api, PipelineErrors.Forbidden, nonRetryable: true),
            // Rate limits, 5xx, conflicts: the activity retry policy backs off, honouring the server's hint.
            _ => new ApplicationFailureException(api.Message, api, api.Kind.ToString(), nonRetryable: false, nextRetryDelay: api.RetryAfter),
        },
        // A value the code cannot handle (a date past DateTimeOffset.MaxValue, a malformed field) fails the same way on
        // every attempt: retrying only hides the report for as long as the retry policy lasts.
        ArgumentException or FormatException or OverflowException =>
            new ApplicationFailureException($"{e.GetType().Name}: {e.Message}", e, PipelineErrors.InvalidInput, nonRetryable: true),
        _ => e,
    };

    /// <summary>
    /// <see cref="FromYouTube(Exception)"/>, as a failure whose details are the YouTube units the activity spent (all
    /// its attempts), so the workflow settles the quota with what was called. An exception without a mapping stays
    /// retryable, under its own type name (what Temporal would have called it).
    /// </summary>
    public static ApplicationFailureException FromYouTube(Exception e, long unitsSpent)
    {
        var mapped = e as ApplicationFailureException ?? FromYouTube(e) as ApplicationFailureException;
        return mapped is null
            ? new ApplicationFailureException(e.Message, e, e.GetType().Name, nonRetryable: false, details: [unitsSpent])
            : new ApplicationFailureException(mapped.Message, mapped.InnerException, mapped.ErrorType, mapped.NonRetryable, details: [unitsSpent], nextRetryDelay: mapped.NextRetryDelay);
    }
}

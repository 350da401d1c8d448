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
    public static Exception FromYouTube(Exception e) => e switch
    {
        YouTubeSpecException spec => new ApplicationFailureException(spec.Message, spec, PipelineErrors.InvalidInput, nonRetryable: true),
        YouTubeApiException api => api.Kind switch
        {
            YouTubeErrorKind.QuotaExceeded => new ApplicationFailureException(api.Message, api, PipelineErrors.QuotaExceeded, nonRetryable: true),
            YouTubeErrorKind.Invalid => new ApplicationFailureException(api.Message, api, PipelineErrors.InvalidInput, nonRetryable: true),
            YouTubeErrorKind.NotFound => new ApplicationFailureException(api.Message, api, PipelineErrors.NotFound, nonRetryable: true),
            YouTubeErrorKind.Unauthorized or YouTubeErrorKind.Forbidden =>
                new ApplicationFailureException(api.Message, api, PipelineErrors.Forbidden, nonRetryable: true),
            // Rate limits, 5xx, conflicts: the activity retry policy backs off, honouring the server's hint.
            _ => new ApplicationFailureException(api.Message, api, api.Kind.ToString(), nonRetryable: false, nextRetryDelay: api.RetryAfter),
        },
        // A value the code cannot handle (a date past DateTimeOffset.MaxValue, a malformed field) fails the same way on
        // every attempt: retrying only hides the report for as long as the retry policy lasts.
        ArgumentException or FormatException or OverflowException =>
            new ApplicationFailureException($"{e.GetType().Name}: {e.Message}", e, PipelineErrors.InvalidInput, nonRetryable: true),
        _ => e,
    };
}

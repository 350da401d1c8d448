using System.Net;
using Google;
using Google.Apis.Auth.OAuth2.Responses;
using RawkodeAutomation.Episodes.Quota;
using RawkodeAutomation.YouTube.Quota;

namespace RawkodeAutomation.YouTube;

/// <summary>What kind of failure a YouTube call hit, which decides whether and when to retry.</summary>
public enum YouTubeErrorKind
{
    /// <summary>403 quotaExceeded: the day's units are spent; retry after the Pacific-midnight reset.</summary>
    QuotaExceeded,
    /// <summary>429, or 403 rateLimitExceeded/userRateLimitExceeded: too fast; retry with backoff.</summary>
    RateLimited,
    /// <summary>5xx, timeouts, connection failures: retry with backoff.</summary>
    Transient,
    /// <summary>412: the resource changed since it was read; read again and retry.</summary>
    Conflict,
    /// <summary>400: the request is wrong (a field named in the message); do not retry.</summary>
    Invalid,
    /// <summary>401 or a refused refresh token: credentials are wrong; do not retry.</summary>
    Unauthorized,
    /// <summary>403 (other than quota/rate): not allowed; do not retry.</summary>
    Forbidden,
    /// <summary>404: the id named in the message does not exist; do not retry.</summary>
    NotFound,
}

/// <summary>
/// A failed YouTube Data API call, mapped to something a person (or Temporal's retry policy) can act on.
/// <see cref="IsRetryable"/> is the flag the pipeline uses to mark an activity failure non-retryable.
/// Error reasons: https://developers.google.com/youtube/v3/docs/errors
/// </summary>
public sealed class YouTubeApiException : Exception
{
    public YouTubeApiException(string message, YouTubeErrorKind kind, string method, HttpStatusCode? statusCode,
        string? reason, string? location, string? resourceId, DateTimeOffset? retryAt, TimeSpan? retryAfter, Exception? inner)
        : base(message, inner)
    {
        Kind = kind;
        Method = method;
        StatusCode = statusCode;
        Reason = reason;
        Location = location;
        ResourceId = resourceId;
        RetryAt = retryAt;
        RetryAfter = retryAfter;
    }

    public YouTubeErrorKind Kind { get; }

    /// <summary>The API method, e.g. <c>videos.update</c>.</summary>
    public string Method { get; }

    public HttpStatusCode? StatusCode { get; }

    /// <summary>The API's reason code (e.g. <c>quotaExceeded</c>, <c>invalidDescription</c>, <c>videoNotFound</c>).</summary>
    public string? Reason { get; }

    /// <summary>The request field or parameter the API blamed, when it said.</summary>
    public string? Location { get; }

    /// <summary>The id the call was about.</summary>
    public string? ResourceId { get; }

    /// <summary>For <see cref="YouTubeErrorKind.QuotaExceeded"/>: the quota reset (next midnight Pacific).</summary>
    public DateTimeOffset? RetryAt { get; }

    /// <summary>A suggested first backoff for rate limits and transient failures.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>True when the same call may succeed later (quota, rate limit, 5xx, conflict).</summary>
    public bool IsRetryable => Kind is YouTubeErrorKind.QuotaExceeded or YouTubeErrorKind.RateLimited
        or YouTubeErrorKind.Transient or YouTubeErrorKind.Conflict;
}

/// <summary>Turns Google.Apis exceptions into <see cref="YouTubeApiException"/>.</summary>
public static class YouTubeErrorMapper
{
    /// <summary>Suggested first backoff after a rate limit (the API does not say; Temporal's policy grows it).</summary>
    public static readonly TimeSpan RateLimitBackoff = TimeSpan.FromSeconds(30);

    /// <summary>Suggested first backoff after a 5xx or network failure.</summary>
    public static readonly TimeSpan TransientBackoff = TimeSpan.FromSeconds(5);

    /// <summary>Maps <paramref name="error"/>, or returns null when it is not an API failure (a bug, cancellation).</summary>
    public static YouTubeApiException? Map(Exception error, string method, string? resourceId, DateTimeOffset now)
    {
        switch (error)
        {
            case YouTubeApiException mapped:
                return mapped;
            case GoogleApiException api:
                return FromApi(api, method, resourceId, now);
            case TokenResponseException token:
                {
                    var code = token.Error?.Error;
                    var serverSide = token.StatusCode is { } s && (int)s >= 500;
                    return new YouTubeApiException(
                        serverSide
                            ? $"YouTube {method}: the OAuth token endpoint failed ({(int)token.StatusCode!}); retry."
                            : $"YouTube {method}: the OAuth token endpoint refused the refresh token ({code}: {token.Error?.ErrorDescription}). " +
                              "Check YouTube:ClientId, YouTube:ClientSecret and YouTube:RefreshToken.",
                        serverSide ? YouTubeErrorKind.Transient : YouTubeErrorKind.Unauthorized, method, token.StatusCode, code, null,
                        resourceId, null, serverSide ? TransientBackoff : null, token);
                }
            case HttpRequestException http:
                return new YouTubeApiException($"YouTube {method}: network failure ({http.Message}); retry.",
                    YouTubeErrorKind.Transient, method, http.StatusCode, null, null, resourceId, null, TransientBackoff, http);
            case TaskCanceledException timeout when timeout.InnerException is TimeoutException:
                return new YouTubeApiException($"YouTube {method}: timed out; retry.",
                    YouTubeErrorKind.Transient, method, null, null, null, resourceId, null, TransientBackoff, timeout);
            default:
                return null;
        }
    }

    private static YouTubeApiException FromApi(GoogleApiException api, string method, string? resourceId, DateTimeOffset now)
    {
        var status = api.HttpStatusCode;
        var first = api.Error?.Errors?.FirstOrDefault();
        var reason = first?.Reason;
        var location = first?.Location;
        var apiMessage = api.Error?.Message ?? first?.Message ?? api.Message;
        var about = resourceId is null ? "" : $" (id '{resourceId}')";
        var field = location is null ? "" : $" field '{location}'";
        var code = (int)status;

        if (reason is "quotaExceeded" or "dailyLimitExceeded")
        {
            var reset = PacificDay.NextReset(now);
            return new(
                $"YouTube {method}{about}: the daily quota is spent ({reason}). Retry after the reset at {reset:u} (midnight Pacific).",
                YouTubeErrorKind.QuotaExceeded, method, status, reason, location, resourceId, reset, reset - now, api);
        }
        if (code == 429 || reason is "rateLimitExceeded" or "userRateLimitExceeded" or "RESOURCE_EXHAUSTED")
        {
            return new($"YouTube {method}{about}: rate limited ({reason ?? code.ToString(System.Globalization.CultureInfo.InvariantCulture)}). Retry with backoff.",
                YouTubeErrorKind.RateLimited, method, status, reason, location, resourceId, null, RateLimitBackoff, api);
        }
        if (code >= 500)
        {
            return new($"YouTube {method}{about}: server error {code} ({apiMessage}). Retry with backoff.",
                YouTubeErrorKind.Transient, method, status, reason, location, resourceId, null, TransientBackoff, api);
        }
        return code switch
        {
            400 => new($"YouTube {method}{about}: invalid request{field}: {reason ?? "badRequest"}: {apiMessage}. Fix the input; retrying will not help.",
                YouTubeErrorKind.Invalid, method, status, reason, location, resourceId, null, null, api),
            401 => new($"YouTube {method}{about}: unauthorized ({reason ?? "authError"}). Check YouTube:ClientId, YouTube:ClientSecret and YouTube:RefreshToken.",
                YouTubeErrorKind.Unauthorized, method, status, reason, location, resourceId, null, null, api),
            404 => new($"YouTube {method}: not found{about}{field}: {reason ?? "notFound"}: {apiMessage}.",
                YouTubeErrorKind.NotFound, method, status, reason, location, resourceId, null, null, api),
            412 => new($"YouTube {method}{about}: the resource changed since it was read ({reason ?? "conditionNotMet"}). Read it again and retry.",
                YouTubeErrorKind.Conflict, method, status, reason, location, resourceId, null, TimeSpan.Zero, api),
            403 => new($"YouTube {method}{about}: forbidden{field}: {reason ?? "forbidden"}: {apiMessage}. Retrying will not help.",
                YouTubeErrorKind.Forbidden, method, status, reason, location, resourceId, null, null, api),
            _ => new($"YouTube {method}{about}: HTTP {code}{field}: {reason}: {apiMessage}.",
                YouTubeErrorKind.Invalid, method, status, reason, location, resourceId, null, null, api),
        };
    }
}

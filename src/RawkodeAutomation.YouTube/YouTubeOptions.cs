using System.ComponentModel.DataAnnotations;

namespace RawkodeAutomation.YouTube;

/// <summary>
/// Configuration section <c>YouTube</c> (docs/configuration.md). Credentials are an OAuth2 installed-app client and a
/// refresh token for the channel (scopes <c>youtube</c>, <c>youtube.force-ssl</c>); secrets come from the
/// environment or files, never from committed configuration.
/// https://developers.google.com/youtube/v3/guides/auth/installed-apps
/// </summary>
public sealed class YouTubeOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "YouTube";

    /// <summary>Google's token endpoint.</summary>
    public const string GoogleTokenUri = "https://oauth2.googleapis.com/token";

    /// <summary>OAuth2 client id.</summary>
    public string? ClientId { get; set; }

    /// <summary>OAuth2 client secret.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Refresh token of the channel's account.</summary>
    public string? RefreshToken { get; set; }

    /// <summary>API root; <c>youtube/v3/...</c> is resolved against it.</summary>
    public Uri ApiBaseUri { get; set; } = new(Api.YouTubeService.DefaultBaseUri);

    /// <summary>Media upload root; <c>upload/youtube/v3/...</c> is resolved against it.</summary>
    public Uri UploadBaseUri { get; set; } = new(Api.YouTubeService.DefaultBaseUri);

    /// <summary>OAuth2 token endpoint.</summary>
    public Uri TokenUri { get; set; } = new(GoogleTokenUri);

    /// <summary>Units per day (10,000 unless Google granted more).</summary>
    [Range(1, int.MaxValue)]
    public int DailyQuota { get; set; } = 10_000;

    /// <summary>Sent as the application name in the User-Agent.</summary>
    public string ApplicationName { get; set; } = "rawkode-automation";

    /// <summary>True when all three credentials are set; unset means the host should start the sandbox.</summary>
    public bool HasCredentials =>
        !string.IsNullOrWhiteSpace(ClientId) && !string.IsNullOrWhiteSpace(ClientSecret) && !string.IsNullOrWhiteSpace(RefreshToken);

    /// <summary>Problems that stop a client from being built, each naming its key; empty when usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        List<string> problems = [];
        if (!HasCredentials)
        {
            problems.Add("YouTube:ClientId, YouTube:ClientSecret and YouTube:RefreshToken must all be set " +
                "(or point YouTube:ApiBaseUri/UploadBaseUri/TokenUri at a YouTube sandbox and use its credentials).");
        }
        foreach (var (key, uri) in new[] { ("ApiBaseUri", ApiBaseUri), ("UploadBaseUri", UploadBaseUri), ("TokenUri", TokenUri) })
        {
            if (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttps && !uri.IsLoopback))
            {
                problems.Add($"YouTube:{key} must be an absolute https URI (http only for loopback), got '{uri}'.");
            }
        }
        if (DailyQuota < 1) { problems.Add($"YouTube:DailyQuota must be positive, got {DailyQuota}."); }
        return problems;
    }
}

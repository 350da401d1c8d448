using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RawkodeAutomation.StateFiles;

namespace RawkodeAutomation.YouTube.Sandbox;

/// <summary>Settings of a <see cref="YouTubeSandbox"/>.</summary>
public sealed class YouTubeSandboxOptions
{
    /// <summary>Port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>JSON file the channel is kept in (loaded on start, written on every change); null keeps it in memory.</summary>
    public string? StatePath { get; set; }

    /// <summary>
    /// A <see cref="ChannelSnapshot"/> file the channel starts from when there is no state yet (no
    /// <see cref="StatePath"/> file): a channel with history instead of an empty one.
    /// </summary>
    public string? SnapshotPath { get; set; }

    /// <summary>As <see cref="SnapshotPath"/>, already loaded (tests generate channels); wins over the path.</summary>
    public ChannelSnapshot? Snapshot { get; set; }

    /// <summary>Units per Pacific day.</summary>
    public int DailyQuota { get; set; } = 10_000;

    /// <summary>The sandbox's clock (quota day, publishedAt, transitions); tests pass a <see cref="SandboxClock"/>.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>The OAuth client the token endpoint accepts.</summary>
    public string ClientId { get; set; } = "sandbox-client-id";

    public string ClientSecret { get; set; } = "sandbox-client-secret";

    /// <summary>The refresh token the token endpoint accepts.</summary>
    public string RefreshToken { get; set; } = "sandbox-refresh-token";
}

/// <summary>
/// A loopback YouTube Data API v3: the endpoints, JSON shapes, errors and quota rules of the real one for the
/// methods RawkodeAutomation uses, an OAuth2 token endpoint, fault injection, a JSON state file, and a channel
/// page at <c>/</c>. Start with <see cref="StartAsync"/>; dispose to stop.
/// </summary>
public sealed partial class YouTubeSandbox : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly YouTubeSandboxOptions _options;
    private readonly object _gate = new();
    private readonly SandboxStateData _state;
    private readonly FaultInjector _faults = new();
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, UploadSession> _uploads = new(StringComparer.Ordinal);
    private int _unitsSpent;
    private int _tokensIssued;
    private int _gzipBodies;
    private bool _quotaDirty;

    private readonly StateFileOwnership? _ownership;

    private YouTubeSandbox(WebApplication app, YouTubeSandboxOptions options, SandboxStateData state, StateFileOwnership? ownership)
    {
        _app = app;
        _options = options;
        _state = state;
        _ownership = ownership;
        DailyQuota = options.DailyQuota;
    }

    /// <summary>Starts a sandbox on 127.0.0.1.</summary>
    /// <exception cref="YouTubeSandboxInUseException">Another sandbox, in this process or another, serves <see cref="YouTubeSandboxOptions.StatePath"/>.</exception>
    public static async Task<YouTubeSandbox> StartAsync(YouTubeSandboxOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new YouTubeSandboxOptions();
        var ownership = options.StatePath is { } owned ? SandboxOwnership.Acquire(owned) : null;
        YouTubeSandbox sandbox;
        try
        {
            sandbox = await StartOwnedAsync(options, ownership, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            ownership?.Dispose();
            throw;
        }
        try
        {
            ownership?.Publish(sandbox.BaseUri.AbsoluteUri);
        }
        catch
        {
            // Stopping the sandbox releases the ownership too.
            await sandbox.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return sandbox;
    }

    private static async Task<YouTubeSandbox> StartOwnedAsync(YouTubeSandboxOptions options, StateFileOwnership? ownership, CancellationToken cancellationToken)
    {
        SandboxStateData state;
        try
        {
            state = options.StatePath is { } path && File.Exists(path) ? SandboxStateData.Load(path)
                : options.Snapshot is { } snapshot ? snapshot.ToState()
                : options.SnapshotPath is { } snapshotPath ? ChannelSnapshot.Load(snapshotPath).ToState()
                : new SandboxStateData();
        }
        catch (System.Text.Json.JsonException error)
        {
            throw new InvalidDataException($"YouTube sandbox state file '{options.StatePath}' is not valid JSON: {error.Message}", error);
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, options.Port));
        builder.Services.AddRequestDecompression();
        var app = builder.Build();
        var sandbox = new YouTubeSandbox(app, options, state, ownership);
        if (options.StatePath is { } statePath && !File.Exists(statePath))
        {
            // A channel started from a snapshot is the channel from now on: keep it, so a restart continues it.
            state.Save(statePath);
        }
        // Count gzip bodies before the decompression middleware strips the header (the Google client gzips by default).
        app.Use((context, next) =>
        {
            if (context.Request.Headers.ContentEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase))
            {
                Interlocked.Increment(ref sandbox._gzipBodies);
            }
            return next(context);
        });
        app.UseRequestDecompression();
        app.Run(sandbox.DispatchAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        sandbox.BaseUri = new Uri(address.EndsWith('/') ? address : address + "/");
        return sandbox;
    }

    /// <summary>The server root (the channel page is here).</summary>
    public Uri BaseUri { get; private set; } = null!;

    /// <summary>What <c>YouTube:ApiBaseUri</c> should be.</summary>
    public Uri ApiBaseUri => BaseUri;

    /// <summary>What <c>YouTube:UploadBaseUri</c> should be.</summary>
    public Uri UploadBaseUri => BaseUri;

    /// <summary>What <c>YouTube:TokenUri</c> should be.</summary>
    public Uri TokenUri => new(BaseUri, "token");

    public string ClientId => _options.ClientId;
    public string ClientSecret => _options.ClientSecret;
    public string RefreshToken => _options.RefreshToken;

    /// <summary>Units per Pacific day; may be changed while running.</summary>
    public int DailyQuota { get; set; }

    /// <summary>The configuration keys a client needs to talk to this sandbox.</summary>
    public IReadOnlyDictionary<string, string?> ClientConfiguration => ClientConfigurationFor(BaseUri, _options, DailyQuota);

    /// <summary>
    /// The configuration keys a client needs to talk to a sandbox started with <paramref name="options"/> that listens
    /// at <paramref name="baseUri"/>, perhaps in another process (see <see cref="YouTubeSandboxInUseException.RunningAt"/>).
    /// </summary>
    public static IReadOnlyDictionary<string, string?> ClientConfigurationFor(Uri baseUri, YouTubeSandboxOptions options, int? dailyQuota = null) =>
        new Dictionary<string, string?>
        {
            ["YouTube:ClientId"] = options.ClientId,
            ["YouTube:ClientSecret"] = options.ClientSecret,
            ["YouTube:RefreshToken"] = options.RefreshToken,
            ["YouTube:ApiBaseUri"] = baseUri.AbsoluteUri,
            ["YouTube:UploadBaseUri"] = baseUri.AbsoluteUri,
            ["YouTube:TokenUri"] = new Uri(baseUri, "token").AbsoluteUri,
            ["YouTube:DailyQuota"] = (dailyQuota ?? options.DailyQuota).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

    /// <summary>API calls served (including failed ones), per method, since start.</summary>
    public IReadOnlyDictionary<string, int> CallsPerMethod => new Dictionary<string, int>(_calls);

    /// <summary>Calls of one method since start.</summary>
    public int Calls(string method) => _calls.TryGetValue(method, out var n) ? n : 0;

    /// <summary>Units charged since start.</summary>
    public int UnitsSpent => Volatile.Read(ref _unitsSpent);

    /// <summary>Units charged on the current Pacific day (persisted).</summary>
    public int QuotaUsedToday
    {
        get
        {
            lock (_gate) { RollQuotaDay(); return _state.QuotaUsed; }
        }
    }

    /// <summary>Access tokens the token endpoint issued since start.</summary>
    public int TokensIssued => Volatile.Read(ref _tokensIssued);

    /// <summary>Requests that arrived with a gzip-compressed body since start.</summary>
    public int GzipRequestBodies => Volatile.Read(ref _gzipBodies);

    /// <summary>Adds a fault for the following calls.</summary>
    public void InjectFault(SandboxFault fault) => _faults.Add(fault);

    /// <summary>Calls refused by a per-second rate limit (<see cref="SandboxFault.PerSecond"/>) since start.</summary>
    public int ThrottledCalls => _faults.Throttled;

    /// <summary>Removes every pending fault.</summary>
    public void ClearFaults() => _faults.Clear();

    /// <summary>Forgets every issued access token (as if they expired), so clients must refresh.</summary>
    public void RevokeAccessTokens() => _tokens.Clear();

    /// <summary>Resets the per-method counters and units (not the quota day).</summary>
    public void ResetCounters()
    {
        _calls.Clear();
        Interlocked.Exchange(ref _unitsSpent, 0);
    }

    /// <summary>A copy of a video as the sandbox holds it, or null.</summary>
    public SandboxVideo? FindVideo(string id)
    {
        lock (_gate)
        {
            var v = _state.Videos.FirstOrDefault(x => x.Id == id);
            return v is null ? null : Clone(v);
        }
    }

    /// <summary>Copies of all videos.</summary>
    public IReadOnlyList<SandboxVideo> Videos
    {
        get { lock (_gate) { return [.. _state.Videos.Select(Clone)]; } }
    }

    /// <summary>Copies of all streams.</summary>
    public IReadOnlyList<SandboxStream> Streams
    {
        get { lock (_gate) { return [.. _state.Streams]; } }
    }

    /// <summary>All playlist items.</summary>
    public IReadOnlyList<SandboxPlaylistItem> PlaylistItems
    {
        get { lock (_gate) { return [.. _state.PlaylistItems]; } }
    }

    /// <summary>Seeds an already published (non-live) video, e.g. a past episode; no quota is charged.</summary>
    public string AddPublishedVideo(string title, string description, IEnumerable<string>? tags = null, string categoryId = "28", string privacyStatus = "public")
    {
        lock (_gate)
        {
            var video = new SandboxVideo
            {
                Id = SandboxIds.New(),
                PublishedAt = Now,
                Title = title,
                Description = description,
                Tags = tags?.ToList(),
                CategoryId = categoryId,
                PrivacyStatus = privacyStatus,
            };
            _state.Videos.Add(video);
            Persist();
            return video.Id;
        }
    }

    /// <summary>
    /// Deletes a video as its creator would in YouTube Studio (no API call, no quota): the drift the pipeline must notice.
    /// Its playlist entries go with it, as on YouTube. False when there was no such video.
    /// </summary>
    public bool DeleteVideoAsCreator(string id)
    {
        lock (_gate)
        {
            if (_state.Videos.RemoveAll(v => v.Id == id) == 0) { return false; }
            _state.PlaylistItems.RemoveAll(p => p.VideoId == id);
            Persist();
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        lock (_gate)
        {
            if (_quotaDirty) { Persist(); }
        }
        await _app.DisposeAsync().ConfigureAwait(false);
        // Only now, with its last write done, may another sandbox load the file.
        _ownership?.Dispose();
    }

    private DateTimeOffset Now => _options.Clock.GetUtcNow();

    private static SandboxVideo Clone(SandboxVideo v)
    {
        var json = System.Text.Json.JsonSerializer.Serialize(v);
        return System.Text.Json.JsonSerializer.Deserialize<SandboxVideo>(json)!;
    }

    // Callers hold _gate.
    private void Persist()
    {
        _quotaDirty = false;
        if (_options.StatePath is { } path) { _state.Save(path); }
    }

    // Callers hold _gate.
    private void RollQuotaDay()
    {
        var today = Pacific.DayOf(Now);
        if (_state.QuotaDay != today)
        {
            _state.QuotaDay = today;
            _state.QuotaUsed = 0;
        }
    }

    private sealed class UploadSession
    {
        public required string VideoId { get; init; }
        public required string ContentType { get; init; }
        public long? DeclaredLength { get; init; }
        public MemoryStream Received { get; } = new();
    }

    private async Task DispatchAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        try
        {
            switch (path)
            {
                case "/" when HttpMethods.IsGet(context.Request.Method):
                    await WritePageAsync(context).ConfigureAwait(false);
                    return;
                case "/token":
                    await TokenAsync(context).ConfigureAwait(false);
                    return;
                case "/sandbox/counters":
                    await WriteJsonAsync(context, 200, Counters()).ConfigureAwait(false);
                    return;
            }
            if (path.StartsWith("/sandbox/thumbnails/", StringComparison.Ordinal))
            {
                await WriteThumbnailAsync(context, path["/sandbox/thumbnails/".Length..]).ConfigureAwait(false);
                return;
            }
            if (path.StartsWith("/youtube/v3/", StringComparison.Ordinal) || path == "/upload/youtube/v3/thumbnails/set")
            {
                await ApiAsync(context, path).ConfigureAwait(false);
                return;
            }
            await WriteErrorAsync(context, 404, "notFound", "global", $"No such endpoint: {context.Request.Method} {path}").ConfigureAwait(false);
        }
        catch (ApiError error)
        {
            await WriteErrorAsync(context, error.Status, error.Reason, error.Domain, error.Message, error.Location).ConfigureAwait(false);
        }
    }

    private JsonObject Counters()
    {
        var calls = new JsonObject();
        foreach (var (method, n) in _calls.OrderBy(kv => kv.Key, StringComparer.Ordinal)) { calls[method] = n; }
        return new JsonObject
        {
            ["callsPerMethod"] = calls,
            ["unitsSpent"] = UnitsSpent,
            ["quotaUsedToday"] = QuotaUsedToday,
            ["dailyQuota"] = DailyQuota,
            ["tokensIssued"] = TokensIssued,
        };
    }

    /// <summary>OAuth2 token endpoint: grant_type=refresh_token with the configured client and refresh token.</summary>
    private async Task TokenAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method) || !context.Request.HasFormContentType)
        {
            await WriteJsonAsync(context, 400, new JsonObject { ["error"] = "invalid_request", ["error_description"] = "POST a form." }).ConfigureAwait(false);
            return;
        }
        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        // Client credentials may come in the form or as HTTP Basic (RFC 6749 §2.3.1).
        string? clientId = form["client_id"], clientSecret = form["client_secret"];
        if (context.Request.Headers.Authorization.ToString() is { } basic && basic.StartsWith("Basic ", StringComparison.Ordinal))
        {
            var pair = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(basic[6..])).Split(':', 2);
            clientId = Uri.UnescapeDataString(pair[0]);
            clientSecret = pair.Length > 1 ? Uri.UnescapeDataString(pair[1]) : null;
        }
        if (form["grant_type"] != "refresh_token")
        {
            await WriteJsonAsync(context, 400, new JsonObject { ["error"] = "unsupported_grant_type", ["error_description"] = "Only refresh_token is supported." }).ConfigureAwait(false);
            return;
        }
        if (clientId != _options.ClientId || clientSecret != _options.ClientSecret)
        {
            await WriteJsonAsync(context, 401, new JsonObject { ["error"] = "invalid_client", ["error_description"] = "The OAuth client was not found." }).ConfigureAwait(false);
            return;
        }
        if (form["refresh_token"] != _options.RefreshToken)
        {
            await WriteJsonAsync(context, 400, new JsonObject { ["error"] = "invalid_grant", ["error_description"] = "Token has been expired or revoked." }).ConfigureAwait(false);
            return;
        }
        var token = "ya29.sandbox-" + SandboxIds.New(32);
        // Real time, not the sandbox clock: moving the quota day must not expire tokens the client believes valid.
        _tokens[token] = DateTimeOffset.UtcNow.AddHours(1);
        Interlocked.Increment(ref _tokensIssued);
        await WriteJsonAsync(context, 200, new JsonObject
        {
            ["access_token"] = token,
            ["expires_in"] = 3599,
            ["scope"] = "https://www.googleapis.com/auth/youtube https://www.googleapis.com/auth/youtube.force-ssl",
            ["token_type"] = "Bearer",
        }).ConfigureAwait(false);
    }

    private static Task WriteJsonAsync(HttpContext context, int status, JsonNode body, string? etag = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=UTF-8";
        if (etag is not null) { context.Response.Headers.ETag = $"\"{etag}\""; }
        return context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    /// <summary>Google's JSON error body: https://developers.google.com/youtube/v3/docs/errors</summary>
    private static Task WriteErrorAsync(HttpContext context, int status, string reason, string domain, string message, string? location = null)
    {
        var detail = new JsonObject { ["message"] = message, ["domain"] = domain, ["reason"] = reason };
        if (location is not null)
        {
            detail["location"] = location;
            detail["locationType"] = location == "Authorization" ? "header" : "parameter";
        }
        var statusText = status switch
        {
            400 => "INVALID_ARGUMENT",
            401 => "UNAUTHENTICATED",
            403 => "PERMISSION_DENIED",
            404 => "NOT_FOUND",
            412 => "FAILED_PRECONDITION",
            413 => "INVALID_ARGUMENT",
            429 => "RESOURCE_EXHAUSTED",
            _ when status >= 500 => "UNAVAILABLE",
            _ => "UNKNOWN",
        };
        if (reason == "quotaExceeded") { statusText = "PERMISSION_DENIED"; }
        return WriteJsonAsync(context, status, new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["code"] = status,
                ["message"] = message,
                ["errors"] = new JsonArray(detail),
                ["status"] = statusText,
            },
        });
    }

    /// <summary>An API error the dispatcher turns into Google's error body.</summary>
    private sealed class ApiError(int status, string reason, string message, string? location = null, string domain = "youtube.api") : Exception(message)
    {
        public int Status { get; } = status;
        public string Reason { get; } = reason;
        public string? Location { get; } = location;
        public string Domain { get; } = domain;
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace RawkodeAutomation.YouTube.Sandbox;

// The API endpoints. Shapes, parts and error reasons follow https://developers.google.com/youtube/v3/docs
// and https://developers.google.com/youtube/v3/live/docs; quota costs follow
// https://developers.google.com/youtube/v3/determine_quota_cost.
public sealed partial class YouTubeSandbox
{
    /// <summary>Units per method, as YouTube charges them.</summary>
    public static readonly IReadOnlyDictionary<string, int> Costs = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["liveBroadcasts.list"] = 1,
        ["liveBroadcasts.insert"] = 50,
        ["liveBroadcasts.update"] = 50,
        ["liveBroadcasts.bind"] = 50,
        ["liveBroadcasts.transition"] = 50,
        ["liveBroadcasts.delete"] = 50,
        ["liveStreams.list"] = 1,
        ["liveStreams.insert"] = 50,
        ["liveStreams.delete"] = 50,
        ["videos.list"] = 1,
        ["videos.update"] = 50,
        ["thumbnails.set"] = 50,
        ["playlistItems.list"] = 1,
        ["playlistItems.insert"] = 50,
        ["channels.list"] = 1,
    };

    private const int MaxThumbnailBytes = 2 * 1024 * 1024;
    private static readonly string[] PrivacyStatuses = ["public", "unlisted", "private"];
    // The assignable categories of the US region (videoCategories.list regionCode=US, assignable=true).
    private static readonly string[] Categories = ["1", "2", "10", "15", "17", "19", "20", "22", "23", "24", "25", "26", "27", "28", "29"];

    private async Task ApiAsync(HttpContext context, string path)
    {
        var request = context.Request;
        var uploadContinuation = path.StartsWith("/upload/", StringComparison.Ordinal) && request.Query.ContainsKey("upload_id");
        if (uploadContinuation)
        {
            // The session URI is the credential for the rest of a resumable upload, as at Google.
            await ContinueUploadAsync(context).ConfigureAwait(false);
            return;
        }
        var method = MethodOf(request.Method, path)
            ?? throw new ApiError(404, "notFound", $"No such method: {request.Method} {path}", domain: "global");

        var auth = request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(auth))
        {
            throw new ApiError(401, "required", "Request is missing required authentication credential. Expected OAuth 2 access token.", "Authorization", "global");
        }
        if (!auth.StartsWith("Bearer ", StringComparison.Ordinal) || !_tokens.TryGetValue(auth[7..], out var expires) || expires < DateTimeOffset.UtcNow)
        {
            throw new ApiError(401, "authError", "Invalid Credentials", "Authorization", "global");
        }

        var cost = Costs[method];
        var (delay, failure) = _faults.Next(method);
        if (delay > TimeSpan.Zero) { await Task.Delay(delay, context.RequestAborted).ConfigureAwait(false); }
        if (failure?.Kind == SandboxFaultKind.Unauthorized)
        {
            throw new ApiError(401, "authError", "Invalid Credentials", "Authorization", "global");
        }
        _calls.AddOrUpdate(method, 1, (_, n) => n + 1);
        if (failure?.Kind == SandboxFaultKind.QuotaExceeded) { throw QuotaExceeded(); }
        lock (_gate)
        {
            RollQuotaDay();
            if (_state.QuotaUsed + cost > DailyQuota) { throw QuotaExceeded(); }
            // Every request that passes the quota check is charged, whether it then succeeds or not.
            _state.QuotaUsed += cost;
            Interlocked.Add(ref _unitsSpent, cost);
            // Reads change only the quota counter: write it with the next change (or on dispose), not per read.
            _quotaDirty = true;
        }
        switch (failure?.Kind)
        {
            case SandboxFaultKind.RateLimit when failure.StatusCode == 403:
                throw new ApiError(403, "rateLimitExceeded", "The request was sent too fast.", domain: "youtube.api");
            case SandboxFaultKind.RateLimit:
                throw new ApiError(429, "rateLimitExceeded", "Too many requests. Slow down.", domain: "global");
            case SandboxFaultKind.ServerError:
                throw new ApiError(failure.StatusCode, failure.StatusCode == 500 ? "internalError" : "backendError", "Backend Error", domain: "global");
        }

        switch (method)
        {
            case "liveBroadcasts.list": await ListBroadcastsAsync(context).ConfigureAwait(false); break;
            case "liveBroadcasts.insert": await InsertBroadcastAsync(context).ConfigureAwait(false); break;
            case "liveBroadcasts.update": await UpdateBroadcastAsync(context).ConfigureAwait(false); break;
            case "liveBroadcasts.bind": await BindAsync(context).ConfigureAwait(false); break;
            case "liveBroadcasts.transition": await TransitionAsync(context).ConfigureAwait(false); break;
            case "liveBroadcasts.delete": DeleteBroadcast(context); break;
            case "liveStreams.list": await ListStreamsAsync(context).ConfigureAwait(false); break;
            case "liveStreams.insert": await InsertStreamAsync(context).ConfigureAwait(false); break;
            case "liveStreams.delete": DeleteStream(context); break;
            case "videos.list": await ListVideosAsync(context).ConfigureAwait(false); break;
            case "videos.update": await UpdateVideoAsync(context).ConfigureAwait(false); break;
            case "thumbnails.set": await StartThumbnailAsync(context).ConfigureAwait(false); break;
            case "playlistItems.list": await ListPlaylistItemsAsync(context).ConfigureAwait(false); break;
            case "playlistItems.insert": await InsertPlaylistItemAsync(context).ConfigureAwait(false); break;
            case "channels.list": await ListChannelsAsync(context).ConfigureAwait(false); break;
        }
    }

    private static string? MethodOf(string http, string path) => (http, path) switch
    {
        ("GET", "/youtube/v3/liveBroadcasts") => "liveBroadcasts.list",
        ("POST", "/youtube/v3/liveBroadcasts") => "liveBroadcasts.insert",
        ("PUT", "/youtube/v3/liveBroadcasts") => "liveBroadcasts.update",
        ("DELETE", "/youtube/v3/liveBroadcasts") => "liveBroadcasts.delete",
        ("POST", "/youtube/v3/liveBroadcasts/bind") => "liveBroadcasts.bind",
        ("POST", "/youtube/v3/liveBroadcasts/transition") => "liveBroadcasts.transition",
        ("GET", "/youtube/v3/liveStreams") => "liveStreams.list",
        ("POST", "/youtube/v3/liveStreams") => "liveStreams.insert",
        ("DELETE", "/youtube/v3/liveStreams") => "liveStreams.delete",
        ("GET", "/youtube/v3/videos") => "videos.list",
        ("PUT", "/youtube/v3/videos") => "videos.update",
        ("POST", "/upload/youtube/v3/thumbnails/set") => "thumbnails.set",
        ("GET", "/youtube/v3/playlistItems") => "playlistItems.list",
        ("POST", "/youtube/v3/playlistItems") => "playlistItems.insert",
        ("GET", "/youtube/v3/channels") => "channels.list",
        _ => null,
    };

    private static ApiError QuotaExceeded() => new(403, "quotaExceeded",
        "The request cannot be completed because you have exceeded your quota.", domain: "youtube.quota");

    // ---- helpers -------------------------------------------------------------------------------

    private static HashSet<string> Parts(HttpContext context, params string[] allowed)
    {
        var raw = context.Request.Query["part"].ToString();
        if (string.IsNullOrWhiteSpace(raw))
        {
            throw new ApiError(400, "missingRequiredParameter", "No filter selected. Expected one of: part", "part");
        }
        var parts = raw.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        foreach (var part in parts.Where(p => !allowed.Contains(p)))
        {
            throw new ApiError(400, "unknownPart", $"'{part}'", "part");
        }
        return parts;
    }

    private static async Task<JsonObject> BodyAsync(HttpContext context)
    {
        try
        {
            var node = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
            return node as JsonObject ?? throw new ApiError(400, "parseError", "The request body must be a JSON object.", domain: "global");
        }
        catch (JsonException error)
        {
            throw new ApiError(400, "parseError", $"Parse Error: {error.Message}", domain: "global");
        }
    }

    private static string? Str(JsonNode? node, string name) =>
        node is JsonObject o && o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static bool? Bool(JsonNode? node, string name) =>
        node is JsonObject o && o[name] is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset? ParseTime(string? raw, string location, bool required, string requiredReason)
    {
        if (raw is null)
        {
            return required ? throw new ApiError(400, requiredReason, $"{location} is required.", location) : null;
        }
        return DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t
            : throw new ApiError(400, "invalidScheduledStartTime", $"'{raw}' is not an RFC 3339 time.", location);
    }

    private static void CheckTitle(string? title, string location)
    {
        if (string.IsNullOrWhiteSpace(title)) { throw new ApiError(400, "invalidTitle", "The title is required.", location); }
        if (title.EnumerateRunes().Count() > 100) { throw new ApiError(400, "invalidTitle", $"The title is longer than 100 characters.", location); }
        if (title.AsSpan().IndexOfAny('<', '>') >= 0) { throw new ApiError(400, "invalidTitle", "The title contains '<' or '>'.", location); }
    }

    private static void CheckDescription(string? description, string location)
    {
        if (description is null) { return; }
        var bytes = Encoding.UTF8.GetByteCount(description);
        if (bytes > 5000) { throw new ApiError(400, "invalidDescription", $"The description is {bytes} bytes; at most 5000 are allowed.", location); }
        if (description.AsSpan().IndexOfAny('<', '>') >= 0) { throw new ApiError(400, "invalidDescription", "The description contains '<' or '>'.", location); }
    }

    private static List<string>? CheckTags(JsonNode? tags, string location)
    {
        if (tags is null) { return null; }
        if (tags is not JsonArray array) { throw new ApiError(400, "invalidTags", "tags must be an array.", location); }
        var list = array.Select(t => t?.GetValue<string>() ?? "").ToList();
        // YouTube counts the tags joined by commas, quoting tags that contain spaces.
        var length = list.Sum(t => t.EnumerateRunes().Count() + (t.Contains(' ', StringComparison.Ordinal) ? 2 : 0)) + Math.Max(0, list.Count - 1);
        if (length > 500) { throw new ApiError(400, "invalidTags", $"The tags are {length} characters; at most 500 are allowed.", location); }
        if (list.Any(t => t.AsSpan().IndexOfAny('<', '>') >= 0)) { throw new ApiError(400, "invalidTags", "A tag contains '<' or '>'.", location); }
        return list;
    }

    private static string CheckPrivacy(string? privacy) =>
        privacy is not null && PrivacyStatuses.Contains(privacy)
            ? privacy
            : throw new ApiError(400, "invalidPrivacyStatus", $"'{privacy}' is not a privacy status (public, unlisted, private).", "status.privacyStatus");

    private JsonObject Thumbnails(SandboxVideo v)
    {
        var url = new Uri(BaseUri, $"sandbox/thumbnails/{v.Id}?v={v.ThumbnailVersion}").AbsoluteUri;
        JsonObject Size(int w, int h) => new() { ["url"] = url, ["width"] = w, ["height"] = h };
        return new JsonObject { ["default"] = Size(120, 90), ["medium"] = Size(320, 180), ["high"] = Size(480, 360), ["maxres"] = Size(1280, 720) };
    }

    // What a broadcast's and a video's snippet share, in YouTube's property order; callers hold _gate.
    private JsonObject SnippetOf(SandboxVideo v) => new()
    {
        ["publishedAt"] = Time(v.PublishedAt),
        ["channelId"] = v.OwnerChannelId ?? _state.ChannelId,
        ["title"] = v.Title,
        ["description"] = v.Description,
        ["thumbnails"] = Thumbnails(v),
    };

    /// <summary>Applies a write under the state lock, saves the state, and answers 200 with what the write renders.</summary>
    private async Task ChangeAsync(HttpContext context, Func<JsonObject> change)
    {
        JsonObject response;
        lock (_gate)
        {
            response = change();
            Persist();
        }
        await WriteJsonAsync(context, 200, response).ConfigureAwait(false);
    }

    /// <summary>A write to one broadcast: finds it (404 when missing), applies the change, bumps its etag and answers with it.</summary>
    private Task ChangeBroadcastAsync(HttpContext context, string id, HashSet<string> parts, Action<SandboxVideo> change) =>
        ChangeAsync(context, () =>
        {
            var video = Broadcast(id);
            change(video);
            video.Revision++;
            return RenderBroadcast(video, parts);
        });

    // Callers hold _gate.
    private SandboxVideo Broadcast(string? id, string location = "id") =>
        _state.Videos.FirstOrDefault(v => v.Id == id && v.IsBroadcast && v.OwnerChannelId is null)
        ?? throw new ApiError(404, "liveBroadcastNotFound", $"Broadcast not found: '{id}'.", location);

    // ---- liveBroadcasts ---------------------------------------------------------------------------

    // The parts a liveBroadcast has (every liveBroadcasts method accepts the same).
    private static readonly string[] BroadcastParts = ["id", "snippet", "status", "contentDetails"];

    private JsonObject RenderBroadcast(SandboxVideo v, HashSet<string> parts)
    {
        var o = new JsonObject { ["kind"] = "youtube#liveBroadcast", ["etag"] = v.ETag, ["id"] = v.Id };
        if (parts.Contains("snippet"))
        {
            var s = SnippetOf(v);
            if (v.ScheduledStart is { } start) { s["scheduledStartTime"] = Time(start); }
            if (v.ScheduledEnd is { } end) { s["scheduledEndTime"] = Time(end); }
            if (v.ActualStart is { } a) { s["actualStartTime"] = Time(a); }
            if (v.ActualEnd is { } e) { s["actualEndTime"] = Time(e); }
            s["isDefaultBroadcast"] = false;
            s["liveChatId"] = "Cg0KC" + v.Id;
            o["snippet"] = s;
        }
        if (parts.Contains("status"))
        {
            o["status"] = new JsonObject
            {
                ["lifeCycleStatus"] = v.LifeCycleStatus,
                ["privacyStatus"] = v.PrivacyStatus,
                ["recordingStatus"] = v.LifeCycleStatus switch { "live" => "recording", "complete" => "recorded", _ => "notRecording" },
                ["madeForKids"] = v.SelfDeclaredMadeForKids,
                ["selfDeclaredMadeForKids"] = v.SelfDeclaredMadeForKids,
            };
        }
        if (parts.Contains("contentDetails"))
        {
            var c = new JsonObject
            {
                ["enableAutoStart"] = v.EnableAutoStart,
                ["enableAutoStop"] = v.EnableAutoStop,
                ["enableDvr"] = true,
                ["recordFromStart"] = true,
                ["latencyPreference"] = "normal",
            };
            if (v.BoundStreamId is { } bound) { c["boundStreamId"] = bound; c["boundStreamLastUpdateTimeMs"] = Time(v.PublishedAt); }
            o["contentDetails"] = c;
        }
        return o;
    }

    private Task ListBroadcastsAsync(HttpContext context) => ListAsync(context, new ListMethod<SandboxVideo>(
        "youtube#liveBroadcastListResponse",
        Parts: BroadcastParts,
        Filters: ["id", "mine", "broadcastStatus"],
        Select: (filter, query) =>
        {
            var broadcasts = _state.Videos.Where(v => v.IsBroadcast && v.OwnerChannelId is null);
            switch (filter)
            {
                case "id":
                    return WithIds(broadcasts, query, v => v.Id);
                case "broadcastStatus":
                    var status = query["broadcastStatus"].ToString();
                    return status switch
                    {
                        "all" => broadcasts,
                        "upcoming" => broadcasts.Where(v => v.LifeCycleStatus is "created" or "ready"),
                        "active" => broadcasts.Where(v => v.LifeCycleStatus is "live" or "testing" or "liveStarting" or "testStarting"),
                        "completed" => broadcasts.Where(v => v.LifeCycleStatus is "complete" or "revoked"),
                        _ => throw new ApiError(400, "invalidValue", $"broadcastStatus '{status}' is not all, active, completed or upcoming.", "broadcastStatus"),
                    };
                default:
                    return query["mine"] == "true" ? broadcasts : throw new ApiError(400, "invalidValue", "mine must be true.", "mine");
            }
        },
        Render: RenderBroadcast));

    private async Task InsertBroadcastAsync(HttpContext context)
    {
        var parts = Parts(context, BroadcastParts);
        var body = await BodyAsync(context).ConfigureAwait(false);
        var snippet = body["snippet"] ?? throw new ApiError(400, "invalidTitle", "snippet is required.", "snippet.title");
        CheckTitle(Str(snippet, "title"), "snippet.title");
        CheckDescription(Str(snippet, "description"), "snippet.description");
        var start = ParseTime(Str(snippet, "scheduledStartTime"), "snippet.scheduledStartTime", true, "scheduledStartTimeRequired")!.Value;
        var end = ParseTime(Str(snippet, "scheduledEndTime"), "snippet.scheduledEndTime", false, "invalidScheduledEndTime");
        if (end <= start) { throw new ApiError(400, "invalidScheduledEndTime", "The scheduled end is not after the start.", "snippet.scheduledEndTime"); }
        // As YouTube: a broadcast cannot be scheduled in the past (https://developers.google.com/youtube/v3/live/docs/liveBroadcasts/insert#errors).
        if (start < Now)
        {
            throw new ApiError(400, "invalidScheduledStartTime",
                "Scheduled start time must be in the future and close enough to the current date that a broadcast could be reliably scheduled at that time.",
                "snippet.scheduledStartTime", "youtube.liveBroadcast");
        }
        var privacy = CheckPrivacy(Str(body["status"], "privacyStatus"));
        await ChangeAsync(context, () =>
        {
            var video = new SandboxVideo
            {
                Id = SandboxIds.New(),
                PublishedAt = Now,
                IsBroadcast = true,
                Title = Str(snippet, "title")!,
                Description = Str(snippet, "description") ?? "",
                ScheduledStart = start,
                ScheduledEnd = end,
                PrivacyStatus = privacy,
                SelfDeclaredMadeForKids = Bool(body["status"], "selfDeclaredMadeForKids") ?? false,
                EnableAutoStart = Bool(body["contentDetails"], "enableAutoStart") ?? false,
                EnableAutoStop = Bool(body["contentDetails"], "enableAutoStop") ?? false,
                CategoryId = "24",
            };
            _state.Videos.Add(video);
            return RenderBroadcast(video, parts);
        }).ConfigureAwait(false);
    }

    private async Task UpdateBroadcastAsync(HttpContext context)
    {
        var parts = Parts(context, BroadcastParts);
        var body = await BodyAsync(context).ConfigureAwait(false);
        var id = Str(body, "id") ?? throw new ApiError(400, "missingRequiredParameter", "id is required.", "id");
        string? title = null, description = null, privacy = null;
        DateTimeOffset? start = null, end = null;
        if (parts.Contains("snippet"))
        {
            var snippet = body["snippet"];
            title = Str(snippet, "title");
            CheckTitle(title, "snippet.title");
            description = Str(snippet, "description") ?? "";
            CheckDescription(description, "snippet.description");
            start = ParseTime(Str(snippet, "scheduledStartTime"), "snippet.scheduledStartTime", true, "scheduledStartTimeRequired");
            end = ParseTime(Str(snippet, "scheduledEndTime"), "snippet.scheduledEndTime", false, "invalidScheduledEndTime");
        }
        if (parts.Contains("status")) { privacy = CheckPrivacy(Str(body["status"], "privacyStatus")); }
        await ChangeBroadcastAsync(context, id, parts, video =>
        {
            if (parts.Contains("snippet"))
            {
                if (video.LifeCycleStatus == "complete" && start != video.ScheduledStart)
                {
                    throw new ApiError(403, "invalidScheduledStartTime", "A completed broadcast cannot be rescheduled.", "snippet.scheduledStartTime");
                }
                video.Title = title!;
                video.Description = description!;
                video.ScheduledStart = start;
                video.ScheduledEnd = end;
            }
            if (privacy is not null)
            {
                video.PrivacyStatus = privacy;
                video.SelfDeclaredMadeForKids = Bool(body["status"], "selfDeclaredMadeForKids") ?? video.SelfDeclaredMadeForKids;
            }
            if (parts.Contains("contentDetails"))
            {
                video.EnableAutoStart = Bool(body["contentDetails"], "enableAutoStart") ?? video.EnableAutoStart;
                video.EnableAutoStop = Bool(body["contentDetails"], "enableAutoStop") ?? video.EnableAutoStop;
            }
        }).ConfigureAwait(false);
    }

    private async Task BindAsync(HttpContext context)
    {
        var parts = Parts(context, BroadcastParts);
        var id = context.Request.Query["id"].ToString();
        if (id.Length == 0) { throw new ApiError(400, "missingRequiredParameter", "id is required.", "id"); }
        var streamId = context.Request.Query["streamId"].ToString();
        await ChangeBroadcastAsync(context, id, parts, video =>
        {
            if (streamId.Length > 0)
            {
                if (_state.Streams.All(s => s.Id != streamId)) { throw new ApiError(404, "liveStreamNotFound", $"Stream not found: '{streamId}'.", "streamId"); }
                if (video.LifeCycleStatus is "live" or "complete") { throw new ApiError(403, "liveBroadcastBindingNotAllowed", "A live or completed broadcast cannot be rebound.", "id"); }
                video.BoundStreamId = streamId;
                if (video.LifeCycleStatus == "created") { video.LifeCycleStatus = "ready"; }
            }
            else
            {
                video.BoundStreamId = null;
                if (video.LifeCycleStatus == "ready") { video.LifeCycleStatus = "created"; }
            }
        }).ConfigureAwait(false);
    }

    private async Task TransitionAsync(HttpContext context)
    {
        var parts = Parts(context, BroadcastParts);
        var target = context.Request.Query["broadcastStatus"].ToString();
        if (target is not ("testing" or "live" or "complete"))
        {
            throw new ApiError(400, "invalidValue", $"broadcastStatus '{target}' is not testing, live or complete.", "broadcastStatus");
        }
        await ChangeBroadcastAsync(context, context.Request.Query["id"].ToString(), parts, video =>
        {
            if (video.LifeCycleStatus == target) { throw new ApiError(403, "redundantTransition", $"The broadcast is already {target}.", "status.lifeCycleStatus"); }
            var allowed = (video.LifeCycleStatus, target) switch
            {
                ("ready", "testing") or ("ready", "live") or ("testing", "live") or ("live", "complete") or ("testing", "complete") => true,
                _ => false,
            };
            if (!allowed) { throw new ApiError(403, "invalidTransition", $"The broadcast cannot go from {video.LifeCycleStatus} to {target}.", "status.lifeCycleStatus"); }
            if (video.BoundStreamId is null) { throw new ApiError(403, "errorStreamInactive", "No stream is bound to the broadcast.", "id"); }
            video.LifeCycleStatus = target;
            if (target == "live") { video.ActualStart = Now; }
            if (target == "complete") { video.ActualEnd = Now; }
        }).ConfigureAwait(false);
    }

    private void DeleteBroadcast(HttpContext context)
    {
        lock (_gate)
        {
            var video = Broadcast(context.Request.Query["id"].ToString());
            _state.Videos.Remove(video);
            _state.PlaylistItems.RemoveAll(p => p.VideoId == video.Id);
            Persist();
        }
        context.Response.StatusCode = 204;
    }

    // ---- liveStreams ------------------------------------------------------------------------------

    // The parts a liveStream has.
    private static readonly string[] StreamParts = ["id", "snippet", "cdn", "status", "contentDetails"];

    private JsonObject RenderStream(SandboxStream s, HashSet<string> parts)
    {
        var o = new JsonObject { ["kind"] = "youtube#liveStream", ["etag"] = s.ETag, ["id"] = s.Id };
        if (parts.Contains("snippet"))
        {
            o["snippet"] = new JsonObject
            {
                ["publishedAt"] = Time(s.PublishedAt),
                ["channelId"] = _state.ChannelId,
                ["title"] = s.Title,
                ["description"] = s.Description,
                ["isDefaultStream"] = false,
            };
        }
        if (parts.Contains("cdn"))
        {
            o["cdn"] = new JsonObject
            {
                ["ingestionType"] = s.IngestionType,
                ["ingestionInfo"] = new JsonObject
                {
                    ["streamName"] = s.StreamName,
                    ["ingestionAddress"] = "rtmp://127.0.0.1/live2",
                    ["backupIngestionAddress"] = "rtmp://127.0.0.1/live2?backup=1",
                    ["rtmpsIngestionAddress"] = "rtmps://127.0.0.1/live2",
                },
                ["resolution"] = s.Resolution,
                ["frameRate"] = s.FrameRate,
            };
        }
        if (parts.Contains("status"))
        {
            o["status"] = new JsonObject { ["streamStatus"] = "ready", ["healthStatus"] = new JsonObject { ["status"] = "noData" } };
        }
        if (parts.Contains("contentDetails"))
        {
            o["contentDetails"] = new JsonObject { ["isReusable"] = s.IsReusable };
        }
        return o;
    }

    // mine=anything lists every stream: the sandbox has one channel.
    private Task ListStreamsAsync(HttpContext context) => ListAsync(context, new ListMethod<SandboxStream>(
        "youtube#liveStreamListResponse",
        Parts: StreamParts,
        Filters: ["id", "mine"],
        Select: (filter, query) => filter == "id" ? WithIds(_state.Streams, query, s => s.Id) : _state.Streams,
        Render: RenderStream));

    private async Task InsertStreamAsync(HttpContext context)
    {
        var parts = Parts(context, StreamParts);
        var body = await BodyAsync(context).ConfigureAwait(false);
        var title = Str(body["snippet"], "title");
        if (string.IsNullOrWhiteSpace(title)) { throw new ApiError(400, "titleRequired", "snippet.title is required.", "snippet.title"); }
        var cdn = body["cdn"] ?? throw new ApiError(400, "invalidFormat", "cdn is required.", "cdn");
        var ingestion = Str(cdn, "ingestionType") ?? "rtmp";
        if (ingestion is not ("rtmp" or "dash" or "webrtc" or "hls")) { throw new ApiError(400, "invalidIngestionType", $"'{ingestion}'", "cdn.ingestionType"); }
        await ChangeAsync(context, () =>
        {
            var stream = new SandboxStream
            {
                Id = SandboxIds.New(22),
                PublishedAt = Now,
                Title = title,
                Description = Str(body["snippet"], "description") ?? "",
                StreamName = $"{SandboxIds.New(4)}-{SandboxIds.New(4)}-{SandboxIds.New(4)}-{SandboxIds.New(4)}".ToLowerInvariant(),
                IngestionType = ingestion,
                Resolution = Str(cdn, "resolution") ?? "variable",
                FrameRate = Str(cdn, "frameRate") ?? "variable",
                IsReusable = Bool(body["contentDetails"], "isReusable") ?? true,
            };
            _state.Streams.Add(stream);
            return RenderStream(stream, parts);
        }).ConfigureAwait(false);
    }

    // As https://developers.google.com/youtube/v3/live/docs/liveStreams/delete documents it: 204 with no body; 404
    // liveStreamNotFound for an id that is not the channel's; 403 liveStreamDeletionNotAllowed while any broadcast bound
    // to the stream has not completed (so an upcoming one blocks it too, not only a live or testing one).
    private void DeleteStream(HttpContext context)
    {
        var id = context.Request.Query["id"].ToString();
        if (id.Length == 0) { throw new ApiError(400, "missingRequiredParameter", "No filter selected. Expected one of: id", "id"); }
        lock (_gate)
        {
            var stream = _state.Streams.FirstOrDefault(s => s.Id == id)
                ?? throw new ApiError(404, "liveStreamNotFound", $"Stream not found: '{id}'.", "id");
            var bound = _state.Videos.FirstOrDefault(v => v.IsBroadcast && v.BoundStreamId == id && v.LifeCycleStatus != "complete");
            if (bound is not null)
            {
                throw new ApiError(403, "liveStreamDeletionNotAllowed",
                    $"The stream is bound to broadcast '{bound.Id}', which has not completed ({bound.LifeCycleStatus}).", "id");
            }
            _state.Streams.Remove(stream);
            Persist();
        }
        context.Response.StatusCode = 204;
    }

    // ---- videos -----------------------------------------------------------------------------------

    // The parts of a video the sandbox keeps (others, e.g. fileDetails, are unknownPart).
    private static readonly string[] VideoParts = ["id", "snippet", "status"];

    // videos.list also reads liveStreamingDetails (read-only: videos.update does not take it).
    private static readonly string[] VideoListParts = [.. VideoParts, "liveStreamingDetails"];

    private JsonObject RenderVideo(SandboxVideo v, HashSet<string> parts)
    {
        var o = new JsonObject { ["kind"] = "youtube#video", ["etag"] = v.ETag, ["id"] = v.Id };
        if (parts.Contains("snippet"))
        {
            var s = SnippetOf(v);
            s["channelTitle"] = _state.ChannelTitle;
            // As at YouTube, an untagged video has no tags property at all.
            if (v.Tags is { Count: > 0 } tags) { s["tags"] = new JsonArray([.. tags.Select(t => (JsonNode)t)]); }
            s["categoryId"] = v.CategoryId;
            s["liveBroadcastContent"] = v.LiveBroadcastContent;
            o["snippet"] = s;
        }
        if (parts.Contains("status"))
        {
            o["status"] = new JsonObject
            {
                ["uploadStatus"] = v.IsBroadcast && v.LifeCycleStatus != "complete" ? "uploaded" : "processed",
                ["privacyStatus"] = v.PrivacyStatus,
                ["license"] = "youtube",
                ["embeddable"] = true,
                ["publicStatsViewable"] = true,
                ["madeForKids"] = v.SelfDeclaredMadeForKids,
                ["selfDeclaredMadeForKids"] = v.SelfDeclaredMadeForKids,
            };
        }
        // Only a live video (a broadcast) has liveStreamingDetails; an upload has no such property at all.
        if (parts.Contains("liveStreamingDetails") && v.IsBroadcast)
        {
            var d = new JsonObject();
            if (v.ActualStart is { } a) { d["actualStartTime"] = Time(a); }
            if (v.ActualEnd is { } e) { d["actualEndTime"] = Time(e); }
            if (v.ScheduledStart is { } s) { d["scheduledStartTime"] = Time(s); }
            if (v.ScheduledEnd is { } se) { d["scheduledEndTime"] = Time(se); }
            if (v.LifeCycleStatus == "live") { d["concurrentViewers"] = "0"; d["activeLiveChatId"] = "Cg0KC" + v.Id; }
            o["liveStreamingDetails"] = d;
        }
        return o;
    }

    private Task ListVideosAsync(HttpContext context) => ListAsync(context, new ListMethod<SandboxVideo>(
        "youtube#videoListResponse",
        Parts: VideoListParts,
        Filters: ["id"],
        Select: (_, query) =>
        {
            var ids = query["id"].ToString().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (ids.Length > 50) { throw new ApiError(400, "invalidFilters", $"At most 50 ids per request, got {ids.Length}.", "id"); }
            // Missing ids are left out, in the order asked, as YouTube does.
            return ids.Select(id => _state.Videos.FirstOrDefault(v => v.Id == id)).OfType<SandboxVideo>().Distinct();
        },
        Render: RenderVideo,
        Paged: false));

    private async Task UpdateVideoAsync(HttpContext context)
    {
        var parts = Parts(context, VideoParts);
        var body = await BodyAsync(context).ConfigureAwait(false);
        var id = Str(body, "id") ?? throw new ApiError(400, "missingRequiredParameter", "id is required.", "id");
        string? title = null, description = null, category = null, privacy = null;
        List<string>? tags = null;
        if (parts.Contains("snippet"))
        {
            // part=snippet replaces the whole snippet: title and categoryId are required, absent fields are cleared.
            var snippet = body["snippet"] ?? throw new ApiError(400, "invalidTitle", "snippet is required for part=snippet.", "snippet");
            title = Str(snippet, "title");
            CheckTitle(title, "snippet.title");
            description = Str(snippet, "description") ?? "";
            CheckDescription(description, "snippet.description");
            category = Str(snippet, "categoryId");
            if (category is null || !Categories.Contains(category)) { throw new ApiError(400, "invalidCategoryId", $"'{category}' is not an assignable category.", "snippet.categoryId"); }
            tags = CheckTags(((JsonObject)snippet)["tags"], "snippet.tags");
        }
        if (parts.Contains("status")) { privacy = CheckPrivacy(Str(body["status"], "privacyStatus")); }
        await ChangeAsync(context, () =>
        {
            var video = _state.Videos.FirstOrDefault(v => v.Id == id) ?? throw new ApiError(404, "videoNotFound", $"Video not found: '{id}'.", "id");
            if (video.OwnerChannelId is not null)
            {
                throw new ApiError(403, "forbidden", "The video that you are trying to update belongs to another channel.", "id");
            }
            var ifMatch = context.Request.Headers.IfMatch.ToString().Trim('"');
            if (ifMatch.Length > 0 && ifMatch != "*" && ifMatch != video.ETag)
            {
                throw new ApiError(412, "conditionNotMet", "The video changed since it was read (etag mismatch).", "If-Match", "global");
            }
            if (parts.Contains("snippet"))
            {
                video.Title = title!;
                video.Description = description!;
                video.CategoryId = category!;
                video.Tags = tags;
            }
            if (privacy is not null) { video.PrivacyStatus = privacy; }
            video.Revision++;
            return RenderVideo(video, parts);
        }).ConfigureAwait(false);
    }

    // ---- thumbnails.set ---------------------------------------------------------------------------

    private async Task StartThumbnailAsync(HttpContext context)
    {
        var videoId = context.Request.Query["videoId"].ToString();
        if (videoId.Length == 0) { throw new ApiError(400, "missingRequiredParameter", "videoId is required.", "videoId"); }
        lock (_gate)
        {
            if (_state.Videos.All(v => v.Id != videoId)) { throw new ApiError(404, "videoNotFound", $"Video not found: '{videoId}'.", "videoId"); }
        }
        var uploadType = context.Request.Query["uploadType"].ToString();
        switch (uploadType)
        {
            case "resumable":
                {
                    var type = context.Request.Headers["X-Upload-Content-Type"].ToString();
                    long? length = long.TryParse(context.Request.Headers["X-Upload-Content-Length"].ToString(), CultureInfo.InvariantCulture, out var l) ? l : null;
                    if (length > MaxThumbnailBytes) { throw TooLarge(length.Value); }
                    var sessionId = SandboxIds.New(24);
                    _uploads[sessionId] = new UploadSession { VideoId = videoId, ContentType = type, DeclaredLength = length };
                    context.Response.StatusCode = 200;
                    context.Response.Headers.Location = new Uri(BaseUri, $"upload/youtube/v3/thumbnails/set?uploadType=resumable&videoId={Uri.EscapeDataString(videoId)}&upload_id={sessionId}").AbsoluteUri;
                    return;
                }
            case "multipart":
                {
                    var boundary = HeaderUtilities.RemoveQuotes(MediaTypeHeaderValue.Parse(context.Request.ContentType).Boundary).Value;
                    if (string.IsNullOrEmpty(boundary)) { throw new ApiError(400, "badContent", "multipart upload without a boundary.", domain: "global"); }
                    var reader = new MultipartReader(boundary, context.Request.Body);
                    byte[]? media = null;
                    string? mediaType = null;
                    while (await reader.ReadNextSectionAsync(context.RequestAborted).ConfigureAwait(false) is { } section)
                    {
                        using var buffer = new MemoryStream();
                        await section.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
                        // The first part may be JSON metadata (none for thumbnails); the media part is the last.
                        if (section.ContentType?.StartsWith("application/json", StringComparison.Ordinal) == true) { continue; }
                        media = buffer.ToArray();
                        mediaType = section.ContentType;
                    }
                    await CompleteThumbnailAsync(context, videoId, mediaType, media).ConfigureAwait(false);
                    return;
                }
            default:
                {
                    using var buffer = new MemoryStream();
                    await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
                    await CompleteThumbnailAsync(context, videoId, context.Request.ContentType, buffer.ToArray()).ConfigureAwait(false);
                    return;
                }
        }
    }

    private static ApiError TooLarge(long length) =>
        new(413, "mediaBodyTooLarge", $"The thumbnail is {length} bytes; at most {MaxThumbnailBytes} (2 MB) are allowed.", "media", "global");

    private async Task ContinueUploadAsync(HttpContext context)
    {
        var sessionId = context.Request.Query["upload_id"].ToString();
        if (!_uploads.TryGetValue(sessionId, out var session)) { throw new ApiError(404, "notFound", "No such upload session.", "upload_id", "global"); }
        // Content-Range: "bytes a-b/total" for data, "bytes */total" to ask how much arrived.
        var range = context.Request.Headers.ContentRange.ToString();
        long? total = null;
        if (range.StartsWith("bytes ", StringComparison.Ordinal) && range.LastIndexOf('/') is var slash and > 0
            && long.TryParse(range[(slash + 1)..], CultureInfo.InvariantCulture, out var t)) { total = t; }
        if (total > MaxThumbnailBytes || session.Received.Length > MaxThumbnailBytes) { throw TooLarge(total ?? session.Received.Length); }
        await context.Request.Body.CopyToAsync(session.Received, context.RequestAborted).ConfigureAwait(false);
        var expected = total ?? session.DeclaredLength;
        if (expected is { } all && session.Received.Length < all)
        {
            context.Response.StatusCode = 308;
            if (session.Received.Length > 0) { context.Response.Headers.Range = $"bytes=0-{session.Received.Length - 1}"; }
            return;
        }
        _uploads.TryRemove(sessionId, out _);
        await CompleteThumbnailAsync(context, session.VideoId, session.ContentType, session.Received.ToArray()).ConfigureAwait(false);
    }

    private async Task CompleteThumbnailAsync(HttpContext context, string videoId, string? contentType, byte[]? media)
    {
        if (media is null || media.Length == 0) { throw new ApiError(400, "mediaBodyRequired", "The request does not include the image content.", "media"); }
        if (media.Length > MaxThumbnailBytes) { throw TooLarge(media.Length); }
        var sniffed = media.AsSpan().StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) ? "image/png"
            : media.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) ? "image/jpeg" : null;
        var declared = contentType?.Split(';')[0].Trim();
        if (sniffed is null || (declared is { Length: > 0 } && declared != sniffed && declared != "application/octet-stream"))
        {
            throw new ApiError(400, "invalidImage", $"The image is not a PNG or JPEG (declared '{declared}').", "media");
        }
        await ChangeAsync(context, () =>
        {
            var video = _state.Videos.FirstOrDefault(v => v.Id == videoId) ?? throw new ApiError(404, "videoNotFound", $"Video not found: '{videoId}'.", "videoId");
            video.Thumbnail = media;
            video.ThumbnailContentType = sniffed;
            video.ThumbnailVersion++;
            video.Revision++;
            return new JsonObject
            {
                ["kind"] = "youtube#thumbnailSetResponse",
                ["etag"] = SandboxIds.ETag($"thumb:{video.Id}:{video.ThumbnailVersion}"),
                ["items"] = new JsonArray(Thumbnails(video)),
            };
        }).ConfigureAwait(false);
    }

    private async Task WriteThumbnailAsync(HttpContext context, string videoId)
    {
        byte[]? image;
        string? type;
        lock (_gate)
        {
            var video = _state.Videos.FirstOrDefault(v => v.Id == videoId);
            image = video?.Thumbnail;
            type = video?.ThumbnailContentType;
        }
        if (image is null) { context.Response.StatusCode = 404; return; }
        context.Response.ContentType = type;
        context.Response.Headers.CacheControl = "no-cache";
        await context.Response.Body.WriteAsync(image, context.RequestAborted).ConfigureAwait(false);
    }

    // ---- playlistItems ----------------------------------------------------------------------------

    // The parts a playlistItem accepts; an item always renders its snippet.
    private static readonly string[] PlaylistItemParts = ["id", "snippet", "contentDetails", "status"];

    /// <summary>The sandbox channel owns every playlist whose id starts with PL (no playlists resource to create them).</summary>
    private static void RequirePlaylist(string playlistId, string location)
    {
        if (!playlistId.StartsWith("PL", StringComparison.Ordinal)) { throw new ApiError(404, "playlistNotFound", $"Playlist not found: '{playlistId}'.", location); }
    }

    // The channel's uploads playlist (channel.contentDetails.relatedPlaylists.uploads): UU + the channel id after UC.
    // Callers hold _gate.
    private string UploadsPlaylistId => "UU" + _state.ChannelId[2..];

    /// <summary>The uploads playlist as YouTube keeps it: every video of the channel, newest first. Callers hold _gate.</summary>
    private IEnumerable<SandboxPlaylistItem> Uploads() => _state.Videos
        .Where(v => v.OwnerChannelId is null)
        .OrderByDescending(v => v.PublishedAt).ThenBy(v => v.Id, StringComparer.Ordinal)
        .Select((v, i) => new SandboxPlaylistItem
        {
            Id = SandboxIds.ETag($"uploads:{v.Id}"),
            PlaylistId = UploadsPlaylistId,
            VideoId = v.Id,
            Position = i,
            PublishedAt = v.PublishedAt,
        });

    private JsonObject RenderPlaylistItem(SandboxPlaylistItem p, HashSet<string> parts)
    {
        var video = _state.Videos.FirstOrDefault(v => v.Id == p.VideoId);
        var item = RenderPlaylistItem(p);
        if (video is not null)
        {
            var snippet = (JsonObject)item["snippet"]!;
            snippet["thumbnails"] = Thumbnails(video);
            snippet["videoOwnerChannelTitle"] = _state.ChannelTitle;
            snippet["videoOwnerChannelId"] = _state.ChannelId;
        }
        if (parts.Contains("contentDetails"))
        {
            var details = new JsonObject { ["videoId"] = p.VideoId };
            if (video is not null) { details["videoPublishedAt"] = Time(video.PublishedAt); }
            item["contentDetails"] = details;
        }
        if (parts.Contains("status")) { item["status"] = new JsonObject { ["privacyStatus"] = video?.PrivacyStatus ?? "private" }; }
        return item;
    }

    private JsonObject RenderPlaylistItem(SandboxPlaylistItem p)
    {
        var video = _state.Videos.FirstOrDefault(v => v.Id == p.VideoId);
        return new JsonObject
        {
            ["kind"] = "youtube#playlistItem",
            ["etag"] = p.ETag,
            ["id"] = p.Id,
            ["snippet"] = new JsonObject
            {
                ["publishedAt"] = Time(p.PublishedAt),
                ["channelId"] = _state.ChannelId,
                ["title"] = video?.Title ?? "Deleted video",
                ["description"] = video?.Description ?? "",
                ["channelTitle"] = _state.ChannelTitle,
                ["playlistId"] = p.PlaylistId,
                ["position"] = p.Position,
                ["resourceId"] = new JsonObject { ["kind"] = "youtube#video", ["videoId"] = p.VideoId },
            },
        };
    }

    private Task ListPlaylistItemsAsync(HttpContext context) => ListAsync(context, new ListMethod<SandboxPlaylistItem>(
        "youtube#playlistItemListResponse",
        Parts: PlaylistItemParts,
        Filters: ["playlistId", "id"],
        Select: (filter, query) =>
        {
            IEnumerable<SandboxPlaylistItem> found;
            if (filter == "playlistId")
            {
                var playlistId = query["playlistId"].ToString();
                if (playlistId == UploadsPlaylistId)
                {
                    found = Uploads();
                }
                else
                {
                    RequirePlaylist(playlistId, "playlistId");
                    found = _state.PlaylistItems.Where(p => p.PlaylistId == playlistId);
                }
                var videoId = query["videoId"].ToString();
                if (videoId.Length > 0) { found = found.Where(p => p.VideoId == videoId); }
            }
            else
            {
                found = WithIds(_state.PlaylistItems, query, p => p.Id);
            }
            return found.OrderBy(p => p.Position);
        },
        Render: RenderPlaylistItem));

    // ---- channels ---------------------------------------------------------------------------------

    // The parts of a channel the sandbox renders; https://developers.google.com/youtube/v3/docs/channels/list
    private static readonly string[] ChannelParts = ["id", "snippet", "contentDetails", "statistics", "status"];

    private JsonObject RenderChannel(SandboxStateData channel, HashSet<string> parts)
    {
        var o = new JsonObject { ["kind"] = "youtube#channel", ["etag"] = SandboxIds.ETag($"channel:{channel.ChannelId}:{channel.Videos.Count}"), ["id"] = channel.ChannelId };
        if (parts.Contains("snippet"))
        {
            o["snippet"] = new JsonObject
            {
                ["title"] = channel.ChannelTitle,
                ["description"] = "",
                ["publishedAt"] = Time(channel.Videos.Count > 0 ? channel.Videos.Min(v => v.PublishedAt) : new DateTimeOffset(2015, 1, 1, 0, 0, 0, TimeSpan.Zero)),
            };
        }
        if (parts.Contains("contentDetails"))
        {
            o["contentDetails"] = new JsonObject
            {
                ["relatedPlaylists"] = new JsonObject { ["likes"] = "LL", ["uploads"] = UploadsPlaylistId },
            };
        }
        if (parts.Contains("statistics"))
        {
            o["statistics"] = new JsonObject
            {
                ["viewCount"] = "0",
                ["subscriberCount"] = "0",
                ["hiddenSubscriberCount"] = false,
                ["videoCount"] = channel.Videos.Count.ToString(CultureInfo.InvariantCulture),
            };
        }
        if (parts.Contains("status")) { o["status"] = new JsonObject { ["privacyStatus"] = "public", ["isLinked"] = true, ["longUploadsStatus"] = "allowed" }; }
        return o;
    }

    // mine=true is the authorised channel; id= lists it when the id is the sandbox channel's (other channels are absent).
    private Task ListChannelsAsync(HttpContext context) => ListAsync(context, new ListMethod<SandboxStateData>(
        "youtube#channelListResponse",
        Parts: ChannelParts,
        Filters: ["mine", "id", "forHandle"],
        Select: (filter, query) => filter switch
        {
            "mine" => query["mine"] == "true" ? [_state] : throw new ApiError(400, "invalidValue", "mine must be true.", "mine"),
            "id" => WithIds([_state], query, c => c.ChannelId),
            _ => [],
        },
        Render: RenderChannel));

    private async Task InsertPlaylistItemAsync(HttpContext context)
    {
        Parts(context, PlaylistItemParts);
        var body = await BodyAsync(context).ConfigureAwait(false);
        var playlistId = Str(body["snippet"], "playlistId") ?? throw new ApiError(400, "playlistIdRequired", "snippet.playlistId is required.", "snippet.playlistId");
        var videoId = Str(body["snippet"]?["resourceId"], "videoId") ?? throw new ApiError(400, "invalidResourceType", "snippet.resourceId.videoId is required.", "snippet.resourceId");
        await ChangeAsync(context, () =>
        {
            RequirePlaylist(playlistId, "snippet.playlistId");
            if (_state.Videos.All(v => v.Id != videoId)) { throw new ApiError(404, "videoNotFound", $"Video not found: '{videoId}'.", "snippet.resourceId.videoId"); }
            var item = new SandboxPlaylistItem
            {
                Id = SandboxIds.New(32),
                PlaylistId = playlistId,
                VideoId = videoId,
                Position = _state.PlaylistItems.Count(p => p.PlaylistId == playlistId),
                PublishedAt = Now,
            };
            _state.PlaylistItems.Add(item);
            return RenderPlaylistItem(item);
        }).ConfigureAwait(false);
    }
}

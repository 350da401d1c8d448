using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace RawkodeAutomation.GitHub.Sandbox;

/// <summary>A push as GitHub reports it.</summary>
/// <param name="Repository"><c>owner/name</c>.</param>
/// <param name="Branch">Branch name (without <c>refs/heads/</c>).</param>
/// <param name="Before">Previous head (40 zeros for a new branch).</param>
/// <param name="After">New head.</param>
/// <param name="Forced">True for a force-push.</param>
/// <param name="PushedAt">When the push happened (GitHub sends it as <c>repository.pushed_at</c>); null means now.</param>
public sealed record SandboxPush(string Repository, string Branch, string Before, string After, bool Forced = false, DateTimeOffset? PushedAt = null);

/// <summary>One delivery attempt and GitHub's view of its answer.</summary>
public sealed record WebhookDelivery(string DeliveryId, int StatusCode, string Body, TimeSpan Elapsed);

/// <summary>
/// Sends webhook deliveries the way GitHub does: JSON body, <c>X-GitHub-Event</c>, <c>X-GitHub-Delivery</c> (a GUID that a
/// redelivery keeps), <c>X-Hub-Signature-256</c> = <c>sha256=</c> HMAC-SHA256 hex of the body under the secret
/// (<see href="https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers"/>).
/// </summary>
public sealed class GitHubWebhookSender(HttpClient http, Uri endpoint, string secret)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The signature header value for a body under a secret.</summary>
    public static string Sign(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>Builds a push payload (the fields Octokit.Webhooks requires, plus the ones GitHub always sends).</summary>
    public static byte[] PushPayload(SandboxPush push, SandboxRepository? repository = null)
    {
        var parts = push.Repository.Split('/');
        var pushedAt = push.PushedAt ?? DateTimeOffset.UtcNow;
        var commits = new List<object>();
        if (repository?.GetCommit(push.After) is { } head)
        {
            commits.Add(CommitJson(push.Repository, head));
        }

        var isNew = push.Before.All(c => c == '0');
        var isDeleted = push.After.All(c => c == '0');
        var payload = new Dictionary<string, object?>
        {
            ["ref"] = "refs/heads/" + push.Branch,
            ["before"] = push.Before,
            ["after"] = push.After,
            ["created"] = isNew,
            ["deleted"] = isDeleted,
            ["forced"] = push.Forced,
            ["base_ref"] = null,
            ["compare"] = $"https://github.com/{push.Repository}/compare/{push.Before[..12]}...{push.After[..12]}",
            ["commits"] = commits,
            ["head_commit"] = commits.FirstOrDefault(),
            ["repository"] = new Dictionary<string, object?>
            {
                ["id"] = 1,
                ["node_id"] = "R_1",
                ["name"] = parts[1],
                ["full_name"] = push.Repository,
                ["private"] = false,
                ["owner"] = User(parts[0]),
                ["html_url"] = $"https://github.com/{push.Repository}",
                ["url"] = $"https://github.com/{push.Repository}",
                ["fork"] = false,
                ["web_commit_signoff_required"] = false,
                // GitHub sends these two as Unix seconds in push events.
                ["created_at"] = pushedAt.AddYears(-1).ToUnixTimeSeconds(),
                ["pushed_at"] = pushedAt.ToUnixTimeSeconds(),
                ["updated_at"] = pushedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
                ["default_branch"] = "main",
                ["master_branch"] = "main",
            },
            ["pusher"] = new { Name = "human", Email = "human@example.com" },
            ["sender"] = User("human"),
        };
        return JsonSerializer.SerializeToUtf8Bytes(payload, Json);
    }

    /// <summary>Builds a ping payload (sent by GitHub when a hook is created).</summary>
    public static byte[] PingPayload(string repository)
    {
        var now = DateTimeOffset.UtcNow.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        var payload = new Dictionary<string, object?>
        {
            ["zen"] = "Keep it logically awesome.",
            ["hook_id"] = 1,
            ["hook"] = new Dictionary<string, object?>
            {
                ["type"] = "Repository",
                ["id"] = 1,
                ["name"] = "web",
                ["active"] = true,
                ["events"] = new[] { "push" },
                ["config"] = new Dictionary<string, object?> { ["content_type"] = "json", ["insecure_ssl"] = "0", ["url"] = "http://127.0.0.1/webhooks/github" },
                ["updated_at"] = now,
                ["created_at"] = now,
                ["url"] = $"https://api.github.com/repos/{repository}/hooks/1",
                ["test_url"] = $"https://api.github.com/repos/{repository}/hooks/1/test",
                ["ping_url"] = $"https://api.github.com/repos/{repository}/hooks/1/pings",
                ["deliveries_url"] = $"https://api.github.com/repos/{repository}/hooks/1/deliveries",
            },
            ["sender"] = User("human"),
        };
        return JsonSerializer.SerializeToUtf8Bytes(payload, Json);
    }

    /// <summary>Delivers a push, signed; returns the delivery (its id is reused by <see cref="SendAsync"/> for redelivery).</summary>
    public Task<WebhookDelivery> SendPushAsync(SandboxPush push, SandboxRepository? repository = null, string? deliveryId = null, CancellationToken cancellationToken = default) =>
        SendAsync("push", PushPayload(push, repository), deliveryId, cancellationToken: cancellationToken);

    /// <summary>
    /// Delivers <paramref name="body"/> as event <paramref name="eventName"/>. <paramref name="signature"/> overrides the
    /// computed signature (an empty string sends none), for testing forged and missing signatures.
    /// </summary>
    public async Task<WebhookDelivery> SendAsync(string eventName, byte[] body, string? deliveryId = null, string? signature = null,
        CancellationToken cancellationToken = default)
    {
        deliveryId ??= Guid.NewGuid().ToString();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.UserAgent.ParseAdd("GitHub-Hookshot/sandbox");
        request.Headers.Add("X-GitHub-Event", eventName);
        request.Headers.Add("X-GitHub-Delivery", deliveryId);
        request.Headers.Add("X-GitHub-Hook-ID", "1");
        var sig = signature ?? Sign(secret, body);
        if (sig.Length > 0)
        {
            request.Headers.Add("X-Hub-Signature-256", sig);
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return new WebhookDelivery(deliveryId, (int)response.StatusCode, text.Trim(), System.Diagnostics.Stopwatch.GetElapsedTime(started));
    }

    private static Dictionary<string, object?> User(string login) => new()
    {
        ["login"] = login,
        ["id"] = 1,
        ["node_id"] = "U_" + login,
        ["avatar_url"] = $"https://avatars.githubusercontent.com/{login}",
        ["url"] = $"https://api.github.com/users/{login}",
        ["html_url"] = $"https://github.com/{login}",
        ["type"] = "User",
        ["site_admin"] = false,
    };

    private static Dictionary<string, object?> CommitJson(string repository, GitCommitObject commit) => new Dictionary<string, object?>
    {
        ["id"] = commit.Sha,
        ["tree_id"] = commit.TreeSha,
        ["distinct"] = true,
        ["message"] = commit.Message,
        ["timestamp"] = commit.Committer.Date.ToString("yyyy-MM-ddTHH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture),
        ["url"] = $"https://github.com/{repository}/commit/{commit.Sha}",
        ["author"] = new { commit.Author.Name, commit.Author.Email },
        ["committer"] = new { commit.Committer.Name, commit.Committer.Email },
        ["added"] = Array.Empty<string>(),
        ["removed"] = Array.Empty<string>(),
        ["modified"] = Array.Empty<string>(),
    };
}

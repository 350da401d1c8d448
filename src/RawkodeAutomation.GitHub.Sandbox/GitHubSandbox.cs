using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace RawkodeAutomation.GitHub.Sandbox;

/// <summary>Settings of a <see cref="GitHubSandbox"/>.</summary>
public sealed class GitHubSandboxOptions
{
    /// <summary>Loopback port; 0 picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>The token clients must send (<c>Authorization: Token ...</c> or <c>Bearer ...</c>). Null disables auth.</summary>
    public string? Token { get; set; } = "sandbox-token";

    /// <summary>Login reported as the author of comments and statuses.</summary>
    public string Login { get; set; } = "rawkode-automation";

    /// <summary>Clock for commits, statuses and comments.</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;
}

/// <summary>
/// A loopback stand-in for the GitHub REST API, enough of it for this project's Octokit calls, served under
/// <c>/api/v3/</c> (where Octokit sends requests for a non-github.com base address): the repository and its branches; git
/// commits, trees, blobs and refs;
/// repository commits and compare; contents read, create and update (compare-and-swap on the blob sha → 409); commit
/// statuses; commit comments; issue comments (create, update, list). Request bodies are parsed as JSON whatever their
/// Content-Type, because Octokit sends JSON labelled as a form. Faults can be injected via <see cref="Faults"/>.
/// </summary>
public sealed class GitHubSandbox : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly WebApplication _app;
    private readonly GitHubSandboxOptions _options;
    private readonly ConcurrentDictionary<string, SandboxRepository> _repositories = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<string> _requests = new();

    private GitHubSandbox(WebApplication app, GitHubSandboxOptions options)
    {
        _app = app;
        _options = options;
    }

    /// <summary>Base address to give Octokit (<c>GitHub:ApiBaseUri</c>), e.g. <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The token clients must send.</summary>
    public string? Token => _options.Token;

    /// <summary>Fault injection.</summary>
    public SandboxFaults Faults { get; } = new();

    /// <summary>Push webhooks of hooked repositories.</summary>
    public SandboxWebhooks Webhooks { get; } = new();

    /// <summary>"METHOD /path → status" of every request served, oldest first.</summary>
    public IReadOnlyCollection<string> Requests => _requests;

    /// <summary>Starts the sandbox on 127.0.0.1.</summary>
    public static async Task<GitHubSandbox> StartAsync(GitHubSandboxOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new GitHubSandboxOptions();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, options.Port));
        var app = builder.Build();
        var sandbox = new GitHubSandbox(app, options);
        app.Use(sandbox.MiddlewareAsync);
        sandbox.MapRoutes(app.MapGroup("/api/v3/repos/{owner}/{repo}"));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        sandbox.BaseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
        return sandbox;
    }

    /// <summary>Creates (or returns) a repository.</summary>
    public SandboxRepository CreateRepository(string fullName, string defaultBranch = "main")
    {
        var parts = fullName.Split('/');
        if (parts.Length != 2)
        {
            throw new ArgumentException($"Repository must be 'owner/name', got '{fullName}'.", nameof(fullName));
        }

        return _repositories.GetOrAdd(fullName, _ => new SandboxRepository(parts[0], parts[1], defaultBranch, _options.Time));
    }

    /// <summary>The repository, or null.</summary>
    public SandboxRepository? Repository(string fullName) => _repositories.GetValueOrDefault(fullName);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Webhooks.DisposeAsync().ConfigureAwait(false);
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private async Task MiddlewareAsync(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path.Value ?? "";
        try
        {
            if (_options.Token is { } token && !Authorized(context.Request.Headers.Authorization.ToString(), token))
            {
                await ErrorAsync(context, 401, "Requires authentication").ConfigureAwait(false);
                return;
            }

            if (Faults.Take(context.Request.Method, path) is { } fault)
            {
                if (fault.Latency > TimeSpan.Zero)
                {
                    await Task.Delay(fault.Latency, context.RequestAborted).ConfigureAwait(false);
                }

                if (fault.StatusCode != 0)
                {
                    await ErrorAsync(context, fault.StatusCode, "Injected fault").ConfigureAwait(false);
                    return;
                }
            }

            await next(context).ConfigureAwait(false);
        }
        finally
        {
            _requests.Enqueue($"{context.Request.Method} {path} → {context.Response.StatusCode}");
        }
    }

    private static bool Authorized(string header, string token)
    {
        var space = header.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0)
        {
            return false;
        }

        var scheme = header[..space];
        return (scheme.Equals("token", StringComparison.OrdinalIgnoreCase) || scheme.Equals("bearer", StringComparison.OrdinalIgnoreCase))
            && header[(space + 1)..].Trim() == token;
    }

    private void MapRoutes(RouteGroupBuilder repo)
    {
        // The repository and its branches: what `rawkode up` checks before it starts in GitHub mode.
        repo.MapGet("", (HttpContext c, string owner, string repo) => WithRepo(c, owner, repo, r => Ok(c, new
        {
            Id = Math.Abs(r.FullName.GetHashCode(StringComparison.Ordinal)),
            NodeId = "R_" + r.FullName,
            r.Name,
            r.FullName,
            Owner = new { Login = r.Owner, Type = "Organization" },
            Private = true,
            HtmlUrl = HtmlUrl(c, r, "").TrimEnd('/'),
            Url = ApiUrl(c, r, "").TrimEnd('/'),
            r.DefaultBranch,
        })));
        repo.MapGet("/branches/{**branch}", (HttpContext c, string owner, string repo, string branch) => WithRepo(c, owner, repo, r =>
            r.Head(branch) is { } sha
                ? Ok(c, new { Name = branch, Commit = new { Sha = sha, Url = ApiUrl(c, r, $"commits/{sha}") }, Protected = false })
                : Error(c, 404, "Branch not found")));

        repo.MapGet("/git/commits/{sha}", (HttpContext c, string owner, string repo, string sha) =>
            WithRepo(c, owner, repo, r => r.GetCommit(sha) is { } commit ? Ok(c, GitCommitJson(c, r, commit)) : Error(c, 404, "Not Found")));

        repo.MapGet("/git/trees/{sha}", (HttpContext c, string owner, string repo, string sha) => WithRepo(c, owner, repo, r =>
        {
            var recursive = c.Request.Query.ContainsKey("recursive");
            if (r.GetTree(sha, recursive) is not { } tree)
            {
                return Error(c, 404, "Not Found");
            }

            return Ok(c, new
            {
                Sha = tree.TreeSha,
                Url = ApiUrl(c, r, $"git/trees/{tree.TreeSha}"),
                Tree = tree.Entries.Select(e =>
                {
                    var item = new Dictionary<string, object?>
                    {
                        ["path"] = e.Path,
                        ["mode"] = e.Entry.Mode == "40000" ? "040000" : e.Entry.Mode,
                        ["type"] = e.Entry.Type,
                        ["sha"] = e.Entry.Sha,
                        ["url"] = ApiUrl(c, r, $"git/{e.Entry.Type}s/{e.Entry.Sha}"),
                    };
                    if (e.Entry.Type == "blob")
                    {
                        // Like GitHub: only blobs have a size (and Octokit cannot take a null one).
                        item["size"] = r.BlobSize(e.Entry.Sha);
                    }

                    return item;
                }),
                Truncated = false,
            });
        }));

        repo.MapGet("/git/blobs/{sha}", (HttpContext c, string owner, string repo, string sha) => WithRepo(c, owner, repo, r =>
            r.GetBlob(sha) is { } blob
                ? Ok(c, new { Sha = sha, NodeId = "B_" + sha, Size = blob.Length, Url = ApiUrl(c, r, $"git/blobs/{sha}"), Content = Base64Lines(blob), Encoding = "base64" })
                : Error(c, 404, "Not Found")));

        repo.MapGet("/git/ref/{**name}", (HttpContext c, string owner, string repo, string name) => WithRepo(c, owner, repo, r => RefJson(c, r, name)));
        repo.MapGet("/git/refs/{**name}", (HttpContext c, string owner, string repo, string name) => WithRepo(c, owner, repo, r => RefJson(c, r, name)));
        repo.MapPatch("/git/refs/{**name}", (HttpContext c, string owner, string repo, string name) => WithRepoBody(c, owner, repo, (r, body) =>
        {
            var branch = BranchOf(name);
            var sha = body.Str("sha");
            if (branch is null || sha is null || r.GetCommit(sha) is null)
            {
                return Error(c, 422, "Reference update failed");
            }

            try
            {
                r.SetBranch(branch, sha, body.Bool("force"));
            }
            catch (InvalidOperationException)
            {
                return Error(c, 422, "Update is not a fast forward");
            }

            return RefJson(c, r, name);
        }));
        repo.MapPost("/git/refs", (HttpContext c, string owner, string repo) => WithRepoBody(c, owner, repo, (r, body) =>
        {
            var name = body.Str("ref");
            var sha = body.Str("sha");
            var branch = name is null ? null : BranchOf(name.StartsWith("refs/", StringComparison.Ordinal) ? name[5..] : name);
            if (branch is null || sha is null || r.GetCommit(sha) is null)
            {
                return Error(c, 422, "Reference update failed");
            }

            if (r.Head(branch) is not null)
            {
                return Error(c, 422, "Reference already exists");
            }

            r.SetBranch(branch, sha, force: true);
            c.Response.StatusCode = 201;
            return RefJson(c, r, "heads/" + branch);
        }));

        repo.MapGet("/commits/{reference}", (HttpContext c, string owner, string repo, string reference) => WithRepo(c, owner, repo, r =>
            r.ResolveCommit(reference) is { } sha ? Ok(c, RepoCommitJson(c, r, r.GetCommit(sha)!)) : Error(c, 404, $"No commit found for SHA: {reference}")));

        repo.MapGet("/compare/{basehead}", (HttpContext c, string owner, string repo, string basehead) => WithRepo(c, owner, repo, r =>
        {
            var parts = basehead.Split("...");
            if (parts.Length != 2 || r.ResolveCommit(parts[0]) is not { } @base || r.ResolveCommit(parts[1]) is not { } head)
            {
                return Error(c, 404, "Not Found");
            }

            // Like GitHub: a three-dot comparison, i.e. from the merge base to head.
            var mergeBase = r.MergeBase(@base, head);
            var before = mergeBase is null ? new Dictionary<string, string>() : r.FileShas(mergeBase);
            var after = r.FileShas(head);
            var files = new List<object>();
            foreach (var (path, sha) in after.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                if (!before.TryGetValue(path, out var old))
                {
                    files.Add(new { Filename = path, Status = "added", Sha = sha });
                }
                else if (old != sha)
                {
                    files.Add(new { Filename = path, Status = "modified", Sha = sha });
                }
            }

            files.AddRange(before.Keys.Where(p => !after.ContainsKey(p)).Order(StringComparer.Ordinal).Select(p => new { Filename = p, Status = "removed", Sha = before[p] }));
            var ahead = r.CommitsBetween(@base, head);
            var behind = r.CommitsBetween(head, @base);
            return Ok(c, new
            {
                Url = ApiUrl(c, r, $"compare/{basehead}"),
                Status = ahead.Count == 0 && behind.Count == 0 ? "identical" : behind.Count == 0 ? "ahead" : ahead.Count == 0 ? "behind" : "diverged",
                AheadBy = ahead.Count,
                BehindBy = behind.Count,
                TotalCommits = ahead.Count,
                BaseCommit = RepoCommitJson(c, r, r.GetCommit(@base)!),
                MergeBaseCommit = mergeBase is null ? null : RepoCommitJson(c, r, r.GetCommit(mergeBase)!),
                Commits = ahead.Select(x => RepoCommitJson(c, r, x)),
                Files = files,
            });
        }));

        repo.MapGet("/contents/{**path}", (HttpContext c, string owner, string repo, string path) => WithRepo(c, owner, repo, r =>
        {
            var reference = c.Request.Query["ref"].ToString();
            if (r.ResolveCommit(reference.Length == 0 ? r.DefaultBranch : reference) is not { } commit)
            {
                return Error(c, 404, $"No commit found for the ref {reference}");
            }

            var files = r.FileShas(commit);
            if (files.TryGetValue(path, out var blob))
            {
                return Ok(c, ContentJson(c, r, path, blob, withContent: true));
            }

            var prefix = path.TrimEnd('/') + "/";
            var children = files.Keys.Where(p => p.StartsWith(prefix, StringComparison.Ordinal))
                .Select(p => p[prefix.Length..].Split('/')[0]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (children.Count == 0)
            {
                return Error(c, 404, "Not Found");
            }

            return Ok(c, children.Select(name => files.TryGetValue(prefix + name, out var b)
                ? ContentJson(c, r, prefix + name, b, withContent: false)
                : new Dictionary<string, object?> { ["type"] = "dir", ["name"] = name, ["path"] = prefix + name, ["sha"] = "", ["size"] = 0 }));
        }));

        repo.MapPut("/contents/{**path}", (HttpContext c, string owner, string repo, string path) => WithRepoBody(c, owner, repo, (r, body) =>
        {
            var message = body.Str("message");
            var content = body.Str("content");
            if (message is null || content is null)
            {
                return Error(c, 422, "Invalid request.\n\n\"message\" and \"content\" are required.");
            }

            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(content);
            }
            catch (FormatException)
            {
                return Error(c, 422, "content is not valid Base64");
            }

            var who = body.Obj("committer") ?? body.Obj("author");
            var signature = who is null ? new GitSignature(_options.Login, $"{_options.Login}@users.noreply.github.com", DateTimeOffset.UtcNow)
                : new GitSignature(who.Value.Str("name") ?? _options.Login, who.Value.Str("email") ?? "", DateTimeOffset.UtcNow);
            var (commit, blob, status, error) = r.PutContent(body.Str("branch") ?? r.DefaultBranch, path, bytes, body.Str("sha"), message, signature);
            if (commit is null)
            {
                return Error(c, status, error!);
            }

            c.Response.StatusCode = body.Str("sha") is null ? 201 : 200;
            return Ok(c, new Dictionary<string, object?>
            {
                ["content"] = ContentJson(c, r, path, blob!, withContent: false),
                ["commit"] = GitCommitJson(c, r, commit),
            }, c.Response.StatusCode);
        }));

        repo.MapPost("/statuses/{sha}", (HttpContext c, string owner, string repo, string sha) => WithRepoBody(c, owner, repo, (r, body) =>
        {
            var state = body.Str("state");
            var description = body.Str("description");
            if (r.GetCommit(sha) is null)
            {
                return Error(c, 422, $"No commit found for SHA: {sha}");
            }

            if (state is not ("error" or "failure" or "pending" or "success"))
            {
                return Error(c, 422, "Validation Failed: state must be one of error, failure, pending, success");
            }

            if (description is { Length: > 140 })
            {
                return Error(c, 422, "Validation Failed: description is too long (maximum is 140 characters)");
            }

            var status = r.AddStatus(sha, state, description, body.Str("target_url"), body.Str("context") ?? "default");
            return Ok(c, StatusJson(c, r, status), 201);
        }));

        repo.MapGet("/commits/{reference}/statuses", (HttpContext c, string owner, string repo, string reference) => WithRepo(c, owner, repo, r =>
            r.ResolveCommit(reference) is { } sha ? Ok(c, r.Statuses(sha).Reverse().Select(s => StatusJson(c, r, s))) : Error(c, 404, "Not Found")));

        repo.MapGet("/commits/{reference}/status", (HttpContext c, string owner, string repo, string reference) => WithRepo(c, owner, repo, r =>
        {
            if (r.ResolveCommit(reference) is not { } sha)
            {
                return Error(c, 404, "Not Found");
            }

            var latest = r.Statuses(sha).GroupBy(s => s.Context).Select(g => g.Last()).ToList();
            var state = latest.Count == 0 ? "pending"
                : latest.Any(s => s.State is "error" or "failure") ? "failure"
                : latest.All(s => s.State == "success") ? "success" : "pending";
            return Ok(c, new { State = state, Sha = sha, TotalCount = latest.Count, Statuses = latest.Select(s => StatusJson(c, r, s)) });
        }));

        repo.MapPost("/commits/{sha}/comments", (HttpContext c, string owner, string repo, string sha) => WithRepoBody(c, owner, repo, (r, body) =>
        {
            if (r.GetCommit(sha) is null)
            {
                return Error(c, 422, $"No commit found for SHA: {sha}");
            }

            var text = body.Str("body");
            return text is null ? Error(c, 422, "body is required") : Ok(c, CommentJson(c, r, r.AddCommitComment(sha, text, _options.Login), $"commits/{sha}"), 201);
        }));
        repo.MapGet("/commits/{sha}/comments", (HttpContext c, string owner, string repo, string sha) => WithRepo(c, owner, repo, r =>
            Ok(c, r.CommitComments(sha).Select(x => CommentJson(c, r, x, $"commits/{sha}")))));

        repo.MapGet("/issues/{number:int}/comments", (HttpContext c, string owner, string repo, int number) => WithRepo(c, owner, repo, r =>
            Ok(c, r.IssueComments(number).Select(x => CommentJson(c, r, x, $"issues/{number}")))));
        repo.MapPost("/issues/{number:int}/comments", (HttpContext c, string owner, string repo, int number) => WithRepoBody(c, owner, repo, (r, body) =>
        {
            var text = body.Str("body");
            return text is null ? Error(c, 422, "body is required") : Ok(c, CommentJson(c, r, r.AddIssueComment(number, text, _options.Login), $"issues/{number}"), 201);
        }));
        repo.MapPatch("/issues/comments/{id:long}", (HttpContext c, string owner, string repo, long id) => WithRepoBody(c, owner, repo, (r, body) =>
        {
            var text = body.Str("body");
            if (text is null)
            {
                return Error(c, 422, "body is required");
            }

            return r.UpdateIssueComment(id, text) is { } updated ? Ok(c, CommentJson(c, r, updated, $"issues/{updated.Target}")) : Error(c, 404, "Not Found");
        }));
    }

    // ---- helpers ----

    private Task WithRepo(HttpContext c, string owner, string repo, Func<SandboxRepository, Task> handle) =>
        Repository($"{owner}/{repo}") is { } r ? handle(r) : Error(c, 404, "Not Found");

    private async Task WithRepoBody(HttpContext c, string owner, string repo, Func<SandboxRepository, JsonElement, Task> handle)
    {
        if (Repository($"{owner}/{repo}") is not { } r)
        {
            await Error(c, 404, "Not Found").ConfigureAwait(false);
            return;
        }

        JsonElement body;
        try
        {
            // Parsed whatever the Content-Type says: Octokit labels its JSON bodies as a form.
            using var document = await JsonDocument.ParseAsync(c.Request.Body, cancellationToken: c.RequestAborted).ConfigureAwait(false);
            body = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            await Error(c, 400, "Problems parsing JSON").ConfigureAwait(false);
            return;
        }

        if (body.ValueKind != JsonValueKind.Object)
        {
            await Error(c, 400, "Problems parsing JSON").ConfigureAwait(false);
            return;
        }

        await handle(r, body).ConfigureAwait(false);
    }

    private static string? BranchOf(string name) =>
        name.StartsWith("heads/", StringComparison.Ordinal) ? name["heads/".Length..] : null;

    private static Task RefJson(HttpContext c, SandboxRepository r, string name)
    {
        var branch = BranchOf(name);
        if (branch is null || r.Head(branch) is not { } sha)
        {
            return Error(c, 404, "Not Found");
        }

        return Ok(c, new
        {
            Ref = "refs/heads/" + branch,
            NodeId = "REF_" + branch,
            Url = ApiUrl(c, r, $"git/refs/heads/{branch}"),
            Object = new { Type = "commit", Sha = sha, Url = ApiUrl(c, r, $"git/commits/{sha}") },
        }, c.Response.StatusCode == 201 ? 201 : 200);
    }

    private static object GitCommitJson(HttpContext c, SandboxRepository r, GitCommitObject commit) => new
    {
        commit.Sha,
        NodeId = "C_" + commit.Sha,
        Url = ApiUrl(c, r, $"git/commits/{commit.Sha}"),
        HtmlUrl = HtmlUrl(c, r, $"commit/{commit.Sha}"),
        Author = SignatureJson(commit.Author),
        Committer = SignatureJson(commit.Committer),
        commit.Message,
        Tree = new { Sha = commit.TreeSha, Url = ApiUrl(c, r, $"git/trees/{commit.TreeSha}") },
        Parents = commit.Parents.Select(p => new { Sha = p, Url = ApiUrl(c, r, $"git/commits/{p}"), HtmlUrl = HtmlUrl(c, r, $"commit/{p}") }),
    };

    private static object RepoCommitJson(HttpContext c, SandboxRepository r, GitCommitObject commit) => new
    {
        commit.Sha,
        NodeId = "C_" + commit.Sha,
        Url = ApiUrl(c, r, $"commits/{commit.Sha}"),
        HtmlUrl = HtmlUrl(c, r, $"commit/{commit.Sha}"),
        Commit = new
        {
            Url = ApiUrl(c, r, $"git/commits/{commit.Sha}"),
            Author = SignatureJson(commit.Author),
            Committer = SignatureJson(commit.Committer),
            commit.Message,
            Tree = new { Sha = commit.TreeSha, Url = ApiUrl(c, r, $"git/trees/{commit.TreeSha}") },
        },
        Parents = commit.Parents.Select(p => new { Sha = p, Url = ApiUrl(c, r, $"commits/{p}") }),
    };

    private static object SignatureJson(GitSignature s) => new { s.Name, s.Email, Date = s.Date.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) };

    private static Dictionary<string, object?> ContentJson(HttpContext c, SandboxRepository r, string path, string blob, bool withContent)
    {
        var self = ApiUrl(c, r, $"contents/{path}");
        var json = new Dictionary<string, object?>
        {
            ["type"] = "file",
            ["name"] = path.Split('/')[^1],
            ["path"] = path,
            ["sha"] = blob,
            ["size"] = r.BlobSize(blob),
            ["url"] = self,
            ["git_url"] = ApiUrl(c, r, $"git/blobs/{blob}"),
            ["html_url"] = HtmlUrl(c, r, $"blob/{r.DefaultBranch}/{path}"),
            ["download_url"] = HtmlUrl(c, r, $"raw/{r.DefaultBranch}/{path}"),
            ["_links"] = new Dictionary<string, string> { ["self"] = self, ["git"] = ApiUrl(c, r, $"git/blobs/{blob}"), ["html"] = HtmlUrl(c, r, $"blob/{r.DefaultBranch}/{path}") },
        };
        if (withContent)
        {
            json["encoding"] = "base64";
            json["content"] = Base64Lines(r.GetBlob(blob)!);
        }

        return json;
    }

    private object StatusJson(HttpContext c, SandboxRepository r, SandboxStatus s) => new
    {
        s.Id,
        NodeId = "S_" + s.Id.ToString(CultureInfo.InvariantCulture),
        Url = ApiUrl(c, r, $"statuses/{s.Sha}"),
        s.State,
        s.Description,
        s.TargetUrl,
        s.Context,
        CreatedAt = Iso(s.CreatedAt),
        UpdatedAt = Iso(s.CreatedAt),
        Creator = UserJson(c),
    };

    private object CommentJson(HttpContext c, SandboxRepository r, SandboxComment x, string parent) => new
    {
        x.Id,
        NodeId = "IC_" + x.Id.ToString(CultureInfo.InvariantCulture),
        Url = ApiUrl(c, r, parent.StartsWith("issues", StringComparison.Ordinal) ? $"issues/comments/{x.Id}" : $"comments/{x.Id}"),
        HtmlUrl = HtmlUrl(c, r, $"{parent}#comment-{x.Id}"),
        x.Body,
        User = UserJson(c),
        CommitId = parent.StartsWith("commits/", StringComparison.Ordinal) ? x.Target : null,
        CreatedAt = Iso(x.CreatedAt),
        UpdatedAt = Iso(x.UpdatedAt),
        AuthorAssociation = "OWNER",
    };

    private object UserJson(HttpContext c) => new
    {
        _options.Login,
        Id = 1,
        NodeId = "U_1",
        Type = "User",
        SiteAdmin = false,
        AvatarUrl = $"{c.Request.Scheme}://{c.Request.Host}/avatars/{_options.Login}",
        Url = $"{c.Request.Scheme}://{c.Request.Host}/api/v3/users/{_options.Login}",
        HtmlUrl = $"{c.Request.Scheme}://{c.Request.Host}/{_options.Login}",
    };

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static string ApiUrl(HttpContext c, SandboxRepository r, string rest) => $"{c.Request.Scheme}://{c.Request.Host}/api/v3/repos/{r.FullName}/{rest}";

    private static string HtmlUrl(HttpContext c, SandboxRepository r, string rest) => $"{c.Request.Scheme}://{c.Request.Host}/{r.FullName}/{rest}";

    /// <summary>Base64 wrapped at 60 characters, as GitHub sends it.</summary>
    private static string Base64Lines(byte[] content)
    {
        var text = Convert.ToBase64String(content);
        var lines = new StringBuilder();
        for (var i = 0; i < text.Length; i += 60)
        {
            lines.Append(text.AsSpan(i, Math.Min(60, text.Length - i))).Append('\n');
        }

        return lines.ToString();
    }

    private static Task Ok(HttpContext c, object body, int status = 200)
    {
        c.Response.StatusCode = status;
        c.Response.ContentType = "application/json; charset=utf-8";
        return c.Response.WriteAsync(JsonSerializer.Serialize(body, Json), c.RequestAborted);
    }

    private static Task Error(HttpContext c, int status, string message) => ErrorAsync(c, status, message);

    private static Task ErrorAsync(HttpContext c, int status, string message)
    {
        c.Response.StatusCode = status;
        c.Response.ContentType = "application/json; charset=utf-8";
        return c.Response.WriteAsync(
            JsonSerializer.Serialize(new { Message = message, DocumentationUrl = "https://docs.github.com/rest" }, Json), c.RequestAborted);
    }
}

/// <summary>Small readers for JSON request bodies.</summary>
internal static class JsonBody
{
    public static string? Str(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static bool Bool(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    public static JsonElement? Obj(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : null;
}

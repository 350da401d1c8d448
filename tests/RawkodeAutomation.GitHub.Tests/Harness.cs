using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using RawkodeAutomation.GitHub.Octokit;
using RawkodeAutomation.GitHub.Sandbox;
using RawkodeAutomation.GitHub.Webhooks;

namespace RawkodeAutomation.GitHub.Tests;

/// <summary>Valid and invalid episode trees for the scenarios.</summary>
internal static class Fixtures
{
    public const string Show = "episodes/shows/rawkode-live.yaml";
    public const string Host = "episodes/people/rawkode.yaml";
    public const string Episode = "episodes/rawkode-live/2026-12-01-hello-world.yaml";

    public static Dictionary<string, string?> ValidTree(string title = "Hello, World") => new()
    {
        [Show] = """
            name: Rawkode Live
            host: rawkode
            description: Live streams about cloud native technology.
            youtube:
              categoryId: 28
              streamKey: rawkode-live
            """,
        [Host] = """
            name: David Flanagan
            bio: Founder of the Rawkode Academy.
            github: rawkode
            """,
        [Episode] = EpisodeYaml(title),
        ["README.md"] = "# the channel\n",
    };

    public static string EpisodeYaml(string title) => $"""
        title: "{title}"
        scheduledFor: 2026-12-01T17:00:00Z
        duration: 60m
        visibility: public
        draft: false
        guests: []
        technologies: [kubernetes]
        summary: |
          A first episode.
        links: [https://github.com/rawkode]
        """;
}

/// <summary>
/// Stands in for the pipeline's sink (which starts <c>commit/&lt;sha&gt;</c>): records each observed commit, or throws
/// what <see cref="FailWith"/> says, so a test can assert right after the delivery returns.
/// </summary>
internal sealed class RecordingSink : ICommitSink
{
    public ConcurrentQueue<CommitObserved> Observed { get; } = new();

    public Func<CommitObserved, Exception?>? FailWith { get; set; }

    public Task CommitObservedAsync(CommitObserved commit, CancellationToken cancellationToken)
    {
        if (FailWith?.Invoke(commit) is { } error)
        {
            throw error;
        }

        Observed.Enqueue(commit);
        return Task.CompletedTask;
    }
}

/// <summary>Captures log lines so tests can check what is (and is not) logged.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
    }
}

/// <summary>The GitHub sandbox, a repository in it, the webhook endpoint wired to the real Octokit adapters, and a sender.</summary>
internal sealed class Harness : IAsyncDisposable
{
    public const string RepositoryName = "rawkode/channel";
    public const string Secret = "It's a secret to everybody.";

    private readonly HttpClient _http = new();

    private Harness(GitHubSandbox sandbox, GitHubOptions options)
    {
        Sandbox = sandbox;
        Options = options;
        Repo = sandbox.CreateRepository(RepositoryName);
        var client = GitHubClientFactory.Create(options);
        Source = new GitHubEpisodeSource(client, options);
        Reporter = new GitHubCommitStatusReporter(client, options);
        Writer = new GitHubEpisodeFileWriter(client, options);
    }

    public GitHubSandbox Sandbox { get; }

    public SandboxRepository Repo { get; }

    public GitHubOptions Options { get; }

    public GitHubEpisodeSource Source { get; }

    public GitHubCommitStatusReporter Reporter { get; }

    public GitHubEpisodeFileWriter Writer { get; }

    public RecordingSink Sink { get; } = new();

    public CapturingLoggerProvider Logs { get; } = new();

    public GitHubWebhookHost Host { get; private set; } = null!;

    public GitHubWebhookSender Sender { get; private set; } = null!;

    public static async Task<Harness> StartAsync(TimeProvider? time = null, Action<GitHubOptions>? configure = null)
    {
        var sandbox = await GitHubSandbox.StartAsync();
        var options = new GitHubOptions
        {
            Repository = RepositoryName,
            Branch = "main",
            Token = sandbox.Token,
            WebhookSecret = Secret,
            ApiBaseUri = sandbox.BaseAddress,
            RunUrlTemplate = "http://127.0.0.1:8787/commits/{sha}",
        };
        configure?.Invoke(options);
        var harness = new Harness(sandbox, options);
        harness.Host = await GitHubWebhookHost.StartAsync(options, harness.Sink, time: time, logging: l => l.AddProvider(harness.Logs));
        harness.Sender = new GitHubWebhookSender(harness._http, harness.Host.Endpoint, Secret);
        return harness;
    }

    /// <summary>Commits on main and returns (before, after).</summary>
    public (string Before, string After) Push(Dictionary<string, string?> changes, string message = "update episodes")
    {
        var before = Repo.Head("main") ?? GitShas.Zero;
        var after = Repo.Commit("main", message, changes);
        return (before, after);
    }

    public Task<WebhookDelivery> DeliverAsync(string before, string after, bool forced = false, string? deliveryId = null) =>
        Sender.SendPushAsync(MainPush(before, after, forced), Repo, deliveryId);

    /// <summary>The payload GitHub would send for a push to main, for tests that sign or tamper with it themselves.</summary>
    public byte[] PushBody(string before, string after) => GitHubWebhookSender.PushPayload(MainPush(before, after), Repo);

    private static SandboxPush MainPush(string before, string after, bool forced = false) => new(RepositoryName, "main", before, after, forced);

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Sandbox.DisposeAsync();
        _http.Dispose();
    }
}

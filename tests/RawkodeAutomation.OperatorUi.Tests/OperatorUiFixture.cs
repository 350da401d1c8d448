using Microsoft.Playwright;
using RawkodeAutomation.OperatorUi.Tests.Workflows;
using RawkodeAutomation.TemporalServer;
using Temporalio.Client;
using Temporalio.Worker;

namespace RawkodeAutomation.OperatorUi.Tests;

/// <summary>
/// The offline Temporal server in-process, a worker for the test workflows, the operator page on a free port
/// and (started on first use) headless Chromium, shared by the tests of the collection.
/// </summary>
public sealed class OperatorUiFixture : IAsyncLifetime
{
    public const string TaskQueue = "operator-ui-tests";

    /// <summary>A second namespace, to check the page switches namespaces on one connection.</summary>
    public const string OtherNamespace = "shows";

    private readonly CancellationTokenSource _stopWorker = new();
    private readonly SemaphoreSlim _browserLock = new(1, 1);
    private OfflineTemporalServer? _server;
    private TemporalWorker? _worker;
    private Task? _workerRun;
    private OperatorUiHost? _ui;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public ITemporalClient Client { get; private set; } = null!;

    public Uri UiUri => _ui?.Uri ?? throw new InvalidOperationException("not started");

    public string TemporalAddress => _server?.Address ?? throw new InvalidOperationException("not started");

    /// <summary>A client that does not follow redirects, so tests see the 302 of post/redirect/get.</summary>
    public HttpClient Http { get; } = new(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };

    public async Task InitializeAsync()
    {
        _server = await OfflineTemporalServer.StartNewAsync(new OfflineTemporalServerOptions { Namespaces = { OtherNamespace } });
        Client = await TemporalClient.ConnectAsync(new(_server.Address) { Namespace = "default" });
        _worker = new TemporalWorker(Client, new TemporalWorkerOptions(TaskQueue)
            .AddWorkflow<ApprovalWorkflow>()
            .AddWorkflow<RetryingWorkflow>()
            .AddWorkflow<FailingWorkflow>()
            .AddActivity(OperatorTestActivities.CallSandbox));
        _workerRun = _worker.ExecuteAsync(_stopWorker.Token);
        _ui = await OperatorUiHost.StartAsync(new OperatorUiOptions { TemporalAddress = _server.Address, Namespace = "default", Port = 0 });
        Http.BaseAddress = _ui.Uri;
    }

    /// <summary>Starts an <see cref="ApprovalWorkflow"/> with a fresh id (or the given one).</summary>
    public Task<WorkflowHandle<ApprovalWorkflow, string>> StartApprovalAsync(string? id = null, string note = "please review") =>
        Client.StartWorkflowAsync(
            (ApprovalWorkflow wf) => wf.RunAsync(new ApprovalRequest("klustered/2021-05-20-guy-templeton", note)),
            new WorkflowOptions(id ?? $"episode/klustered/{Guid.NewGuid():N}", TaskQueue));

    /// <summary>
    /// Terminates the workflows when disposed (<c>await using var cleanup = ...</c>), so a test leaves none running
    /// for the next test on the shared server, whether it passes or fails.
    /// </summary>
    public static IAsyncDisposable TerminateAtEnd(params WorkflowHandle[] handles) => new Terminator(handles);

    /// <summary>Headless Chromium, launched once; fails with what to install when it is missing.</summary>
    public async Task<IBrowser> BrowserAsync()
    {
        await _browserLock.WaitAsync();
        try
        {
            if (_browser is null)
            {
                var executable = Chromium.Find();
                _playwright = await Playwright.CreateAsync();
                _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
                {
                    ExecutablePath = executable,
                    Headless = true,
                    Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
                });
            }
            return _browser;
        }
        finally
        {
            _browserLock.Release();
        }
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
        if (_ui is not null)
        {
            await _ui.DisposeAsync();
        }
        await _stopWorker.CancelAsync();
        if (_workerRun is not null)
        {
            try
            {
                await _workerRun;
            }
            catch (OperationCanceledException)
            {
                // The worker stops by cancellation.
            }
        }
        _worker?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        Http.Dispose();
        _stopWorker.Dispose();
        _browserLock.Dispose();
    }

    private sealed class Terminator(WorkflowHandle[] handles) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var handle in handles)
            {
                await handle.TerminateAsync("test cleanup");
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class OperatorUiCollection : ICollectionFixture<OperatorUiFixture>
{
    public const string Name = "operator page";
}

/// <summary>Finds the Chromium the browser tests drive (Debian's <c>chromium</c> package).</summary>
public static class Chromium
{
    public const string PathVariable = "CHROMIUM_PATH";

    public static string Find() => Find(
        Environment.GetEnvironmentVariable(PathVariable),
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Append("/usr/bin"));

    /// <summary>Looks at <paramref name="configured"/> first, then for the usual names in <paramref name="directories"/>.</summary>
    public static string Find(string? configured, IEnumerable<string> directories)
    {
        if (configured is { Length: > 0 })
        {
            return File.Exists(configured)
                ? configured
                : throw new InvalidOperationException($"{PathVariable} is '{configured}', but no file is there.");
        }
        var names = new[] { "chromium", "chromium-browser", "google-chrome" };
        var searched = directories.ToList();
        foreach (var name in names)
        {
            foreach (var directory in searched)
            {
                var candidate = Path.Combine(directory, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        throw new InvalidOperationException(
            "Chromium is not installed, and the operator page's browser tests need it (they drive a real headless browser). " +
            "Install it with `sudo apt-get update && sudo apt-get install -y chromium` (Debian/Ubuntu), " +
            $"or set {PathVariable} to a Chromium or Chrome executable.");
    }
}

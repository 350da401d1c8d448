using System.Net;
using System.Net.Sockets;
using RawkodeAutomation.GitHub.Sandbox;

namespace RawkodeAutomation.Cli.Tests;

/// <summary>
/// <c>rawkode up</c> on broken state or configuration: exit code 2 and one message that says what to do, never a
/// stack trace, never minutes of silent retries.
/// </summary>
public sealed class StartupErrorTests
{
    [Fact]
    public async Task Up_RawkodeIsAFile_SaysToMoveItAway()
    {
        using var checkout = new TemporaryCheckout();
        File.WriteAllText(checkout.Combine(".rawkode"), "not a folder\n");

        var result = await Rawkode.RunAsync(checkout.Path, "up", "--once");

        result.AssertRefused(2, ".rawkode is a file", "mv .rawkode .rawkode.old");
    }

    [Fact]
    public async Task Up_CorruptTemporalDatabase_SaysItIsNotADatabaseAndHowToMoveItAside()
    {
        using var checkout = new TemporaryCheckout();
        Directory.CreateDirectory(checkout.Combine(".rawkode"));
        File.WriteAllBytes(checkout.Combine(".rawkode/temporal.db"), [.. Enumerable.Range(0, 8192).Select(i => (byte)(i * 31 % 251))]);

        var result = await Rawkode.RunAsync(checkout.Path, "up", "--once");

        result.AssertRefused(2, ".rawkode/temporal.db is not a SQLite database", "mv .rawkode/temporal.db .rawkode/temporal.db.bad");
    }

    [Fact]
    public async Task Up_TemporalDatabaseCannotBeOpened_SaysSo()
    {
        using var checkout = new TemporaryCheckout();
        // A folder where the database file should be: cannot be opened, whoever runs the test (root reads anything).
        Directory.CreateDirectory(checkout.Combine(".rawkode/temporal.db"));

        var result = await Rawkode.RunAsync(checkout.Path, "up", "--once");

        result.AssertRefused(2, ".rawkode/temporal.db cannot be opened");
    }

    [Fact]
    public async Task Up_InvalidYouTubeSandboxState_SaysWhichFileAndHowToStartEmpty()
    {
        using var checkout = new TemporaryCheckout();
        Directory.CreateDirectory(checkout.Combine(".rawkode"));
        File.WriteAllText(checkout.Combine(".rawkode/youtube.json"), "{not json");

        var result = await Rawkode.RunAsync(checkout.Path, "up", "--once");

        result.AssertRefused(2, ".rawkode/youtube.json cannot be loaded", "mv .rawkode/youtube.json .rawkode/youtube.json.bad");
    }

    [Fact]
    public async Task Up_PortInUse_SuggestsHttpUrls()
    {
        using var checkout = new TemporaryCheckout();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        checkout.WriteAppSettings($$"""{ "Http": { "Urls": "http://127.0.0.1:{{port}}" } }""");

        var result = await Rawkode.RunAsync(checkout.Path, "up", "--once");

        result.AssertRefused(2, "the port is in use", "Http__Urls=");
    }

    [Fact]
    public async Task Up_OfflineTemporalPortInUse_SuggestsUpTemporalPortNotADatabaseProblem()
    {
        using var checkout = new TemporaryCheckout();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        checkout.WriteAppSettings($$"""{ "Up": { "TemporalPort": {{port}}, "ChannelPort": 0 } }""");

        var result = await Rawkode.RunAsync(checkout.Path, "up", "--once");

        result.AssertRefused(2, $"cannot listen on port {port} (the offline Temporal server): the port is in use", "Up__TemporalPort=");
    }

    [Fact]
    public async Task Up_TemporalUnreachable_SaysWhereItLookedAndWhatToChange()
    {
        using var checkout = new TemporaryCheckout();
        var closed = FreePort();
        checkout.WriteAppSettings($$"""{ "Http": { "Urls": "http://127.0.0.1:0" }, "Temporal": { "Address": "127.0.0.1:{{closed}}" } }""");

        var result = await Rawkode.RunAsync(checkout.Path, "up", "--once");

        result.AssertRefused(2, $"cannot reach Temporal (Temporal:Address (TEMPORAL_ADDRESS) is 127.0.0.1:{closed}");
    }

    [Fact]
    public async Task Up_ApiKeyAgainstAServerWithoutTls_SaysTheTlsSettingsDoNotMatch()
    {
        using var checkout = new TemporaryCheckout();
        await using var server = await RawkodeAutomation.TemporalServer.OfflineTemporalServer.StartNewAsync(
            new RawkodeAutomation.TemporalServer.OfflineTemporalServerOptions { Port = 0 }, CancellationToken.None);
        checkout.WriteAppSettings($$"""{ "Http": { "Urls": "http://127.0.0.1:0" }, "Temporal": { "Address": "{{server.Address}}", "ApiKey": "not-a-real-key" } }""");

        var result = await Rawkode.RunAsync(checkout.Path, "up", "--once");

        result.AssertRefused(2, "TLS on, API key set");
    }

    [Fact]
    public async Task Up_WrongGitHubToken_FailsAtOnceSayingTheTokenWasRefused()
    {
        using var checkout = new TemporaryCheckout();
        await using var github = await GitHubSandbox.StartAsync(new GitHubSandboxOptions { Token = "the-right-token" });
        github.CreateRepository("rawkode/channel");
        checkout.WriteAppSettings($$"""
            { "Http": { "Urls": "http://127.0.0.1:0" },
              "GitHub": { "Repository": "rawkode/channel", "ApiBaseUri": "{{github.BaseAddress}}", "Token": "a-wrong-token", "WebhookSecret": "s" } }
            """);

        var result = await Rawkode.RunAsync(checkout.Path, "up", "--once");

        result.AssertRefused(2, "refused the token for rawkode/channel", "GitHub__Token");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

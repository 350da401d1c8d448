using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using RawkodeAutomation.TemporalServer.Testing;

namespace RawkodeAutomation.TemporalServer.Tests.TimeSkipping;

/// <summary>The `rawkode &lt;port&gt;` (test server) shape given bad input: a clear error, never a stack trace.</summary>
public class TestServerCommandTests
{
    private static async Task<(int ExitCode, string Error)> RunAsync(params string[] args)
    {
        var info = new ProcessStartInfo(TemporalTestServer.FindExecutable(typeof(TestServerCommandTests).Assembly))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = await process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, stderr + await stdout);
    }

    [Fact]
    public async Task TestServerShape_PortOutOfRange_ExitsNonZeroNamingThePort()
    {
        var (exitCode, error) = await RunAsync("99999");
        Assert.NotEqual(0, exitCode);
        Assert.Contains("port 99999 is not a valid port", error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public async Task TestServerShape_UnknownFlag_ExitsNonZeroNamingTheFlag()
    {
        var (exitCode, error) = await RunAsync("0", "--bogus");
        Assert.NotEqual(0, exitCode);
        Assert.Contains("--bogus", error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public async Task TestServerShape_PortInUse_ExitsNonZeroSayingItCannotListen()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var (exitCode, error) = await RunAsync(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.NotEqual(0, exitCode);
        Assert.Contains($"cannot listen on 127.0.0.1:{port}", error);
        Assert.DoesNotContain("   at ", error);
    }
}

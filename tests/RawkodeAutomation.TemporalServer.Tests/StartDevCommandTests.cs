using System.Diagnostics;
using RawkodeAutomation.TemporalServer.Testing;

namespace RawkodeAutomation.TemporalServer.Tests;

/// <summary>The `rawkode server start-dev` executable as the SDK (and a shell) runs it.</summary>
public class StartDevCommandTests
{
    private const int SigTerm = 15;

    // SIGTERM is what the SDK's test server shutdown and service managers send; .NET's Process.Kill sends SIGKILL.
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code enabled for one test helper.
    private static extern int Kill(int pid, int signal);
#pragma warning restore SYSLIB1054

    private static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo(TemporalTestServer.FindExecutable(typeof(StartDevCommandTests).Assembly))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("server");
        info.ArgumentList.Add("start-dev");
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        return Process.Start(info)!;
    }

    [Theory]
    [InlineData("--log-level", "loud")]
    [InlineData("--log-format", "xml")]
    [InlineData("--dynamic-config-value", "no-equals-sign")]
    [InlineData("--ip", "not-an-ip")]
    [InlineData("--dynamic-config-value", "limit.historyCount.suggestContinueAsNew=lots")]
    [InlineData("--dynamic-config-value", "limit.blobSize.error=2MB")]
    public async Task StartDev_BadArgument_ExitsNonZeroNamingTheFlag(string flag, string value)
    {
        using var process = Start("--port", "0", flag, value);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var stderr = await process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains(flag, stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task StartDev_SdkArgumentsThenSigterm_PrintsAddressAndExitsCleanly()
    {
        using var process = Start(
            "--port", "0", "--namespace", "default", "--ip", "127.0.0.1", "--log-format", "pretty", "--log-level", "warn",
            "--dynamic-config-value", "frontend.enableServerVersionCheck=false",
            "--dynamic-config-value", "frontend.enableUpdateWorkflowExecution=true",
            "--headless");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
        Assert.Matches(@"running at 127\.0\.0\.1:\d+", line);
        Assert.Equal(0, Kill(process.Id, SigTerm));
        await process.WaitForExitAsync(timeout.Token);
        Assert.Equal(0, process.ExitCode);
    }

    [Fact]
    public async Task StartDev_WithoutHeadless_ServesTheOperatorPage()
    {
        using var process = Start("--port", "0", "--ui-port", "0", "--ip", "127.0.0.1");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var address = await process.StandardOutput.ReadLineAsync(timeout.Token);
        Assert.Matches(@"running at 127\.0\.0\.1:\d+", address);
        var pageLine = await process.StandardOutput.ReadLineAsync(timeout.Token);
        Assert.StartsWith("Operator page: http://127.0.0.1:", pageLine);

        using var http = new HttpClient();
        var html = await http.GetStringAsync(new Uri(pageLine!["Operator page: ".Length..]), timeout.Token);

        Assert.Contains("Workflows", html, StringComparison.Ordinal);
        Assert.Equal(0, Kill(process.Id, SigTerm));
        await process.WaitForExitAsync(timeout.Token);
        Assert.Equal(0, process.ExitCode);
    }
}

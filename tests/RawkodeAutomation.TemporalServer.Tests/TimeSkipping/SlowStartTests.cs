using System.Globalization;
using RawkodeAutomation.TemporalServer.Testing;

namespace RawkodeAutomation.TemporalServer.Tests.TimeSkipping;

/// <summary>
/// A test server that misses the SDK's 5 s start window: <see cref="TemporalTestServer.StartTimeSkippingAsync"/> tries
/// again, and the process given up on does not live on (the SDK kills it; were it left running, every miss on a busy
/// machine would leave one more server behind until the test host exited).
/// </summary>
public class SlowStartTests
{
    [Fact]
    public async Task StartTimeSkipping_FirstStartTooSlow_RetriesAndTheAbandonedProcessIsGone()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // The abandoned process is found through /proc.
        }
        var rawkode = TemporalTestServer.FindExecutable(typeof(SlowStartTests).Assembly);
        var directory = Directory.CreateTempSubdirectory("slow-test-server-");
        try
        {
            // The first start sleeps past the SDK's 5 s and then runs the real server (which would listen for ever);
            // later starts run it at once.
            var marker = Path.Combine(directory.FullName, "first-pid");
            var script = Path.Combine(directory.FullName, "slow-rawkode");
            await File.WriteAllTextAsync(script, $"""
                #!/bin/sh
                if [ ! -e '{marker}' ]; then echo $$ > '{marker}'; sleep 8; fi
                exec '{rawkode}' "$@"

                """);
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

            await using var env = await TemporalTestServer.StartTimeSkippingAsync(executablePath: script);
            await env.GetCurrentTimeAsync();

            var abandoned = int.Parse((await File.ReadAllTextAsync(marker)).Trim(), CultureInfo.InvariantCulture);
            await Workers.WaitUntilAsync(() => Task.FromResult(IsGone(abandoned)), TimeSpan.FromSeconds(30),
                $"the abandoned first start (pid {abandoned}) to be gone");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>True once the process has exited (a zombie waiting to be reaped has exited too).</summary>
    private static bool IsGone(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }
}

using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace RawkodeAutomation.Cli.Tests;

/// <summary>What a run of the built <c>rawkode</c> printed and returned.</summary>
internal sealed record RawkodeResult(int ExitCode, string Output, string Error)
{
    /// <summary>True when anything printed looks like a .NET stack trace.</summary>
    public bool HasStackTrace => (Output + Error).Contains("   at ", StringComparison.Ordinal) || (Output + Error).Contains("Unhandled exception", StringComparison.Ordinal);

    /// <summary>
    /// Asserts what a person sees when <c>rawkode</c> refuses to go on: the exit code, each message on stderr, no stack trace.
    /// </summary>
    public void AssertRefused(int exitCode, params string[] messages)
    {
        Xunit.Assert.True(ExitCode == exitCode, ToString());
        foreach (var message in messages)
        {
            Xunit.Assert.Contains(message, Error, StringComparison.Ordinal);
        }

        Xunit.Assert.False(HasStackTrace, ToString());
    }

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

/// <summary>Runs the built <c>rawkode</c> executable as a person would, in a checkout of its own.</summary>
internal static class Rawkode
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(4);

    public static string Executable => Metadata("RawkodeExecutable");

    public static string RepositoryRoot => Metadata("RepositoryRoot");

    /// <summary>Runs <c>rawkode ARGS</c> in <paramref name="directory"/> with no configuration inherited from the environment.</summary>
    public static async Task<RawkodeResult> RunAsync(string directory, params string[] arguments)
    {
        using var process = Start(directory, arguments);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Deadline);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return new RawkodeResult(-1, await output, await error + $"\n(killed after {Deadline})");
        }

        return new RawkodeResult(process.ExitCode, await output, await error);
    }

    /// <summary>Starts <c>rawkode ARGS</c> and leaves it running (the caller reads and stops it).</summary>
    public static Process Start(string directory, params string[] arguments)
    {
        var info = new ProcessStartInfo(Executable)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // Configuration comes from the checkout's appsettings.json only: nothing from the machine running the tests.
        foreach (var key in info.Environment.Keys.ToList())
        {
            if (key.StartsWith("GitHub__", StringComparison.OrdinalIgnoreCase) || key.StartsWith("Temporal", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("YouTube__", StringComparison.OrdinalIgnoreCase) || key.StartsWith("Kubernetes__", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("Http__", StringComparison.OrdinalIgnoreCase) || key.StartsWith("RAWKODE_", StringComparison.OrdinalIgnoreCase))
            {
                info.Environment.Remove(key);
            }
        }
        // Nor the machine's Temporal profile (temporalio/temporal.toml in the user's configuration folder): the SDK reads
        // the file TEMPORAL_CONFIG_FILE names instead, and a file that does not exist is no profile.
        info.Environment["TEMPORAL_CONFIG_FILE"] = System.IO.Path.Combine(directory, ".rawkode-tests-no-temporal-profile.toml");

        return Process.Start(info)!;
    }

    private static string Metadata(string key) =>
        typeof(Rawkode).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}

/// <summary>A git checkout in a temporary folder holding a copy of this repository's <c>episodes/</c>, committed.</summary>
internal sealed class TemporaryCheckout : IDisposable
{
    public TemporaryCheckout()
    {
        Path = Directory.CreateTempSubdirectory("rawkode-cli-").FullName;
        CopyFolder(System.IO.Path.Combine(Rawkode.RepositoryRoot, "episodes"), System.IO.Path.Combine(Path, "episodes"));
        // Listen on any free port unless a test says otherwise: tests run in parallel with each other and with other `up`s.
        WriteAppSettings("{}");
        Git("init", "-q", "-b", "main");
        Git("add", "-A");
        Commit("seed");
    }

    public string Path { get; }

    public string Combine(string relative) => System.IO.Path.Combine(Path, relative);

    /// <summary>
    /// Writes appsettings.json: <paramref name="settings"/> (the body of a JSON object) after defaults that make every
    /// listener pick a free port, since tests run in parallel with each other and with other <c>up</c>s.
    /// </summary>
    public void WriteAppSettings(string settings)
    {
        var body = settings.Trim();
        body = body[1..^1].Trim();
        var parts = new List<string>();
        if (!body.Contains("\"Up\"", StringComparison.Ordinal))
        {
            parts.Add("\"Up\": { \"TemporalPort\": 0, \"ChannelPort\": 0 }");
        }

        if (!body.Contains("\"Http\"", StringComparison.Ordinal))
        {
            parts.Add("\"Http\": { \"Urls\": \"http://127.0.0.1:0\" }");
        }

        if (body.Length > 0)
        {
            parts.Add(body);
        }

        File.WriteAllText(Combine("appsettings.json"), "{ " + string.Join(", ", parts) + " }");
    }

    public void Commit(string message) =>
        Git("-c", "user.name=test", "-c", "user.email=test@localhost", "-c", "commit.gpgsign=false", "commit", "-q", "--allow-empty", "-m", message);

    public void Git(params string[] arguments)
    {
        var info = new ProcessStartInfo("git") { WorkingDirectory = Path, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', arguments)}: {stderr}");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process the test started may still be closing a file; the temporary folder is cleaned up eventually.
        }
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, System.IO.Path.Combine(to, System.IO.Path.GetFileName(file)));
        }

        foreach (var folder in Directory.EnumerateDirectories(from))
        {
            CopyFolder(folder, System.IO.Path.Combine(to, System.IO.Path.GetFileName(folder)));
        }
    }
}

/// <summary>The signal disposition the tests' child processes inherit.</summary>
internal static class Signals
{
    /// <summary>
    /// Fails at once, saying why, when this process ignores SIGINT: a program started in the background by a
    /// non-interactive shell (<c>cmd &amp;</c> in a script) inherits SIGINT ignored, and so does every process it starts,
    /// so a test that interrupts one would otherwise wait minutes for an exit that never comes.
    /// </summary>
    public static void AssertSigIntReachesChildren()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        var ignored = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        if (ignored is not null && (Convert.ToUInt64(ignored["SigIgn:".Length..].Trim(), 16) & (1UL << (2 - 1))) != 0)
        {
            Xunit.Assert.Fail("this test process ignores SIGINT (dotnet test was started in the background by a non-interactive shell, "
                + "e.g. `dotnet test &` in a script), so the processes it starts cannot be interrupted; run dotnet test in the foreground "
                + "or from a shell with job control (set -m)");
        }
    }
}

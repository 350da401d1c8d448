using System.Diagnostics;
using System.Runtime.InteropServices;

namespace RawkodeAutomation.Cli.Tests;

/// <summary>
/// The <c>./rawkode</c> script at the repository root, run in a scratch copy of the layout it expects with a
/// stand-in for the built binary (and for <c>dotnet</c> when it has to build), so no test waits for a real build.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LauncherTests : IDisposable
{
    private const string BinaryPath = "src/RawkodeAutomation.Cli/bin/Release/net10.0/rawkode";
    private const string StampPath = "src/RawkodeAutomation.Cli/bin/Release/.rawkode-launcher-built";
    private readonly string _root = Directory.CreateTempSubdirectory("rawkode-launcher-").FullName;

    public LauncherTests()
    {
        File.Copy(Path.Combine(RepositoryRoot.Path, "rawkode"), Path.Combine(_root, "rawkode"));
        File.SetUnixFileMode(Path.Combine(_root, "rawkode"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.CreateDirectory(Path.Combine(_root, "src/RawkodeAutomation.Cli"));
        File.WriteAllText(Path.Combine(_root, "src/RawkodeAutomation.Cli/Program.cs"), "// stand-in source\n");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Run_BuiltBinary_PassesArgumentsAndExitCodeThrough()
    {
        WriteBinary("""
            for a in "$@"; do echo "arg:$a"; done
            exit 7
            """);
        MarkBuilt();

        var run = await RunAsync(["up", "two words", "--once"]);

        Assert.Equal(7, run.ExitCode);
        Assert.Equal(["arg:up", "arg:two words", "arg:--once"], run.Stdout);
        Assert.Empty(run.Stderr);
    }

    [Fact]
    public async Task Run_Interrupt_ReachesTheProgramItself()
    {
        Signals.AssertSigIntReachesChildren();
        // The launcher execs: the pid a caller (or Ctrl+C) signals is the program's own.
        WriteBinary("""
            trap 'echo "got INT"; exit 42' INT
            echo ready
            while :; do sleep 0.1; done
            """);
        MarkBuilt();
        using var process = Start([]);
        var stdout = new List<string>();
        var ready = new TaskCompletionSource();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            lock (stdout)
            {
                stdout.Add(e.Data);
            }
            if (e.Data == "ready")
            {
                ready.TrySetResult();
            }
        };
        process.BeginOutputReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(0, Kill(process.Id, SigInt));
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(42, process.ExitCode);
        lock (stdout)
        {
            Assert.Contains("got INT", stdout);
        }
    }

    [Fact]
    public async Task Run_NotBuiltYet_SaysItIsBuildingThenRuns()
    {
        WriteFakeDotnet("""
            echo "fake dotnet $*" >> "$ROOT/dotnet-calls"
            mkdir -p "$(dirname "$ROOT/BINARY")"
            printf '#!/usr/bin/env bash\necho "ran $*"\n' > "$ROOT/BINARY"
            chmod +x "$ROOT/BINARY"
            """);

        var run = await RunAsync(["validate"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["ran validate"], run.Stdout);
        Assert.StartsWith("rawkode: building rawkode (first time takes a few minutes)", run.Stderr[0], StringComparison.Ordinal);
        var call = Assert.Single(File.ReadAllLines(Path.Combine(_root, "dotnet-calls")));
        Assert.Contains("build", call, StringComparison.Ordinal);
        Assert.Contains("-c Release", call, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_root, StampPath)), "a successful build leaves the stamp, so the next run does not build");
    }

    [Fact]
    public async Task Run_SourceNewerThanLastBuild_Rebuilds()
    {
        WriteBinary("echo old");
        MarkBuilt();
        File.SetLastWriteTimeUtc(Path.Combine(_root, "src/RawkodeAutomation.Cli/Program.cs"), DateTime.UtcNow);
        WriteFakeDotnet("""
            echo "fake dotnet $*" >> "$ROOT/dotnet-calls"
            printf '#!/usr/bin/env bash\necho new\n' > "$ROOT/BINARY"
            """);

        var run = await RunAsync([]);

        Assert.Equal(["new"], run.Stdout);
        Assert.Contains(run.Stderr, l => l.StartsWith("rawkode: sources changed, rebuilding", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_BuildFails_ExitsNonZeroWithTheBuildErrors()
    {
        WriteFakeDotnet("""
            echo "Program.cs(3,1): error CS1002: ; expected"
            exit 1
            """);

        var run = await RunAsync(["validate"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Empty(run.Stdout);
        Assert.Contains(run.Stderr, l => l.Contains("the build failed", StringComparison.Ordinal));
        Assert.Contains(run.Stderr, l => l.Contains("error CS1002", StringComparison.Ordinal));
    }

    private void WriteBinary(string body)
    {
        var path = Path.Combine(_root, BinaryPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "#!/usr/bin/env bash\n" + body.ReplaceLineEndings("\n") + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private void MarkBuilt()
    {
        var stamp = Path.Combine(_root, StampPath);
        File.WriteAllText(stamp, "");
        // Strictly newer than every source in the scratch tree.
        File.SetLastWriteTimeUtc(Path.Combine(_root, "src/RawkodeAutomation.Cli/Program.cs"), DateTime.UtcNow.AddHours(-2));
        File.SetLastWriteTimeUtc(stamp, DateTime.UtcNow.AddHours(-1));
    }

    private void WriteFakeDotnet(string body)
    {
        var dir = Path.Combine(_root, "fake-bin");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "dotnet");
        var script = body.ReplaceLineEndings("\n").Replace("$ROOT", _root, StringComparison.Ordinal).Replace("BINARY", BinaryPath, StringComparison.Ordinal);
        File.WriteAllText(path, "#!/usr/bin/env bash\n" + script + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private Process Start(IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(Path.Combine(_root, "rawkode"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _root,
        };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }
        // Only the stand-in dotnet (when written) and the system tools; never the real SDK.
        info.Environment["PATH"] = Path.Combine(_root, "fake-bin") + ":/usr/local/bin:/usr/bin:/bin";
        return Process.Start(info)!;
    }

    private async Task<(int ExitCode, string[] Stdout, string[] Stderr)> RunAsync(IEnumerable<string> arguments)
    {
        using var process = Start(arguments);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, Lines(await stdout), Lines(await stderr));

        static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private const int SigInt = 2;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}

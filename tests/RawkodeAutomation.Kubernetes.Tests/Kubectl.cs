using System.Diagnostics;
using System.Text;

namespace RawkodeAutomation.Kubernetes.Tests;

/// <summary>
/// Runs the real <c>kubectl</c> binary (Debian package <c>kubectl</c>, installed by <c>.ci/run</c>) against a sandbox
/// cluster: its kubeconfig is written to a temp directory, which also holds kubectl's discovery cache and home.
/// A missing kubectl fails the test: these tests are the proof that the sandbox works with the client people use.
/// </summary>
public sealed class Kubectl : IDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);
    private readonly string _directory;

    public Kubectl(string kubeconfig)
    {
        _directory = System.IO.Directory.CreateTempSubdirectory("kubectl-").FullName;
        KubeconfigPath = Path.Combine(_directory, "kubeconfig");
        File.WriteAllText(KubeconfigPath, kubeconfig);
    }

    public string KubeconfigPath { get; }

    /// <summary>The directory of this kubectl's files (for manifests and editor scripts).</summary>
    public string Directory => _directory;

    /// <summary>The kubectl on PATH; fails (never skips) when there is none.</summary>
    public static string Binary
    {
        get
        {
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = Path.Combine(dir, "kubectl");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            Assert.Fail("kubectl is not installed: these tests drive the real kubectl (Debian package `kubectl`; `.ci/run` installs it)");
            return "";
        }
    }

    /// <summary>Runs <c>kubectl ARGS</c>; returns its exit code and output. Kills it after <paramref name="timeout"/> and fails.</summary>
    public async Task<KubectlResult> RunAsync(string[] args, string? stdin = null, TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--kubeconfig");
        start.ArgumentList.Add(KubeconfigPath);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["HOME"] = _directory;
        start.Environment["KUBECACHEDIR"] = Path.Combine(_directory, "cache");
        start.Environment.Remove("KUBECONFIG");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var deadline = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"kubectl {string.Join(' ', args)} did not return within {(timeout ?? DefaultTimeout).TotalSeconds}s; output so far:\n{await stdout}\n{await stderr}");
        }

        return new KubectlResult(process.ExitCode, await stdout, await stderr, string.Join(' ', args));
    }

    public Task<KubectlResult> RunAsync(params string[] args) => RunAsync(args, null);

    /// <summary>Runs kubectl and fails the test (with its stderr) unless it exits 0.</summary>
    public async Task<string> OkAsync(params string[] args)
    {
        var result = await RunAsync(args, null);
        Assert.True(result.ExitCode == 0, $"kubectl {result.Command} exited {result.ExitCode}:\n{result.Stderr}\n{result.Stdout}");
        return result.Stdout;
    }

    /// <summary>Writes a file next to the kubeconfig and returns its path.</summary>
    public string WriteFile(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content, new UTF8Encoding(false));
        return path;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory.
        }
    }
}

public sealed record KubectlResult(int ExitCode, string Stdout, string Stderr, string Command)
{
    public override string ToString() => $"kubectl {Command} → {ExitCode}\n{Stdout}\n{Stderr}";

    /// <summary>Asserts kubectl failed and said <paramref name="text"/> on stderr (the whole run in the failure message).</summary>
    public void FailedWith(string text)
    {
        Assert.True(ExitCode != 0 && Stderr.Contains(text, StringComparison.Ordinal), $"expected a failure saying: {text}\ngot: {this}");
    }
}

/// <summary>A clock the test moves by hand (to expire tokens without waiting).</summary>
public sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = DateTimeOffset.UtcNow;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

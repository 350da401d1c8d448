using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace RawkodeAutomation.Cli.Tests;

/// <summary>
/// <c>rawkode up</c> as a newcomer runs it, in a scratch git repository with one show and one episode, every port
/// chosen by the system (port 0) so it cannot collide with anything else on the machine.
/// </summary>
public sealed partial class UpCommandTests : IDisposable
{
    private readonly string _repo = Directory.CreateTempSubdirectory("rawkode-up-").FullName;

    public UpCommandTests()
    {
        Write("episodes/shows/demo.yaml", """
            name: Demo Show
            host: host
            description: A show for the test.
            youtube:
              categoryId: 28
              streamKey: demo
            """);
        Write("episodes/people/host.yaml", "name: Hedy Host\n");
        Write("episodes/demo/2099-01-01-first.yaml", """
            title: "Demo #1"
            scheduledFor: 2099-01-01T17:00:00Z
            duration: 60m
            summary: The first one.
            """);
        Git("init", "-q", "-b", "main");
        Git("-c", "user.name=t", "-c", "user.email=t@example.com", "add", ".");
        Git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "demo");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_repo, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still be closing its files; a temp directory left behind is harmless.
        }
    }

    [Fact]
    public async Task Up_Starting_PrintsFrontPageThatLinksEveryPageWhileRunning()
    {
        Signals.AssertSigIntReachesChildren();
        using Process up = Start();
        Lines lines = new(up);

        // Progress from the first line, before anything slow.
        string first = await lines.NextAsync(TimeSpan.FromMinutes(3));
        Assert.StartsWith("rawkode up: starting", first, StringComparison.Ordinal);

        string frontLine = await lines.WaitForAsync(l => l.Contains("front page:", StringComparison.Ordinal), TimeSpan.FromMinutes(5));
        Uri front = new(FirstUrl().Match(frontLine).Value);
        string channelLine = await lines.WaitForAsync(l => l.Contains("channel:", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        Uri channel = new(FirstUrl().Match(channelLine).Value);

        using HttpClient http = new();
        string page = await http.GetStringAsync(front);
        Assert.Contains($"href=\"{channel}\"", page, StringComparison.Ordinal);
        Assert.Contains($"href=\"{new Uri(front, "/operator")}\"", page, StringComparison.Ordinal);
        Assert.Contains($"href=\"{new Uri(front, "/temporal/")}\"", page, StringComparison.Ordinal);
        // The Klustered scoreboard is mapped by up, so the front page links it.
        Assert.Contains($"href=\"{new Uri(front, "/scoreboard")}\"", page, StringComparison.Ordinal);
        string operatorPage = await http.GetStringAsync(new Uri(front, "/operator"));
        Assert.Contains("href=\"/\"", operatorPage, StringComparison.Ordinal);
        Assert.Contains("href=\"/scoreboard\"", operatorPage, StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync(channel)).StatusCode);

        Assert.Equal(0, Kill(up.Id, SigInt));
        Assert.True(up.WaitForExit(TimeSpan.FromMinutes(2)), "rawkode up did not stop after SIGINT");
    }

    private Process Start()
    {
        string binary = Path.Combine(AppContext.BaseDirectory, "rawkode");
        ProcessStartInfo info = new(binary)
        {
            WorkingDirectory = _repo,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("up");
        info.Environment["Http__Urls"] = "http://127.0.0.1:0";
        info.Environment["Up__ChannelPort"] = "0";
        info.Environment["Up__TemporalPort"] = "0";
        info.Environment["Thumbnails__AvatarBaseUri"] = "";
        foreach (string key in new[] { "Temporal__Address", "TEMPORAL_ADDRESS", "YouTube__RefreshToken", "GitHub__Repository", "Kubernetes__ManagementKubeconfig" })
        {
            info.Environment.Remove(key);
        }
        Process process = Process.Start(info)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        return process;
    }

    private void Write(string path, string text)
    {
        string full = Path.Combine(_repo, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text.ReplaceLineEndings("\n") + "\n");
    }

    private void Git(params string[] args)
    {
        ProcessStartInfo info = new("git") { WorkingDirectory = _repo, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }
        using Process git = Process.Start(info)!;
        git.WaitForExit();
        Assert.True(git.ExitCode == 0, $"git {string.Join(' ', args)}: {git.StandardError.ReadToEnd()}");
    }

    [GeneratedRegex(@"https?://[^\s)]+")]
    private static partial Regex FirstUrl();

    private const int SigInt = 2;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>The process's standard output, line by line, waited on with a deadline.</summary>
    private sealed class Lines
    {
        private readonly System.Threading.Channels.Channel<string> _lines = System.Threading.Channels.Channel.CreateUnbounded<string>();
        private readonly List<string> _seen = [];

        public Lines(Process process)
        {
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null)
                {
                    _lines.Writer.TryComplete();
                }
                else
                {
                    _lines.Writer.TryWrite(e.Data);
                }
            };
            process.BeginOutputReadLine();
        }

        public async Task<string> NextAsync(TimeSpan timeout)
        {
            using CancellationTokenSource cts = new(timeout);
            try
            {
                string line = await _lines.Reader.ReadAsync(cts.Token);
                _seen.Add(line);
                return line;
            }
            catch (Exception e) when (e is OperationCanceledException or System.Threading.Channels.ChannelClosedException)
            {
                throw new Xunit.Sdk.XunitException($"no further output within {timeout}; so far:\n{string.Join('\n', _seen)}");
            }
        }

        public async Task<string> WaitForAsync(Func<string, bool> match, TimeSpan timeout)
        {
            DateTime deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                TimeSpan left = deadline - DateTime.UtcNow;
                string line = await NextAsync(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
                if (match(line))
                {
                    return line;
                }
            }
        }
    }
}

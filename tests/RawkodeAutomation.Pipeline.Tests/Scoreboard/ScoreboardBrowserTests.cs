using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.Workflows.Contracts;
using SkiaSharp;
using static RawkodeAutomation.Pipeline.Tests.Scoreboard.ScoreboardTests;

namespace RawkodeAutomation.Pipeline.Tests.Scoreboard;

/// <summary>
/// The scoreboard as OBS shows it: served by the same endpoints <c>rawkode up</c> maps, rendered by headless Chromium
/// (Debian's <c>chromium</c>, driven by Playwright) at 1920×1080 with the page's clock fixed, and compared with the
/// approved screenshots in <c>Expected/</c>. A mismatch writes <c>Expected/&lt;name&gt;.received.png</c> and fails with its path.
/// </summary>
public sealed class ScoreboardBrowserTests : IAsyncLifetime
{
    /// <summary>Largest per-channel difference that still counts as the same pixel (anti-aliasing noise).</summary>
    private const int ChannelTolerance = 16;

    /// <summary>How many pixels may differ (0.05% of 1920×1080): glyph edges that round differently.</summary>
    private const int MaxDifferentPixels = 1040;

    private readonly ManualClock _clock = new(Start);
    private IReadOnlyList<EpisodeStatus> _episodes = [];
    private WebApplication? _app;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    private Uri BaseUri => new(_app!.Urls.First());

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        IReadOnlyDictionary<string, string> names = new Dictionary<string, string> { ["ada-okafor"] = "Ada Okafor", ["chen-wei"] = "Chen Wei" };
        _app.MapScoreboard(_ => Task.FromResult(_episodes), Path.Combine(RepositoryRoot(), "thumbnails", "fonts"), _clock, (_, _) => Task.FromResult(names));
        await _app.StartAsync();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = FindChromium(),
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--font-render-hinting=none"],
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Scoreboard_BeforeTheStart_MatchesGolden()
    {
        _episodes = [Episode(Provisioned("team-a"), Provisioned("team-b"))];
        var page = await OpenAsync(Start - TimeSpan.FromMinutes(12) - TimeSpan.FromSeconds(5));

        await Assertions.Expect(page.Locator("#clock-label")).ToHaveTextAsync("Starts in");
        await Assertions.Expect(page.Locator("#clock")).ToHaveTextAsync("0:12:05");
        await Assertions.Expect(page.Locator(".badge")).ToHaveTextAsync(["Breaking", "Breaking"]);
        await AssertGoldenAsync(page, "scoreboard-before-start");
    }

    [Fact]
    public async Task Scoreboard_WhileFixing_MatchesGolden()
    {
        _episodes = [Episode(HandedOver("team-a"), HandedOver("team-b"))];
        var page = await OpenAsync(Start + TimeSpan.FromMinutes(12) + TimeSpan.FromSeconds(34));

        await Assertions.Expect(page.Locator("#clock-label")).ToHaveTextAsync("Elapsed");
        await Assertions.Expect(page.Locator("#clock")).ToHaveTextAsync("0:12:34");
        await Assertions.Expect(page.Locator(".badge")).ToHaveTextAsync(["Fixing", "Fixing"]);
        await Assertions.Expect(page.Locator(".breaks")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#teams")).ToContainTextAsync("Breakers Ada Okafor");
        await AssertGoldenAsync(page, "scoreboard-fixing");
    }

    [Fact]
    public async Task Scoreboard_OneTeamFixedDuringTheShow_UpdatesWithoutReloadAndMatchesGolden()
    {
        // Given the scoreboard open while both teams fix,
        _episodes = [Episode(HandedOver("team-a"), HandedOver("team-b"))];
        var page = await OpenAsync(Start + TimeSpan.FromMinutes(31));
        await Assertions.Expect(page.Locator(".badge")).ToHaveTextAsync(["Fixing", "Fixing"]);
        var loaded = await page.EvaluateAsync<double>("performance.timeOrigin");

        // When team-a's fix is recorded,
        _episodes = [Episode(Fixed("team-a", TimeSpan.FromMinutes(23)), HandedOver("team-b"))];

        // then the page shows it through its event stream (the same document: no reload), with team-a's breaks revealed.
        await Assertions.Expect(page.Locator(".badge")).ToHaveTextAsync(["Fixed in 23 min", "Fixing"], new() { Timeout = 30_000 });
        Assert.Equal(loaded, await page.EvaluateAsync<double>("performance.timeOrigin"));
        await Assertions.Expect(page.Locator(".breaks")).ToHaveTextAsync(["Broken: coredns-homoglyph"]);
        await AssertGoldenAsync(page, "scoreboard-one-fixed");
    }

    private async Task<IPage> OpenAsync(DateTimeOffset now)
    {
        _clock.Now = now;
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1920, Height = 1080 } });
        var page = await context.NewPageAsync();
        await page.Clock.SetFixedTimeAsync(now.UtcDateTime);
        await page.GotoAsync(new Uri(BaseUri, "/scoreboard").ToString());
        await page.EvaluateAsync("document.fonts.ready");
        return page;
    }

    private static async Task AssertGoldenAsync(IPage page, string name, [CallerFilePath] string thisFile = "")
    {
        // Both fonts loaded, or the picture depends on the machine's fallback font.
        Assert.True(await page.EvaluateAsync<bool>("document.fonts.check('700 60px Board') && document.fonts.check('400 34px Board')"), "the scoreboard's fonts did not load");
        var png = await page.ScreenshotAsync(new PageScreenshotOptions { Type = ScreenshotType.Png });
        var directory = Path.Combine(Path.GetDirectoryName(thisFile)!, "Expected");
        var expectedPath = Path.Combine(directory, name + ".png");
        var receivedPath = Path.Combine(directory, name + ".received.png");
        Directory.CreateDirectory(directory);
        using var actual = SKBitmap.Decode(png);
        Assert.Equal((1920, 1080), (actual.Width, actual.Height));
        if (!File.Exists(expectedPath))
        {
            await File.WriteAllBytesAsync(receivedPath, png);
            Assert.Fail($"{name}: no expected image yet. Look at {receivedPath} and, if it is right, rename it to {expectedPath}.");
        }
        using var expected = SKBitmap.Decode(expectedPath);
        var (different, worst) = Compare(expected, actual);
        if (different > MaxDifferentPixels)
        {
            await File.WriteAllBytesAsync(receivedPath, png);
            Assert.Fail($"{name}: {different} pixels differ by more than {ChannelTolerance} (worst {worst}). Received image: {receivedPath}");
        }
        File.Delete(receivedPath);
    }

    private static (int Different, int Worst) Compare(SKBitmap a, SKBitmap b)
    {
        if (a.Width != b.Width || a.Height != b.Height)
        {
            return (int.MaxValue, 255);
        }
        int different = 0, worst = 0;
        for (var y = 0; y < a.Height; y++)
        {
            for (var x = 0; x < a.Width; x++)
            {
                SKColor p = a.GetPixel(x, y), q = b.GetPixel(x, y);
                var d = Math.Max(Math.Max(Math.Abs(p.Red - q.Red), Math.Abs(p.Green - q.Green)), Math.Abs(p.Blue - q.Blue));
                worst = Math.Max(worst, d);
                if (d > ChannelTolerance)
                {
                    different++;
                }
            }
        }
        return (different, worst);
    }

    private static string FindChromium()
    {
        if (Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } configured)
        {
            return configured;
        }
        foreach (var candidate in new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException("Chromium is not installed, and the scoreboard's browser tests need it: `sudo apt-get install -y chromium`, or set CHROMIUM_PATH.");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RawkodeAutomation.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("RawkodeAutomation.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The server's clock, set by the test (the page's clock is Playwright's).</summary>
    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}

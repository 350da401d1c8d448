using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Playwright;
using RawkodeAutomation.Thumbnails;
using RawkodeAutomation.Thumbnails.Templates;
using SkiaSharp;

namespace RawkodeAutomation.Bench;

/// <summary>
/// <c>rawkode-bench thumbnails</c>: median milliseconds per thumbnail with SkiaSharp, one at a time and in parallel,
/// against the same design as HTML screenshotted by headless Chromium (Debian's package, driven by Playwright).
/// </summary>
internal static class ThumbnailsBench
{
    public static Command Create() => Bench();

    private static Command Bench()
    {
        Option<int> count = new("--count") { Description = "Thumbnails rendered in parallel.", DefaultValueFactory = _ => 500 };
        Option<int> single = new("--single") { Description = "Thumbnails rendered one at a time (for the one-at-a-time median).", DefaultValueFactory = _ => 50 };
        Option<int> browserCount = new("--browser-count") { Description = "Thumbnails Chromium screenshots in parallel (default: same as --count).", DefaultValueFactory = _ => -1 };
        Option<int> browserSingle = new("--browser-single") { Description = "Thumbnails Chromium screenshots one at a time.", DefaultValueFactory = _ => 20 };
        Option<bool> noBrowser = new("--no-browser") { Description = "Skip the headless Chromium comparison." };
        Option<string?> chromium = new("--chromium") { Description = "Chromium binary (default: `chromium` on PATH, from Debian's chromium package)." };
        Option<DirectoryInfo?> samples = new("--samples") { Description = "Write each design as rendered by SkiaSharp and by Chromium here, to compare them by eye." };
        Option<DirectoryInfo?> repo = new("--repo") { Description = "Repository root (holds thumbnails/). Default: found by walking up from the current directory." };
        Command command = new("thumbnails",
            "Median milliseconds per thumbnail (render + encode), one at a time and N in parallel, against the same design as HTML screenshotted by headless Chromium.")
        {
            count, single, browserCount, browserSingle, noBrowser, chromium, samples, repo,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            TextWriter output = parse.InvocationConfiguration.Output;
            TextWriter error = parse.InvocationConfiguration.Error;
            if (RawkodeAutomation.Cli.Commands.ThumbnailsCommand.FindRoot(parse.GetValue(repo), error) is not { } root)
            {
                return 2;
            }

            int parallelCount = Math.Max(1, parse.GetValue(count));
            int singleCount = Math.Max(1, parse.GetValue(single));
            int browserParallel = parse.GetValue(browserCount) is var b && b > 0 ? b : parallelCount;
            int browserSequential = Math.Max(1, parse.GetValue(browserSingle));
            string work = Directory.CreateTempSubdirectory("rawkode-thumbnail-bench-").FullName;
            try
            {
                string avatars = Path.Combine(work, "avatars");
                BenchData.WriteAvatars(avatars);
                long coldStart = Stopwatch.GetTimestamp();
                using ThumbnailRenderer renderer = new(new ThumbnailAssets(Path.Combine(root, "thumbnails"), avatars));
                List<ThumbnailRequest> requests = BenchData.Requests();
                renderer.Render(requests[0]);
                double coldMs = Stopwatch.GetElapsedTime(coldStart).TotalMilliseconds;
                output.WriteLine($"Machine: {Environment.ProcessorCount} logical CPU(s), load average {LoadAverage()}, {RuntimeInfo()}; {requests.Count} distinct designs (3 templates, 0-5 guests, Latin/Cyrillic/Greek/CJK/Arabic/emoji).");
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"SkiaSharp cold start (load {FontMegabytes(root):0} MB of fonts, parse a template, JIT, first render): {coldMs:0} ms. Timings below are steady state: template background and scaled avatars cached, as in a long-running worker."));

                string? samplesDir = parse.GetValue(samples)?.FullName;
                if (samplesDir is not null)
                {
                    Directory.CreateDirectory(samplesDir);
                }

                // Warm-up: loads fonts and templates and JIT-compiles the drawing code, which a long-running worker pays once.
                for (int i = 0; i < requests.Count; i++)
                {
                    RenderedThumbnail sample = renderer.Render(requests[i]);
                    if (samplesDir is not null)
                    {
                        await File.WriteAllBytesAsync(Path.Combine(samplesDir, $"{i:00}-skia{sample.FileExtension}"), sample.Bytes, cancellationToken);
                    }
                }

                double[] skiaSingle = new double[singleCount];
                TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                long bytes = 0;
                int png = 0;
                for (int i = 0; i < singleCount; i++)
                {
                    long start = Stopwatch.GetTimestamp();
                    RenderedThumbnail t = renderer.Render(requests[i % requests.Count]);
                    skiaSingle[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    bytes += t.Bytes.Length;
                    png += t.ContentType == "image/png" ? 1 : 0;
                }

                double skiaSingleCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds / singleCount;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"SkiaSharp one at a time: {singleCount} renders, median {Median(skiaSingle):0.0} ms, p95 {Percentile(skiaSingle, 0.95):0.0} ms, CPU {skiaSingleCpu:0.0} ms each; average {bytes / singleCount / 1024.0:0} KiB, {png}/{singleCount} PNG, rest JPEG."));

                double[] skiaParallel = new double[parallelCount];
                cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                long parallelStart = Stopwatch.GetTimestamp();
                Parallel.For(0, parallelCount, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
                {
                    long start = Stopwatch.GetTimestamp();
                    renderer.Render(requests[i % requests.Count]);
                    skiaParallel[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                });
                double skiaWall = Stopwatch.GetElapsedTime(parallelStart).TotalMilliseconds;
                double skiaParallelCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds / parallelCount;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"SkiaSharp {parallelCount} in parallel ({Environment.ProcessorCount} workers): wall {skiaWall:0} ms = {skiaWall / parallelCount:0.00} ms per thumbnail; median latency {Median(skiaParallel):0.0} ms; CPU {skiaParallelCpu:0.0} ms each."));

                if (parse.GetValue(noBrowser))
                {
                    output.WriteLine("Chromium comparison skipped (--no-browser).");
                    return 0;
                }

                string? chromiumPath = parse.GetValue(chromium) ?? FindOnPath("chromium");
                if (chromiumPath is null || !File.Exists(chromiumPath))
                {
                    error.WriteLine("Chromium not found: install Debian's chromium (apt-get install -y chromium), pass --chromium PATH, or use --no-browser.");
                    return 2;
                }

                BrowserResult browser = await BenchBrowser.RunAsync(renderer, requests, chromiumPath, work, samplesDir, browserSequential, browserParallel, output, cancellationToken);
                double skiaOne = Median(skiaSingle), chromeOne = Median(browser.Single);
                double skiaPer = skiaWall / parallelCount, chromePer = browser.ParallelWallMs / browserParallel;
                output.WriteLine();
                output.WriteLine("                                          SkiaSharp    Chromium   Chromium/SkiaSharp");
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"one at a time, median ms per thumbnail   {skiaOne,9:0.0}   {chromeOne,9:0.0}   {chromeOne / skiaOne,8:0.0}x"));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"in parallel ({parallelCount}/{browserParallel}), wall ms per thumbnail {skiaPer,7:0.00}   {chromePer,9:0.00}   {chromePer / skiaPer,8:0.0}x"));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"in parallel, median latency ms           {Median(skiaParallel),9:0.0}   {Median(browser.ParallelLatency),9:0.0}   {Median(browser.ParallelLatency) / Median(skiaParallel),8:0.0}x"));
                if (browser.SingleCpuMs is { } chromeCpu)
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"CPU ms per thumbnail, one at a time        {skiaSingleCpu,9:0.0}   {chromeCpu,9:0.0}   {chromeCpu / skiaSingleCpu,8:0.0}x   (Chromium: its own processes only, from /proc; robust to other load on the machine)"));
                }

                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Targets: median < 30 ms per thumbnail: {(skiaOne < 30 ? "met" : "MISSED")}; at least 20x faster than Chromium: {(chromeOne / skiaOne >= 20 ? "met" : "MISSED")} one at a time, {(chromePer / skiaPer >= 20 ? "met" : "MISSED")} in parallel."));
                return 0;
            }
            finally
            {
                Directory.Delete(work, recursive: true);
            }
        });
        return command;
    }

    private static double FontMegabytes(string root) =>
        Directory.GetFiles(Path.Combine(root, "thumbnails", "fonts"), "*.ttf").Sum(f => new FileInfo(f).Length) / 1048576.0;

    private static string RuntimeInfo() =>
        $"{System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}";

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    internal static double Median(double[] values) => Percentile(values, 0.5);

    internal static double Percentile(double[] values, double p)
    {
        if (values.Length == 0)
        {
            return double.NaN;
        }

        double[] sorted = [.. values.Order()];
        double rank = p * (sorted.Length - 1);
        int lo = (int)Math.Floor(rank), hi = (int)Math.Ceiling(rank);
        return sorted[lo] + ((sorted[hi] - sorted[lo]) * (rank - lo));
    }

    private sealed record BrowserResult(double[] Single, double[] ParallelLatency, double ParallelWallMs, double? SingleCpuMs);

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    /// <summary>User + system CPU of every process named chromium/chrome, from /proc (Linux); null elsewhere.</summary>
    private static double? ChromiumCpuMs()
    {
        if (!Directory.Exists("/proc"))
        {
            return null;
        }

        double ticks = 0;
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                int open = stat.IndexOf('('), close = stat.LastIndexOf(')');
                string name = stat[(open + 1)..close];
                if (!name.StartsWith("chrom", StringComparison.Ordinal))
                {
                    continue;
                }

                string[] fields = stat[(close + 2)..].Split(' ');
                ticks += double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
            {
                // the process exited while we read it
            }
        }

        return ticks * 10; // USER_HZ is 100 on Linux: one tick is 10 ms
    }

    /// <summary>The same designs as HTML pages, loaded and screenshotted (PNG, 1280x720) by headless Chromium.</summary>
    private static class BenchBrowser
    {
        public static async Task<BrowserResult> RunAsync(
            ThumbnailRenderer renderer, List<ThumbnailRequest> requests, string chromiumPath, string work, string? samplesDir,
            int sequential, int parallel, TextWriter output, CancellationToken cancellationToken)
        {
            // Pages are written before timing: the browser's cost is loading, laying out, painting and encoding.
            string pages = Path.Combine(work, "html");
            Directory.CreateDirectory(pages);
            List<string> urls = [];
            for (int i = 0; i < requests.Count; i++)
            {
                string file = Path.Combine(pages, $"{i}.html");
                await File.WriteAllTextAsync(file, ThumbnailHtml.Build(renderer, requests[i]), cancellationToken);
                urls.Add(new Uri(file).AbsoluteUri);
            }

            using IPlaywright playwright = await Playwright.CreateAsync();
            await using IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = chromiumPath,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
            });
            await using IBrowserContext context = await browser.NewContextAsync(new BrowserNewContextOptions
            {
                ViewportSize = new ViewportSize { Width = 1280, Height = 720 },
                DeviceScaleFactor = 1,
            });

            IPage page = await context.NewPageAsync();
            for (int i = 0; i < urls.Count; i++)
            {
                byte[] shot = await ShotAsync(page, urls[i]); // warm-up: font files, image decoders
                if (samplesDir is not null)
                {
                    await File.WriteAllBytesAsync(Path.Combine(samplesDir, $"{i:00}-chromium.png"), shot, cancellationToken);
                }
            }
            double[] single = new double[sequential];
            double? cpuBefore = ChromiumCpuMs();
            for (int i = 0; i < sequential; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                long start = Stopwatch.GetTimestamp();
                await ShotAsync(page, urls[i % urls.Count]);
                single[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }

            double? cpuEach = ChromiumCpuMs() - cpuBefore is { } used ? used / sequential : null;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Chromium one at a time: {sequential} screenshots, median {Median(single):0.0} ms, p95 {Percentile(single, 0.95):0.0} ms, CPU {cpuEach:0.0} ms each."));

            int workers = Environment.ProcessorCount;
            List<IPage> tabs = [page];
            for (int i = 1; i < workers; i++)
            {
                IPage tab = await context.NewPageAsync();
                await ShotAsync(tab, urls[0]);
                tabs.Add(tab);
            }

            double[] latency = new double[parallel];
            int next = -1;
            long wallStart = Stopwatch.GetTimestamp();
            await Task.WhenAll(tabs.Select(async tab =>
            {
                for (int i = Interlocked.Increment(ref next); i < parallel; i = Interlocked.Increment(ref next))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    long start = Stopwatch.GetTimestamp();
                    await ShotAsync(tab, urls[i % urls.Count]);
                    latency[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }
            }));
            double wall = Stopwatch.GetElapsedTime(wallStart).TotalMilliseconds;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Chromium {parallel} in parallel ({workers} tabs): wall {wall:0} ms = {wall / parallel:0.00} ms per thumbnail; median latency {Median(latency):0.0} ms."));
            return new BrowserResult(single, latency, wall, cpuEach);
        }

        private static async Task<byte[]> ShotAsync(IPage page, string url)
        {
            await page.GotoAsync(url, new PageGotoOptions { WaitUntil = WaitUntilState.Load });
            await page.EvaluateAsync("document.fonts.ready");
            return await page.ScreenshotAsync(new PageScreenshotOptions { Type = ScreenshotType.Png, FullPage = false });
        }
    }

    /// <summary>Sample designs and avatars for the benchmark (generated, so it needs nothing from episodes/).</summary>
    private static class BenchData
    {
        private static readonly ThumbnailPerson Host = new("host", "David Flanagan");

        public static List<ThumbnailRequest> Requests()
        {
            DateTimeOffset when = new(2026, 12, 3, 17, 0, 0, TimeSpan.Zero);
            ThumbnailPerson[] people =
            [
                new("p1", "Guy Templeton"), new("p2", "Дмитрий Иванов"), new("p3", "Ξένια Παπαδοπούλου"),
                new("p4", "山田太郎"), new("p5", "عمر الفاروق"), new("nobody", "Priya Sharma"),
            ];
            (string Template, string Show, string Title)[] designs =
            [
                ("klustered", "Klustered", "Klustered #7: Guy Templeton"),
                ("rawkode-live", "Rawkode Live", "eBPF for humans: tracing without tears"),
                ("default", "Cloud Native Clinic", "Debugging a Kubernetes control plane that refuses to schedule anything after an etcd restore at 3am"),
                ("klustered", "Klustered", "Shipping on Fridays 🚀🔥 what could go wrong?"),
                ("rawkode-live", "Rawkode Live", "クラウドネイティブ入門: Kubernetes 101"),
                ("default", "Cloud Native Clinic", "مرحبا Kubernetes: breaking CoreDNS"),
            ];
            List<ThumbnailRequest> requests = [];
            for (int i = 0; i < 12; i++)
            {
                (string template, string show, string title) = designs[i % designs.Length];
                int guests = i % 6; // 0..5 guests: host only, 1-4 avatars, and the "+N" overflow
                requests.Add(new ThumbnailRequest(template, show, title, when.AddDays(i), i % 4 == 3 ? "PREMIERE" : "LIVE", Host,
                    [.. Enumerable.Range(0, guests).Select(k => people[(i + k) % people.Length])]));
            }

            return requests;
        }

        /// <summary>400x400 PNG portraits for the hosts and guests (all but "nobody", who gets a monogram).</summary>
        public static void WriteAvatars(string directory)
        {
            Directory.CreateDirectory(directory);
            string[] ids = ["host", "p1", "p2", "p3", "p4", "p5"];
            for (int i = 0; i < ids.Length; i++)
            {
                using SKSurface surface = SKSurface.Create(new SKImageInfo(400, 400));
                SKCanvas canvas = surface.Canvas;
                using SKPaint background = new()
                {
                    Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(400, 400),
                        [SKColor.FromHsl(i * 57 % 360, 70, 55), SKColor.FromHsl((i * 57 + 40) % 360, 60, 25)], SKShaderTileMode.Clamp),
                };
                canvas.DrawRect(0, 0, 400, 400, background);
                using SKPaint body = new() { IsAntialias = true, Color = SKColor.FromHsl((i * 91) % 360, 50, 30) };
                canvas.DrawOval(new SKRect(60, 270, 340, 520), body);
                using SKPaint head = new() { IsAntialias = true, Color = SKColor.FromHsl(25, 45, 75 - (i * 6)) };
                canvas.DrawCircle(200, 170, 90, head);
                using SKImage image = surface.Snapshot();
                using SKData data = image.Encode(SKEncodedImageFormat.Png, 100);
                File.WriteAllBytes(Path.Combine(directory, ids[i] + ".png"), data.ToArray());
            }
        }
    }
}

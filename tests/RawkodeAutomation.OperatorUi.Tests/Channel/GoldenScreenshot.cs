using System.Runtime.CompilerServices;
using SkiaSharp;

namespace RawkodeAutomation.OperatorUi.Tests.Channel;

/// <summary>
/// Golden screenshots: <c>Expected/&lt;name&gt;.png</c> beside the tests is the approved page. A mismatch writes
/// <c>Expected/&lt;name&gt;.received.png</c> (git-ignored) and fails with its path; approve a change by copying the
/// received file over the expected one after looking at it.
/// </summary>
internal static class GoldenScreenshot
{
    /// <summary>Largest per-channel difference that still counts as the same pixel (anti-aliasing noise).</summary>
    public const int ChannelTolerance = 24;

    /// <summary>Pixels allowed past the tolerance: 0.2% of the page, for glyph rasterisation differences between machines.</summary>
    public const double MaxDifferentFraction = 0.002;

    public static void AssertMatches(byte[] png, string name, [CallerFilePath] string thisFile = "")
    {
        var directory = Path.Combine(Path.GetDirectoryName(thisFile)!, "Expected");
        var expectedPath = Path.Combine(directory, name + ".png");
        var receivedPath = Path.Combine(directory, name + ".received.png");
        using var actual = Decode(png) ?? throw new Xunit.Sdk.XunitException($"{name}: the screenshot is not a decodable PNG");
        if (!File.Exists(expectedPath))
        {
            Directory.CreateDirectory(directory);
            File.WriteAllBytes(receivedPath, png);
            throw new Xunit.Sdk.XunitException($"{name}: no expected screenshot yet. Look at {receivedPath} and, if it is right, rename it to {expectedPath}.");
        }
        using var expected = Decode(File.ReadAllBytes(expectedPath)) ?? throw new Xunit.Sdk.XunitException($"{expectedPath} is not a decodable PNG");
        var (different, worst) = Compare(expected, actual);
        var allowed = (int)(expected.Width * expected.Height * MaxDifferentFraction);
        if (expected.Width != actual.Width || expected.Height != actual.Height || different > allowed)
        {
            File.WriteAllBytes(receivedPath, png);
            throw new Xunit.Sdk.XunitException(
                $"{name}: {different} pixels differ by more than {ChannelTolerance} (allowed {allowed}; worst {worst}; sizes {expected.Width}x{expected.Height} vs {actual.Width}x{actual.Height}). " +
                $"Received screenshot: {receivedPath}");
        }
        File.Delete(receivedPath);
    }

    private static (int Different, int Worst) Compare(SKBitmap a, SKBitmap b)
    {
        if (a.Width != b.Width || a.Height != b.Height)
        {
            return (int.MaxValue, 255);
        }
        ReadOnlySpan<byte> pa = a.GetPixelSpan();
        ReadOnlySpan<byte> pb = b.GetPixelSpan();
        int different = 0, worst = 0;
        for (var i = 0; i < pa.Length; i += 4)
        {
            var d = Math.Max(Math.Max(Math.Abs(pa[i] - pb[i]), Math.Abs(pa[i + 1] - pb[i + 1])), Math.Max(Math.Abs(pa[i + 2] - pb[i + 2]), Math.Abs(pa[i + 3] - pb[i + 3])));
            worst = Math.Max(worst, d);
            if (d > ChannelTolerance)
            {
                different++;
            }
        }
        return (different, worst);
    }

    private static SKBitmap? Decode(byte[] bytes)
    {
        using var image = SKImage.FromEncodedData(bytes);
        if (image is null)
        {
            return null;
        }
        var bitmap = new SKBitmap(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        if (!image.ReadPixels(bitmap.Info, bitmap.GetPixels(), bitmap.RowBytes, 0, 0))
        {
            bitmap.Dispose();
            return null;
        }
        return bitmap;
    }
}

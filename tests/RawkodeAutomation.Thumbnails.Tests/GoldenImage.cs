using System.Runtime.CompilerServices;
using SkiaSharp;

namespace RawkodeAutomation.Thumbnails.Tests;

/// <summary>
/// Golden-image comparison: <c>Expected/&lt;name&gt;.png</c> beside the tests holds the decoded pixels of the approved
/// output. On a mismatch the actual pixels go to <c>Expected/&lt;name&gt;.received.png</c> (git-ignored) and the test
/// fails with that path; approve a change by copying the received file over the expected one.
/// </summary>
internal static class GoldenImage
{
    /// <summary>Largest per-channel difference that still counts as the same pixel (anti-aliasing noise).</summary>
    public const int ChannelTolerance = 12;

    /// <summary>How many pixels may exceed the tolerance (0.01% of 1280x720), for SIMD-dependent rounding only.</summary>
    public const int MaxDifferentPixels = 92;

    public static string ExpectedDirectory([CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "Expected");

    public static void AssertMatches(byte[] encoded, string name)
    {
        using SKBitmap actual = Decode(encoded) ?? throw new Xunit.Sdk.XunitException($"{name}: the renderer's output is not a decodable image");
        string directory = ExpectedDirectory();
        string expectedPath = Path.Combine(directory, name + ".png");
        string receivedPath = Path.Combine(directory, name + ".received.png");
        if (!File.Exists(expectedPath))
        {
            Write(actual, receivedPath);
            throw new Xunit.Sdk.XunitException($"{name}: no expected image yet. Look at {receivedPath} and, if it is right, rename it to {expectedPath}.");
        }

        using SKBitmap expected = Decode(File.ReadAllBytes(expectedPath))
            ?? throw new Xunit.Sdk.XunitException($"{expectedPath} is not a decodable PNG");
        (int different, int worst) = Compare(expected, actual);
        // 0.01% of the pixels (92 at 1280x720), and a few at list size where one pixel is a larger share.
        int allowed = Math.Max(3, MaxDifferentPixels * expected.Width * expected.Height / (1280 * 720));
        if (expected.Width != actual.Width || expected.Height != actual.Height || different > allowed)
        {
            Write(actual, receivedPath);
            throw new Xunit.Sdk.XunitException(
                $"{name}: {different} pixels differ by more than {ChannelTolerance} (worst {worst}; sizes {expected.Width}x{expected.Height} vs {actual.Width}x{actual.Height}). " +
                $"Received image: {receivedPath}");
        }

        File.Delete(receivedPath);
    }

    /// <summary>Pixels whose largest channel difference exceeds the tolerance, and the largest difference seen.</summary>
    public static (int Different, int Worst) Compare(SKBitmap a, SKBitmap b)
    {
        if (a.Width != b.Width || a.Height != b.Height)
        {
            return (int.MaxValue, 255);
        }

        ReadOnlySpan<byte> pa = a.GetPixelSpan();
        ReadOnlySpan<byte> pb = b.GetPixelSpan();
        int different = 0, worst = 0;
        for (int i = 0; i < pa.Length; i += 4)
        {
            int d = Math.Max(Math.Max(Math.Abs(pa[i] - pb[i]), Math.Abs(pa[i + 1] - pb[i + 1])), Math.Max(Math.Abs(pa[i + 2] - pb[i + 2]), Math.Abs(pa[i + 3] - pb[i + 3])));
            worst = Math.Max(worst, d);
            if (d > ChannelTolerance)
            {
                different++;
            }
        }

        return (different, worst);
    }

    public static SKBitmap? Decode(byte[] bytes)
    {
        using SKImage? image = SKImage.FromEncodedData(bytes);
        if (image is null)
        {
            return null;
        }

        // One pixel layout for both sides, whatever the files were encoded as.
        SKBitmap bitmap = new(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        if (!image.ReadPixels(bitmap.Info, bitmap.GetPixels(), bitmap.RowBytes, 0, 0))
        {
            bitmap.Dispose();
            return null;
        }

        return bitmap;
    }

    /// <summary>The picture as a browser shows it in a smaller box (cubic resampling), encoded as PNG.</summary>
    public static byte[] Downscale(byte[] encoded, int width, int height)
    {
        using SKBitmap full = Decode(encoded) ?? throw new Xunit.Sdk.XunitException("the renderer's output is not a decodable image");
        using SKBitmap small = full.Resize(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul), new SKSamplingOptions(SKCubicResampler.Mitchell))
            ?? throw new Xunit.Sdk.XunitException($"Skia could not scale to {width}x{height}");
        using SKData data = small.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static void Write(SKBitmap bitmap, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using SKData data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }
}

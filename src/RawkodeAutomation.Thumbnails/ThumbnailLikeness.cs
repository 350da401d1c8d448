using SkiaSharp;

namespace RawkodeAutomation.Thumbnails;

/// <summary>
/// Whether two encoded images show the same picture, as a person would judge at a glance. YouTube does not serve the
/// bytes it was sent: it re-encodes a thumbnail as JPEG at several sizes, so the image a video shows can only be
/// recognised by its looks. Both images are reduced to 160x90 grey levels and compared in 10x10 blocks: re-encoding
/// moves a block's average by a level or two, while another title, date or guest changes the blocks its text covers
/// by far more. Used to tell whether an upload that crashed before it was recorded reached the video.
/// </summary>
public static class ThumbnailLikeness
{
    private const int Width = 160;
    private const int Height = 90;
    private const int Block = 10;

    /// <summary>The largest difference of a block's average grey level (0-255) still judged the same picture.</summary>
    public const double Tolerance = 6;

    /// <summary>True when both decode and every block's average grey level differs by at most <see cref="Tolerance"/>.</summary>
    public static bool LookAlike(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var left = Grey(a);
        var right = Grey(b);
        return left is not null && right is not null && LargestBlockDifference(left, right) <= Tolerance;
    }

    /// <summary>The largest difference of a 10x10 block's average grey level between the two images (0-255); NaN if either does not decode.</summary>
    public static double LargestBlockDifference(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var left = Grey(a);
        var right = Grey(b);
        return left is null || right is null ? double.NaN : LargestBlockDifference(left, right);
    }

    private static double LargestBlockDifference(float[] left, float[] right)
    {
        double largest = 0;
        for (var by = 0; by < Height; by += Block)
        {
            for (var bx = 0; bx < Width; bx += Block)
            {
                double sum = 0;
                for (var y = by; y < by + Block; y++)
                {
                    for (var x = bx; x < bx + Block; x++)
                    {
                        sum += left[(y * Width) + x] - right[(y * Width) + x];
                    }
                }
                largest = Math.Max(largest, Math.Abs(sum / (Block * Block)));
            }
        }
        return largest;
    }

    private static float[]? Grey(ReadOnlySpan<byte> encoded)
    {
        using var data = SKData.CreateCopy(encoded);
        using var decoded = SKBitmap.Decode(data);
        if (decoded is null)
        {
            return null;
        }
        using var small = decoded.Resize(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Premul), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        if (small is null)
        {
            return null;
        }
        var grey = new float[Width * Height];
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var c = small.GetPixel(x, y);
                grey[(y * Width) + x] = (0.299f * c.Red) + (0.587f * c.Green) + (0.114f * c.Blue);
            }
        }
        return grey;
    }
}

using RawkodeAutomation.Thumbnails;

namespace RawkodeAutomation.Worker.Adapters;

/// <summary>
/// Reads back the image a video shows, to tell whether an upload that failed before it was recorded reached YouTube
/// (<see cref="YouTube.Operations.ThumbnailSpec.ShowsAlready"/>). The image host (i.ytimg.com on YouTube, the sandbox's
/// own page) is public: the request carries no credentials and costs no quota. Any failure to read counts as "not
/// shown", so the upload happens as it would without the read-back.
/// </summary>
public static class ThumbnailReadback
{
    private static readonly HttpClient Images = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>True when the image at <paramref name="url"/> looks like <paramref name="image"/> (see <see cref="ThumbnailLikeness"/>).</summary>
    public static async Task<bool> ShowsAsync(Uri url, ReadOnlyMemory<byte> image, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Images.GetAsync(url, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return false;
            }
            var served = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            return ThumbnailLikeness.LookAlike(served, image.Span);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}

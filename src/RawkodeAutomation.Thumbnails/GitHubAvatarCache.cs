using System.Net;

namespace RawkodeAutomation.Thumbnails;

/// <summary>What one <see cref="GitHubAvatarCache.FetchMissingAsync"/> did.</summary>
/// <param name="Fetched">Handles whose avatar was downloaded into the cache.</param>
/// <param name="NotFound">Handles GitHub has no avatar for (404): a monogram, and no retry in this run.</param>
/// <param name="Offline">Why fetching stopped early (no network, a timeout, an error status); null when it did not.</param>
public sealed record AvatarFetchReport(IReadOnlyList<string> Fetched, IReadOnlyList<string> NotFound, string? Offline);

/// <summary>
/// Fills the avatar cache (<see cref="ThumbnailAssets.AvatarCacheDirectory"/>) with the GitHub avatars of people who
/// have a GitHub handle but no <c>episodes/people/avatars/&lt;id&gt;.png</c>, so the renderer (which never touches the
/// network) can draw their face. A cached avatar is kept until the cache is deleted. Without network access the
/// first failure stops the run and everyone uncached keeps a monogram.
/// </summary>
/// <remarks>
/// GitHub serves every account's avatar at <c>https://github.com/&lt;handle&gt;.png</c> (a redirect to
/// avatars.githubusercontent.com); <c>?size=</c> asks for a square of that many pixels.
/// </remarks>
public sealed class GitHubAvatarCache(HttpClient http, ThumbnailAssets assets, Uri baseUri)
{
    /// <summary>Where avatars come from unless configured (<c>Thumbnails:AvatarBaseUri</c>).</summary>
    public static readonly Uri DefaultBaseUri = new("https://github.com/");

    /// <summary>Pixels per side asked for: the largest avatar circle of any template, with room to spare.</summary>
    public const int RequestedSize = 400;

    /// <summary>Larger downloads are refused: a real avatar at 400 px is a few tens of kilobytes.</summary>
    public const int MaxBytes = 4 * 1024 * 1024;

    /// <summary>
    /// Downloads the avatars the renderer would otherwise draw as monograms. Never throws for network trouble:
    /// it is reported in <see cref="AvatarFetchReport.Offline"/>.
    /// </summary>
    public async Task<AvatarFetchReport> FetchMissingAsync(IEnumerable<ThumbnailPerson> people, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(people);
        List<string> fetched = [], notFound = [];
        if (assets.AvatarCacheDirectory is null)
        {
            return new AvatarFetchReport(fetched, notFound, null);
        }

        IEnumerable<string> handles = people
            .Where(p => p.GitHub is not null && !File.Exists(assets.AvatarPath(p.Id)))
            .Select(p => p.GitHub!)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Where(h => !File.Exists(assets.GitHubAvatarPath(h)));
        foreach (string handle in handles)
        {
            Uri uri = new(baseUri, Uri.EscapeDataString(handle) + ".png?size=" + RequestedSize);
            try
            {
                using HttpResponseMessage response = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    notFound.Add(handle);
                    continue;
                }

                if (!response.IsSuccessStatusCode)
                {
                    return new AvatarFetchReport(fetched, notFound, $"GET {uri} answered {(int)response.StatusCode} {response.ReasonPhrase}");
                }

                byte[] bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                if (bytes.Length is 0 or > MaxBytes || !LooksLikeImage(bytes))
                {
                    notFound.Add(handle);
                    continue;
                }

                string path = assets.GitHubAvatarPath(handle)!;
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                // Written beside and moved into place: a render running at the same time never reads half a file.
                string partial = path + "." + Environment.ProcessId + ".partial";
                await File.WriteAllBytesAsync(partial, bytes, cancellationToken).ConfigureAwait(false);
                File.Move(partial, path, overwrite: true);
                fetched.Add(handle);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                string why = e is TaskCanceledException ? "timed out" : e.Message;
                return new AvatarFetchReport(fetched, notFound, $"GET {uri}: {why}");
            }
        }

        return new AvatarFetchReport(fetched, notFound, null);
    }

    /// <summary>PNG, JPEG or GIF magic bytes: GitHub serves avatars in these, and the renderer decodes them.</summary>
    private static bool LooksLikeImage(byte[] b) =>
        (b.Length > 8 && b[0] == 0x89 && b[1] == (byte)'P' && b[2] == (byte)'N' && b[3] == (byte)'G')
        || (b.Length > 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
        || (b.Length > 6 && b[0] == (byte)'G' && b[1] == (byte)'I' && b[2] == (byte)'F');
}

using System.Security.Cryptography;
using System.Text;

namespace RawkodeAutomation.GitHub.Webhooks;

/// <summary>
/// <c>X-Hub-Signature-256</c>: <c>sha256=</c> + lowercase hex HMAC-SHA256 of the raw body under the webhook secret
/// (<see href="https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries"/>).
/// </summary>
public static class WebhookSignature
{
    /// <summary>The header that carries the signature.</summary>
    public const string Header = "X-Hub-Signature-256";

    private const string Prefix = "sha256=";

    /// <summary>The header value GitHub would send for <paramref name="body"/>.</summary>
    public static string Compute(string secret, ReadOnlySpan<byte> body) =>
        Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>
    /// True when <paramref name="header"/> is the signature of <paramref name="body"/>. The comparison takes the same
    /// time wherever the first differing byte is, so the signature cannot be guessed byte by byte.
    /// </summary>
    public static bool Verify(string? header, string secret, ReadOnlySpan<byte> body)
    {
        Span<byte> given = stackalloc byte[32];
        if (!TryParse(header, given))
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[32];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body, expected);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    /// <summary>
    /// Reads the 32 bytes of a well-formed header (<c>sha256=</c> and 64 hex digits, either case) into
    /// <paramref name="digest"/>; false for anything else. Lets a receiver reject a request without reading its body.
    /// </summary>
    public static bool TryParse(string? header, Span<byte> digest)
    {
        if (string.IsNullOrEmpty(header) || !header.StartsWith(Prefix, StringComparison.Ordinal) || header.Length != Prefix.Length + 64)
        {
            return false;
        }

        return Convert.FromHexString(header.AsSpan(Prefix.Length), digest, out _, out var written) == System.Buffers.OperationStatus.Done && written == 32;
    }

    /// <summary>
    /// The one spelling of a signature (lowercase hex), or "" when it is malformed: the replay guard keys on it, so a
    /// captured signature resent in upper-case hex is recognised as the same signature.
    /// </summary>
    public static string Normalize(string? header)
    {
        Span<byte> digest = stackalloc byte[32];
        return TryParse(header, digest) ? Prefix + Convert.ToHexStringLower(digest) : "";
    }

    /// <summary>An HMAC-SHA256 under <paramref name="secret"/> fed as the body streams in; compare with <see cref="Matches"/>.</summary>
    public static IncrementalHash CreateHmac(string secret) => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));

    /// <summary>True when the streamed <paramref name="hmac"/> equals <paramref name="digest"/> (constant time).</summary>
    public static bool Matches(IncrementalHash hmac, ReadOnlySpan<byte> digest)
    {
        Span<byte> expected = stackalloc byte[32];
        hmac.GetHashAndReset(expected);
        return CryptographicOperations.FixedTimeEquals(expected, digest);
    }
}

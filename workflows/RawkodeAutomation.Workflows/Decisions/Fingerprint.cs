using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace RawkodeAutomation.Workflows.Decisions;

/// <summary>Short, stable content hashes. Pure (no clock, no I/O), so safe in workflow code.</summary>
public static class Fingerprint
{
    /// <summary>First 16 hex characters of the SHA-256 of the UTF-8 text.</summary>
    public static string Of(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];

    /// <summary>Fingerprint of a value's JSON form (property order is declaration order, so stable).</summary>
    public static string OfJson<T>(T value) => Of(JsonSerializer.Serialize(value));
}

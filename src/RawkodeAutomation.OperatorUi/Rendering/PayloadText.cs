using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Temporalio.Api.Common.V1;

namespace RawkodeAutomation.OperatorUi.Rendering;

/// <summary>
/// Turns payloads into text an operator can read, following the encodings of Temporal's default data
/// converter (https://docs.temporal.io/dataconversion#default-data-converter): JSON is pretty-printed,
/// anything else (binary, encrypted by a codec) is described rather than dumped.
/// </summary>
internal static class PayloadText
{
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        // The page HTML-encodes the text afterwards, so keeping non-ASCII readable is safe here.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Decode(Payload payload)
    {
        var encoding = payload.Metadata.TryGetValue("encoding", out var raw) ? raw.ToStringUtf8() : "";
        var size = payload.Data.Length;
        switch (encoding)
        {
            case "binary/null":
                return "null";
            case "json/plain":
            case "json/protobuf":
                return Json(payload.Data.ToStringUtf8());
            case "binary/plain":
                return $"<{size} bytes of binary data>";
            case "binary/protobuf":
                var type = payload.Metadata.TryGetValue("messageType", out var messageType) ? messageType.ToStringUtf8() : "protobuf";
                return $"<{type}, {size} bytes of binary protobuf>";
            case "":
                return IsUtf8(payload.Data.Span) ? payload.Data.ToStringUtf8() : $"<{size} bytes without an encoding>";
            default:
                // A payload codec (encryption, compression) ran on the client: only its codec server can decode it.
                return $"<{encoding}, {size} bytes: encoded by a payload codec this page does not have>";
        }
    }

    /// <summary>Several payloads as one text: a single payload as itself, more as a JSON-ish array.</summary>
    public static string Decode(IEnumerable<Payload> payloads)
    {
        var texts = payloads.Select(Decode).ToList();
        return texts.Count switch
        {
            0 => "(none)",
            1 => texts[0],
            _ => "[\n" + string.Join(",\n", texts.Select(t => "  " + t.Replace("\n", "\n  ", StringComparison.Ordinal))) + "\n]",
        };
    }

    private static string Json(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            var compact = JsonSerializer.Serialize(document.RootElement, Compact);
            return compact.Length <= 80 ? compact : JsonSerializer.Serialize(document.RootElement, Indented);
        }
        catch (JsonException)
        {
            return text;
        }
    }

    private static bool IsUtf8(ReadOnlySpan<byte> bytes)
    {
        try
        {
            _ = new UTF8Encoding(false, true).GetString(bytes);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}

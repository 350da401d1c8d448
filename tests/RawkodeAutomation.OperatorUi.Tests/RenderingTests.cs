using Google.Protobuf;
using RawkodeAutomation.OperatorUi.Pages;
using RawkodeAutomation.OperatorUi.Rendering;
using Temporalio.Api.Common.V1;

namespace RawkodeAutomation.OperatorUi.Tests;

/// <summary>Payload decoding, event attribute flattening and signal argument parsing, as plain functions.</summary>
public sealed class RenderingTests
{
    [Fact]
    public void Decode_ShortJson_StaysOnOneLine()
    {
        Assert.Equal("{\"episode\":\"klustered/7\"}", PayloadText.Decode(Payload("json/plain", "{ \"episode\" : \"klustered/7\" }")));
    }

    [Fact]
    public void Decode_LongJson_IsIndented()
    {
        var text = PayloadText.Decode(Payload("json/plain", $"{{\"summary\":\"{new string('x', 100)}\",\"n\":1}}"));

        Assert.Contains("\n  \"n\": 1", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_CodecEncodedPayload_SaysItCannotDecode()
    {
        var text = PayloadText.Decode(Payload("binary/encrypted", "\u0001\u0002secret"));

        Assert.Contains("binary/encrypted", text, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_NullPayload_IsNull()
    {
        Assert.Equal("null", PayloadText.Decode(Payload("binary/null", "")));
    }

    [Fact]
    public void Render_MessageWithHostileStrings_EncodesThem()
    {
        var attributes = new Temporalio.Api.History.V1.WorkflowExecutionSignaledEventAttributes
        {
            SignalName = "<b>Approve</b>",
            Input = new Payloads { Payloads_ = { Payload("json/plain", "\"<script>x</script>\"") } },
        };

        var html = ProtoText.Render(attributes).Value;

        Assert.Contains("&lt;b&gt;Approve&lt;/b&gt;", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        // Unset fields (identity, header) are left out.
        Assert.DoesNotContain("identity", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", 0)]
    [InlineData("[]", 0)]
    [InlineData("[\"ok\"]", 1)]
    [InlineData("[[1, 2], {\"a\": 1}]", 2)]
    public void TryParseArguments_JsonArray_OneArgumentPerElement(string text, int count)
    {
        Assert.True(WorkflowPages.TryParseArguments(text, out var args, out var error), error);
        Assert.Equal(count, args.Length);
    }

    [Theory]
    [InlineData("{\"a\": 1}", "must be a JSON array")]
    [InlineData("[1,", "not valid JSON (line 1")]
    public void TryParseArguments_BadText_SaysWhatIsWrong(string text, string expected)
    {
        Assert.False(WorkflowPages.TryParseArguments(text, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    private static Payload Payload(string encoding, string data) => new()
    {
        Metadata = { ["encoding"] = ByteString.CopyFromUtf8(encoding) },
        Data = ByteString.CopyFromUtf8(data),
    };
}

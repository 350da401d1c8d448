using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;

namespace RawkodeAutomation.OperatorUi.Rendering;

/// <summary>HTML that is already safe to emit (literal markup or something a renderer encoded).</summary>
internal readonly record struct Markup(string Value)
{
    public static readonly Markup Empty = new("");

    public override string ToString() => Value;
}

/// <summary>
/// Builds a page. Every value interpolated into <see cref="Add"/> is HTML-encoded unless it is a
/// <see cref="Markup"/>: workflow ids, payloads and error messages are user data, so encoding is the default
/// and trusting markup is the explicit exception.
/// </summary>
internal sealed class HtmlBuilder
{
    private readonly StringBuilder _builder = new();

    internal StringBuilder Builder => _builder;

    public HtmlBuilder Add([InterpolatedStringHandlerArgument("")] ref HtmlInterpolation html)
    {
        return this;
    }

    public HtmlBuilder Add(Markup markup)
    {
        _builder.Append(markup.Value);
        return this;
    }

    /// <summary>Appends text, encoded.</summary>
    public HtmlBuilder Text(string? text)
    {
        _builder.Append(Html.Encode(text));
        return this;
    }

    public Markup ToMarkup() => new(_builder.ToString());

    public override string ToString() => _builder.ToString();
}

/// <summary>Interpolated-string handler behind <see cref="HtmlBuilder.Add(ref HtmlInterpolation)"/>: literals verbatim, holes encoded.</summary>
[InterpolatedStringHandler]
internal readonly ref struct HtmlInterpolation
{
    private readonly StringBuilder _builder;

    public HtmlInterpolation(int literalLength, int formattedCount, HtmlBuilder target)
    {
        _ = literalLength;
        _ = formattedCount;
        _builder = target.Builder;
    }

    public void AppendLiteral(string literal) => _builder.Append(literal);

    public void AppendFormatted(Markup markup) => _builder.Append(markup.Value);

    public void AppendFormatted(string? text) => _builder.Append(Html.Encode(text));

    public void AppendFormatted<T>(T value) => _builder.Append(Html.Encode(Convert.ToString(value, CultureInfo.InvariantCulture)));

    public void AppendFormatted<T>(T value, string? format)
        where T : IFormattable => _builder.Append(Html.Encode(value.ToString(format, CultureInfo.InvariantCulture)));
}

internal static class Html
{
    // The relaxed encoder would leave non-ASCII as is, but the default one is the safe choice for attributes too;
    // browsers render the numeric references identically.
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Default;

    public static string Encode(string? text) => string.IsNullOrEmpty(text) ? "" : Encoder.Encode(text);

    public static Markup Raw(string html) => new(html);

    /// <summary>Builds a fragment with the same encoding rules as <see cref="HtmlBuilder.Add(ref HtmlInterpolation)"/>.</summary>
    public static Markup Fragment(Action<HtmlBuilder> build)
    {
        var builder = new HtmlBuilder();
        build(builder);
        return builder.ToMarkup();
    }

    /// <summary>A query string from name/value pairs, skipping empty values; each part is URL-encoded.</summary>
    public static string Query(params (string Name, string? Value)[] parameters)
    {
        var parts = parameters
            .Where(p => !string.IsNullOrEmpty(p.Value))
            .Select(p => $"{Uri.EscapeDataString(p.Name)}={Uri.EscapeDataString(p.Value!)}")
            .ToList();
        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }

    public static string Time(DateTime? time) =>
        time is { } t ? t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "";

    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
        {
            return "-" + Duration(-span);
        }
        if (span.TotalSeconds < 1)
        {
            return FormattableString.Invariant($"{span.TotalMilliseconds:0}ms");
        }
        if (span.TotalMinutes < 1)
        {
            return span.Milliseconds == 0 ? FormattableString.Invariant($"{span.Seconds}s") : FormattableString.Invariant($"{span.TotalSeconds:0.###}s");
        }
        var parts = new List<string>();
        if (span.Days > 0)
        {
            parts.Add(FormattableString.Invariant($"{span.Days}d"));
        }
        if (span.Hours > 0)
        {
            parts.Add(FormattableString.Invariant($"{span.Hours}h"));
        }
        if (span.Minutes > 0)
        {
            parts.Add(FormattableString.Invariant($"{span.Minutes}m"));
        }
        if (span.Seconds > 0)
        {
            parts.Add(FormattableString.Invariant($"{span.Seconds}s"));
        }
        return string.Join(' ', parts);
    }
}

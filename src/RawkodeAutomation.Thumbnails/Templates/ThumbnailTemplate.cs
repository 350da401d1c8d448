using System.Globalization;
using SkiaSharp;

namespace RawkodeAutomation.Thumbnails.Templates;

// The template is data (thumbnails/templates/<name>.yaml). These classes are the YAML shape: YamlDotNet fills them,
// rejecting unknown keys, and ThumbnailTemplateLoader checks the values. Coordinates are pixels on the 1280x720 canvas.

/// <summary>A thumbnail design loaded from <c>thumbnails/templates/&lt;name&gt;.yaml</c>.</summary>
public sealed class ThumbnailTemplate
{
    /// <summary>The template name (file name without <c>.yaml</c>).</summary>
    public string Name { get; set; } = "";

    /// <summary>.NET date format for <c>{date}</c>, rendered in UTC with the invariant culture.</summary>
    public string DateFormat { get; set; } = "dddd d MMMM yyyy · HH:mm 'UTC'";

    public BackgroundSpec Background { get; set; } = new();

    /// <summary>Decorative shapes, drawn in order over the background.</summary>
    public List<ShapeSpec> Shapes { get; set; } = [];

    /// <summary>Brand images (logos), paths relative to <c>thumbnails/</c>.</summary>
    public List<ImageSpec> Images { get; set; } = [];

    /// <summary>Text blocks; <c>value</c> may use {show} {title} {date} {host} {guests} {badge}.</summary>
    public List<TextSpec> Texts { get; set; } = [];

    public BadgeSpec? Badge { get; set; }

    public GuestsSpec? Guests { get; set; }
}

public sealed class BackgroundSpec
{
    /// <summary>Solid colour under everything (CSS hex: #RGB, #RRGGBB or #RRGGBBAA).</summary>
    public string Color { get; set; } = "#000000";

    public GradientSpec? Gradient { get; set; }

    /// <summary>Optional image, relative to <c>thumbnails/</c>, scaled to cover the canvas.</summary>
    public string? Image { get; set; }

    public float ImageOpacity { get; set; } = 1f;

    public PatternSpec? Pattern { get; set; }
}

public sealed class GradientSpec
{
    public List<string> Colors { get; set; } = [];

    /// <summary>CSS convention: 0 points up, 90 points right, 180 points down.</summary>
    public float Angle { get; set; } = 180f;
}

public sealed class PatternSpec
{
    /// <summary><c>grid</c> (lines) or <c>dots</c>.</summary>
    public string Kind { get; set; } = "grid";

    public float Spacing { get; set; } = 40f;

    public string Color { get; set; } = "#FFFFFF10";

    public float Size { get; set; } = 1f;
}

public sealed class ShapeSpec
{
    /// <summary><c>rect</c> or <c>circle</c> (the circle fills the box's inscribed ellipse).</summary>
    public string Kind { get; set; } = "rect";

    /// <summary>[x, y, width, height].</summary>
    public List<float> Box { get; set; } = [];

    public string? Color { get; set; }

    public GradientSpec? Gradient { get; set; }

    public float Radius { get; set; }
}

public sealed class ImageSpec
{
    public string File { get; set; } = "";

    public List<float> Box { get; set; } = [];

    public float Opacity { get; set; } = 1f;
}

public sealed class TextSpec
{
    public string Value { get; set; } = "";

    public List<float> Box { get; set; } = [];

    /// <summary>A family from <c>thumbnails/fonts/fonts.yaml</c>, e.g. <c>regular</c> or <c>bold</c>.</summary>
    public string Font { get; set; } = "regular";

    /// <summary>The preferred size in pixels; long text shrinks from here towards <see cref="MinSize"/>.</summary>
    public float Size { get; set; } = 40f;

    /// <summary>The smallest size; below it, text is cut with an ellipsis. Defaults to <see cref="Size"/>.</summary>
    public float? MinSize { get; set; }

    public int MaxLines { get; set; } = 1;

    /// <summary>Line height as a multiple of the size.</summary>
    public float LineHeight { get; set; } = 1.15f;

    public string Color { get; set; } = "#FFFFFF";

    /// <summary><c>left</c>, <c>center</c> or <c>right</c>.</summary>
    public string Align { get; set; } = "left";

    /// <summary><c>top</c>, <c>middle</c> or <c>bottom</c>.</summary>
    public string Valign { get; set; } = "top";

    /// <summary><c>none</c> or <c>upper</c>.</summary>
    public string Transform { get; set; } = "none";

    public ShadowSpec? Shadow { get; set; }
}

public sealed class ShadowSpec
{
    public string Color { get; set; } = "#00000080";

    public float OffsetX { get; set; }

    public float OffsetY { get; set; } = 4f;

    public float Blur { get; set; } = 8f;
}

public sealed class BadgeSpec
{
    /// <summary>[x, y, width, height]: the pill grows to fit its text, anchored on <see cref="Anchor"/>.</summary>
    public List<float> Box { get; set; } = [];

    /// <summary><c>left</c> or <c>right</c>: which edge of the box stays put when the pill grows.</summary>
    public string Anchor { get; set; } = "right";

    public string Fill { get; set; } = "#DC2626";

    public string Color { get; set; } = "#FFFFFF";

    public string Font { get; set; } = "bold";

    public float Size { get; set; } = 28f;

    public float Padding { get; set; } = 22f;

    /// <summary>A dot before the text (the "on air" light), in this colour; none when unset.</summary>
    public string? Dot { get; set; }
}

public sealed class GuestsSpec
{
    /// <summary>The area the avatar grid (1 to 4 circles, names under each) is fitted into.</summary>
    public List<float> Box { get; set; } = [];

    /// <summary>Largest avatar diameter.</summary>
    public float MaxDiameter { get; set; } = 300f;

    public float Gap { get; set; } = 28f;

    public string RingColor { get; set; } = "#FFFFFF";

    public float RingWidth { get; set; } = 6f;

    /// <summary>With no guests, show the host's avatar instead of an empty area.</summary>
    public bool HostWhenEmpty { get; set; } = true;

    /// <summary>Style of the name under each avatar (its box and value are computed).</summary>
    public TextSpec Names { get; set; } = new() { Font = "bold", Size = 26, MinSize = 18, Align = "center" };

    /// <summary>Colours for generated monograms, picked by a stable hash of the person id.</summary>
    public List<string> MonogramColors { get; set; } = ["#7C3AED", "#2563EB", "#059669", "#D97706", "#DB2777", "#0891B2"];
}

/// <summary>Parses the colours and boxes that templates write as strings and lists.</summary>
public static class TemplateValues
{
    /// <summary>Parses CSS hex colours (#RGB, #RRGGBB, #RRGGBBAA), the order HTML uses too.</summary>
    public static bool TryParseColor(string? text, out SKColor color)
    {
        color = SKColors.Transparent;
        if (string.IsNullOrEmpty(text) || text[0] != '#')
        {
            return false;
        }

        string hex = text[1..];
        if (hex.Length == 3)
        {
            hex = string.Concat(hex.Select(c => new string(c, 2)));
        }

        if ((hex.Length != 6 && hex.Length != 8) || !uint.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint value))
        {
            return false;
        }

        color = hex.Length == 6
            ? new SKColor((byte)(value >> 16), (byte)(value >> 8), (byte)value)
            : new SKColor((byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value);
        return true;
    }

    /// <summary>A colour already validated by the loader.</summary>
    public static SKColor Color(string text) =>
        TryParseColor(text, out SKColor color) ? color : throw new InvalidOperationException($"unvalidated colour '{text}'");

    public static SKRect Rect(IReadOnlyList<float> box) => SKRect.Create(box[0], box[1], box[2], box[3]);
}

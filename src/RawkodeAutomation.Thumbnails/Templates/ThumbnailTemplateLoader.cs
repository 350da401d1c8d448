using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace RawkodeAutomation.Thumbnails.Templates;

/// <summary>A template file that cannot be used; the message says which file and where.</summary>
public sealed class ThumbnailTemplateException(string message) : Exception(message);

/// <summary>Strict loading of <c>thumbnails/templates/&lt;name&gt;.yaml</c>: unknown keys and bad values are errors.</summary>
public static class ThumbnailTemplateLoader
{
    private static readonly IDeserializer Deserializer = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .WithDuplicateKeyChecking()
        .Build();

    /// <summary>Parses and validates a template. <paramref name="displayPath"/> is used in messages.</summary>
    public static ThumbnailTemplate Parse(string yaml, string name, string displayPath, Func<string, bool> assetExists)
    {
        ThumbnailTemplate template;
        try
        {
            template = Deserializer.Deserialize<ThumbnailTemplate>(yaml) ?? new ThumbnailTemplate();
        }
        catch (YamlException e)
        {
            // YamlDotNet nests the useful message (e.g. "Property 'x' not found") one level down.
            string message = e.InnerException?.Message ?? e.Message;
            throw new ThumbnailTemplateException($"{displayPath}:{e.Start.Line}:{e.Start.Column}: {message}");
        }

        template.Name = name;
        List<string> errors = [];
        Validate(template, errors, assetExists);
        if (errors.Count > 0)
        {
            throw new ThumbnailTemplateException(string.Join(Environment.NewLine, errors.Select(e => $"{displayPath}: {e}")));
        }

        return template;
    }

    private static void Validate(ThumbnailTemplate t, List<string> errors, Func<string, bool> assetExists)
    {
        try
        {
            _ = DateTimeOffset.UnixEpoch.ToString(t.DateFormat, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (FormatException)
        {
            errors.Add($"dateFormat: '{t.DateFormat}' is not a valid .NET date format");
        }

        Color(t.Background.Color, "background.color", errors);
        Gradient(t.Background.Gradient, "background.gradient", errors);
        if (t.Background.Image is { } image)
        {
            Asset(image, "background.image", errors, assetExists);
        }

        if (t.Background.Pattern is { } pattern)
        {
            Color(pattern.Color, "background.pattern.color", errors);
            OneOf(pattern.Kind, ["grid", "dots"], "background.pattern.kind", errors);
            if (pattern.Spacing < 4)
            {
                errors.Add("background.pattern.spacing: must be at least 4");
            }
        }

        for (int i = 0; i < t.Shapes.Count; i++)
        {
            ShapeSpec s = t.Shapes[i];
            string at = $"shapes[{i}]";
            OneOf(s.Kind, ["rect", "circle"], $"{at}.kind", errors);
            Box(s.Box, $"{at}.box", errors);
            if (s.Color is null && s.Gradient is null)
            {
                errors.Add($"{at}: needs a color or a gradient");
            }

            if (s.Color is not null)
            {
                Color(s.Color, $"{at}.color", errors);
            }

            Gradient(s.Gradient, $"{at}.gradient", errors);
        }

        for (int i = 0; i < t.Images.Count; i++)
        {
            Box(t.Images[i].Box, $"images[{i}].box", errors);
            Asset(t.Images[i].File, $"images[{i}].file", errors, assetExists);
        }

        for (int i = 0; i < t.Texts.Count; i++)
        {
            Box(t.Texts[i].Box, $"texts[{i}].box", errors);
            Text(t.Texts[i], $"texts[{i}]", errors);
        }

        if (t.Badge is { } badge)
        {
            Box(badge.Box, "badge.box", errors);
            Color(badge.Fill, "badge.fill", errors);
            Color(badge.Color, "badge.color", errors);
            OneOf(badge.Anchor, ["left", "right"], "badge.anchor", errors);
            if (badge.Dot is not null)
            {
                Color(badge.Dot, "badge.dot", errors);
            }
        }

        if (t.Guests is { } guests)
        {
            Box(guests.Box, "guests.box", errors);
            Color(guests.RingColor, "guests.ringColor", errors);
            Text(guests.Names, "guests.names", errors);
            if (guests.MonogramColors.Count == 0)
            {
                errors.Add("guests.monogramColors: needs at least one colour");
            }

            for (int i = 0; i < guests.MonogramColors.Count; i++)
            {
                Color(guests.MonogramColors[i], $"guests.monogramColors[{i}]", errors);
            }
        }
    }

    private static void Text(TextSpec s, string at, List<string> errors)
    {
        Color(s.Color, $"{at}.color", errors);
        OneOf(s.Align, ["left", "center", "right"], $"{at}.align", errors);
        OneOf(s.Valign, ["top", "middle", "bottom"], $"{at}.valign", errors);
        OneOf(s.Transform, ["none", "upper"], $"{at}.transform", errors);
        if (s.Size is < 6 or > 400)
        {
            errors.Add($"{at}.size: {s.Size} is outside 6..400");
        }

        if (s.MinSize is { } min && (min < 6 || min > s.Size))
        {
            errors.Add($"{at}.minSize: {min} must be between 6 and size ({s.Size})");
        }

        if (s.MaxLines is < 1 or > 10)
        {
            errors.Add($"{at}.maxLines: {s.MaxLines} is outside 1..10");
        }

        if (s.Shadow is { } shadow)
        {
            Color(shadow.Color, $"{at}.shadow.color", errors);
        }
    }

    private static void Gradient(GradientSpec? g, string at, List<string> errors)
    {
        if (g is null)
        {
            return;
        }

        if (g.Colors.Count < 2)
        {
            errors.Add($"{at}.colors: a gradient needs at least two colours");
        }

        for (int i = 0; i < g.Colors.Count; i++)
        {
            Color(g.Colors[i], $"{at}.colors[{i}]", errors);
        }
    }

    private static void Color(string value, string at, List<string> errors)
    {
        if (!TemplateValues.TryParseColor(value, out _))
        {
            errors.Add($"{at}: '{value}' is not a colour (use #RGB, #RRGGBB or #RRGGBBAA)");
        }
    }

    private static void Box(List<float> box, string at, List<string> errors)
    {
        if (box.Count != 4 || box[2] <= 0 || box[3] <= 0)
        {
            errors.Add($"{at}: must be [x, y, width, height] with a positive width and height");
        }
    }

    private static void OneOf(string value, string[] allowed, string at, List<string> errors)
    {
        if (!allowed.Contains(value, StringComparer.Ordinal))
        {
            errors.Add($"{at}: '{value}' is not one of {string.Join(", ", allowed)}");
        }
    }

    private static void Asset(string path, string at, List<string> errors, Func<string, bool> assetExists)
    {
        if (path.Contains("..", StringComparison.Ordinal) || Path.IsPathRooted(path))
        {
            errors.Add($"{at}: '{path}' must be a path inside thumbnails/");
        }
        else if (!assetExists(path))
        {
            errors.Add($"{at}: thumbnails/{path} does not exist");
        }
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using RawkodeAutomation.Thumbnails.Templates;
using RawkodeAutomation.Thumbnails.Text;
using SkiaSharp;

namespace RawkodeAutomation.Thumbnails;

/// <summary>
/// Renders 1280x720 episode thumbnails with SkiaSharp from the templates in <c>thumbnails/templates/</c>, shaping
/// text with HarfBuzz and using only the fonts in <c>thumbnails/fonts/</c>, so the same inputs give the same pixels
/// on every machine. Thread-safe: one instance can render many thumbnails in parallel.
/// </summary>
/// <remarks>YouTube accepts JPEG or PNG, 16:9, at most 2 MB: https://developers.google.com/youtube/v3/docs/thumbnails/set</remarks>
public sealed class ThumbnailRenderer : IDisposable
{
    public const int Width = 1280;
    public const int Height = 720;

    /// <summary>YouTube's limit for a custom thumbnail.</summary>
    public const int MaxBytes = 2 * 1024 * 1024;

    /// <summary>Bumped whenever the drawing code changes what the same inputs look like, so hashes change too.</summary>
    private const string RendererVersion = "rawkode-thumbnails/1";

    private readonly ThumbnailAssets _assets;
    private readonly Lazy<FontCatalog> _fonts;
    private readonly ConcurrentDictionary<string, Lazy<LoadedTemplate>> _templates = new(StringComparer.Ordinal);

    public ThumbnailRenderer(ThumbnailAssets assets)
    {
        _assets = assets ?? throw new ArgumentNullException(nameof(assets));
        _fonts = new Lazy<FontCatalog>(() => FontCatalog.Load(assets.FontsDirectory), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public ThumbnailAssets Assets => _assets;

    internal FontCatalog Fonts => _fonts.Value;

    /// <summary>
    /// Hashes the inputs (renderer version, template file and its images, fonts, text, avatar files) without
    /// rendering: cheap enough to call for every episode on every reconcile.
    /// </summary>
    /// <exception cref="ThumbnailTemplateException">The template is missing or invalid.</exception>
    public string ComputeHash(ThumbnailRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        LoadedTemplate template = Template(request.Template);
        using IncrementalHash sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string? value)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(value ?? "\0null");
            sha.AppendData(BitConverter.GetBytes(bytes.Length)); // length-prefixed, so ("ab","c") != ("a","bc")
            sha.AppendData(bytes);
        }

        Add(RendererVersion);
        Add(request.Template);
        Add(template.Hash);
        Add(Fonts.Hash);
        Add(request.ShowName);
        Add(request.Title);
        Add(request.ScheduledFor?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
        Add(request.Badge);
        foreach (ThumbnailPerson person in PeopleShown(request, template.Template))
        {
            Add(person.Id);
            Add(person.Name);
            string path = _assets.AvatarPath(person.Id);
            Add(File.Exists(path) ? Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))) : "no-avatar");
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>Renders and encodes one thumbnail (PNG or JPEG, whichever is smaller; never over 2 MB).</summary>
    /// <exception cref="ThumbnailTemplateException">The template is missing or invalid.</exception>
    /// <exception cref="ThumbnailFontException">A font listed in <c>thumbnails/fonts/fonts.yaml</c> is missing.</exception>
    public RenderedThumbnail Render(ThumbnailRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        List<string> warnings = [];
        using SKSurface surface = SKSurface.Create(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException("Skia could not allocate a 1280x720 raster surface");
        Draw(surface.Canvas, request, warnings);
        using SKPixmap pixmap = surface.PeekPixels();
        (byte[] bytes, string contentType) = Encode(pixmap);
        return new RenderedThumbnail(bytes, contentType, ComputeHash(request), Width, Height, warnings);
    }

    /// <summary>The parsed template (cached), for tools that need its layout, e.g. the HTML comparison in the bench.</summary>
    public ThumbnailTemplate LoadTemplate(string name) => Template(name).Template;

    /// <summary>Resolves a template's text placeholders for a request, exactly as the renderer does.</summary>
    public string ResolveText(string value, ThumbnailRequest request, ThumbnailTemplate template)
    {
        string date = request.ScheduledFor is { } when
            ? when.ToUniversalTime().ToString(template.DateFormat, CultureInfo.InvariantCulture)
            : "";
        return value
            .Replace("{show}", request.ShowName, StringComparison.Ordinal)
            .Replace("{title}", request.Title, StringComparison.Ordinal)
            .Replace("{date}", date, StringComparison.Ordinal)
            .Replace("{host}", request.Host?.Name ?? "", StringComparison.Ordinal)
            .Replace("{guests}", string.Join(" · ", request.Guests.Select(g => g.Name)), StringComparison.Ordinal)
            .Replace("{badge}", request.Badge ?? "", StringComparison.Ordinal)
            .Trim();
    }

    /// <summary>Who gets an avatar: the guests, or the host when there are none and the template asks for it.</summary>
    public static IReadOnlyList<ThumbnailPerson> PeopleShown(ThumbnailRequest request, ThumbnailTemplate template)
    {
        if (template.Guests is null)
        {
            return [];
        }

        if (request.Guests.Count == 0)
        {
            return template.Guests.HostWhenEmpty && request.Host is not null ? [request.Host] : [];
        }

        return request.Guests.Count <= 4 ? request.Guests : [.. request.Guests.Take(3)];
    }

    public void Dispose()
    {
        if (_fonts.IsValueCreated)
        {
            _fonts.Value.Dispose();
        }

        foreach (Lazy<LoadedTemplate> t in _templates.Values)
        {
            if (t.IsValueCreated)
            {
                t.Value.Dispose();
            }
        }
    }

    private void Draw(SKCanvas canvas, ThumbnailRequest request, List<string> warnings)
    {
        LoadedTemplate loaded = Template(request.Template);
        ThumbnailTemplate t = loaded.Template;
        SKRect canvasRect = SKRect.Create(Width, Height);

        DrawBackground(canvas, t.Background, loaded, canvasRect);
        foreach (ShapeSpec shape in t.Shapes)
        {
            DrawShape(canvas, shape);
        }

        foreach (ImageSpec image in t.Images)
        {
            DrawContained(canvas, loaded.Images[image.File], TemplateValues.Rect(image.Box), image.Opacity);
        }

        for (int i = 0; i < t.Texts.Count; i++)
        {
            TextSpec spec = t.Texts[i];
            string value = ResolveText(spec.Value, request, t);
            if (value.Length == 0)
            {
                continue;
            }

            DrawText(canvas, value, spec, TemplateValues.Rect(spec.Box), $"texts[{i}] ('{spec.Value}')", warnings);
        }

        if (t.Badge is { } badge && !string.IsNullOrWhiteSpace(request.Badge))
        {
            DrawBadge(canvas, badge, request.Badge.Trim().ToUpperInvariant(), warnings);
        }

        if (t.Guests is { } guests)
        {
            DrawGuests(canvas, guests, request, t, warnings);
        }
    }

    private static void DrawBackground(SKCanvas canvas, BackgroundSpec bg, LoadedTemplate loaded, SKRect rect)
    {
        canvas.Clear(TemplateValues.Color(bg.Color));
        if (bg.Gradient is { } gradient)
        {
            using SKPaint paint = GradientPaint(gradient, rect);
            canvas.DrawRect(rect, paint);
        }

        if (bg.Image is { } image)
        {
            DrawCover(canvas, loaded.Images[image], rect, bg.ImageOpacity);
        }

        if (bg.Pattern is { } pattern)
        {
            using SKPaint paint = new() { Color = TemplateValues.Color(pattern.Color), IsAntialias = true, StrokeWidth = pattern.Size };
            if (pattern.Kind == "grid")
            {
                for (float x = pattern.Spacing; x < rect.Width; x += pattern.Spacing)
                {
                    canvas.DrawLine(x, 0, x, rect.Height, paint);
                }

                for (float y = pattern.Spacing; y < rect.Height; y += pattern.Spacing)
                {
                    canvas.DrawLine(0, y, rect.Width, y, paint);
                }
            }
            else
            {
                List<SKPoint> dots = [];
                for (float y = pattern.Spacing / 2; y < rect.Height; y += pattern.Spacing)
                {
                    for (float x = pattern.Spacing / 2; x < rect.Width; x += pattern.Spacing)
                    {
                        dots.Add(new SKPoint(x, y));
                    }
                }

                // Round caps turn each point into a dot of diameter StrokeWidth.
                paint.StrokeCap = SKStrokeCap.Round;
                paint.StrokeWidth = pattern.Size * 2;
                canvas.DrawPoints(SKPointMode.Points, [.. dots], paint);
            }
        }
    }

    private static void DrawShape(SKCanvas canvas, ShapeSpec shape)
    {
        SKRect box = TemplateValues.Rect(shape.Box);
        using SKPaint paint = shape.Gradient is { } g ? GradientPaint(g, box) : new SKPaint { Color = TemplateValues.Color(shape.Color!) };
        paint.IsAntialias = true;
        if (shape.Kind == "circle")
        {
            canvas.DrawOval(box, paint);
        }
        else if (shape.Radius > 0)
        {
            canvas.DrawRoundRect(box, shape.Radius, shape.Radius, paint);
        }
        else
        {
            canvas.DrawRect(box, paint);
        }
    }

    /// <summary>A linear gradient with CSS <c>linear-gradient(&lt;angle&gt;deg, ...)</c> geometry, so HTML matches.</summary>
    private static SKPaint GradientPaint(GradientSpec gradient, SKRect box)
    {
        double radians = gradient.Angle * Math.PI / 180;
        float dx = (float)Math.Sin(radians), dy = (float)-Math.Cos(radians);
        float half = ((Math.Abs(box.Width * dx) + Math.Abs(box.Height * dy)) / 2);
        SKPoint start = new(box.MidX - (dx * half), box.MidY - (dy * half));
        SKPoint end = new(box.MidX + (dx * half), box.MidY + (dy * half));
        SKColor[] colors = [.. gradient.Colors.Select(TemplateValues.Color)];
        return new SKPaint
        {
            Shader = SKShader.CreateLinearGradient(start, end, colors, SKShaderTileMode.Clamp),
            IsAntialias = true,
        };
    }

    private void DrawText(SKCanvas canvas, string value, TextSpec spec, SKRect box, string where, List<string> warnings)
    {
        if (spec.Transform == "upper")
        {
            value = value.ToUpperInvariant();
        }

        TextStyle style = Style(spec);
        FittedText fitted = TextBlock.Fit(value, style, box);
        ReportMissingGlyphs(fitted.Paragraph, where, style.Family, warnings);
        TextBlock.Draw(canvas, fitted, style, box);
    }

    private TextStyle Style(TextSpec spec)
    {
        SKColor? shadow = spec.Shadow is { } s ? TemplateValues.Color(s.Color) : null;
        return new TextStyle(
            Fonts.Family(spec.Font),
            spec.Size,
            spec.MinSize ?? spec.Size,
            spec.MaxLines,
            spec.LineHeight,
            TemplateValues.Color(spec.Color),
            spec.Align,
            spec.Valign,
            shadow,
            spec.Shadow?.OffsetX ?? 0,
            spec.Shadow?.OffsetY ?? 0,
            spec.Shadow?.Blur ?? 0);
    }

    private static void ReportMissingGlyphs(Paragraph paragraph, string where, FontFamily family, List<string> warnings)
    {
        if (paragraph.MissingCodePoints.Count > 0)
        {
            string list = string.Join(", ", paragraph.MissingCodePoints.Distinct().Select(cp => $"U+{cp:X4}"));
            warnings.Add($"{where}: no font in family '{family.Name}' (thumbnails/fonts/fonts.yaml) has {list}; they render as boxes");
        }
    }

    private void DrawBadge(SKCanvas canvas, BadgeSpec badge, string text, List<string> warnings)
    {
        SKRect box = TemplateValues.Rect(badge.Box);
        FontFamily family = Fonts.Family(badge.Font);
        float dot = badge.Dot is null ? 0 : badge.Size * 0.55f;
        float dotGap = badge.Dot is null ? 0 : badge.Size * 0.4f;
        float textWidth = TextBlock.MeasureLine(text, family, badge.Size);
        float width = Math.Min(Width - box.Left, textWidth + dot + dotGap + (2 * badge.Padding));
        float left = badge.Anchor == "right" ? box.Right - width : box.Left;
        SKRect pill = SKRect.Create(left, box.Top, width, box.Height);
        using SKPaint fill = new() { Color = TemplateValues.Color(badge.Fill), IsAntialias = true };
        canvas.DrawRoundRect(pill, box.Height / 2, box.Height / 2, fill);
        if (badge.Dot is { } dotColor)
        {
            using SKPaint dotPaint = new() { Color = TemplateValues.Color(dotColor), IsAntialias = true };
            canvas.DrawCircle(pill.Left + badge.Padding + (dot / 2), pill.MidY, dot / 2, dotPaint);
        }

        SKRect textBox = new(pill.Left + badge.Padding + dot + dotGap, pill.Top, pill.Right - badge.Padding + 1, pill.Bottom);
        TextStyle style = new(family, badge.Size, badge.Size * 0.6f, 1, 1f, TemplateValues.Color(badge.Color), "left", "middle");
        FittedText fitted = TextBlock.Fit(text, style, textBox);
        ReportMissingGlyphs(fitted.Paragraph, "badge", family, warnings);
        TextBlock.Draw(canvas, fitted, style, textBox);
    }

    private void DrawGuests(SKCanvas canvas, GuestsSpec spec, ThumbnailRequest request, ThumbnailTemplate template, List<string> warnings)
    {
        List<ThumbnailPerson?> people = [.. PeopleShown(request, template)];
        int extra = request.Guests.Count > 4 ? request.Guests.Count - 3 : 0;
        if (extra > 0)
        {
            people.Add(null); // the "+N" circle
        }

        if (people.Count == 0)
        {
            return;
        }

        SKRect area = TemplateValues.Rect(spec.Box);
        float nameHeight = spec.Names.Size * spec.Names.LineHeight * spec.Names.MaxLines;
        int[] rows = GuestRows(people.Count, spec, area, nameHeight, out float diameter);
        float blockHeight = (rows.Length * (diameter + nameHeight)) + ((rows.Length - 1) * spec.Gap);
        float y = area.MidY - (blockHeight / 2);
        int index = 0;
        TextStyle nameStyle = Style(spec.Names);
        foreach (int inRow in rows)
        {
            float rowWidth = (inRow * diameter) + ((inRow - 1) * spec.Gap);
            float x = area.MidX - (rowWidth / 2);
            for (int k = 0; k < inRow; k++, index++)
            {
                SKRect circle = SKRect.Create(x, y, diameter, diameter);
                ThumbnailPerson? person = people[index];
                if (person is null)
                {
                    DrawMonogramCircle(canvas, circle, $"+{extra}", TemplateValues.Color(spec.MonogramColors[0]));
                }
                else
                {
                    DrawAvatar(canvas, spec, person, circle, warnings);
                    float nameWidth = Math.Max(diameter + (spec.Gap / 2), inRow == 1 ? area.Width : 0);
                    SKRect nameBox = SKRect.Create(circle.MidX - (nameWidth / 2), circle.Bottom + (spec.Gap / 3), nameWidth, nameHeight);
                    FittedText fitted = TextBlock.Fit(person.Name, nameStyle, nameBox);
                    ReportMissingGlyphs(fitted.Paragraph, $"guest '{person.Id}' name", nameStyle.Family, warnings);
                    TextBlock.Draw(canvas, fitted, nameStyle, nameBox);
                }

                if (spec.RingWidth > 0)
                {
                    using SKPaint ring = new()
                    {
                        Color = TemplateValues.Color(spec.RingColor),
                        IsAntialias = true,
                        Style = SKPaintStyle.Stroke,
                        StrokeWidth = spec.RingWidth,
                    };
                    canvas.DrawCircle(circle.MidX, circle.MidY, (diameter / 2) - (spec.RingWidth / 2), ring);
                }

                x += diameter + spec.Gap;
            }

            y += diameter + nameHeight + spec.Gap;
        }
    }

    /// <summary>Picks the arrangement (one row, or two rows) that gives the largest avatars in the area.</summary>
    private static int[] GuestRows(int count, GuestsSpec spec, SKRect area, float nameHeight, out float diameter)
    {
        int[][] options = count switch
        {
            1 => [[1]],
            2 => [[2], [1, 1]],
            3 => [[3], [2, 1]],
            _ => [[4], [2, 2]],
        };
        int[] best = options[0];
        diameter = 0;
        foreach (int[] rows in options)
        {
            int widest = rows.Max();
            float byWidth = (area.Width - ((widest - 1) * spec.Gap)) / widest;
            float byHeight = (area.Height - (rows.Length * nameHeight) - ((rows.Length - 1) * spec.Gap)) / rows.Length;
            float d = Math.Min(spec.MaxDiameter, Math.Min(byWidth, byHeight));
            if (d > diameter + 0.5f)
            {
                diameter = d;
                best = rows;
            }
        }

        diameter = Math.Max(24, MathF.Floor(diameter));
        return best;
    }

    private void DrawAvatar(SKCanvas canvas, GuestsSpec spec, ThumbnailPerson person, SKRect circle, List<string> warnings)
    {
        string path = _assets.AvatarPath(person.Id);
        string display = $"episodes/people/avatars/{person.Id}.png";
        SKImage? image = null;
        if (!File.Exists(path))
        {
            warnings.Add($"{display}: no avatar for '{person.Id}'; drew a monogram");
        }
        else
        {
            byte[] bytes = File.ReadAllBytes(path);
            using SKData data = SKData.CreateCopy(bytes);
            image = SKImage.FromEncodedData(data);
            if (image is null)
            {
                warnings.Add($"{display}: not a readable PNG/JPEG image; drew a monogram instead (replace the file)");
            }
            else if (image.Width < 16 || image.Height < 16)
            {
                warnings.Add($"{display}: {image.Width}x{image.Height} is too small; drew a monogram instead");
                image.Dispose();
                image = null;
            }
        }

        if (image is null)
        {
            SKColor color = TemplateValues.Color(spec.MonogramColors[StableIndex(person.Id, spec.MonogramColors.Count)]);
            DrawMonogramCircle(canvas, circle, Initials(person.Name), color);
            return;
        }

        using (image)
        {
            canvas.Save();
            using SKRoundRect clip = new(circle, circle.Width / 2, circle.Height / 2);
            canvas.ClipRoundRect(clip, SKClipOperation.Intersect, antialias: true);
            DrawCover(canvas, image, circle, 1f);
            canvas.Restore();
        }
    }

    private void DrawMonogramCircle(SKCanvas canvas, SKRect circle, string text, SKColor color)
    {
        using SKPaint fill = new() { Color = color, IsAntialias = true };
        canvas.DrawOval(circle, fill);
        using SKPaint sheen = new()
        {
            IsAntialias = true,
            Shader = SKShader.CreateLinearGradient(
                new SKPoint(circle.Left, circle.Top),
                new SKPoint(circle.Right, circle.Bottom),
                [new SKColor(255, 255, 255, 56), new SKColor(0, 0, 0, 56)],
                SKShaderTileMode.Clamp),
        };
        canvas.DrawOval(circle, sheen);
        TextStyle style = new(Fonts.Family("bold"), circle.Height * 0.38f, circle.Height * 0.2f, 1, 1f, SKColors.White, "center", "middle");
        SKRect box = SKRect.Create(circle.Left + (circle.Width * 0.12f), circle.Top, circle.Width * 0.76f, circle.Height);
        TextBlock.Draw(canvas, TextBlock.Fit(text, style, box), style, box);
    }

    /// <summary>First letter of the first and last words ("Guy Templeton" → "GT"); one letter for one-word names.</summary>
    internal static string Initials(string name)
    {
        string[] words = name.Split([' ', '\t', '-'], StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0)
        {
            return "?";
        }

        static string First(string word) => StringInfo.GetNextTextElement(word);
        string initials = words.Length == 1 ? First(words[0]) : First(words[0]) + First(words[^1]);
        return initials.ToUpperInvariant();
    }

    private static int StableIndex(string id, int count) =>
        (int)(BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes(id)), 0) % (uint)count);

    private static void DrawCover(SKCanvas canvas, SKImage image, SKRect dest, float opacity)
    {
        float scale = Math.Max(dest.Width / image.Width, dest.Height / image.Height);
        float w = dest.Width / scale, h = dest.Height / scale;
        SKRect source = SKRect.Create((image.Width - w) / 2, (image.Height - h) / 2, w, h);
        using SKPaint paint = new() { Color = SKColors.White.WithAlpha((byte)Math.Round(Math.Clamp(opacity, 0, 1) * 255)) };
        canvas.DrawImage(image, source, dest, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear), paint);
    }

    private static void DrawContained(SKCanvas canvas, SKImage image, SKRect box, float opacity)
    {
        float scale = Math.Min(box.Width / image.Width, box.Height / image.Height);
        float w = image.Width * scale, h = image.Height * scale;
        SKRect dest = SKRect.Create(box.Left, box.MidY - (h / 2), w, h);
        using SKPaint paint = new() { Color = SKColors.White.WithAlpha((byte)Math.Round(Math.Clamp(opacity, 0, 1) * 255)) };
        canvas.DrawImage(image, dest, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear), paint);
    }

    /// <summary>
    /// PNG and JPEG (quality 92, no chroma subsampling, so coloured text stays crisp); the smaller one wins. If both
    /// exceed 2 MB (only a noisy photo background could), JPEG quality steps down until it fits.
    /// </summary>
    private static (byte[] Bytes, string ContentType) Encode(SKPixmap pixmap)
    {
        using SKData png = pixmap.Encode(new SKPngEncoderOptions(SKPngEncoderFilterFlags.Sub | SKPngEncoderFilterFlags.Up, 6))
            ?? throw new InvalidOperationException("Skia failed to encode PNG");
        using SKData jpeg = pixmap.Encode(new SKJpegEncoderOptions(92, SKJpegEncoderDownsample.Downsample444, SKJpegEncoderAlphaOption.Ignore))
            ?? throw new InvalidOperationException("Skia failed to encode JPEG");
        if (png.Size <= jpeg.Size && png.Size <= MaxBytes)
        {
            return (png.ToArray(), "image/png");
        }

        if (jpeg.Size <= MaxBytes)
        {
            return (jpeg.ToArray(), "image/jpeg");
        }

        for (int quality = 84; quality >= 40; quality -= 8)
        {
            using SKData smaller = pixmap.Encode(new SKJpegEncoderOptions(quality, SKJpegEncoderDownsample.Downsample420, SKJpegEncoderAlphaOption.Ignore))!;
            if (smaller.Size <= MaxBytes)
            {
                return (smaller.ToArray(), "image/jpeg");
            }
        }

        throw new InvalidOperationException("the thumbnail does not fit in 2 MB even as a low-quality JPEG");
    }

    private LoadedTemplate Template(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || !System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z0-9]+(-[a-z0-9]+)*$"))
        {
            throw new ThumbnailTemplateException($"'{name}' is not a template name (lowercase kebab-case, a file in thumbnails/templates/)");
        }

        Lazy<LoadedTemplate> lazy = _templates.GetOrAdd(name, n => new Lazy<LoadedTemplate>(() => LoadTemplateFile(n), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch (ThumbnailTemplateException)
        {
            _templates.TryRemove(name, out _); // let a fixed file load next time
            throw;
        }
    }

    private LoadedTemplate LoadTemplateFile(string name)
    {
        string path = _assets.TemplatePath(name);
        string display = $"thumbnails/templates/{name}.yaml";
        if (!File.Exists(path))
        {
            string known = Directory.Exists(Path.GetDirectoryName(path))
                ? string.Join(", ", Directory.GetFiles(Path.GetDirectoryName(path)!, "*.yaml").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal))
                : "none";
            throw new ThumbnailTemplateException($"{display}: no such template (known: {known})");
        }

        string yaml = File.ReadAllText(path);
        ThumbnailTemplate template = ThumbnailTemplateLoader.Parse(yaml, name, display, rel => File.Exists(Path.Combine(_assets.ThumbnailsDirectory, rel)));
        foreach (TextSpec text in template.Texts.Append(template.Guests?.Names).OfType<TextSpec>())
        {
            if (!Fonts.FamilyNames.Contains(text.Font))
            {
                throw new ThumbnailTemplateException($"{display}: font '{text.Font}' is not a family in thumbnails/fonts/fonts.yaml");
            }
        }

        using IncrementalHash sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(yaml));
        Dictionary<string, SKImage> images = new(StringComparer.Ordinal);
        IEnumerable<string> files = template.Images.Select(i => i.File)
            .Concat(template.Background.Image is { } bg ? [bg] : [])
            .Distinct(StringComparer.Ordinal);
        foreach (string file in files)
        {
            byte[] bytes = File.ReadAllBytes(Path.Combine(_assets.ThumbnailsDirectory, file));
            sha.AppendData(Encoding.UTF8.GetBytes(file));
            sha.AppendData(SHA256.HashData(bytes));
            SKImage image = SKImage.FromEncodedData(bytes)
                ?? throw new ThumbnailTemplateException($"{display}: thumbnails/{file} is not a readable image");
            // Decode once up front: a lazily decoded image would be decoded again on every render.
            images[file] = image.ToRasterImage(ensurePixelData: true) ?? image;
        }

        return new LoadedTemplate(template, Convert.ToHexStringLower(sha.GetHashAndReset()), images);
    }

    private sealed record LoadedTemplate(ThumbnailTemplate Template, string Hash, Dictionary<string, SKImage> Images) : IDisposable
    {
        public void Dispose()
        {
            foreach (SKImage image in Images.Values)
            {
                image.Dispose();
            }
        }
    }
}

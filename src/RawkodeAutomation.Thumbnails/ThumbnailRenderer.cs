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
    private const string RendererVersion = "rawkode-thumbnails/2";

    private readonly ThumbnailAssets _assets;
    private readonly Lazy<FontCatalog> _fonts;
    private readonly ConcurrentDictionary<string, Lazy<LoadedTemplate>> _templates = new(StringComparer.Ordinal);

    /// <summary>Decoded, scaled avatars by content hash and size: a worker renders the same faces again and again.</summary>
    private readonly ConcurrentDictionary<string, SKImage> _avatars = new(StringComparer.Ordinal);

    private const int MaxCachedAvatars = 512;

    private readonly ThreadLocal<SKSurface> _surfaces = new(
        () => SKSurface.Create(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException("Skia could not allocate a 1280x720 raster surface"),
        trackAllValues: true);

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
            Add(AvatarFile(person) is { } path ? Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))) : "no-avatar");
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
        List<string> missingAvatars = [];
        LoadedTemplate template = Template(request.Template);
        // One surface per thread, reused: every pixel is overwritten by the base layer, and a fresh 3.7 MB surface per
        // thumbnail costs more in page faults than some of the drawing does.
        SKSurface surface = _surfaces.Value!;
        SKCanvas canvas = surface.Canvas;
        canvas.Save();
        try
        {
            Draw(canvas, request, warnings, missingAvatars);
        }
        finally
        {
            canvas.RestoreToCount(1);
        }

        using SKPixmap pixmap = surface.PeekPixels();
        (byte[] bytes, string contentType) = Encode(pixmap, template.PngMayWin.Value);
        return new RenderedThumbnail(bytes, contentType, ComputeHash(request), Width, Height, warnings) { MissingAvatars = missingAvatars };
    }

    /// <summary>The font families of <c>thumbnails/fonts/fonts.yaml</c>: family name → font files in fallback order.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> FontFamilies() =>
        Fonts.FamilyNames.ToDictionary(
            name => name,
            name => (IReadOnlyList<string>)[.. Fonts.Family(name).Fonts.Select(f => f.FileName)],
            StringComparer.Ordinal);

    /// <summary>The parsed template (cached), for tools that need its layout, e.g. the HTML comparison in the bench.</summary>
    public ThumbnailTemplate LoadTemplate(string name) => Template(name).Template;

    /// <summary>Resolves a template's text placeholders for a request, exactly as the renderer does.</summary>
    public static string ResolveText(string value, ThumbnailRequest request, ThumbnailTemplate template)
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

        foreach (SKSurface surface in _surfaces.Values)
        {
            surface.Dispose();
        }

        _surfaces.Dispose();
        foreach (SKImage avatar in _avatars.Values)
        {
            avatar.Dispose();
        }

        foreach (Lazy<LoadedTemplate> t in _templates.Values)
        {
            if (t.IsValueCreated)
            {
                t.Value.Dispose();
            }
        }
    }

    /// <summary>
    /// The picture of a person: <c>episodes/people/avatars/&lt;id&gt;.png</c>, else their GitHub avatar when it is in the
    /// cache (<see cref="GitHubAvatarCache"/> fills it), else null (a monogram).
    /// </summary>
    public string? AvatarFile(ThumbnailPerson person)
    {
        ArgumentNullException.ThrowIfNull(person);
        string path = _assets.AvatarPath(person.Id);
        if (File.Exists(path))
        {
            return path;
        }

        return person.GitHub is { } handle && _assets.GitHubAvatarPath(handle) is { } cached && File.Exists(cached) ? cached : null;
    }

    private void Draw(SKCanvas canvas, ThumbnailRequest request, List<string> warnings, List<string> missingAvatars)
    {
        LoadedTemplate loaded = Template(request.Template);
        ThumbnailTemplate t = loaded.Template;
        // Background, shapes and brand images are the same for every episode of a template: drawn once, then copied.
        using (SKPaint copy = new() { BlendMode = SKBlendMode.Src })
        {
            canvas.DrawImage(loaded.BaseLayer.Value, 0, 0, SKSamplingOptions.Default, copy);
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
            DrawGuests(canvas, guests, request, t, warnings, missingAvatars);
        }
    }

    private static SKImage DrawBaseLayer(ThumbnailTemplate t, Dictionary<string, SKImage> images)
    {
        using SKSurface surface = SKSurface.Create(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException("Skia could not allocate a 1280x720 raster surface");
        SKCanvas canvas = surface.Canvas;
        DrawBackground(canvas, t.Background, images, SKRect.Create(Width, Height));
        foreach (ShapeSpec shape in t.Shapes)
        {
            DrawShape(canvas, shape);
        }

        foreach (ImageSpec image in t.Images)
        {
            DrawContained(canvas, images[image.File], TemplateValues.Rect(image.Box), image.Opacity);
        }

        return surface.Snapshot();
    }

    private static void DrawBackground(SKCanvas canvas, BackgroundSpec bg, Dictionary<string, SKImage> images, SKRect rect)
    {
        canvas.Clear(TemplateValues.Color(bg.Color));
        if (bg.Gradient is { } gradient)
        {
            using SKPaint paint = GradientPaint(gradient, rect);
            canvas.DrawRect(rect, paint);
        }

        if (bg.Image is { } image)
        {
            DrawCover(canvas, images[image], rect, bg.ImageOpacity);
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

    private void DrawGuests(SKCanvas canvas, GuestsSpec spec, ThumbnailRequest request, ThumbnailTemplate template, List<string> warnings, List<string> missingAvatars)
    {
        TextStyle nameStyle = Style(spec.Names);
        IReadOnlyList<GuestSlot> slots = GuestLayout.Compute(request, template);
        float common = CommonNameSize(slots, nameStyle);
        TextStyle ownStyle = nameStyle with { Size = common };
        nameStyle = nameStyle with { Size = common, MinSize = common };
        foreach (GuestSlot slot in slots)
        {
            if (slot.Person is null)
            {
                DrawMonogramCircle(canvas, slot.Circle, slot.Label, TemplateValues.Color(spec.MonogramColors[0]));
            }
            else
            {
                DrawAvatar(canvas, spec, slot.Person, slot.Circle, warnings, missingAvatars);
                FittedText fitted = TextBlock.Fit(slot.Person.Name, nameStyle, slot.NameBox);
                if (fitted.Ellipsized)
                {
                    // Too long for the shared size even on two lines: as large as it fits, rather than cut early.
                    fitted = TextBlock.Fit(slot.Person.Name, ownStyle, slot.NameBox);
                }

                ReportMissingGlyphs(fitted.Paragraph, $"guest '{slot.Person.Id}' name", nameStyle.Family, warnings);
                TextBlock.Draw(canvas, fitted, nameStyle, slot.NameBox);
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
                canvas.DrawCircle(slot.Circle.MidX, slot.Circle.MidY, (slot.Circle.Width / 2) - (spec.RingWidth / 2), ring);
            }
        }
    }

    /// <summary>
    /// Names side by side share one size: the largest at which every name fits (a long name wraps onto its second line
    /// before anything shrinks), so no guest's name looks less important than their neighbour's. A name too long to
    /// fit even at the minimum size is cut with an ellipsis at the shared size rather than shrinking everyone.
    /// </summary>
    internal static float CommonNameSize(IReadOnlyList<GuestSlot> slots, TextStyle style)
    {
        List<FittedText> fitted = [.. slots.Where(s => s.Person is not null).Select(s => TextBlock.Fit(s.Person!.Name, style, s.NameBox))];
        return fitted.Where(f => !f.Ellipsized).Select(f => f.Size).DefaultIfEmpty(fitted.Count == 0 ? style.Size : style.MinSize).Min();
    }

    private void DrawAvatar(SKCanvas canvas, GuestsSpec spec, ThumbnailPerson person, SKRect circle, List<string> warnings, List<string> missingAvatars)
    {
        string? path = AvatarFile(person);
        string display = path is null || path == _assets.AvatarPath(person.Id)
            ? $"episodes/people/avatars/{person.Id}.png"
            : $"the cached GitHub avatar of '{person.GitHub}' ({path})";
        SKImage? image = null;
        bool owned = false; // true when the cache is full and this render must dispose the image
        if (path is null)
        {
            // Not a problem with this thumbnail: the caller sums these up once for the whole run.
            missingAvatars.Add(person.Id);
        }
        else
        {
            byte[] bytes = File.ReadAllBytes(path);
            int size = (int)Math.Round(circle.Width);
            // Keyed by content and size: an edited file is a new key, so the cache can never show a stale face.
            string key = Convert.ToHexStringLower(SHA256.HashData(bytes)) + "@" + size.ToString(CultureInfo.InvariantCulture);
            if (!_avatars.TryGetValue(key, out image) && ScaledAvatar(bytes, size, display, warnings) is { } fresh)
            {
                if (_avatars.Count < MaxCachedAvatars)
                {
                    image = _avatars.GetOrAdd(key, fresh);
                    if (!ReferenceEquals(image, fresh))
                    {
                        fresh.Dispose(); // another thread cached the same avatar first
                    }
                }
                else
                {
                    image = fresh;
                    owned = true;
                }
            }
        }

        if (image is null)
        {
            SKColor color = TemplateValues.Color(spec.MonogramColors[StableIndex(person.Id, spec.MonogramColors.Count)]);
            DrawMonogramCircle(canvas, circle, Initials(person.Name), color);
            return;
        }

        canvas.Save();
        using SKRoundRect clip = new(circle, circle.Width / 2, circle.Height / 2);
        canvas.ClipRoundRect(clip, SKClipOperation.Intersect, antialias: true);
        canvas.DrawImage(image, circle, new SKSamplingOptions(SKFilterMode.Linear));
        canvas.Restore();
        if (owned)
        {
            image.Dispose();
        }
    }

    /// <summary>Decodes an avatar and scales its centre square to the circle's size once (high-quality, mipmapped).</summary>
    private static SKImage? ScaledAvatar(byte[] bytes, int size, string display, List<string> warnings)
    {
        using SKImage? decoded = SKImage.FromEncodedData(bytes);
        if (decoded is null)
        {
            warnings.Add($"{display}: not a readable PNG/JPEG image; drew a monogram instead (replace the file)");
            return null;
        }

        if (decoded.Width < 16 || decoded.Height < 16)
        {
            warnings.Add($"{display}: {decoded.Width}x{decoded.Height} is too small; drew a monogram instead");
            return null;
        }

        using SKSurface surface = SKSurface.Create(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException("Skia could not allocate an avatar surface");
        DrawCover(surface.Canvas, decoded, SKRect.Create(size, size), 1f);
        return surface.Snapshot();
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
    /// JPEG (quality 92) or PNG, whichever is smaller. JPEG uses 4:2:0 chroma like the JPEGs YouTube serves its
    /// thumbnails as, so full-resolution chroma would be thrown away on upload anyway; luma (what makes text sharp) is
    /// kept at full resolution. A full PNG encode costs several JPEGs, so PNG is only tried when the template's own
    /// background is PNG-friendly (<see cref="PngMayWinFor"/>) and PNG-encoding a sample of rows predicts it wins.
    /// A quality-92 4:2:0 JPEG of 1280x720 pure noise is about 0.8 MB, so the 2 MB limit holds with room to spare; the
    /// quality step-down is a safety net for a lower limit (tested with one).
    /// </summary>
    internal static (byte[] Bytes, string ContentType) Encode(SKPixmap pixmap, bool pngMayWin, int maxBytes = MaxBytes)
    {
        using SKData jpeg = pixmap.Encode(JpegOptions) ?? throw new InvalidOperationException("Skia failed to encode JPEG");
        // The sample over-estimates (each band pays PNG's fixed overhead and starts a fresh zlib window), so PNG is
        // tried when the estimate is within 25% of the JPEG; the exact comparison below decides.
        if (pngMayWin && EstimatePngSize(pixmap) < jpeg.Size * 1.25)
        {
            using SKData png = pixmap.Encode(PngOptions) ?? throw new InvalidOperationException("Skia failed to encode PNG");
            if (png.Size <= jpeg.Size && png.Size <= maxBytes)
            {
                return (png.ToArray(), "image/png");
            }
        }

        if (jpeg.Size <= maxBytes)
        {
            return (jpeg.ToArray(), "image/jpeg");
        }

        for (int quality = 84; quality >= 40; quality -= 8)
        {
            using SKData smaller = pixmap.Encode(new SKJpegEncoderOptions(quality, SKJpegEncoderDownsample.Downsample420, SKJpegEncoderAlphaOption.Ignore))!;
            if (smaller.Size <= maxBytes)
            {
                return (smaller.ToArray(), "image/jpeg");
            }
        }

        throw new InvalidOperationException($"the thumbnail does not fit in {maxBytes} bytes even as a quality-40 JPEG");
    }

    private static readonly SKJpegEncoderOptions JpegOptions = new(92, SKJpegEncoderDownsample.Downsample420, SKJpegEncoderAlphaOption.Ignore);

    /// <summary>
    /// Whether PNG can ever be the smaller format for a template: text and avatars add more to a PNG than to a JPEG,
    /// so when the background alone is over 1.5 times larger as PNG than as JPEG, no episode of it will favour PNG.
    /// Decided once per template, from its cached background.
    /// </summary>
    private static bool PngMayWinFor(SKImage baseLayer)
    {
        using SKPixmap pixmap = baseLayer.PeekPixels();
        using SKData jpeg = pixmap.Encode(JpegOptions)!;
        return EstimatePngSize(pixmap) < jpeg.Size * 1.5;
    }

    private static readonly SKPngEncoderOptions PngOptions = new(SKPngEncoderFilterFlags.Sub | SKPngEncoderFilterFlags.Up, 6);

    /// <summary>PNG-encodes 4 bands of 16 rows spread over the picture and scales their size up to the full height.</summary>
    internal static long EstimatePngSize(SKPixmap pixmap)
    {
        const int bands = 4, rows = 16;
        long sampled = 0;
        for (int i = 0; i < bands; i++)
        {
            int top = (int)((i + 0.5) * pixmap.Height / bands) - (rows / 2);
            using SKPixmap band = pixmap.ExtractSubset(SKRectI.Create(0, top, pixmap.Width, rows))!;
            using SKData data = band.Encode(PngOptions)!;
            sampled += data.Size;
        }

        return sampled * pixmap.Height / (bands * rows);
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

    private sealed class LoadedTemplate : IDisposable
    {
        public LoadedTemplate(ThumbnailTemplate template, string hash, Dictionary<string, SKImage> images)
        {
            Template = template;
            Hash = hash;
            Images = images;
            BaseLayer = new(() => DrawBaseLayer(template, images), LazyThreadSafetyMode.ExecutionAndPublication);
            PngMayWin = new(() => PngMayWinFor(BaseLayer.Value), LazyThreadSafetyMode.ExecutionAndPublication);
        }

        public ThumbnailTemplate Template { get; }

        public string Hash { get; }

        public Dictionary<string, SKImage> Images { get; }

        /// <summary>Background, shapes and brand images, drawn once.</summary>
        public Lazy<SKImage> BaseLayer { get; }

        public Lazy<bool> PngMayWin { get; }

        public void Dispose()
        {
            if (BaseLayer.IsValueCreated)
            {
                BaseLayer.Value.Dispose();
            }

            foreach (SKImage image in Images.Values)
            {
                image.Dispose();
            }
        }
    }
}

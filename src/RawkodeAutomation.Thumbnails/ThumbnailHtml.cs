using System.Globalization;
using System.Net;
using System.Text;
using RawkodeAutomation.Thumbnails.Templates;
using SkiaSharp;

namespace RawkodeAutomation.Thumbnails;

/// <summary>
/// The same design as <see cref="ThumbnailRenderer"/>, written as an HTML page (same template, fonts, avatars and
/// layout), for the benchmark that screenshots it with headless Chromium. It fits text the way an HTML thumbnail
/// generator would: a script shrinks each block until it fits, then CSS line-clamp adds the ellipsis.
/// </summary>
public static class ThumbnailHtml
{
    public static string Build(ThumbnailRenderer renderer, ThumbnailRequest request)
    {
        ArgumentNullException.ThrowIfNull(renderer);
        ArgumentNullException.ThrowIfNull(request);
        ThumbnailTemplate t = renderer.LoadTemplate(request.Template);
        ThumbnailAssets assets = renderer.Assets;
        StringBuilder html = new();
        html.Append("<!doctype html><html><head><meta charset=\"utf-8\"><style>");
        foreach ((string family, IReadOnlyList<string> files) in renderer.FontFamilies())
        {
            for (int i = 0; i < files.Count; i++)
            {
                html.Append(CultureInfo.InvariantCulture, $"@font-face{{font-family:'rk-{family}-{i}';src:url('{FileUrl(Path.Combine(assets.FontsDirectory, files[i]))}');}}");
            }
        }

        html.Append("html,body{margin:0;padding:0}body{width:1280px;height:720px;overflow:hidden}");
        html.Append(".c{position:relative;width:1280px;height:720px;overflow:hidden}");
        html.Append(".a{position:absolute;box-sizing:border-box}");
        html.Append(".t{display:flex;flex-direction:column;overflow:hidden}");
        html.Append(".t>span{display:-webkit-box;-webkit-box-orient:vertical;overflow:hidden;overflow-wrap:anywhere}");
        html.Append("</style></head><body><div class=\"c\" style=\"");
        html.Append(Background(t.Background, assets)).Append("\">");

        foreach (ShapeSpec shape in t.Shapes)
        {
            string fill = shape.Gradient is { } g ? $"background:{Gradient(g)}" : $"background:{Css(shape.Color!)}";
            string radius = shape.Kind == "circle" ? "50%" : Px(shape.Radius);
            html.Append(CultureInfo.InvariantCulture, $"<div class=\"a\" style=\"{Box(shape.Box)};{fill};border-radius:{radius}\"></div>");
        }

        foreach (ImageSpec image in t.Images)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<img class=\"a\" src=\"{FileUrl(Path.Combine(assets.ThumbnailsDirectory, image.File))}\" style=\"{Box(image.Box)};object-fit:contain;object-position:left center;opacity:{image.Opacity.ToString(CultureInfo.InvariantCulture)}\">");
        }

        foreach (TextSpec text in t.Texts)
        {
            string value = ThumbnailRenderer.ResolveText(text.Value, request, t);
            if (value.Length > 0)
            {
                Text(html, text, value, Box(text.Box));
            }
        }

        if (t.Badge is { } badge && !string.IsNullOrWhiteSpace(request.Badge))
        {
            SKRect box = TemplateValues.Rect(badge.Box);
            string anchor = badge.Anchor == "right" ? $"right:{Px(1280 - box.Right)}" : $"left:{Px(box.Left)}";
            string dot = badge.Dot is null ? "" :
                $"<span style=\"display:inline-block;width:{Px(badge.Size * 0.55f)};height:{Px(badge.Size * 0.55f)};border-radius:50%;background:{Css(badge.Dot)};margin-right:{Px(badge.Size * 0.4f)}\"></span>";
            html.Append(CultureInfo.InvariantCulture,
                $"<div class=\"a\" style=\"top:{Px(box.Top)};{anchor};height:{Px(box.Height)};padding:0 {Px(badge.Padding)};border-radius:{Px(box.Height / 2)};background:{Css(badge.Fill)};color:{Css(badge.Color)};font:{Px(badge.Size)} {Families(renderer, badge.Font)};display:flex;align-items:center;white-space:nowrap\">{dot}{Encode(request.Badge.Trim().ToUpperInvariant())}</div>");
        }

        if (t.Guests is { } guests)
        {
            foreach (GuestSlot slot in GuestLayout.Compute(request, t))
            {
                string circle = $"left:{Px(slot.Circle.Left)};top:{Px(slot.Circle.Top)};width:{Px(slot.Circle.Width)};height:{Px(slot.Circle.Height)};border-radius:50%;border:{Px(guests.RingWidth)} solid {Css(guests.RingColor)}";
                string avatar = slot.Person is null ? "" : assets.AvatarPath(slot.Person.Id);
                if (slot.Person is not null && File.Exists(avatar))
                {
                    // A corrupt file shows the browser's broken-image icon here; the Skia renderer draws a monogram.
                    html.Append(CultureInfo.InvariantCulture, $"<img class=\"a\" src=\"{FileUrl(avatar)}\" style=\"{circle};object-fit:cover\">");
                }
                else
                {
                    string initials = slot.Person is null ? slot.Label : ThumbnailRenderer.Initials(slot.Person.Name);
                    html.Append(CultureInfo.InvariantCulture,
                        $"<div class=\"a\" style=\"{circle};background:{Css(guests.MonogramColors[0])};color:#fff;display:flex;align-items:center;justify-content:center;font:{Px(slot.Circle.Height * 0.38f)} {Families(renderer, "bold")}\">{Encode(initials)}</div>");
                }

                if (slot.Person is not null)
                {
                    Text(html, guests.Names, slot.Person.Name, Box([slot.NameBox.Left, slot.NameBox.Top, slot.NameBox.Width, slot.NameBox.Height]));
                }
            }
        }

        html.Append("</div>");

        // Shrink each text block in 2px steps to its minimum size until it fits; line-clamp ellipsizes what still does not.
        html.Append("""
            <script>
            for (const b of document.querySelectorAll('.t')) {
              const s = b.firstElementChild, min = +b.dataset.min;
              let size = +b.dataset.size;
              while ((s.scrollHeight > b.clientHeight + 1 || s.scrollWidth > b.clientWidth + 1) && size > min) {
                size = Math.max(min, size - 2); b.style.fontSize = size + 'px';
              }
            }
            </script></body></html>
            """);
        return html.ToString();

        void Text(StringBuilder sb, TextSpec spec, string value, string box)
        {
            string justify = spec.Valign switch { "middle" => "center", "bottom" => "flex-end", _ => "flex-start" };
            string shadow = spec.Shadow is { } sh ? $";text-shadow:{Px(sh.OffsetX)} {Px(sh.OffsetY)} {Px(sh.Blur)} {Css(sh.Color)}" : "";
            string transform = spec.Transform == "upper" ? ";text-transform:uppercase" : "";
            sb.Append(CultureInfo.InvariantCulture,
                $"<div class=\"a t\" data-size=\"{spec.Size.ToString(CultureInfo.InvariantCulture)}\" data-min=\"{(spec.MinSize ?? spec.Size).ToString(CultureInfo.InvariantCulture)}\" style=\"{box};justify-content:{justify};text-align:{spec.Align};color:{Css(spec.Color)};font-size:{Px(spec.Size)};font-family:{Families(renderer, spec.Font)};line-height:{spec.LineHeight.ToString(CultureInfo.InvariantCulture)}{shadow}{transform}\"><span dir=\"auto\" style=\"-webkit-line-clamp:{spec.MaxLines}\">{Encode(value)}</span></div>");
        }
    }

    private static string Background(BackgroundSpec bg, ThumbnailAssets assets)
    {
        List<string> layers = [];
        if (bg.Pattern is { } p)
        {
            string color = Css(p.Color);
            layers.Add(p.Kind == "grid"
                ? $"linear-gradient(to right,{color} {Px(p.Size)},transparent {Px(p.Size)}) 0 0/{Px(p.Spacing)} {Px(p.Spacing)},linear-gradient(to bottom,{color} {Px(p.Size)},transparent {Px(p.Size)}) 0 0/{Px(p.Spacing)} {Px(p.Spacing)}"
                : $"radial-gradient(circle,{color} {Px(p.Size)},transparent {Px(p.Size + 0.5f)}) 0 0/{Px(p.Spacing)} {Px(p.Spacing)}");
        }

        if (bg.Image is { } image)
        {
            layers.Add($"url('{FileUrl(Path.Combine(assets.ThumbnailsDirectory, image))}') center/cover");
        }

        if (bg.Gradient is { } g)
        {
            layers.Add(Gradient(g));
        }

        return layers.Count == 0
            ? $"background:{Css(bg.Color)}"
            : $"background:{string.Join(',', layers)};background-color:{Css(bg.Color)}";
    }

    private static string Gradient(GradientSpec g) =>
        $"linear-gradient({g.Angle.ToString(CultureInfo.InvariantCulture)}deg,{string.Join(',', g.Colors.Select(Css))})";

    private static string Families(ThumbnailRenderer renderer, string family) =>
        string.Join(',', Enumerable.Range(0, renderer.FontFamilies()[family].Count).Select(i => $"'rk-{family}-{i}'"));

    private static string Box(List<float> box) =>
        $"left:{Px(box[0])};top:{Px(box[1])};width:{Px(box[2])};height:{Px(box[3])}";

    private static string Px(float value) => value.ToString("0.##", CultureInfo.InvariantCulture) + "px";

    private static string Css(string color)
    {
        SKColor c = TemplateValues.Color(color);
        return string.Create(CultureInfo.InvariantCulture, $"rgba({c.Red},{c.Green},{c.Blue},{c.Alpha / 255.0:0.###})");
    }

    private static string FileUrl(string path) => new Uri(Path.GetFullPath(path)).AbsoluteUri;

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}

using System.Security.Cryptography;
using SkiaSharp;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace RawkodeAutomation.Thumbnails.Text;

/// <summary>One font file from <c>thumbnails/fonts/</c>: a Skia typeface for drawing and a HarfBuzz font for shaping.</summary>
internal sealed class LoadedFont : IDisposable
{
    private readonly HarfBuzzSharp.Blob _blob;
    private readonly HarfBuzzSharp.Face _face;

    public LoadedFont(string path, bool isEmoji)
    {
        FileName = Path.GetFileName(path);
        IsEmoji = isEmoji;
        Typeface = SKTypeface.FromFile(path)
            ?? throw new ThumbnailFontException($"thumbnails/fonts/{FileName}: not a font Skia can read");
        _blob = HarfBuzzSharp.Blob.FromFile(path);
        _blob.MakeImmutable();
        _face = new HarfBuzzSharp.Face(_blob, 0);
        _face.MakeImmutable();
        UnitsPerEm = _face.UnitsPerEm;
        Shaping = new HarfBuzzSharp.Font(_face);
        // Scale = units per em: positions come back in font units, and we scale them to pixels ourselves
        // (no hinting), so one shaping result is valid at every size.
        Shaping.SetScale(UnitsPerEm, UnitsPerEm);
        Shaping.SetFunctionsOpenType();
    }

    public string FileName { get; }

    public bool IsEmoji { get; }

    public SKTypeface Typeface { get; }

    public int UnitsPerEm { get; }

    /// <summary>
    /// Shared across threads: HarfBuzz fonts are safe to shape with concurrently (each call has its own buffer).
    /// </summary>
    public HarfBuzzSharp.Font Shaping { get; }

    public bool Covers(int codePoint) => Shaping.TryGetNominalGlyph((uint)codePoint, out uint glyph) && glyph != 0;

    public void Dispose()
    {
        Shaping.Dispose();
        _face.Dispose();
        _blob.Dispose();
        Typeface.Dispose();
    }
}

/// <summary>A named fallback list, e.g. <c>bold</c>: the first font that has a character draws it.</summary>
internal sealed class FontFamily(string name, IReadOnlyList<LoadedFont> fonts)
{
    public string Name { get; } = name;

    public IReadOnlyList<LoadedFont> Fonts { get; } = fonts;

    public LoadedFont Primary => Fonts[0];

    /// <summary>Index of the font for a grapheme cluster, or -1 when no font has it (it will render as .notdef).</summary>
    public int FontFor(ReadOnlySpan<char> grapheme)
    {
        int first = TextClassifier.FirstCodePoint(grapheme);
        // Emoji presentation (VS16, skin tones, ZWJ sequences) goes to the colour emoji font even when a text
        // font also has the base character (e.g. U+2764 HEAVY BLACK HEART).
        if (TextClassifier.WantsEmojiPresentation(grapheme))
        {
            for (int i = 0; i < Fonts.Count; i++)
            {
                if (Fonts[i].IsEmoji && Fonts[i].Covers(first))
                {
                    return i;
                }
            }
        }

        for (int i = 0; i < Fonts.Count; i++)
        {
            if (Fonts[i].Covers(first))
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>
/// The fonts of <c>thumbnails/fonts/</c>, as listed by <c>fonts.yaml</c>. Fonts are only ever loaded from there,
/// never from the system, so every machine renders the same pixels.
/// </summary>
internal sealed class FontCatalog : IDisposable
{
    private readonly Dictionary<string, FontFamily> _families;
    private readonly List<LoadedFont> _all;

    private FontCatalog(Dictionary<string, FontFamily> families, List<LoadedFont> all, string hash)
    {
        _families = families;
        _all = all;
        Hash = hash;
    }

    /// <summary>SHA-256 over the manifest and every font file, for the thumbnail content hash.</summary>
    public string Hash { get; }

    public IReadOnlyCollection<string> FamilyNames => _families.Keys;

    public IReadOnlyList<LoadedFont> AllFonts => _all;

    public FontFamily Family(string name) =>
        _families.TryGetValue(name, out FontFamily? family)
            ? family
            : throw new ThumbnailFontException(
                $"thumbnails/fonts/fonts.yaml: no font family '{name}' (known: {string.Join(", ", _families.Keys)})");

    public static FontCatalog Load(string fontsDirectory)
    {
        string manifestPath = Path.Combine(fontsDirectory, "fonts.yaml");
        if (!File.Exists(manifestPath))
        {
            throw new ThumbnailFontException($"{manifestPath}: missing (it lists the font families and their fallback order)");
        }

        string yaml = File.ReadAllText(manifestPath);
        FontManifest manifest;
        try
        {
            manifest = new DeserializerBuilder()
                .WithNamingConvention(CamelCaseNamingConvention.Instance)
                .Build()
                .Deserialize<FontManifest>(yaml) ?? new FontManifest();
        }
        catch (YamlException e)
        {
            throw new ThumbnailFontException($"thumbnails/fonts/fonts.yaml:{e.Start.Line}:{e.Start.Column}: {e.InnerException?.Message ?? e.Message}");
        }

        if (manifest.Families.Count == 0)
        {
            throw new ThumbnailFontException("thumbnails/fonts/fonts.yaml: lists no font families");
        }

        using IncrementalHash sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(System.Text.Encoding.UTF8.GetBytes(yaml));
        Dictionary<string, LoadedFont> byFile = new(StringComparer.Ordinal);
        Dictionary<string, FontFamily> families = new(StringComparer.Ordinal);
        foreach ((string familyName, List<string> files) in manifest.Families.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            List<LoadedFont> fonts = [];
            foreach (string file in files)
            {
                if (!byFile.TryGetValue(file, out LoadedFont? font))
                {
                    string path = Path.Combine(fontsDirectory, file);
                    if (file.Contains('/') || file.Contains('\\') || !File.Exists(path))
                    {
                        throw new ThumbnailFontException($"thumbnails/fonts/fonts.yaml: family '{familyName}' lists '{file}', which is not a file in thumbnails/fonts/");
                    }

                    sha.AppendData(System.Text.Encoding.UTF8.GetBytes(file));
                    sha.AppendData(SHA256.HashData(File.ReadAllBytes(path)));
                    font = new LoadedFont(path, manifest.Emoji.Contains(file, StringComparer.Ordinal));
                    byFile[file] = font;
                }

                fonts.Add(font);
            }

            if (fonts.Count == 0)
            {
                throw new ThumbnailFontException($"thumbnails/fonts/fonts.yaml: family '{familyName}' lists no fonts");
            }

            families[familyName] = new FontFamily(familyName, fonts);
        }

        return new FontCatalog(families, [.. byFile.Values], Convert.ToHexStringLower(sha.GetHashAndReset()));
    }

    public void Dispose()
    {
        foreach (LoadedFont font in _all)
        {
            font.Dispose();
        }
    }

    private sealed class FontManifest
    {
        public Dictionary<string, List<string>> Families { get; set; } = [];

        public List<string> Emoji { get; set; } = [];
    }
}

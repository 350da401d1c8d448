using System.Globalization;
using System.Text;

namespace RawkodeAutomation.Thumbnails.Text;

/// <summary>Bidi direction class of a grapheme, simplified from UAX #9 to what titles and names need.</summary>
internal enum BidiClass
{
    LeftToRight,
    RightToLeft,
    Neutral,
}

/// <summary>
/// Character facts the layout needs. .NET exposes no bidi classes or line-break properties, so these are
/// range-based approximations of UAX #9 (strong directions) and UAX #14 (break after spaces and between ideographs).
/// </summary>
internal static class TextClassifier
{
    public static int FirstCodePoint(ReadOnlySpan<char> text) =>
        Rune.DecodeFromUtf16(text, out Rune rune, out _) == System.Buffers.OperationStatus.Done ? rune.Value : 0xFFFD;

    public static BidiClass Classify(int codePoint)
    {
        if (IsRightToLeft(codePoint))
        {
            return BidiClass.RightToLeft;
        }

        UnicodeCategory category = Rune.IsValid(codePoint) ? Rune.GetUnicodeCategory(new Rune(codePoint)) : UnicodeCategory.OtherSymbol;
        return category switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
                // Digits are weak in UAX #9, but treating them as left-to-right keeps "Klustered #7" and a year
                // in an Arabic name in reading order, which is all a thumbnail needs.
                or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber => BidiClass.LeftToRight,
            _ => BidiClass.Neutral,
        };
    }

    /// <summary>Hebrew, Arabic, Syriac, Thaana, NKo, Samaritan, Mandaic and their presentation forms.</summary>
    public static bool IsRightToLeft(int cp) =>
        cp is (>= 0x0590 and <= 0x08FF) or (>= 0xFB1D and <= 0xFDFF) or (>= 0xFE70 and <= 0xFEFF)
            or (>= 0x10800 and <= 0x10FFF) or (>= 0x1E800 and <= 0x1EFFF);

    /// <summary>Ideographs, kana and CJK punctuation: a line may break between any two of them.</summary>
    public static bool IsCjk(int cp) =>
        cp is (>= 0x2E80 and <= 0x9FFF) or (>= 0xF900 and <= 0xFAFF) or (>= 0xFF00 and <= 0xFF60)
            or (>= 0x20000 and <= 0x3FFFF);

    public static bool IsSpace(ReadOnlySpan<char> grapheme) => grapheme.Length == 1 && char.IsWhiteSpace(grapheme[0]);

    /// <summary>
    /// True when a grapheme should come from the colour emoji font: an explicit emoji variation selector, a skin
    /// tone, a ZWJ sequence, a flag, or a pictograph whose default presentation is emoji.
    /// </summary>
    public static bool WantsEmojiPresentation(ReadOnlySpan<char> grapheme)
    {
        if (grapheme.Contains('\uFE0E'))
        {
            return false; // VS15 asks for text presentation
        }

        if (grapheme.Contains('\uFE0F') || grapheme.Contains('\u200D'))
        {
            return true;
        }

        int first = FirstCodePoint(grapheme);
        return first is (>= 0x1F000 and <= 0x1FAFF) or (>= 0x1F3FB and <= 0x1F3FF);
    }
}

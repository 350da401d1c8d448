namespace RawkodeAutomation.Thumbnails;

/// <summary>A font file listed in <c>thumbnails/fonts/fonts.yaml</c> is missing or unreadable; the message names it.</summary>
public sealed class ThumbnailFontException(string message) : Exception(message);

using System.Globalization;
using System.Text.RegularExpressions;

namespace RawkodeAutomation.Episodes.Loading;

/// <summary>
/// Reads the keys of one YAML mapping against a fixed set of allowed keys, reporting missing keys,
/// wrong types and (on <see cref="Finish"/>) unknown keys with a "did you mean" suggestion.
/// </summary>
internal sealed partial class MappingReader(FileContext file, YMapping map, string what, params string[] allowedKeys)
{
    public FileContext File { get; } = file;
    public YMapping Map { get; } = map;

    public YNode? Node(string key, bool required)
    {
        var node = Map.Get(key);
        if (node is YScalar { IsNull: true })
        {
            if (required)
            {
                File.Error(node, $"'{key}' is empty; {what} needs a value for it");
            }

            return null;
        }

        if (node is null && required && !IsMisspelled(key))
        {
            File.Error(Map, $"missing required key '{key}' in {what}");
        }

        return node;
    }

    public YScalar? Scalar(string key, bool required)
    {
        var node = Node(key, required);
        if (node is null)
        {
            return null;
        }

        if (node is not YScalar scalar)
        {
            File.Error(node, $"'{key}' must be a single value, not {node.KindName}");
            return null;
        }

        return scalar;
    }

    public string? String(string key, bool required, bool noAngleBrackets = false)
    {
        var scalar = Scalar(key, required);
        if (scalar is null)
        {
            return null;
        }

        if (required && string.IsNullOrWhiteSpace(scalar.Value))
        {
            File.Error(scalar, $"'{key}' is empty; {what} needs a value for it");
            return null;
        }

        if (noAngleBrackets)
        {
            CheckNoAngleBrackets(scalar, key);
        }

        return scalar.Value;
    }

    public void CheckNoAngleBrackets(YScalar scalar, string key)
    {
        var at = scalar.Value.AsSpan().IndexOfAny('<', '>');
        if (at >= 0)
        {
            File.ErrorInScalar(scalar, at,
                $"'{key}' contains '{scalar.Value[at]}'; YouTube rejects '<' and '>' in titles and descriptions (use ‹ › or words)");
        }
    }

    public bool? Bool(string key)
    {
        var scalar = Scalar(key, required: false);
        if (scalar is null)
        {
            return null;
        }

        if (scalar.IsPlain && scalar.Value is "true" or "false")
        {
            return scalar.Value == "true";
        }

        File.Error(scalar, $"'{key}' must be true or false, not '{scalar.Value}'");
        return null;
    }

    public int? Int(string key, bool required, int min, int max)
    {
        var scalar = Scalar(key, required);
        if (scalar is null)
        {
            return null;
        }

        if (!int.TryParse(scalar.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            File.Error(scalar, $"'{key}' must be a whole number, not '{scalar.Value}'");
            return null;
        }

        if (value < min || value > max)
        {
            File.Error(scalar, $"'{key}' must be between {min} and {max}, not {value}");
            return null;
        }

        return value;
    }

    public YMapping? Mapping(string key, bool required)
    {
        var node = Node(key, required);
        if (node is null)
        {
            return null;
        }

        if (node is not YMapping mapping)
        {
            File.Error(node, $"'{key}' must be a mapping (key: value pairs), not {node.KindName}");
            return null;
        }

        return mapping;
    }

    public YSequence? Sequence(string key, bool required)
    {
        var node = Node(key, required);
        if (node is null)
        {
            return null;
        }

        if (node is not YSequence sequence)
        {
            File.Error(node, $"'{key}' must be a list (e.g. [a, b] or '- a' lines), not {node.KindName}");
            return null;
        }

        if (required && sequence.Items.Count == 0)
        {
            File.Error(node, $"'{key}' is an empty list; {what} needs at least one");
        }

        return sequence;
    }

    /// <summary>A list of text values; items of the wrong type are reported and skipped.</summary>
    public List<YScalar> ScalarList(string key, bool required)
    {
        var result = new List<YScalar>();
        var sequence = Sequence(key, required);
        if (sequence is null)
        {
            return result;
        }

        foreach (var item in sequence.Items)
        {
            if (item is YScalar { IsNull: false } scalar && scalar.Value.Length > 0)
            {
                result.Add(scalar);
            }
            else
            {
                File.Error(item, $"each item of '{key}' must be a single value, not {item.KindName}");
            }
        }

        return result;
    }

    /// <summary>
    /// True when an unknown key present here is most likely <paramref name="key"/> misspelled (or, for
    /// 'summary', written as 'description'): the unknown-key message already says what to do.
    /// </summary>
    private bool IsMisspelled(string key)
    {
        foreach (var (present, _) in Map.Entries)
        {
            if (Array.IndexOf(allowedKeys, present.Value) < 0
                && (TextChecks.Suggest(present.Value, allowedKeys) == key || (key == "summary" && present.Value == "description")))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Reports keys that are not allowed here; call after reading.</summary>
    public void Finish(IReadOnlyDictionary<string, string>? specialMessages = null)
    {
        foreach (var (key, _) in Map.Entries)
        {
            if (Array.IndexOf(allowedKeys, key.Value) >= 0)
            {
                continue;
            }

            if (key.Value == "<<")
            {
                File.Error(key, "merge keys ('<<') are not supported; write the keys out in full");
                continue;
            }

            if (specialMessages is not null && specialMessages.TryGetValue(key.Value, out var special))
            {
                File.Error(key, special);
                continue;
            }

            var suggestion = TextChecks.Suggest(key.Value, allowedKeys);
            var hint = suggestion is not null
                ? $"did you mean '{suggestion}'?"
                : $"allowed keys: {string.Join(", ", allowedKeys)}";
            File.Error(key, $"unknown key '{key.Value}' in {what}; {hint}");
        }
    }

    // ---- Shared value rules -------------------------------------------------------------------

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    public static partial Regex IdPattern();

    /// <summary>Checks a value is ASCII-only (no confusables) before any other format rule runs.</summary>
    public static bool CheckAscii(FileContext file, YScalar scalar, string what)
    {
        if (TextChecks.FirstInvisible(scalar.Value, out _) >= 0)
        {
            // Already reported by the invisible-character sweep; one message per problem is enough.
            return false;
        }

        var at = TextChecks.FirstNonAscii(scalar.Value, out var rune);
        if (at < 0)
        {
            return true;
        }

        var message = rune.Value is ' ' or '\t' or '\n'
            ? $"{what} '{scalar.Value}' contains a space; {what}s cannot contain spaces"
            : $"{what} '{scalar.Value}' contains {TextChecks.Describe(rune)}; {what}s must be plain ASCII so that a human can see every difference";
        file.ErrorInScalar(scalar, at, message);
        return false;
    }

    /// <summary>Checks an id reference or definition: ASCII, lowercase kebab-case.</summary>
    public static bool CheckId(FileContext file, YScalar scalar, string what)
    {
        if (!CheckAscii(file, scalar, what))
        {
            return false;
        }

        if (!IdPattern().IsMatch(scalar.Value))
        {
            file.Error(scalar, $"{what} '{scalar.Value}' is not a valid id; ids are lowercase kebab-case like '{SuggestId(scalar.Value)}'");
            return false;
        }

        return true;
    }

    public static string SuggestId(string value)
    {
        var lowered = new string([.. value.ToLowerInvariant().Select(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' ? c : '-')]);
        var collapsed = string.Join('-', lowered.Split('-', StringSplitOptions.RemoveEmptyEntries));
        return collapsed.Length == 0 ? "my-id" : collapsed;
    }

    /// <summary>Parses and checks an https URL; reports http, relative, or confusable URLs.</summary>
    public static Uri? CheckUrl(FileContext file, YScalar scalar, string what)
    {
        if (!CheckAscii(file, scalar, what))
        {
            return null;
        }

        if (!Uri.TryCreate(scalar.Value, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            file.Error(scalar, $"{what} '{scalar.Value}' is not an absolute URL; write it as https://host/path");
            return null;
        }

        if (uri.Scheme == Uri.UriSchemeHttp)
        {
            file.Error(scalar, $"{what} '{scalar.Value}' uses http; use https://{scalar.Value["http://".Length..]}");
            return null;
        }

        if (uri.Scheme != Uri.UriSchemeHttps)
        {
            file.Error(scalar, $"{what} '{scalar.Value}' must be an https:// URL, not {uri.Scheme}:");
            return null;
        }

        if (uri.Host.StartsWith("xn--", StringComparison.Ordinal) || uri.Host.Contains(".xn--", StringComparison.Ordinal))
        {
            file.Error(scalar, $"{what} '{scalar.Value}' has a punycode (internationalised) host name, which can imitate another site; use the plain ASCII domain");
            return null;
        }

        return uri;
    }

    [GeneratedRegex(@"^(?:(?<h>\d+)h)?(?:(?<m>\d+)m)?(?:(?<s>\d+)s)?$")]
    private static partial Regex DurationPattern();

    /// <summary>Parses Go-style durations: <c>90m</c>, <c>2h</c>, <c>1h30m</c>, <c>45s</c>.</summary>
    public static TimeSpan? ParseDuration(string value)
    {
        var match = DurationPattern().Match(value);
        if (value.Length == 0 || !match.Success)
        {
            return null;
        }

        static int Part(Match m, string name) =>
            m.Groups[name].Success ? int.Parse(m.Groups[name].Value, CultureInfo.InvariantCulture) : 0;

        try
        {
            return new TimeSpan(Part(match, "h"), Part(match, "m"), Part(match, "s"));
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    public TimeSpan? Duration(string key, bool required, TimeSpan max, bool allowZero = false)
    {
        var scalar = Scalar(key, required);
        if (scalar is null)
        {
            return null;
        }

        var parsed = scalar.Value.Length < 12 ? ParseDuration(scalar.Value) : null;
        if (parsed is null)
        {
            File.Error(scalar, $"'{key}' must be a duration like 90m, 2h or 1h30m, not '{scalar.Value}'");
            return null;
        }

        if ((parsed.Value == TimeSpan.Zero && !allowZero) || parsed.Value > max)
        {
            File.Error(scalar, $"'{key}' must be {(allowZero ? "at least 0s" : "more than 0")} and at most {max.TotalHours:0}h, not '{scalar.Value}'");
            return null;
        }

        return parsed;
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using Temporalio.Api.Enums.V1;

namespace RawkodeAutomation.TemporalServer.Engine;

/// <summary>
/// The subset of Temporal's visibility query language that operators type: comparisons
/// (<c>= != &lt;&gt; &gt; &gt;= &lt; &lt;=</c>), <c>IN (...)</c>, <c>STARTS_WITH</c>, <c>IS [NOT] NULL</c>,
/// <c>BETWEEN ... AND ...</c>, <c>AND</c>/<c>OR</c>/parentheses and a trailing <c>ORDER BY</c> (accepted, not applied).
/// See https://docs.temporal.io/list-filter.
/// </summary>
internal static class VisibilityQuery
{
    private static readonly HashSet<string> SystemFields = new(StringComparer.Ordinal)
    {
        "WorkflowId", "WorkflowType", "RunId", "ExecutionStatus", "StartTime", "CloseTime", "ExecutionTime",
        "TaskQueue", "HistoryLength", "ExecutionDuration", "TemporalChangeVersion", "BuildIds",
    };

    /// <summary>Parses a query into a predicate; bad syntax or unknown attributes are invalid arguments.</summary>
    public static Func<RunState, bool> Parse(string? query, Func<string, bool> isKnownAttribute)
    {
        var (predicate, groupBy) = ParseCount(query, isKnownAttribute);
        if (groupBy is not null)
        {
            throw Invalid("'GROUP BY' clause is only supported for count");
        }
        return predicate;
    }

    /// <summary>
    /// Parses a count query: a predicate and the field of a trailing <c>GROUP BY</c> (null without one). Like the real
    /// server, only <c>ExecutionStatus</c> can be grouped by.
    /// </summary>
    public static (Func<RunState, bool> Predicate, string? GroupBy) ParseCount(string? query, Func<string, bool> isKnownAttribute)
    {
        if (string.IsNullOrWhiteSpace(query))
        {
            return (static _ => true, null);
        }
        var tokens = Tokenize(query);
        var parser = new Parser(tokens, isKnownAttribute);
        var predicate = parser.ParseQuery();
        return (predicate, parser.GroupBy);
    }

    /// <summary>The value a run is counted under in a <c>GROUP BY</c> of <paramref name="field"/>.</summary>
    public static string GroupValue(RunState run, string field) => Values(run, field).FirstOrDefault()?.ToString() ?? "";

    private enum Kind
    {
        Identifier,
        String,
        Number,
        Symbol,
        End,
    }

    private readonly record struct Token(Kind Kind, string Text, int Position);

    private static List<Token> Tokenize(string query)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < query.Length)
        {
            var c = query[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }
            var start = i;
            if (c is '\'' or '"')
            {
                var sb = new StringBuilder();
                i++;
                while (true)
                {
                    if (i >= query.Length)
                    {
                        throw Invalid($"unterminated string starting at position {start + 1}");
                    }
                    if (query[i] == '\\' && i + 1 < query.Length)
                    {
                        sb.Append(query[i + 1]);
                        i += 2;
                        continue;
                    }
                    if (query[i] == c)
                    {
                        i++;
                        break;
                    }
                    sb.Append(query[i++]);
                }
                tokens.Add(new Token(Kind.String, sb.ToString(), start));
            }
            else if (c == '`')
            {
                var end = query.IndexOf('`', i + 1);
                if (end < 0)
                {
                    throw Invalid($"unterminated identifier starting at position {start + 1}");
                }
                tokens.Add(new Token(Kind.Identifier, query[(i + 1)..end], start));
                i = end + 1;
            }
            else if (char.IsDigit(c) || (c == '-' && i + 1 < query.Length && char.IsDigit(query[i + 1])))
            {
                i++;
                while (i < query.Length && (char.IsDigit(query[i]) || query[i] == '.'))
                {
                    i++;
                }
                tokens.Add(new Token(Kind.Number, query[start..i], start));
            }
            else if (char.IsLetter(c) || c == '_')
            {
                while (i < query.Length && (char.IsLetterOrDigit(query[i]) || query[i] is '_' or '.'))
                {
                    i++;
                }
                tokens.Add(new Token(Kind.Identifier, query[start..i], start));
            }
            else if (i + 1 < query.Length && query.Substring(i, 2) is "!=" or "<>" or ">=" or "<=")
            {
                tokens.Add(new Token(Kind.Symbol, query.Substring(i, 2), start));
                i += 2;
            }
            else if (c is '=' or '<' or '>' or '(' or ')' or ',')
            {
                tokens.Add(new Token(Kind.Symbol, c.ToString(), start));
                i++;
            }
            else
            {
                throw Invalid($"unexpected character '{c}' at position {start + 1}");
            }
        }
        tokens.Add(new Token(Kind.End, "", query.Length));
        return tokens;
    }

    private static global::Grpc.Core.RpcException Invalid(string message) => Errors.InvalidArgument("invalid query: " + message);

    private sealed class Parser(List<Token> tokens, Func<string, bool> isKnownAttribute)
    {
        private int _index;

        private Token Peek => tokens[_index];

        private bool IsKeyword(string keyword) => Peek.Kind == Kind.Identifier && string.Equals(Peek.Text, keyword, StringComparison.OrdinalIgnoreCase);

        private Token Next() => tokens[_index++];

        public string? GroupBy { get; private set; }

        public Func<RunState, bool> ParseQuery()
        {
            Func<RunState, bool> predicate = static _ => true;
            if (!IsKeyword("ORDER") && !IsKeyword("GROUP"))
            {
                predicate = ParseOr();
            }
            if (IsKeyword("GROUP"))
            {
                Next();
                if (!IsKeyword("BY"))
                {
                    throw Invalid($"expected BY after GROUP at position {Peek.Position + 1}");
                }
                Next();
                var field = Next();
                if (field.Kind != Kind.Identifier || field.Text != "ExecutionStatus")
                {
                    throw Invalid($"'GROUP BY' clause is only supported for ExecutionStatus, not '{field.Text}' (position {field.Position + 1})");
                }
                GroupBy = field.Text;
                if (Peek is { Kind: Kind.Symbol, Text: "," })
                {
                    throw Invalid($"'GROUP BY' clause supports only a single field (position {Peek.Position + 1})");
                }
            }
            if (IsKeyword("ORDER"))
            {
                Next();
                if (!IsKeyword("BY"))
                {
                    throw Invalid($"expected BY after ORDER at position {Peek.Position + 1}");
                }
                // Ordering is accepted for compatibility; results are always newest first.
                while (Peek.Kind != Kind.End)
                {
                    Next();
                }
            }
            if (Peek.Kind != Kind.End)
            {
                throw Invalid($"unexpected '{Peek.Text}' at position {Peek.Position + 1}");
            }
            return predicate;
        }

        private Func<RunState, bool> ParseOr()
        {
            var left = ParseAnd();
            while (IsKeyword("OR"))
            {
                Next();
                var l = left;
                var r = ParseAnd();
                left = run => l(run) || r(run);
            }
            return left;
        }

        private Func<RunState, bool> ParseAnd()
        {
            var left = ParsePrimary();
            while (IsKeyword("AND"))
            {
                Next();
                var l = left;
                var r = ParsePrimary();
                left = run => l(run) && r(run);
            }
            return left;
        }

        private Func<RunState, bool> ParsePrimary()
        {
            if (Peek is { Kind: Kind.Symbol, Text: "(" })
            {
                Next();
                var inner = ParseOr();
                Expect(")");
                return inner;
            }
            if (IsKeyword("NOT"))
            {
                Next();
                var inner = ParsePrimary();
                return run => !inner(run);
            }
            var field = Next();
            if (field.Kind != Kind.Identifier)
            {
                throw Invalid($"expected a search attribute name at position {field.Position + 1}, found '{field.Text}'");
            }
            var name = field.Text;
            if (!SystemFields.Contains(name) && !isKnownAttribute(name))
            {
                throw Invalid($"'{name}' is not a valid search attribute (position {field.Position + 1})");
            }
            if (IsKeyword("IN") || IsKeyword("NOT"))
            {
                var negate = IsKeyword("NOT");
                Next();
                if (negate && !IsKeyword("IN"))
                {
                    throw Invalid($"expected IN after NOT at position {Peek.Position + 1}");
                }
                if (negate)
                {
                    Next();
                }
                Expect("(");
                var values = new List<Token> { ParseValue() };
                while (Peek is { Kind: Kind.Symbol, Text: "," })
                {
                    Next();
                    values.Add(ParseValue());
                }
                Expect(")");
                return run => values.Any(v => Compare(run, name, "=", v)) != negate;
            }
            if (IsKeyword("STARTS_WITH"))
            {
                Next();
                var prefix = ParseValue();
                return run => Values(run, name).Any(v => v is string s && s.StartsWith(prefix.Text, StringComparison.Ordinal));
            }
            if (IsKeyword("IS"))
            {
                Next();
                var negate = false;
                if (IsKeyword("NOT"))
                {
                    Next();
                    negate = true;
                }
                if (!IsKeyword("NULL"))
                {
                    throw Invalid($"expected NULL at position {Peek.Position + 1}");
                }
                Next();
                return run => Values(run, name).Any() == negate;
            }
            if (IsKeyword("BETWEEN"))
            {
                Next();
                var low = ParseValue();
                if (!IsKeyword("AND"))
                {
                    throw Invalid($"expected AND in BETWEEN at position {Peek.Position + 1}");
                }
                Next();
                var high = ParseValue();
                return run => Compare(run, name, ">=", low) && Compare(run, name, "<=", high);
            }
            var op = Next();
            if (op.Kind != Kind.Symbol || op.Text is "(" or ")" or ",")
            {
                throw Invalid($"expected an operator after '{name}' at position {op.Position + 1}");
            }
            var value = ParseValue();
            return run => Compare(run, name, op.Text, value);
        }

        private Token ParseValue()
        {
            var token = Next();
            if (token.Kind is Kind.String or Kind.Number)
            {
                return token;
            }
            if (token.Kind == Kind.Identifier && token.Text.ToLowerInvariant() is "true" or "false")
            {
                return token with { Kind = Kind.Identifier };
            }
            throw Invalid($"expected a value at position {token.Position + 1}, found '{token.Text}'");
        }

        private void Expect(string symbol)
        {
            var token = Next();
            if (token.Kind != Kind.Symbol || token.Text != symbol)
            {
                throw Invalid($"expected '{symbol}' at position {token.Position + 1}");
            }
        }
    }

    private static IEnumerable<object> Values(RunState run, string name)
    {
        switch (name)
        {
            case "WorkflowId":
                yield return run.WorkflowId;
                yield break;
            case "WorkflowType":
                yield return run.WorkflowType;
                yield break;
            case "RunId":
                yield return run.RunId;
                yield break;
            case "TaskQueue":
                yield return run.TaskQueue;
                yield break;
            case "ExecutionStatus":
                yield return StatusName(run.Status);
                yield break;
            case "StartTime":
                yield return run.StartTime;
                yield break;
            case "ExecutionTime":
                yield return run.ExecutionTime;
                yield break;
            case "CloseTime":
                if (run.CloseTime is { } closed)
                {
                    yield return closed;
                }
                yield break;
            case "HistoryLength":
                yield return (double)run.History.Count;
                yield break;
            case "OperationId" or "Endpoint" or "Service" or "Operation" when run.WorkflowType == TemporalEngine.StandaloneNexusType:
                // The fields of a standalone Nexus operation (its record's second event schedules it).
                var scheduled = run.History.Count > 1 ? run.History[1].NexusOperationScheduledEventAttributes : null;
                yield return name switch
                {
                    "OperationId" => run.WorkflowId,
                    "Endpoint" => scheduled?.Endpoint ?? "",
                    "Service" => scheduled?.Service ?? "",
                    _ => scheduled?.Operation ?? "",
                };
                yield break;
            default:
                break;
        }
        if (!run.SearchAttributes.IndexedFields.TryGetValue(name, out var payload))
        {
            yield break;
        }
        JsonElement element;
        try
        {
            element = JsonDocument.Parse(payload.Data.ToStringUtf8()).RootElement.Clone();
        }
        catch (JsonException)
        {
            yield break;
        }
        foreach (var item in element.ValueKind == JsonValueKind.Array ? element.EnumerateArray().ToArray() : [element])
        {
            switch (item.ValueKind)
            {
                case JsonValueKind.String:
                    var text = item.GetString()!;
                    yield return DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time) && text.Contains('T')
                        ? time
                        : text;
                    break;
                case JsonValueKind.Number:
                    yield return item.GetDouble();
                    break;
                case JsonValueKind.True:
                    yield return "true";
                    break;
                case JsonValueKind.False:
                    yield return "false";
                    break;
                default:
                    break;
            }
        }
    }

    public static string StatusName(WorkflowExecutionStatus status) => status switch
    {
        WorkflowExecutionStatus.Running => "Running",
        WorkflowExecutionStatus.Completed => "Completed",
        WorkflowExecutionStatus.Failed => "Failed",
        WorkflowExecutionStatus.Canceled => "Canceled",
        WorkflowExecutionStatus.Terminated => "Terminated",
        WorkflowExecutionStatus.ContinuedAsNew => "ContinuedAsNew",
        WorkflowExecutionStatus.TimedOut => "TimedOut",
        _ => "Unspecified",
    };

    private static bool Compare(RunState run, string name, string op, Token token)
    {
        var values = Values(run, name).ToList();
        if (op is "!=" or "<>")
        {
            return !values.Any(v => CompareOne(v, token) == 0);
        }
        return values.Any(v =>
        {
            var c = CompareOne(v, token);
            return c is not null && op switch
            {
                "=" => c == 0,
                ">" => c > 0,
                ">=" => c >= 0,
                "<" => c < 0,
                "<=" => c <= 0,
                _ => false,
            };
        });
    }

    private static int? CompareOne(object actual, Token value)
    {
        switch (actual)
        {
            case DateTime time:
                return DateTime.TryParse(value.Text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var other)
                    ? time.CompareTo(other)
                    : null;
            case double number:
                return double.TryParse(value.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? number.CompareTo(n) : null;
            case string text:
                return string.Compare(text, value.Text, IsStatusName(text) ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
            default:
                return null;
        }

        static bool IsStatusName(string text) => text is "Running" or "Completed" or "Failed" or "Canceled" or "Terminated" or "ContinuedAsNew" or "TimedOut";
    }
}

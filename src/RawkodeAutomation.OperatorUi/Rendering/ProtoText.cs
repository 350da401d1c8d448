using System.Collections;
using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Common.V1;

namespace RawkodeAutomation.OperatorUi.Rendering;

/// <summary>
/// Flattens any protobuf message (a history event's attributes, a pending activity) into
/// <c>path: value</c> rows, skipping unset fields, decoding payloads and printing times and durations the way
/// people read them. Generic on purpose: every event type of every server version renders without a case here.
/// </summary>
internal static class ProtoText
{
    // Bookkeeping the SDKs exchange with the server; it says nothing about what the workflow did.
    private static readonly HashSet<string> Noise = new(StringComparer.Ordinal)
    {
        "sdkMetadata", "meteringMetadata", "workerVersion", "deploymentVersion", "versioningOverride", "header",
    };

    public static IReadOnlyList<(string Path, Markup Value)> Rows(IMessage message)
    {
        var rows = new List<(string, Markup)>();
        Walk(message, "", rows);
        return rows;
    }

    /// <summary>The rows as a definition list.</summary>
    public static Markup Render(IMessage message) => Html.Fragment(html =>
    {
        var rows = Rows(message);
        if (rows.Count == 0)
        {
            return;
        }
        html.Add($"<dl class=\"kv\">");
        foreach (var (path, value) in rows)
        {
            html.Add($"<dt>{path}</dt><dd>{value}</dd>");
        }
        html.Add($"</dl>");
    });

    private static void Walk(IMessage message, string prefix, List<(string, Markup)> rows)
    {
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            if (Noise.Contains(field.JsonName))
            {
                continue;
            }
            var path = prefix.Length == 0 ? field.JsonName : prefix + "." + field.JsonName;
            var value = field.Accessor.GetValue(message);
            if (field.IsMap)
            {
                foreach (DictionaryEntry entry in (IDictionary)value)
                {
                    AddValue(entry.Value, field.MessageType.FindFieldByNumber(2), $"{path}[{entry.Key}]", rows);
                }
            }
            else if (field.IsRepeated)
            {
                var list = (IList)value;
                for (var i = 0; i < list.Count; i++)
                {
                    AddValue(list[i], field, list.Count == 1 ? path : $"{path}[{i}]", rows);
                }
            }
            else
            {
                AddValue(value, field, path, rows);
            }
        }
    }

    private static void AddValue(object? value, FieldDescriptor field, string path, List<(string, Markup)> rows)
    {
        switch (value)
        {
            case null:
                return;
            case Payloads payloads:
                if (payloads.Payloads_.Count > 0)
                {
                    rows.Add((path, Pre(PayloadText.Decode(payloads.Payloads_))));
                }
                return;
            case Payload payload:
                rows.Add((path, Pre(PayloadText.Decode(payload))));
                return;
            case Timestamp timestamp:
                rows.Add((path, Text(Html.Time(timestamp.ToDateTime()))));
                return;
            case Duration duration:
                rows.Add((path, Text(Html.Duration(duration.ToTimeSpan()))));
                return;
            case WorkflowType workflowType:
                AddScalar(workflowType.Name, path, rows);
                return;
            case ActivityType activityType:
                AddScalar(activityType.Name, path, rows);
                return;
            case Temporalio.Api.TaskQueue.V1.TaskQueue taskQueue:
                AddScalar(taskQueue.Name, path, rows);
                return;
            case IMessage nested:
                Walk(nested, path, rows);
                return;
            case System.Enum enumValue:
                if (Convert.ToInt32(enumValue, CultureInfo.InvariantCulture) != 0)
                {
                    rows.Add((path, Text(enumValue.ToString())));
                }
                return;
            case ByteString bytes:
                if (!bytes.IsEmpty)
                {
                    rows.Add((path, Text($"<{bytes.Length} bytes>")));
                }
                return;
            case bool flag:
                if (flag)
                {
                    rows.Add((path, Text("true")));
                }
                return;
            default:
                _ = field;
                AddScalar(Convert.ToString(value, CultureInfo.InvariantCulture), path, rows);
                return;
        }
    }

    private static void AddScalar(string? text, string path, List<(string, Markup)> rows)
    {
        if (string.IsNullOrEmpty(text) || text == "0")
        {
            return;
        }
        if (path.EndsWith("stackTrace", StringComparison.Ordinal))
        {
            // Stack traces are for whoever debugs the worker; folded so the message stays the first thing read.
            rows.Add((path, new Markup($"<details><summary>{text.Split('\n').Length} lines</summary>{Pre(text).Value}</details>")));
            return;
        }
        rows.Add((path, text.Contains('\n', StringComparison.Ordinal) ? Pre(text) : Text(text)));
    }

    private static Markup Text(string text) => new(Html.Encode(text));

    private static Markup Pre(string text) => new($"<pre class=\"payload\">{Html.Encode(text)}</pre>");
}

using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.OperatorService.V1;

namespace RawkodeAutomation.TemporalServer.Engine;

/// <summary>
/// Search attributes as the dev server keeps them: system attributes, the dev server's predefined custom ones, and
/// custom ones registered by <c>--search-attribute</c> or the OperatorService's <c>AddSearchAttributes</c>. A
/// workflow may only carry registered attributes: anything else is refused the way the dev server refuses it.
/// Registrations are stored with the runs (the SQLite file keeps what differs from the predefined set), so a
/// restarted server still knows the attributes its stored runs and schedules carry.
/// </summary>
internal sealed partial class TemporalEngine
{
    private static readonly Dictionary<string, IndexedValueType> SystemSearchAttributes = new(StringComparer.Ordinal)
    {
        ["WorkflowId"] = IndexedValueType.Keyword,
        ["WorkflowType"] = IndexedValueType.Keyword,
        ["RunId"] = IndexedValueType.Keyword,
        ["ExecutionStatus"] = IndexedValueType.Keyword,
        ["StartTime"] = IndexedValueType.Datetime,
        ["CloseTime"] = IndexedValueType.Datetime,
        ["ExecutionTime"] = IndexedValueType.Datetime,
        ["ExecutionDuration"] = IndexedValueType.Int,
        ["HistoryLength"] = IndexedValueType.Int,
        ["HistorySizeBytes"] = IndexedValueType.Int,
        ["TaskQueue"] = IndexedValueType.Keyword,
        ["BuildIds"] = IndexedValueType.KeywordList,
        ["BatcherUser"] = IndexedValueType.Keyword,
        ["TemporalChangeVersion"] = IndexedValueType.KeywordList,
        ["TemporalScheduledById"] = IndexedValueType.Keyword,
        ["TemporalScheduledStartTime"] = IndexedValueType.Datetime,
        ["TemporalSchedulePaused"] = IndexedValueType.Bool,
        ["TemporalNamespaceDivision"] = IndexedValueType.Keyword,
        ["TemporalPauseInfo"] = IndexedValueType.KeywordList,
        ["TemporalWorkerDeploymentVersion"] = IndexedValueType.Keyword,
        ["TemporalWorkerDeployment"] = IndexedValueType.Keyword,
        ["TemporalWorkflowVersioningBehavior"] = IndexedValueType.Keyword,
    };

    /// <summary>The custom attributes every `temporal server start-dev` namespace starts with.</summary>
    private static readonly Dictionary<string, IndexedValueType> PredefinedSearchAttributes = new(StringComparer.Ordinal)
    {
        ["CustomKeywordField"] = IndexedValueType.Keyword,
        ["CustomStringField"] = IndexedValueType.Text,
        ["CustomTextField"] = IndexedValueType.Text,
        ["CustomIntField"] = IndexedValueType.Int,
        ["CustomDatetimeField"] = IndexedValueType.Datetime,
        ["CustomDoubleField"] = IndexedValueType.Double,
        ["CustomBoolField"] = IndexedValueType.Bool,
    };

    private readonly Dictionary<string, IndexedValueType> _customSearchAttributes = new(PredefinedSearchAttributes, StringComparer.Ordinal);

    /// <summary>
    /// Registers custom search attributes, each <c>NAME=TYPE</c> as <c>--search-attribute</c> takes it (a bare name is
    /// a Keyword). Types are the dev server's names (Keyword, Text, Int, Double, Bool, Datetime, KeywordList).
    /// </summary>
    /// <exception cref="ArgumentException">A type is not one of those.</exception>
    public void RegisterSearchAttributes(IEnumerable<string> attributes)
    {
        lock (_gate)
        {
            foreach (var attribute in attributes)
            {
                var separator = attribute.IndexOf('=', StringComparison.Ordinal);
                var name = separator < 0 ? attribute : attribute[..separator];
                var type = separator < 0 ? IndexedValueType.Keyword : ParseIndexedValueType(attribute[(separator + 1)..])
                    ?? throw new ArgumentException($"--search-attribute {attribute}: type must be one of Keyword, Text, Int, Double, Bool, Datetime, KeywordList.", nameof(attributes));
                _customSearchAttributes[name] = type;
            }
            SaveSearchAttributes();
        }
    }

    /// <summary>Applies the stored registrations on top of the predefined ones (called once, at load).</summary>
    private void LoadSearchAttributes()
    {
        foreach (var (name, type) in _store.LoadSearchAttributes())
        {
            if (type == IndexedValueType.Unspecified)
            {
                _customSearchAttributes.Remove(name);
            }
            else
            {
                _customSearchAttributes[name] = type;
            }
        }
    }

    /// <summary>Stores what differs from the predefined attributes: additions, changed types, removals (as Unspecified).</summary>
    private void SaveSearchAttributes()
    {
        var registrations = _customSearchAttributes
            .Where(a => !PredefinedSearchAttributes.TryGetValue(a.Key, out var predefined) || predefined != a.Value)
            .ToDictionary(StringComparer.Ordinal);
        foreach (var name in PredefinedSearchAttributes.Keys.Where(n => !_customSearchAttributes.ContainsKey(n)))
        {
            registrations[name] = IndexedValueType.Unspecified;
        }
        _store.SaveSearchAttributes(registrations);
    }

    private static IndexedValueType? ParseIndexedValueType(string type) => type.ToLowerInvariant() switch
    {
        "keyword" => IndexedValueType.Keyword,
        "text" => IndexedValueType.Text,
        "int" => IndexedValueType.Int,
        "double" => IndexedValueType.Double,
        "bool" => IndexedValueType.Bool,
        "datetime" => IndexedValueType.Datetime,
        "keywordlist" => IndexedValueType.KeywordList,
        _ => null,
    };

    private bool IsKnownAttribute(string name) => SystemSearchAttributes.ContainsKey(name) || _customSearchAttributes.ContainsKey(name);

    /// <summary>Whether <paramref name="name"/> is a system or registered custom attribute (what a visibility query may name).</summary>
    public bool IsRegisteredAttribute(string name)
    {
        lock (_gate)
        {
            return IsKnownAttribute(name);
        }
    }

    /// <summary>The first attribute of <paramref name="attributes"/> that is not registered, or null.</summary>
    private string? UnregisteredAttribute(SearchAttributes? attributes) =>
        attributes?.IndexedFields.Keys.FirstOrDefault(name => !IsKnownAttribute(name));

    /// <summary>Refuses a start request carrying an unregistered search attribute, in the dev server's words.</summary>
    private void RequireRegistered(SearchAttributes? attributes)
    {
        if (UnregisteredAttribute(attributes) is { } name)
        {
            throw Errors.InvalidArgument($"search attribute {name} is not defined");
        }
    }

    public ListSearchAttributesResponse ListSearchAttributes(ListSearchAttributesRequest request)
    {
        lock (_gate)
        {
            if (!string.IsNullOrEmpty(request.Namespace))
            {
                RequireNamespace(request.Namespace);
            }
            var response = new ListSearchAttributesResponse();
            response.SystemAttributes.Add(SystemSearchAttributes);
            response.CustomAttributes.Add(_customSearchAttributes);
            return response;
        }
    }

    public AddSearchAttributesResponse AddSearchAttributes(AddSearchAttributesRequest request)
    {
        lock (_gate)
        {
            if (!string.IsNullOrEmpty(request.Namespace))
            {
                RequireNamespace(request.Namespace);
            }
            if (request.SearchAttributes.Count == 0)
            {
                throw Errors.InvalidArgument("SearchAttributes are not set on request.");
            }
            foreach (var (name, type) in request.SearchAttributes)
            {
                if (SystemSearchAttributes.ContainsKey(name) || name.StartsWith("Temporal", StringComparison.Ordinal))
                {
                    throw Errors.InvalidArgument($"Search attribute {name} is reserved by system.");
                }
                if (type == IndexedValueType.Unspecified)
                {
                    throw Errors.InvalidArgument($"Unknown search attribute type: {type} for search attribute {name}.");
                }
                if (_customSearchAttributes.TryGetValue(name, out var existing) && existing != type)
                {
                    throw Errors.InvalidArgument($"Search attribute {name} already exists with type {existing}.");
                }
            }
            // Adding one that exists with the same type is a no-op, as on the dev server.
            foreach (var (name, type) in request.SearchAttributes)
            {
                _customSearchAttributes[name] = type;
            }
            SaveSearchAttributes();
            return new AddSearchAttributesResponse();
        }
    }

    public RemoveSearchAttributesResponse RemoveSearchAttributes(RemoveSearchAttributesRequest request)
    {
        lock (_gate)
        {
            if (!string.IsNullOrEmpty(request.Namespace))
            {
                RequireNamespace(request.Namespace);
            }
            foreach (var name in request.SearchAttributes)
            {
                if (!_customSearchAttributes.Remove(name))
                {
                    throw Errors.NotFound($"Search attribute {name} doesn't exist.");
                }
            }
            SaveSearchAttributes();
            return new RemoveSearchAttributesResponse();
        }
    }
}

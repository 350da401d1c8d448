using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace RawkodeAutomation.YouTube.Sandbox;

// The one pipeline behind every *.list method: part checking, exactly one filter, paging with
// pageToken/maxResults, and the list envelope (https://developers.google.com/youtube/v3/docs/liveBroadcasts/list,
// .../liveStreams/list, .../videos/list, .../playlistItems/list). Quota is charged before any handler runs, in
// ApiAsync, from Costs. A resource plugs in with a ListMethod: what it renders and how each filter selects.
public sealed partial class YouTubeSandbox
{
    /// <summary>One <c>*.list</c> method as the pipeline needs it.</summary>
    /// <param name="ResponseKind">The envelope's <c>kind</c>, e.g. <c>youtube#liveBroadcastListResponse</c>.</param>
    /// <param name="Parts">The parts the method accepts; any other is <c>unknownPart</c>.</param>
    /// <param name="Filters">The filters of which a request names exactly one.</param>
    /// <param name="Select">The items the named filter selects, in response order; runs under the state lock and may throw <see cref="ApiError"/>.</param>
    /// <param name="Render">An item as JSON, with the requested parts.</param>
    /// <param name="Paged">False where YouTube answers in one page (videos.list by id): maxResults and pageToken are ignored.</param>
    private sealed record ListMethod<T>(
        string ResponseKind,
        string[] Parts,
        string[] Filters,
        Func<string, IQueryCollection, IEnumerable<T>> Select,
        Func<T, HashSet<string>, JsonObject> Render,
        bool Paged = true);

    /// <summary>One page of the items a list method selects, as YouTube's list envelope.</summary>
    private async Task ListAsync<T>(HttpContext context, ListMethod<T> method)
    {
        var parts = Parts(context, method.Parts);
        var filter = Filter(context, method.Filters);
        // Unpaged lists are capped at 50 items by their filter, so one page of 50 holds them all.
        var (offset, max) = method.Paged ? Page(context) : (0, 50);
        JsonObject response;
        lock (_gate)
        {
            var found = method.Select(filter, context.Request.Query);
            response = ListResponse(method.ResponseKind, found.Select(item => method.Render(item, parts)), offset, max);
        }
        await WriteJsonAsync(context, 200, response).ConfigureAwait(false);
    }

    /// <summary>The <c>id</c> filter as the live resources read it: a comma-separated list, matched in storage order.</summary>
    private static IEnumerable<T> WithIds<T>(IEnumerable<T> items, IQueryCollection query, Func<T, string> id)
    {
        var ids = query["id"].ToString().Split(',', StringSplitOptions.TrimEntries);
        return items.Where(item => ids.Contains(id(item)));
    }

    private static string Filter(HttpContext context, params string[] names)
    {
        var present = names.Where(n => context.Request.Query[n].ToString().Length > 0).ToList();
        return present.Count switch
        {
            0 => throw new ApiError(400, "missingRequiredParameter", $"No filter selected. Expected one of: {string.Join(", ", names)}", names[0]),
            > 1 => throw new ApiError(400, "incompatibleParameters", $"Specify exactly one of: {string.Join(", ", names)}.", present[1]),
            _ => present[0],
        };
    }

    private static (int Offset, int Max) Page(HttpContext context)
    {
        var max = 5;
        if (context.Request.Query["maxResults"].ToString() is { Length: > 0 } rawMax
            && (!int.TryParse(rawMax, CultureInfo.InvariantCulture, out max) || max < 0 || max > 50))
        {
            throw new ApiError(400, "invalidValue", $"maxResults must be 0 to 50, got '{rawMax}'.", "maxResults");
        }
        var offset = 0;
        if (context.Request.Query["pageToken"].ToString() is { Length: > 0 } token)
        {
            try { offset = int.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(token)).TrimStart('p'), CultureInfo.InvariantCulture); }
            catch (FormatException) { throw new ApiError(400, "invalidPageToken", "The page token is invalid.", "pageToken"); }
        }
        return (offset, max);
    }

    private static string PageToken(int offset) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"p{offset}"));

    private static JsonObject ListResponse(string kind, IEnumerable<JsonObject> all, int offset, int max)
    {
        var items = all.ToList();
        var page = items.Skip(offset).Take(max).ToList();
        var response = new JsonObject
        {
            ["kind"] = kind,
            ["etag"] = SandboxIds.ETag(string.Concat(page.Select(i => Str(i, "etag")))),
        };
        if (offset + max < items.Count) { response["nextPageToken"] = PageToken(offset + max); }
        if (offset > 0) { response["prevPageToken"] = PageToken(Math.Max(0, offset - max)); }
        response["pageInfo"] = new JsonObject { ["totalResults"] = items.Count, ["resultsPerPage"] = max };
        response["items"] = new JsonArray([.. page]);
        return response;
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace RawkodeAutomation.YouTube.Tests;

/// <summary>
/// The sandbox's one list pipeline, on the wire: every <c>*.list</c> method checks its parts, takes exactly one
/// filter, pages with pageToken/maxResults (videos.list by id answers in one page) and charges one unit.
/// </summary>
public sealed class SandboxListTests
{
    [Theory]
    [InlineData("liveBroadcasts?part=id", "missingRequiredParameter", "id", "Expected one of: id, mine, broadcastStatus")]
    [InlineData("liveStreams?part=id", "missingRequiredParameter", "id", "Expected one of: id, mine")]
    [InlineData("videos?part=id", "missingRequiredParameter", "id", "Expected one of: id")]
    [InlineData("playlistItems?part=id", "missingRequiredParameter", "playlistId", "Expected one of: playlistId, id")]
    [InlineData("liveBroadcasts?part=id&id=a&mine=true", "incompatibleParameters", "mine", "exactly one of: id, mine, broadcastStatus")]
    [InlineData("liveStreams?part=id&mine=true&id=a", "incompatibleParameters", "mine", "exactly one of: id, mine")]
    [InlineData("playlistItems?part=id&playlistId=PLa&id=a", "incompatibleParameters", "id", "exactly one of: playlistId, id")]
    [InlineData("liveBroadcasts?part=id,cdn&mine=true", "unknownPart", "part", "'cdn'")]
    [InlineData("liveStreams?part=id,fileDetails&mine=true", "unknownPart", "part", "'fileDetails'")]
    [InlineData("videos?part=contentDetails&id=a", "unknownPart", "part", "'contentDetails'")]
    [InlineData("playlistItems?part=bogus&playlistId=PLa", "unknownPart", "part", "'bogus'")]
    [InlineData("liveBroadcasts?mine=true", "missingRequiredParameter", "part", "Expected one of: part")]
    [InlineData("liveBroadcasts?part=id&mine=true&maxResults=51", "invalidValue", "maxResults", "got '51'")]
    [InlineData("liveStreams?part=id&mine=true&maxResults=-1", "invalidValue", "maxResults", "got '-1'")]
    [InlineData("playlistItems?part=id&playlistId=PLa&maxResults=many", "invalidValue", "maxResults", "got 'many'")]
    [InlineData("liveBroadcasts?part=id&mine=true&pageToken=%21%21", "invalidPageToken", "pageToken", "page token is invalid")]
    public async Task List_BadParameters_Answers400WithReasonAndLocationAndChargesOneUnit(string query, string reason, string location, string message)
    {
        await using var wire = await Wire.StartAsync();

        var (status, body) = await wire.GetAsync(query);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = body["error"]!["errors"]![0]!;
        Assert.Equal(reason, error["reason"]!.GetValue<string>());
        Assert.Equal(location, error["location"]!.GetValue<string>());
        Assert.Contains(message, error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1, wire.Harness.Sandbox.UnitsSpent);
    }

    [Theory]
    [InlineData("liveStreams?part=id&mine=true")]
    [InlineData("playlistItems?part=id&playlistId=PLa")]
    public async Task List_PagesOfTwo_WalkEveryItemOnceThenStop(string query)
    {
        await using var wire = await Wire.StartAsync();
        var created = await wire.SeedAsync(5);

        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var (status, body) = await wire.GetAsync($"{query}&maxResults=2" + (token is null ? "" : $"&pageToken={token}"));
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(5, body["pageInfo"]!["totalResults"]!.GetValue<int>());
            Assert.Equal(pages > 0, body["prevPageToken"] is not null);
            seen.AddRange(body["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));
            token = body["nextPageToken"]?.GetValue<string>();
            pages++;
        }
        while (token is not null);

        Assert.Equal(3, pages);
        Assert.Equal(created[query.StartsWith("liveStreams", StringComparison.Ordinal) ? "streams" : "items"], seen);
    }

    [Fact]
    public async Task ListVideos_IdsInAnyOrder_AnswerInTheOrderAskedWithoutMissingOrRepeatedInOnePage()
    {
        await using var wire = await Wire.StartAsync();
        var first = wire.Harness.Sandbox.AddPublishedVideo("First", "one");
        var second = wire.Harness.Sandbox.AddPublishedVideo("Second", "two");

        // pageToken and maxResults do not apply to a list by id.
        var (status, body) = await wire.GetAsync($"videos?part=snippet&id={second},missing,{first},{second}&maxResults=1&pageToken=garbage");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([second, first], body["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));
        Assert.Null(body["items"]![0]!["status"]);
        Assert.Equal("Second", body["items"]![0]!["snippet"]!["title"]!.GetValue<string>());
        Assert.Equal(50, body["pageInfo"]!["resultsPerPage"]!.GetValue<int>());
        Assert.Null(body["nextPageToken"]);
    }

    [Fact]
    public async Task ListVideos_MoreThanFiftyIds_Answers400InvalidFilters()
    {
        await using var wire = await Wire.StartAsync();

        var (status, body) = await wire.GetAsync("videos?part=id&id=" + string.Join(',', Enumerable.Range(0, 51).Select(i => $"v{i}")));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalidFilters", body["error"]!["errors"]![0]!["reason"]!.GetValue<string>());
    }

    /// <summary>A sandbox and an access token for raw requests.</summary>
    private sealed class Wire : IAsyncDisposable
    {
        private readonly HttpClient _http = new();
        private string _token = "";

        public SandboxHarness Harness { get; private init; } = null!;

        public static async Task<Wire> StartAsync()
        {
            var wire = new Wire { Harness = await SandboxHarness.StartAsync() };
            wire._token = await ClientContractTests.TokenAsync(wire._http, wire.Harness.Sandbox);
            return wire;
        }

        public async Task<(HttpStatusCode Status, JsonNode Body)> GetAsync(string query) => await SendAsync(HttpMethod.Get, query, null);

        /// <summary>Creates <paramref name="count"/> streams and as many items in playlist PLa, in order.</summary>
        public async Task<Dictionary<string, List<string>>> SeedAsync(int count)
        {
            var created = new Dictionary<string, List<string>> { ["streams"] = [], ["items"] = [] };
            for (var i = 0; i < count; i++)
            {
                var stream = new JsonObject { ["snippet"] = new JsonObject { ["title"] = $"S{i}" }, ["cdn"] = new JsonObject { ["ingestionType"] = "rtmp" } };
                created["streams"].Add(Id(await SendAsync(HttpMethod.Post, "liveStreams?part=id", stream)));
                var videoId = Harness.Sandbox.AddPublishedVideo($"V{i}", "");
                var item = new JsonObject
                {
                    ["snippet"] = new JsonObject { ["playlistId"] = "PLa", ["resourceId"] = new JsonObject { ["kind"] = "youtube#video", ["videoId"] = videoId } },
                };
                created["items"].Add(Id(await SendAsync(HttpMethod.Post, "playlistItems?part=id", item)));
            }
            return created;
        }

        public async ValueTask DisposeAsync()
        {
            _http.Dispose();
            await Harness.DisposeAsync();
        }

        private static string Id((HttpStatusCode Status, JsonNode Body) response)
        {
            Assert.Equal(HttpStatusCode.OK, response.Status);
            return response.Body["id"]!.GetValue<string>();
        }

        private async Task<(HttpStatusCode Status, JsonNode Body)> SendAsync(HttpMethod method, string query, JsonObject? body)
        {
            using var request = new HttpRequestMessage(method, new Uri(Harness.Sandbox.ApiBaseUri, "youtube/v3/" + query));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
            if (body is not null) { request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"); }
            using var response = await _http.SendAsync(request);
            return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
        }
    }
}

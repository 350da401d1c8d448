using System.Net;
using System.Text.Json;
using RawkodeAutomation.OperatorUi.Channel;
using RawkodeAutomation.Worker.Activities;
using RawkodeAutomation.Worker.Hosting;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Contracts;

namespace RawkodeAutomation.OperatorUi.Tests.Channel;

/// <summary>The channel page's POSTs and JSON at the HTTP level: who may press the buttons, and what the JSON says.</summary>
public sealed class ChannelPageHttpTests
{
    [Theory]
    [InlineData("Origin", "http://evil.example")]
    [InlineData("Origin", "null")]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site")]
    public async Task Act_FromAnotherOrigin_RefusedAndNothingSent(string header, string value)
    {
        await using var scene = await ChannelScene.StartEmptyAsync();
        await EnsureQuotaEntity.SignalWithStartAsync(scene.Client, scene.Options, wf => wf.SetBudgetAsync(new QuotaBudget(10_000, 0)));
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var request = SetBudget(scene, "777");
        request.Headers.Add(header, value);

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.StartsWith("refused:", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var status = await scene.WaitAsync(s => s.Quota is not null, "the quota");
        Assert.Equal(10_000, status.Quota!.DailyBudget);
    }

    [Fact]
    public async Task Act_RebindedHostName_Refused()
    {
        await using var scene = await ChannelScene.StartEmptyAsync();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var request = SetBudget(scene, "777");
        // A DNS-rebinding page: its own origin, so the Origin check alone would pass.
        request.Headers.Host = "attacker.example:" + scene.Uri.Port;
        request.Headers.Add("Origin", "http://attacker.example:" + scene.Uri.Port);

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("only answers on loopback", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Act_SameOrigin_SentAndRedirectedBackToThePage()
    {
        await using var scene = await ChannelScene.StartEmptyAsync();
        await EnsureQuotaEntity.SignalWithStartAsync(scene.Client, scene.Options, wf => wf.SetBudgetAsync(new QuotaBudget(10_000, 0)));
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var request = SetBudget(scene, "777");
        request.Headers.Add("Origin", scene.Uri.GetLeftPart(UriPartial.Authority));
        request.Headers.Add("Sec-Fetch-Site", "same-origin");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/operator/?to=youtube-quota", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
        await scene.WaitAsync(s => s.Quota?.DailyBudget == 777, "the new budget");
    }

    [Fact]
    public async Task Act_UnknownAction_RefusedNamingIt()
    {
        await using var scene = await ChannelScene.StartEmptyAsync();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(scene.Uri, "act"))
        {
            Content = new FormUrlEncodedContent([new("target", "episode/x/y"), new("action", "Terminate")]),
        };

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("&#x27;Terminate&#x27; is not something the page can send to &#x27;episode/x/y&#x27;", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public void JsonOptions_TeamPhase_WrittenAsItsName()
    {
        var team = new TeamState("team-a", TeamPhase.Provisioned, "klustered-7-team-a", "secret default/klustered-7-team-a-kubeconfig (key value)");

        var json = JsonSerializer.Serialize(team, PipelineStatusReader.JsonOptions);

        Assert.Contains("\"phase\":\"Provisioned\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseBudget_BadFigures_SayWhatIsWrong()
    {
        Assert.Null(ChannelActions.ParseBudget("10000", "1000"));
        Assert.Contains("'ten' is not a whole number", ChannelActions.ParseBudget("ten", "0"), StringComparison.Ordinal);
        Assert.Contains("'-1' is not a whole number", ChannelActions.ParseBudget("100", "-1"), StringComparison.Ordinal);
        Assert.Contains("'0' is not a whole number of units above 0", ChannelActions.ParseBudget("0", "0"), StringComparison.Ordinal);
    }

    private static HttpRequestMessage SetBudget(ChannelScene scene, string budget) => new(HttpMethod.Post, new Uri(scene.Uri, "act"))
    {
        Content = new FormUrlEncodedContent([new("target", WorkflowIds.Quota), new("action", "SetBudget"), new("budget", budget), new("reserve", "0")]),
    };
}

using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using RawkodeAutomation.OperatorUi.Tests.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Client.Interceptors;
using Temporalio.Client.Schedules;
using Temporalio.Exceptions;

namespace RawkodeAutomation.OperatorUi.Tests;

/// <summary>The page at the HTTP level: status codes, encoding of user data, bad input, and the hosting API.</summary>
[Collection(OperatorUiCollection.Name)]
public sealed class HttpTests(OperatorUiFixture fixture)
{
    private const string Hostile = "<script>alert('id')</script>&\"x\"";

    [Fact]
    public async Task Root_Get_RedirectsToDefaultNamespaceWorkflows()
    {
        using var response = await fixture.Http.GetAsync("/");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/namespaces/default/workflows", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task WorkflowPages_HostileWorkflowIdAndInput_AreHtmlEncoded()
    {
        var id = $"{Hostile}-{Guid.NewGuid():N}";
        var handle = await fixture.StartApprovalAsync(id, note: "<img src=x onerror=alert('note')>");
        await using var cleanup = OperatorUiFixture.TerminateAtEnd(handle);
        var list = await GetOkAsync($"/namespaces/default/workflows?query={Uri.EscapeDataString($"WorkflowId = '{id.Replace("'", "\\'", StringComparison.Ordinal)}'")}");
        var detail = await GetOkAsync($"/namespaces/default/workflow?id={Uri.EscapeDataString(id)}");

        foreach (var page in new[] { list, detail })
        {
            Assert.DoesNotContain("<script>alert", page, StringComparison.Ordinal);
            Assert.DoesNotContain("<img src=x", page, StringComparison.Ordinal);
            Assert.Contains("&lt;script&gt;alert(", page, StringComparison.Ordinal);
        }
        Assert.Contains("workflow-link", list, StringComparison.Ordinal);
        // The input is decoded from its JSON payload, then encoded as text.
        Assert.Contains("&lt;img src=x onerror=alert(", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkflowDetail_UnknownWorkflow_Returns404SayingWhich()
    {
        using var response = await fixture.Http.GetAsync("/namespaces/default/workflow?id=episode%2Fnobody%2Fnothing");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("Workflow &#x27;episode/nobody/nothing&#x27; in namespace &#x27;default&#x27;: not found", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkflowDetail_MissingId_Returns400()
    {
        using var response = await fixture.Http.GetAsync("/namespaces/default/workflow");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("The &#x27;id&#x27; query parameter is missing", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkflowList_InvalidQuery_Returns400WithServerMessage()
    {
        using var response = await fixture.Http.GetAsync($"/namespaces/default/workflows?query={Uri.EscapeDataString("WorkflowId = ")}");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("class=\"error\"", body, StringComparison.Ordinal);
        Assert.Contains("Query \"WorkflowId =\": invalid query", body.Replace("&quot;", "\"", StringComparison.Ordinal), StringComparison.Ordinal);
        // The filter box keeps what the operator typed so it can be fixed.
        Assert.Contains("value=\"WorkflowId =\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkflowList_StatusAndTypeFilter_ListsOnlyMatches()
    {
        var running = await fixture.StartApprovalAsync();
        var done = await fixture.StartApprovalAsync();
        await done.SignalAsync(wf => wf.ApproveAsync("ok"));
        await done.GetResultAsync();
        await using var cleanup = OperatorUiFixture.TerminateAtEnd(running);
        var page = await GetOkAsync($"/namespaces/default/workflows?query={Uri.EscapeDataString("WorkflowType = 'ApprovalWorkflow' AND ExecutionStatus = 'Running'")}");

        Assert.Contains(Html(running.Id), page, StringComparison.Ordinal);
        Assert.DoesNotContain(Html(done.Id), page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkflowList_NextPageLink_ShowsTheFollowingWorkflows()
    {
        var first = await fixture.StartApprovalAsync();
        var second = await fixture.StartApprovalAsync();
        await using var cleanup = OperatorUiFixture.TerminateAtEnd(first, second);
        var query = $"WorkflowId = '{first.Id}' OR WorkflowId = '{second.Id}'";
        var page1 = await GetOkAsync($"/namespaces/default/workflows?size=1&query={Uri.EscapeDataString(query)}");
        var next = System.Text.RegularExpressions.Regex.Match(page1, "id=\"next-page\" href=\"([^\"]+)\"");
        Assert.True(next.Success, "the first page of one has a next-page link");
        var page2 = await GetOkAsync(WebUtility.HtmlDecode(next.Groups[1].Value));

        // Only the table counts: the filter box repeats both ids.
        static string Table(string page) => page[page.IndexOf("<table id=\"workflows\"", StringComparison.Ordinal)..];
        var ids = new[] { first.Id, second.Id };
        var onPage1 = Assert.Single(ids, id => Table(page1).Contains(Html(id), StringComparison.Ordinal));
        var onPage2 = Assert.Single(ids, id => Table(page2).Contains(Html(id), StringComparison.Ordinal));
        Assert.NotEqual(onPage1, onPage2);
        Assert.Contains("<p class=\"hint\" id=\"count\">2 workflows match.</p>", page1, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signal_ArgumentsNotJson_Returns400SayingWhere()
    {
        var handle = await fixture.StartApprovalAsync();
        await using var cleanup = OperatorUiFixture.TerminateAtEnd(handle);
        using var response = await PostAsync("/namespaces/default/workflow/signal", ("id", handle.Id), ("name", "Approve"), ("args", "[\"ok\", "));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Signal &#x27;Approve&#x27;: arguments are not valid JSON (line 1", body, StringComparison.Ordinal);
        Assert.Equal(WorkflowExecutionStatus.Running, (await handle.DescribeAsync()).Status);
    }

    [Fact]
    public async Task Signal_ArgumentsNotAnArray_Returns400()
    {
        var handle = await fixture.StartApprovalAsync();
        await using var cleanup = OperatorUiFixture.TerminateAtEnd(handle);
        using var response = await PostAsync("/namespaces/default/workflow/signal", ("id", handle.Id), ("name", "Approve"), ("args", "\"ok\""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("arguments must be a JSON array", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signal_ValidForm_RedirectsAndDeliversArguments()
    {
        var handle = await fixture.StartApprovalAsync();

        using var response = await PostAsync("/namespaces/default/workflow/signal", ("id", handle.Id), ("name", "Approve"), ("args", "[\"ship it\"]"));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("notice=", response.Headers.Location?.OriginalString, StringComparison.Ordinal);
        Assert.Equal("approved klustered/2021-05-20-guy-templeton: ship it", await handle.GetResultAsync());
    }

    [Fact]
    public async Task Terminate_FormFromAnotherSite_Refused403AndWorkflowRuns()
    {
        var handle = await fixture.StartApprovalAsync();
        await using var cleanup = OperatorUiFixture.TerminateAtEnd(handle);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/namespaces/default/workflow/terminate")
        {
            Content = new FormUrlEncodedContent([new("id", handle.Id), new("reason", "csrf")]),
        };
        request.Headers.Add("Origin", "https://evil.example");
        request.Headers.Add("Sec-Fetch-Site", "cross-site");

        using var response = await fixture.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(Temporalio.Api.Enums.V1.WorkflowExecutionStatus.Running, (await handle.DescribeAsync()).Status);
    }

    [Fact]
    public async Task Query_KnownName_ShowsDecodedResult()
    {
        var handle = await fixture.StartApprovalAsync();
        await using var cleanup = OperatorUiFixture.TerminateAtEnd(handle);
        var page = await GetOkAsync($"/namespaces/default/workflow?id={Uri.EscapeDataString(handle.Id)}&qname=State");

        Assert.Contains("<div id=\"query-result\"><pre class=\"payload\">{&quot;Approved&quot;:false,&quot;Note&quot;:null}</pre>", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_UnknownName_Returns400WithWorkflowMessage()
    {
        var handle = await fixture.StartApprovalAsync();
        await using var cleanup = OperatorUiFixture.TerminateAtEnd(handle);
        using var response = await fixture.Http.GetAsync($"/namespaces/default/workflow?id={Uri.EscapeDataString(handle.Id)}&qname=Nope");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Query &#x27;Nope&#x27; failed in the workflow", body, StringComparison.Ordinal);
        // The rest of the page still renders.
        Assert.Contains("id=\"history\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkflowDetail_HistoryLongerThanShown_StillShowsOutcome()
    {
        var handle = await fixture.StartApprovalAsync();
        await handle.SignalAsync(wf => wf.ApproveAsync("long history"));
        await handle.GetResultAsync();

        var page = await GetOkAsync($"/namespaces/default/workflow?id={Uri.EscapeDataString(handle.Id)}&events=2");

        Assert.Matches("Event history \\(2 shown of \\d+\\)", page);
        Assert.Contains("id=\"all-events\"", page, StringComparison.Ordinal);
        // The close event is fetched on its own, so the result is there although the table stops early.
        Assert.Contains("approved klustered/2021-05-20-guy-templeton: long history", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_RunningWorkflow_CancelsIt()
    {
        var handle = await fixture.StartApprovalAsync();

        using var response = await PostAsync("/namespaces/default/workflow/cancel", ("id", handle.Id));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        await Eventually.WaitAsync(async () => (await handle.DescribeAsync()).Status, s => s == WorkflowExecutionStatus.Canceled, "the workflow to be canceled");
    }

    [Fact]
    public async Task Terminate_ClosedWorkflow_ShowsConflictNotStackTrace()
    {
        var handle = await fixture.StartApprovalAsync();
        await handle.TerminateAsync("first");

        using var response = await PostAsync("/namespaces/default/workflow/terminate", ("id", handle.Id), ("run", handle.ResultRunId!), ("reason", "again"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.True((int)response.StatusCode is >= 400 and < 500, $"expected a 4xx, got {(int)response.StatusCode}");
        Assert.Contains("Terminate of workflow", body, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkflowDetail_RetryingActivity_ShowsAttemptAndLastFailure()
    {
        var handle = await fixture.Client.StartWorkflowAsync((RetryingWorkflow wf) => wf.RunAsync(), new WorkflowOptions($"retrying/{Guid.NewGuid():N}", OperatorUiFixture.TaskQueue));
        await using var cleanup = OperatorUiFixture.TerminateAtEnd(handle);
        var page = await Eventually.WaitAsync(
            () => GetOkAsync($"/namespaces/default/workflow?id={Uri.EscapeDataString(handle.Id)}"),
            p => p.Contains("the YouTube sandbox is down", StringComparison.Ordinal) && !p.Contains("class=\"attempt\">1 ", StringComparison.Ordinal),
            "a second attempt with the last failure on the page");

        Assert.Contains("Pending activities (1)", page, StringComparison.Ordinal);
        Assert.Contains("CallSandbox", page, StringComparison.Ordinal);
        Assert.Matches("class=\"attempt\">([2-9]|\\d\\d+) \\(no limit\\)", page);
    }

    [Fact]
    public async Task NamespacesPage_Get_ListsEveryNamespace()
    {
        var page = await GetOkAsync("/namespaces");

        Assert.Contains("href=\"/namespaces/default/workflows\"", page, StringComparison.Ordinal);
        Assert.Contains("href=\"/namespaces/shows/workflows\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkflowList_OtherNamespace_ListsOnlyItsWorkflows()
    {
        var inDefault = await fixture.StartApprovalAsync();
        await using var cleanup = OperatorUiFixture.TerminateAtEnd(inDefault);
        var page = await GetOkAsync($"/namespaces/{OperatorUiFixture.OtherNamespace}/workflows");

        Assert.Contains("<b id=\"namespace\">shows</b>", page, StringComparison.Ordinal);
        Assert.DoesNotContain(Html(inDefault.Id), page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkflowList_UnknownNamespace_ReturnsErrorNamingIt()
    {
        using var response = await fixture.Http.GetAsync("/namespaces/no-such-namespace/workflows");
        var body = await response.Content.ReadAsStringAsync();

        Assert.True((int)response.StatusCode is >= 400 and < 500, $"expected a 4xx, got {(int)response.StatusCode}");
        Assert.Contains("no-such-namespace", body, StringComparison.Ordinal);
        Assert.Contains("class=\"error\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkflowDetail_FailedWorkflow_ShowsFailureMessageAndType()
    {
        var handle = await fixture.Client.StartWorkflowAsync((FailingWorkflow wf) => wf.RunAsync(), new WorkflowOptions($"failing/{Guid.NewGuid():N}", OperatorUiFixture.TaskQueue));
        await Assert.ThrowsAsync<Temporalio.Exceptions.WorkflowFailedException>(() => handle.GetResultAsync());

        var page = await GetOkAsync($"/namespaces/default/workflow?id={Uri.EscapeDataString(handle.Id)}");

        Assert.Contains("<span class=\"badge Failed\">Failed</span>", page, StringComparison.Ordinal);
        Assert.Contains("thumbnail template &#x27;klustered&#x27; not found", page, StringComparison.Ordinal);
        Assert.Contains("TemplateMissing", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SchedulesPage_ServerAnswersUnimplemented_SaysNotSupported()
    {
        var options = (TemporalClientOptions)fixture.Client.Options.Clone();
        options.Interceptors = [new NoSchedulesInterceptor()];
        var client = new TemporalClient(fixture.Client.Connection, options);
        await using var ui = await OperatorUiHost.StartAsync(new OperatorUiOptions { Client = client, Port = 0 });
        using var http = new HttpClient { BaseAddress = ui.Uri };

        var list = await http.GetStringAsync("/namespaces/default/schedules");
        var detail = await http.GetStringAsync("/namespaces/default/schedule?id=cleanup");

        Assert.Contains("Schedules are not supported by this server", list, StringComparison.Ordinal);
        Assert.Contains("Schedules are not supported by this server", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SchedulesPage_OfflineServer_ListsPausesTriggersAndUnpausesSchedule()
    {
        // The offline server implements schedules, so the page works against it end to end.
        var id = $"cleanup-{Guid.NewGuid():N}";
        var schedule = await fixture.Client.CreateScheduleAsync(
            id,
            new Schedule(
                ScheduleActionStartWorkflow.Create((ApprovalWorkflow wf) => wf.RunAsync(new ApprovalRequest("cleanup", "n")), new(id: $"{id}-run", taskQueue: OperatorUiFixture.TaskQueue)),
                new ScheduleSpec { Intervals = [new ScheduleIntervalSpec(TimeSpan.FromHours(1))] }));
        try
        {
            var list = await Eventually.WaitAsync(
                () => GetOkAsync("/namespaces/default/schedules"),
                page => page.Contains(id, StringComparison.Ordinal),
                "the schedule in the list");
            Assert.DoesNotContain("Schedules are not supported by this server", list, StringComparison.Ordinal);
            Assert.Contains("every 1h", list, StringComparison.Ordinal);
            using var pause = await PostAsync("/namespaces/default/schedule/pause", ("id", id), ("note", "maintenance"));
            Assert.Equal(HttpStatusCode.Redirect, pause.StatusCode);
            Assert.True((await schedule.DescribeAsync()).Schedule.State.Paused);
            var detail = await GetOkAsync($"/namespaces/default/schedule?id={id}");
            Assert.Contains("maintenance", detail, StringComparison.Ordinal);
            using var trigger = await PostAsync("/namespaces/default/schedule/trigger", ("id", id));
            Assert.Equal(HttpStatusCode.Redirect, trigger.StatusCode);
            Assert.Equal(1, (await schedule.DescribeAsync()).Info.NumActions);
            using var unpause = await PostAsync("/namespaces/default/schedule/unpause", ("id", id));
            Assert.False((await schedule.DescribeAsync()).Schedule.State.Paused);
        }
        finally
        {
            await schedule.DeleteAsync();
        }
    }

    [Fact]
    public async Task WorkflowsPage_TemporalUnreachable_Returns502SayingWhere()
    {
        // A port nothing listens on: take a free one and close it again.
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var ui = await OperatorUiHost.StartAsync(new OperatorUiOptions { TemporalAddress = $"127.0.0.1:{port}", Port = 0 });
        using var http = new HttpClient { BaseAddress = ui.Uri, Timeout = TimeSpan.FromSeconds(60) };

        using var response = await http.GetAsync("/namespaces/default/workflows");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains($"127.0.0.1:{port}", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MapOperatorUi_UnderPrefix_ServesPagesWithPrefixedLinks()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.MapOperatorUi(fixture.Client, "/ops");
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var http = new HttpClient { BaseAddress = new Uri(address) };

        var page = await http.GetStringAsync("/ops/namespaces/default/workflows");

        Assert.Contains("href=\"/ops/namespaces/default/schedules\"", page, StringComparison.Ordinal);
        Assert.Contains("action=\"/ops/namespaces/default/workflows\"", page, StringComparison.Ordinal);
        await app.StopAsync();
    }

    [Fact]
    public async Task StartAsync_HostNotAnAddress_ThrowsClearError()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => OperatorUiHost.StartAsync(new OperatorUiOptions { Host = "not an ip", Port = 0 }));

        Assert.Contains("'not an ip' is not an IP address", error.Message, StringComparison.Ordinal);
    }

    private static string Html(string text) => System.Text.Encodings.Web.HtmlEncoder.Default.Encode(text);

    private async Task<string> GetOkAsync(string path)
    {
        using var response = await fixture.Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode}\n{body}");
        return body;
    }

    private Task<HttpResponseMessage> PostAsync(string path, params (string Name, string Value)[] fields) =>
        fixture.Http.PostAsync(path, new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))));

    /// <summary>Makes the client behave as against a server without schedules, whatever the server does.</summary>
    private sealed class NoSchedulesInterceptor : IClientInterceptor
    {
        public ClientOutboundInterceptor InterceptClient(ClientOutboundInterceptor nextInterceptor) => new Outbound(nextInterceptor);

        private sealed class Outbound(ClientOutboundInterceptor next) : ClientOutboundInterceptor(next)
        {
            public override IAsyncEnumerable<ScheduleListDescription> ListSchedulesAsync(ListSchedulesInput input) =>
                throw new RpcException(RpcException.StatusCode.Unimplemented, "unknown method ListSchedules", null);

            public override Task<ScheduleDescription> DescribeScheduleAsync(DescribeScheduleInput input) =>
                throw new RpcException(RpcException.StatusCode.Unimplemented, "unknown method DescribeSchedule", null);
        }
    }
}

using Google.Protobuf;
using RawkodeAutomation.TemporalServer.Tests.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Exceptions;

namespace RawkodeAutomation.TemporalServer.Tests;

[Collection(ServerCollection.Name)]
public class VisibilityAndHistoryTests(ServerFixture fixture)
{
    private static readonly SearchAttributeKey<string> Show = SearchAttributeKey.CreateKeyword("EpisodeShow");
    private static readonly SearchAttributeKey<long> Number = SearchAttributeKey.CreateLong("EpisodeNumber");

    private ITemporalClient Client => fixture.Environment.Client;

    [Fact]
    public async Task ListAndCount_OperatorQueries_MatchExpectedRuns()
    {
        await Workers.RunAsync(Client, async tq =>
        {
            var show = $"show-{Guid.NewGuid():N}";
            var attributes = new SearchAttributeCollection.Builder().Set(Show, show).ToSearchAttributeCollection();
            var done = await Client.StartWorkflowAsync((GreetWorkflow wf) => wf.RunAsync("x"), new(Workers.NewId("vis-done"), tq) { TypedSearchAttributes = attributes });
            await done.GetResultAsync();
            var running = await Client.StartWorkflowAsync((MemoWorkflow wf) => wf.RunAsync(), new(Workers.NewId("vis-running"), tq)
            {
                TypedSearchAttributes = attributes,
                Memo = new Dictionary<string, object> { ["owner"] = "rawkode" },
            });
            await Workers.WaitUntilAsync(async () => (await running.DescribeAsync()).TypedSearchAttributes.ContainsKey(Number), what: "upserted search attribute");

            async Task<List<string>> ListAsync(string query)
            {
                var ids = new List<string>();
                await foreach (var execution in Client.ListWorkflowsAsync(query))
                {
                    ids.Add(execution.Id);
                }
                return ids;
            }

            Assert.Equal([running.Id], await ListAsync($"EpisodeShow = '{show}' AND ExecutionStatus = 'Running'"));
            Assert.Equal([done.Id], await ListAsync($"WorkflowId = '{done.Id}'"));
            Assert.Equal(2, (await ListAsync($"EpisodeShow = '{show}' AND (WorkflowType = 'GreetWorkflow' OR WorkflowType = 'MemoWorkflow')")).Count);
            Assert.Equal([running.Id], await ListAsync($"EpisodeShow = '{show}' AND EpisodeNumber >= 7"));
            Assert.Equal(2, (await Client.CountWorkflowsAsync($"EpisodeShow = '{show}'")).Count);
            Assert.Equal(1, (await Client.CountWorkflowsAsync($"EpisodeShow = '{show}' AND ExecutionStatus = 'Completed'")).Count);

            var description = await running.DescribeAsync();
            Assert.Equal("rawkode", await description.Memo["owner"].ToValueAsync<string>());
            Assert.Equal("upserted", await description.Memo["note"].ToValueAsync<string>());
            Assert.Equal(show, description.TypedSearchAttributes.Get(Show));
            await running.SignalAsync(wf => wf.DoneAsync());
            await running.GetResultAsync();
        });
    }

    [Theory]
    [InlineData("WorkflowId = ")]
    [InlineData("WorkflowId = 'a' AND")]
    [InlineData("NoSuchAttribute = 'x'")]
    [InlineData("WorkflowId = 'unterminated")]
    public async Task List_MalformedQuery_ThrowsInvalidArgument(string query)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.CountWorkflowsAsync(query));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, error.Code);
    }

    [Fact]
    public async Task GetHistory_SmallPages_ReturnsWholeHistoryInOrder()
    {
        await Workers.RunAsync(Client, async tq =>
        {
            var handle = await Client.StartWorkflowAsync((GreetWorkflow wf) => wf.RunAsync("pages"), new(Workers.NewId("pages"), tq));
            await handle.GetResultAsync();
            var all = (await handle.FetchHistoryAsync()).Events.ToList();
            var paged = new List<long>();
            var token = ByteString.Empty;
            var pages = 0;
            do
            {
                var page = await Client.WorkflowService.GetWorkflowExecutionHistoryAsync(new GetWorkflowExecutionHistoryRequest
                {
                    Namespace = "default",
                    Execution = new() { WorkflowId = handle.Id },
                    MaximumPageSize = 3,
                    NextPageToken = token,
                });
                paged.AddRange(page.History.Events.Select(e => e.EventId));
                token = page.NextPageToken;
                pages++;
            }
            while (!token.IsEmpty);
            Assert.Equal(all.Select(e => e.EventId), paged);
            Assert.Equal(Enumerable.Range(1, all.Count).Select(i => (long)i), paged);
            Assert.True(pages >= all.Count / 3);

            var reversed = new List<long>();
            token = ByteString.Empty;
            do
            {
                var page = await Client.WorkflowService.GetWorkflowExecutionHistoryReverseAsync(new GetWorkflowExecutionHistoryReverseRequest
                {
                    Namespace = "default",
                    Execution = new() { WorkflowId = handle.Id },
                    MaximumPageSize = 4,
                    NextPageToken = token,
                });
                reversed.AddRange(page.History.Events.Select(e => e.EventId));
                token = page.NextPageToken;
            }
            while (!token.IsEmpty);
            Assert.Equal(paged.AsEnumerable().Reverse(), reversed);
            Assert.All(all, e => Assert.NotNull(e.EventTime));
            Assert.Equal(EventType.WorkflowExecutionCompleted, all[^1].EventType);
        });
    }

    [Fact]
    public async Task GetHistory_WaitForCloseEvent_AnswersWhenWorkflowCloses()
    {
        await Workers.RunAsync(Client, async tq =>
        {
            var handle = await Client.StartWorkflowAsync((InteractiveWorkflow wf) => wf.RunAsync("wait"), new(Workers.NewId("longpoll"), tq));
            var poll = Client.WorkflowService.GetWorkflowExecutionHistoryAsync(new GetWorkflowExecutionHistoryRequest
            {
                Namespace = "default",
                Execution = new() { WorkflowId = handle.Id },
                WaitNewEvent = true,
                HistoryEventFilterType = HistoryEventFilterType.CloseEvent,
            });
            Assert.False(poll.IsCompleted);
            await handle.SignalAsync(wf => wf.FinishAsync());
            var response = await poll;
            Assert.Equal(EventType.WorkflowExecutionCompleted, Assert.Single(response.History.Events).EventType);
        });
    }

    [Fact]
    public async Task Completion_SdkMetadata_IsCopiedIntoWorkflowTaskCompleted()
    {
        var history = await Workers.RunAsync(Client, async tq =>
        {
            var handle = await Client.StartWorkflowAsync((GreetWorkflow wf) => wf.RunAsync("meta"), new(Workers.NewId("meta"), tq));
            await handle.GetResultAsync();
            return await handle.FetchHistoryAsync();
        });
        var completed = history.Events.Where(e => e.EventType == EventType.WorkflowTaskCompleted).ToList();
        Assert.NotEmpty(completed);
        Assert.Contains(completed, e => e.WorkflowTaskCompletedEventAttributes.SdkMetadata is { } m && (m.SdkName.Length > 0 || m.CoreUsedFlags.Count > 0 || m.LangUsedFlags.Count > 0));
    }
}

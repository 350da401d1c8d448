using Microsoft.Playwright;
using RawkodeAutomation.OperatorUi.Tests.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;

namespace RawkodeAutomation.OperatorUi.Tests;

/// <summary>
/// The operator page in real headless Chromium (Debian's <c>chromium</c>, driven by Playwright): what an operator
/// clicks. Screenshots go to <c>artifacts/screenshots/</c> next to the test binaries.
/// </summary>
[Collection(OperatorUiCollection.Name)]
public sealed class BrowserTests(OperatorUiFixture fixture)
{
    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "artifacts", "screenshots");

    [Fact]
    public async Task Browser_ListFilterAndOpenHistory_ShowsDecodedEvents()
    {
        var mine = await fixture.StartApprovalAsync(note: "thumbnail needs a second look");
        var other = await fixture.StartApprovalAsync();
        await using var context = await NewContextAsync();
        var page = await context.NewPageAsync();
        await using var cleanup = OperatorUiFixture.TerminateAtEnd(mine, other);
        // Given the list of all workflows
        await page.GotoAsync(fixture.UiUri.ToString());
        await Assertions.Expect(page.Locator("#workflows")).ToContainTextAsync(mine.Id);
        await Assertions.Expect(page.Locator("#workflows")).ToContainTextAsync(other.Id);
        await ShotAsync(page, "workflows-list");

        // When the operator filters by workflow id
        await page.FillAsync("#query", $"WorkflowId = '{mine.Id}'");
        await page.ClickAsync("#filter");

        // Then only that workflow is listed
        await Assertions.Expect(page.Locator("#workflows tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#workflows")).ToContainTextAsync(mine.Id);
        await Assertions.Expect(page.Locator("#workflows")).Not.ToContainTextAsync(other.Id);
        await ShotAsync(page, "workflows-filtered");

        // And opening it shows the status, the decoded input and the event history
        await page.ClickAsync(".workflow-link");
        await Assertions.Expect(page.Locator("#workflow-id")).ToHaveTextAsync(mine.Id);
        await Assertions.Expect(page.Locator("h1 .badge")).ToHaveTextAsync("Running");
        await Assertions.Expect(page.Locator("#input")).ToContainTextAsync("thumbnail needs a second look");
        await Assertions.Expect(page.Locator("#history")).ToContainTextAsync("WorkflowExecutionStarted");
        await Assertions.Expect(page.Locator("#history")).ToContainTextAsync("WorkflowTaskCompleted");
        await ShotAsync(page, "workflow-detail-running");
    }

    [Fact]
    public async Task Browser_SignalFromPage_CompletesWorkflowWithResult()
    {
        var handle = await fixture.StartApprovalAsync();
        await using var context = await NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(DetailUrl(handle.Id));

        await page.FillAsync("#query-name", "State");
        await page.ClickAsync("#run-query");
        await Assertions.Expect(page.Locator("#query-result")).ToHaveTextAsync("{\"Approved\":false,\"Note\":null}");

        await page.FillAsync("#signal-name", "Approve");
        await page.FillAsync("#signal-args", "[\"ship it\"]");
        await page.ClickAsync("#signal");

        await Assertions.Expect(page.Locator(".notice")).ToHaveTextAsync("Signal 'Approve' sent.");
        Assert.Equal("approved klustered/2021-05-20-guy-templeton: ship it", await handle.GetResultAsync());
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("h1 .badge")).ToHaveTextAsync("Completed");
        await Assertions.Expect(page.Locator("#outcome")).ToContainTextAsync("ship it");
        await Assertions.Expect(page.Locator("#history")).ToContainTextAsync("WorkflowExecutionSignaled");
        // A closed workflow offers no actions.
        await Assertions.Expect(page.Locator("#signal-form")).ToHaveCountAsync(0);
        await page.FillAsync("#query-name", "State");
        await page.ClickAsync("#run-query");
        await Assertions.Expect(page.Locator("#query-result")).ToHaveTextAsync("{\"Approved\":true,\"Note\":\"ship it\"}");
        await ShotAsync(page, "workflow-detail-signaled");
    }

    [Fact]
    public async Task Browser_TerminateFromPage_RecordsReason()
    {
        var handle = await fixture.StartApprovalAsync();
        await using var context = await NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(DetailUrl(handle.Id));

        await page.FillAsync("#terminate-reason", "guest cancelled");
        await page.ClickAsync("#terminate");

        await Assertions.Expect(page.Locator(".notice")).ToHaveTextAsync("Workflow terminated.");
        await Assertions.Expect(page.Locator("h1 .badge")).ToHaveTextAsync("Terminated");
        await Assertions.Expect(page.Locator("#terminate-reason-shown")).ToHaveTextAsync("guest cancelled");
        Assert.Equal(WorkflowExecutionStatus.Terminated, (await handle.DescribeAsync()).Status);
        await ShotAsync(page, "workflow-detail-terminated");
    }

    [Fact]
    public async Task Browser_RetryingActivity_ShowsPendingActivity()
    {
        var handle = await fixture.Client.StartWorkflowAsync((RetryingWorkflow wf) => wf.RunAsync(), new WorkflowOptions($"retrying/{Guid.NewGuid():N}", OperatorUiFixture.TaskQueue));
        await using var cleanup = OperatorUiFixture.TerminateAtEnd(handle);
        await using var context = await NewContextAsync();
        var page = await context.NewPageAsync();
        await Eventually.WaitAsync(
            async () =>
            {
                await page.GotoAsync(DetailUrl(handle.Id));
                return await page.Locator("#pending-activities .last-failure").AllTextContentsAsync();
            },
            texts => texts.Any(t => t.Contains(OperatorTestActivities.FailureMessage, StringComparison.Ordinal)),
            "the activity's last failure on the page");
        await ShotAsync(page, "workflow-detail-pending-activity");
    }

    [Fact]
    public async Task Browser_FailedWorkflow_ShowsFailureInOutcome()
    {
        var handle = await fixture.Client.StartWorkflowAsync((FailingWorkflow wf) => wf.RunAsync(), new WorkflowOptions($"failing/{Guid.NewGuid():N}", OperatorUiFixture.TaskQueue));
        await Assert.ThrowsAsync<Temporalio.Exceptions.WorkflowFailedException>(() => handle.GetResultAsync());
        await using var context = await NewContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync(DetailUrl(handle.Id));

        await Assertions.Expect(page.Locator("h1 .badge")).ToHaveTextAsync("Failed");
        await Assertions.Expect(page.Locator("#outcome")).ToContainTextAsync("thumbnail template 'klustered' not found");
        await Assertions.Expect(page.Locator("#outcome")).ToContainTextAsync("TemplateMissing");
        await ShotAsync(page, "workflow-detail-failed");
    }

    private string DetailUrl(string id) => new Uri(fixture.UiUri, $"namespaces/default/workflow?id={Uri.EscapeDataString(id)}").ToString();

    private async Task<IBrowserContext> NewContextAsync()
    {
        var browser = await fixture.BrowserAsync();
        return await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
    }

    internal static async Task ShotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(Screenshots);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true });
    }
}

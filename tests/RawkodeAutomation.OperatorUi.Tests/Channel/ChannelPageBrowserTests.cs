using Microsoft.Playwright;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Contracts;

namespace RawkodeAutomation.OperatorUi.Tests.Channel;

/// <summary>
/// The channel page in headless Chromium over the real workflows (see <see cref="ChannelScene"/>): what an operator
/// sees first, and what the buttons do when clicked.
/// </summary>
[Collection(OperatorUiCollection.Name)]
public sealed class ChannelPageBrowserTests(OperatorUiFixture fixture)
{
    [Fact]
    public async Task Page_FailedEpisodeRejectedCommitSweepInProgress_MatchesGoldenScreenshot()
    {
        await using var scene = await ChannelScene.StartAsync();
        await using var context = await NewContextAsync();
        var page = await OpenAsync(context, scene);

        // Failures first, with YouTube's words; the waiting episodes say when they wake up (the quota reset).
        var rows = page.Locator("#episodes tbody tr");
        await Assertions.Expect(rows.First).ToHaveAttributeAsync("data-target", WorkflowIds.Episode(ChannelScene.FailedEpisode));
        await Assertions.Expect(rows.First).ToContainTextAsync(ChannelScene.BroadcastRefusal);
        var waiting = Row(page, WorkflowIds.Episode(ChannelScene.SweptB));
        await Assertions.Expect(rows.Nth(1)).ToHaveAttributeAsync("data-target", WorkflowIds.Episode(ChannelScene.SweptB));
        await Assertions.Expect(waiting.Locator(".badge")).ToHaveTextAsync("WaitingForQuota");
        await Assertions.Expect(waiting.Locator("time")).ToHaveCountAsync(1);
        await Assertions.Expect(waiting).ToContainTextAsync("quota reset");
        // The rejected commit with its error, located and linked; the applied one below it.
        var rejected = Row(page, WorkflowIds.Commit(ChannelScene.RejectedSha));
        await Assertions.Expect(rejected.Locator(".badge")).ToHaveTextAsync("Rejected");
        await Assertions.Expect(rejected.Locator("a.file-link").First).ToHaveTextAsync("episodes/rawkode-live/2026-12-24-holiday-special.yaml:4:16");
        await Assertions.Expect(Row(page, WorkflowIds.Commit(ChannelScene.AppliedSha)).Locator(".badge")).ToHaveTextAsync("Applied");
        // Ada's sweep: one of three done, one waiting in the quota queue at sweep priority.
        await Assertions.Expect(Row(page, WorkflowIds.Person(ChannelScene.Person)).Locator(".sweep-progress")).ToHaveTextAsync("1/3 done");
        await Assertions.Expect(page.Locator("#quota-queue tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#quota-queue tbody tr").First.Locator(".badge")).ToHaveTextAsync("Sweep");

        var png = await page.ScreenshotAsync(new PageScreenshotOptions
        {
            FullPage = true,
            // Times and the server's port differ from run to run; the layout around them does not.
            Mask = [page.Locator("time"), page.Locator(".address"), page.Locator(".quota-day")],
        });
        await SaveAsync(png, "channel-failed-rejected-sweeping");
        GoldenScreenshot.AssertMatches(png, "channel-failed-rejected-sweeping");
    }

    [Fact]
    public async Task Retry_FailedEpisode_AcceptedAndQueuedBehindTheSpentQuota()
    {
        await using var scene = await ChannelScene.StartAsync();
        await using var context = await NewContextAsync();
        var page = await OpenAsync(context, scene);
        var id = WorkflowIds.Episode(ChannelScene.FailedEpisode);

        await Row(page, id).GetByRole(AriaRole.Button, new() { Name = "Retry" }).ClickAsync();

        await Assertions.Expect(Row(page, id).Locator(".feedback.accepted")).ToContainTextAsync("RetryFailed accepted");
        // The day's quota is spent: the retried broadcast waits for the reset, at live-scheduling priority (first in the queue).
        await scene.WaitAsync(s => s.Episodes.Single(e => e.EpisodeId == ChannelScene.FailedEpisode).Phase == EpisodePhase.WaitingForQuota, "the retried episode waiting for quota");
        await page.ReloadAsync();
        await Assertions.Expect(Row(page, id).Locator(".badge")).ToHaveTextAsync("WaitingForQuota");
        await Assertions.Expect(page.Locator("#quota-queue tbody tr").First.Locator(".badge")).ToHaveTextAsync("LiveScheduling");
        await Assertions.Expect(page.Locator("#quota-queue tbody tr").First).ToContainTextAsync(ChannelScene.FailedEpisode);
    }

    [Fact]
    public async Task Skip_FailedEpisodeWithoutBroadcast_ShowsValidatorRefusalInRow()
    {
        await using var scene = await ChannelScene.StartAsync();
        await using var context = await NewContextAsync();
        var page = await OpenAsync(context, scene);
        var row = Row(page, WorkflowIds.Episode(ChannelScene.FailedEpisode));

        await row.Locator("input[name=reason]").FillAsync("the guest cancelled");
        var response = await page.RunAndWaitForResponseAsync(() => row.GetByRole(AriaRole.Button, new() { Name = "Skip" }).ClickAsync(), r => r.Url.EndsWith("/act", StringComparison.Ordinal));

        Assert.Equal(409, response.Status);
        var refusal = Row(page, WorkflowIds.Episode(ChannelScene.FailedEpisode)).Locator(".feedback.refused");
        await Assertions.Expect(refusal).ToContainTextAsync("the broadcast does not exist yet, so there is nothing to keep");
        await SaveAsync(await page.ScreenshotAsync(new() { FullPage = true }), "channel-skip-refused");
    }

    [Fact]
    public async Task SkipAndApprove_NothingToDo_EachRefusedWithValidatorsReason()
    {
        await using var scene = await ChannelScene.StartAsync();
        await using var context = await NewContextAsync();
        var page = await OpenAsync(context, scene);
        var id = WorkflowIds.Episode(ChannelScene.SweptA);

        await Row(page, id).GetByRole(AriaRole.Button, new() { Name = "Skip" }).ClickAsync();
        await Assertions.Expect(Row(page, id).Locator(".feedback.refused")).ToHaveTextAsync("skip: say why (the reason is kept in the episode's state)");

        await Row(page, id).GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Assertions.Expect(Row(page, id).Locator(".feedback.refused")).ToContainTextAsync("nothing is waiting for approval");
    }

    [Fact]
    public async Task ResetDay_SweepWaitingForQuota_SweepFinishes()
    {
        await using var scene = await ChannelScene.StartAsync();
        await using var context = await NewContextAsync();
        var page = await OpenAsync(context, scene);
        // YouTube's day rolled over: it answers again.
        scene.YouTube.QuotaGone = false;

        await page.GetByRole(AriaRole.Button, new() { Name = "Reset day" }).ClickAsync();

        await Assertions.Expect(page.Locator("#quota .feedback.accepted")).ToContainTextAsync("ResetDay sent");
        await scene.WaitAsync(s => s.People.Single().Done == 3 && !s.People.Single().Busy, "the sweep finished after the reset");
        await page.ReloadAsync();
        await Assertions.Expect(Row(page, WorkflowIds.Person(ChannelScene.Person)).Locator(".sweep-progress")).ToHaveTextAsync("3/3 done");
    }

    [Fact]
    public async Task SetBudget_ReserveNotBelowBudget_RefusedInlineAndBudgetUnchanged()
    {
        await using var scene = await ChannelScene.StartAsync();
        await using var context = await NewContextAsync();
        var page = await OpenAsync(context, scene);

        await page.Locator("input[name=budget]").FillAsync("500");
        await page.Locator("input[name=reserve]").FillAsync("500");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set budget" }).ClickAsync();

        await Assertions.Expect(page.Locator("#quota .feedback.refused")).ToContainTextAsync("must be smaller than the daily budget (500)");
        Assert.Equal(10_000, (await scene.WaitAsync(s => s.Quota is not null, "the quota")).Quota!.DailyBudget);

        await page.Locator("input[name=budget]").FillAsync("20000");
        await page.Locator("input[name=reserve]").FillAsync("1000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set budget" }).ClickAsync();
        await Assertions.Expect(page.Locator("#quota .feedback.accepted")).ToContainTextAsync("20000 units a day");
        await scene.WaitAsync(s => s.Quota?.DailyBudget == 20_000, "the new budget");
    }

    [Fact]
    public async Task FileLink_RejectedCommitError_ShowsFileAtTheLine()
    {
        await using var scene = await ChannelScene.StartAsync();
        await using var context = await NewContextAsync();
        var page = await OpenAsync(context, scene);

        await Row(page, WorkflowIds.Commit(ChannelScene.RejectedSha)).Locator("a.file-link").First.ClickAsync();

        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("episodes/rawkode-live/2026-12-24-holiday-special.yaml");
        await Assertions.Expect(page.Locator("#L4")).ToContainTextAsync("scheduledFor: 2026-12-24T17:00");
        Assert.EndsWith("#L4", page.Url, StringComparison.Ordinal);
    }

    private static ILocator Row(IPage page, string target) => page.Locator($"[data-target=\"{target}\"]");

    private async Task<IBrowserContext> NewContextAsync()
    {
        var browser = await fixture.BrowserAsync();
        return await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
    }

    private static async Task<IPage> OpenAsync(IBrowserContext context, ChannelScene scene)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync(scene.Uri.ToString());
        return page;
    }

    private static async Task SaveAsync(byte[] png, string name)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "artifacts", "screenshots");
        Directory.CreateDirectory(directory);
        await File.WriteAllBytesAsync(Path.Combine(directory, name + ".png"), png);
    }
}

using System.Net;
using Microsoft.Playwright;

namespace RawkodeAutomation.OperatorUi.Tests;

/// <summary>
/// The schedule pages through the real Temporalio client against <see cref="FakeScheduleFrontend"/>: list,
/// detail, and trigger/pause/unpause from headless Chromium.
/// </summary>
[Collection(OperatorUiCollection.Name)]
public sealed class ScheduleTests(OperatorUiFixture fixture) : IAsyncLifetime
{
    private FakeScheduleFrontend _frontend = null!;
    private OperatorUiHost _ui = null!;

    public async Task InitializeAsync()
    {
        _frontend = await FakeScheduleFrontend.StartAsync();
        _frontend.AddSchedule("cleanup/orphaned-clusters", "CleanupWorkflow", TimeSpan.FromHours(1), "{\"ttl\":\"4h\",\"dryRun\":false}");
        _ui = await OperatorUiHost.StartAsync(new OperatorUiOptions { TemporalAddress = _frontend.Address, Port = 0 });
    }

    public async Task DisposeAsync()
    {
        await _ui.DisposeAsync();
        await _frontend.DisposeAsync();
    }

    [Fact]
    public async Task ScheduleDetail_UnknownSchedule_Returns404()
    {
        using var http = new HttpClient { BaseAddress = _ui.Uri };

        using var response = await http.GetAsync("/namespaces/default/schedule?id=nope");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("Schedule &#x27;nope&#x27; in namespace &#x27;default&#x27;: not found", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Browser_ScheduleListDetailPauseUnpauseTrigger_ReachesServer()
    {
        var browser = await fixture.BrowserAsync();
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();

        // Given the schedules list
        await page.GotoAsync(new Uri(_ui.Uri, "namespaces/default/schedules").ToString());
        await Assertions.Expect(page.Locator("#schedules")).ToContainTextAsync("cleanup/orphaned-clusters");
        await Assertions.Expect(page.Locator("#schedules")).ToContainTextAsync("every 1h in Europe/London");
        await Assertions.Expect(page.Locator("#schedules")).ToContainTextAsync("CleanupWorkflow");
        await BrowserTests.ShotAsync(page, "schedules-list");

        // When the operator opens it and pauses it with a note
        await page.ClickAsync(".schedule-link");
        await Assertions.Expect(page.Locator("#schedule-id")).ToHaveTextAsync("cleanup/orphaned-clusters");
        await Assertions.Expect(page.Locator("h1 .badge")).ToHaveTextAsync("Active");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("{\"ttl\":\"4h\",\"dryRun\":false}");
        await page.FillAsync("#note", "maintenance window");
        await page.ClickAsync("#pause");

        // Then the server has it paused with the note, and the page says so
        await Assertions.Expect(page.Locator(".notice")).ToHaveTextAsync("Schedule paused.");
        await Assertions.Expect(page.Locator("h1 .badge")).ToHaveTextAsync("Paused");
        await Assertions.Expect(page.Locator("#summary")).ToContainTextAsync("maintenance window");
        Assert.True(_frontend.IsPaused("cleanup/orphaned-clusters"));

        // And unpause and trigger work the same way
        await page.ClickAsync("#unpause");
        await Assertions.Expect(page.Locator("h1 .badge")).ToHaveTextAsync("Active");
        Assert.False(_frontend.IsPaused("cleanup/orphaned-clusters"));
        await page.ClickAsync("#trigger");
        await Assertions.Expect(page.Locator(".notice")).ToHaveTextAsync("Schedule triggered: a run starts now.");
        await Assertions.Expect(page.Locator("#recent tbody tr")).ToHaveCountAsync(1);
        Assert.Contains(_frontend.Patches, p => p.Patch.TriggerImmediately is not null);
        await BrowserTests.ShotAsync(page, "schedule-detail");
    }
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RawkodeAutomation.Cli.Commands;

namespace RawkodeAutomation.Cli.Tests;

public sealed class UpFrontPageTests
{
    private static readonly Uri Front = new("http://127.0.0.1:8787/");

    private static UpAddresses Addresses(Uri? scoreboard = null, Uri? channel = null) => new(
        Front,
        new Uri(Front, UpAddresses.OperatorPath),
        channel ?? new Uri("http://127.0.0.1:8788/"),
        scoreboard,
        "127.0.0.1:7233",
        new Uri(Front, "/temporal/"));

    [Fact]
    public void Html_EveryPage_LinksChannelOperatorAndTemporal()
    {
        var html = UpFrontPage.Html(Addresses(), "43 episodes: 43 idle");

        Assert.Contains("href=\"http://127.0.0.1:8788/\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"http://127.0.0.1:8787/operator\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"http://127.0.0.1:8787/temporal/\"", html, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:7233", html, StringComparison.Ordinal);
        Assert.Contains("43 episodes: 43 idle", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_NoScoreboard_DoesNotLinkOne()
    {
        var html = UpFrontPage.Html(Addresses(scoreboard: null), null);

        Assert.DoesNotContain("scoreboard", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Html_Scoreboard_LinksIt()
    {
        var html = UpFrontPage.Html(Addresses(scoreboard: new Uri(Front, "/scoreboard")), null);

        Assert.Contains("href=\"http://127.0.0.1:8787/scoreboard\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Nav_OperatorPage_LinksBackToTheFrontPageButNotToItself()
    {
        var nav = UpFrontPage.Nav(Addresses(), "operator");

        Assert.Contains("href=\"http://127.0.0.1:8787/\"", nav, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"http://127.0.0.1:8787/operator\"", nav, StringComparison.Ordinal);
        Assert.Contains("href=\"http://127.0.0.1:8788/\"", nav, StringComparison.Ordinal);
    }

    [Fact]
    public void ConsoleLines_RealChannel_OmitsTheSandboxChannelPage()
    {
        var lines = UpFrontPage.ConsoleLines(Addresses() with { ChannelPage = null }).ToList();

        Assert.StartsWith("front page:   http://127.0.0.1:8787/", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.Contains("channel", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("operator:", StringComparison.Ordinal) && l.Contains("/operator", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("temporal:", StringComparison.Ordinal) && l.Contains("127.0.0.1:7233", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FindScoreboard_RouteMapped_ReturnsItsAddress()
    {
        await using var app = WebApplication.CreateBuilder().Build();
        app.MapGet("/scoreboard", () => Results.Ok());

        Assert.Equal(new Uri(Front, "/scoreboard"), UpFrontPage.FindScoreboard(((IEndpointRouteBuilder)app).DataSources, Front));
    }

    [Fact]
    public async Task FindScoreboard_NotMapped_ReturnsNull()
    {
        await using var app = WebApplication.CreateBuilder().Build();
        app.MapGet("/operator", () => Results.Ok());

        Assert.Null(UpFrontPage.FindScoreboard(((IEndpointRouteBuilder)app).DataSources, Front));
    }
}

using System.Text;

namespace RawkodeAutomation.Cli.Tests;

/// <summary>Bad input to the other commands: a message that says what and where, and the documented exit code.</summary>
public sealed class CommandErrorTests
{
    [Fact]
    public async Task GitHubSandbox_WebhookUrlAsDocumented_StartsAndSaysWhereWebhooksGo()
    {
        using var checkout = new TemporaryCheckout();
        using var process = Rawkode.Start(checkout.Path, "github", "sandbox", "--webhook-url", "http://127.0.0.1:8787/webhooks/github", "--webhook-secret", "s");
        var error = process.StandardError.ReadToEndAsync();
        var printed = new StringBuilder();
        try
        {
            // The sandbox runs until stopped: read until it says it is listening (or ends).
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
            {
                printed.AppendLine(line);
                if (line.Contains("listening", StringComparison.Ordinal))
                {
                    break;
                }
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        Assert.Contains("Push webhooks for rawkode/channel go to http://127.0.0.1:8787/webhooks/github", printed.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", await error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GitHubSandbox_WebhookUrlNotAUrl_ExitsOneWithAnExample()
    {
        using var checkout = new TemporaryCheckout();

        var result = await Rawkode.RunAsync(checkout.Path, "github", "sandbox", "--webhook-url", "127.0.0.1:8787", "--webhook-secret", "s");

        result.AssertRefused(1, "--webhook-url '127.0.0.1:8787' is not an absolute http or https URL");
    }

    [Fact]
    public async Task Plan_EpisodeScheduledForYear9999_IsAValidationErrorNotAStackTrace()
    {
        using var checkout = new TemporaryCheckout();
        File.WriteAllText(checkout.Combine("episodes/klustered/2027-04-01-far.yaml"),
            "title: \"Far\"\nscheduledFor: 9999-12-31T23:59:59Z\nduration: 90m\nguests: []\nsummary: Far away.\n");

        var result = await Rawkode.RunAsync(checkout.Path, "plan");

        result.AssertRefused(1, "episodes/klustered/2027-04-01-far.yaml:2:15: scheduledFor 9999-12-31T23:59:59Z is outside the range", "Nothing was planned");
    }

    [Fact]
    public async Task Validate_LinkToASecretFile_NamesTheLinkAndNeverPrintsTheSecret()
    {
        using var checkout = new TemporaryCheckout();
        var secret = checkout.Combine("secrets.env");
        File.WriteAllText(secret, "AWS_SECRET_ACCESS_KEY: hunter2\n");
        File.Delete(checkout.Combine("episodes/people/ada-okafor.yaml"));
        File.CreateSymbolicLink(checkout.Combine("episodes/people/ada-okafor.yaml"), secret);

        var result = await Rawkode.RunAsync(checkout.Path, "validate");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("episodes/people/ada-okafor.yaml:1:1: this entry was not read: it is a symbolic link", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("AWS_SECRET", result.Output + result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", result.Output + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_AnError_SaysUpWouldRefuseTheCommitNotThatNothingWasPublished()
    {
        using var checkout = new TemporaryCheckout();
        var episode = Directory.GetFiles(checkout.Combine("episodes"), "*.yaml", SearchOption.AllDirectories)
            .First(f => File.ReadAllText(f).Contains("scheduledFor:", StringComparison.Ordinal));
        File.WriteAllText(episode, System.Text.RegularExpressions.Regex.Replace(
            File.ReadAllText(episode), @"scheduledFor: \S+", "scheduledFor: 2026-12-32T17:00:00Z"));

        var result = await Rawkode.RunAsync(checkout.Path, "validate");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("is not a real date: December 2026 has 31 days", result.Output, StringComparison.Ordinal);
        Assert.Contains("`rawkode up` refuses a commit with errors", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Nothing was published", result.Output + result.Error, StringComparison.Ordinal);
    }
}

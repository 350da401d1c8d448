using System.Text;
using RawkodeAutomation.GitHub.Webhooks;

namespace RawkodeAutomation.GitHub.Tests;

public sealed class DeliveryStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rawkode-deliveries-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void TryClaim_SameDeliveryTwice_SecondIsDuplicate()
    {
        using var store = new WebhookDeliveryStore(10, TimeSpan.FromDays(3));

        Assert.Equal(DeliveryClaim.Claimed, store.TryClaim("d1", "sig1"));
        Assert.Equal(DeliveryClaim.Duplicate, store.TryClaim("d1", "sig1"));
        Assert.Equal(DeliveryClaim.Replayed, store.TryClaim("d2", "sig1"));
    }

    [Fact]
    public void TryClaim_AfterRestartWithFile_RemembersCompletedDeliveriesOnly()
    {
        var path = Path.Combine(_directory, "deliveries.log");
        using (var store = new WebhookDeliveryStore(10, TimeSpan.FromDays(3), path))
        {
            store.TryClaim("done", "sig-done");
            store.Complete("done");
            store.TryClaim("failed", "sig-failed");
            store.Release("failed");
        }

        using var restarted = new WebhookDeliveryStore(10, TimeSpan.FromDays(3), path);

        Assert.Equal(DeliveryClaim.Duplicate, restarted.TryClaim("done", "sig-done"));
        Assert.Equal(DeliveryClaim.Claimed, restarted.TryClaim("failed", "sig-failed"));
    }

    [Fact]
    public void TryClaim_BeyondCapacity_ForgetsOldestFirst()
    {
        using var store = new WebhookDeliveryStore(2, TimeSpan.FromDays(3));
        store.TryClaim("a", "sa");
        store.TryClaim("b", "sb");
        store.TryClaim("c", "sc");

        Assert.Equal(2, store.Count);
        Assert.Equal(DeliveryClaim.Duplicate, store.TryClaim("c", "sc"));
        Assert.Equal(DeliveryClaim.Claimed, store.TryClaim("a", "sa"));
    }

    [Fact]
    public void TryClaim_OlderThanRetention_Forgotten()
    {
        var time = new ManualTime(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        using var store = new WebhookDeliveryStore(10, TimeSpan.FromHours(1), time: time);
        store.TryClaim("a", "sa");
        time.Now += TimeSpan.FromHours(2);

        Assert.Equal(DeliveryClaim.Claimed, store.TryClaim("a", "sa"));
    }

    [Fact]
    public void Verify_CorrectAndIncorrectSignatures_AcceptsOnlyTheCorrectOne()
    {
        var body = Encoding.UTF8.GetBytes("Hello, World!");
        // The example from GitHub's "Validating webhook deliveries" page.
        const string expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

        Assert.Equal(expected, WebhookSignature.Compute("It's a Secret to Everybody", body));
        Assert.True(WebhookSignature.Verify(expected, "It's a Secret to Everybody", body));
        Assert.False(WebhookSignature.Verify(expected, "another secret", body));
        Assert.False(WebhookSignature.Verify(expected.ToUpperInvariant(), "It's a Secret to Everybody", body));
        Assert.False(WebhookSignature.Verify(expected[..^2], "It's a Secret to Everybody", body));
        Assert.False(WebhookSignature.Verify("sha1=757107ea0eb2509fc211221cce984b8a37570b6d", "It's a Secret to Everybody", body));
        Assert.False(WebhookSignature.Verify(null, "It's a Secret to Everybody", body));
    }

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}

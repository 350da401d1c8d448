using System.Text;
using RawkodeAutomation.GitHub.Sandbox;

namespace RawkodeAutomation.GitHub.Tests;

public sealed class WebhookTests
{
    [Fact]
    public async Task Push_DeliveredThreeTimes_ProcessedOnce()
    {
        await using var h = await Harness.StartAsync();
        var (before, after) = h.Push(Fixtures.ValidTree());
        var delivery = Guid.NewGuid().ToString();

        var first = await h.DeliverAsync(before, after, deliveryId: delivery);
        var second = await h.DeliverAsync(before, after, deliveryId: delivery);
        var third = await h.DeliverAsync(before, after, deliveryId: delivery);

        Assert.Equal(202, first.StatusCode);
        Assert.Equal(200, second.StatusCode);
        Assert.Equal(200, third.StatusCode);
        Assert.Contains("already processed", third.Body, StringComparison.Ordinal);
        Assert.Single(h.Sink.Observed);
    }

    [Fact]
    public async Task Push_SameDeliveryThreeTimesConcurrently_ProcessedOnce()
    {
        await using var h = await Harness.StartAsync();
        var (before, after) = h.Push(Fixtures.ValidTree());
        var delivery = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => h.DeliverAsync(before, after, deliveryId: delivery)));

        Assert.Single(responses, r => r.StatusCode == 202);
        Assert.Equal(2, responses.Count(r => r.StatusCode == 200));
        Assert.Single(h.Sink.Observed);
    }

    [Fact]
    public async Task Push_ForgedSignature_Rejected401AndLoggedWithoutPayload()
    {
        await using var h = await Harness.StartAsync();
        var (before, after) = h.Push(Fixtures.ValidTree());
        var body = h.PushBody(before, after);
        var forged = GitHubWebhookSender.Sign("not the secret", body);

        var response = await h.Sender.SendAsync("push", body, signature: forged);

        Assert.Equal(401, response.StatusCode);
        Assert.Empty(h.Sink.Observed);
        Assert.Empty(h.Repo.Statuses());
        var rejection = Assert.Single(h.Logs.Lines, l => l.Contains(response.DeliveryId, StringComparison.Ordinal));
        Assert.Contains("does not match", rejection, StringComparison.Ordinal);
        Assert.DoesNotContain(after, string.Concat(h.Logs.Lines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_MissingSignature_Rejected401()
    {
        await using var h = await Harness.StartAsync();
        var (before, after) = h.Push(Fixtures.ValidTree());
        var body = h.PushBody(before, after);

        var response = await h.Sender.SendAsync("push", body, signature: "");

        Assert.Equal(401, response.StatusCode);
        Assert.Contains("missing", response.Body, StringComparison.Ordinal);
        Assert.Empty(h.Sink.Observed);
    }

    [Fact]
    public async Task Push_SignatureOfOtherBody_Rejected401()
    {
        await using var h = await Harness.StartAsync();
        var (before, after) = h.Push(Fixtures.ValidTree());
        var body = h.PushBody(before, after);
        var signature = GitHubWebhookSender.Sign(Harness.Secret, body);
        // One byte changed after signing: the body is no longer what was signed.
        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).Replace("\"forced\":false", "\"forced\":true ", StringComparison.Ordinal));

        var response = await h.Sender.SendAsync("push", tampered, signature: signature);

        Assert.Equal(401, response.StatusCode);
        Assert.Empty(h.Sink.Observed);
    }

    [Fact]
    public async Task Push_ReplayedUnderNewDeliveryId_Rejected401()
    {
        await using var h = await Harness.StartAsync();
        var (before, after) = h.Push(Fixtures.ValidTree());
        var body = h.PushBody(before, after);

        var original = await h.Sender.SendAsync("push", body);
        var replay = await h.Sender.SendAsync("push", body, deliveryId: Guid.NewGuid().ToString());

        Assert.Equal(202, original.StatusCode);
        Assert.Equal(401, replay.StatusCode);
        Assert.Contains("already used", replay.Body, StringComparison.Ordinal);
        Assert.Single(h.Sink.Observed);
    }

    [Fact]
    public async Task Push_OlderThanMaxAge_RejectedAsStale401()
    {
        await using var h = await Harness.StartAsync();
        var (before, after) = h.Push(Fixtures.ValidTree());
        var push = new SandboxPush(Harness.RepositoryName, "main", before, after, PushedAt: DateTimeOffset.UtcNow - TimeSpan.FromDays(4));

        var response = await h.Sender.SendPushAsync(push, h.Repo);

        Assert.Equal(401, response.StatusCode);
        Assert.Contains("older than", response.Body, StringComparison.Ordinal);
        Assert.Empty(h.Sink.Observed);
    }

    [Fact]
    public async Task Ping_Signed_AnsweredWithPong()
    {
        await using var h = await Harness.StartAsync();

        var response = await h.Sender.SendAsync("ping", GitHubWebhookSender.PingPayload(Harness.RepositoryName));

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("pong", response.Body);
    }

    [Fact]
    public async Task Push_ToOtherBranch_Ignored()
    {
        await using var h = await Harness.StartAsync();
        var after = h.Repo.Commit("feature", "wip", Fixtures.ValidTree());

        var response = await h.Sender.SendPushAsync(new SandboxPush(Harness.RepositoryName, "feature", GitShas.Zero, after), h.Repo);

        Assert.Equal(200, response.StatusCode);
        Assert.Contains("refs/heads/feature", response.Body, StringComparison.Ordinal);
        Assert.Empty(h.Sink.Observed);
        Assert.Empty(h.Repo.Statuses());
    }

    [Fact]
    public async Task Push_ToOtherRepository_Ignored()
    {
        await using var h = await Harness.StartAsync();
        var (before, after) = h.Push(Fixtures.ValidTree());

        var response = await h.Sender.SendPushAsync(new SandboxPush("someone/else", "main", before, after), h.Repo);

        Assert.Equal(200, response.StatusCode);
        Assert.Empty(h.Sink.Observed);
    }

    [Fact]
    public async Task Push_SinkFails_Answers500AndRedeliveryIsProcessed()
    {
        await using var h = await Harness.StartAsync();
        var (before, after) = h.Push(Fixtures.ValidTree());
        h.Sink.FailWith = _ => new InvalidOperationException("temporal is down");
        var delivery = Guid.NewGuid().ToString();

        var failed = await h.DeliverAsync(before, after, deliveryId: delivery);
        h.Sink.FailWith = null;
        var redelivered = await h.DeliverAsync(before, after, deliveryId: delivery);

        Assert.Equal(500, failed.StatusCode);
        Assert.Equal(202, redelivered.StatusCode);
        Assert.Single(h.Sink.Observed);
    }

    [Fact]
    public async Task Push_MalformedJsonWithValidSignature_Answers400()
    {
        await using var h = await Harness.StartAsync();

        var response = await h.Sender.SendAsync("push", Encoding.UTF8.GetBytes("{\"ref\": 42"));

        Assert.Equal(400, response.StatusCode);
        Assert.Empty(h.Sink.Observed);
    }
}

using System.Globalization;
using System.Net.Sockets;
using System.Text;
using RawkodeAutomation.GitHub.Sandbox;
using RawkodeAutomation.GitHub.Webhooks;

namespace RawkodeAutomation.GitHub.Tests;

/// <summary>
/// Hostile webhook traffic: unauthenticated bodies must not cost memory in proportion to their size, nor be read at
/// all when the headers already condemn them; a captured delivery cannot be replayed by respelling its signature or
/// by waiting for a restart.
/// </summary>
public sealed class WebhookAbuseTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Push_UnsignedBodyOf25MB_AnsweredBeforeTheBodyIsSent()
    {
        await using var h = await Harness.StartAsync();
        using var connection = await RawRequest.OpenAsync(h.Host.Endpoint, contentLength: 25L * 1024 * 1024, signature: null);

        // Only the first kilobyte is ever sent: a server that reads the whole body before answering never answers.
        await connection.SendBodyAsync(new byte[1024]);
        var status = await connection.ReadStatusAsync(Deadline);

        Assert.Equal(401, status);
        Assert.Empty(h.Sink.Observed);
    }

    [Fact]
    public async Task Push_ChunkedBodyOverTheLimit_Rejected413WithoutReadingTheRest()
    {
        await using var h = await Harness.StartAsync(configure: o => o.MaxWebhookBodyBytes = 64 * 1024);
        using var connection = await RawRequest.OpenAsync(h.Host.Endpoint, contentLength: null, signature: "sha256=" + new string('a', 64));

        // 128 KB of a body that never ends: the answer must come once the limit is passed.
        await connection.SendBodyAsync(new byte[128 * 1024]);
        var status = await connection.ReadStatusAsync(Deadline);

        Assert.Equal(413, status);
        Assert.Empty(h.Sink.Observed);
    }

    [Fact]
    public async Task Push_MoreBodiesInFlightThanTheCap_AreAnswered503UntilASlotFrees()
    {
        await using var h = await Harness.StartAsync(configure: o => o.MaxConcurrentWebhookReads = 2);
        var forged = "sha256=" + new string('b', 64);
        using var first = await RawRequest.OpenAsync(h.Host.Endpoint, contentLength: 1024 * 1024, signature: forged);
        using var second = await RawRequest.OpenAsync(h.Host.Endpoint, contentLength: 1024 * 1024, signature: forged);
        await first.SendBodyAsync(new byte[1024]);
        await second.SendBodyAsync(new byte[1024]);
        var (before, after) = h.Push(Fixtures.ValidTree());
        var body = h.PushBody(before, after);

        // Both slots are held by bodies that are still arriving: a third delivery is turned away unread.
        var busy = await Eventually.WaitAsync(() => h.Sender.SendAsync("push", body, signature: forged), d => d.StatusCode == 503, "a delivery turned away (503)", Deadline);
        // Closing one held request frees its slot: the next delivery is read (and rejected on its signature).
        first.Dispose();
        var read = await Eventually.WaitAsync(() => h.Sender.SendAsync("push", body, signature: forged), d => d.StatusCode == 401, "a delivery read and rejected (401)", Deadline);

        Assert.Equal(503, busy.StatusCode);
        Assert.Equal(401, read.StatusCode);
        Assert.Contains("does not match", read.Body, StringComparison.Ordinal);
        Assert.Empty(h.Sink.Observed);
    }

    [Fact]
    public async Task Push_ReplayedWithTheSignatureInUpperCaseHex_Rejected401()
    {
        await using var h = await Harness.StartAsync();
        var (before, after) = h.Push(Fixtures.ValidTree());
        var body = h.PushBody(before, after);
        var signature = GitHubWebhookSender.Sign(Harness.Secret, body);

        var original = await h.Sender.SendAsync("push", body, signature: signature);
        var respelled = "sha256=" + signature["sha256=".Length..].ToUpperInvariant();
        var replay = await h.Sender.SendAsync("push", body, deliveryId: Guid.NewGuid().ToString(), signature: respelled);

        Assert.Equal(202, original.StatusCode);
        Assert.Equal(401, replay.StatusCode);
        Assert.Contains("already used", replay.Body, StringComparison.Ordinal);
        Assert.Single(h.Sink.Observed);
    }

    [Fact]
    public async Task Push_ExactReplayAfterARestart_IsRecognisedFromTheDeliveryStoreFile()
    {
        var store = Path.Combine(Path.GetTempPath(), "rawkode-deliveries-" + Guid.NewGuid().ToString("N") + ".tsv");
        try
        {
            await using var h = await Harness.StartAsync(configure: o => o.DeliveryStorePath = store);
            var (before, after) = h.Push(Fixtures.ValidTree());
            var body = h.PushBody(before, after);
            var original = await h.Sender.SendAsync("push", body);
            await h.Host.DisposeAsync();

            await using var restarted = await GitHubWebhookHost.StartAsync(h.Options, h.Sink);
            using var http = new HttpClient();
            var sender = new GitHubWebhookSender(http, restarted.Endpoint, Harness.Secret);
            var replay = await sender.SendAsync("push", body, deliveryId: original.DeliveryId);
            var respelled = await sender.SendAsync("push", body, signature: GitHubWebhookSender.Sign(Harness.Secret, body).ToUpperInvariant().Replace("SHA256=", "sha256=", StringComparison.Ordinal));

            Assert.Equal(202, original.StatusCode);
            Assert.Equal(200, replay.StatusCode);
            Assert.Contains("already processed", replay.Body, StringComparison.Ordinal);
            Assert.Equal(401, respelled.StatusCode);
            Assert.Single(h.Sink.Observed);
        }
        finally
        {
            File.Delete(store);
        }
    }

    [Fact]
    public void Normalize_AnySpellingOfOneSignature_IsTheSameKey()
    {
        var lower = "sha256=" + new string('a', 62) + "0f";

        Assert.Equal(lower, WebhookSignature.Normalize(lower.ToUpperInvariant().Replace("SHA256=", "sha256=", StringComparison.Ordinal)));
        Assert.Equal("", WebhookSignature.Normalize("sha256=xyz"));
        Assert.Equal("", WebhookSignature.Normalize(null));
    }

    /// <summary>A request written by hand on a socket, so a test controls how much of the body is ever sent.</summary>
    private sealed class RawRequest : IDisposable
    {
        private readonly TcpClient _client;
        private readonly NetworkStream _stream;
        private readonly bool _chunked;

        private RawRequest(TcpClient client, bool chunked)
        {
            _client = client;
            _stream = client.GetStream();
            _chunked = chunked;
        }

        public static async Task<RawRequest> OpenAsync(Uri endpoint, long? contentLength, string? signature)
        {
            var client = new TcpClient();
            await client.ConnectAsync(endpoint.Host, endpoint.Port);
            var request = new RawRequest(client, contentLength is null);
            var head = new StringBuilder()
                .Append(CultureInfo.InvariantCulture, $"POST {endpoint.AbsolutePath} HTTP/1.1\r\nHost: {endpoint.Authority}\r\n")
                .Append("Content-Type: application/json\r\nX-GitHub-Event: push\r\n")
                .Append(CultureInfo.InvariantCulture, $"X-GitHub-Delivery: {Guid.NewGuid()}\r\n")
                .Append(signature is null ? "" : $"X-Hub-Signature-256: {signature}\r\n")
                .Append(contentLength is { } length ? string.Create(CultureInfo.InvariantCulture, $"Content-Length: {length}\r\n") : "Transfer-Encoding: chunked\r\n")
                .Append("\r\n");
            await request._stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()));
            return request;
        }

        public async Task SendBodyAsync(byte[] bytes)
        {
            try
            {
                if (_chunked)
                {
                    await _stream.WriteAsync(Encoding.ASCII.GetBytes(bytes.Length.ToString("x", CultureInfo.InvariantCulture) + "\r\n"));
                    await _stream.WriteAsync(bytes);
                    await _stream.WriteAsync("\r\n"u8.ToArray());
                }
                else
                {
                    await _stream.WriteAsync(bytes);
                }
            }
            catch (IOException)
            {
                // The server may answer and close before all of it is written; the status line says what it decided.
            }
        }

        /// <summary>The status code of the response, or 0 when none came before the deadline.</summary>
        public async Task<int> ReadStatusAsync(TimeSpan deadline)
        {
            using var timeout = new CancellationTokenSource(deadline);
            var received = new StringBuilder();
            var buffer = new byte[1024];
            try
            {
                while (!received.ToString().Contains("\r\n", StringComparison.Ordinal))
                {
                    var read = await _stream.ReadAsync(buffer, timeout.Token);
                    if (read == 0)
                    {
                        break;
                    }

                    received.Append(Encoding.ASCII.GetString(buffer, 0, read));
                }
            }
            catch (OperationCanceledException)
            {
                return 0;
            }

            var line = received.ToString();
            return line.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) ? int.Parse(line.AsSpan(9, 3), CultureInfo.InvariantCulture) : 0;
        }

        public void Dispose()
        {
            _stream.Dispose();
            _client.Dispose();
        }
    }
}

using RawkodeAutomation.YouTube.Quota;
using RawkodeAutomation.YouTube.Sandbox;

namespace RawkodeAutomation.YouTube.Tests;

/// <summary>A sandbox on a loopback port with a controllable clock, and the real client pointed at it.</summary>
internal sealed class SandboxHarness : IAsyncDisposable
{
    /// <summary>Noon UTC on a Wednesday in May (PDT, UTC-7): Pacific midnight is 07:00 UTC the next day.</summary>
    public static readonly DateTimeOffset Start = new(2026, 5, 6, 12, 0, 0, TimeSpan.Zero);

    private SandboxHarness(YouTubeSandbox sandbox, SandboxClock clock, YouTubeClient client, InMemoryQuotaLedger ledger)
    {
        Sandbox = sandbox;
        Clock = clock;
        Client = client;
        Ledger = ledger;
    }

    public YouTubeSandbox Sandbox { get; }
    public SandboxClock Clock { get; }
    public YouTubeClient Client { get; }
    public InMemoryQuotaLedger Ledger { get; }

    public static async Task<SandboxHarness> StartAsync(int dailyQuota = 10_000, string? statePath = null, string? refreshToken = null, ChannelSnapshot? snapshot = null)
    {
        var clock = new SandboxClock(Start);
        var sandbox = await YouTubeSandbox.StartAsync(new YouTubeSandboxOptions { Clock = clock, DailyQuota = dailyQuota, StatePath = statePath, Snapshot = snapshot });
        var ledger = new InMemoryQuotaLedger(clock, dailyQuota);
        var client = YouTubeClient.Create(OptionsFor(sandbox, refreshToken), ledger, clock);
        return new SandboxHarness(sandbox, clock, client, ledger);
    }

    public static YouTubeOptions OptionsFor(YouTubeSandbox sandbox, string? refreshToken = null) => new()
    {
        ClientId = sandbox.ClientId,
        ClientSecret = sandbox.ClientSecret,
        RefreshToken = refreshToken ?? sandbox.RefreshToken,
        ApiBaseUri = sandbox.ApiBaseUri,
        UploadBaseUri = sandbox.UploadBaseUri,
        TokenUri = sandbox.TokenUri,
    };

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Sandbox.DisposeAsync();
    }

    /// <summary>A tiny valid PNG (1x1), enough for the format checks.</summary>
    public static byte[] Png(byte variant = 0) =>
    [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0,
        0x1F, 0x15, 0xC4, 0x89, 0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82, variant,
    ];

    /// <summary>Bytes that start like a JPEG.</summary>
    public static byte[] Jpeg() => [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xFF, 0xD9];

    /// <summary>Bytes of a WebP header, which YouTube refuses.</summary>
    public static byte[] WebP() => [.. "RIFF"u8, 0x24, 0, 0, 0, .. "WEBPVP8 "u8, 0, 0, 0, 0];
}

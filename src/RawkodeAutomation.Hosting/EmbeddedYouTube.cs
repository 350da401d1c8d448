using RawkodeAutomation.YouTube.Sandbox;

namespace RawkodeAutomation.Hosting;

/// <summary>The YouTube sandbox <c>up</c> and <c>adopt</c> start when no channel is configured: one state file, first seeded from the sample channel's history.</summary>
public static class EmbeddedYouTube
{
    /// <summary>The channel snapshot the sandbox starts from, relative to the repository root.</summary>
    public const string SnapshotFile = "episodes/.sandbox/channel.json";

    /// <summary>The state file's name in the state folder.</summary>
    public const string StateFile = "youtube.json";

    /// <summary>The sample channel's history under <paramref name="root"/>, or null when it has none.</summary>
    public static string? SnapshotOf(string root) => File.Exists(Path.Combine(root, SnapshotFile)) ? Path.Combine(root, SnapshotFile) : null;

    /// <summary>The sandbox of the checkout at <paramref name="root"/>, its state in <c>.rawkode/youtube.json</c>.</summary>
    public static YouTubeSandboxOptions Options(string root, int dailyQuota, int port = 0) =>
        Options(root, Path.Combine(root, ".rawkode"), dailyQuota, port);

    /// <summary>The sandbox of the checkout at <paramref name="root"/>, its state in <paramref name="stateDirectory"/> (null: in memory).</summary>
    public static YouTubeSandboxOptions Options(string root, string? stateDirectory, int dailyQuota, int port) => new()
    {
        Port = port,
        StatePath = stateDirectory is null ? null : Path.Combine(stateDirectory, StateFile),
        SnapshotPath = SnapshotOf(root),
        DailyQuota = dailyQuota,
    };
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using RawkodeAutomation.GitHub;
using RawkodeAutomation.Worker.Activities;
using RawkodeAutomation.Worker.Adapters;
using RawkodeAutomation.Workflows.Contracts;

namespace RawkodeAutomation.Pipeline.Tests.Workflows;

/// <summary>
/// An in-memory repository behind the GitHub area's <see cref="IEpisodeSource"/> seam, and its history: commits are
/// unrelated (none in another's past) and there is no branch head, so every commit is applied as it arrives.
/// </summary>
public sealed class InMemoryEpisodeSource : IEpisodeSource, ICurrentRevision, RawkodeAutomation.Worker.Seams.ICommitHistory
{
    public ConcurrentDictionary<string, IReadOnlyDictionary<string, byte[]>> Commits { get; } = new();

    public Task<string> ResolveAsync(CancellationToken cancellationToken) => Task.FromResult("");

    public Task<bool> IsAncestorAsync(string ancestor, string descendant, CancellationToken cancellationToken) =>
        Task.FromResult(string.Equals(ancestor, descendant, StringComparison.Ordinal));

    public Task<IReadOnlyDictionary<string, byte[]>> GetEpisodeFilesAsync(string sha, CancellationToken cancellationToken) =>
        Commits.TryGetValue(sha, out var files)
            ? Task.FromResult(files)
            : throw new InvalidOperationException($"unknown commit {sha}");
}

/// <summary>Records commit statuses instead of posting them.</summary>
public sealed class RecordingStatusReporter : ICommitStatusReporter
{
    public ConcurrentQueue<(string Sha, CommitStatusReport Report)> Reports { get; } = new();

    public Task ReportAsync(string sha, CommitStatusReport report, CancellationToken cancellationToken)
    {
        Reports.Enqueue((sha, report));
        return Task.CompletedTask;
    }
}

/// <summary>Builds small, valid channels as <c>episodes/</c> files.</summary>
public static class Channel
{
    public static Dictionary<string, byte[]> Base(int episodes, string guestBio = "Builds platforms.")
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["episodes/shows/demo-show.yaml"] = Utf8("""
                name: Demo Show
                host: host-person
                description: A show for tests.
                youtube:
                  categoryId: 28
                  streamKey: demo-show
                """),
            ["episodes/people/host-person.yaml"] = Utf8("""
                name: Host Person
                bio: Hosts the show.
                github: hostperson
                """),
            ["episodes/people/guest-person.yaml"] = Person("Guest Person", guestBio),
            ["episodes/people/other-person.yaml"] = Person("Other Person", "Never changes."),
        };
        for (var i = 1; i <= episodes; i++)
        {
            AddEpisode(files, i, i % 2 == 1 ? "guest-person" : "other-person");
        }
        return files;
    }

    public static byte[] Person(string name, string bio) => Utf8($"""
        name: {name}
        bio: {bio}
        github: {name.ToLowerInvariant().Replace(" ", "", StringComparison.Ordinal)}
        """);

    /// <summary>Episode <paramref name="i"/> airs on day <paramref name="i"/> counted from 2030-01-01, so any number of them are valid dates.</summary>
    public static DateTimeOffset AirDate(int i) => new DateTimeOffset(2030, 1, 1, 17, 0, 0, TimeSpan.Zero).AddDays(i - 1);

    public static string EpisodeId(int i) => $"demo-show/{AirDate(i).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}-episode-{i}";

    public static void AddEpisode(Dictionary<string, byte[]> files, int i, string guest) =>
        files[$"episodes/{EpisodeId(i)}.yaml"] = Utf8($"""
            title: "Episode {i}"
            scheduledFor: {AirDate(i).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}T17:00:00Z
            duration: 90m
            visibility: public
            guests: [{guest}]
            technologies: [kubernetes]
            summary: Episode number {i} of the demo show.
            """);

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s + "\n");
}

/// <summary>Real commit activities over an in-memory source, for workflow tests.</summary>
public static class CommitWiring
{
    public static (InMemoryEpisodeSource Source, RecordingStatusReporter Statuses) Add(PipelineHarness h)
    {
        var source = new InMemoryEpisodeSource();
        var statuses = new RecordingStatusReporter();
        h.ExtraActivities.Add(new CommitActivities(
            source, statuses, new DomainDesiredStateBuilder(null), h.Client,
            Microsoft.Extensions.Options.Options.Create(h.Options), NullLogger<CommitActivities>.Instance, source, source));
        return (source, statuses);
    }

    /// <summary><see cref="Add"/>, then starts the harness's worker.</summary>
    public static async Task<(InMemoryEpisodeSource Source, RecordingStatusReporter Statuses)> StartWorkerAsync(PipelineHarness h)
    {
        var wiring = Add(h);
        await h.StartWorkerAsync();
        return wiring;
    }

    /// <summary>Delivers commit <paramref name="sha"/> (its parent <paramref name="before"/>) as the git watcher would, and waits for its outcome.</summary>
    public static async Task<CommitOutcome> ApplyAsync(PipelineHarness h, string sha, string? before, bool full = false)
    {
        var handle = await TemporalCommitSink.StartAsync(h.Client, h.Options, new CommitInput(sha, before, DateTimeOffset.UtcNow, full), CancellationToken.None);
        Assert.NotNull(handle);
        return await handle.GetResultAsync();
    }

    /// <summary>Commits <c>c0</c>, the demo channel with <paramref name="episodes"/> episodes, and applies it as a full sync.</summary>
    public static async Task<Dictionary<string, byte[]>> ApplyBaseAsync(PipelineHarness h, InMemoryEpisodeSource source, int episodes)
    {
        var c0 = Channel.Base(episodes);
        source.Commits["c0"] = c0;
        await ApplyAsync(h, "c0", null, full: true);
        return c0;
    }
}

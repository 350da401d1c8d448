using System.Globalization;
using System.Text;

namespace RawkodeAutomation.Episodes.Benchmarking;

/// <summary>
/// Generates a large, valid, deterministic episodes tree for benchmarks (<c>rawkode-bench episodes</c>):
/// a Klustered-style show and interview shows, people with bios, episodes with chapters and teams.
/// </summary>
public static class SyntheticChannel
{
    private static readonly string[] Breaks =
    [
        "coredns-homoglyph", "coredns-scaled-to-zero", "networkpolicy-deny-all", "quota-zero-pods", "limitrange-1mi",
        "webhook-rewrite-v2", "webhook-fail-closed", "service-selector-typo", "taint-all-nodes", "scheduler-name-typo",
    ];

    private static readonly string[] Technologies =
        ["kubernetes", "coredns", "cilium", "flux", "argocd", "helm", "etcd", "containerd", "prometheus", "opentelemetry", "kyverno", "crossplane"];

    /// <summary>Files keyed by repository-relative path, as <c>EpisodeLoader.Load</c> takes them.</summary>
    public static Dictionary<string, byte[]> Generate(int episodes, int people, int seed = 42)
    {
        var random = new Random(seed);
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        void Put(string path, string text) => files[path] = Encoding.UTF8.GetBytes(text);

        for (var p = 0; p < people; p++)
        {
            Put($"episodes/people/{PersonId(p)}.yaml",
                $"name: Person {p}\nbio: Engineer number {p}. Works on platform teams and speaks about Kubernetes at meetups.\n"
                + $"github: person{p}\n" + (p % 3 == 0 ? $"twitter: person_{p}\n" : "") + (p % 5 == 0 ? $"website: https://person{p}.example.com\n" : ""));
        }

        // Ten shows so each series index is a realistic few hundred episodes long at 5,000 episodes.
        const int shows = 10;
        for (var s = 0; s < shows; s++)
        {
            Put($"episodes/shows/{ShowId(s)}.yaml",
                $"name: Show {s}\nhost: {PersonId(s % people)}\ndescription: Show number {s}, a synthetic show for benchmarks.\n"
                + $"hashtags: [\"#Show{s}\", \"#Kubernetes\"]\nyoutube:\n  categoryId: 28\n  playlistId: PLsynthetic{s:D4}\n  streamKey: {ShowId(s)}\n");
        }

        var start = new DateTimeOffset(2020, 1, 2, 17, 0, 0, TimeSpan.Zero);
        for (var e = 0; e < episodes; e++)
        {
            var show = e % shows;
            var when = start.AddDays(e / shows * 7);
            var guestA = PersonId(random.Next(people));
            var guestB = PersonId(random.Next(people));
            var text = new StringBuilder()
                .Append("title: \"Episode ").Append(e).Append(": a conversation about ").Append(Technologies[e % Technologies.Length]).Append("\"\n")
                .Append("scheduledFor: ").Append(when.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)).Append('\n')
                .Append("duration: 90m\nvisibility: public\n")
                .Append("guests: [").Append(guestA).Append(guestB != guestA ? ", " + guestB : "").Append("]\n")
                .Append("technologies: [").Append(Technologies[e % Technologies.Length]).Append(", kubernetes]\n")
                .Append("summary: |\n  Episode ").Append(e).Append(" of show ").Append(show).Append(". We install things, break things and fix them live.\n")
                .Append("chapters:\n  - { at: \"00:00\", title: Intro }\n  - { at: \"05:00\", title: Demo }\n  - { at: \"1:00:00\", title: Questions }\n")
                .Append("links: [https://github.com/example/show").Append(show).Append("]\n")
                .Append("youtube:\n  videoId: ").Append(VideoId(e)).Append('\n');
            if (show == 0 && guestB != guestA)
            {
                text.Append("klustered:\n  teams:\n")
                    .Append("    - name: team-a\n      breakers: [").Append(guestA).Append("]\n      fixers: [").Append(guestB).Append("]\n")
                    .Append("      cluster: { class: kubeadm-small, kubernetesVersion: v1.31.0 }\n      breaks: [").Append(Breaks[e % Breaks.Length]).Append("]\n");
            }

            Put($"episodes/{ShowId(show)}/{when:yyyy-MM-dd}-episode-{e}.yaml", text.ToString());
        }

        return files;
    }

    /// <summary>
    /// A typical commit on top of <see cref="Generate"/>: one guest's bio changes (a retroactive sweep),
    /// one title changes, one file is renamed, and one new episode is scheduled.
    /// </summary>
    public static Dictionary<string, byte[]> Edit(Dictionary<string, byte[]> files)
    {
        var edited = new Dictionary<string, byte[]>(files, StringComparer.Ordinal);
        var person = edited.Keys.First(k => k.StartsWith("episodes/people/", StringComparison.Ordinal));
        edited[person] = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(edited[person]).Replace("Engineer number", "Staff engineer number", StringComparison.Ordinal));

        var episodes = edited.Keys.Where(k => k.Contains("-episode-", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        var retitled = episodes[episodes.Count / 2];
        edited[retitled] = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(edited[retitled]).Replace("a conversation about", "all about", StringComparison.Ordinal));

        var renamed = episodes[episodes.Count / 3];
        edited[renamed.Replace("-episode-", "-renamed-episode-", StringComparison.Ordinal)] = edited[renamed];
        edited.Remove(renamed);

        edited[$"episodes/{ShowId(1)}/2027-01-14-brand-new-episode.yaml"] = Encoding.UTF8.GetBytes(
            "title: A brand new episode\nscheduledFor: 2027-01-14T17:00:00Z\nduration: 1h\nguests: [" + PersonId(1) + "]\n"
            + "summary: Something new.\nlinks: [https://github.com/example/new]\n");
        return edited;
    }

    private static string PersonId(int p) => $"person-{p}";

    private static string ShowId(int s) => s == 0 ? "klustered" : $"show-{s}";

    private static string VideoId(int e) => ("v" + e.ToString("D10", CultureInfo.InvariantCulture))[..11];
}

using System.Globalization;
using System.Text;
using RawkodeAutomation.Episodes.Model;

namespace RawkodeAutomation.Episodes.Adoption;

/// <summary>A video of the channel as <c>rawkode adopt</c> reads it (channels → uploads → videos.list).</summary>
/// <param name="VideoId">YouTube's 11-character id.</param>
/// <param name="Title">snippet.title.</param>
/// <param name="PublishedAt">snippet.publishedAt.</param>
/// <param name="ActualStart">liveStreamingDetails.actualStartTime: when a past live stream really started.</param>
/// <param name="ScheduledStart">liveStreamingDetails.scheduledStartTime.</param>
/// <param name="WasLive">True when the video has liveStreamingDetails (it is or was a live stream).</param>
public sealed record ChannelVideo(
    string VideoId,
    string Title,
    DateTimeOffset PublishedAt,
    DateTimeOffset? ActualStart = null,
    DateTimeOffset? ScheduledStart = null,
    bool WasLive = false)
{
    /// <summary>The best start time the video has: actual start, else scheduled start, else publish time.</summary>
    public DateTimeOffset Start => ActualStart ?? ScheduledStart ?? PublishedAt;

    /// <summary>Which of the three <see cref="Start"/> is, for the evidence.</summary>
    public string StartKind => ActualStart is not null ? "started" : ScheduledStart is not null ? "scheduled" : "published";
}

/// <summary>An episode matched to a video, with why.</summary>
public sealed record AdoptionMatch(Episode Episode, ChannelVideo Video, string Evidence);

/// <summary>An episode that several videos could be (or one video that several episodes could be): never written.</summary>
public sealed record AdoptionAmbiguity(Episode Episode, IReadOnlyList<(ChannelVideo Video, string Evidence)> Candidates, string Why);

/// <summary>What <see cref="AdoptionMatcher.Match"/> found.</summary>
/// <param name="Matched">Episodes with exactly one convincing video that no other episode wants.</param>
/// <param name="Ambiguous">Episodes with several candidates, or whose only candidate is weak or contested.</param>
/// <param name="EpisodesWithoutVideo">Past episodes without a videoId and without any candidate.</param>
/// <param name="VideosWithoutEpisode">Videos no episode claims or matches (trailers, shorts, uploads the repository does not describe).</param>
/// <param name="AlreadyAdopted">Episodes whose <c>youtube.videoId</c> the channel has.</param>
/// <param name="ClaimedButMissing">Episodes whose <c>youtube.videoId</c> is not one of the channel's videos.</param>
public sealed record AdoptionReport(
    IReadOnlyList<AdoptionMatch> Matched,
    IReadOnlyList<AdoptionAmbiguity> Ambiguous,
    IReadOnlyList<Episode> EpisodesWithoutVideo,
    IReadOnlyList<ChannelVideo> VideosWithoutEpisode,
    IReadOnlyList<Episode> AlreadyAdopted,
    IReadOnlyList<Episode> ClaimedButMissing);

/// <summary>
/// Matches a channel's existing videos to the episode files that have no <c>youtube.videoId</c> yet, by start time and
/// title. Pure. Conservative on purpose: a wrong match would rewrite the wrong video's description forever, a missed
/// one only waits for a person to add the id.
/// </summary>
/// <remarks>
/// A match is either <b>exact</b> (same title after <see cref="NormalizeTitle"/>, start within
/// <see cref="StartTolerance"/> of <c>scheduledFor</c>: live streams start a little late) or <b>late upload</b> (same
/// title, a plain upload published within <see cref="UploadTolerance"/> after the show). An episode is matched when it
/// has exactly one exact candidate (else exactly one late-upload candidate) and no other episode has that video as a
/// candidate of the same strength. A video that only starts at the right time under another title is a candidate to
/// show, never to write.
/// </remarks>
public static class AdoptionMatcher
{
    /// <summary>How far a live stream's start may be from <c>scheduledFor</c> and still be that show.</summary>
    public static readonly TimeSpan StartTolerance = TimeSpan.FromHours(6);

    /// <summary>How long after a show an upload with the same title still counts as its video.</summary>
    public static readonly TimeSpan UploadTolerance = TimeSpan.FromDays(7);

    /// <summary>
    /// Episodes that are over (<see cref="ShowTiming"/>) are matched; upcoming episodes and drafts are left out (they get
    /// broadcasts). Videos already claimed by any episode's <c>youtube.videoId</c> are not offered to others.
    /// </summary>
    public static AdoptionReport Match(IEnumerable<Episode> episodes, IEnumerable<ChannelVideo> videos, DateTimeOffset now)
    {
        var all = episodes.OrderBy(e => e.Id, StringComparer.Ordinal).ToList();
        var channel = videos.DistinctBy(v => v.VideoId).ToList();
        var byId = channel.ToDictionary(v => v.VideoId, StringComparer.Ordinal);

        var claimed = new HashSet<string>(StringComparer.Ordinal);
        List<Episode> adopted = [], missing = [];
        foreach (var episode in all.Where(e => e.YouTube?.VideoId is not null))
        {
            claimed.Add(episode.YouTube!.VideoId!);
            (byId.ContainsKey(episode.YouTube.VideoId!) ? adopted : missing).Add(episode);
        }

        var free = channel.Where(v => !claimed.Contains(v.VideoId)).ToList();
        var wanting = all.Where(e => ShowTiming.NeedsAdoption(e, now)).ToList();

        var candidates = wanting.ToDictionary(e => e.Id, e => Candidates(e, free), StringComparer.Ordinal);
        // How many episodes have each video as a candidate of each strength: a contested video is never written.
        var contest = candidates.Values.SelectMany(c => c).GroupBy(c => (c.Video.VideoId, c.Strength)).ToDictionary(g => g.Key, g => g.Count());

        List<AdoptionMatch> matched = [];
        List<AdoptionAmbiguity> ambiguous = [];
        List<Episode> none = [];
        foreach (var episode in wanting)
        {
            var list = candidates[episode.Id];
            if (list.Count == 0) { none.Add(episode); continue; }
            var best = list.Min(c => c.Strength);
            var top = list.Where(c => c.Strength == best).ToList();
            var shown = list.Select(c => (c.Video, c.Evidence)).ToList();
            if (best == Strength.TimeOnly)
            {
                ambiguous.Add(new AdoptionAmbiguity(episode, shown, "only the start time agrees; the title differs"));
            }
            else if (top.Count > 1)
            {
                ambiguous.Add(new AdoptionAmbiguity(episode, shown, $"{top.Count} videos fit equally well"));
            }
            else if (contest[(top[0].Video.VideoId, best)] > 1)
            {
                ambiguous.Add(new AdoptionAmbiguity(episode, shown, $"video {top[0].Video.VideoId} fits {contest[(top[0].Video.VideoId, best)]} episodes equally well"));
            }
            else
            {
                matched.Add(new AdoptionMatch(episode, top[0].Video, top[0].Evidence));
            }
        }

        var used = matched.Select(m => m.Video.VideoId)
            .Concat(ambiguous.SelectMany(a => a.Candidates.Select(c => c.Video.VideoId)))
            .ToHashSet(StringComparer.Ordinal);
        var orphans = free.Where(v => !used.Contains(v.VideoId)).OrderBy(v => v.Start).ThenBy(v => v.VideoId, StringComparer.Ordinal).ToList();
        return new AdoptionReport(matched, ambiguous, none, orphans, adopted, missing);
    }

    private enum Strength
    {
        Exact,
        LateUpload,
        TimeOnly,
    }

    private sealed record Candidate(ChannelVideo Video, Strength Strength, string Evidence);

    private static List<Candidate> Candidates(Episode episode, IEnumerable<ChannelVideo> videos)
    {
        var scheduled = episode.ScheduledFor!.Value;
        var title = NormalizeTitle(episode.Title);
        List<Candidate> found = [];
        foreach (var video in videos)
        {
            var delta = video.Start - scheduled;
            var sameTitle = NormalizeTitle(video.Title) == title;
            var when = $"{video.StartKind} {Describe(delta)} scheduledFor";
            var titleNote = sameTitle
                ? (string.Equals(video.Title, episode.Title, StringComparison.Ordinal) ? "same title" : $"same title ignoring case, punctuation and emoji (\"{video.Title}\")")
                : $"title differs (\"{video.Title}\")";
            if (sameTitle && delta.Duration() <= StartTolerance)
            {
                found.Add(new Candidate(video, Strength.Exact, $"{titleNote}; {when}"));
            }
            else if (sameTitle && !video.WasLive && delta >= TimeSpan.Zero && delta <= UploadTolerance)
            {
                found.Add(new Candidate(video, Strength.LateUpload, $"{titleNote}; uploaded, {when}"));
            }
            else if (delta.Duration() <= StartTolerance && delta.Duration() <= episode.Duration + TimeSpan.FromHours(1))
            {
                found.Add(new Candidate(video, Strength.TimeOnly, $"{titleNote}; {when}"));
            }
        }
        return [.. found.OrderBy(c => c.Strength).ThenBy(c => (c.Video.Start - scheduled).Duration())];
    }

    /// <summary>
    /// A title as a person reads it: case, punctuation, symbols and emoji ignored; letters and digits kept (accents
    /// too), runs of anything else become one space. <c>"🔴 LIVE — Klustered #7: Guy!"</c> and
    /// <c>"live klustered 7 guy"</c> are the same title.
    /// </summary>
    public static string NormalizeTitle(string title)
    {
        var b = new StringBuilder(title.Length);
        var space = false;
        foreach (var rune in title.Normalize(NormalizationForm.FormC).EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category == UnicodeCategory.NonSpacingMark)
            {
                // A combining accent belongs to the letter before it; an emoji's variation selector (U+FE0F) belongs to nothing.
                var selector = rune.Value is >= 0xFE00 and <= 0xFE0F or >= 0xE0100 and <= 0xE01EF;
                if (!selector && !space && b.Length > 0) { b.Append(rune.ToString()); }
                continue;
            }
            var keep = category is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.OtherLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.DecimalDigitNumber;
            if (!keep) { space = b.Length > 0; continue; }
            if (space) { b.Append(' '); space = false; }
            b.Append(Rune.ToLowerInvariant(rune).ToString());
        }
        return b.ToString();
    }

    private static string Describe(TimeSpan delta)
    {
        var d = delta.Duration();
        var amount = d < TimeSpan.FromMinutes(1) ? $"{(int)d.TotalSeconds}s"
            : d < TimeSpan.FromHours(1) ? $"{(int)d.TotalMinutes}m"
            : d < TimeSpan.FromDays(2) ? $"{(int)d.TotalHours}h{d.Minutes:00}m"
            : $"{(int)d.TotalDays}d";
        return delta == TimeSpan.Zero ? "exactly at" : delta > TimeSpan.Zero ? $"{amount} after" : $"{amount} before";
    }
}

using RawkodeAutomation.Workflows.Activities;
using RawkodeAutomation.Workflows.Contracts;

namespace RawkodeAutomation.Workflows.Decisions;

/// <summary>The next Klustered step for a team and when it is due.</summary>
public enum KlusteredAction
{
    None,
    Provision,
    CheckFixed,
    Teardown,

    /// <summary>The show's window passed before the team was ever provisioned: nothing to do.</summary>
    Expire,

    /// <summary>The show starts: close the breakers' window, check the cluster is broken, open the fixers'.</summary>
    HandOver,
}

/// <summary>One decision: the action to take now (or <see cref="KlusteredAction.None"/>) and when to wake next.</summary>
public sealed record KlusteredStep(KlusteredAction Action, DateTimeOffset? WakeAt);

/// <summary>The Klustered timeline as a pure function of the clock, the spec and a team's state.</summary>
public static class KlusteredSchedule
{
    /// <summary>When to provision, when the show starts, when to tear down.</summary>
    public static (DateTimeOffset ProvisionAt, DateTimeOffset ShowStart, DateTimeOffset TeardownAt) Timeline(DesiredEpisode d)
    {
        var k = d.Klustered ?? throw new ArgumentException($"episode {d.EpisodeId} has no klustered section", nameof(d));
        var start = d.ScheduledFor ?? throw new ArgumentException($"episode {d.EpisodeId} has no scheduledFor", nameof(d));
        return (start - k.ProvisionBefore, start, start + d.Duration + k.TeardownAfter);
    }

    /// <summary>The step for one team now.</summary>
    /// <param name="pollInterval">How often to look for the fix while the show runs.</param>
    public static KlusteredStep Next(DateTimeOffset now, DesiredEpisode d, TeamState team, TimeSpan pollInterval)
    {
        if (d.Klustered is null || d.ScheduledFor is null || d.Draft)
        {
            return new KlusteredStep(KlusteredAction.None, null);
        }
        var (provisionAt, showStart, teardownAt) = Timeline(d);
        switch (team.Phase)
        {
            case TeamPhase.TornDown:
                return new KlusteredStep(KlusteredAction.None, null);
            case TeamPhase.Waiting:
                if (now >= teardownAt)
                {
                    return new KlusteredStep(KlusteredAction.Expire, null);
                }
                return now >= provisionAt
                    ? new KlusteredStep(KlusteredAction.Provision, null)
                    : new KlusteredStep(KlusteredAction.None, provisionAt);
            case TeamPhase.Failed:
                // A failed team keeps its cluster (for humans to look at) until teardown time.
                return now >= teardownAt
                    ? new KlusteredStep(KlusteredAction.Teardown, null)
                    : new KlusteredStep(KlusteredAction.None, teardownAt);
            case TeamPhase.Fixed:
                return now >= teardownAt
                    ? new KlusteredStep(KlusteredAction.Teardown, null)
                    : new KlusteredStep(KlusteredAction.None, teardownAt);
            case TeamPhase.Provisioned:
                if (now >= teardownAt)
                {
                    return new KlusteredStep(KlusteredAction.Teardown, null);
                }
                if (now < showStart)
                {
                    return new KlusteredStep(KlusteredAction.None, showStart);
                }
                if (team.HandedOverAt is null)
                {
                    return new KlusteredStep(KlusteredAction.HandOver, null);
                }
                var next = now + pollInterval;
                return new KlusteredStep(KlusteredAction.CheckFixed, next < teardownAt ? next : teardownAt);
            default:
                return new KlusteredStep(KlusteredAction.None, null);
        }
    }

    /// <summary>Time to fix: from the show's start (or from provisioning, if later) to the fix.</summary>
    public static TimeSpan TimeToFix(DateTimeOffset showStart, DateTimeOffset? provisionedAt, DateTimeOffset fixedAt)
    {
        var from = provisionedAt is { } p && p > showStart ? p : showStart;
        return fixedAt > from ? fixedAt - from : TimeSpan.Zero;
    }

    /// <summary>
    /// The fixes that get a chapter once the stream is over: teams fixed after the start and before the end, at their
    /// offset from the stream's start. Null while it is too early to write them (the stream has not ended yet, plus one
    /// poll so a fix seen at the last moment is counted).
    /// </summary>
    public static IReadOnlyList<TeamFix>? FixChapters(DateTimeOffset now, DesiredEpisode d, IEnumerable<TeamState> teams, TimeSpan pollInterval)
    {
        if (d.Klustered is null || d.ScheduledFor is not { } start || d.Draft || now < start + d.Duration + pollInterval)
        {
            return null;
        }
        return [.. teams
            .Where(t => t.FixedAt is { } at && at > start && at < start + d.Duration)
            .OrderBy(t => t.FixedAt)
            .Select(t => new TeamFix(t.Name, t.FixedAt!.Value, t.TimeToFix ?? (t.FixedAt!.Value - start)))];
    }

    /// <summary>A verdict in words, as the operator page and the scoreboard say it.</summary>
    public static string Describe(BreakVerdict verdict) => verdict switch
    {
        BreakVerdict.Broken => "broken",
        BreakVerdict.BrokenByHand => "broken by hand",
        BreakVerdict.NotBroken => "not broken",
        _ => "not checked yet",
    };

    /// <summary>Earliest of the wake-up times, ignoring nulls.</summary>
    public static DateTimeOffset? Earliest(IEnumerable<DateTimeOffset?> times)
    {
        DateTimeOffset? min = null;
        foreach (var t in times)
        {
            if (t is { } v && (min is null || v < min))
            {
                min = v;
            }
        }
        return min;
    }
}

using RawkodeAutomation.Episodes.Quota;
using RawkodeAutomation.Workflows.Contracts;

namespace RawkodeAutomation.Workflows.Decisions;

/// <summary>
/// The quota arithmetic of the single quota entity: a daily budget, a queue ordered by priority then
/// arrival, reservations that are settled with what the call really cost, and a reset per Pacific
/// day. Deterministic and free of I/O: the workflow feeds it <c>Workflow.UtcNow</c>.
/// </summary>
public sealed class QuotaLedger
{
    // Duplicate requests (an activity retried after its signal already landed) must not reserve twice;
    // remembering the last few thousand settled ids is enough because duplicates arrive within seconds.
    private const int SettledMemory = 2000;

    private readonly List<QueuedQuotaRequest> _queue;
    private readonly List<QuotaGrant> _outstanding;
    private readonly LinkedList<string> _settled;
    private readonly HashSet<string> _settledSet;

    public QuotaLedger(QuotaLedgerState state)
    {
        Day = state.Day;
        DailyBudget = state.DailyBudget;
        SweepReserve = state.SweepReserve;
        Used = state.Used;
        Exhausted = state.Exhausted;
        NextSequence = state.NextSequence;
        TotalSpent = state.TotalSpent;
        Resets = state.Resets;
        CredentialsInUse = state.CredentialsInUse;
        CredentialsRejected = state.CredentialsRejected;
        RejectedCredentials = state.RejectedCredentials;
        _queue = [.. state.Queue];
        _outstanding = [.. state.Outstanding];
        _settled = new LinkedList<string>(state.RecentlySettled);
        _settledSet = [.. state.RecentlySettled];
    }

    /// <summary>A fresh ledger for a day.</summary>
    public static QuotaLedger Create(string day, long dailyBudget, long sweepReserve = 0) =>
        new(new QuotaLedgerState(day, dailyBudget, sweepReserve, 0, false, [], [], [], 0, 0, 0));

    public string Day { get; private set; }

    public long DailyBudget { get; private set; }

    public long SweepReserve { get; private set; }

    /// <summary>Units reserved or spent today.</summary>
    public long Used { get; private set; }

    /// <summary>YouTube said quotaExceeded today: nothing more until the reset, whatever our count says.</summary>
    public bool Exhausted { get; private set; }

    public long NextSequence { get; private set; }

    /// <summary>Units really spent since the entity started (all days).</summary>
    public long TotalSpent { get; private set; }

    /// <summary>How many day resets have happened.</summary>
    public int Resets { get; private set; }

    /// <summary>The fingerprint of the credentials the workers last said they use (never the credentials themselves).</summary>
    public string? CredentialsInUse { get; private set; }

    /// <summary>YouTube refused the credentials in use: nothing is granted until a worker starts with other ones.</summary>
    public bool CredentialsRejected { get; private set; }

    /// <summary>The fingerprint that was in use when YouTube refused the credentials (null: not known).</summary>
    public string? RejectedCredentials { get; private set; }

    public long Remaining => Exhausted ? 0 : Math.Max(0, DailyBudget - Used);

    public IReadOnlyList<QueuedQuotaRequest> Queue => _queue;

    public IReadOnlyList<QuotaGrant> Outstanding => _outstanding;

    /// <summary>Queue a request. False when the id is already queued, granted or recently settled.</summary>
    public bool Enqueue(QuotaRequest request)
    {
        if (request.Units < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(request), $"quota request {request.RequestId} asks for {request.Units} units");
        }
        if (_queue.Any(q => q.Request.RequestId == request.RequestId)
            || _outstanding.Any(g => g.RequestId == request.RequestId)
            || _settledSet.Contains(request.RequestId))
        {
            return false;
        }
        _queue.Add(new QueuedQuotaRequest(request, NextSequence++));
        return true;
    }

    /// <summary>
    /// Grant what fits, strictly in priority then arrival order: when the first waiting request does
    /// not fit, nothing behind it is granted, so small sweeps cannot starve a broadcast. A request
    /// bigger than a whole day's budget is granted on an untouched day so it cannot wait forever.
    /// </summary>
    public IReadOnlyList<(QuotaRequest Request, QuotaGrant Grant)> TakeGrantable()
    {
        var granted = new List<(QuotaRequest, QuotaGrant)>();
        if (Exhausted || CredentialsRejected)
        {
            return granted;
        }
        foreach (var queued in _queue.OrderBy(q => q.Request.Priority).ThenBy(q => q.Sequence).ToList())
        {
            var request = queued.Request;
            var limit = DailyBudget - (request.Priority == QuotaPriority.Sweep ? SweepReserve : 0);
            var fits = Used + request.Units <= limit || (Used == 0 && request.Units > DailyBudget);
            if (!fits)
            {
                break;
            }
            _queue.Remove(queued);
            Used += request.Units;
            var grant = new QuotaGrant(request.RequestId, request.Units, Day, CredentialsInUse);
            _outstanding.Add(grant);
            granted.Add((request, grant));
        }
        return granted;
    }

    /// <summary>Close a reservation with the real cost. Unknown ids are ignored (a duplicate settlement).</summary>
    /// <param name="settlement">What the call cost, and whether YouTube refused the day or the credentials.</param>
    /// <param name="refusalOfGrantCredentials">
    /// A refusal parks calls only when the credentials in use are still the ones the units were granted under: a
    /// refusal settled after a worker with other credentials started (its workflow task ran late) is of the old ones,
    /// and parking then would wait for a restart that already happened. False replays histories from before this rule.
    /// </param>
    public bool Settle(QuotaSettlement settlement, bool refusalOfGrantCredentials = true)
    {
        var grant = _outstanding.FirstOrDefault(g => g.RequestId == settlement.RequestId);
        if (grant is null)
        {
            return false;
        }
        _outstanding.Remove(grant);
        Remember(settlement.RequestId);
        TotalSpent += settlement.UnitsSpent;
        if (grant.Day == Day)
        {
            // Refund (or charge) the difference against the day the units were reserved on;
            // a reservation from before the reset was YouTube's yesterday and is left there.
            Used = Math.Max(0, Used - grant.Units + settlement.UnitsSpent);
        }
        if (settlement.Exhausted)
        {
            Exhausted = true;
        }
        if (settlement.CredentialsRejected && !(refusalOfGrantCredentials && grant.Credentials != CredentialsInUse))
        {
            CredentialsRejected = true;
            RejectedCredentials = CredentialsInUse;
        }
        return true;
    }

    /// <summary>
    /// A worker started with the credentials whose fingerprint is <paramref name="fingerprint"/>. When they differ
    /// from the ones YouTube refused (or those are not known), the requests waiting for new credentials are granted
    /// again. True when that lifted a rejection.
    /// </summary>
    public bool UseCredentials(string fingerprint)
    {
        CredentialsInUse = fingerprint;
        if (!CredentialsRejected || RejectedCredentials == fingerprint)
        {
            return false;
        }
        CredentialsRejected = false;
        RejectedCredentials = null;
        return true;
    }

    /// <summary>A requester gave up on a queued request (e.g. the episode was deleted).</summary>
    public bool Cancel(string requestId) => _queue.RemoveAll(q => q.Request.RequestId == requestId) > 0;

    /// <summary>The quota day rolled over (or an operator/test says it did): the budget is whole again.</summary>
    public void Reset(string day)
    {
        Day = day;
        Used = 0;
        Exhausted = false;
        Resets++;
    }

    /// <summary>Roll over when the clock says a new Pacific day began. True when it did.</summary>
    public bool RollOverIfNewDay(DateTimeOffset utcNow)
    {
        var day = PacificDay.KeyOf(utcNow);
        if (string.CompareOrdinal(day, Day) <= 0)
        {
            return false;
        }
        Reset(day);
        return true;
    }

    /// <summary>Change the budget (YouTube granted more, or a test wants less).</summary>
    public void SetBudget(long dailyBudget, long sweepReserve)
    {
        DailyBudget = dailyBudget;
        SweepReserve = sweepReserve;
    }

    public QuotaLedgerState ToState() => new(
        Day, DailyBudget, SweepReserve, Used, Exhausted, [.. _queue], [.. _outstanding], [.. _settled], NextSequence, TotalSpent, Resets,
        CredentialsInUse, CredentialsRejected, RejectedCredentials);

    public QuotaStatus ToStatus(DateTimeOffset utcNow) => new(
        Day,
        DailyBudget,
        Used,
        Remaining,
        Exhausted,
        _queue.Count(q => q.Request.Priority == QuotaPriority.LiveScheduling),
        _queue.Count(q => q.Request.Priority == QuotaPriority.Thumbnail),
        _queue.Count(q => q.Request.Priority == QuotaPriority.Sweep),
        _outstanding.Count,
        PacificDay.NextReset(utcNow),
        TotalSpent,
        Resets,
        CredentialsRejected);

    private void Remember(string requestId)
    {
        if (_settledSet.Add(requestId))
        {
            _settled.AddLast(requestId);
            while (_settled.Count > SettledMemory)
            {
                _settledSet.Remove(_settled.First!.Value);
                _settled.RemoveFirst();
            }
        }
    }
}

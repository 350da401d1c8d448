using RawkodeAutomation.Workflows.Contracts;
using RawkodeAutomation.Workflows.Decisions;

namespace RawkodeAutomation.Pipeline.Tests.Decisions;

public class QuotaLedgerTests
{
    private static QuotaRequest Req(string id, long units, QuotaPriority p) => new(id, "wf/" + id, units, p, "test");

    [Fact]
    public void TakeGrantable_MixedPriorities_GrantsLiveThenThumbnailsThenSweeps()
    {
        var ledger = QuotaLedger.Create("2026-01-01", 10_000);
        ledger.Enqueue(Req("sweep", 51, QuotaPriority.Sweep));
        ledger.Enqueue(Req("thumb", 50, QuotaPriority.Thumbnail));
        ledger.Enqueue(Req("live", 202, QuotaPriority.LiveScheduling));

        var granted = ledger.TakeGrantable().Select(g => g.Request.RequestId).ToList();

        Assert.Equal(["live", "thumb", "sweep"], granted);
        Assert.Equal(303, ledger.Used);
    }

    [Fact]
    public void TakeGrantable_BudgetRunsOut_StopsAtFirstThatDoesNotFit()
    {
        var ledger = QuotaLedger.Create("2026-01-01", 110);
        ledger.Enqueue(Req("a", 51, QuotaPriority.Sweep));
        ledger.Enqueue(Req("b", 60, QuotaPriority.Sweep));
        ledger.Enqueue(Req("c", 10, QuotaPriority.Sweep));

        var granted = ledger.TakeGrantable();

        // "c" would fit but must not jump the queue ahead of "b": strict order keeps sweeps in order.
        Assert.Equal(["a"], granted.Select(g => g.Request.RequestId));
        Assert.Equal(2, ledger.Queue.Count);
        Assert.Equal(59, ledger.Remaining);
    }

    [Fact]
    public void TakeGrantable_CredentialsRejected_GrantsNothingUntilAWorkerUsesOtherCredentials()
    {
        var ledger = QuotaLedger.Create("2026-01-01", 1000);
        ledger.UseCredentials("old");
        ledger.Enqueue(Req("a", 100, QuotaPriority.LiveScheduling));
        ledger.TakeGrantable();
        ledger.Settle(new QuotaSettlement("a", 0, false, CredentialsRejected: true));
        ledger.Enqueue(Req("b", 100, QuotaPriority.LiveScheduling));

        // A restart with the same credentials changes nothing; a worker with other ones lifts the rejection.
        Assert.Empty(ledger.TakeGrantable());
        Assert.False(ledger.UseCredentials("old"));
        Assert.Empty(ledger.TakeGrantable());
        Assert.True(ledger.UseCredentials("new"));

        Assert.Equal(["b"], ledger.TakeGrantable().Select(g => g.Request.RequestId));
        Assert.Equal(100, ledger.Used);
        Assert.True(new QuotaLedger(ledger.ToState()).ToStatus(DateTimeOffset.UnixEpoch) is { CredentialsRejected: false });
    }

    [Fact]
    public void Settle_RejectionOfOldCredentialsArrivesAfterAWorkerWithNewOnesStarted_NothingIsParked()
    {
        // Given a call granted while the worker used credentials YouTube refuses,
        var ledger = QuotaLedger.Create("2026-01-01", 1000);
        ledger.UseCredentials("old");
        ledger.Enqueue(Req("a", 100, QuotaPriority.LiveScheduling));
        ledger.TakeGrantable();

        // when the operator restarts the worker with new credentials before the refused call's workflow settles it,
        ledger.UseCredentials("new");
        ledger.Settle(new QuotaSettlement("a", 0, false, CredentialsRejected: true));

        // then the refusal is of the old credentials: the new ones get their chance (nobody else would lift a parking).
        ledger.Enqueue(Req("b", 100, QuotaPriority.LiveScheduling));
        Assert.Equal(["b"], ledger.TakeGrantable().Select(g => g.Request.RequestId));
        Assert.False(ledger.CredentialsRejected);

        // And when the new credentials are refused too, calls park until yet other ones come.
        ledger.Settle(new QuotaSettlement("b", 0, false, CredentialsRejected: true));
        ledger.Enqueue(Req("c", 100, QuotaPriority.LiveScheduling));
        Assert.Empty(ledger.TakeGrantable());
        Assert.True(ledger.UseCredentials("newer"));
        Assert.Equal(["c"], ledger.TakeGrantable().Select(g => g.Request.RequestId));
    }

    [Fact]
    public void Settle_CheaperThanReserved_RefundsTheDifference()
    {
        var ledger = QuotaLedger.Create("2026-01-01", 1000);
        ledger.Enqueue(Req("a", 51, QuotaPriority.Sweep));
        ledger.TakeGrantable();

        Assert.True(ledger.Settle(new QuotaSettlement("a", 1, false)));

        Assert.Equal(1, ledger.Used);
        Assert.Equal(1, ledger.TotalSpent);
        Assert.False(ledger.Settle(new QuotaSettlement("a", 1, false)));
        Assert.Equal(1, ledger.Used);
    }

    [Fact]
    public void Enqueue_DuplicateOfQueuedGrantedOrSettled_IsIgnored()
    {
        var ledger = QuotaLedger.Create("2026-01-01", 1000);
        Assert.True(ledger.Enqueue(Req("a", 50, QuotaPriority.Thumbnail)));
        Assert.False(ledger.Enqueue(Req("a", 50, QuotaPriority.Thumbnail)));
        ledger.TakeGrantable();
        Assert.False(ledger.Enqueue(Req("a", 50, QuotaPriority.Thumbnail)));
        ledger.Settle(new QuotaSettlement("a", 50, false));
        Assert.False(ledger.Enqueue(Req("a", 50, QuotaPriority.Thumbnail)));
        Assert.Empty(ledger.TakeGrantable());
        Assert.Equal(50, ledger.Used);
    }

    [Fact]
    public void Settle_Exhausted_BlocksEverythingUntilReset()
    {
        var ledger = QuotaLedger.Create("2026-01-01", 10_000);
        ledger.Enqueue(Req("a", 51, QuotaPriority.Sweep));
        ledger.TakeGrantable();
        ledger.Settle(new QuotaSettlement("a", 1, true));
        ledger.Enqueue(Req("b", 202, QuotaPriority.LiveScheduling));

        Assert.Empty(ledger.TakeGrantable());
        Assert.Equal(0, ledger.Remaining);

        Assert.True(ledger.RollOverIfNewDay(DateTimeOffset.Parse("2026-01-02T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal("2026-01-02", ledger.Day);
        Assert.Equal(["b"], ledger.TakeGrantable().Select(g => g.Request.RequestId));
    }

    [Fact]
    public void RollOverIfNewDay_SameOrEarlierPacificDay_DoesNothing()
    {
        var ledger = QuotaLedger.Create("2026-01-02", 100);
        ledger.Enqueue(Req("a", 60, QuotaPriority.Sweep));
        ledger.TakeGrantable();

        // 07:59Z on 2 Jan is still 1 Jan 23:59 in Pacific time.
        Assert.False(ledger.RollOverIfNewDay(DateTimeOffset.Parse("2026-01-02T07:59:00Z", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(60, ledger.Used);
    }

    [Fact]
    public void Settle_GrantFromBeforeTheReset_DoesNotTouchTheNewDay()
    {
        var ledger = QuotaLedger.Create("2026-01-01", 100);
        ledger.Enqueue(Req("a", 60, QuotaPriority.Sweep));
        ledger.TakeGrantable();
        ledger.Reset("2026-01-02");

        ledger.Settle(new QuotaSettlement("a", 10, false));

        Assert.Equal(0, ledger.Used);
        Assert.Equal(10, ledger.TotalSpent);
    }

    [Fact]
    public void TakeGrantable_SweepReserve_KeepsUnitsForLiveScheduling()
    {
        var ledger = QuotaLedger.Create("2026-01-01", 300, sweepReserve: 202);
        ledger.Enqueue(Req("sweep1", 51, QuotaPriority.Sweep));
        ledger.Enqueue(Req("sweep2", 51, QuotaPriority.Sweep));
        Assert.Single(ledger.TakeGrantable());

        ledger.Enqueue(Req("live", 202, QuotaPriority.LiveScheduling));
        Assert.Equal(["live"], ledger.TakeGrantable().Select(g => g.Request.RequestId));
    }

    [Fact]
    public void TakeGrantable_RequestLargerThanBudget_GrantedOnAFreshDay()
    {
        var ledger = QuotaLedger.Create("2026-01-01", 100);
        ledger.Enqueue(Req("huge", 202, QuotaPriority.LiveScheduling));
        Assert.Single(ledger.TakeGrantable());
    }

    [Fact]
    public void ToState_RoundTrip_KeepsQueueOutstandingAndDuplicateMemory()
    {
        var ledger = QuotaLedger.Create("2026-01-01", 100);
        ledger.Enqueue(Req("a", 60, QuotaPriority.Sweep));
        ledger.Enqueue(Req("b", 60, QuotaPriority.Sweep));
        ledger.TakeGrantable();
        ledger.Enqueue(Req("c", 1, QuotaPriority.Thumbnail));
        ledger.TakeGrantable();
        ledger.Settle(new QuotaSettlement("c", 1, false));

        var copy = new QuotaLedger(System.Text.Json.JsonSerializer.Deserialize<QuotaLedgerState>(
            System.Text.Json.JsonSerializer.Serialize(ledger.ToState()))!);

        Assert.Equal(ledger.Used, copy.Used);
        Assert.Equal(["b"], copy.Queue.Select(q => q.Request.RequestId));
        Assert.Equal(["a"], copy.Outstanding.Select(g => g.RequestId));
        Assert.False(copy.Enqueue(Req("c", 1, QuotaPriority.Thumbnail)));
    }
}

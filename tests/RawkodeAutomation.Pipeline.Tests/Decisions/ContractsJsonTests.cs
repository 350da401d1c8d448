using System.Text;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Converters;

namespace RawkodeAutomation.Pipeline.Tests.Decisions;

/// <summary>
/// Phases cross process boundaries (queries read by the status page, the CLI and scripts; payloads carried across
/// continue-as-new) as words, through Temporal's own data converter, and numbers recorded before still read.
/// </summary>
public class ContractsJsonTests
{
    [Fact]
    public void EpisodeStatus_ThroughTemporalsConverter_PhasesAreNames()
    {
        var team = new TeamState("team-a", TeamPhase.Provisioned);
        var status = new EpisodeStatus("show/2030-01-01-one", EpisodePhase.WaitingForQuota, true, null, new AppliedEpisode(), ReconcilePlan.Nothing, [team], null, null, null, 0);

        var payload = DataConverter.Default.PayloadConverter.ToPayload(status);
        var json = Encoding.UTF8.GetString(payload.Data.ToByteArray());

        Assert.Contains("\"Phase\":\"WaitingForQuota\"", json, StringComparison.Ordinal);
        Assert.Contains("\"Phase\":\"Provisioned\"", json, StringComparison.Ordinal);
        var back = DataConverter.Default.PayloadConverter.ToValue<EpisodeStatus>(payload);
        Assert.Equal(EpisodePhase.WaitingForQuota, back.Phase);
        Assert.Equal(TeamPhase.Provisioned, Assert.Single(back.Teams).Phase);
    }

    [Fact]
    public void TeamState_RecordedAsNumber_StillReads()
    {
        // How a team's phase was written before it was a name (continue-as-new inputs in existing histories).
        var recorded = new Temporalio.Api.Common.V1.Payload
        {
            Metadata = { ["encoding"] = Google.Protobuf.ByteString.CopyFromUtf8("json/plain") },
            Data = Google.Protobuf.ByteString.CopyFromUtf8("{\"Name\":\"team-a\",\"Phase\":2}"),
        };

        var team = DataConverter.Default.PayloadConverter.ToValue<TeamState>(recorded);

        Assert.Equal(TeamPhase.Fixed, team.Phase);
    }

    [Fact]
    public void CleanupStatus_ThroughTemporalsConverter_PhaseIsAName()
    {
        var status = new CleanupStatus(CleanupPhase.DeletingBroadcasts, new CleanupReport(DateTimeOffset.UnixEpoch, false, [], [], [], 0));

        var json = Encoding.UTF8.GetString(DataConverter.Default.PayloadConverter.ToPayload(status).Data.ToByteArray());

        Assert.Contains("\"Phase\":\"DeletingBroadcasts\"", json, StringComparison.Ordinal);
    }
}

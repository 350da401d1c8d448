using Google.Protobuf.Reflection;
using RawkodeAutomation.TemporalServer.Engine;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;

namespace RawkodeAutomation.TemporalServer.Tests;

/// <summary>
/// The engine resolves a close event's started event id through the protobuf descriptors by field name;
/// these tests pin that every attributes message it handles has those int64 fields.
/// </summary>
public class HistoryReferenceTests
{
    public static TheoryData<HistoryEvent.AttributesOneofCase, string> CloseCases()
    {
        var data = new TheoryData<HistoryEvent.AttributesOneofCase, string>();
        foreach (var c in TemporalEngine.ActivityCloseCases)
        {
            data.Add(c, "scheduled_event_id");
        }
        foreach (var c in TemporalEngine.ChildCloseCases)
        {
            data.Add(c, "initiated_event_id");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(CloseCases))]
    public void CloseCase_AttributesMessage_HasStartedAndKeyInt64Fields(HistoryEvent.AttributesOneofCase closeCase, string keyField)
    {
        var member = HistoryEvent.Descriptor.FindFieldByNumber((int)closeCase);
        Assert.NotNull(member);
        Assert.Equal(FieldType.Message, member.FieldType);
        Assert.Equal(FieldType.Int64, member.MessageType.FindFieldByName("started_event_id")?.FieldType);
        Assert.Equal(FieldType.Int64, member.MessageType.FindFieldByName(keyField)?.FieldType);
    }

    [Fact]
    public void FixReferences_ActivityCloseWithoutStartedId_PointsAtLatestStartedEventOfItsSchedule()
    {
        var run = new RunState();
        run.History.Add(new HistoryEvent { EventId = 6, EventType = EventType.ActivityTaskStarted, ActivityTaskStartedEventAttributes = new() { ScheduledEventId = 5 } });
        run.History.Add(new HistoryEvent { EventId = 8, EventType = EventType.ActivityTaskStarted, ActivityTaskStartedEventAttributes = new() { ScheduledEventId = 7 } });
        var completed = new HistoryEvent { ActivityTaskCompletedEventAttributes = new() { ScheduledEventId = 5, StartedEventId = -1 } };

        TemporalEngine.FixReferences(run, completed);

        Assert.Equal(6, completed.ActivityTaskCompletedEventAttributes.StartedEventId);
    }

    [Fact]
    public void FixReferences_ChildCloseWithoutStartedId_PointsAtStartedEventOfItsInitiation()
    {
        var run = new RunState();
        run.History.Add(new HistoryEvent { EventId = 12, EventType = EventType.ChildWorkflowExecutionStarted, ChildWorkflowExecutionStartedEventAttributes = new() { InitiatedEventId = 11 } });
        var timedOut = new HistoryEvent { ChildWorkflowExecutionTimedOutEventAttributes = new() { InitiatedEventId = 11, StartedEventId = -1 } };

        TemporalEngine.FixReferences(run, timedOut);

        Assert.Equal(12, timedOut.ChildWorkflowExecutionTimedOutEventAttributes.StartedEventId);
    }

    [Fact]
    public void FixReferences_StartedIdAlreadySet_LeavesItAlone()
    {
        var run = new RunState();
        run.History.Add(new HistoryEvent { EventId = 6, EventType = EventType.ActivityTaskStarted, ActivityTaskStartedEventAttributes = new() { ScheduledEventId = 5 } });
        var failed = new HistoryEvent { ActivityTaskFailedEventAttributes = new() { ScheduledEventId = 5, StartedEventId = 3 } };

        TemporalEngine.FixReferences(run, failed);

        Assert.Equal(3, failed.ActivityTaskFailedEventAttributes.StartedEventId);
    }
}

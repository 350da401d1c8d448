using RawkodeAutomation.Worker.Hosting;

namespace RawkodeAutomation.Pipeline.Tests.Activities;

public sealed class TemporalCoreLoggingTests
{
    private static List<KeyValuePair<string, object?>> Log(string message, params (string Key, string Value)[] fields) =>
    [
        new("Level", "Warn"),
        new("Target", "temporalio_sdk_core::worker"),
        new("Message", message),
        new("Timestamp", DateTime.UnixEpoch),
        new("JsonFields", fields.ToDictionary(f => f.Key, f => f.Value)),
    ];

    [Fact]
    public void IsLateHeartbeat_HeartbeatForACompletedActivity_IsDropped() =>
        Assert.True(TemporalCoreLogging.IsLateHeartbeat(Log("Activity heartbeat failed.", ("task_token", "\"Ugxx\""), ("details", "\"UnknownActivity\""))));

    [Fact]
    public void IsLateHeartbeat_HeartbeatFailingForAnotherReason_IsKept() =>
        Assert.False(TemporalCoreLogging.IsLateHeartbeat(Log("Activity heartbeat failed.", ("details", "\"Unavailable: connection refused\""))));

    [Fact]
    public void IsLateHeartbeat_OtherWarningNamingAnUnknownActivity_IsKept() =>
        Assert.False(TemporalCoreLogging.IsLateHeartbeat(Log("Failed to complete activity", ("details", "\"UnknownActivity\""))));
}

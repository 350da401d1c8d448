using Temporalio.Activities;
using Temporalio.Exceptions;

namespace RawkodeAutomation.OperatorUi.Tests;

public static class OperatorTestActivities
{
    public const string FailureMessage = "the YouTube sandbox is down";

    [Activity]
    public static Task CallSandbox() => throw new ApplicationFailureException(FailureMessage, errorType: "SandboxDown");
}

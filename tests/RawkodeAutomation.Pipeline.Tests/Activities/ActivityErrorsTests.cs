using RawkodeAutomation.Worker.Activities;
using RawkodeAutomation.Workflows;
using Temporalio.Exceptions;

namespace RawkodeAutomation.Pipeline.Tests.Activities;

public sealed class ActivityErrorsTests
{
    [Fact]
    public void FromYouTube_DateArithmeticOverflow_IsNotRetried()
    {
        // What an episode at 9999-12-31T23:59:59Z did to an activity: the same exception on every attempt.
        var overflow = Assert.ThrowsAny<ArgumentOutOfRangeException>(() => DateTimeOffset.MaxValue + TimeSpan.FromMinutes(90));

        var failure = Assert.IsType<ApplicationFailureException>(ActivityErrors.FromYouTube(overflow));

        Assert.True(failure.NonRetryable);
        Assert.Equal(PipelineErrors.InvalidInput, failure.ErrorType);
    }

    [Fact]
    public void FromYouTube_UnknownException_IsLeftToTheRetryPolicy()
    {
        var transient = new HttpRequestException("connection reset");

        Assert.Same(transient, ActivityErrors.FromYouTube(transient));
    }
}

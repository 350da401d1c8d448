using RawkodeAutomation.TemporalServer.Tests.Workflows;
using Temporalio.Client;
using Temporalio.Worker;

namespace RawkodeAutomation.TemporalServer.Tests;

[Collection(ServerCollection.Name)]
public class BasicTests(ServerFixture fixture)
{
    private ITemporalClient Client => fixture.Environment.Client;

    [Fact]
    public async Task ExecuteWorkflow_OneActivity_ReturnsActivityResult()
    {
        var taskQueue = $"tq-{Guid.NewGuid()}";
        using var worker = new TemporalWorker(Client, new TemporalWorkerOptions(taskQueue)
            .AddWorkflow<GreetWorkflow>()
            .AddActivity(GreetActivities.Greet));
        var result = await worker.ExecuteAsync(() => Client.ExecuteWorkflowAsync(
            (GreetWorkflow wf) => wf.RunAsync("Rawkode"),
            new WorkflowOptions($"greet-{Guid.NewGuid()}", taskQueue)));
        Assert.Equal("Hello, Rawkode!", result);
    }
}

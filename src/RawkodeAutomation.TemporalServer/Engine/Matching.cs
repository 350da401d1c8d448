using Temporalio.Api.Query.V1;
using Temporalio.Api.WorkflowService.V1;

namespace RawkodeAutomation.TemporalServer.Engine;

/// <summary>A dispatchable task: a workflow task, an activity attempt or a (legacy) query task.</summary>
internal sealed record TaskEntry(string RunId, long Id, int Attempt, QueryTask? Query = null);

/// <summary>A query waiting for a worker to answer it.</summary>
internal sealed class QueryTask
{
    public required string Id { get; init; }
    public required string RunId { get; init; }
    public required WorkflowQuery Query { get; init; }
    public TaskCompletionSource<RespondQueryTaskCompletedRequest> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// One task queue: a FIFO of tasks and a FIFO of waiting pollers. Only ever touched under the engine lock;
/// a waiting poller is woken and then takes the task itself, so a poll cancelled before it woke up never
/// takes (and loses) a task.
/// </summary>
internal sealed class TaskQueueState
{
    private readonly LinkedList<TaskCompletionSource<bool>> _pollers = new();

    public Queue<TaskEntry> Tasks { get; } = new();

    public DateTime LastPollTime { get; set; }

    public void Add(TaskEntry entry)
    {
        Tasks.Enqueue(entry);
        WakeOne();
    }

    public TaskCompletionSource<bool> AddPoller()
    {
        var poller = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pollers.AddLast(poller);
        return poller;
    }

    /// <summary>Removes a poller that gave up; if it had been woken, passes the wake-up on.</summary>
    public void RemovePoller(TaskCompletionSource<bool> poller)
    {
        _pollers.Remove(poller);
        if (!poller.TrySetResult(false) && Tasks.Count > 0)
        {
            WakeOne();
        }
    }

    public void WakeAll()
    {
        while (_pollers.First is { } node)
        {
            _pollers.RemoveFirst();
            node.Value.TrySetResult(true);
        }
    }

    private void WakeOne()
    {
        while (_pollers.First is { } node)
        {
            _pollers.RemoveFirst();
            if (node.Value.TrySetResult(true))
            {
                return;
            }
        }
    }
}

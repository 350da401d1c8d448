using Temporalio.Api.Query.V1;
using Temporalio.Api.WorkflowService.V1;

namespace RawkodeAutomation.TemporalServer.Engine;

/// <summary>A dispatchable task: a workflow task, an activity attempt, a (legacy) query task or a Nexus request (start, or cancel).</summary>
internal sealed record TaskEntry(string RunId, long Id, int Attempt, QueryTask? Query = null, bool NexusCancel = false);

/// <summary>A query waiting for a worker to answer it.</summary>
internal sealed class QueryTask
{
    public required string Id { get; init; }
    public required string RunId { get; init; }
    public required WorkflowQuery Query { get; init; }
    public TaskCompletionSource<RespondQueryTaskCompletedRequest> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The sticky queue the query waits on; null while it waits on (or was taken from) the run's normal queue.</summary>
    public string? StickyQueue { get; set; }

    /// <summary>The query waits on no queue: a worker took it (and has not given it back), or it rides with a workflow task.</summary>
    public bool Taken { get; set; }
}

/// <summary>Why a waiting poller was woken.</summary>
internal enum PollerWake
{
    /// <summary>A task was added: the poller goes round again and takes it itself.</summary>
    Task,

    /// <summary>Its worker called <c>ShutdownWorker</c>: the poll answers empty at once.</summary>
    WorkerShutdown,

    /// <summary>The poller gave up (cancelled, timed out) and was taken off the queue.</summary>
    Removed,
}

/// <summary>One long poll parked on a task queue, tagged with the polling worker's instance key.</summary>
internal sealed class Poller(string workerInstanceKey)
{
    private readonly TaskCompletionSource<PollerWake> _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The SDK's per-worker <c>worker_instance_key</c>; empty when the client sends none.</summary>
    public string WorkerInstanceKey { get; } = workerInstanceKey;

    public Task<PollerWake> Woken => _wake.Task;

    internal LinkedListNode<Poller>? Node { get; set; }

    public bool TryWake(PollerWake reason) => _wake.TrySetResult(reason);
}

/// <summary>
/// One task queue: a FIFO of tasks and a FIFO of waiting pollers. Only ever touched under the engine lock.
/// A waiting poller is woken and then takes the task itself, so a poll cancelled before it woke up never
/// takes (and loses) a task. A poller that gives up must be removed (<see cref="RemovePoller"/>) and a poll
/// that answers without a task must <see cref="PassOn"/>, otherwise a wake-up goes to a poll nobody waits on
/// any more and the task sits until some other poll happens to look at the queue.
/// </summary>
internal sealed class TaskQueueState
{
    private readonly LinkedList<Poller> _pollers = new();

    public Queue<TaskEntry> Tasks { get; } = new();

    /// <summary>When a poll last looked at the queue, on the wall clock: whether a worker is still there is not a matter of skipped time.</summary>
    public DateTime LastPollTime { get; set; }

    /// <summary>
    /// Tasks go to pollers by worker version (the task queue is in a worker deployment): a new task wakes every
    /// poller, since the first one may not be the one it is for; each takes what is for it and parks again.
    /// </summary>
    public bool Routed { get; set; }

    /// <summary>Pollers currently parked (for tests and diagnostics).</summary>
    public int PollerCount => _pollers.Count;

    public void Add(TaskEntry entry)
    {
        Tasks.Enqueue(entry);
        Wake();
    }

    /// <summary>Puts back, in order and at the head, tasks a poll looked at but was not the worker for.</summary>
    public void Restore(IReadOnlyCollection<TaskEntry> skipped)
    {
        if (skipped.Count == 0)
        {
            return;
        }
        var rest = Tasks.ToArray();
        Tasks.Clear();
        foreach (var entry in skipped.Concat(rest))
        {
            Tasks.Enqueue(entry);
        }
    }

    /// <summary>Puts a task that never reached its worker back at the head of the queue, where it was.</summary>
    public void AddFirst(TaskEntry entry)
    {
        var rest = Tasks.ToArray();
        Tasks.Clear();
        Tasks.Enqueue(entry);
        foreach (var waiting in rest)
        {
            Tasks.Enqueue(waiting);
        }
        Wake();
    }

    public Poller AddPoller(string workerInstanceKey)
    {
        var poller = new Poller(workerInstanceKey);
        poller.Node = _pollers.AddLast(poller);
        return poller;
    }

    /// <summary>Takes a poller off the queue once its wait is over (woken, timed out or cancelled).</summary>
    public void RemovePoller(Poller poller)
    {
        if (poller.Node is { } node)
        {
            _pollers.Remove(node);
            poller.Node = null;
        }
        poller.TryWake(PollerWake.Removed);
    }

    /// <summary>
    /// Called by a poll that answers without taking a task: if tasks are waiting, the wake-up it may have
    /// received goes to the next poller, so no task waits for a poll that has already left.
    /// </summary>
    public void PassOn()
    {
        if (Tasks.Count > 0)
        {
            WakeOne();
        }
    }

    /// <summary>Wakes every poller (server shutdown); each goes round and answers.</summary>
    public void WakeAll() => Release(_ => true, PollerWake.Task);

    /// <summary>Answers the polls of one worker (<c>ShutdownWorker</c>) with an empty response at once.</summary>
    public int ReleaseWorker(string workerInstanceKey) =>
        Release(p => p.WorkerInstanceKey == workerInstanceKey, PollerWake.WorkerShutdown);

    /// <summary>Answers every poll on this queue with an empty response (a sticky queue whose worker shut down).</summary>
    public int ReleaseAll() => Release(_ => true, PollerWake.WorkerShutdown);

    private int Release(Func<Poller, bool> which, PollerWake reason)
    {
        var released = 0;
        var node = _pollers.First;
        while (node is not null)
        {
            var next = node.Next;
            if (which(node.Value))
            {
                _pollers.Remove(node);
                node.Value.Node = null;
                if (node.Value.TryWake(reason))
                {
                    released++;
                }
            }
            node = next;
        }
        return released;
    }

    private void Wake()
    {
        if (Routed)
        {
            WakeAll();
        }
        else
        {
            WakeOne();
        }
    }

    private void WakeOne()
    {
        while (_pollers.First is { } node)
        {
            _pollers.RemoveFirst();
            node.Value.Node = null;
            if (node.Value.TryWake(PollerWake.Task))
            {
                return;
            }
        }
    }
}

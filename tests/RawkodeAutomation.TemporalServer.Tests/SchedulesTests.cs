using System.Globalization;
using RawkodeAutomation.TemporalServer.Tests.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Client.Schedules;
using Temporalio.Common;
using Temporalio.Exceptions;

namespace RawkodeAutomation.TemporalServer.Tests;

/// <summary>
/// Schedules through the real SDK client. No worker polls the schedules' task queues, so every started
/// workflow stays running: that is what makes the overlap policies observable.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class SchedulesTests(ServerFixture fixture)
{
    private ITemporalClient Client => fixture.Environment.Client;

    internal static Schedule EverySecond(string workflowId, ScheduleOverlapPolicy overlap, TimeSpan? every = null) =>
        new(
            ScheduleActionStartWorkflow.Create((GreetWorkflow wf) => wf.RunAsync("scheduled"), new(id: workflowId, taskQueue: Workers.NewTaskQueue())),
            new ScheduleSpec { Intervals = [new ScheduleIntervalSpec(every ?? TimeSpan.FromSeconds(1))] })
        {
            Policy = new() { Overlap = overlap },
        };

    internal static async Task<ScheduleDescription> WaitForAsync(ScheduleHandle handle, Func<ScheduleDescription, bool> condition, string what)
    {
        ScheduleDescription? last = null;
        await Workers.WaitUntilAsync(async () => condition(last = await handle.DescribeAsync()), TimeSpan.FromSeconds(15), what);
        return last!;
    }

    [Fact]
    public async Task CreateSchedule_EverySecondAllowAll_StartsWorkflowsNamedAfterTheirScheduledTime()
    {
        var workflowId = Workers.NewId("sched-wf");
        var handle = await Client.CreateScheduleAsync(Workers.NewId("sched"), EverySecond(workflowId, ScheduleOverlapPolicy.AllowAll));
        try
        {
            var description = await WaitForAsync(handle, d => d.Info.NumActions >= 2, "two actions");
            Assert.Equal(2, description.Info.RecentActions.Take(2).Count());
            foreach (var action in description.Info.RecentActions)
            {
                var start = Assert.IsType<ScheduleActionExecutionStartWorkflow>(action.Action);
                Assert.Equal(0, action.ScheduledAt.Ticks % TimeSpan.TicksPerSecond);
                Assert.True(action.StartedAt >= action.ScheduledAt);
                Assert.Equal($"{workflowId}-{action.ScheduledAt.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}", start.WorkflowId);
                var workflow = await Client.GetWorkflowHandle(start.WorkflowId, start.FirstExecutionRunId).DescribeAsync();
                Assert.Equal("GreetWorkflow", workflow.WorkflowType);
            }
            var distinct = description.Info.RecentActions.Select(a => a.ScheduledAt).Distinct().Count();
            Assert.Equal(description.Info.RecentActions.Count, distinct);
            Assert.True(description.Info.RunningActions.Count >= 2);
            Assert.NotEmpty(description.Info.NextActionTimes);
            var next = description.Info.NextActionTimes.ToList();
            for (var i = 1; i < next.Count; i++)
            {
                Assert.Equal(TimeSpan.FromSeconds(1), next[i] - next[i - 1]);
            }
            Assert.Equal(TimeSpan.FromSeconds(1), Assert.Single(description.Schedule.Spec.Intervals).Every);
        }
        finally
        {
            await handle.DeleteAsync();
        }
    }

    [Fact]
    public async Task ListAndDeleteSchedule_CreatedSchedule_ListedThenGone()
    {
        var id = Workers.NewId("sched-list");
        var handle = await Client.CreateScheduleAsync(id, EverySecond(Workers.NewId("wf"), ScheduleOverlapPolicy.Skip, TimeSpan.FromHours(1)));
        var listed = new List<ScheduleListDescription>();
        await foreach (var entry in Client.ListSchedulesAsync())
        {
            listed.Add(entry);
        }
        var mine = Assert.Single(listed, l => l.Id == id);
        Assert.Equal("GreetWorkflow", Assert.IsType<ScheduleListActionStartWorkflow>(mine.Schedule!.Action).Workflow);
        Assert.Equal(TimeSpan.FromHours(1), Assert.Single(mine.Schedule.Spec.Intervals).Every);

        await handle.DeleteAsync();

        var missing = await Assert.ThrowsAsync<RpcException>(() => handle.DescribeAsync());
        Assert.Equal(RpcException.StatusCode.NotFound, missing.Code);
        await foreach (var entry in Client.ListSchedulesAsync())
        {
            Assert.NotEqual(id, entry.Id);
        }
    }

    [Fact]
    public async Task ListSchedules_Query_FiltersByIdAndPaused()
    {
        var id = Workers.NewId("sched-query");
        var handle = await Client.CreateScheduleAsync(id, EverySecond(Workers.NewId("wf"), ScheduleOverlapPolicy.Skip, TimeSpan.FromHours(1)));
        try
        {
            async Task<List<string>> ListAsync(string query)
            {
                var ids = new List<string>();
                await foreach (var entry in Client.ListSchedulesAsync(new() { Query = query }))
                {
                    ids.Add(entry.Id);
                }
                return ids;
            }

            Assert.Equal([id], await ListAsync($"ScheduleId = '{id}'"));
            Assert.DoesNotContain(id, await ListAsync("TemporalSchedulePaused = true"));
            await handle.PauseAsync();
            Assert.Equal([id], await ListAsync($"ScheduleId = '{id}' AND TemporalSchedulePaused = true"));
            var bad = await Assert.ThrowsAsync<RpcException>(() => ListAsync("ScheduleId = "));
            Assert.Equal(RpcException.StatusCode.InvalidArgument, bad.Code);
        }
        finally
        {
            await handle.DeleteAsync();
        }
    }

    [Fact]
    public async Task ListSchedules_QueryOnRegisteredAttributeNoScheduleCarries_MatchesNothing()
    {
        // sdk-dotnet's CreateScheduleAsync_Basics_Succeeds: once a schedule's attributes are replaced, a query on the
        // attribute it no longer carries lists nothing; only an unregistered name is an invalid query.
        var show = SearchAttributeKey.CreateKeyword("EpisodeShow");
        var id = Workers.NewId("sched-attr");
        var handle = await Client.CreateScheduleAsync(
            id,
            EverySecond(Workers.NewId("wf"), ScheduleOverlapPolicy.Skip, TimeSpan.FromHours(1)),
            new() { TypedSearchAttributes = new SearchAttributeCollection.Builder().Set(show, id).ToSearchAttributeCollection() });
        try
        {
            async Task<List<string>> ListAsync(string query)
            {
                var ids = new List<string>();
                await foreach (var entry in Client.ListSchedulesAsync(new() { Query = query }))
                {
                    ids.Add(entry.Id);
                }
                return ids;
            }

            Assert.Equal([id], await ListAsync($"EpisodeShow = '{id}'"));
            await handle.UpdateAsync(input => new(input.Description.Schedule) { TypedSearchAttributes = SearchAttributeCollection.Empty });

            Assert.Empty(await ListAsync($"EpisodeShow = '{id}'"));
            var unregistered = await Assert.ThrowsAsync<RpcException>(() => ListAsync("NoSuchAttribute = 'x'"));
            Assert.Equal(RpcException.StatusCode.InvalidArgument, unregistered.Code);
        }
        finally
        {
            await handle.DeleteAsync();
        }
    }

    [Fact]
    public async Task CreateSchedule_DuplicateId_AlreadyRunning()
    {
        var id = Workers.NewId("sched-dup");
        var handle = await Client.CreateScheduleAsync(id, EverySecond(Workers.NewId("wf"), ScheduleOverlapPolicy.Skip, TimeSpan.FromHours(1)));
        try
        {
            await Assert.ThrowsAsync<ScheduleAlreadyRunningException>(() =>
                Client.CreateScheduleAsync(id, EverySecond(Workers.NewId("wf"), ScheduleOverlapPolicy.Skip, TimeSpan.FromHours(1))));
        }
        finally
        {
            await handle.DeleteAsync();
        }
    }

    [Fact]
    public async Task CreateSchedule_CronEverySecond_StartsWorkflowsOnWholeSeconds()
    {
        var schedule = EverySecond(Workers.NewId("wf"), ScheduleOverlapPolicy.AllowAll) with { Spec = new ScheduleSpec { CronExpressions = ["* * * * * *"] } };
        var handle = await Client.CreateScheduleAsync(Workers.NewId("sched-cron"), schedule);
        try
        {
            var description = await WaitForAsync(handle, d => d.Info.NumActions >= 2, "two cron actions");
            Assert.All(description.Info.RecentActions, a => Assert.Equal(0, a.ScheduledAt.Ticks % TimeSpan.TicksPerSecond));
            var next = description.Info.NextActionTimes.ToList();
            Assert.Equal(TimeSpan.FromSeconds(1), next[1] - next[0]);
        }
        finally
        {
            await handle.DeleteAsync();
        }
    }

    [Fact]
    public async Task CreateSchedule_BadCron_InvalidArgumentSayingWhere()
    {
        var schedule = EverySecond(Workers.NewId("wf"), ScheduleOverlapPolicy.Skip) with { Spec = new ScheduleSpec { CronExpressions = ["0 99 * * *"] } };
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.CreateScheduleAsync(Workers.NewId("sched-cron"), schedule));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, error.Code);
        Assert.Contains("CronString[0]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateSchedule_EndTimePassed_NoFutureActions()
    {
        var schedule = EverySecond(Workers.NewId("wf"), ScheduleOverlapPolicy.AllowAll) with
        {
            Spec = new ScheduleSpec { Intervals = [new ScheduleIntervalSpec(TimeSpan.FromSeconds(1))], EndAt = DateTime.UtcNow.AddSeconds(-1) },
        };
        var handle = await Client.CreateScheduleAsync(Workers.NewId("sched-ended"), schedule);
        try
        {
            var description = await handle.DescribeAsync();
            Assert.Empty(description.Info.NextActionTimes);
            Assert.Equal(0, description.Info.NumActions);
        }
        finally
        {
            await handle.DeleteAsync();
        }
    }

    [Fact]
    public async Task BackfillSchedule_ThreeHoursInThePast_StartsOneRunPerScheduledTime()
    {
        var workflowId = Workers.NewId("wf");
        // Paused, so an hour boundary during the test cannot add a run; backfills ignore the pause.
        var handle = await Client.CreateScheduleAsync(Workers.NewId("sched-backfill"), EverySecond(workflowId, ScheduleOverlapPolicy.AllowAll, TimeSpan.FromHours(1)) with { State = new ScheduleState { Paused = true } });
        try
        {
            var start = DateTime.UtcNow.Date.AddDays(-1).AddHours(10);
            await handle.BackfillAsync([new ScheduleBackfill(start, start.AddHours(2), ScheduleOverlapPolicy.AllowAll)]);
            var description = await handle.DescribeAsync();
            Assert.Equal(3, description.Info.NumActions);
            Assert.Equal([start, start.AddHours(1), start.AddHours(2)], description.Info.RecentActions.Select(a => a.ScheduledAt.ToUniversalTime()));
            var ids = description.Info.RecentActions.Select(a => Assert.IsType<ScheduleActionExecutionStartWorkflow>(a.Action).WorkflowId);
            Assert.Contains($"{workflowId}-{start.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}", ids);

            var matching = await Client.Connection.WorkflowService.ListScheduleMatchingTimesAsync(new()
            {
                Namespace = Client.Options.Namespace,
                ScheduleId = handle.Id,
                StartTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(start.AddMinutes(-30)),
                EndTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(start.AddHours(1)),
            });
            Assert.Equal([start, start.AddHours(1)], matching.StartTime.Select(t => t.ToDateTime()));
        }
        finally
        {
            await handle.DeleteAsync();
        }
    }

    [Fact]
    public async Task ScheduledRuns_Visibility_FoundByTemporalScheduledById()
    {
        var id = Workers.NewId("sched-sa");
        // Paused, so an hour boundary during the test cannot add a run; a trigger ignores the pause.
        var handle = await Client.CreateScheduleAsync(id, EverySecond(Workers.NewId("wf"), ScheduleOverlapPolicy.AllowAll, TimeSpan.FromHours(1)) with { State = new ScheduleState { Paused = true } });
        try
        {
            await handle.TriggerAsync();
            var runs = new List<WorkflowExecution>();
            await foreach (var run in Client.ListWorkflowsAsync($"TemporalScheduledById = '{id}'"))
            {
                runs.Add(run);
            }
            var only = Assert.Single(runs);
            var description = await handle.DescribeAsync();
            Assert.Equal(Assert.IsType<ScheduleActionExecutionStartWorkflow>(Assert.Single(description.Info.RecentActions).Action).WorkflowId, only.Id);
        }
        finally
        {
            await handle.DeleteAsync();
        }
    }

    [Fact]
    public async Task PauseOnFailure_RunTimesOut_SchedulePausesWithNote()
    {
        var schedule = new Schedule(
            ScheduleActionStartWorkflow.Create((GreetWorkflow wf) => wf.RunAsync("x"), new(id: Workers.NewId("wf"), taskQueue: Workers.NewTaskQueue()) { RunTimeout = TimeSpan.FromSeconds(1) }),
            new ScheduleSpec { Intervals = [new ScheduleIntervalSpec(TimeSpan.FromSeconds(1))] })
        {
            Policy = new() { Overlap = ScheduleOverlapPolicy.AllowAll, PauseOnFailure = true },
        };
        var handle = await Client.CreateScheduleAsync(Workers.NewId("sched-pof"), schedule);
        try
        {
            var description = await WaitForAsync(handle, d => d.Schedule.State.Paused, "paused after a timed-out run");
            Assert.Contains("timed out", description.Schedule.State.Note, StringComparison.Ordinal);
        }
        finally
        {
            await handle.DeleteAsync();
        }
    }

    [Fact]
    public async Task ScheduledRuns_PreviousCompleted_NextGetsLastCompletionResult()
    {
        var tq = Workers.NewTaskQueue();
        using var worker = new Temporalio.Worker.TemporalWorker(Client, new Temporalio.Worker.TemporalWorkerOptions(tq).AddWorkflow<CountingWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var schedule = new Schedule(
                ScheduleActionStartWorkflow.Create((CountingWorkflow wf) => wf.RunAsync(), new(id: Workers.NewId("count"), taskQueue: tq)),
                new ScheduleSpec { Intervals = [new ScheduleIntervalSpec(TimeSpan.FromSeconds(1))] });
            var handle = await Client.CreateScheduleAsync(Workers.NewId("sched-count"), schedule);
            try
            {
                var results = new List<int>();
                await Workers.WaitUntilAsync(
                    async () =>
                    {
                        results.Clear();
                        foreach (var action in (await handle.DescribeAsync()).Info.RecentActions)
                        {
                            var run = (ScheduleActionExecutionStartWorkflow)action.Action;
                            var workflow = Client.GetWorkflowHandle(run.WorkflowId, run.FirstExecutionRunId);
                            if ((await workflow.DescribeAsync()).Status == WorkflowExecutionStatus.Completed)
                            {
                                results.Add(await workflow.GetResultAsync<int>());
                            }
                        }
                        return results.Count >= 3;
                    },
                    TimeSpan.FromSeconds(20),
                    "three completed scheduled runs");
                Assert.Equal(Enumerable.Range(1, results.Count), results);
            }
            finally
            {
                await handle.DeleteAsync();
            }
        });
    }

    [Fact]
    public async Task OverlapSkip_PreviousStillRunning_SkipsAndCounts()
    {
        var handle = await Client.CreateScheduleAsync(Workers.NewId("sched-skip"), EverySecond(Workers.NewId("wf"), ScheduleOverlapPolicy.Skip));
        try
        {
            var description = await WaitForAsync(handle, d => d.Info.NumActionsSkippedOverlap >= 2, "two skipped actions");
            Assert.Equal(1, description.Info.NumActions);
            Assert.Single(description.Info.RunningActions);
        }
        finally
        {
            await handle.DeleteAsync();
        }
    }

    [Fact]
    public async Task OverlapBufferOne_PreviousCloses_BufferedActionStarts()
    {
        var handle = await Client.CreateScheduleAsync(Workers.NewId("sched-buffer"), EverySecond(Workers.NewId("wf"), ScheduleOverlapPolicy.BufferOne));
        try
        {
            Temporalio.Api.WorkflowService.V1.DescribeScheduleResponse? raw = null;
            await Workers.WaitUntilAsync(
                async () => (raw = await Client.Connection.WorkflowService.DescribeScheduleAsync(new() { Namespace = Client.Options.Namespace, ScheduleId = handle.Id })).Info.BufferDropped >= 1,
                TimeSpan.FromSeconds(15),
                "a dropped action beyond the buffer of one");
            Assert.Equal(1, raw!.Info.BufferSize);
            var description = await handle.DescribeAsync();
            Assert.Equal(1, description.Info.NumActions);
            var first = Assert.IsType<ScheduleActionExecutionStartWorkflow>(Assert.Single(description.Info.RunningActions));
            await Client.GetWorkflowHandle(first.WorkflowId, first.FirstExecutionRunId).TerminateAsync("let the buffered one start");

            description = await WaitForAsync(handle, d => d.Info.NumActions >= 2, "the buffered action started");
            var second = description.Info.RecentActions.ElementAt(1);
            // The buffered action keeps its own (earlier) scheduled time, not the time it finally started.
            Assert.True(second.StartedAt - second.ScheduledAt > TimeSpan.FromMilliseconds(500));
        }
        finally
        {
            await handle.DeleteAsync();
        }
    }

    [Fact]
    public async Task OverlapTerminateOther_PreviousRunning_TerminatedAndReplaced()
    {
        var handle = await Client.CreateScheduleAsync(Workers.NewId("sched-term"), EverySecond(Workers.NewId("wf"), ScheduleOverlapPolicy.TerminateOther));
        try
        {
            var description = await WaitForAsync(handle, d => d.Info.NumActions >= 2, "a second action");
            var first = Assert.IsType<ScheduleActionExecutionStartWorkflow>(description.Info.RecentActions.First().Action);
            var firstStatus = (await Client.GetWorkflowHandle(first.WorkflowId, first.FirstExecutionRunId).DescribeAsync()).Status;
            Assert.Equal(WorkflowExecutionStatus.Terminated, firstStatus);
            Assert.Single(description.Info.RunningActions);
        }
        finally
        {
            await handle.DeleteAsync();
        }
    }

    [Fact]
    public async Task OverlapCancelOther_PreviousRunning_CancelRequested()
    {
        var handle = await Client.CreateScheduleAsync(Workers.NewId("sched-cancel"), EverySecond(Workers.NewId("wf"), ScheduleOverlapPolicy.CancelOther));
        try
        {
            var description = await WaitForAsync(handle, d => d.Info.NumActions >= 1, "a first action");
            var first = Assert.IsType<ScheduleActionExecutionStartWorkflow>(description.Info.RecentActions.First().Action);
            var firstHandle = Client.GetWorkflowHandle(first.WorkflowId, first.FirstExecutionRunId);
            await Workers.WaitUntilAsync(
                async () => (await firstHandle.FetchHistoryAsync()).Events.Any(e => e.EventType == EventType.WorkflowExecutionCancelRequested),
                TimeSpan.FromSeconds(15),
                "cancel requested on the first run");
        }
        finally
        {
            await handle.DeleteAsync();
        }
    }

    [Fact]
    public async Task PatchSchedule_PauseTriggerUnpause_StateAndNotesFollow()
    {
        var handle = await Client.CreateScheduleAsync(Workers.NewId("sched-patch"), EverySecond(Workers.NewId("wf"), ScheduleOverlapPolicy.Skip, TimeSpan.FromHours(1)));
        try
        {
            await handle.PauseAsync("maintenance window");
            var paused = await handle.DescribeAsync();
            Assert.True(paused.Schedule.State.Paused);
            Assert.Equal("maintenance window", paused.Schedule.State.Note);

            await handle.TriggerAsync();
            var triggered = await WaitForAsync(handle, d => d.Info.NumActions == 1, "the triggered action");
            Assert.Single(triggered.Info.RunningActions);

            await handle.UnpauseAsync("back");
            var unpaused = await handle.DescribeAsync();
            Assert.False(unpaused.Schedule.State.Paused);
            Assert.Equal("back", unpaused.Schedule.State.Note);
            Assert.True(unpaused.Info.LastUpdatedAt >= unpaused.Info.CreatedAt);
        }
        finally
        {
            await handle.DeleteAsync();
        }
    }

    [Fact]
    public async Task UpdateSchedule_NewInterval_DescribedAndUsedForNextTimes()
    {
        var handle = await Client.CreateScheduleAsync(Workers.NewId("sched-update"), EverySecond(Workers.NewId("wf"), ScheduleOverlapPolicy.Skip, TimeSpan.FromHours(1)));
        try
        {
            await handle.UpdateAsync(input => new ScheduleUpdate(input.Description.Schedule with
            {
                Spec = new ScheduleSpec { Intervals = [new ScheduleIntervalSpec(TimeSpan.FromHours(2), TimeSpan.FromMinutes(5))] },
            }));
            var description = await handle.DescribeAsync();
            var interval = Assert.Single(description.Schedule.Spec.Intervals);
            Assert.Equal(TimeSpan.FromHours(2), interval.Every);
            Assert.Equal(TimeSpan.FromMinutes(5), interval.Offset);
            var next = description.Info.NextActionTimes.First();
            Assert.Equal(TimeSpan.FromMinutes(5), TimeSpan.FromTicks((next - DateTime.UnixEpoch).Ticks % TimeSpan.FromHours(2).Ticks));
        }
        finally
        {
            await handle.DeleteAsync();
        }
    }

    [Fact]
    public async Task CreateSchedule_LimitedActions_StopsAfterRemainingRunOut()
    {
        var schedule = EverySecond(Workers.NewId("wf"), ScheduleOverlapPolicy.AllowAll) with
        {
            State = new ScheduleState { LimitedActions = true, RemainingActions = 2 },
        };
        var handle = await Client.CreateScheduleAsync(Workers.NewId("sched-limited"), schedule);
        try
        {
            var description = await WaitForAsync(handle, d => d.Schedule.State.RemainingActions == 0, "no remaining actions");
            Assert.Equal(2, description.Info.NumActions);
            Assert.Empty(description.Info.NextActionTimes);
        }
        finally
        {
            await handle.DeleteAsync();
        }
    }
}

using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Schedule.V1;
using Temporalio.Api.Workflow.V1;
using Temporalio.Api.WorkflowService.V1;

namespace RawkodeAutomation.OperatorUi.Tests;

/// <summary>
/// A loopback gRPC frontend that speaks just the schedule RPCs of <c>temporal.api.workflowservice.v1</c>
/// (plus GetSystemInfo, which every client calls on connect), so the schedule pages are tested through the real
/// Temporalio client and wire protocol while the offline server does not have schedules yet. Every other RPC
/// answers UNIMPLEMENTED, as a real server without that feature would.
/// </summary>
public sealed class FakeScheduleFrontend : IAsyncDisposable
{
    private const string Service = "temporal.api.workflowservice.v1.WorkflowService";
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Entry> _schedules = new(StringComparer.Ordinal);

    private FakeScheduleFrontend(WebApplication app) => _app = app;

    public string Address { get; private set; } = "";

    /// <summary>Every PatchSchedule request received, in order.</summary>
    public ConcurrentQueue<PatchScheduleRequest> Patches { get; } = new();

    public static async Task<FakeScheduleFrontend> StartAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddRouting();
        var app = builder.Build();
        var fake = new FakeScheduleFrontend(app);
        app.UseRouting();
        app.MapPost($"/{Service}/{{method}}", (HttpContext http, string method) => fake.HandleAsync(http, method));
        await app.StartAsync();
        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        fake.Address = $"127.0.0.1:{bound.Port}";
        return fake;
    }

    /// <summary>Adds a schedule that starts <paramref name="workflowType"/> every <paramref name="every"/>.</summary>
    public void AddSchedule(string id, string workflowType, TimeSpan every, string input)
    {
        var schedule = new Schedule
        {
            Spec = new ScheduleSpec { Interval = { new IntervalSpec { Interval = Duration.FromTimeSpan(every) } }, TimezoneName = "Europe/London" },
            Action = new ScheduleAction
            {
                StartWorkflow = new NewWorkflowExecutionInfo
                {
                    WorkflowId = id + "-run",
                    WorkflowType = new WorkflowType { Name = workflowType },
                    TaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = "cleanup" },
                    Input = new Payloads { Payloads_ = { Json(input) } },
                },
            },
            Policies = new SchedulePolicies { OverlapPolicy = Temporalio.Api.Enums.V1.ScheduleOverlapPolicy.Skip, CatchupWindow = Duration.FromTimeSpan(TimeSpan.FromMinutes(5)) },
            State = new ScheduleState(),
        };
        _schedules[id] = new Entry(schedule, DateTime.UtcNow);
    }

    public bool IsPaused(string id) => _schedules[id].Schedule.State.Paused;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext http, string method)
    {
        var request = await ReadMessageAsync(http.Request);
        IMessage? response;
        var (status, message) = (0, "");
        switch (method)
        {
            case "GetSystemInfo":
                response = new GetSystemInfoResponse { ServerVersion = "fake-schedules", Capabilities = new() { SdkMetadata = true } };
                break;
            case "ListSchedules":
                var list = new ListSchedulesResponse();
                foreach (var (id, entry) in _schedules)
                {
                    list.Schedules.Add(new ScheduleListEntry
                    {
                        ScheduleId = id,
                        Info = new ScheduleListInfo
                        {
                            Spec = entry.Schedule.Spec,
                            WorkflowType = entry.Schedule.Action.StartWorkflow.WorkflowType,
                            Notes = entry.Schedule.State.Notes,
                            Paused = entry.Schedule.State.Paused,
                            FutureActionTimes = { NextTimes(entry) },
                        },
                    });
                }
                response = list;
                break;
            case "DescribeSchedule":
                var describe = DescribeScheduleRequest.Parser.ParseFrom(request);
                if (!_schedules.TryGetValue(describe.ScheduleId, out var found))
                {
                    (response, status, message) = (null, 5, $"schedule not found: {describe.ScheduleId}");
                    break;
                }
                response = new DescribeScheduleResponse
                {
                    Schedule = found.Schedule,
                    Info = new ScheduleInfo
                    {
                        ActionCount = found.Recent.Count,
                        CreateTime = Timestamp.FromDateTime(found.Created),
                        FutureActionTimes = { NextTimes(found) },
                        RecentActions = { found.Recent },
                    },
                    ConflictToken = ByteString.CopyFromUtf8("1"),
                };
                break;
            case "PatchSchedule":
                var patch = PatchScheduleRequest.Parser.ParseFrom(request);
                Patches.Enqueue(patch);
                if (!_schedules.TryGetValue(patch.ScheduleId, out var target))
                {
                    (response, status, message) = (null, 5, $"schedule not found: {patch.ScheduleId}");
                    break;
                }
                if (patch.Patch.Pause.Length > 0)
                {
                    target.Schedule.State.Paused = true;
                    target.Schedule.State.Notes = patch.Patch.Pause;
                }
                if (patch.Patch.Unpause.Length > 0)
                {
                    target.Schedule.State.Paused = false;
                    target.Schedule.State.Notes = patch.Patch.Unpause;
                }
                if (patch.Patch.TriggerImmediately is not null)
                {
                    var now = Timestamp.FromDateTime(DateTime.UtcNow);
                    target.Recent.Add(new ScheduleActionResult
                    {
                        ScheduleTime = now,
                        ActualTime = now,
                        StartWorkflowResult = new WorkflowExecution { WorkflowId = $"{patch.ScheduleId}-run-{now.Seconds}", RunId = Guid.NewGuid().ToString() },
                    });
                }
                response = new PatchScheduleResponse();
                break;
            default:
                (response, status, message) = (null, 12, $"unknown method {method}");
                break;
        }
        http.Response.ContentType = "application/grpc";
        if (response is not null)
        {
            var bytes = response.ToByteArray();
            var frame = new byte[5 + bytes.Length];
            BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)bytes.Length);
            bytes.CopyTo(frame, 5);
            await http.Response.Body.WriteAsync(frame);
        }
        http.Response.AppendTrailer("grpc-status", status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (message.Length > 0)
        {
            http.Response.AppendTrailer("grpc-message", Uri.EscapeDataString(message));
        }
    }

    private static IEnumerable<Timestamp> NextTimes(Entry entry)
    {
        if (entry.Schedule.State.Paused)
        {
            yield break;
        }
        var every = entry.Schedule.Spec.Interval[0].Interval.ToTimeSpan();
        var next = entry.Created;
        for (var i = 0; i < 3; i++)
        {
            next += every;
            yield return Timestamp.FromDateTime(next);
        }
    }

    private static async Task<byte[]> ReadMessageAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        var bytes = buffer.ToArray();
        if (bytes.Length < 5)
        {
            return [];
        }
        var length = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(1));
        var payload = bytes.AsSpan(5, length).ToArray();
        if (bytes[0] == 1)
        {
            using var gzip = new GZipStream(new MemoryStream(payload), CompressionMode.Decompress);
            using var plain = new MemoryStream();
            await gzip.CopyToAsync(plain);
            payload = plain.ToArray();
        }
        return payload;
    }

    private static Payload Json(string json) => new()
    {
        Metadata = { ["encoding"] = ByteString.CopyFromUtf8("json/plain") },
        Data = ByteString.CopyFromUtf8(json),
    };

    private sealed record Entry(Schedule Schedule, DateTime Created)
    {
        public List<ScheduleActionResult> Recent { get; } = [];
    }
}

using System.Diagnostics;
using RawkodeAutomation.TemporalServer.Grpc;
using RawkodeAutomation.TemporalServer.Testing;
using Temporalio.Client;

namespace RawkodeAutomation.TemporalServer.Tests.TimeSkipping;

/// <summary>
/// What the test server does between its start and its first answer. The SDK gives a time-skipping test server 5 s
/// from the process start to answer a call; on a busy machine a cold start spent them building protobuf descriptors.
/// </summary>
public class TestServerStartupTests
{
    private const int SigTerm = 15;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code enabled for one test helper.
    private static extern int Kill(int pid, int signal);
#pragma warning restore SYSLIB1054

    /// <summary>
    /// Runs <c>rawkode</c> with <paramref name="args"/> and <paramref name="environment"/>, connects a client (which
    /// calls GetSystemInfo) to the address <paramref name="addressOf"/> finds, then stops it with SIGTERM so that
    /// everything it writes at exit is written.
    /// </summary>
    private static async Task RunUntilFirstAnswerAsync(
        string[] args, IReadOnlyDictionary<string, string> environment, Func<Process, CancellationToken, Task<string>> addressOf)
    {
        var info = new ProcessStartInfo(TemporalTestServer.FindExecutable(typeof(TestServerStartupTests).Assembly))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }
        using var process = Process.Start(info)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            var address = await addressOf(process, timeout.Token);
            Assert.False(process.HasExited, $"rawkode exited: {(process.HasExited ? await stderr : "")}");
            await TemporalClient.ConnectAsync(new(address) { Namespace = "default" });
            Assert.Equal(0, Kill(process.Id, SigTerm));
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    [Fact]
    public async Task TestServer_UntilFirstAnswer_BuildsNoTemporalApiDescriptors()
    {
        // The runtime's JIT summary (DOTNET_JitStdOutFile + DOTNET_JitDisasmSummary) lists every method compiled, so a
        // descriptor built shows as the class constructor of its generated *Reflection class.
        var directory = Directory.CreateTempSubdirectory("rawkode-jit-");
        try
        {
            var summary = Path.Combine(directory.FullName, "jit.txt");
            await RunUntilFirstAnswerAsync(
                ["test-server", "--port", "0"],
                new Dictionary<string, string> { ["DOTNET_JitStdOutFile"] = summary, ["DOTNET_JitDisasmSummary"] = "1" },
                async (process, cancellationToken) =>
                {
                    var line = await process.StandardOutput.ReadLineAsync(cancellationToken) ?? "";
                    const string marker = "running at ";
                    Assert.Contains(marker, line);
                    return line[(line.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..].Trim();
                });
            var compiled = await File.ReadAllLinesAsync(summary);
            Assert.Contains(compiled, line => line.Contains("Program:<Main>", StringComparison.Ordinal));
            var descriptors = compiled
                .Where(line => line.Contains("Temporalio.Api.", StringComparison.Ordinal) && line.Contains("Reflection:.cctor", StringComparison.Ordinal))
                .ToList();
            Assert.True(descriptors.Count == 0, $"descriptors built before the first answer:\n{string.Join('\n', descriptors.Take(10))}");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task TestServer_TraceVariableSet_AppendsEachStartUpStep()
    {
        var directory = Directory.CreateTempSubdirectory("rawkode-trace-");
        try
        {
            var trace = Path.Combine(directory.FullName, "trace.log");
            // The SDK's shape, `rawkode <port>`, is quiet: the trace itself says where it listens.
            await RunUntilFirstAnswerAsync(
                ["0"],
                new Dictionary<string, string> { [TemporalTestServer.TraceVariable] = trace },
                async (process, cancellationToken) =>
                {
                    const string marker = "command listening on ";
                    string? line = null;
                    await Workers.WaitUntilAsync(
                        async () => process.HasExited || (line = File.Exists(trace)
                            ? (await File.ReadAllLinesAsync(trace, cancellationToken)).FirstOrDefault(l => l.Contains(marker, StringComparison.Ordinal))
                            : null) is not null,
                        TimeSpan.FromSeconds(60),
                        "the trace says where rawkode listens");
                    Assert.NotNull(line);
                    return line[(line.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..].Trim();
                });
            var text = await File.ReadAllTextAsync(trace);
            Assert.Contains("main reached", text);
            Assert.Contains("command listening on 127.0.0.1:", text);
            Assert.Contains("server started", text);
            Assert.Contains("stopping: shutdown signal", text);
            Assert.Contains("exit", text);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData(typeof(WorkflowServiceEndpoint), WorkflowServiceBinding.ServiceName)]
    [InlineData(typeof(OperatorServiceEndpoint), OperatorServiceEndpoint.ServiceName)]
    [InlineData(typeof(TestServiceEndpoint), TestServiceBinding.ServiceName)]
    public void UnaryMethods_EveryEndpointMethod_IsAnRpcOfTheServiceWithItsMessages(Type endpoint, string serviceName)
    {
        // Binding reads the endpoint, not the descriptor (see above); the descriptor still decides what an RPC is.
        var service = new[]
        {
            Temporalio.Api.WorkflowService.V1.ServiceReflection.Descriptor,
            Temporalio.Api.OperatorService.V1.ServiceReflection.Descriptor,
            Temporalio.Api.TestService.V1.ServiceReflection.Descriptor,
        }.SelectMany(file => file.Services).Single(s => s.FullName == serviceName);
        var bound = DescriptorServiceBinding.UnaryMethods(endpoint).ToList();
        Assert.NotEmpty(bound);
        foreach (var (name, request, response) in bound)
        {
            var rpc = service.FindMethodByName(name);
            Assert.True(rpc is not null, $"{endpoint.Name}.{name} is not an RPC of {serviceName}");
            Assert.False(rpc.IsClientStreaming || rpc.IsServerStreaming, $"{name} streams");
            Assert.Equal(rpc.InputType.ClrType, request);
            Assert.Equal(rpc.OutputType.ClrType, response);
        }
    }
}

using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace RawkodeAutomation.TemporalServer.Tests;

/// <summary>
/// A worker and client of the official TypeScript SDK (@temporalio/* from npm, pinned by
/// <c>TypeScriptSdk/package-lock.json</c> and installed by <c>.ci/run</c>) against the server: activity, timer,
/// signal, query, update, child, continue-as-new, schedule and a visibility count with GROUP BY, written the way the
/// SDK's documentation writes them. Node and the npm packages are required: without them the test fails and says
/// how to install them, so CI cannot pass by skipping it.
/// </summary>
[Collection(ServerCollection.Name)]
public class TypeScriptSdkTests(ServerFixture fixture)
{
    private static string SdkDirectory([CallerFilePath] string here = "") => Path.Combine(Path.GetDirectoryName(here)!, "TypeScriptSdk");

    [Fact]
    public async Task TypeScriptWorker_EveryFeature_RunsWithoutWorkarounds()
    {
        var directory = SdkDirectory();
        Assert.True(
            Directory.Exists(Path.Combine(directory, "node_modules", "@temporalio", "worker")),
            $"The TypeScript SDK is not installed in {directory}: run `bash .ci/run`, or `npm ci` in that folder (needs node and npm).");
        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("run.js");
        info.ArgumentList.Add(fixture.Environment.Client.Connection.Options.TargetHost!);
        Process node;
        try
        {
            node = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            Assert.Fail($"node is not installed ({ex.Message}): install Node.js (Debian package nodejs) and run `bash .ci/run`.");
            return;
        }
        using (node)
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            var stdout = node.StandardOutput.ReadToEndAsync(deadline.Token);
            var stderr = node.StandardError.ReadToEndAsync(deadline.Token);
            try
            {
                await node.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                node.Kill(entireProcessTree: true);
                Assert.Fail($"the TypeScript worker did not finish within 5 minutes: {await stderr}");
            }
            Assert.True(node.ExitCode == 0, $"the TypeScript worker failed (exit {node.ExitCode}): {await stderr}");

            using var result = JsonDocument.Parse((await stdout).Trim().Split('\n')[^1]);
            var root = result.RootElement;
            Assert.Equal("ts", root.GetProperty("renamedFrom").GetString());
            var workflow = root.GetProperty("workflow");
            Assert.Equal("hello ts", workflow.GetProperty("greeting").GetString());
            Assert.Equal("renamed", workflow.GetProperty("name").GetString());
            Assert.Equal("child of renamed", workflow.GetProperty("childResult").GetString());
            Assert.Equal("counted down", workflow.GetProperty("countdownResult").GetString());
            Assert.Equal("child of schedule", root.GetProperty("scheduled").GetString());
            // conformance, its child, the scheduled child and the last countdown run completed; two countdown runs continued.
            Assert.Equal(6, root.GetProperty("count").GetInt32());
            Assert.Equal(4, root.GetProperty("groups").GetProperty("Completed").GetInt32());
            Assert.Equal(2, root.GetProperty("groups").GetProperty("ContinuedAsNew").GetInt32());
        }
    }
}

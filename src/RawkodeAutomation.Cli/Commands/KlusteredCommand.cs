using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using k8s;
using k8s.Models;
using RawkodeAutomation.Episodes.Model;
using RawkodeAutomation.Kubernetes;
using RawkodeAutomation.Kubernetes.Sandbox;

namespace RawkodeAutomation.Cli.Commands;

/// <summary><c>rawkode klustered ...</c>: the break library, the Kubernetes sandbox, and a sandboxed Klustered run.</summary>
internal static class KlusteredCommand
{
    public static Command Create()
    {
        Command klustered = new("klustered", "Klustered: the break library, the Kubernetes sandbox and a sandboxed run.");
        klustered.Subcommands.Add(Breaks());
        klustered.Subcommands.Add(Sandbox());
        klustered.Subcommands.Add(Demo());
        klustered.Subcommands.Add(Access());
        return klustered;
    }

    private static Command Access()
    {
        Argument<string> episode = new("episode-id") { Description = "The episode, <show>/<slug>." };
        Argument<string> team = new("team") { Description = "The team's name in the episode file." };
        Option<string> role = new("--role") { Description = "breakers (from provisioning until the start) or fixers (from the start until teardown).", Required = true };
        role.AcceptOnlyFromAmong("breakers", "fixers");
        Option<DirectoryInfo?> repo = new("--repo") { Description = "The checkout `rawkode up` runs in (default: the current directory or the nearest one above it with .rawkode/)." };
        Command command = new("access", "Print a team's kubeconfig for one role, to hand over by hand (it is a secret: send it privately).") { episode, team, role, repo };
        command.SetAction(parse =>
        {
            var error = parse.InvocationConfiguration.Error;
            var episodeId = parse.GetValue(episode)!;
            var teamName = parse.GetValue(team)!;
            var who = parse.GetValue(role)!;
            // Ids as the episode schema has them: nothing that could name a file outside .rawkode/klustered.
            if (!System.Text.RegularExpressions.Regex.IsMatch(episodeId, "^[a-z0-9]+(-[a-z0-9]+)*/[a-z0-9]+(-[a-z0-9]+)*$") || !System.Text.RegularExpressions.Regex.IsMatch(teamName, "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"))
            {
                error.WriteLine($"rawkode klustered access: \"{episodeId}\" \"{teamName}\" is not an episode id (<show>/<slug>) and a team name as the episode files spell them.");
                return 2;
            }
            var start = parse.GetValue(repo)?.FullName ?? Directory.GetCurrentDirectory();
            var root = new DirectoryInfo(start);
            while (root is not null && !Directory.Exists(Path.Combine(root.FullName, ".rawkode")))
            {
                root = root.Parent;
            }
            if (root is null)
            {
                error.WriteLine($"rawkode klustered access: no .rawkode/ directory in {start} or above it: run this in the checkout where `rawkode up` runs, or pass --repo PATH.");
                return 2;
            }
            var path = KlusteredAccessFiles.PathFor(Path.Combine(root.FullName, ".rawkode", "klustered"), episodeId, teamName, who);
            if (!File.Exists(path))
            {
                var when = who == "breakers"
                    ? "the breakers' file is written when the team's cluster is provisioned (provisionBefore the start) and removed at the start"
                    : "the fixers' file is written at the show's start";
                error.WriteLine($"rawkode klustered access: {path} does not exist: {when}. Check the episode id ({episodeId}) and team ({teamName}) against the episode file, and the team's state on the operator page.");
                return 1;
            }
            var content = File.ReadAllText(path);
            if (KlusteredAccessFiles.ValidUntil(content) is { } until && until <= DateTimeOffset.UtcNow)
            {
                error.WriteLine($"rawkode klustered access: the {who}' credential of {teamName} expired at {until:u}.");
                return 1;
            }
            parse.InvocationConfiguration.Output.Write(content);
            return 0;
        });
        return command;
    }

    private static Command Breaks()
    {
        Argument<string?> id = new("id") { Description = "Show one break in full.", Arity = ArgumentArity.ZeroOrOne };
        Command command = new("breaks", "List the break library (or show one break).") { id };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(id) is { } breakId)
            {
                if (!BreakLibrary.Contains(breakId))
                {
                    parse.InvocationConfiguration.Error.WriteLine($"unknown break \"{breakId}\"; the break library has: {string.Join(", ", BreakLibrary.Ids)}");
                    return 2;
                }

                var m = BreakLibrary.Get(breakId);
                output.WriteLine($"{m.Id} (v{m.Version}): {m.Title}");
                output.WriteLine($"  level: {m.Level.ToString().ToLowerInvariant()}, difficulty: {m.Difficulty.ToString().ToLowerInvariant()}, blocks the rollout: {(m.BlocksRollout ? "yes" : "no")}{(m.CutsApiAccess ? ", takes the API away (applied last)" : "")}");
                output.WriteLine($"  {m.Description}");
                output.WriteLine("  hints:");
                foreach (var hint in m.Hints)
                {
                    output.WriteLine($"    - {hint}");
                }

                output.WriteLine($"  apply: {string.Join("; ", m.Apply.Select(Describe))}");
                output.WriteLine($"  undo:  {string.Join("; ", m.Undo.Select(Describe))}");
                if (m.Node is { } node)
                {
                    output.WriteLine($"  node script (on {node.On}, in a privileged pod via nsenter -t 1):");
                    foreach (var line in node.Apply.TrimEnd().Split('\n'))
                    {
                        output.WriteLine($"    {line}");
                    }
                }

                return 0;
            }

            output.WriteLine($"{"ID",-34} {"LEVEL",-5} {"DIFFICULTY",-10} TITLE");
            foreach (var m in BreakLibrary.All)
            {
                output.WriteLine($"{m.Id,-34} {m.Level.ToString().ToLowerInvariant(),-5} {m.Difficulty.ToString().ToLowerInvariant(),-10} {m.Title}");
            }

            output.WriteLine($"{BreakLibrary.All.Count} breaks.");
            return 0;
        });
        return command;
    }

    private static string Describe(BreakStep step) => step switch
    {
        CreateStep c => $"create {DynamicClient.RefOf(c.Manifest)}",
        PatchStep p => $"{p.Type} patch {p.Target}",
        DeleteStep d => $"delete {d.Target}",
        ReplaceTextStep r => $"replace text in {r.Target} {r.Path}",
        TaintNodesStep t => t.Remove ? $"untaint every node ({t.Key})" : $"taint every node {t.Key}={t.Value}:{t.Effect}",
        _ => step.GetType().Name,
    };

    private static Command Sandbox()
    {
        Option<FileInfo> kubeconfig = new("--kubeconfig-out")
        {
            Description = "Where to write the management cluster's kubeconfig.",
            DefaultValueFactory = _ => new FileInfo(Path.Combine(".rawkode", "kubernetes", "management.kubeconfig")),
        };
        Option<double> delay = new("--provision-delay") { Description = "Seconds the Cluster API stand-in takes to provision a cluster.", DefaultValueFactory = _ => 3 };
        Command command = new("sandbox", "Run the Kubernetes sandbox (management cluster with a Cluster API stand-in) until Ctrl+C.") { kubeconfig, delay };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var shutdown = new ShutdownSignal(cancellationToken);
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(delay) is < 0 or > 3600)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"--provision-delay must be between 0 and 3600 seconds, got {parse.GetValue(delay)}.");
                return 2;
            }

            await using var sandbox = await KubernetesSandbox.StartAsync(new KubernetesSandboxOptions { ProvisionDelay = TimeSpan.FromSeconds(parse.GetValue(delay)) });
            var file = parse.GetValue(kubeconfig)!;
            file.Directory?.Create();
            await File.WriteAllTextAsync(file.FullName, sandbox.ManagementKubeconfig, cancellationToken);
            await output.WriteLineAsync($"Kubernetes sandbox: management cluster at {sandbox.Management.Server}");
            await output.WriteLineAsync($"  kubeconfig: {file.FullName}");
            await output.WriteLineAsync($"  Kubernetes__ManagementKubeconfig={file.FullName}");
            await output.WriteLineAsync($"  ClusterClasses in namespace {sandbox.Options.ClusterClassNamespace}: {string.Join(", ", sandbox.Options.ClusterClasses)}");
            await output.WriteLineAsync("Press Ctrl+C to stop.");
            await shutdown.WaitAsync();

            return 0;
        });
        return command;
    }

    private static Command Demo()
    {
        Option<int> teams = new("--teams") { Description = "How many teams (1-6).", DefaultValueFactory = _ => 3 };
        Command command = new("demo", "A whole Klustered run in the sandbox: provision, deploy, break, verify, fix (automatically), tear down; prints each team's time to fix.") { teams };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var count = parse.GetValue(teams);
            if (count is < 1 or > 6)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"--teams must be between 1 and 6, got {count}.");
                return 2;
            }

            string[][] breakSets =
            [
                ["coredns-homoglyph", "quota-zero-pods"],
                ["webhook-rewrite-v2", "taint-all-nodes"],
                ["networkpolicy-deny-all", "readiness-probe-wrong-port", "hosts-blackhole-registry"],
                ["limitrange-1mi", "controller-manager-no-deployments"],
                ["webhook-fail-closed", "coredns-scaled-to-zero", "chmod-kubectl"],
                ["service-selector-typo", "taint-all-nodes"],
            ];
            var total = Stopwatch.StartNew();
            await using var sandbox = await KubernetesSandbox.StartAsync(new KubernetesSandboxOptions { ProvisionDelay = TimeSpan.FromSeconds(1) });
            var options = new KubernetesOptions
            {
                ManagementKubeconfigContent = sandbox.ManagementKubeconfig,
                PollInterval = TimeSpan.FromMilliseconds(100),
                VerifyBrokenTimeout = TimeSpan.FromSeconds(2),
            };
            using var ops = new KubernetesClusterOperations(options);
            const string episode = "klustered/sandbox-demo";
            var lines = new object();
            void Say(string team, string text)
            {
                lock (lines)
                {
                    output.WriteLine($"[{total.Elapsed.TotalSeconds,6:F2}s] {team}: {text}");
                }
            }

            var results = await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
            {
                var team = $"team-{(char)('a' + i)}";
                var breaks = breakSets[i];
                var cluster = await ops.ProvisionAsync(episode, team, new ClusterSpec("kubeadm-small", "v1.31.0", 1, 2), DateTimeOffset.UtcNow.AddHours(1), cancellationToken);
                Say(team, $"Cluster {cluster.Name} created");
                await ops.WaitProvisionedAsync(cluster, new InlineProgress(p => Say(team, $"{p.Phase}{(p.Message is null ? "" : ": " + p.Message)}")), cancellationToken);
                await ops.DeployWorkloadAsync(cluster, cancellationToken);
                Say(team, "klustered v1 is Ready");
                await ops.ApplyBreaksAsync(cluster, breaks, cancellationToken);
                var verdict = await ops.VerifyBrokenAsync(cluster, breaks, cancellationToken);
                Say(team, verdict.Summary);
                var since = DateTimeOffset.UtcNow;
                var watching = ops.WaitFixedAsync(cluster, since, TimeSpan.FromMinutes(1), cancellationToken);
                foreach (var id in breaks)
                {
                    await ops.UndoBreaksAsync(cluster, [id], cancellationToken);
                    Say(team, $"fixers undid {id}");
                }

                await RolloutV2Async(ops, cluster, options, cancellationToken);
                var status = await watching;
                Say(team, $"{(status.Fixed ? "FIXED" : "not fixed")}: {status.Detail}; time to fix {status.TimeToFix?.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture) ?? "-"}s");
                await ops.TeardownAsync(cluster, cancellationToken);
                Say(team, "torn down");
                return (team, verdict.Broken, status);
            }));

            await output.WriteLineAsync();
            foreach (var (team, broken, status) in results)
            {
                await output.WriteLineAsync($"{team}: verified broken {(broken ? "yes" : "NO")}, fixed {(status.Fixed ? "yes" : "NO")}, time to fix {status.TimeToFix?.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture) ?? "-"}s");
            }

            await output.WriteLineAsync($"{count} team(s) in {total.Elapsed.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture)}s wall clock.");
            return results.All(r => r.Broken && r.status.Fixed) ? 0 : 1;
        });
        return command;
    }

    private static async Task RolloutV2Async(KubernetesClusterOperations ops, ClusterRef cluster, KubernetesOptions options, CancellationToken cancellationToken)
    {
        var kubeconfig = await ops.GetWorkloadKubeconfigAsync(cluster, cancellationToken);
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(kubeconfig));
        using var client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(stream));
        await client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch(KlusteredWorkload.SetImagePatch(KlusteredWorkload.Image(options, options.FixedTag)).ToJsonString(), V1Patch.PatchType.StrategicMergePatch),
            KlusteredWorkload.DeploymentName,
            KlusteredWorkload.Namespace,
            cancellationToken: cancellationToken);
    }

    private sealed class InlineProgress(Action<ClusterProgress> report) : IProgress<ClusterProgress>
    {
        public void Report(ClusterProgress value) => report(value);
    }
}

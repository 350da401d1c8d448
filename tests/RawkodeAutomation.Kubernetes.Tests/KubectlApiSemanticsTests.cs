namespace RawkodeAutomation.Kubernetes.Tests;

/// <summary>
/// API semantics kubectl depends on, driven by the real kubectl: watches that answer at once and end on time
/// (rollout status, wait --timeout), dry runs that persist nothing, strategic merge patch by upstream's patch
/// strategies (taints replace, containers merge by name), validation with field paths and defaulting.
/// </summary>
public sealed class KubectlApiSemanticsTests(KubectlClusterFixture fixture) : IClassFixture<KubectlClusterFixture>
{
    private Kubectl Kubectl => fixture.Admin;

    [Fact]
    public async Task RolloutStatus_NewImage_ReturnsWhenRolledOut()
    {
        await Kubectl.OkAsync("create", "deployment", "roll", "--image=nginx:1.27", "--replicas=2");
        await Kubectl.OkAsync("set", "image", "deployment/roll", "nginx=nginx:1.28");
        var status = await Kubectl.OkAsync("rollout", "status", "deployment/roll", "--timeout=60s");
        Assert.Contains("deployment \"roll\" successfully rolled out", status, StringComparison.Ordinal);
        Assert.Equal("nginx:1.28", await Kubectl.OkAsync("get", "deployment", "roll", "-o", "jsonpath={.spec.template.spec.containers[0].image}"));
    }

    [Fact]
    public async Task Wait_ConditionNeverMet_TimesOut()
    {
        await Kubectl.OkAsync("create", "configmap", "never", "--from-literal=a=1");
        var result = await Kubectl.RunAsync("wait", "--for=jsonpath={.data.a}=2", "configmap/never", "--timeout=2s");
        result.FailedWith("timed out waiting for the condition");
    }

    [Fact]
    public async Task DryRunServer_CreatePatchDelete_PersistsNothing()
    {
        var created = await Kubectl.OkAsync("create", "configmap", "dry", "--from-literal=a=1", "--dry-run=server");
        Assert.Contains("configmap/dry created (server dry run)", created, StringComparison.Ordinal);
        (await Kubectl.RunAsync("get", "configmap", "dry")).FailedWith("configmaps \"dry\" not found");

        await Kubectl.OkAsync("create", "deployment", "dry-web", "--image=nginx:1.27");
        await Kubectl.OkAsync("set", "image", "deployment/dry-web", "nginx=nginx:9.9", "--dry-run=server");
        await Kubectl.OkAsync("delete", "deployment", "dry-web", "--dry-run=server");
        Assert.Equal("nginx:1.27", await Kubectl.OkAsync("get", "deployment", "dry-web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"));
    }

    [Fact]
    public async Task Taint_RemoveOneOfTwo_OnlyThatTaintGoes()
    {
        await Kubectl.OkAsync("taint", "nodes", "kc-worker-1", "klustered=broken:NoSchedule", "other=x:NoExecute");
        // kubectl exits 1 because the other nodes lack the taint, and says so; the tainted one is untainted.
        var removed = await Kubectl.RunAsync("taint", "nodes", "--all", "klustered-");
        Assert.Contains("node/kc-worker-1 untainted", removed.Stdout, StringComparison.Ordinal);
        var taints = await Kubectl.OkAsync("get", "node", "kc-worker-1", "-o", "jsonpath={range .spec.taints[*]}{.key}={.effect}{\"\\n\"}{end}");
        Assert.Equal("other=NoExecute", taints.Trim());
        await Kubectl.OkAsync("taint", "nodes", "kc-worker-1", "other-");
        Assert.Equal("", (await Kubectl.OkAsync("get", "node", "kc-worker-1", "-o", "jsonpath={.spec.taints}")).Trim());
    }

    [Fact]
    public async Task StrategicMergePatch_ContainersByNameTolerationsReplaced()
    {
        await Kubectl.OkAsync("create", "deployment", "smp", "--image=nginx:1.27");
        await Kubectl.OkAsync("patch", "deployment", "smp", "-p", """{"spec":{"template":{"spec":{"tolerations":[{"key":"a","operator":"Exists"},{"key":"b","operator":"Exists"}]}}}}""");
        await Kubectl.OkAsync("patch", "deployment", "smp", "-p", """{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.36"}],"tolerations":[{"key":"b","operator":"Exists"}]}}}}""");
        var containers = await Kubectl.OkAsync("get", "deployment", "smp", "-o", "jsonpath={.spec.template.spec.containers[*].name}");
        Assert.Equal("nginx sidecar", containers);
        Assert.Equal("b", await Kubectl.OkAsync("get", "deployment", "smp", "-o", "jsonpath={.spec.template.spec.tolerations[*].key}"));
    }

    [Fact]
    public async Task Patch_NegativeReplicas_InvalidWithFieldPath()
    {
        await Kubectl.OkAsync("create", "deployment", "neg", "--image=nginx:1.27");
        var result = await Kubectl.RunAsync("patch", "deployment", "neg", "-p", """{"spec":{"replicas":-3}}""");
        result.FailedWith("The Deployment \"neg\" is invalid: spec.replicas: Invalid value: -3: must be greater than or equal to 0");
    }

    [Fact]
    public async Task Create_NoSelector_InvalidAndNothingStored()
    {
        var manifest = Kubectl.WriteFile("no-selector.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: no-selector
            spec:
              template:
                metadata:
                  labels: {app: x}
                spec:
                  containers:
                  - name: x
                    image: nginx:1.27
            """);
        var result = await Kubectl.RunAsync("create", "-f", manifest);
        result.FailedWith("spec.selector: Required value");
        (await Kubectl.RunAsync("get", "deployment", "no-selector")).FailedWith("not found");
    }

    [Fact]
    public async Task Create_Deployment_DefaultedAsTheApiServerDoes()
    {
        await Kubectl.OkAsync("create", "deployment", "defaults", "--image=nginx:1.27");
        var fields = await Kubectl.OkAsync("get", "deployment", "defaults", "-o",
            "jsonpath={.spec.strategy.type} {.spec.strategy.rollingUpdate.maxSurge} {.spec.revisionHistoryLimit} {.spec.template.spec.containers[0].imagePullPolicy} {.spec.template.spec.dnsPolicy}");
        Assert.Equal("RollingUpdate 25% 10 IfNotPresent ClusterFirst", fields);
    }
}

/// <summary>kubectl's OpenAPI-driven verbs: explain, and edit/create with default (server-side strict) validation.</summary>
public sealed class KubectlOpenApiTests(KubectlClusterFixture fixture) : IClassFixture<KubectlClusterFixture>
{
    private Kubectl Kubectl => fixture.Admin;

    [Fact]
    public async Task Explain_DeploymentField_DescribesItFromTheModelDocs()
    {
        var explained = await Kubectl.OkAsync("explain", "deployment.spec.replicas");
        Assert.Contains("KIND:       Deployment", explained, StringComparison.Ordinal);
        Assert.Contains("FIELD: replicas <integer>", explained, StringComparison.Ordinal);
        Assert.Contains("Number of desired pods.", explained, StringComparison.Ordinal);
        var taints = await Kubectl.OkAsync("explain", "nodes.spec.taints");
        Assert.Contains("effect", taints, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Edit_WithDefaultValidation_AppliesTheEditAndRejectsUnknownFields()
    {
        await Kubectl.OkAsync("create", "deployment", "edited", "--image=nginx:1.27");

        // KUBE_EDITOR is a script that rewrites the file kubectl opens (run through sh, as kubectl does for an editor with arguments).
        var scaleTo4 = Kubectl.WriteFile("scale-to-4.sh", "#!/bin/sh\nsed -i 's/replicas: 1$/replicas: 4/' \"$1\"\n");
        var edit = await Kubectl.RunAsync(["edit", "deployment/edited"], environment: new Dictionary<string, string> { ["KUBE_EDITOR"] = "sh " + scaleTo4 });
        Assert.True(edit.ExitCode == 0, edit.ToString());
        Assert.Contains("deployment.apps/edited edited", edit.Stdout, StringComparison.Ordinal);
        Assert.Equal("4", await Kubectl.OkAsync("get", "deployment", "edited", "-o", "jsonpath={.spec.replicas}"));

        var typo = Kubectl.WriteFile("typo.sh", "#!/bin/sh\nsed -i 's/replicas: 4$/replicaz: 2/' \"$1\"\n");
        var rejected = await Kubectl.RunAsync(["edit", "deployment/edited"], environment: new Dictionary<string, string> { ["KUBE_EDITOR"] = "sh " + typo });
        rejected.FailedWith("unknown field \"spec.replicaz\"");
        Assert.Equal("4", await Kubectl.OkAsync("get", "deployment", "edited", "-o", "jsonpath={.spec.replicas}"));
    }

    [Fact]
    public async Task CreateFile_DefaultValidation_ServerValidatesWithoutOpenApiErrors()
    {
        var manifest = Kubectl.WriteFile("cm.yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: from-file
            data:
              a: "1"
            """);
        Assert.Contains("configmap/from-file created", await Kubectl.OkAsync("create", "-f", manifest), StringComparison.Ordinal);
        var bad = Kubectl.WriteFile("bad.yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: bad-file
            dataa:
              a: "1"
            """);
        (await Kubectl.RunAsync("apply", "-f", bad)).FailedWith("unknown field \"dataa\"");
    }
}

/// <summary>kubectl apply --server-side: field managers and conflicts.</summary>
public sealed class KubectlServerSideApplyTests(KubectlClusterFixture fixture) : IClassFixture<KubectlClusterFixture>
{
    [Fact]
    public async Task ApplyServerSide_TwoManagers_ConflictUntilForced()
    {
        var kubectl = fixture.Admin;
        var first = kubectl.WriteFile("ssa-a.yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: ssa
            data:
              colour: red
            """);
        var second = kubectl.WriteFile("ssa-b.yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: ssa
            data:
              colour: blue
            """);
        Assert.Contains("configmap/ssa serverside-applied", await kubectl.OkAsync("apply", "--server-side", "--field-manager=alice", "-f", first), StringComparison.Ordinal);
        (await kubectl.RunAsync("apply", "--server-side", "--field-manager=bob", "-f", second)).FailedWith("conflict with \"alice\" using v1: .data.colour");
        Assert.Equal("red", await kubectl.OkAsync("get", "configmap", "ssa", "-o", "jsonpath={.data.colour}"));
        await kubectl.OkAsync("apply", "--server-side", "--field-manager=bob", "--force-conflicts", "-f", second);
        Assert.Equal("blue", await kubectl.OkAsync("get", "configmap", "ssa", "-o", "jsonpath={.data.colour}"));
        Assert.Contains("bob", await kubectl.OkAsync("get", "configmap", "ssa", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[*].manager}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplyServerSide_FieldRemovedFromTheManagersConfig_RemovedFromTheObject()
    {
        var kubectl = fixture.Admin;
        var full = kubectl.WriteFile("prune-full.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: prune
              labels: { app: prune, tier: web }
              annotations: { team: a }
            spec:
              replicas: 2
              selector: { matchLabels: { app: prune } }
              template:
                metadata: { labels: { app: prune } }
                spec:
                  containers:
                  - name: web
                    image: nginx:1.27
                    env: [{ name: MODE, value: fast }]
                  - name: sidecar
                    image: busybox:1.36
            """);
        var trimmed = kubectl.WriteFile("prune-trimmed.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: prune
              labels: { app: prune }
            spec:
              selector: { matchLabels: { app: prune } }
              template:
                metadata: { labels: { app: prune } }
                spec:
                  containers:
                  - name: web
                    image: nginx:1.27
            """);
        await kubectl.OkAsync("apply", "--server-side", "--field-manager=ci", "-f", full);

        // When the same manager applies its config again without some fields,
        await kubectl.OkAsync("apply", "--server-side", "--field-manager=ci", "-f", trimmed);

        // they are gone (a removed replicas is defaulted again), and what it still applies stays.
        var text = await kubectl.OkAsync("get", "deployment", "prune", "-o", "json", "--show-managed-fields");
        var json = System.Text.Json.Nodes.JsonNode.Parse(text)!;
        Assert.True(json["metadata"]!["labels"]!["tier"] is null, text);
        Assert.Equal("prune", json["metadata"]!["labels"]!["app"]!.GetValue<string>());
        Assert.Null(json["metadata"]?["annotations"]?["team"]);
        Assert.Equal(1, json["spec"]!["replicas"]!.GetValue<int>());
        var containers = json["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        Assert.Equal(["web"], containers.Select(c => c!["name"]!.GetValue<string>()));
        Assert.Null(containers[0]!["env"]);
    }

    [Fact]
    public async Task ApplyServerSide_FieldAnotherManagerAlsoApplies_Kept()
    {
        var kubectl = fixture.Admin;
        var mine = kubectl.WriteFile("shared-mine.yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata: { name: shared }
            data: { colour: red, size: large }
            """);
        var theirs = kubectl.WriteFile("shared-theirs.yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata: { name: shared }
            data: { size: large }
            """);
        var mineTrimmed = kubectl.WriteFile("shared-mine-trimmed.yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata: { name: shared }
            data: { colour: red }
            """);
        await kubectl.OkAsync("apply", "--server-side", "--field-manager=alice", "-f", mine);
        await kubectl.OkAsync("apply", "--server-side", "--field-manager=bob", "-f", theirs);

        await kubectl.OkAsync("apply", "--server-side", "--field-manager=alice", "-f", mineTrimmed);

        // bob still applies size: it stays, now his alone.
        Assert.Equal("large", await kubectl.OkAsync("get", "configmap", "shared", "-o", "jsonpath={.data.size}"));
        Assert.Equal("red", await kubectl.OkAsync("get", "configmap", "shared", "-o", "jsonpath={.data.colour}"));
    }
}

/// <summary>kubectl diff, replace, label and annotate against the sandbox.</summary>
public sealed class KubectlEditingVerbsTests(KubectlClusterFixture fixture) : IClassFixture<KubectlClusterFixture>
{
    private Kubectl Kubectl => fixture.Admin;

    [Fact]
    public async Task Diff_ChangedManifest_ShowsTheChangeAndPersistsNothing()
    {
        await Kubectl.OkAsync("create", "configmap", "diffed", "--from-literal=colour=red");
        var changed = Kubectl.WriteFile("diffed.yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata: { name: diffed }
            data: { colour: blue }
            """);

        // kubectl diff exits 1 when there are differences, and prints them.
        var diff = await Kubectl.RunAsync("diff", "-f", changed);
        Assert.True(diff.ExitCode == 1, diff.ToString());
        Assert.Contains("-  colour: red", diff.Stdout, StringComparison.Ordinal);
        Assert.Contains("+  colour: blue", diff.Stdout, StringComparison.Ordinal);
        Assert.Equal("red", await Kubectl.OkAsync("get", "configmap", "diffed", "-o", "jsonpath={.data.colour}"));
        var same = await Kubectl.RunAsync("diff", "-f", Kubectl.WriteFile("diffed-same.yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata: { name: diffed }
            data: { colour: red }
            """));
        Assert.True(same.ExitCode == 0, same.ToString());

        // The server-side flavour (an apply patch with dryRun=All) shows the same change and persists nothing either.
        var serverSide = await Kubectl.RunAsync("diff", "--server-side", "--force-conflicts", "-f", changed);
        Assert.True(serverSide.ExitCode == 1, serverSide.ToString());
        Assert.Contains("+  colour: blue", serverSide.Stdout, StringComparison.Ordinal);
        Assert.Equal("red", await Kubectl.OkAsync("get", "configmap", "diffed", "-o", "jsonpath={.data.colour}"));
    }

    [Fact]
    public async Task Replace_WholeObject_ReplacedAndFieldsLeftOutAreGone()
    {
        await Kubectl.OkAsync("create", "configmap", "replaced", "--from-literal=colour=red", "--from-literal=size=large");
        var replacement = Kubectl.WriteFile("replaced.yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata: { name: replaced }
            data: { colour: green }
            """);

        Assert.Contains("configmap/replaced replaced", await Kubectl.OkAsync("replace", "-f", replacement), StringComparison.Ordinal);

        Assert.Equal("green", await Kubectl.OkAsync("get", "configmap", "replaced", "-o", "jsonpath={.data.colour}"));
        Assert.Equal("", await Kubectl.OkAsync("get", "configmap", "replaced", "-o", "jsonpath={.data.size}"));
        (await Kubectl.RunAsync("replace", "-f", Kubectl.WriteFile("missing.yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata: { name: never-created }
            data: { a: b }
            """))).FailedWith("not found");
    }

    [Fact]
    public async Task LabelAndAnnotate_AddOverwriteRemove_AsTheApiServerDoes()
    {
        await Kubectl.OkAsync("create", "configmap", "tagged", "--from-literal=a=1");

        Assert.Contains("configmap/tagged labeled", await Kubectl.OkAsync("label", "configmap", "tagged", "tier=web"), StringComparison.Ordinal);
        (await Kubectl.RunAsync("label", "configmap", "tagged", "tier=db")).FailedWith("already has a value (web)");
        await Kubectl.OkAsync("label", "configmap", "tagged", "tier=db", "--overwrite");
        Assert.Equal("db", await Kubectl.OkAsync("get", "configmap", "tagged", "-o", "jsonpath={.metadata.labels.tier}"));
        Assert.Contains("tagged", await Kubectl.OkAsync("get", "configmaps", "-l", "tier=db"), StringComparison.Ordinal);
        await Kubectl.OkAsync("label", "configmap", "tagged", "tier-");
        Assert.Equal("", await Kubectl.OkAsync("get", "configmap", "tagged", "-o", "jsonpath={.metadata.labels.tier}"));

        Assert.Contains("configmap/tagged annotated", await Kubectl.OkAsync("annotate", "configmap", "tagged", "owner=klustered team"), StringComparison.Ordinal);
        Assert.Equal("klustered team", await Kubectl.OkAsync("get", "configmap", "tagged", "-o", "jsonpath={.metadata.annotations.owner}"));
        await Kubectl.OkAsync("annotate", "configmap", "tagged", "owner-");
        Assert.Equal("", await Kubectl.OkAsync("get", "configmap", "tagged", "-o", "jsonpath={.metadata.annotations.owner}"));
    }
}

namespace RawkodeAutomation.Kubernetes.Tests;

public sealed class BreakLibraryTests
{
    // The fixed ids every area agreed on (coord/BREAKS.md).
    private static readonly string[] AgreedIds =
    [
        "coredns-homoglyph", "coredns-scaled-to-zero", "networkpolicy-deny-all", "quota-zero-pods", "limitrange-1mi",
        "webhook-rewrite-v2", "webhook-fail-closed", "service-selector-typo", "taint-all-nodes", "scheduler-name-typo",
        "controller-manager-no-deployments", "kubelet-max-pods", "apiserver-wrong-port", "chmod-kubectl",
        "hosts-blackhole-registry", "readiness-probe-wrong-port", "kubelet-stopped",
    ];

    [Fact]
    public void Ids_EmbeddedModules_AreExactlyTheAgreedSeventeen()
    {
        Assert.Equal(AgreedIds.Order(StringComparer.Ordinal), BreakLibrary.Ids);
    }

    [Fact]
    public void All_EveryModule_HasTitleHintsChecksAndUndo()
    {
        foreach (var module in BreakLibrary.All)
        {
            Assert.False(string.IsNullOrWhiteSpace(module.Title), module.Id);
            Assert.NotEmpty(module.Hints);
            Assert.True(module.Version >= 1, module.Id);
            Assert.True(module.Node is not null || (module.Checks.Count > 0 && module.Undo.Count > 0), module.Id);
            Assert.Equal(module.Level == BreakLevel.Node, module.Node is not null);

            // Titles end up on screen and in descriptions: ASCII only (the homoglyph lives in the data, escaped).
            Assert.All(module.Title, c => Assert.True(c < 128, $"{module.Id} title has non-ASCII {c}"));
        }
    }

    [Fact]
    public void Get_UnknownId_ListsTheLibrary()
    {
        var error = Assert.Throws<KlusteredException>(() => BreakLibrary.Get("coredns-homoglyf"));
        Assert.Contains("unknown break \"coredns-homoglyf\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("coredns-homoglyph", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Get_CorednsHomoglyph_ReplacesWithCyrillicO()
    {
        var step = Assert.IsType<ReplaceTextStep>(Assert.Single(BreakLibrary.Get("coredns-homoglyph").Apply));
        Assert.Equal("kubernetes cluster.local ", step.Find);
        Assert.Contains('\u043E', step.Replace);
        Assert.Equal(step.Find.Length, step.Replace.Length);
    }

    [Fact]
    public void Parse_UnknownStep_SaysWhere()
    {
        var error = Assert.Throws<KlusteredException>(() => BreakLibrary.Parse("""
            id: x
            title: X
            difficulty: easy
            level: api
            hints: [h]
            apply:
              - explode: {}
            check: []
            undo: []
            """, "Breaks/x.yaml"));
        Assert.Contains("Breaks/x.yaml: apply[0]: unknown step \"explode\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_QuotedZero_StaysAString()
    {
        var module = BreakLibrary.Get("quota-zero-pods");
        var create = Assert.IsType<CreateStep>(Assert.Single(module.Apply));
        Assert.Equal(System.Text.Json.JsonValueKind.String, create.Manifest["spec"]!["hard"]!["pods"]!.GetValueKind());
    }

    [Fact]
    public void HostScriptPod_NodeBreak_IsPrivilegedAndEntersHostNamespaces()
    {
        var module = BreakLibrary.Get("kubelet-max-pods");
        var pod = BreakEngine.HostScriptPod(module, "apply", "worker-0", module.Node!.Apply, "busybox:1.36");
        var spec = pod["spec"]!;
        Assert.Equal("worker-0", spec["nodeName"]!.GetValue<string>());
        Assert.True(spec["hostPID"]!.GetValue<bool>());
        Assert.True(spec["hostNetwork"]!.GetValue<bool>());
        Assert.True(spec["containers"]![0]!["securityContext"]!["privileged"]!.GetValue<bool>());
        var command = spec["containers"]![0]!["command"]!.AsArray().Select(c => c!.GetValue<string>()).ToList();
        Assert.Equal(["nsenter", "-t", "1", "-m", "-u", "-i", "-n", "-p", "--", "/bin/sh", "-ec"], command[..^1]);
        Assert.Equal(module.Node.Apply, command[^1]);
        Assert.Equal(Ownership.OwnedByValue, pod["metadata"]!["labels"]![Ownership.OwnedByLabel]!.GetValue<string>());
        Assert.True(pod["metadata"]!["name"]!.GetValue<string>().Length <= 63);
    }
}

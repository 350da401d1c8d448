using System.Text.Json.Nodes;

namespace RawkodeAutomation.Kubernetes;

/// <summary>How hard a break is to find and fix.</summary>
public enum BreakDifficulty
{
    Easy,
    Medium,
    Hard,
}

/// <summary>Where a break acts: through the Kubernetes API, or on the nodes (through a privileged host pod).</summary>
public enum BreakLevel
{
    Api,
    Node,
}

/// <summary>
/// One break module of the library, loaded from <c>Breaks/&lt;id&gt;.yaml</c>: what it is, how to apply it, how to
/// prove it took effect, and how to undo it.
/// </summary>
/// <param name="BlocksRollout">Whether this break alone stops the v1→v2 rollout (chmod-kubectl only stops the fixers).</param>
/// <param name="CutsApiAccess">Whether applying it takes the API away (applied last; undo needs node access).</param>
public sealed record BreakModule(
    string Id,
    int Version,
    string Title,
    string Description,
    BreakDifficulty Difficulty,
    BreakLevel Level,
    bool BlocksRollout,
    bool CutsApiAccess,
    IReadOnlyList<string> Hints,
    IReadOnlyList<BreakStep> Apply,
    IReadOnlyList<BreakCheck> Checks,
    IReadOnlyList<BreakStep> Undo,
    NodeScript? Node);

/// <summary>Scripts run on nodes, inside the host's namespaces (<c>nsenter -t 1 -m -u -i -n -p</c>), as root.</summary>
/// <param name="On"><c>control-plane</c>, <c>workers</c> or <c>all</c>.</param>
/// <param name="Check">Exits 0 when the break is in effect; null when the module's API checks prove it instead.</param>
public sealed record NodeScript(string On, string Apply, string? Check, string Undo);

/// <summary>One API step of a break (or of its undo).</summary>
public abstract record BreakStep;

/// <summary>Creates an object (labelled as ours); an existing object that is not ours is refused.</summary>
public sealed record CreateStep(JsonObject Manifest) : BreakStep;

/// <summary>Patches an object: <c>merge</c>, <c>strategic</c> or <c>json</c>.</summary>
public sealed record PatchStep(ObjectRef Target, string Type, JsonNode Patch) : BreakStep;

/// <summary>Deletes an object, only if it carries our ownership label.</summary>
public sealed record DeleteStep(ObjectRef Target) : BreakStep;

/// <summary>Replaces text inside one string field (JSON pointer), guarded by a JSON patch <c>test</c> so a concurrent edit is not lost.</summary>
public sealed record ReplaceTextStep(ObjectRef Target, string Path, string Find, string Replace) : BreakStep;

/// <summary>Adds a taint to every node (or removes it when <see cref="Remove"/>).</summary>
public sealed record TaintNodesStep(string Key, string? Value, string Effect, bool Remove) : BreakStep;

/// <summary>One check that proves a break took effect.</summary>
public abstract record BreakCheck;

/// <summary>The object exists.</summary>
public sealed record ExistsCheck(ObjectRef Target) : BreakCheck;

/// <summary>A field (JSON pointer) equals a value or contains a text.</summary>
public sealed record FieldCheck(ObjectRef Target, string Path, JsonNode? EqualsValue, string? Contains) : BreakCheck;

/// <summary>Every node carries a taint with this key.</summary>
public sealed record NodesTaintedCheck(string Key) : BreakCheck;

/// <summary>A Deployment has all its replicas Ready.</summary>
public sealed record DeploymentReadyCheck(ObjectRef Target) : BreakCheck;

/// <summary>
/// Every chosen node (<c>control-plane</c>, <c>workers</c> or <c>all</c>) has a Ready condition that is not True, as
/// <c>kubectl get nodes</c> shows NotReady (the kubelet stopped posting status, or reports itself not ready).
/// </summary>
public sealed record NodesNotReadyCheck(string On) : BreakCheck;

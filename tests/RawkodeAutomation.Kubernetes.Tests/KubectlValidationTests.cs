namespace RawkodeAutomation.Kubernetes.Tests;

/// <summary>
/// What the API server says about a fixer's malformed edits, with the real kubectl against a sandbox cluster: a value of
/// the wrong JSON type is a 400 naming the Go field (never a 500), a pod's spec is immutable but for what upstream allows,
/// and names and label keys are checked with upstream's messages in the 422's causes (which kubectl prints).
/// </summary>
public sealed class KubectlValidationTests(KubectlClusterFixture fixture) : IClassFixture<KubectlClusterFixture>
{
    private Kubectl Kubectl => fixture.Admin;

    [Theory]
    // YAML 1.1 reads `y` as a boolean: a label value kubectl sends as true.
    [InlineData("bool-label", "labels: {app: y}", "env: [{name: PORT, value: \"8080\"}]", "json: cannot unmarshal bool into Go struct field ObjectMeta.spec.template.metadata.labels of type string")]
    // The classic: an env var's value written as a number.
    [InlineData("number-env", "labels: {app: number-env}", "env: [{name: PORT, value: 8080}]", "json: cannot unmarshal number into Go struct field EnvVar.spec.template.spec.containers.env.value of type string")]
    public async Task Create_ValueOfTheWrongType_BadRequestNamingTheGoFieldAndNothingStored(string name, string labels, string env, string expected)
    {
        var manifest = Kubectl.WriteFile($"{name}.yaml", $$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: {{name}}
            spec:
              selector:
                matchLabels: {app: {{name}}}
              template:
                metadata:
                  {{labels}}
                spec:
                  containers:
                  - name: app
                    image: nginx:1.27
                    {{env}}
            """);

        var result = await Kubectl.RunAsync("create", "-f", manifest);

        result.FailedWith($"Error from server (BadRequest): error when creating \"{manifest}\": Deployment in version \"v1\" cannot be handled as a Deployment: {expected}");
        Assert.DoesNotContain("InternalError", result.Stderr, StringComparison.Ordinal);
        (await Kubectl.RunAsync("get", "deployment", name)).FailedWith("not found");
    }

    [Theory]
    [InlineData("128 Mi")]
    [InlineData("128MB")]
    public async Task Create_MemoryLimitNotAQuantity_BadRequestWithTheQuantityRule(string memory)
    {
        var manifest = Kubectl.WriteFile("memory-typo.yaml", $$$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: memory-typo}
            spec:
              selector: {matchLabels: {app: memory-typo}}
              template:
                metadata: {labels: {app: memory-typo}}
                spec:
                  containers:
                  - name: app
                    image: nginx:1.27
                    resources: {limits: {memory: "{{{memory}}}"}}
            """);

        var result = await Kubectl.RunAsync("create", "-f", manifest);

        result.FailedWith("Deployment in version \"v1\" cannot be handled as a Deployment: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
        (await Kubectl.RunAsync("get", "deployment", "memory-typo")).FailedWith("not found");
    }

    [Fact]
    public async Task Patch_ValueOfTheWrongType_BadRequestAndTheObjectUnchanged()
    {
        await Kubectl.OkAsync("create", "deployment", "typed", "--image=nginx:1.27");

        var result = await Kubectl.RunAsync("patch", "deployment", "typed", "-p", """{"spec":{"replicas":"three"}}""");

        result.FailedWith("json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32");
        Assert.Equal("1", await Kubectl.OkAsync("get", "deployment", "typed", "-o", "jsonpath={.spec.replicas}"));
    }

    [Fact]
    public async Task PatchPod_FieldsBeyondImageAndTolerations_ForbiddenAsTheApiServerSays()
    {
        await Kubectl.OkAsync("run", "immutable", "--image=nginx:1.27", "--restart=Never");

        // A pod is fixed through its owner: its scheduler, node and resources cannot change in place,
        var scheduler = await Kubectl.RunAsync("patch", "pod", "immutable", "-p", """{"spec":{"schedulerName":"my-scheduler"}}""");
        scheduler.FailedWith("The Pod \"immutable\" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)");
        (await Kubectl.RunAsync("patch", "pod", "immutable", "-p", """{"spec":{"nodeName":"elsewhere"}}""")).FailedWith("spec: Forbidden: pod updates may not change fields other than");
        (await Kubectl.RunAsync("set", "resources", "pod", "immutable", "--limits=cpu=1")).FailedWith("spec: Forbidden: pod updates may not change fields other than");
        Assert.Equal("default-scheduler", await Kubectl.OkAsync("get", "pod", "immutable", "-o", "jsonpath={.spec.schedulerName}"));

        // but its image and new tolerations can, and so can its labels.
        await Kubectl.OkAsync("set", "image", "pod/immutable", "immutable=nginx:1.28");
        await Kubectl.OkAsync("patch", "pod", "immutable", "--type=json", "-p", """[{"op":"add","path":"/spec/tolerations/-","value":{"key":"extra","operator":"Exists"}}]""");
        await Kubectl.OkAsync("label", "pod", "immutable", "fixed=yes");
        Assert.Equal("nginx:1.28", await Kubectl.OkAsync("get", "pod", "immutable", "-o", "jsonpath={.spec.containers[0].image}"));

        // Taking a toleration away is not an addition.
        var removed = await Kubectl.RunAsync("patch", "pod", "immutable", "--type=json", "-p", """[{"op":"remove","path":"/spec/tolerations/2"}]""");
        removed.FailedWith("spec: Forbidden: pod updates may not change fields other than");
    }

    [Fact]
    public async Task CreateNamespace_UpperCaseName_InvalidWithTheDnsLabelCause()
    {
        var result = await Kubectl.RunAsync("create", "namespace", "Klustered");

        result.FailedWith("metadata.name: Invalid value: \"Klustered\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
    }

    [Fact]
    public async Task CreateFile_ConfigMapWithAnUnderscore_InvalidWithTheDnsSubdomainCause()
    {
        var manifest = Kubectl.WriteFile("bad-name.yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: bad_name}
            data: {a: b}
            """);

        var result = await Kubectl.RunAsync("create", "-f", manifest);

        result.FailedWith("metadata.name: Invalid value: \"bad_name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
    }

    [Fact]
    public async Task Label_KeyWithASpace_InvalidAndNotStored()
    {
        await Kubectl.OkAsync("create", "configmap", "labelled");

        var result = await Kubectl.RunAsync("label", "configmap", "labelled", "bad key=1");

        result.FailedWith("metadata.labels: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
        Assert.Equal("", await Kubectl.OkAsync("get", "configmap", "labelled", "-o", "jsonpath={.metadata.labels}"));
    }
}

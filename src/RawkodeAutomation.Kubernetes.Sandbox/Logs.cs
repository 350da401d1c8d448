using System.Globalization;
using System.Text.Json.Nodes;

namespace RawkodeAutomation.Kubernetes.Sandbox;

/// <summary>
/// <c>pods/log</c>: the sandbox runs no containers, so it answers with what the container would plausibly have printed
/// (its start-up lines, then one line per readiness probe result), with the API server's errors for a container
/// that has not started or a pod with several containers and none named.
/// </summary>
internal static class Logs
{
    public static string For(JsonObject pod, string? container, bool previous, string? tailLines)
    {
        var podName = pod["metadata"]!["name"]!.GetValue<string>();
        var containers = ((pod["spec"]?["containers"] as JsonArray)?.OfType<JsonObject>() ?? []).ToList();
        if (string.IsNullOrEmpty(container))
        {
            if (containers.Count != 1)
            {
                throw ApiError.BadRequest($"a container name must be specified for pod {podName}, choose one of: [{string.Join(" ", containers.Select(c => c["name"]))}]");
            }

            container = containers[0]["name"]!.GetValue<string>();
        }

        var spec = containers.FirstOrDefault(c => c["name"]?.GetValue<string>() == container)
            ?? throw ApiError.BadRequest($"container {container} is not valid for pod {podName}");
        var status = (pod["status"]?["containerStatuses"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => c["name"]?.GetValue<string>() == container);
        if (status?["state"]?["running"] is null)
        {
            var waiting = status?["state"]?["waiting"]?["reason"]?.GetValue<string>() ?? "ContainerCreating";
            throw ApiError.BadRequest($"container \"{container}\" in pod \"{podName}\" is waiting to start: {waiting}");
        }

        if (previous && (status["restartCount"]?.GetValue<int>() ?? 0) == 0)
        {
            throw ApiError.BadRequest($"previous terminated container \"{container}\" in pod \"{podName}\" not found");
        }

        var image = spec["image"]?.GetValue<string>() ?? "";
        var started = DateTimeOffset.TryParse(status["state"]?["running"]?["startedAt"]?.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : DateTimeOffset.UtcNow;
        string Time(int seconds) => started.AddSeconds(seconds).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        var port = spec["ports"]?[0]?["containerPort"]?.ToString() ?? "8080";
        var lines = image.Contains("coredns", StringComparison.Ordinal)
            ? new List<string> { ".:53", "[INFO] plugin/reload: Running configuration SHA512 = 591cf328cccc12bc490481273e738df59329c62c0b729d94e8b61db9961c2fa5f046dd37f1cf888b953814040d180f52594972691cd6ff41be96639138a43908", "CoreDNS-1.11.3", "linux/amd64, go1.21.11, a6338e9" }
            : image.Contains("nginx", StringComparison.Ordinal)
                ? new List<string> { "/docker-entrypoint.sh: Configuration complete; ready for start up", $"{Time(0)} [notice] 1#1: nginx/1.27.0", $"{Time(0)} [notice] 1#1: start worker processes" }
                : new List<string> { $"{Time(0)} INFO starting {image}", $"{Time(0)} INFO listening on :{port}" };
        if (status["ready"]?.GetValue<bool>() == true && spec["readinessProbe"] is not null)
        {
            lines.Add($"{Time(5)} INFO GET {spec["readinessProbe"]?["httpGet"]?["path"] ?? "/"} 200");
        }

        if (int.TryParse(tailLines, NumberStyles.None, CultureInfo.InvariantCulture, out var tail))
        {
            lines = lines.TakeLast(tail).ToList();
        }

        return string.Concat(lines.Select(l => l + "\n"));
    }
}

using System.CommandLine;
using RawkodeAutomation.GitHub;
using RawkodeAutomation.GitHub.Local;
using RawkodeAutomation.GitHub.Sandbox;
using RawkodeAutomation.GitHub.Webhooks;

namespace RawkodeAutomation.Cli.Commands;

/// <summary><c>rawkode github sandbox</c>: the loopback GitHub sandbox (the webhook load test is <c>rawkode-bench webhook-load</c>).</summary>
internal static class GitHubCommand
{
    public static Command Create()
    {
        Command github = new("github", "GitHub ingestion: the loopback GitHub sandbox.");
        github.Subcommands.Add(Sandbox());
        return github;
    }

    /// <summary>An absolute http(s) URL, or a parse error that says what was wrong (shown by the command line, exit 1).</summary>
    internal static Uri? ParseHttpUrl(System.CommandLine.Parsing.ArgumentResult result, string option)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && url.Host.Length > 0)
        {
            return url;
        }

        result.AddError($"{option} '{text}' is not an absolute http or https URL, e.g. http://127.0.0.1:8787/webhooks/github");
        return null;
    }

    private static Command Sandbox()
    {
        Option<int> port = new("--port") { Description = "Loopback port (0: any free port).", DefaultValueFactory = _ => 0 };
        Option<string> repository = new("--repository") { Description = "owner/name of the sandbox repository.", DefaultValueFactory = _ => "rawkode/channel" };
        Option<string> token = new("--token") { Description = "Token clients must send.", DefaultValueFactory = _ => "sandbox-token" };
        Option<DirectoryInfo?> seed = new("--seed") { Description = "A local git checkout whose HEAD episodes/ becomes the first commit on main." };
        Option<Uri?> hook = new("--webhook-url")
        {
            Description = "Deliver a signed push webhook here on every branch move (e.g. http://127.0.0.1:8787/webhooks/github).",
            // System.CommandLine has no built-in conversion to Uri: without this parser every URL failed with a stack trace.
            CustomParser = result => ParseHttpUrl(result, "--webhook-url"),
        };
        Option<string?> hookSecret = new("--webhook-secret") { Description = "Secret the webhook deliveries are signed with (GitHub:WebhookSecret of the receiver)." };
        Command command = new("sandbox", "Run the loopback GitHub REST sandbox until Ctrl+C.") { port, repository, token, seed, hook, hookSecret };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var shutdown = new ShutdownSignal(cancellationToken);
            var output = parse.InvocationConfiguration.Output;
            await using var sandbox = await GitHubSandbox.StartAsync(new GitHubSandboxOptions { Port = parse.GetValue(port), Token = parse.GetValue(token) }, cancellationToken);
            var repo = sandbox.CreateRepository(parse.GetValue(repository)!);
            if (parse.GetValue(hook) is { } url)
            {
                if (parse.GetValue(hookSecret) is not { Length: > 0 } secret)
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync("--webhook-url needs --webhook-secret (the receiver rejects unsigned deliveries).");
                    return 2;
                }

                sandbox.Webhooks.Add(repo, url, secret);
                await output.WriteLineAsync($"Push webhooks for {repo.FullName} go to {url}.");
            }

            if (parse.GetValue(seed) is { } checkout)
            {
                var git = new GitCli(checkout.FullName);
                var head = await git.ResolveAsync("HEAD", cancellationToken);
                if (head is null)
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync($"{checkout.FullName} is not a git checkout with a commit.");
                    return 2;
                }

                var files = await new LocalGitEpisodeSource(git).GetEpisodeFilesAsync(head, cancellationToken);
                var sha = repo.Commit("main", $"Seed from {checkout.FullName} at {GitShas.Short(head)}", files.ToDictionary(kv => kv.Key, kv => (byte[]?)kv.Value));
                await output.WriteLineAsync($"Seeded {files.Count} files from {GitShas.Short(head)} as {GitShas.Short(sha)} on main.");
            }

            await output.WriteLineAsync($"GitHub sandbox for {repo.FullName} listening.");
            await output.WriteLineAsync($"  GitHub__ApiBaseUri={sandbox.BaseAddress}");
            await output.WriteLineAsync($"  GitHub__Repository={repo.FullName}");
            await output.WriteLineAsync($"  GitHub__Token={sandbox.Token}");
            await output.WriteLineAsync("Press Ctrl+C to stop.");
            await shutdown.WaitAsync();

            return 0;
        });
        return command;
    }
}


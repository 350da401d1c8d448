using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Octokit;
using RawkodeAutomation.GitHub;
using RawkodeAutomation.GitHub.Octokit;
using RawkodeAutomation.YouTube.Sandbox;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace RawkodeAutomation.Hosting;

/// <summary>A start-up failure a person can act on; <c>rawkode up</c> prints its message and exits 2.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1032:Implement standard exception constructors", Justification = "Always carries a message that says what to do; never thrown without one.")]
public sealed class StartupException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// What <c>rawkode up</c> checks before it starts anything long-lived, and how it words a start-up failure: each
/// message says what is wrong, where, and what to do, instead of a stack trace or minutes of silent retries.
/// </summary>
public static class StartupChecks
{
    /// <summary>Creates <c>.rawkode/</c>, or says why it cannot be.</summary>
    public static string EnsureStateFolder(string root)
    {
        var state = Path.Combine(root, ".rawkode");
        if (File.Exists(state))
        {
            throw new StartupException($"{state} is a file, but rawkode up keeps its state in a folder of that name; move the file away (mv .rawkode .rawkode.old) and run again.");
        }

        try
        {
            Directory.CreateDirectory(state);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"cannot create the state folder {state}: {e.Message}", e);
        }

        return state;
    }

    /// <summary>Words a failure of the offline Temporal server to open its SQLite file.</summary>
    public static StartupException TemporalDatabase(string path, Exception e)
    {
        var relative = Path.Combine(".rawkode", Path.GetFileName(path));
        var what = e switch
        {
            SqliteException { SqliteErrorCode: 26 } => "is not a SQLite database (corrupt or overwritten)",
            SqliteException { SqliteErrorCode: 11 } => "is corrupt",
            SqliteException { SqliteErrorCode: 8 } => "is read-only (or its folder is); rawkode up must write to it",
            SqliteException { SqliteErrorCode: 14 } => "cannot be opened (a folder in its place, or no permission to read it)",
            SqliteException { SqliteErrorCode: 23 } => "cannot be read: permission denied",
            SqliteException s => $"cannot be used: {s.Message}",
            UnauthorizedAccessException => "cannot be read or written: permission denied",
            _ => $"cannot be used: {e.Message}",
        };
        return new StartupException(
            $"the offline Temporal server's state {relative} {what}. Fix its permissions, or move it aside to start with empty state "
            + $"(mv {relative} {relative}.bad; the channel itself is unaffected and is reconciled again).", e);
    }

    /// <summary>Words a failure of the YouTube sandbox to load its state file.</summary>
    public static StartupException YouTubeSandboxState(string path, Exception e) =>
        new($"the YouTube sandbox's state .rawkode/{Path.GetFileName(path)} cannot be loaded ({FirstLine(e.Message)}). "
            + $"Move it aside to start the sandbox channel empty (mv .rawkode/{Path.GetFileName(path)} .rawkode/{Path.GetFileName(path)}.bad).", e);

    /// <summary>Words finding the state folder held by another <c>up</c>.</summary>
    public static StartupException StateFolderInUse(string stateDirectory, string? owner) =>
        new($"another rawkode up runs on this state folder ({stateDirectory}{(owner is null ? "" : $"; {owner}")}). "
            + "Stop it first (Ctrl+C where it runs); two at once would load the same Temporal database, channel and clusters and write over each other's.");

    /// <summary>Words finding this checkout's sandbox channel served by another process (another <c>up</c>, or <c>adopt</c>).</summary>
    public static StartupException YouTubeSandboxInUse(YouTubeSandboxInUseException e) =>
        new($"the YouTube sandbox's state .rawkode/{Path.GetFileName(e.StatePath)} is served by another process"
            + (e.RunningAt is null ? "" : $" (its channel page: {e.RunningAt})")
            + ": another rawkode up, or a rawkode adopt, runs on this checkout. Stop it first; two sandboxes on one channel would each overwrite the other's broadcasts and quota.", e);

    /// <summary>Words a failure to listen on <c>Http:Urls</c> (null when <paramref name="e"/> is not about listening).</summary>
    public static StartupException? Listen(string urls, Exception e) =>
        Listen(urls, e, "Http__Urls=http://127.0.0.1:8790 (environment) or \"Http\": { \"Urls\": \"http://127.0.0.1:8790\" } in appsettings.json");

    /// <summary>
    /// Words a failure to listen on <paramref name="where"/>, suggesting <paramref name="setting"/> to listen elsewhere
    /// (null when <paramref name="e"/> is not about listening).
    /// </summary>
    public static StartupException? Listen(string where, Exception e, string setting)
    {
        for (var inner = (Exception?)e; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || inner.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                return new StartupException(
                    $"cannot listen on {where}: the port is in use (another rawkode up?). Stop the other process, or listen elsewhere: {setting}.", e);
            }

            if (inner is SocketException { SocketErrorCode: SocketError.AccessDenied or SocketError.AddressNotAvailable } socket)
            {
                return new StartupException($"cannot listen on {where}: {socket.Message}. Listen on a loopback address and a free port above 1024: {setting}.", e);
            }
        }

        return null;
    }

    /// <summary>
    /// Connects to the configured Temporal Service and asks for the namespace, so an unreachable address, a TLS or
    /// API-key mismatch or a missing namespace is one clear line now rather than a worker that retries forever.
    /// </summary>
    public static async Task CheckTemporalAsync(TemporalClientConnectOptions connection, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var address = connection.TargetHost;
        var @namespace = connection.Namespace;
        var options = (TemporalClientConnectOptions)connection.Clone();
        var settings = $"Temporal:Address (TEMPORAL_ADDRESS) is {address}, TLS {(options.Tls is null ? "off" : "on")}, "
            + $"API key {(options.ApiKey is null ? "unset" : "set")}";
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            var client = await TemporalClient.ConnectAsync(options).WaitAsync(deadline.Token).ConfigureAwait(false);
            await client.WorkflowService.DescribeNamespaceAsync(
                new Temporalio.Api.WorkflowService.V1.DescribeNamespaceRequest { Namespace = @namespace },
                new RpcOptions { CancellationToken = deadline.Token }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StartupException($"Temporal did not answer within {timeout.TotalSeconds:0} s ({settings}). Check the address and that the service is running.");
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.NotFound)
        {
            throw new StartupException($"Temporal at {address} has no namespace '{@namespace}'. Create it, or set Temporal:Namespace (TEMPORAL_NAMESPACE).", e);
        }
        catch (RpcException e) when (e.Code is RpcException.StatusCode.Unauthenticated or RpcException.StatusCode.PermissionDenied)
        {
            throw new StartupException($"Temporal at {address} refused the credentials ({e.Message}). Check Temporal:ApiKey (TEMPORAL_API_KEY) and its access to namespace '{@namespace}'.", e);
        }
        catch (Exception e) when (e is InvalidOperationException or RpcException)
        {
            var message = e.Message;
            var hint = message.Contains("tls", StringComparison.OrdinalIgnoreCase) || message.Contains("handshake", StringComparison.OrdinalIgnoreCase)
                || message.Contains("certificate", StringComparison.OrdinalIgnoreCase) || message.Contains("http2", StringComparison.OrdinalIgnoreCase)
                || message.Contains("frame", StringComparison.OrdinalIgnoreCase)
                ? "The TLS settings do not match the server: an API key turns TLS on (Temporal Cloud); a local or self-hosted server without TLS needs no API key."
                : message.Contains("refused", StringComparison.OrdinalIgnoreCase) || message.Contains("dns", StringComparison.OrdinalIgnoreCase)
                    ? "Nothing answers there: start the service, fix the address, or unset Temporal:Address to use the embedded offline server."
                    : "Check the address, TLS and API key.";
            throw new StartupException($"cannot reach Temporal ({settings}): {FirstLine(message)}. {hint}", e);
        }
    }

    /// <summary>
    /// Reads the configured repository once with the configured token, so a wrong token or repository name fails now
    /// with what to change, instead of every commit's activity retrying while the status page says "settled".
    /// </summary>
    public static async Task CheckGitHubAsync(GitHubOptions options, CancellationToken cancellationToken)
    {
        var (owner, name) = options.RepositoryParts();
        var client = GitHubClientFactory.Create(options);
        var where = options.ApiBaseUri is null ? "github.com" : options.ApiBaseUri.ToString();
        try
        {
            var repository = await client.Repository.Get(owner, name).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            var branch = await client.Repository.Branch.Get(owner, name, options.Branch).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            _ = (repository, branch);
        }
        catch (AuthorizationException e)
        {
            throw new StartupException($"GitHub ({where}) refused the token for {owner}/{name} (401 Bad credentials). Set GitHub:Token (GitHub__Token) to a valid token "
                + "with read access to contents and write access to commit statuses.", e);
        }
        catch (ForbiddenException e)
        {
            throw new StartupException($"GitHub ({where}) forbids the token to read {owner}/{name} (403: {e.Message}). Give the token access to that repository.", e);
        }
        catch (NotFoundException e)
        {
            throw new StartupException($"GitHub ({where}) has no repository {owner}/{name} with a branch '{options.Branch}', or the token cannot see it (404). "
                + "Check GitHub:Repository, GitHub:Branch and the token's repository access.", e);
        }
        catch (Exception e) when (e is ApiException or HttpRequestException or TimeoutException)
        {
            throw new StartupException($"cannot reach GitHub at {where} to read {owner}/{name}: {FirstLine(e.Message)}. Check GitHub:ApiBaseUri and the network.", e);
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim().TrimEnd('.');
}

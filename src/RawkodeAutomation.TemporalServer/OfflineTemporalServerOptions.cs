using Microsoft.Extensions.Logging;

namespace RawkodeAutomation.TemporalServer;

/// <summary>
/// Options of <see cref="OfflineTemporalServer"/>; they mirror the flags of <c>temporal server start-dev</c>
/// (https://docs.temporal.io/cli/server#start-dev).
/// </summary>
public sealed class OfflineTemporalServerOptions
{
    /// <summary>IPv4 address the frontend binds to (<c>--ip</c>).</summary>
    public string Ip { get; set; } = "127.0.0.1";

    /// <summary>Frontend gRPC port (<c>--port</c>); 0 picks a free port.</summary>
    public int Port { get; set; }

    /// <summary>
    /// A socket already bound and listening (from <see cref="OfflineTemporalServer.Listen(string, int)"/>), taken over
    /// by the server instead of binding <see cref="Ip"/>:<see cref="Port"/>. A caller that opens it first thing makes
    /// the port connectable while the rest of the process is still starting: the SDK gives a dev server 5 s to listen,
    /// and connections made meanwhile wait in the backlog until the server answers. The server takes the socket over:
    /// it closes it when it stops (or fails to start), and the caller must not use or dispose it.
    /// </summary>
    public System.Net.Sockets.Socket? ListenSocket { get; set; }

    /// <summary>SQLite file that keeps all state across restarts (<c>--db-filename</c>); null keeps state in memory.</summary>
    public string? DatabaseFilename { get; set; }

    /// <summary>Namespaces that exist besides <c>default</c> (<c>--namespace</c>, repeatable).</summary>
    public IList<string> Namespaces { get; } = [];

    /// <summary>
    /// Custom search attributes as <c>NAME=TYPE</c> (<c>--search-attribute</c>; a bare name is a Keyword), registered
    /// besides the dev server's predefined ones. A workflow carrying an attribute that is not registered is refused.
    /// </summary>
    public IList<string> SearchAttributes { get; } = [];

    /// <summary>Minimum level of the server's own log lines (<c>--log-level</c>).</summary>
    public LogLevel LogLevel { get; set; } = LogLevel.Warning;

    /// <summary>
    /// Longest a long poll (task polls; history, update and query waits are capped at 20 s) is held before the
    /// server answers with an empty response. Always shortened to answer before the caller's deadline.
    /// </summary>
    public TimeSpan LongPollTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// History length (in events) from which workflow tasks carry <c>suggest_continue_as_new</c>
    /// (<c>--dynamic-config-value limit.historyCount.suggestContinueAsNew=N</c>); a real server's default is 4096.
    /// </summary>
    public int SuggestContinueAsNewAfterEvents { get; set; } = 4096;

    /// <summary>
    /// Largest payload, in bytes, a request or workflow command may carry (<c>--dynamic-config-value
    /// limit.blobSize.error=N</c>; 2 MiB like a real server). A request over it is refused; a command over it fails its
    /// workflow task and terminates the run, as a real server does. Advertised to the SDK in <c>DescribeNamespace</c>.
    /// </summary>
    public int BlobSizeLimitError { get; set; } = 2 * 1024 * 1024;

    /// <summary>Largest memo, in bytes, of a child or continue-as-new (<c>limit.memoSize.error</c>; 2 MiB like a real server).</summary>
    public int MemoSizeLimitError { get; set; } = 2 * 1024 * 1024;

    /// <summary>
    /// Clock used for every timestamp and deadline. A <see cref="TimeSkipping.SkippingClock"/> turns on time skipping
    /// and the <c>temporal.api.testservice.v1.TestService</c> (what <c>WorkflowEnvironment.StartTimeSkippingAsync</c>
    /// needs); the caller owns and disposes it after the server.
    /// </summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}

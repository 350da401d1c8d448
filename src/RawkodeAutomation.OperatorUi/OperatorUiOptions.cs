using Temporalio.Client;

namespace RawkodeAutomation.OperatorUi;

/// <summary>
/// Where the operator page listens and which Temporal frontend it shows. The page speaks to Temporal only
/// through the Temporalio client (https://docs.temporal.io/develop/dotnet/temporal-client), so it works against
/// the offline server and any real Temporal Service alike.
/// </summary>
public sealed class OperatorUiOptions
{
    /// <summary>The Temporal frontend, <c>host:port</c> (like <c>TEMPORAL_ADDRESS</c>). Ignored when <see cref="Client"/> is set.</summary>
    public string TemporalAddress { get; set; } = "127.0.0.1:7233";

    /// <summary>The namespace the page opens on; the others are one click away.</summary>
    public string Namespace { get; set; } = "default";

    /// <summary>IP address (or <c>localhost</c>) the page binds to. Keep it on loopback: the page has no login.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>HTTP port; 0 picks a free one (read it back from <see cref="OperatorUiHost.Uri"/>).</summary>
    public int Port { get; set; } = 8233;

    /// <summary>
    /// An already connected client to use instead of connecting to <see cref="TemporalAddress"/> (its
    /// namespace becomes the default one; its connection, TLS and interceptors are reused for the others).
    /// </summary>
    public ITemporalClient? Client { get; set; }
}

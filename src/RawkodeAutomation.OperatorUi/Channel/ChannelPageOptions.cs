namespace RawkodeAutomation.OperatorUi.Channel;

/// <summary>How the channel page is served (see <see cref="ChannelPageEndpointRouteBuilderExtensions.MapChannelPage"/>).</summary>
public sealed class ChannelPageOptions
{
    /// <summary>The Temporal frontend, as shown in the page's header (the client's own target when unset).</summary>
    public string? TemporalAddress { get; set; }

    /// <summary>
    /// Where an episode file at a commit is shown, for the links on commit errors (<c>path:line:column</c>), e.g.
    /// the file on GitHub at that commit. Null, or a function answering null, leaves the location as plain text.
    /// Arguments: commit sha, path in the repository, line.
    /// </summary>
    public Func<string, string, int, string?>? FileLink { get; set; }

    /// <summary>
    /// Reads a file of the repository at a commit (null when it does not exist), so the page can show it itself at
    /// <c>file?sha=…&amp;path=…&amp;line=…</c> (a local checkout has no web view of its own). Used when
    /// <see cref="FileLink"/> is unset.
    /// </summary>
    public Func<string, string, CancellationToken, Task<string?>>? ReadFileAsync { get; set; }

    /// <summary>Links in the header to the other pages (label, address), e.g. the channel and the Temporal UI.</summary>
    public IList<(string Label, string Href)> Links { get; } = [];

    /// <summary>Seconds between automatic reloads (skipped while the operator types or reads a refusal); 0 turns it off.</summary>
    public int RefreshSeconds { get; set; } = 10;

    /// <summary>
    /// Refuse POSTs whose Host header is not a loopback name or address (DNS rebinding). Turn off only behind a
    /// proxy that authenticates and sets its own host name.
    /// </summary>
    public bool RequireLoopbackHost { get; set; } = true;
}

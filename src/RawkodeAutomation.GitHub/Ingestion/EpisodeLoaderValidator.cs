using RawkodeAutomation.Episodes.Loading;

namespace RawkodeAutomation.GitHub.Ingestion;

/// <summary><see cref="IEpisodeValidator"/> backed by the domain loader: every error, formatted <c>path:line:column: message</c>.</summary>
public sealed class EpisodeLoaderValidator(EpisodeLoaderOptions? options = null) : IEpisodeValidator
{
    /// <inheritdoc />
    public IReadOnlyList<string> Validate(IReadOnlyDictionary<string, byte[]> files) =>
        EpisodeLoader.Load(files, options).Errors.Select(d => d.ToString()).ToList();
}

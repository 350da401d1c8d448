namespace RawkodeAutomation.Thumbnails.Tests;

/// <summary>
/// One renderer for the test class: the real templates and fonts of this repository, and the test avatars in
/// <c>Assets/avatars</c> (ada, grace, linus, margaret and rawkode are pictures; broken.png is a corrupt file).
/// </summary>
public sealed class RendererFixture : IDisposable
{
    public RendererFixture()
    {
        RepositoryRoot = ThumbnailAssets.FindRepositoryRoot(AppContext.BaseDirectory)
            ?? throw new InvalidOperationException("cannot find the repository root (thumbnails/fonts/fonts.yaml) above " + AppContext.BaseDirectory);
        AvatarsDirectory = Path.Combine(RepositoryRoot, "tests", "RawkodeAutomation.Thumbnails.Tests", "Assets", "avatars");
        Assets = new ThumbnailAssets(Path.Combine(RepositoryRoot, "thumbnails"), AvatarsDirectory);
        Renderer = new ThumbnailRenderer(Assets);
    }

    public string RepositoryRoot { get; }

    public string AvatarsDirectory { get; }

    public ThumbnailAssets Assets { get; }

    public ThumbnailRenderer Renderer { get; }

    public static readonly ThumbnailPerson Host = new("rawkode", "David Flanagan");

    public static readonly DateTimeOffset When = new(2026, 12, 3, 17, 0, 0, TimeSpan.Zero);

    public static ThumbnailRequest Request(string template, string title, params ThumbnailPerson[] guests) =>
        new(template, template switch
        {
            "klustered" => "Klustered",
            "rawkode-live" => "Rawkode Live",
            _ => "Cloud Native Clinic",
        }, title, When, "LIVE", Host, guests);

    public void Dispose() => Renderer.Dispose();
}

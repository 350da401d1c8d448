namespace RawkodeAutomation.Thumbnails.Tests;

/// <summary>
/// Each case renders a thumbnail and compares it with <c>Expected/&lt;case&gt;.png</c> (see <see cref="GoldenImage"/>).
/// </summary>
public sealed class GoldenThumbnailTests(RendererFixture fixture) : IClassFixture<RendererFixture>
{
    private static readonly ThumbnailPerson Ada = new ThumbnailPerson("ada", "Ada Lovelace");
    private static readonly ThumbnailPerson Grace = new ThumbnailPerson("grace", "Grace Hopper");
    private static readonly ThumbnailPerson Linus = new ThumbnailPerson("linus", "Linus Torvalds");
    private static readonly ThumbnailPerson Margaret = new ThumbnailPerson("margaret", "Margaret Hamilton");

    /// <summary>Exactly 100 characters, YouTube's limit.</summary>
    public const string HundredCharacterTitle =
        "Debugging a Kubernetes control plane that refuses to schedule anything after an etcd restore at 3am";

    public static TheoryData<string, ThumbnailRequest> Cases() => new()
    {
        { "default-no-guests-shows-host", RendererFixture.Request("default", "Live coding a Temporal worker in C#") },
        { "default-one-guest", RendererFixture.Request("default", "Building GitOps pipelines with Flux", Ada) },
        { "klustered-two-guests", RendererFixture.Request("klustered", "Klustered #7: Guy Templeton", Ada, Grace) },
        { "rawkode-live-three-guests", RendererFixture.Request("rawkode-live", "eBPF for humans: tracing without tears", Ada, Grace, Linus) },
        { "klustered-four-guests", RendererFixture.Request("klustered", "Klustered Teams: Red vs Blue", Ada, Grace, Linus, Margaret) },
        { "klustered-six-guests-overflow", RendererFixture.Request("klustered", "Klustered: the great escape", Ada, Grace, Linus, Margaret, new ThumbnailPerson("sam", "Sam Example"), new ThumbnailPerson("kim", "Kim Example")) },
        { "rawkode-live-100-character-title", RendererFixture.Request("rawkode-live", HundredCharacterTitle, Ada) },
        {
            "default-cyrillic-and-greek-names",
            RendererFixture.Request("default", "Ξένια и Дмитрий: распределённые системы", new ThumbnailPerson("dmitry", "Дмитрий Иванов"), new ThumbnailPerson("xenia", "Ξένια Παπαδοπούλου"))
        },
        { "rawkode-live-cjk-name", RendererFixture.Request("rawkode-live", "クラウドネイティブ入門: Kubernetes 101", new ThumbnailPerson("yamada", "山田太郎"), new ThumbnailPerson("li", "李小龙")) },
        { "klustered-arabic-name", RendererFixture.Request("klustered", "مرحبا Kubernetes: breaking CoreDNS", new ThumbnailPerson("omar", "عمر الفاروق"), Grace) },
        {
            "default-hebrew-korean-hindi-names",
            RendererFixture.Request("default", "Names from everywhere", new ThumbnailPerson("david", "דוד כהן"), new ThumbnailPerson("minjun", "김민준"), new ThumbnailPerson("priya", "प्रिया शर्मा"))
        },
        { "default-emoji-in-title", RendererFixture.Request("default", "Shipping on Fridays 🚀🔥 what could go wrong? 👩🏽‍💻", Ada) },
        { "default-missing-avatar", RendererFixture.Request("default", "Guests without a photo get a monogram", new ThumbnailPerson("no-photo", "Priya Sharma")) },
        { "rawkode-live-corrupt-avatar", RendererFixture.Request("rawkode-live", "A corrupt avatar falls back to a monogram", new ThumbnailPerson("broken", "Bruno Broken")) },
    };

    /// <summary>Thumbnails as a creator publishes them, pinned at full size and at YouTube's list size (168x94).</summary>
    public static TheoryData<string, ThumbnailRequest> CreatorCases() => new()
    {
        {
            // Aired: no LIVE badge. The title breaks at the colon, not before "and".
            "klustered-aired-two-guests",
            RendererFixture.Request("klustered", "Klustered #1: Ada and Chen", Ada, Grace) with { Badge = null, ScheduledFor = new DateTimeOffset(2021, 3, 4, 17, 0, 0, TimeSpan.Zero) }
        },
        {
            // A longer name wraps at its neighbour's size rather than being set smaller.
            "rawkode-live-long-name",
            RendererFixture.Request("rawkode-live", "Rust in the Linux kernel", Linus, new ThumbnailPerson("guinevere", "Guinevere Saenger"))
        },
    };

    /// <summary>YouTube's list and search results show thumbnails at this size.</summary>
    public const int ListWidth = 168, ListHeight = 94;

    [Theory]
    [MemberData(nameof(CreatorCases))]
    public void Render_CreatorCase_MatchesGoldenAtFullAndListSize(string name, ThumbnailRequest request)
    {
        RenderedThumbnail thumbnail = fixture.Renderer.Render(request);

        // Both comparisons run (and write their received image) before either fails.
        Exception? full = Record.Exception(() => GoldenImage.AssertMatches(thumbnail.Bytes, name));
        GoldenImage.AssertMatches(GoldenImage.Downscale(thumbnail.Bytes, ListWidth, ListHeight), name + "-168x94");
        if (full is not null)
        {
            throw full;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Render_Case_MatchesGoldenImage(string name, ThumbnailRequest request)
    {
        RenderedThumbnail thumbnail = fixture.Renderer.Render(request);

        Assert.Equal(1280, thumbnail.Width);
        Assert.Equal(720, thumbnail.Height);
        Assert.InRange(thumbnail.Bytes.Length, 1, ThumbnailRenderer.MaxBytes);
        GoldenImage.AssertMatches(thumbnail.Bytes, name);
    }
}

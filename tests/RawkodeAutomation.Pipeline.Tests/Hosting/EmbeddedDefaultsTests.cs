using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RawkodeAutomation.Hosting;
using RawkodeAutomation.Worker.Hosting;

namespace RawkodeAutomation.Pipeline.Tests.Hosting;

/// <summary>
/// The composition root <c>rawkode up</c>, the bench and the end-to-end tests share: which area runs where, decided from
/// configuration; the defaults it starts; and the pipeline options validated on start.
/// </summary>
public sealed class EmbeddedDefaultsTests
{
    /// <summary>Every area pointed at a service (addresses nothing answers on: nothing here connects).</summary>
    private static readonly Dictionary<string, string?> EveryAreaConfigured = new()
    {
        ["Temporal:Address"] = "127.0.0.1:1",
        ["YouTube:ClientId"] = "id",
        ["YouTube:ClientSecret"] = "secret",
        ["YouTube:RefreshToken"] = "token",
        ["Kubernetes:ManagementKubeconfigContent"] = "apiVersion: v1\nkind: Config\n",
        ["GitHub:Repository"] = "rawkode/channel",
    };

    [Fact]
    public void From_NothingConfigured_EveryAreaOnItsEmbeddedDefault()
    {
        var plan = EmbeddedPlan.From(Configuration([]), NoProfileFile());

        Assert.True(plan.TemporalEmbedded);
        Assert.True(plan.YouTubeEmbedded);
        Assert.True(plan.KubernetesEmbedded);
        Assert.True(plan.GitHubLocal);
    }

    [Fact]
    public void From_EveryAreaConfigured_NoEmbeddedDefault()
    {
        var plan = EmbeddedPlan.From(Configuration(EveryAreaConfigured), NoProfileFile());

        Assert.False(plan.TemporalEmbedded);
        Assert.False(plan.YouTubeEmbedded);
        Assert.False(plan.KubernetesEmbedded);
        Assert.False(plan.GitHubLocal);
    }

    [Theory]
    [InlineData("Temporal:Address", "temporal.example:7233", "Temporal")]
    [InlineData("TEMPORAL_ADDRESS", "temporal.example:7233", "Temporal")]
    [InlineData("YouTube:RefreshToken", "token", "YouTube")]
    [InlineData("YouTube:ClientId", "id", "YouTube")]
    [InlineData("Kubernetes:ManagementKubeconfig", "/etc/management.kubeconfig", "Kubernetes")]
    [InlineData("Kubernetes:ManagementKubeconfigContent", "apiVersion: v1", "Kubernetes")]
    [InlineData("GitHub:Repository", "rawkode/channel", "GitHub")]
    public void From_OneAreaConfigured_OnlyThatAreaLeavesItsDefault(string key, string value, string area)
    {
        var plan = EmbeddedPlan.From(Configuration(new() { [key] = value }), NoProfileFile());

        Assert.Equal(area != "Temporal", plan.TemporalEmbedded);
        Assert.Equal(area != "YouTube", plan.YouTubeEmbedded);
        Assert.Equal(area != "Kubernetes", plan.KubernetesEmbedded);
        Assert.Equal(area != "GitHub", plan.GitHubLocal);
    }

    [Fact]
    public void From_SomeYouTubeCredentials_TheChannelWithTheMissingKeysNamed()
    {
        // Half a channel is a mistake to report, not a reason to fall back to the sandbox.
        var plan = EmbeddedPlan.From(Configuration(new() { ["YouTube:RefreshToken"] = "token" }), NoProfileFile());

        Assert.False(plan.YouTubeEmbedded);
        Assert.Contains(plan.YouTube.Problems(), p => p.Contains("YouTube:ClientId", StringComparison.Ordinal));
    }

    [Fact]
    public void From_TemporalProfileWithAnAddress_TemporalIsConfigured()
    {
        var profile = new Temporalio.Common.EnvConfig.ClientEnvConfig.ProfileLoadOptions
        {
            ConfigSource = Temporalio.Common.EnvConfig.DataSource.FromUTF8String("[profile.default]\naddress = \"profile.example:7233\"\n"),
        };

        var plan = EmbeddedPlan.From(Configuration([]), profile);

        Assert.False(plan.TemporalEmbedded);
        Assert.Equal("profile.example:7233", plan.Temporal.TargetHost);
    }

    [Fact]
    public async Task AddRawkodeEmbeddedDefaultsAsync_NothingConfigured_StartsEachDefaultAndPointsConfigurationAtIt()
    {
        var root = Directory.CreateTempSubdirectory("rawkode-embedded-").FullName;
        try
        {
            var builder = Builder(new() { ["Up:TemporalPort"] = "0", ["Up:ChannelPort"] = "0", ["GitHub:Branch"] = "main" });
            var lines = new List<string>();

            await using var embedded = await builder.AddRawkodeEmbeddedDefaultsAsync(new EmbeddedDefaultsOptions
            {
                RepositoryRoot = root,
                Report = line => { lines.Add(line); return Task.CompletedTask; },
                TemporalProfile = NoProfileFile(),
            });

            Assert.NotNull(embedded.Temporal);
            Assert.NotNull(embedded.YouTube);
            Assert.NotNull(embedded.Kubernetes);
            Assert.Equal(embedded.Temporal.Address, builder.Configuration["Temporal:Address"]);
            Assert.Equal(embedded.Temporal.Address, embedded.TemporalAddress);
            Assert.Equal(embedded.YouTube.ApiBaseUri.AbsoluteUri, builder.Configuration["YouTube:ApiBaseUri"]);
            Assert.Equal(embedded.Kubernetes.ManagementKubeconfig, builder.Configuration["Kubernetes:ManagementKubeconfigContent"]);
            Assert.Equal(root, builder.Configuration["GitHub:LocalRepositoryPath"]);
            // No state folder: nothing is written anywhere, and no path defaults are set.
            Assert.Null(builder.Configuration["GitHub:DeliveryStorePath"]);
            Assert.Collection(lines,
                l => Assert.StartsWith($"Temporal: offline server listening at {embedded.Temporal.Address} (state in memory)", l, StringComparison.Ordinal),
                l => Assert.StartsWith($"YouTube: sandbox listening at {embedded.YouTube.BaseUri}", l, StringComparison.Ordinal),
                l => Assert.StartsWith("Kubernetes: sandbox management cluster", l, StringComparison.Ordinal),
                l => Assert.Equal($"Commits: local git watcher on {root} branch main", l));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public Task AddRawkodeEmbeddedDefaultsAsync_StateFolderHeldByAnotherUp_SaysWhoHoldsIt_FreeOnceItStopped() =>
        InStateFolderAsync(async state =>
        {
            EmbeddedDefaultsOptions Options() => new() { RepositoryRoot = Path.GetTempPath(), StateDirectory = state, TemporalProfile = NoProfileFile() };
            await using (var first = await Builder(EveryAreaConfigured).AddRawkodeEmbeddedDefaultsAsync(Options()))
            {
                var e = await Assert.ThrowsAsync<StartupException>(() => Builder(EveryAreaConfigured).AddRawkodeEmbeddedDefaultsAsync(Options()));

                Assert.Contains($"another rawkode up runs on this state folder ({state}; process {Environment.ProcessId}, started ", e.Message, StringComparison.Ordinal);
            }

            await using var next = await Builder(EveryAreaConfigured).AddRawkodeEmbeddedDefaultsAsync(Options());
            Assert.NotNull(next);
        });

    [Fact]
    public Task AddRawkodeEmbeddedDefaultsAsync_SandboxChannelServedByAnotherProcess_SaysWhereAndStartsNoSecondCopy() =>
        InStateFolderAsync(async state =>
        {
            // What a running `rawkode up` (or `adopt`) holds: the sandbox on this checkout's state file.
            await using var running = await YouTube.Sandbox.YouTubeSandbox.StartAsync(new() { StatePath = Path.Combine(state, "youtube.json") });
            var builder = Builder(new() { ["Temporal:Address"] = "127.0.0.1:1", ["Up:ChannelPort"] = "0", ["GitHub:Branch"] = "main" });

            var e = await Assert.ThrowsAsync<StartupException>(() => builder.AddRawkodeEmbeddedDefaultsAsync(new EmbeddedDefaultsOptions
            {
                RepositoryRoot = state,
                StateDirectory = state,
                TemporalProfile = NoProfileFile(),
            }));

            Assert.Contains(".rawkode/youtube.json is served by another process", e.Message, StringComparison.Ordinal);
            Assert.Contains($"its channel page: {running.BaseUri}", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("Move it aside", e.Message, StringComparison.Ordinal);
        });

    /// <summary>Runs <paramref name="body"/> with a fresh state folder, deleted afterwards.</summary>
    private static async Task InStateFolderAsync(Func<string, Task> body)
    {
        var state = Directory.CreateTempSubdirectory("rawkode-embedded-state-").FullName;
        try
        {
            await body(state);
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public async Task AddRawkodeEmbeddedDefaultsAsync_EveryAreaConfigured_StartsNothing()
    {
        var builder = Builder(EveryAreaConfigured);

        await using var embedded = await builder.AddRawkodeEmbeddedDefaultsAsync(new EmbeddedDefaultsOptions { RepositoryRoot = Path.GetTempPath(), TemporalProfile = NoProfileFile() });

        Assert.Null(embedded.Temporal);
        Assert.Null(embedded.YouTube);
        Assert.Null(embedded.Kubernetes);
        Assert.Equal("127.0.0.1:1", embedded.TemporalAddress);
        Assert.Empty(embedded.Settings);
    }

    [Theory]
    [InlineData("Pipeline:SweepBatchSize", "0")]
    [InlineData("Pipeline:CleanupInterval", "-00:01:00")]
    [InlineData("Pipeline:SweepReserve", "20000")]
    [InlineData("Pipeline:FixPollInterval", "00:00:00")]
    [InlineData("Pipeline:RunUrlTemplate", "runs/{sha}")]
    public async Task AddRawkodeEmbeddedDefaultsAsync_BadPipelineSetting_HostStartFailsNamingTheKey(string key, string value)
    {
        var builder = Builder(new(EveryAreaConfigured) { [key] = value });
        await using var embedded = await builder.AddRawkodeEmbeddedDefaultsAsync(new EmbeddedDefaultsOptions { RepositoryRoot = Path.GetTempPath(), TemporalProfile = NoProfileFile() });
        using var host = builder.Build();

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddRawkodeEmbeddedDefaultsAsync_BadPort_SaysWhichKeyAndWhatItMustBe()
    {
        var builder = Builder(new() { ["Up:TemporalPort"] = "seventy" });

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            builder.AddRawkodeEmbeddedDefaultsAsync(new EmbeddedDefaultsOptions { RepositoryRoot = Path.GetTempPath(), TemporalProfile = NoProfileFile() }));

        Assert.Contains("Up:TemporalPort is 'seventy'; it must be a port number from 0 to 65535", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_NoTemporalAddress_NamesTheKey()
    {
        var problems = new PipelineOptions().Problems();

        Assert.Contains(problems, p => p.StartsWith("Temporal:Address", StringComparison.Ordinal));
    }

    [Fact]
    public void AddRawkodePipelineWorker_InvalidOptions_ThrowsNamingTheKey()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        var options = new PipelineOptions { Address = "127.0.0.1:1", SweepBatchSize = 0 };

        var e = Assert.Throws<OptionsValidationException>(() => services.AddRawkodePipelineWorker(options));

        Assert.Contains("Pipeline:SweepBatchSize must be at least 1, got 0", e.Message, StringComparison.Ordinal);
    }

    private static Temporalio.Common.EnvConfig.ClientEnvConfig.ProfileLoadOptions NoProfileFile() => new() { DisableFile = true };

    private static IConfiguration Configuration(Dictionary<string, string?> settings) => new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    private static HostApplicationBuilder Builder(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        return builder;
    }
}

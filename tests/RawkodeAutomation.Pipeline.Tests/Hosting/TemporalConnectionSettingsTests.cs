using Microsoft.Extensions.Configuration;
using RawkodeAutomation.Worker.Hosting;
using Temporalio.Common.EnvConfig;

namespace RawkodeAutomation.Pipeline.Tests.Hosting;

/// <summary>
/// The Temporal connection read the SDK's way: the <c>Temporal:*</c> keys over the <c>TEMPORAL_*</c> variables over the
/// profile file, and no address anywhere meaning the embedded offline server.
/// </summary>
public sealed class TemporalConnectionSettingsTests
{
    private const string ProfileFile = """
        [profile.default]
        address = "file.example:7233"
        namespace = "file-namespace"

        [profile.staging]
        address = "staging.example:7233"
        namespace = "staging-namespace"
        """;

    [Fact]
    public void Load_NothingConfigured_NoAddressAndTheDefaultNamespace()
    {
        var connection = TemporalConnectionSettings.Load(Configuration(), new ClientEnvConfig.ProfileLoadOptions { DisableFile = true });

        Assert.Null(connection.TargetHost);
        Assert.Equal("default", connection.Namespace);
        Assert.Null(connection.ApiKey);
        Assert.Null(connection.Tls);
    }

    [Fact]
    public void Load_ProfileFileOnly_TheProfileIsTheConnection()
    {
        var connection = TemporalConnectionSettings.Load(Configuration(), FromFile());

        Assert.Equal("file.example:7233", connection.TargetHost);
        Assert.Equal("file-namespace", connection.Namespace);
    }

    [Fact]
    public void Load_ConfigFileVariable_ReadsThatFileAndNoFileIsNoProfile()
    {
        var file = Path.Combine(Path.GetTempPath(), $"rawkode-temporal-{Guid.NewGuid():N}.toml");
        File.WriteAllText(file, ProfileFile);
        try
        {
            var connection = TemporalConnectionSettings.Load(Configuration(("TEMPORAL_CONFIG_FILE", file)));
            var none = TemporalConnectionSettings.Load(Configuration(("TEMPORAL_CONFIG_FILE", file + ".missing")));

            Assert.Equal("file.example:7233", connection.TargetHost);
            Assert.Null(none.TargetHost);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Load_TemporalProfileVariable_PicksThatProfile()
    {
        var connection = TemporalConnectionSettings.Load(Configuration(("TEMPORAL_PROFILE", "staging")), FromFile());

        Assert.Equal("staging.example:7233", connection.TargetHost);
        Assert.Equal("staging-namespace", connection.Namespace);
    }

    [Fact]
    public void Load_SdkVariablesInConfiguration_WinOverTheProfileFile()
    {
        var connection = TemporalConnectionSettings.Load(
            Configuration(("TEMPORAL_ADDRESS", "variable.example:7233"), ("TEMPORAL_NAMESPACE", "variable-namespace")), FromFile());

        Assert.Equal("variable.example:7233", connection.TargetHost);
        Assert.Equal("variable-namespace", connection.Namespace);
    }

    [Fact]
    public void Load_TemporalKeys_WinOverVariablesAndProfileKeyByKey()
    {
        var connection = TemporalConnectionSettings.Load(
            Configuration(("Temporal:Address", "key.example:7233"), ("TEMPORAL_ADDRESS", "variable.example:7233")), FromFile());

        Assert.Equal("key.example:7233", connection.TargetHost);
        // Not set by a key or a variable: the profile's.
        Assert.Equal("file-namespace", connection.Namespace);
    }

    [Fact]
    public void Load_ApiKey_TurnsTlsOn()
    {
        var connection = TemporalConnectionSettings.Load(
            Configuration(("Temporal:Address", "cloud.example:7233"), ("TEMPORAL_API_KEY", "a-key")), new ClientEnvConfig.ProfileLoadOptions { DisableFile = true });

        Assert.Equal("a-key", connection.ApiKey);
        Assert.NotNull(connection.Tls);
    }

    [Fact]
    public void Load_MalformedProfileFile_SaysWhatToFix()
    {
        var profile = new ClientEnvConfig.ProfileLoadOptions { ConfigSource = DataSource.FromUTF8String("[profile.default\naddress = "), ConfigFileStrict = true };

        var e = Assert.Throws<InvalidOperationException>(() => TemporalConnectionSettings.Load(Configuration(), profile));

        Assert.Contains("cannot read the Temporal client configuration", e.Message, StringComparison.Ordinal);
        Assert.Contains("TEMPORAL_CONFIG_FILE", e.Message, StringComparison.Ordinal);
        Assert.Contains("Temporal:Address", e.Message, StringComparison.Ordinal);
    }

    private static ClientEnvConfig.ProfileLoadOptions FromFile() => new() { ConfigSource = DataSource.FromUTF8String(ProfileFile) };

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();
}

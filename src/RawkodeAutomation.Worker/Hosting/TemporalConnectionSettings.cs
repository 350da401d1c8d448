using Microsoft.Extensions.Configuration;
using Temporalio.Client;
using Temporalio.Common.EnvConfig;

namespace RawkodeAutomation.Worker.Hosting;

/// <summary>
/// Where the pipeline finds Temporal, read the SDK's way (environment configuration,
/// https://docs.temporal.io/develop/environment-configuration) with this project's keys on top. Each setting is taken
/// from the first of: the <c>Temporal</c> configuration keys (<c>Temporal:Address</c>, <c>Temporal:Namespace</c>,
/// <c>Temporal:ApiKey</c>, from appsettings.json or <c>Temporal__Address</c>...); the SDK's variables
/// (<c>TEMPORAL_ADDRESS</c>, <c>TEMPORAL_NAMESPACE</c>, <c>TEMPORAL_API_KEY</c>, <c>TEMPORAL_TLS_*</c>,
/// <c>TEMPORAL_GRPC_META_*</c>); the profile (<c>TEMPORAL_PROFILE</c>, else <c>default</c>) of the SDK's TOML file
/// (<c>TEMPORAL_CONFIG_FILE</c>, else <c>temporalio/temporal.toml</c> in the user's configuration folder). No address
/// anywhere means the embedded offline server.
/// </summary>
public static class TemporalConnectionSettings
{
    /// <summary>The configuration key of the frontend's <c>host:port</c>.</summary>
    public const string AddressKey = "Temporal:Address";

    /// <summary>The configuration key of the namespace.</summary>
    public const string NamespaceKey = "Temporal:Namespace";

    /// <summary>The configuration key of the Temporal Cloud API key.</summary>
    public const string ApiKeyKey = "Temporal:ApiKey";

    /// <summary>The namespace when none is configured.</summary>
    public const string DefaultNamespace = "default";

    /// <summary>
    /// The client connection <paramref name="configuration"/> describes; <see cref="TemporalConnectionOptions.TargetHost"/>
    /// is null when no address is configured. The SDK's variables are taken from <paramref name="configuration"/> (a
    /// host that reads the environment into its configuration sees them; a host on in-memory configuration sees none)
    /// unless <paramref name="profile"/> names its own <see cref="ClientEnvConfig.ProfileLoadOptions.OverrideEnvVars"/>.
    /// </summary>
    /// <param name="profile">How the SDK loads its profile; null loads the default profile from the default file.</param>
    /// <exception cref="InvalidOperationException">The SDK's file or variables cannot be read; the message says which.</exception>
    public static TemporalClientConnectOptions Load(IConfiguration configuration, ClientEnvConfig.ProfileLoadOptions? profile = null)
    {
        var load = (ClientEnvConfig.ProfileLoadOptions?)profile?.Clone() ?? new ClientEnvConfig.ProfileLoadOptions();
        var variables = SdkVariables(configuration);
        load.OverrideEnvVars ??= variables;
        TemporalClientConnectOptions options;
        try
        {
            options = ClientEnvConfig.LoadClientConnectOptions(load);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            var file = load.ConfigSource?.Path ?? load.OverrideEnvVars.GetValueOrDefault("TEMPORAL_CONFIG_FILE") ?? "temporalio/temporal.toml in the user's configuration folder";
            var name = load.Profile ?? load.OverrideEnvVars.GetValueOrDefault("TEMPORAL_PROFILE") ?? DefaultNamespace;
            throw new InvalidOperationException(
                $"cannot read the Temporal client configuration (profile '{name}' of {file}, TEMPORAL_* variables): {e.Message}. "
                + $"Fix or remove the file (TEMPORAL_CONFIG_FILE), or set {AddressKey} to use another Temporal Service.", e);
        }

        if (configuration[AddressKey] is { Length: > 0 } address)
        {
            options.TargetHost = address;
        }
        if (configuration[NamespaceKey] is { Length: > 0 } @namespace)
        {
            options.Namespace = @namespace;
        }
        if (configuration[ApiKeyKey] is { Length: > 0 } apiKey)
        {
            options.ApiKey = apiKey;
        }
        if (string.IsNullOrWhiteSpace(options.TargetHost))
        {
            options.TargetHost = null;
        }
        if (string.IsNullOrWhiteSpace(options.Namespace))
        {
            options.Namespace = DefaultNamespace;
        }
        // An API key means Temporal Cloud, which only speaks TLS (as before profiles were read: Temporal:ApiKey turns TLS on).
        if (!string.IsNullOrEmpty(options.ApiKey) && options.Tls is null && !TlsDisabled(load.OverrideEnvVars))
        {
            options.Tls = new TlsOptions();
        }
        return options;
    }

    /// <summary>The <c>TEMPORAL_*</c> entries of <paramref name="configuration"/>, named as the SDK reads them.</summary>
    private static Dictionary<string, string> SdkVariables(IConfiguration configuration)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in configuration.AsEnumerable())
        {
            if (value is not null && !key.Contains(':', StringComparison.Ordinal) && key.StartsWith("TEMPORAL_", StringComparison.OrdinalIgnoreCase))
            {
                variables[key.ToUpperInvariant()] = value;
            }
        }
        return variables;
    }

    private static bool TlsDisabled(IReadOnlyDictionary<string, string> variables) =>
        variables.TryGetValue("TEMPORAL_TLS", out var tls) && bool.TryParse(tls, out var on) && !on;
}

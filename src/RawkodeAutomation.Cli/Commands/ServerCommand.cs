using System.CommandLine;
using Microsoft.Extensions.Logging;
using RawkodeAutomation.OperatorUi;
using RawkodeAutomation.TemporalServer;

namespace RawkodeAutomation.Cli.Commands;

/// <summary>
/// <c>rawkode server start-dev</c>: the offline Temporal server, accepting the flags that
/// <c>temporal server start-dev</c> accepts (https://docs.temporal.io/cli/server#start-dev), so the SDK's
/// <c>WorkflowEnvironment.StartLocalAsync</c> can run this executable as <c>DevServerOptions.ExistingPath</c>.
/// </summary>
internal static class ServerCommand
{
    public static Command Create()
    {
        Command server = new("server", "Run the offline Temporal-compatible server.");
        server.Subcommands.Add(CreateStartDev());
        return server;
    }

    private static Command CreateStartDev()
    {
        Option<int> port = new("--port", "-p") { Description = "Port for the frontend gRPC service.", DefaultValueFactory = _ => 7233 };
        Option<int?> uiPort = new("--ui-port") { Description = "Port for the operator page (default: the frontend port + 1000, as temporal does)." };
        Option<string[]> namespaces = new("--namespace", "-n") { Description = "Namespaces to create besides 'default' (repeatable)." };
        Option<string> ip = new("--ip") { Description = "IPv4 address to bind the frontend service to.", DefaultValueFactory = _ => "127.0.0.1" };
        Option<string?> dbFilename = new("--db-filename", "-f") { Description = "SQLite file that keeps all state across restarts (in memory when omitted)." };
        Option<bool> headless = new("--headless") { Description = "Do not serve the operator page." };
        Option<string> logFormat = new("--log-format") { Description = "Log format: json or pretty.", DefaultValueFactory = _ => "pretty" };
        Option<string> logLevel = new("--log-level") { Description = "Log level: debug, info, warn, error or never.", DefaultValueFactory = _ => "warn" };
        Option<string[]> dynamicConfig = new("--dynamic-config-value") { Description = "Dynamic config value KEY=JSON_VALUE (repeatable; accepted, defaults apply)." };
        Option<string[]> searchAttributes = new("--search-attribute") { Description = "Custom search attribute NAME=TYPE (repeatable)." };
        Command command = new("start-dev", "Start the offline Temporal server (a stand-in for `temporal server start-dev`).")
        {
            port, uiPort, namespaces, ip, dbFilename, headless, logFormat, logLevel, dynamicConfig, searchAttributes,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var options = new OfflineTemporalServerOptions
            {
                Ip = parseResult.GetValue(ip)!,
                Port = parseResult.GetValue(port),
                DatabaseFilename = parseResult.GetValue(dbFilename),
            };
            if (options.Port is < 0 or > 65535)
            {
                error.WriteLine($"--port: {options.Port} is not a valid port (0-65535).");
                return 2;
            }
            if (!System.Net.IPAddress.TryParse(options.Ip, out _))
            {
                error.WriteLine($"--ip: '{options.Ip}' is not an IP address.");
                return 2;
            }
            // Listen before anything else: the SDK gives a dev server 5 s to open its port, and everything below
            // (the engine, Kestrel, the JIT of both) takes longer than that on a loaded machine.
            try
            {
                options.ListenSocket = OfflineTemporalServer.Listen(options.Ip, options.Port);
            }
            catch (IOException ex)
            {
                error.WriteLine($"server start-dev: cannot listen on {options.Ip}:{options.Port}: {ex.Message}");
                return 1;
            }
            var format = parseResult.GetValue(logFormat);
            if (format is not ("json" or "pretty"))
            {
                error.WriteLine($"--log-format: '{format}' is not one of json, pretty.");
                return 2;
            }
            var level = parseResult.GetValue(logLevel);
            LogLevel? parsedLevel = level switch
            {
                "debug" => LogLevel.Debug,
                "info" => LogLevel.Information,
                "warn" => LogLevel.Warning,
                "error" => LogLevel.Error,
                "fatal" or "never" => LogLevel.None,
                _ => null,
            };
            if (parsedLevel is null)
            {
                error.WriteLine($"--log-level: '{level}' is not one of debug, info, warn, error, never.");
                return 2;
            }
            options.LogLevel = parsedLevel.Value;
            foreach (var value in parseResult.GetValue(dynamicConfig) ?? [])
            {
                if (!value.Contains('=', StringComparison.Ordinal) || value.StartsWith('='))
                {
                    error.WriteLine($"--dynamic-config-value: '{value}' is not KEY=VALUE.");
                    return 2;
                }
                var (key, raw) = (value[..value.IndexOf('=', StringComparison.Ordinal)], value[(value.IndexOf('=', StringComparison.Ordinal) + 1)..]);
                // The dynamic config this server honours, each a positive number; the others the SDK passes are
                // defaults here.
                Action<int>? apply = key switch
                {
                    "limit.historyCount.suggestContinueAsNew" => events => options.SuggestContinueAsNewAfterEvents = events,
                    "limit.blobSize.error" => bytes => options.BlobSizeLimitError = bytes,
                    "limit.memoSize.error" => bytes => options.MemoSizeLimitError = bytes,
                    _ => null,
                };
                if (apply is not null)
                {
                    if (!int.TryParse(raw, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) || number < 1)
                    {
                        error.WriteLine($"--dynamic-config-value: {key} must be a positive number, not '{raw}'.");
                        return 2;
                    }
                    apply(number);
                }
            }
            foreach (var ns in parseResult.GetValue(namespaces) ?? [])
            {
                options.Namespaces.Add(ns);
            }
            foreach (var attribute in parseResult.GetValue(searchAttributes) ?? [])
            {
                var separator = attribute.IndexOf('=', StringComparison.Ordinal);
                if (separator <= 0)
                {
                    error.WriteLine($"--search-attribute: '{attribute}' is not NAME=TYPE.");
                    return 2;
                }
                var type = attribute[(separator + 1)..];
                if (type.ToLowerInvariant() is not ("keyword" or "text" or "int" or "double" or "bool" or "datetime" or "keywordlist"))
                {
                    error.WriteLine($"--search-attribute: '{attribute}' has type '{type}', not one of Keyword, Text, Int, Double, Bool, Datetime, KeywordList.");
                    return 2;
                }
                options.SearchAttributes.Add(attribute);
            }

            using var shutdown = new ShutdownSignal(cancellationToken);
            OfflineTemporalServer instance;
            try
            {
                instance = await OfflineTemporalServer.StartNewAsync(options, cancellationToken);
            }
            catch (TemporalDatabaseInUseException ex)
            {
                error.WriteLine($"server start-dev: {ex.Message}");
                return 1;
            }
            catch (IOException ex)
            {
                error.WriteLine($"server start-dev: cannot listen on {options.Ip}:{options.Port}: {ex.Message}");
                return 1;
            }
            catch (Microsoft.Data.Sqlite.SqliteException ex)
            {
                error.WriteLine($"server start-dev: cannot open database '{options.DatabaseFilename}': {ex.Message}");
                return 1;
            }
            await using (instance)
            {
                var storage = string.IsNullOrEmpty(options.DatabaseFilename) ? "in memory" : $"SQLite {options.DatabaseFilename}";
                output.WriteLine($"Temporal server (rawkode offline) running at {instance.Address} (namespaces: {string.Join(", ", options.Namespaces.Prepend("default").Distinct())}; state {storage})");
                OperatorUiHost? ui = null;
                if (!parseResult.GetValue(headless))
                {
                    // Like `temporal server start-dev`: the UI listens on the frontend port + 1000 unless told otherwise.
                    var frontendPort = int.Parse(instance.Address[(instance.Address.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
                    var pagePort = parseResult.GetValue(uiPort) ?? (options.Port == 0 ? 0 : frontendPort + 1000);
                    try
                    {
                        ui = await OperatorUiHost.StartAsync(new OperatorUiOptions { TemporalAddress = instance.Address, Host = options.Ip, Port = pagePort }, cancellationToken);
                        output.WriteLine($"Operator page: {ui.Uri}");
                    }
                    catch (IOException ex)
                    {
                        // The frontend is what clients need; a busy UI port is reported, not fatal.
                        error.WriteLine($"server start-dev: operator page not started, cannot listen on {options.Ip}:{pagePort}: {ex.Message}");
                    }
                }
                output.Flush();
                await shutdown.WaitAsync();
                if (ui is not null)
                {
                    await ui.DisposeAsync();
                }
            }
            return 0;
        });
        return command;
    }
}

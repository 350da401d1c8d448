using RawkodeAutomation.Cli;
using RawkodeAutomation.Cli.Commands;

// `rawkode <port> [args]` is how the SDK starts a time-skipping test server (TestServerOptions.ExistingPath).
return await RawkodeCommandLine.InvokeAsync(RawkodeCommandLine.Build().Parse(TestServerCommand.FromTestServerShape(args)));

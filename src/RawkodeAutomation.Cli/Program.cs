using RawkodeAutomation.Cli;
using RawkodeAutomation.Cli.Commands;

// `rawkode <port> [args]` is how the SDK starts a time-skipping test server (TestServerOptions.ExistingPath). The SDK
// gives it 5 s to accept connections, which a busy machine can spend loading the command line alone: bind first.
TestServerCommand.ListenEarly(args);
return await RawkodeCommandLine.InvokeAsync(RawkodeCommandLine.Build().Parse(TestServerCommand.FromTestServerShape(args)));

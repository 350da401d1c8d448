using RawkodeAutomation.Cli;

return await RawkodeCommandLine.Build().Parse(args).InvokeAsync();

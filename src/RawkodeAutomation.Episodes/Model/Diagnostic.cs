namespace RawkodeAutomation.Episodes.Model;

/// <summary>Severity of a validation finding.</summary>
public enum DiagnosticSeverity
{
    Error,
    Warning,
}

/// <summary>One finding about the episodes tree, printed as <c>path:line:column: message</c>.</summary>
public sealed record Diagnostic(SourceLocation Location, string Message, DiagnosticSeverity Severity = DiagnosticSeverity.Error)
{
    public override string ToString() =>
        Severity == DiagnosticSeverity.Error ? $"{Location}: {Message}" : $"{Location}: warning: {Message}";
}

namespace RawkodeAutomation.Episodes.Tests;

/// <summary>Finds the repository root (the directory with RawkodeAutomation.sln) from the test's output directory.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "RawkodeAutomation.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("RawkodeAutomation.sln not found above " + AppContext.BaseDirectory);
    }
}

namespace RawkodeAutomation.Cli.Tests;

/// <summary>The checkout these tests were built from (the directory holding the solution).</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "RawkodeAutomation.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no RawkodeAutomation.sln above {AppContext.BaseDirectory}");
    }
}

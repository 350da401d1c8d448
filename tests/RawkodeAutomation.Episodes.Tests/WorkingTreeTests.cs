using System.Diagnostics;
using System.Text;
using RawkodeAutomation.Episodes.Loading;
using RawkodeAutomation.GitHub.Local;

namespace RawkodeAutomation.Episodes.Tests;

/// <summary>
/// Only regular files inside <c>episodes/</c> are read: links and special files are errors naming them, in the
/// working tree and in git.
/// </summary>
public sealed class WorkingTreeTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("rawkode-tree-");
    private readonly DirectoryInfo _outside = Directory.CreateTempSubdirectory("rawkode-outside-");

    public void Dispose()
    {
        _directory.Delete(recursive: true);
        _outside.Delete(recursive: true);
    }

    [Fact]
    public void LoadDirectory_LinkToASecretFile_IsAnErrorNamingTheLinkWithoutItsContents()
    {
        WriteValidTree();
        var secret = Path.Combine(_outside.FullName, "secrets.env");
        File.WriteAllText(secret, "AWS_SECRET_ACCESS_KEY: hunter2-very-secret\n");
        File.CreateSymbolicLink(Path.Combine(_directory.FullName, "episodes/people/ada.yaml"), secret);

        var result = EpisodeLoader.LoadDirectory(_directory.FullName);

        var error = Assert.Single(result.Errors);
        Assert.Equal("episodes/people/ada.yaml:1:1", error.Location.ToString());
        Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Diagnostics, d => d.Message.Contains("AWS_SECRET", StringComparison.Ordinal) || d.Message.Contains("hunter2", StringComparison.Ordinal));
    }

    [Fact]
    public void LoadDirectory_LinkToAFolderOutside_IsReportedAndNotDescendedInto()
    {
        WriteValidTree();
        File.WriteAllText(Path.Combine(_outside.FullName, "private-key.yaml"), "name: PRIVATE KEY material\n");
        Directory.CreateSymbolicLink(Path.Combine(_directory.FullName, "episodes/people/elsewhere"), _outside.FullName);

        var result = EpisodeLoader.LoadDirectory(_directory.FullName);

        var error = Assert.Single(result.Errors);
        Assert.Equal("episodes/people/elsewhere:1:1", error.Location.ToString());
        Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Diagnostics, d => d.Location.Path.Contains("private-key", StringComparison.Ordinal));
    }

    [Fact]
    public void LoadDirectory_LinkToDevZeroAndToRoot_AreErrorsAndNothingIsRead()
    {
        WriteValidTree();
        File.CreateSymbolicLink(Path.Combine(_directory.FullName, "episodes/people/zero.yaml"), "/dev/zero");
        Directory.CreateSymbolicLink(Path.Combine(_directory.FullName, "episodes/root"), "/");

        var result = EpisodeLoader.LoadDirectory(_directory.FullName);

        Assert.Equal(["episodes/people/zero.yaml:1:1", "episodes/root:1:1"], result.Errors.Select(e => e.Location.ToString()));
    }

    [Fact]
    public void LoadDirectory_EpisodesFolderIsALink_IsAnError()
    {
        Directory.CreateDirectory(Path.Combine(_outside.FullName, "people"));
        File.WriteAllText(Path.Combine(_outside.FullName, "people/ada.yaml"), "name: Ada\n");
        Directory.CreateSymbolicLink(Path.Combine(_directory.FullName, "episodes"), _outside.FullName);

        var result = EpisodeLoader.LoadDirectory(_directory.FullName);

        var error = Assert.Single(result.Errors);
        Assert.Equal("episodes/", error.Location.Path);
        Assert.Empty(result.Repository.People);
    }

    [Fact]
    public void LoadDirectory_NamedPipe_IsNeverOpenedAndIsAnErrorNamingIt()
    {
        WriteValidTree();
        var pipe = Path.Combine(_directory.FullName, "episodes/people/pipe.yaml");
        Run(_directory.FullName, "mkfifo", pipe);

        // Opening a pipe blocks until a writer comes: the load would never return if it opened it.
        var result = EpisodeLoader.LoadDirectory(_directory.FullName);

        Assert.Equal("episodes/people/pipe.yaml:1:1", Assert.Single(result.Errors).Location.ToString());
    }

    [Fact]
    public async Task ReadAsync_SymbolicLinkCommittedToGit_IsAnErrorAndItsTargetIsNotRead()
    {
        WriteValidTree();
        var secret = Path.Combine(_outside.FullName, "secrets.yaml");
        File.WriteAllText(secret, "name: SECRET-IN-TARGET\n");
        File.CreateSymbolicLink(Path.Combine(_directory.FullName, "episodes/people/ada.yaml"), secret);
        Run(_directory.FullName, "git", "init", "-q");
        Run(_directory.FullName, "git", "add", "-A");
        Run(_directory.FullName, "git", "-c", "user.name=test", "-c", "user.email=test@localhost", "-c", "commit.gpgsign=false", "commit", "-q", "-m", "link");

        var files = await new GitRevisionReader(_directory.FullName).ReadAsync("HEAD");
        var result = EpisodeLoader.Load(files);

        var error = Assert.Single(result.Errors);
        Assert.Equal("episodes/people/ada.yaml:1:1", error.Location.ToString());
        Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Diagnostics, d => d.Message.Contains(secret, StringComparison.Ordinal) || d.Message.Contains("SECRET", StringComparison.Ordinal));
    }

    [Fact]
    public void IsUnreadable_OrdinaryContents_AreNeverTakenForAMarker()
    {
        Assert.False(EpisodeFiles.IsUnreadable("name: Ada\n"u8.ToArray(), out _));
        Assert.False(EpisodeFiles.IsUnreadable([], out _));
        Assert.True(EpisodeFiles.IsUnreadable(EpisodeFiles.Unreadable("is odd"), out var reason));
        Assert.Equal("is odd", reason);
    }

    private void WriteValidTree()
    {
        foreach (var (path, bytes) in TestRepository.WithShow().Files)
        {
            var full = Path.Combine(_directory.FullName, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, bytes);
        }
    }

    private static void Run(string directory, string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)}: {stderr}");
    }
}

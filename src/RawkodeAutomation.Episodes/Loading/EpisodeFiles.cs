using System.Globalization;
using System.Text;

namespace RawkodeAutomation.Episodes.Loading;

/// <summary>
/// Reads the files of a working tree for <see cref="EpisodeLoader.Load"/>, and marks the entries that are not
/// read. Only regular files inside the folder are opened: a symbolic link is never followed (a link to a secret
/// would echo its keys in validation errors, one to <c>/dev/zero</c> would exhaust memory, one to <c>/</c> would
/// walk the whole disk) and a pipe, socket or device is never opened. Such an entry stays in the map as an
/// <see cref="Unreadable"/> marker, so the loader reports it as an error naming its path instead of skipping it.
/// </summary>
public static class EpisodeFiles
{
    /// <summary>
    /// Largest file read at all. Far above <see cref="EpisodeLoader.MaxFileBytes"/> (avatars may be larger than
    /// YAML files), and small enough that a misplaced video cannot fill memory.
    /// </summary>
    public const long MaxReadBytes = 32L * 1024 * 1024;

    // Content that no YAML, Liquid or PNG file starts with (0xFF is never UTF-8; PNG starts with 0x89). Encoded as
    // content rather than kept in a side list so that the marker survives every copy and serialisation of the map
    // between a reader (working tree, git, GitHub) and the loader, which may run in another process.
    private static readonly byte[] Marker = [0xFF, 0x00, 0xFF, 0x00, .. "rawkode:not-read:"u8];

    /// <summary>The content that stands for an entry that was not read, with why (shown to the user after its path).</summary>
    public static byte[] Unreadable(string reason) => [.. Marker, .. Encoding.UTF8.GetBytes(reason)];

    /// <summary>True when <paramref name="content"/> is an <see cref="Unreadable"/> marker; <paramref name="reason"/> says why.</summary>
    public static bool IsUnreadable(byte[] content, out string reason)
    {
        if (content.AsSpan().StartsWith(Marker))
        {
            reason = Encoding.UTF8.GetString(content, Marker.Length, content.Length - Marker.Length);
            return true;
        }

        reason = "";
        return false;
    }

    /// <summary>
    /// Every entry under <c>&lt;repositoryRoot&gt;/&lt;folder&gt;</c>, keyed by repository-relative path with forward
    /// slashes: regular files with their contents, anything else as an <see cref="Unreadable"/> marker. The folder
    /// itself being a symbolic link is reported the same way (under the folder's own path).
    /// </summary>
    public static Dictionary<string, byte[]> ReadWorkingTree(string repositoryRoot, string folder = EpisodeLoader.Root)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var top = new DirectoryInfo(Path.Combine(repositoryRoot, folder.TrimEnd('/')));
        if (top.LinkTarget is not null)
        {
            files[folder.TrimEnd('/') + "/"] = Unreadable($"is a symbolic link (to '{top.LinkTarget}'); {folder.TrimEnd('/')}/ must be a real folder of the checkout");
            return files;
        }

        if (!top.Exists)
        {
            return files;
        }

        // An explicit walk instead of SearchOption.AllDirectories: each entry is classified by lstat, and a
        // link to a folder is reported rather than descended into.
        var pending = new Stack<DirectoryInfo>([top]);
        while (pending.TryPop(out var directory))
        {
            foreach (var entry in directory.EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false }))
            {
                var relative = Path.GetRelativePath(repositoryRoot, entry.FullName).Replace('\\', '/');
                if (entry.LinkTarget is not null)
                {
                    files[relative] = Unreadable("is a symbolic link; only regular files are read, so commit the file itself instead of a link");
                }
                else if (entry is DirectoryInfo subdirectory)
                {
                    pending.Push(subdirectory);
                }
                else
                {
                    files[relative] = ReadRegularFile((FileInfo)entry);
                }
            }
        }

        return files;
    }

    private static byte[] ReadRegularFile(FileInfo file)
    {
        // .NET does not tell a regular file from a pipe, socket or device (all report a size of 0 and no
        // attributes), and opening a pipe blocks until someone writes to it: an empty entry is never opened. The
        // loader then reports it as an empty file, naming it.
        if (file.Length == 0)
        {
            return [];
        }

        if (file.Length > MaxReadBytes)
        {
            return Unreadable(string.Create(CultureInfo.InvariantCulture,
                $"is {file.Length:N0} bytes; nothing under {EpisodeLoader.Root} is that large (is it the right file?)"));
        }

        try
        {
            using var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
            var buffer = new byte[file.Length];
            var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            return read == buffer.Length ? buffer : buffer[..read];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Unreadable($"could not be read: {ex.Message}");
        }
    }
}

using System.Globalization;
using System.Runtime.CompilerServices;

namespace CallSentiment.Web.Recordings;

/// <summary>
/// Recordings in a folder tree; keys are paths relative to the root with '/' separators. A symbolic link is followed
/// only while it stays inside the folder: one leading out (to a system file, another tree) is as if it were not there,
/// so it is never listed, analysed or served. Links to folders are not descended into (no cycles, no key twice).
/// </summary>
public sealed class LocalFolderSource : IRecordingSource
{
    private const int MaxLinkHops = 40;
    private readonly string _root;
    private readonly string _realRoot;

    public LocalFolderSource(string root)
    {
        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(_root);
        _realRoot = RealPath(_root) ?? _root;
    }

    public string Description => $"folder {_root}";

    public string PathOf(string key)
    {
        if (!RecordingKey.IsSafe(key, out var reason)) throw new ArgumentException($"unsafe key '{key}': {reason}", nameof(key));
        var full = Path.GetFullPath(Path.Combine(_root, key));
        if (!full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"key '{key}' resolves outside the recordings folder", nameof(key));
        return full;
    }

    /// <summary>The key's path when every link on the way stays inside the folder; null when it leads out of it.</summary>
    private string? ContainedPathOf(string key)
    {
        var full = PathOf(key);
        return RealPath(full) is { } real && IsUnderRealRoot(real) ? full : null;
    }

    private bool IsUnderRealRoot(string real) => real.StartsWith(_realRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>
    /// The path with every symbolic link resolved (components that do not exist yet are kept as they are); null for a
    /// link cycle. Relative link targets are resolved from the link's folder.
    /// </summary>
    private static string? RealPath(string path, int hops = 0)
    {
        var parts = path.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        var current = Path.GetPathRoot(path) ?? "/";
        for (var i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(current, parts[i]);
            if (new FileInfo(next).LinkTarget is { } target)
            {
                if (++hops > MaxLinkHops) return null;
                var resolved = Path.GetFullPath(target, current);
                var rest = string.Join(Path.DirectorySeparatorChar, parts[(i + 1)..]);
                return RealPath(rest.Length == 0 ? resolved : Path.Combine(resolved, rest), hops);
            }
            current = next;
        }
        return current;
    }

    public async IAsyncEnumerable<RecordingObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // A prefix ending in '/' is a folder; otherwise list its parent folder and filter by name.
        var slash = prefix.LastIndexOf('/');
        var folderKey = slash < 0 ? "" : prefix[..slash];
        if (folderKey.Length > 0 && (!RecordingKey.IsSafe(folderKey, out _) || ContainedPathOf(folderKey) is null)) yield break;
        var folder = folderKey.Length == 0 ? _root : Path.Combine(_root, folderKey);
        if (!Directory.Exists(folder)) yield break;
        var options = new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.Hidden | FileAttributes.System };
        var folders = new Stack<DirectoryInfo>([new DirectoryInfo(folder)]);
        while (folders.TryPop(out var dir))
        {
            foreach (var entry in dir.EnumerateFileSystemInfos("*", options))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var isLink = entry.LinkTarget is not null;
                if (entry is DirectoryInfo sub)
                {
                    if (!isLink) folders.Push(sub);
                    continue;
                }
                var key = Path.GetRelativePath(_root, entry.FullName).Replace(Path.DirectorySeparatorChar, '/');
                if (!key.StartsWith(prefix, StringComparison.Ordinal)) continue;
                var info = (FileInfo)entry;
                if (isLink)
                {
                    if (RealPath(entry.FullName) is not { } real || !IsUnderRealRoot(real)) continue;
                    info = new FileInfo(real);
                }
                if (!info.Exists) continue;
                yield return ToObject(key, info);
            }
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    public async IAsyncEnumerable<string> ListTopLevelAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var dir in new DirectoryInfo(_root).EnumerateDirectories())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!dir.Name.StartsWith('.') && dir.LinkTarget is null) yield return dir.Name;
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    public Task<RecordingObject?> StatAsync(string key, CancellationToken cancellationToken)
    {
        if (ContainedPathOf(key) is not { } path) return Task.FromResult<RecordingObject?>(null);
        var info = new FileInfo(path);
        return Task.FromResult(info.Exists ? ToObject(key, info) : null);
    }

    public Task<Stream> OpenReadAsync(string key, long offset, long? length, CancellationToken cancellationToken)
    {
        var stream = new FileStream(ExistingPathOf(key), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, useAsync: true);
        stream.Position = offset;
        return Task.FromResult<Stream>(stream);
    }

    public Task<LocalRecording> GetLocalFileAsync(string key, CancellationToken cancellationToken)
    {
        var path = ExistingPathOf(key);
        if (!File.Exists(path)) throw new FileNotFoundException($"recording '{key}' is no longer in {Description}", path);
        return Task.FromResult(new LocalRecording(path, temporary: false));
    }

    public async Task WriteAsync(string key, Stream content, CancellationToken cancellationToken)
    {
        var path = ContainedPathOf(key) ?? throw new ArgumentException($"key '{key}' leads out of the recordings folder through a link", nameof(key));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Written under a hidden name and renamed, so discovery never sees half a file.
        var temp = Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + ".uploading");
        await using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
            await content.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
        File.Move(temp, path, overwrite: true);
    }

    // A link out of the folder reads as a missing file: its target's bytes never reach a caller, not even in a message.
    private string ExistingPathOf(string key) =>
        ContainedPathOf(key) ?? throw new FileNotFoundException($"recording '{key}' is a link out of {Description}; links are followed only inside it");

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        // Gone already (the file, or its whole folder) is what deleting wants: not an error.
        try
        {
            File.Delete(PathOf(key));
        }
        catch (DirectoryNotFoundException)
        {
        }
        return Task.CompletedTask;
    }

    // Size and modification time identify a version of a local file: an edited file is analysed again.
    private static RecordingObject ToObject(string key, FileInfo info) =>
        new(key, info.Length, string.Create(CultureInfo.InvariantCulture, $"{info.Length}-{info.LastWriteTimeUtc.Ticks}"),
            new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero));
}

using System.Globalization;
using System.Runtime.CompilerServices;

namespace CallSentiment.Web.Recordings;

/// <summary>Recordings in a folder tree; keys are paths relative to the root with '/' separators.</summary>
public sealed class LocalFolderSource : IRecordingSource
{
    private readonly string _root;

    public LocalFolderSource(string root)
    {
        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(_root);
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

    public async IAsyncEnumerable<RecordingObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // A prefix ending in '/' is a folder; otherwise list its parent folder and filter by name.
        var slash = prefix.LastIndexOf('/');
        var folderKey = slash < 0 ? "" : prefix[..slash];
        if (folderKey.Length > 0 && !RecordingKey.IsSafe(folderKey, out _)) yield break;
        var folder = folderKey.Length == 0 ? _root : Path.Combine(_root, folderKey);
        if (!Directory.Exists(folder)) yield break;
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.Hidden | FileAttributes.System };
        foreach (var path in Directory.EnumerateFiles(folder, "*", options))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var key = Path.GetRelativePath(_root, path).Replace(Path.DirectorySeparatorChar, '/');
            if (!key.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var info = new FileInfo(path);
            if (!info.Exists) continue;
            yield return ToObject(key, info);
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    public async IAsyncEnumerable<string> ListTopLevelAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var dir in Directory.EnumerateDirectories(_root))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = Path.GetFileName(dir);
            if (!name.StartsWith('.')) yield return name;
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    public Task<RecordingObject?> StatAsync(string key, CancellationToken cancellationToken)
    {
        var info = new FileInfo(PathOf(key));
        return Task.FromResult(info.Exists ? ToObject(key, info) : null);
    }

    public Task<Stream> OpenReadAsync(string key, long offset, long? length, CancellationToken cancellationToken)
    {
        var stream = new FileStream(PathOf(key), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, useAsync: true);
        stream.Position = offset;
        return Task.FromResult<Stream>(stream);
    }

    public Task<LocalRecording> GetLocalFileAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        if (!File.Exists(path)) throw new FileNotFoundException($"recording '{key}' is no longer in {Description}", path);
        return Task.FromResult(new LocalRecording(path, temporary: false));
    }

    public async Task WriteAsync(string key, Stream content, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Written under a hidden name and renamed, so discovery never sees half a file.
        var temp = Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + ".uploading");
        await using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
            await content.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
        File.Move(temp, path, overwrite: true);
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        File.Delete(PathOf(key)); // no error when missing
        return Task.CompletedTask;
    }

    // Size and modification time identify a version of a local file: an edited file is analysed again.
    private static RecordingObject ToObject(string key, FileInfo info) =>
        new(key, info.Length, string.Create(CultureInfo.InvariantCulture, $"{info.Length}-{info.LastWriteTimeUtc.Ticks}"),
            new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero));
}

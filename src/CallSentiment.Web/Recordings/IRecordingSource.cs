namespace CallSentiment.Web.Recordings;

/// <summary>A recording as listed: its key, size and a version that changes when the content does.</summary>
public sealed record RecordingObject(string Key, long Size, string Version, DateTimeOffset LastModified);

/// <summary>Where call recordings come from: a local folder or an S3 bucket (the one seam both implement).</summary>
public interface IRecordingSource
{
    /// <summary>Short description for logs and the status page, e.g. <c>folder /data/recordings</c>.</summary>
    string Description { get; }

    /// <summary>Every object whose key starts with <paramref name="prefix"/> (recordings and sidecars alike).</summary>
    IAsyncEnumerable<RecordingObject> ListAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>The first-level "folders" under the root (for an <c>{agent}/…</c> pattern: the agents).</summary>
    IAsyncEnumerable<string> ListTopLevelAsync(CancellationToken cancellationToken);

    /// <summary>Null when the key does not exist.</summary>
    Task<RecordingObject?> StatAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// The object's bytes from <paramref name="offset"/>: <paramref name="length"/> of them, or to the end when null
    /// (so a range request fetches only its range).
    /// </summary>
    Task<Stream> OpenReadAsync(string key, long offset, long? length, CancellationToken cancellationToken);

    /// <summary>A file path the audio decoder can open; temporary copies are deleted when the lease is disposed.</summary>
    Task<LocalRecording> GetLocalFileAsync(string key, CancellationToken cancellationToken);

    Task WriteAsync(string key, Stream content, CancellationToken cancellationToken);

    /// <summary>Deletes the object (no error when it is already gone).</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);
}

public sealed class LocalRecording(string path, bool temporary) : IDisposable
{
    public string Path { get; } = path;

    /// <summary>Where the recording lives when a cloud service can read it directly (<c>s3://bucket/key</c>), else null.</summary>
    public string? RemoteUri { get; init; }

    public void Dispose()
    {
        if (temporary) File.Delete(Path);
    }
}

using System.Net;
using System.Runtime.CompilerServices;
using Amazon.Runtime;
using CallSentiment.Analysis.Audio;
using Amazon.S3;
using Amazon.S3.Model;

namespace CallSentiment.Web.Recordings;

/// <summary>
/// Recordings in an S3 bucket (AWS or any S3-compatible endpoint) under an optional prefix. Credentials come from
/// the SDK's standard chain: environment, profile, container or instance role.
/// </summary>
public sealed class S3RecordingSource(IAmazonS3 s3, S3SourceOptions options) : IRecordingSource
{
    private readonly string _bucket = options.Bucket!;
    private readonly string _prefix = options.Prefix;

    public string Description => $"s3://{_bucket}/{_prefix}";

    public static IAmazonS3 CreateClient(S3SourceOptions options)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            // Flexible checksums need server support that S3-compatible servers often lack; S3 itself does not require them.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            // The SDK retries on its own; pinned to the standard mode (3 attempts, the same classification and capped
            // full-jitter back-off as the project's JSON clients) rather than whatever the SDK's default becomes.
            RetryMode = RequestRetryMode.Standard,
        };
        if (!string.IsNullOrEmpty(options.ServiceUrl))
        {
            config.ServiceURL = options.ServiceUrl;
            config.AuthenticationRegion = options.Region ?? "us-east-1";
        }
        else if (!string.IsNullOrEmpty(options.Region))
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        }
        return new AmazonS3Client(config);
    }

    public async IAsyncEnumerable<RecordingObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = _prefix + prefix };
        do
        {
            var response = await s3.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            foreach (var o in response.S3Objects ?? [])
            {
                var key = o.Key[_prefix.Length..];
                if (key.Length == 0 || key.EndsWith('/')) continue;
                yield return new RecordingObject(key, o.Size ?? 0, o.ETag?.Trim('"') ?? "", ToOffset(o.LastModified));
            }
            request.ContinuationToken = response.IsTruncated == true ? response.NextContinuationToken : null;
        } while (request.ContinuationToken is not null);
    }

    public async IAsyncEnumerable<string> ListTopLevelAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = _prefix, Delimiter = "/" };
        do
        {
            var response = await s3.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            foreach (var p in response.CommonPrefixes ?? [])
                yield return p[_prefix.Length..].TrimEnd('/');
            request.ContinuationToken = response.IsTruncated == true ? response.NextContinuationToken : null;
        } while (request.ContinuationToken is not null);
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        Check(key);
        await s3.DeleteObjectAsync(_bucket, _prefix + key, cancellationToken).ConfigureAwait(false); // S3 answers 204 for a missing key too
    }

    public async Task<RecordingObject?> StatAsync(string key, CancellationToken cancellationToken)
    {
        Check(key);
        try
        {
            var m = await s3.GetObjectMetadataAsync(_bucket, _prefix + key, cancellationToken).ConfigureAwait(false);
            return new RecordingObject(key, m.ContentLength, m.ETag?.Trim('"') ?? "", ToOffset(m.LastModified));
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<Stream> OpenReadAsync(string key, long offset, long? length, CancellationToken cancellationToken)
    {
        Check(key);
        var request = new GetObjectRequest { BucketName = _bucket, Key = _prefix + key };
        if (length is { } n) request.ByteRange = new ByteRange(offset, offset + n - 1);
        else if (offset > 0) request.ByteRange = new ByteRange($"bytes={offset}-");
        try
        {
            var response = await s3.GetObjectAsync(request, cancellationToken).ConfigureAwait(false);
            return new ResponseStream(response);
        }
        catch (AmazonS3Exception e) when (IsMissingKey(e))
        {
            // As a folder source does: callers tell a vanished recording from a failing source by this type.
            throw new FileNotFoundException($"recording '{key}' is no longer in {Description}", key, e);
        }
    }

    public async Task<LocalRecording> GetLocalFileAsync(string key, CancellationToken cancellationToken)
    {
        Check(key);
        var dot = key.LastIndexOf('.');
        var temp = Path.Combine(Path.GetTempPath(), $"callsentiment-{Guid.NewGuid():N}{(dot > key.LastIndexOf('/') ? key[dot..] : "")}");
        try
        {
            await using var source = await OpenReadAsync(key, 0, null, cancellationToken).ConfigureAwait(false);
            await using var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true);
            await source.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        // Amazon Transcribe reads the object where it is instead of an upload of the local copy.
        return new LocalRecording(temp, temporary: true) { RemoteUri = $"s3://{_bucket}/{_prefix}{key}" };
    }

    public async Task WriteAsync(string key, Stream content, CancellationToken cancellationToken)
    {
        Check(key);
        // PutObject needs a length: unseekable uploads are staged in a temporary file first.
        Stream body = content;
        string? temp = null;
        if (!content.CanSeek)
        {
            temp = Path.GetTempFileName();
            body = new FileStream(temp, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
            await content.CopyToAsync(body, cancellationToken).ConfigureAwait(false);
            body.Position = 0;
        }
        try
        {
            // No aws-chunked streaming upload: S3-compatible servers that do not decode it store the chunk framing
            // (sizes and signatures) as part of the object. The body is seekable here, so it is signed whole instead.
            var request = new PutObjectRequest
            {
                BucketName = _bucket, Key = _prefix + key, InputStream = body, AutoCloseStream = false, UseChunkEncoding = false,
            };
            await s3.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (temp is not null) await body.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static void Check(string key)
    {
        if (!RecordingKey.IsSafe(key, out var reason)) throw new ArgumentException($"unsafe key '{key}': {reason}", nameof(key));
    }

    // A 404 also answers a request to a bucket that is not there (deleted, misnamed): that is a failing source, to
    // be retried, not a recording that has gone for good.
    private static bool IsMissingKey(AmazonS3Exception e) =>
        e.StatusCode == HttpStatusCode.NotFound && !string.Equals(e.ErrorCode, "NoSuchBucket", StringComparison.Ordinal);

    private static DateTimeOffset ToOffset(DateTime? t) =>
        t is { } v ? new DateTimeOffset(v.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(v, DateTimeKind.Utc) : v.ToUniversalTime()) : DateTimeOffset.UnixEpoch;

    /// <summary>The object's body; disposing it disposes the response (and its connection).</summary>
    private sealed class ResponseStream(GetObjectResponse response) : ForwardOnlyStream
    {
        private readonly Stream _inner = response.ResponseStream;
        public override int Read(Span<byte> buffer) => _inner.Read(buffer);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _inner.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _inner.ReadAsync(buffer, offset, count, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing) response.Dispose();
            base.Dispose(disposing);
        }
    }
}

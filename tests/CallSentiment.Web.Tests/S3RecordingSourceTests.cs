using System.IO.Pipelines;
using CallSentiment.Web.Recordings;
using CallSentiment.Web.Tests.Infrastructure;

namespace CallSentiment.Web.Tests;

/// <summary>
/// The S3 recording source against a real S3-protocol server (s3rver): listing under the configured bucket prefix
/// with paging, stat, ranged reads, local copies, uploads and key safety.
/// </summary>
[Collection(S3Collection.Name)]
public sealed class S3RecordingSourceTests(S3Server s3) : IAsyncLifetime
{
    private const string Root = "calls/";
    private string _bucket = null!;
    private S3RecordingSource _source = null!;

    public async Task InitializeAsync()
    {
        _bucket = await s3.CreateBucketAsync();
        _source = new S3RecordingSource(s3.Client, s3.Options(_bucket, Root));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ListAsync_Prefix_ReturnsOnlyThatPrefixsKeysRelativeToTheRoot()
    {
        await s3.PutAsync(_bucket, "calls/alice/2026-03-02/090000_a1.wav", "a1");
        await s3.PutAsync(_bucket, "calls/alice/2026-03-03/090000_a2.wav", "a2!");
        await s3.PutAsync(_bucket, "calls/alice/2026-03-03/101500_call 7+8 é.wav", "odd name");
        await s3.PutAsync(_bucket, "calls/alice-smith/2026-03-02/090000_s1.wav", "s1");
        await s3.PutAsync(_bucket, "calls/bob/2026-03-02/090000_b1.wav", "b1");
        await s3.PutAsync(_bucket, "archive/alice/2026-03-02/090000_old.wav", "outside the root");

        var alice = await ToListAsync(_source.ListAsync("alice/", CancellationToken.None));
        Assert.Equal(
            ["alice/2026-03-02/090000_a1.wav", "alice/2026-03-03/090000_a2.wav", "alice/2026-03-03/101500_call 7+8 é.wav"],
            alice.Select(o => o.Key).Order(StringComparer.Ordinal));
        var a2 = Assert.Single(alice, o => o.Key.EndsWith("a2.wav", StringComparison.Ordinal));
        Assert.Equal(3, a2.Size);
        Assert.Equal(await s3.ETagAsync(_bucket, "calls/" + a2.Key), a2.Version);

        var all = await ToListAsync(_source.ListAsync("", CancellationToken.None));
        Assert.Equal(5, all.Count);
        Assert.DoesNotContain(all, o => o.Key.Contains("old", StringComparison.Ordinal));

        // Every listed key can be read back as listed.
        foreach (var o in all) Assert.Equal(o.Size, (await _source.StatAsync(o.Key, CancellationToken.None))!.Size);
    }

    [Fact]
    public async Task ListAsync_MoreKeysThanOnePage_FollowsContinuationTokens()
    {
        // S3 (and s3rver) return at most 1,000 keys per request.
        const int Count = 1_100;
        var keys = Enumerable.Range(0, Count).Select(i => $"bulk/2026-03-02/{i:00000}_c{i}.wav").ToList();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = CancellationToken.None },
            async (key, _) => await s3.PutAsync(_bucket, Root + key, [1]));
        await s3.PutAsync(_bucket, "calls/bulky/2026-03-02/000000_x.wav", "not under bulk/");

        var listed = await ToListAsync(_source.ListAsync("bulk/", CancellationToken.None));

        Assert.Equal(keys, listed.Select(o => o.Key));
    }

    [Fact]
    public async Task ListTopLevelAsync_BucketPrefix_ReturnsTheAgentFoldersUnderIt()
    {
        // s3rver 3.7 leaves out a common prefix whose objects all lie two or more levels below it (S3 does not), so
        // each agent here has an object directly in its folder besides the usual agent/day/ layout.
        await s3.PutAsync(_bucket, "calls/alice/notes.txt", "alice");
        await s3.PutAsync(_bucket, "calls/alice/2026-03-02/090000_a1.wav", "a1");
        await s3.PutAsync(_bucket, "calls/bob/090000_b0.wav", "bob");
        await s3.PutAsync(_bucket, "calls/bob/2026-03-02/090000_b1.wav", "b1");
        await s3.PutAsync(_bucket, "calls/stray.wav", "a file, not a folder");
        await s3.PutAsync(_bucket, "archive/carol/2026-03-02/090000_c1.wav", "outside the root");

        var agents = await ToListAsync(_source.ListTopLevelAsync(CancellationToken.None));

        Assert.Equal(["alice", "bob"], agents.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task StatAsync_ExistingAndMissingKey_ReturnsSizeAndVersionOrNull()
    {
        var content = Bytes(5000);
        await s3.PutAsync(_bucket, "calls/alice/2026-03-02/090000_a1.wav", content);

        var found = await _source.StatAsync("alice/2026-03-02/090000_a1.wav", CancellationToken.None);
        var missing = await _source.StatAsync("alice/2026-03-02/090000_nope.wav", CancellationToken.None);

        Assert.NotNull(found);
        Assert.Equal("alice/2026-03-02/090000_a1.wav", found.Key);
        Assert.Equal(5000, found.Size);
        Assert.Equal(await s3.ETagAsync(_bucket, "calls/alice/2026-03-02/090000_a1.wav"), found.Version);
        // Discovery compares it with its UTC clock to let uploads settle.
        Assert.InRange(found.LastModified, TimeProvider.System.GetUtcNow().AddMinutes(-1), TimeProvider.System.GetUtcNow().AddSeconds(5));
        Assert.Null(missing);
    }

    [Fact]
    public async Task OpenReadAsync_Offset_ReturnsTheBytesFromThere()
    {
        var content = Bytes(200_000);
        await s3.PutAsync(_bucket, "calls/alice/2026-03-02/090000_a1.wav", content);

        Assert.Equal(content, await ReadAllAsync("alice/2026-03-02/090000_a1.wav", 0));
        Assert.Equal(content[123_457..], await ReadAllAsync("alice/2026-03-02/090000_a1.wav", 123_457));
        Assert.Equal(content[^1..], await ReadAllAsync("alice/2026-03-02/090000_a1.wav", content.Length - 1));
        // A bounded range asks S3 for exactly those bytes, not the rest of the object.
        Assert.Equal(content[1000..1100], await ReadAllAsync("alice/2026-03-02/090000_a1.wav", 1000, 100));
        await Assert.ThrowsAsync<FileNotFoundException>(() => _source.OpenReadAsync("alice/2026-03-02/090000_gone.wav", 0, null, CancellationToken.None));
    }

    [Fact]
    public async Task GetLocalFileAsync_ExistingKey_CopiesToTemporaryFileDeletedOnDispose()
    {
        var content = Bytes(300_000);
        await s3.PutAsync(_bucket, "calls/alice/2026-03-02/090000_a1.wav", content);

        string path;
        using (var local = await _source.GetLocalFileAsync("alice/2026-03-02/090000_a1.wav", CancellationToken.None))
        {
            path = local.Path;
            Assert.Equal(".wav", Path.GetExtension(path));
            Assert.Equal(content, await File.ReadAllBytesAsync(path, CancellationToken.None));
        }

        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task GetLocalFileAsync_MissingKey_ThrowsFileNotFound()
    {
        var e = await Assert.ThrowsAsync<FileNotFoundException>(() => _source.GetLocalFileAsync("alice/2026-03-02/090000_gone.wav", CancellationToken.None));
        Assert.Contains("alice/2026-03-02/090000_gone.wav", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetLocalFileAsync_BucketMissing_FailsAsASourceErrorNotAsAMissingRecording()
    {
        // A vanished recording fails its job for good; a misconfigured or deleted bucket must be retried instead.
        var source = new S3RecordingSource(s3.Client, s3.Options("no-such-bucket-" + _bucket, Root));

        var e = await Record.ExceptionAsync(() => source.GetLocalFileAsync("alice/2026-03-02/090000_a1.wav", CancellationToken.None));

        Assert.NotNull(e);
        Assert.IsNotType<FileNotFoundException>(e);
    }

    [Fact]
    public async Task WriteAsync_NonSeekableStream_StoresTheWholeContent()
    {
        var content = Bytes(1_000_000);
        var pipe = new Pipe();
        var producer = Task.Run(async () =>
        {
            // Written in pieces, as an upload arrives.
            for (var i = 0; i < content.Length; i += 70_000)
                await pipe.Writer.WriteAsync(content.AsMemory(i, Math.Min(70_000, content.Length - i)), CancellationToken.None);
            await pipe.Writer.CompleteAsync();
        }, CancellationToken.None);
        await using var body = pipe.Reader.AsStream();
        Assert.False(body.CanSeek);

        await _source.WriteAsync("alice/2026-03-02/090000_up.wav", body, CancellationToken.None);
        await producer;

        var stat = await _source.StatAsync("alice/2026-03-02/090000_up.wav", CancellationToken.None);
        Assert.Equal(content.Length, stat!.Size);
        Assert.Equal(content, await ReadAllAsync("alice/2026-03-02/090000_up.wav", 0));
    }

    [Fact]
    public async Task WriteAsync_ChangedContent_ChangesTheVersionAndSameContentKeepsIt()
    {
        const string Key = "alice/2026-03-02/090000_a1.wav";
        await _source.WriteAsync(Key, new MemoryStream(Bytes(10_000)), CancellationToken.None);
        var first = (await _source.StatAsync(Key, CancellationToken.None))!.Version;

        await _source.WriteAsync(Key, new MemoryStream(Bytes(10_000, seed: 2)), CancellationToken.None);
        var changed = (await _source.StatAsync(Key, CancellationToken.None))!.Version;
        var listed = Assert.Single(await ToListAsync(_source.ListAsync("alice/", CancellationToken.None)));

        await _source.WriteAsync(Key, new MemoryStream(Bytes(10_000, seed: 2)), CancellationToken.None);
        var rewritten = (await _source.StatAsync(Key, CancellationToken.None))!.Version;

        Assert.NotEqual(first, changed);
        Assert.Equal(changed, listed.Version);
        Assert.Equal(changed, rewritten);
    }

    [Theory]
    [InlineData("../x.wav")]
    [InlineData("/abs.wav")]
    [InlineData("a//b.wav")]
    [InlineData("alice/./b.wav")]
    [InlineData("a\\b.wav")]
    public async Task EveryKeyOperation_UnsafeKey_IsRejectedBeforeAnyRequest(string key)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _source.StatAsync(key, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => _source.OpenReadAsync(key, 0, null, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => _source.GetLocalFileAsync(key, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => _source.WriteAsync(key, new MemoryStream([1, 2, 3]), CancellationToken.None));
        Assert.Empty(await ToListAsync(_source.ListAsync("", CancellationToken.None)));
    }

    private async Task<byte[]> ReadAllAsync(string key, long offset, long? length = null)
    {
        await using var stream = await _source.OpenReadAsync(key, offset, length, CancellationToken.None);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, CancellationToken.None);
        return buffer.ToArray();
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items) list.Add(item);
        return list;
    }

    private static byte[] Bytes(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}

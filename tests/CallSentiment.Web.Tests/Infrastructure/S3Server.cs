using System.Diagnostics;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using CallSentiment.Web.Recordings;

namespace CallSentiment.Web.Tests.Infrastructure;

/// <summary>
/// A local S3 endpoint for the tests: s3rver (installed by <c>scripts/setup --test</c>) on a free loopback port,
/// storing into a temporary folder, shared by the tests of one run; each test makes a bucket of its own.
/// Clients are built by the product's own <see cref="S3RecordingSource.CreateClient"/>, so the tests exercise the
/// configuration the app uses (path-style addressing, checksum settings, region for signing).
/// </summary>
public sealed class S3Server : IAsyncLifetime
{
    public const string Region = "us-east-1";

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "callsentiment-s3-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly StringBuilder _output = new();
    private Process? _process;
    private IAmazonS3? _client;

    public int Port { get; } = PostgresCluster.FreePort();

    public string ServiceUrl => $"http://127.0.0.1:{Port}";

    public static string Executable => Path.Combine(Paths.Root, ".tools", "s3rver", "node_modules", ".bin", "s3rver");

    /// <summary>A client for arranging and inspecting buckets (the same configuration the app builds).</summary>
    public IAmazonS3 Client => _client ?? throw new InvalidOperationException("the S3 server is not started");

    public async Task InitializeAsync()
    {
        if (!File.Exists(Executable))
            throw new InvalidOperationException($"s3rver is not installed ({Executable} missing): run scripts/setup --test");

        // The product takes credentials from the SDK's standard chain only (no keys in its settings), and the app under
        // test runs in this process, so the chain must find some here. Environment variables come first in the chain,
        // which also keeps any real credentials of the developer (including a session token) from being sent to the
        // test server, and spares the chain's slow fallback to an instance-metadata endpoint that is not there.
        // s3rver checks signatures against its built-in account S3RVER/S3RVER.
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "S3RVER");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "S3RVER");
        Environment.SetEnvironmentVariable("AWS_SESSION_TOKEN", null);

        Directory.CreateDirectory(_dir);
        var psi = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _dir,
        };
        foreach (var a in new[] { "--directory", _dir, "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--address", "127.0.0.1", "--silent" })
            psi.ArgumentList.Add(a);
        // s3rver 3.7 makes ListObjectsV2 continuation tokens with DES, which Node 17+ (OpenSSL 3) only offers through
        // the legacy provider; without it every listing longer than one page fails with an internal error.
        psi.Environment["NODE_OPTIONS"] = "--openssl-legacy-provider";
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        // Any HTTP answer (an unsigned request gets 403) means it is listening.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"s3rver exited with {_process.ExitCode}: {Output}");
            try
            {
                using var response = await http.GetAsync(new Uri(ServiceUrl + "/")).ConfigureAwait(false);
                break;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (clock.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"s3rver did not answer on {ServiceUrl}: {Output}");
            await Task.Delay(100).ConfigureAwait(false);
        }
        _client = S3RecordingSource.CreateClient(Options("unused"));
    }

    private string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>A new, empty bucket with a unique name.</summary>
    public async Task<string> CreateBucketAsync()
    {
        var name = "t-" + Guid.NewGuid().ToString("N")[..16];
        await Client.PutBucketAsync(new PutBucketRequest { BucketName = name }).ConfigureAwait(false);
        return name;
    }

    /// <summary>Source options for a bucket on this server, as an operator would configure them for MinIO and the like.</summary>
    public S3SourceOptions Options(string bucket, string prefix = "") => new()
    {
        Bucket = bucket,
        Prefix = prefix,
        ServiceUrl = ServiceUrl,
        ForcePathStyle = true,
        Region = Region,
    };

    /// <summary>The same, as app settings.</summary>
    public Dictionary<string, string?> Settings(string bucket, string prefix = "") => new()
    {
        ["Recordings:Kind"] = "S3",
        ["Recordings:S3:Bucket"] = bucket,
        ["Recordings:S3:Prefix"] = prefix,
        ["Recordings:S3:ServiceUrl"] = ServiceUrl,
        ["Recordings:S3:ForcePathStyle"] = "true",
        ["Recordings:S3:Region"] = Region,
    };

    public async Task PutAsync(string bucket, string key, byte[] content)
    {
        using var body = new MemoryStream(content, writable: false);
        // s3rver stores an aws-chunked body as is (chunk headers included); a whole signed body it understands.
        await Client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = body, UseChunkEncoding = false }).ConfigureAwait(false);
    }

    public Task PutAsync(string bucket, string key, string content) => PutAsync(bucket, key, Encoding.UTF8.GetBytes(content));

    /// <summary>The object's ETag as the server reports it, without quotes.</summary>
    public async Task<string> ETagAsync(string bucket, string key) =>
        (await Client.GetObjectMetadataAsync(bucket, key).ConfigureAwait(false)).ETag.Trim('"');

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_process is not null)
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
            _process.Dispose();
        }
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class S3Collection : ICollectionFixture<S3Server>
{
    public const string Name = "s3";
}

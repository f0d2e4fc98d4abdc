using System.Diagnostics;
using System.Globalization;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace CallSentiment.Analysis.Tests.Aws;

/// <summary>
/// s3rver (installed by <c>scripts/setup --test</c> under .tools/s3rver) on a free loopback port, storing into a
/// temporary folder, for the tests that exercise real S3 uploads and reads. It checks signatures against its
/// built-in account S3RVER/S3RVER.
/// </summary>
public sealed class S3rver : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "callsentiment-aws-s3-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly StringBuilder _output = new();
    private Process? _process;
    private AmazonS3Client? _client;

    public int Port { get; } = LocalAwsServer.FreePort();

    public string ServiceUrl => $"http://127.0.0.1:{Port}";

    public static string Executable => Path.Combine(Paths.Root, ".tools", "s3rver", "node_modules", ".bin", "s3rver");

    public IAmazonS3 Client => _client ?? throw new InvalidOperationException("s3rver is not started");

    public async Task InitializeAsync()
    {
        if (!File.Exists(Executable))
            throw new InvalidOperationException($"s3rver is not installed ({Executable} missing): run scripts/setup --test");
        Directory.CreateDirectory(_dir);
        var psi = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _dir };
        foreach (var a in new[] { "--directory", _dir, "--port", Port.ToString(CultureInfo.InvariantCulture), "--address", "127.0.0.1", "--silent" })
            psi.ArgumentList.Add(a);
        psi.Environment["NODE_OPTIONS"] = "--openssl-legacy-provider";
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"s3rver exited with {_process.ExitCode}: {Output}");
            try
            {
                using var response = await http.GetAsync(new Uri(ServiceUrl + "/"));
                break;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            if (clock.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"s3rver did not answer on {ServiceUrl}: {Output}");
            await Task.Delay(100);
        }
        _client = new AmazonS3Client(new BasicAWSCredentials("S3RVER", "S3RVER"), new AmazonS3Config
        {
            ServiceURL = ServiceUrl,
            AuthenticationRegion = "us-east-1",
            ForcePathStyle = true,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });
    }

    private string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public async Task<string> CreateBucketAsync()
    {
        var name = "t-" + Guid.NewGuid().ToString("N")[..16];
        await Client.PutBucketAsync(new PutBucketRequest { BucketName = name });
        return name;
    }

    public async Task<byte[]> GetAsync(string bucket, string key)
    {
        using var response = await Client.GetObjectAsync(bucket, key);
        using var buffer = new MemoryStream();
        await response.ResponseStream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_process is not null)
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            _process.Dispose();
        }
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;

namespace CallSentiment.Analysis.Tests.Aws;

/// <summary>A request as the local server received it.</summary>
internal sealed record ReceivedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, string? SignatureError, string Query = "")
{
    public string? Target => Headers.GetValueOrDefault("x-amz-target");

    /// <summary>The operation after the target prefix ("Transcribe.StartTranscriptionJob" → "StartTranscriptionJob").</summary>
    public string Operation => Target is { } t && t.IndexOf('.', StringComparison.Ordinal) is var dot and > 0 ? t[(dot + 1)..] : "";

    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();
}

/// <summary>What the local server answers.</summary>
internal sealed record Reply(int Status, string Body, IReadOnlyDictionary<string, string>? Headers = null)
{
    public static Reply Ok(object body) => new(200, JsonSerializer.Serialize(body));

    /// <summary>An AWS JSON error in the shape the services send: <c>__type</c> with a namespace, and <c>message</c>.</summary>
    public static Reply Error(int status, string type, string message, bool typeInHeader = false) => typeInHeader
        ? new(status, JsonSerializer.Serialize(new { message }), new Dictionary<string, string> { ["x-amzn-ErrorType"] = type + ":http://internal.amazon.com/coral/com.amazon.coral.validate/" })
        : new(status, JsonSerializer.Serialize(new Dictionary<string, string> { ["__type"] = "com.amazonaws.service#" + type, ["message"] = message }));
}

/// <summary>
/// An AWS JSON 1.1 endpoint on loopback (HttpListener). Every signed request's SigV4 signature is recomputed here,
/// independently of the product's signer, from the known test keys; a bad one is answered with 403
/// InvalidSignatureException as AWS does. Requests are recorded for the tests to inspect.
/// </summary>
internal sealed class LocalAwsServer : IDisposable
{
    public const string AccessKey = "AKIDLOCALTEST";
    public const string SecretKey = "local/Test+Secret/Key";
    public const string Region = "us-east-1";

    private readonly HttpListener _listener = new();
    private readonly Func<ReceivedRequest, Task<Reply>> _handler;
    private readonly string _service;
    private readonly string? _sessionToken;

    public LocalAwsServer(string service, Func<ReceivedRequest, Reply> handler, string? sessionToken = null)
        : this(service, r => Task.FromResult(handler(r)), sessionToken)
    {
    }

    public LocalAwsServer(string service, Func<ReceivedRequest, Task<Reply>> handler, string? sessionToken = null)
    {
        _service = service;
        _handler = handler;
        _sessionToken = sessionToken;
        Port = FreePort();
        Url = new Uri($"http://127.0.0.1:{Port}/");
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        // Ends by itself when the listener stops (GetContextAsync then throws).
        _ = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public Uri Url { get; }

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    public static AWSCredentials Credentials => new BasicAWSCredentials(AccessKey, SecretKey);

    public IReadOnlyList<ReceivedRequest> Calls(string operation) => Requests.Where(r => r.Operation == operation).ToList();

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            try
            {
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body).ConfigureAwait(false);
                var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (var name in context.Request.Headers.AllKeys)
                    if (name is not null) headers[name] = context.Request.Headers[name]!;
                var path = context.Request.Url!.AbsolutePath;
                var signatureError = headers.ContainsKey("Authorization") || context.Request.HttpMethod == "POST"
                    ? CheckSignature(context.Request.HttpMethod, path, headers, body.ToArray())
                    : null;
                var request = new ReceivedRequest(context.Request.HttpMethod, path, headers, body.ToArray(), signatureError, context.Request.Url!.Query);
                Requests.Enqueue(request);
                Reply reply;
                try
                {
                    reply = signatureError is null
                        ? await _handler(request).ConfigureAwait(false)
                        : Reply.Error(403, "InvalidSignatureException", signatureError);
                }
                catch (Exception e)
                {
                    // A failed assertion inside a handler must reach the test: answer with it and let the client throw.
                    reply = Reply.Error(400, "TestServerAssertion", e.Message);
                }
                var bytes = Encoding.UTF8.GetBytes(reply.Body);
                context.Response.StatusCode = reply.Status;
                context.Response.ContentType = "application/x-amz-json-1.1";
                context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
                foreach (var (k, v) in reply.Headers ?? new Dictionary<string, string>()) context.Response.Headers[k] = v;
                context.Response.ContentLength64 = bytes.Length;
                await context.Response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
                context.Response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or IOException)
            {
            }
        }
    }

    /// <summary>SigV4 recomputed from scratch (deliberately not with the product's signer).</summary>
    private string? CheckSignature(string method, string path, Dictionary<string, string> headers, byte[] body)
    {
        if (!headers.TryGetValue("Authorization", out var auth)) return "no Authorization header";
        const string prefix = "AWS4-HMAC-SHA256 ";
        if (!auth.StartsWith(prefix, StringComparison.Ordinal)) return $"unexpected algorithm in '{auth}'";
        var parts = auth[prefix.Length..].Split(", ").Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var credential = parts["Credential"].Split('/');
        if (credential.Length != 5) return $"bad Credential '{parts["Credential"]}'";
        if (credential[0] != AccessKey) return $"unknown access key '{credential[0]}'";
        if (credential[2] != Region || credential[3] != _service || credential[4] != "aws4_request")
            return $"scope '{parts["Credential"]}' is not {Region}/{_service}";
        if (!headers.TryGetValue("X-Amz-Date", out var amzDate)) return "no X-Amz-Date";
        if (!amzDate.StartsWith(credential[1], StringComparison.Ordinal)) return "X-Amz-Date and the credential date differ";
        var when = DateTimeOffset.ParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        if ((DateTimeOffset.UtcNow - when).Duration() > TimeSpan.FromMinutes(5)) return "signature expired (X-Amz-Date is off by more than 5 minutes)";
        if (_sessionToken is not null && headers.GetValueOrDefault("X-Amz-Security-Token") != _sessionToken) return "missing or wrong X-Amz-Security-Token";

        var signedHeaders = parts["SignedHeaders"];
        var names = signedHeaders.Split(';');
        foreach (var required in new[] { "host", "x-amz-date" })
            if (!names.Contains(required)) return $"'{required}' is not signed";
        if (headers.ContainsKey("X-Amz-Target") && !names.Contains("x-amz-target")) return "'x-amz-target' is not signed";
        if (_sessionToken is not null && !names.Contains("x-amz-security-token")) return "'x-amz-security-token' is not signed";
        var canonical = new StringBuilder();
        canonical.Append(method).Append('\n').Append(path).Append("\n\n");
        foreach (var name in names)
        {
            if (!headers.TryGetValue(name, out var value)) return $"signed header '{name}' was not sent";
            canonical.Append(name).Append(':').Append(value.Trim()).Append('\n');
        }
        canonical.Append('\n').Append(signedHeaders).Append('\n').Append(Hex(SHA256.HashData(body)));
        var scope = string.Join('/', credential[1..]);
        var toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))}";
        var key = Encoding.UTF8.GetBytes("AWS4" + SecretKey);
        foreach (var part in new[] { credential[1], credential[2], credential[3], credential[4] }) key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        var expected = Hex(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(toSign)));
        return expected == parts["Signature"] ? null : "The request signature we calculated does not match the signature you provided.";
    }

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
    }
}

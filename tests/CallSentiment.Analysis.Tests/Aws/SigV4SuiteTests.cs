using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using CallSentiment.Analysis.Aws;

namespace CallSentiment.Analysis.Tests.Aws;

/// <summary>
/// Runs every case of the AWS SigV4 test suite (a folder holding request.txt and context.json, at any depth under
/// SIGV4_SUITE_DIR or ../shared/datasets/aws-sigv4/v4) and compares each step with the expected files byte for byte.
/// </summary>
public sealed class SigV4SuiteTests
{
    public static string SuiteDir =>
        Environment.GetEnvironmentVariable("SIGV4_SUITE_DIR") is { Length: > 0 } dir ? dir : Path.Combine(Paths.Datasets, "aws-sigv4", "v4");

    public static IEnumerable<string> CaseDirs() =>
        Directory.Exists(SuiteDir)
            ? Directory.EnumerateFiles(SuiteDir, "request.txt", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(SuiteDir, Path.GetDirectoryName(f)!)).Order(StringComparer.Ordinal)
            : [];

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in CaseDirs()) data.Add(c);
        return data;
    }

    [Fact]
    public void Suite_IsPresent_HasCases()
    {
        Assert.True(Directory.Exists(SuiteDir), $"SigV4 suite not found at {SuiteDir}");
        Assert.NotEmpty(CaseDirs());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SignHeaders_SuiteCase_MatchesExpectedFiles(string caseName)
    {
        var c = SuiteCase.Load(Path.Combine(SuiteDir, caseName));
        var result = SigV4Signer.SignHeaders(c.Request, c.Credentials, c.Scope, c.Timestamp);

        Assert.Equal(c.Expected("header-canonical-request.txt"), result.CanonicalRequest);
        Assert.Equal(c.Expected("header-string-to-sign.txt"), result.StringToSign);
        Assert.Equal(c.Expected("header-signature.txt"), result.Signature);
        if (c.ExpectedOrNull("header-signed-request.txt") is { } signed)
            Assert.Contains("Authorization:" + result.Authorization + "\n", signed, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Presign_SuiteCase_MatchesExpectedFiles(string caseName)
    {
        var c = SuiteCase.Load(Path.Combine(SuiteDir, caseName));
        if (c.ExpectedOrNull("query-canonical-request.txt") is null)
        {
            // A case without presigned variants must at least carry the header variants, or it is not a case at all.
            Assert.NotNull(c.ExpectedOrNull("header-signature.txt"));
            return;
        }
        // Presigned requests never carry the body hash as a header: that is a header-signing option.
        var scope = c.Scope with { SignBodyHeader = false };
        var result = SigV4Signer.Presign(c.Request, c.Credentials, scope, c.Timestamp, c.Expires);

        Assert.Equal(c.Expected("query-canonical-request.txt"), result.CanonicalRequest);
        Assert.Equal(c.Expected("query-string-to-sign.txt"), result.StringToSign);
        Assert.Equal(c.Expected("query-signature.txt"), result.Signature);
        if (c.ExpectedOrNull("query-signed-request.txt") is { } signed)
            Assert.Contains("X-Amz-Signature=" + result.Signature, signed, StringComparison.Ordinal);
    }

    private sealed record SuiteCase(string Dir, SigV4Request Request, ImmutableCredentials Credentials, SigV4Scope Scope, DateTimeOffset Timestamp, TimeSpan Expires)
    {
        public string? ExpectedOrNull(string file)
        {
            var path = Path.Combine(Dir, file);
            return File.Exists(path) ? File.ReadAllText(path, Encoding.UTF8) : null;
        }

        public string Expected(string file) => ExpectedOrNull(file) ?? throw new FileNotFoundException($"{Dir}: {file} missing");

        public static SuiteCase Load(string dir)
        {
            using var context = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "context.json")));
            var root = context.RootElement;
            var creds = root.GetProperty("credentials");
            var token = creds.TryGetProperty("token", out var t) ? t.GetString() : null;
            var credentials = new ImmutableCredentials(creds.GetProperty("access_key_id").GetString(), creds.GetProperty("secret_access_key").GetString(), token);
            var scope = new SigV4Scope(root.GetProperty("region").GetString()!, root.GetProperty("service").GetString()!)
            {
                NormalizePath = !root.TryGetProperty("normalize", out var n) || n.GetBoolean(),
                SignBodyHeader = root.TryGetProperty("sign_body", out var b) && b.GetBoolean(),
                OmitSessionToken = root.TryGetProperty("omit_session_token", out var o) && o.GetBoolean(),
            };
            var timestamp = DateTimeOffset.Parse(root.GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            var expires = TimeSpan.FromSeconds(root.TryGetProperty("expiration_in_seconds", out var e) ? e.GetInt32() : 3600);
            var request = RawHttp.Parse(File.ReadAllBytes(Path.Combine(dir, "request.txt")));
            return new SuiteCase(dir, request, credentials, scope, timestamp, expires);
        }
    }
}

public sealed class SigV4HeaderWhitespaceTests
{
    [Theory]
    [InlineData("value1", "value1")]
    [InlineData("   value1   ", "value1")]
    [InlineData("\tvalue1 \t ", "value1")]
    [InlineData("a   b\t\tc", "a b c")]
    [InlineData("value1\r\n  value2\r\n     value3", "value1 value2 value3")]
    [InlineData("value1\n\tvalue2", "value1 value2")]
    [InlineData(" \r\n value1 \r\n ", "value1")]
    [InlineData("a\u00A0 b", "a\u00A0 b")]
    [InlineData("\"quoted  value\"", "\"quoted value\"")]
    public void CanonicalHeaders_AnyFormOfWhitespace_TrimmedAndCollapsedToOneSpace(string value, string expected)
    {
        var (canonical, signed) = SigV4Signer.CanonicalHeaders([new("My-Header1", value), new("Host", "example.amazonaws.com")]);

        Assert.Equal($"host:example.amazonaws.com\nmy-header1:{expected}\n", canonical);
        Assert.Equal("host;my-header1", signed);
    }

    [Fact]
    public void SignHeaders_ValueFoldedOverSeveralLines_SignsAsTheSuitesMultilineCase()
    {
        // The test suite's get-header-value-multiline request, folded continuation lines being values of their own.
        var raw = "GET / HTTP/1.1\r\nHost:example.amazonaws.com\r\nMy-Header1:value1\r\n  value2\r\n     value3\r\nX-Amz-Date:20150830T123600Z\r\n\r\n"u8.ToArray();

        var (canonical, _) = SigV4Signer.CanonicalHeaders(RawHttp.Parse(raw).Headers);

        Assert.Contains("my-header1:value1,value2,value3\n", canonical, StringComparison.Ordinal);
    }
}

/// <summary>Reads a raw HTTP/1.1 request as the suite writes it (the target may hold spaces and raw UTF-8).</summary>
internal static class RawHttp
{
    public static SigV4Request Parse(byte[] raw)
    {
        var text = Encoding.UTF8.GetString(raw).Replace("\r\n", "\n", StringComparison.Ordinal);
        var headerEnd = text.IndexOf("\n\n", StringComparison.Ordinal);
        var head = headerEnd < 0 ? text : text[..headerEnd];
        var body = headerEnd < 0 ? "" : text[(headerEnd + 2)..];
        var lines = head.Split('\n');

        var requestLine = lines[0];
        var firstSpace = requestLine.IndexOf(' ', StringComparison.Ordinal);
        var lastSpace = requestLine.LastIndexOf(' ');
        if (firstSpace < 0 || lastSpace <= firstSpace) throw new FormatException($"bad request line '{requestLine}'");
        var method = requestLine[..firstSpace];
        var target = requestLine[(firstSpace + 1)..lastSpace];

        var headers = new List<KeyValuePair<string, string>>();
        foreach (var line in lines.Skip(1))
        {
            if (line.Length == 0) continue;
            if (line[0] is ' ' or '\t')
            {
                // A folded continuation line is one more value of the header above it.
                if (headers.Count == 0) throw new FormatException("continuation line before any header");
                headers.Add(new(headers[^1].Key, line.Trim()));
                continue;
            }
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) throw new FormatException($"bad header line '{line}'");
            headers.Add(new(line[..colon], line[(colon + 1)..].Trim()));
        }

        var q = target.IndexOf('?', StringComparison.Ordinal);
        var path = q < 0 ? target : target[..q];
        var query = new List<KeyValuePair<string, string>>();
        if (q >= 0)
        {
            foreach (var part in target[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = part.IndexOf('=', StringComparison.Ordinal);
                var name = eq < 0 ? part : part[..eq];
                var value = eq < 0 ? "" : part[(eq + 1)..];
                query.Add(new(Uri.UnescapeDataString(name), Uri.UnescapeDataString(value)));
            }
        }
        return new SigV4Request(method, path, query, headers, SigV4Request.HashPayload(Encoding.UTF8.GetBytes(body)));
    }
}

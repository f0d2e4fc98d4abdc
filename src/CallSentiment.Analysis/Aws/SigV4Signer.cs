using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;

namespace CallSentiment.Analysis.Aws;

/// <summary>
/// A request as SigV4 sees it. <see cref="Path"/> is the path as it goes on the wire (the signer URI-encodes it once
/// more, as every service but S3 expects); <see cref="Query"/> holds decoded names and values; headers keep their
/// order and duplicates (duplicates are joined with commas in the canonical form).
/// </summary>
public sealed record SigV4Request(
    string Method,
    string Path,
    IReadOnlyList<KeyValuePair<string, string>> Query,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    string PayloadHash)
{
    public static string HashPayload(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA256.HashData(body));
}

/// <summary>Where and how a request is signed.</summary>
public sealed record SigV4Scope(string Region, string Service)
{
    /// <summary>Remove dot segments and empty segments from the path (every service but S3).</summary>
    public bool NormalizePath { get; init; } = true;

    /// <summary>Add and sign <c>x-amz-content-sha256</c> (S3 and a few others want the payload hash as a header).</summary>
    public bool SignBodyHeader { get; init; }

    /// <summary>Send the session token without signing it (a few services, e.g. IoT, want it so).</summary>
    public bool OmitSessionToken { get; init; }
}

/// <summary>
/// The pieces of one signature, kept so a caller (or a test) can see each step. <see cref="AddedHeaders"/> are the
/// headers the caller must send (header signing); <see cref="AddedQuery"/> the query parameters (presigning).
/// </summary>
public sealed record SigV4Result(
    string CanonicalRequest,
    string StringToSign,
    string Signature,
    string SignedHeaders,
    IReadOnlyList<KeyValuePair<string, string>> AddedHeaders,
    IReadOnlyList<KeyValuePair<string, string>> AddedQuery)
{
    public string? Authorization => AddedHeaders.FirstOrDefault(h => h.Key == "Authorization").Value;
}

/// <summary>AWS Signature Version 4 (HMAC-SHA256), by header or by presigned query string.</summary>
public static class SigV4Signer
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    public const string UnsignedPayload = "UNSIGNED-PAYLOAD";

    /// <summary>Signs with an <c>Authorization</c> header; returns the headers to add (X-Amz-Date, token, Authorization).</summary>
    public static SigV4Result SignHeaders(SigV4Request request, ImmutableCredentials credentials, SigV4Scope scope, DateTimeOffset timestamp)
    {
        var amzDate = AmzDate(timestamp);
        var token = credentials.UseToken ? credentials.Token : null;
        var added = new List<KeyValuePair<string, string>> { new("X-Amz-Date", amzDate) };
        if (scope.SignBodyHeader) added.Add(new("x-amz-content-sha256", request.PayloadHash));
        if (token is not null && !scope.OmitSessionToken) added.Add(new("X-Amz-Security-Token", token));

        var headers = request.Headers.Concat(added).ToList();
        var (canonicalHeaders, signedHeaders) = CanonicalHeaders(headers);
        var canonical = CanonicalRequest(request.Method, CanonicalPath(request.Path, scope.NormalizePath),
            CanonicalQuery(request.Query), canonicalHeaders, signedHeaders, request.PayloadHash);
        var credentialScope = CredentialScope(timestamp, scope);
        var stringToSign = StringToSign(amzDate, credentialScope, canonical);
        var signature = Signature(credentials.SecretKey, timestamp, scope, stringToSign);

        if (token is not null && scope.OmitSessionToken) added.Add(new("X-Amz-Security-Token", token));
        added.Add(new("Authorization",
            $"{Algorithm} Credential={credentials.AccessKey}/{credentialScope}, SignedHeaders={signedHeaders}, Signature={signature}"));
        return new SigV4Result(canonical, stringToSign, signature, signedHeaders, added, []);
    }

    /// <summary>Signs in the query string (a presigned URL valid for <paramref name="expires"/>); returns the parameters to add.</summary>
    public static SigV4Result Presign(SigV4Request request, ImmutableCredentials credentials, SigV4Scope scope, DateTimeOffset timestamp, TimeSpan expires)
    {
        if (expires <= TimeSpan.Zero || expires > TimeSpan.FromDays(7))
            throw new ArgumentOutOfRangeException(nameof(expires), expires, "a presigned URL lives between 1 second and 7 days");
        var amzDate = AmzDate(timestamp);
        var token = credentials.UseToken ? credentials.Token : null;
        var (canonicalHeaders, signedHeaders) = CanonicalHeaders(request.Headers);
        var credentialScope = CredentialScope(timestamp, scope);
        var added = new List<KeyValuePair<string, string>>
        {
            new("X-Amz-Algorithm", Algorithm),
            new("X-Amz-Credential", $"{credentials.AccessKey}/{credentialScope}"),
            new("X-Amz-Date", amzDate),
            new("X-Amz-SignedHeaders", signedHeaders),
            new("X-Amz-Expires", ((long)expires.TotalSeconds).ToString(CultureInfo.InvariantCulture)),
        };
        if (token is not null && !scope.OmitSessionToken) added.Add(new("X-Amz-Security-Token", token));

        var canonical = CanonicalRequest(request.Method, CanonicalPath(request.Path, scope.NormalizePath),
            CanonicalQuery(request.Query.Concat(added)), canonicalHeaders, signedHeaders, request.PayloadHash);
        var stringToSign = StringToSign(amzDate, credentialScope, canonical);
        var signature = Signature(credentials.SecretKey, timestamp, scope, stringToSign);

        if (token is not null && scope.OmitSessionToken) added.Add(new("X-Amz-Security-Token", token));
        added.Add(new("X-Amz-Signature", signature));
        return new SigV4Result(canonical, stringToSign, signature, signedHeaders, [], added);
    }

    public static string AmzDate(DateTimeOffset timestamp) =>
        timestamp.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    public static string CredentialScope(DateTimeOffset timestamp, SigV4Scope scope) =>
        $"{timestamp.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}/{scope.Region}/{scope.Service}/aws4_request";

    public static string CanonicalRequest(string method, string canonicalPath, string canonicalQuery, string canonicalHeaders, string signedHeaders, string payloadHash) =>
        $"{method}\n{canonicalPath}\n{canonicalQuery}\n{canonicalHeaders}\n{signedHeaders}\n{payloadHash}";

    public static string StringToSign(string amzDate, string credentialScope, string canonicalRequest) =>
        $"{Algorithm}\n{amzDate}\n{credentialScope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";

    public static byte[] SigningKey(string secretKey, DateTimeOffset timestamp, SigV4Scope scope)
    {
        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + secretKey), timestamp.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture));
        key = Hmac(key, scope.Region);
        key = Hmac(key, scope.Service);
        return Hmac(key, "aws4_request");
    }

    public static string Signature(string secretKey, DateTimeOffset timestamp, SigV4Scope scope, string stringToSign) =>
        Convert.ToHexStringLower(Hmac(SigningKey(secretKey, timestamp, scope), stringToSign));

    /// <summary>
    /// Lower-cased names sorted ordinally; values trimmed with inner runs of whitespace (folds included) collapsed; repeated headers (and
    /// folded continuation lines, given as repeats) joined with commas in the order they came.
    /// </summary>
    public static (string Canonical, string Signed) CanonicalHeaders(IEnumerable<KeyValuePair<string, string>> headers)
    {
        var byName = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (name, value) in headers)
        {
            var key = name.Trim().ToLowerInvariant();
            if (!byName.TryGetValue(key, out var values)) byName[key] = values = [];
            values.Add(CollapseSpaces(value));
        }
        var canonical = new StringBuilder();
        foreach (var (name, values) in byName)
            canonical.Append(name).Append(':').AppendJoin(',', values).Append('\n');
        return (canonical.ToString(), string.Join(';', byName.Keys));
    }

    /// <summary>Each name and value URI-encoded, sorted by name then value (ordinal on the encoded bytes).</summary>
    public static string CanonicalQuery(IEnumerable<KeyValuePair<string, string>> query)
    {
        var pairs = query.Select(p => (Name: UriEncode(p.Key, keepSlash: false), Value: UriEncode(p.Value, keepSlash: false)))
            .OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal);
        return string.Join('&', pairs.Select(p => p.Name + "=" + p.Value));
    }

    public static string CanonicalPath(string path, bool normalize)
    {
        if (string.IsNullOrEmpty(path)) return "/";
        if (normalize) path = NormalizePath(path);
        return UriEncode(path, keepSlash: true);
    }

    /// <summary>RFC 3986 dot-segment removal, plus empty segments dropped; a trailing slash is kept.</summary>
    private static string NormalizePath(string path)
    {
        var kept = new List<string>();
        var segments = path.Split('/');
        foreach (var segment in segments)
        {
            if (segment is "" or ".") continue;
            if (segment == "..")
            {
                if (kept.Count > 0) kept.RemoveAt(kept.Count - 1);
                continue;
            }
            kept.Add(segment);
        }
        var last = segments[^1];
        var trailingSlash = last is "" or "." or "..";
        var joined = "/" + string.Join('/', kept);
        return trailingSlash && kept.Count > 0 ? joined + "/" : joined;
    }

    /// <summary>Percent-encodes every UTF-8 byte outside A-Z a-z 0-9 - _ . ~ (and '/' in paths), upper-case hex.</summary>
    public static string UriEncode(string value, bool keepSlash)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~' || (keepSlash && c == '/')) sb.Append(c);
            else sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>
    /// The specification's Trimall: leading and trailing whitespace dropped, every inner run turned into one space. A
    /// run may hold tabs and a fold (CR LF followed by spaces, a value written over several lines), which HTTP/1.1
    /// receivers read as one space (RFC 9112 §5.2); other characters, a no-break space included, are the value's own.
    /// </summary>
    internal static string CollapseSpaces(string value)
    {
        var sb = new StringBuilder(value.Length);
        var pendingSpace = false;
        foreach (var c in value)
        {
            if (c is ' ' or '\t' or '\r' or '\n' or '\v' or '\f')
            {
                pendingSpace = sb.Length > 0;
                continue;
            }
            if (pendingSpace) sb.Append(' ');
            pendingSpace = false;
            sb.Append(c);
        }
        return sb.ToString();
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));
}

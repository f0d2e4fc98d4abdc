using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace CallSentiment.Web.Recordings;

/// <summary>What a recording's key says about the call, before any sidecar is read. Times are local wall-clock.</summary>
public sealed record KeyFields(string? Agent, DateTime? LocalStart, string? CallId, string? CustomerId, string Extension);

/// <summary>
/// A key layout such as <c>{agent}/{yyyy}-{MM}-{dd}/{HHmmss}_{callId}.{ext}</c>. Tokens: agent, yyyy, MM, dd, HH, mm,
/// ss, HHmmss, callId, customerId, ext. Parsing is strict: a key that does not match, or names a date that does not
/// exist, is reported with the reason rather than guessed.
/// </summary>
public sealed partial class KeyPattern
{
    private static readonly Dictionary<string, string> TokenRegex = new(StringComparer.Ordinal)
    {
        ["agent"] = "[^/]+?",
        ["yyyy"] = @"\d{4}",
        ["MM"] = @"\d{2}",
        ["dd"] = @"\d{2}",
        ["HH"] = @"\d{2}",
        ["mm"] = @"\d{2}",
        ["ss"] = @"\d{2}",
        ["HHmmss"] = @"\d{6}",
        ["callId"] = "[^/]+?",
        ["customerId"] = "[^/]+?",
        ["ext"] = "[A-Za-z0-9]+",
    };

    private readonly List<(string? Literal, string? Token)> _parts = [];
    private readonly Regex _regex;

    public KeyPattern(string pattern)
    {
        Pattern = pattern;
        var regex = new StringBuilder("^");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        while (i < pattern.Length)
        {
            var open = pattern.IndexOf('{', i);
            if (open < 0) { AddLiteral(pattern[i..]); break; }
            if (open > i) AddLiteral(pattern[i..open]);
            var close = pattern.IndexOf('}', open);
            if (close < 0) throw new FormatException($"key pattern '{pattern}': '{{' at {open} is never closed");
            var token = pattern[(open + 1)..close];
            if (!TokenRegex.TryGetValue(token, out var tokenRegex))
                throw new FormatException($"key pattern '{pattern}': unknown token {{{token}}} (known: {string.Join(", ", TokenRegex.Keys)})");
            if (!seen.Add(token)) throw new FormatException($"key pattern '{pattern}': {{{token}}} appears twice");
            _parts.Add((null, token));
            regex.Append("(?<").Append(token).Append('>').Append(tokenRegex).Append(')');
            i = close + 1;
        }
        regex.Append('$');
        if (!seen.Contains("ext")) throw new FormatException($"key pattern '{pattern}' must end in .{{ext}}");
        _regex = new Regex(regex.ToString(), RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, TimeSpan.FromMilliseconds(100));
        Tokens = seen;

        void AddLiteral(string text)
        {
            _parts.Add((text, null));
            regex.Append(Regex.Escape(text));
        }
    }

    public string Pattern { get; }

    public IReadOnlySet<string> Tokens { get; }

    public static bool TryCreate(string pattern, out KeyPattern? keyPattern, out string? error)
    {
        try { keyPattern = new KeyPattern(pattern); error = null; return true; }
        catch (FormatException e) { keyPattern = null; error = e.Message; return false; }
    }

    /// <summary>Parses a key; on failure <paramref name="error"/> says why in words a supervisor can act on.</summary>
    public bool TryParse(string key, out KeyFields? fields, out string? error)
    {
        fields = null;
        var m = _regex.Match(key);
        if (!m.Success) { error = $"does not match the key pattern {Pattern}"; return false; }
        string? G(string name) => m.Groups[name] is { Success: true } g ? g.Value : null;
        DateTime? start = null;
        if (G("yyyy") is { } yyyy)
        {
            var time = G("HHmmss") ?? (G("HH") ?? "00") + (G("mm") ?? "00") + (G("ss") ?? "00");
            var text = $"{yyyy}-{G("MM") ?? "01"}-{G("dd") ?? "01"} {time}";
            if (!DateTime.TryParseExact(text, "yyyy-MM-dd HHmmss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
            {
                error = $"'{text}' is not a valid date and time";
                return false;
            }
            start = parsed;
        }
        fields = new KeyFields(G("agent"), start, G("callId"), G("customerId"), G("ext")!);
        error = null;
        return true;
    }

    /// <summary>
    /// The listing prefix for one agent (and optionally one local day): the pattern rendered up to the first token it
    /// cannot fill. Null when the pattern does not start with the agent and then the date, so prefixes would not
    /// narrow the listing.
    /// </summary>
    public string? PrefixFor(string agent, DateOnly? day)
    {
        if (_parts.Count == 0 || _parts[0].Token != "agent") return null;
        var sb = new StringBuilder();
        foreach (var (literal, token) in _parts)
        {
            if (literal is not null) { sb.Append(literal); continue; }
            var value = token switch
            {
                "agent" => agent,
                "yyyy" when day is { } d => d.Year.ToString("0000", CultureInfo.InvariantCulture),
                "MM" when day is { } d => d.Month.ToString("00", CultureInfo.InvariantCulture),
                "dd" when day is { } d => d.Day.ToString("00", CultureInfo.InvariantCulture),
                _ => null,
            };
            if (value is null) break;
            sb.Append(value);
        }
        return sb.ToString();
    }

    /// <summary>A key for an uploaded recording, in this pattern.</summary>
    public string Render(string agent, DateTime localStart, string callId, string extension, string? customerId = null)
    {
        var sb = new StringBuilder();
        foreach (var (literal, token) in _parts)
        {
            sb.Append(literal ?? token switch
            {
                "agent" => agent,
                "yyyy" => localStart.ToString("yyyy", CultureInfo.InvariantCulture),
                "MM" => localStart.ToString("MM", CultureInfo.InvariantCulture),
                "dd" => localStart.ToString("dd", CultureInfo.InvariantCulture),
                "HH" => localStart.ToString("HH", CultureInfo.InvariantCulture),
                "mm" => localStart.ToString("mm", CultureInfo.InvariantCulture),
                "ss" => localStart.ToString("ss", CultureInfo.InvariantCulture),
                "HHmmss" => localStart.ToString("HHmmss", CultureInfo.InvariantCulture),
                "callId" => callId,
                "customerId" => customerId ?? "unknown",
                "ext" => extension,
                _ => throw new InvalidOperationException(token),
            });
        }
        return sb.ToString();
    }
}

/// <summary>Keys are relative, '/'-separated paths that can never leave the source's root.</summary>
public static class RecordingKey
{
    public static bool IsSafe(string key, out string? reason)
    {
        reason = null;
        if (string.IsNullOrEmpty(key)) reason = "the key is empty";
        else if (key.Length > 1024) reason = "the key is longer than 1024 characters";
        else if (key[0] == '/' || key.Contains('\\', StringComparison.Ordinal)) reason = "the key must be a relative path with '/' separators";
        else if (key.Any(char.IsControl)) reason = "the key contains control characters";
        else if (key.Split('/').Any(s => s is "" or "." or "..")) reason = "the key has an empty, '.' or '..' segment";
        return reason is null;
    }

    public static string SidecarOf(string key)
    {
        var slash = key.LastIndexOf('/');
        var dot = key.LastIndexOf('.');
        return (dot > slash ? key[..dot] : key) + ".json";
    }

    /// <summary>
    /// The formats the analysis decodes (WAV natively; the others through ffmpeg, recognised by their first bytes), and
    /// so the only ones discovery queues and the upload form accepts. Raw ADTS .aac and .wma (ASF) are not among them:
    /// the decoder does not recognise those containers.
    /// </summary>
    public static readonly IReadOnlySet<string> AudioExtensions =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "wav", "mp3", "m4a", "ogg", "opus", "flac", "amr" };

    public static bool IsAudio(string key)
    {
        var dot = key.LastIndexOf('.');
        return dot >= 0 && dot > key.LastIndexOf('/') && AudioExtensions.Contains(key[(dot + 1)..]);
    }
}

using System.Buffers;
using System.Text;
using System.Text.Json;

namespace CallSentiment.Web.Categories;

/// <summary>One word of a speaker's transcript: normalised text, its chunk, its index in the chunk's words, its start.</summary>
public readonly record struct SpokenWord(string Text, long Seq, int Index, long StartMs);

/// <summary>A transcript chunk as a rule reads it: who spoke, and the words JSON as stored ([[text, start_ms, end_ms, confidence], ...]).</summary>
public sealed record ChunkFact(long Seq, string Role, string WordsJson);

public sealed record SpeakerFact(string Role, long TalkMs, long Interruptions);

/// <summary>
/// What a category rule can see of one call, the same whether it comes straight from an analysis (tagging when the call
/// is stored) or from the database (re-tagging past calls, trying a rule): the verdicts, the conversation's facts, the
/// speakers and the transcript. Words are read from the stored JSON on first use, once per speaker, and only when a
/// rule's phrase may be in it (<see cref="MayContain"/>).
/// </summary>
public sealed class CallFacts(long callId, long durationMs, string? sentiment, string? customerSentiment, string? agentSentiment,
    double? sentimentChange, long? silenceMs, long? longestSilenceMs, long? overlapMs, long? interruptions,
    IReadOnlyList<SpeakerFact> speakers, IReadOnlyList<ChunkFact> chunks)
{
    /// <summary>The speaker key for "anyone says": every chunk, whoever spoke it.</summary>
    public const string Anyone = "*";

    private Dictionary<string, List<SpokenWord>>? _words;

    public long CallId { get; } = callId;

    public long DurationMs { get; } = durationMs;

    public string? Sentiment { get; } = sentiment;

    public string? CustomerSentiment { get; } = customerSentiment;

    public string? AgentSentiment { get; } = agentSentiment;

    public double? SentimentChange { get; } = sentimentChange;

    public long? SilenceMs { get; } = silenceMs;

    public long? LongestSilenceMs { get; } = longestSilenceMs;

    public long? OverlapMs { get; } = overlapMs;

    public long? Interruptions { get; } = interruptions;

    public IReadOnlyList<ChunkFact> Chunks { get; } = chunks;

    public IReadOnlyList<SpeakerFact> Speakers { get; } = speakers;

    /// <summary>The facts of an analysis about to be stored (chunk seq = its index, as JobQueue stores them).</summary>
    public static CallFacts From(long callId, CallAnalysis a)
    {
        var conv = a.Conversation;
        return new CallFacts(callId, a.DurationMs, a.Verdict.Sentiment.ToLabel(), conv?.Customer?.Mood?.Fused?.Sentiment.ToLabel(),
            conv?.Agent?.Mood?.Fused?.Sentiment.ToLabel(), conv?.Customer?.Mood?.Change, conv?.SilenceMs, conv?.LongestSilenceMs, conv?.OverlapMs,
            conv?.Interruptions,
            conv?.Speakers.Select(s => new SpeakerFact(s.Role, s.TalkMs, s.Interruptions)).ToList() ?? [],
            conv?.Chunks.Select((k, i) => new ChunkFact(i, k.Role, k.WordsJson)).ToList() ?? []);
    }

    public long? InterruptionsBy(string role)
    {
        var found = false;
        long sum = 0;
        foreach (var s in Speakers)
        {
            if (!string.Equals(s.Role, role, StringComparison.Ordinal)) continue;
            found = true;
            sum += s.Interruptions;
        }
        return found ? sum : null;
    }

    /// <summary>The role's share of all talk time, in percent; null without speakers or talk.</summary>
    public double? TalkPercent(string role)
    {
        long all = 0, mine = 0;
        foreach (var s in Speakers)
        {
            all += s.TalkMs;
            if (string.Equals(s.Role, role, StringComparison.Ordinal)) mine += s.TalkMs;
        }
        return all > 0 ? 100.0 * mine / all : null;
    }

    /// <summary>The matched words as text (normalised: lower case, no punctuation).</summary>
    public string Quote(MatchSpan span) =>
        string.Join(' ', WordsOf(Anyone).Where(w => w.Seq == span.Seq && w.Index >= span.From && w.Index <= span.To).Select(w => w.Text));

    /// <summary>Who said the chunk <paramref name="seq"/>.</summary>
    public string? RoleOf(long seq) => Chunks.FirstOrDefault(k => k.Seq == seq)?.Role;

    /// <summary>The words said by <paramref name="role"/> (customer, agent, or <see cref="Anyone"/>) in order; read from that role's chunks on first use.</summary>
    public IReadOnlyList<SpokenWord> WordsOf(string role)
    {
        _words ??= new Dictionary<string, List<SpokenWord>>(StringComparer.Ordinal);
        if (!_words.TryGetValue(role, out var list)) _words[role] = list = Parse(role);
        return list;
    }

    /// <summary>
    /// False only when no word said by <paramref name="role"/> can contain <paramref name="piece"/> (one piece of a phrase,
    /// lower case as <see cref="Normalise"/> gives it, searched ignoring case), decided on the stored JSON without reading
    /// the words: a rule skips the calls whose transcript cannot match it. The JSON text holds every word as written, so
    /// a piece absent from it is absent from the words; that holds only where the JSON is plain ASCII without escapes
    /// (a \u escape, or a letter whose lower case is ASCII such as the Kelvin sign, could hide one), so such a chunk is
    /// always read.
    /// </summary>
    public bool MayContain(string role, SearchValues<string> piece)
    {
        if (_words is not null && _words.ContainsKey(role)) return true; // read already: matching is as cheap
        foreach (var k in Chunks)
        {
            if (role != Anyone && !string.Equals(k.Role, role, StringComparison.Ordinal)) continue;
            var json = k.WordsJson.AsSpan();
            if (json.ContainsAny(piece) || !Ascii.IsValid(json) || json.Contains('\\')) return true;
        }
        return false;
    }

    private List<SpokenWord> Parse(string role)
    {
        var list = new List<SpokenWord>();
        foreach (var k in Chunks)
        {
            if (role != Anyone && !string.Equals(k.Role, role, StringComparison.Ordinal)) continue;
            try
            {
                Read(k, list);
            }
            catch (JsonException)
            {
                // Words the app did not write (a hand-edited row): the rest of that chunk says nothing, rather than failing the call.
            }
        }
        return list;
    }

    private static void Read(ChunkFact k, List<SpokenWord> words)
    {
        var json = k.WordsJson;
        var rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(json.Length));
        try
        {
            var reader = new Utf8JsonReader(rented.AsSpan(0, Encoding.UTF8.GetBytes(json.AsSpan(), rented.AsSpan())));
            // [[text, start_ms, end_ms, confidence], ...]: the text and start of each inner array.
            var index = -1;
            var depth = 0;
            var field = 0;
            string? text = null;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartArray:
                        depth++;
                        if (depth == 2) { index++; field = 0; text = null; }
                        break;
                    case JsonTokenType.EndArray:
                        depth--;
                        break;
                    case JsonTokenType.String when depth == 2 && field == 0:
                        text = Word(ref reader);
                        field++;
                        break;
                    case JsonTokenType.Number when depth == 2:
                        if (field == 1 && text is { Length: > 0 })
                            words.Add(new SpokenWord(text, k.Seq, index, reader.TryGetInt64(out var ms) ? ms : (long)reader.GetDouble()));
                        field++;
                        break;
                    default:
                        if (depth == 2) field++;
                        break;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// The current JSON string as a word to match. Plain ASCII (nearly every word) is trimmed and lower-cased straight
    /// from the UTF-8 bytes, one string allocated; anything else takes the general path, with the same result.
    /// </summary>
    private static string Word(ref Utf8JsonReader reader)
    {
        var raw = reader.ValueSpan;
        if (reader.ValueIsEscaped || reader.HasValueSequence || !Ascii.IsValid(raw)) return Word(reader.GetString() ?? "", wildcards: false);
        int s = 0, e = raw.Length;
        while (s < e && !char.IsAsciiLetterOrDigit((char)raw[s])) s++;
        while (e > s && !char.IsAsciiLetterOrDigit((char)raw[e - 1])) e--;
        if (s == e) return "";
        if (e - s > 256) return Word(reader.GetString() ?? "", wildcards: false);
        Span<char> lower = stackalloc char[e - s];
        Ascii.ToLower(raw[s..e], lower, out var written);
        return new string(lower[..written]);
    }

    /// <summary>A phrase as words to match: lower case, split on spaces, without the punctuation around each word.</summary>
    public static List<string> Normalise(string phrase) =>
        phrase.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(w => Word(w, wildcards: true)).Where(w => w.Length > 0).ToList();

    private static string Word(string w, bool wildcards)
    {
        bool Keep(char ch) => char.IsLetterOrDigit(ch) || (wildcards && ch is '*' or '?');
        int s = 0, e = w.Length;
        while (s < e && !Keep(w[s])) s++;
        while (e > s && !Keep(w[e - 1])) e--;
        return w[s..e].ToLowerInvariant();
    }
}

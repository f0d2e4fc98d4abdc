using System.Text;
using CallSentiment.Analysis.Transcription;

namespace CallSentiment.Analysis.TextSentiment;

/// <summary>A piece of one speaker's turn small enough for one sentiment call, with the times of its words.</summary>
public sealed record TextChunk(int Speaker, double Start, double End, string Text);

public sealed record ChunkingOptions
{
    /// <summary>Largest chunk in UTF-8 bytes (Amazon Comprehend's DetectSentiment limit is 5,000).</summary>
    public int MaxBytes { get; init; } = 5000;

    /// <summary>Turns shorter than this many characters ("ok", "yeah") carry no usable sentiment and are skipped.</summary>
    public int MinTurnCharacters { get; init; } = 8;

    /// <summary>A silence longer than this inside one speaker's talk starts a new turn.</summary>
    public double MaxPauseSeconds { get; init; } = 3.0;

    /// <summary>An interjection of the other speaker of at most this many words ("uh-huh", "I see") ...</summary>
    public int BackChannelMaxWords { get; init; } = 2;

    /// <summary>... and at most this long does not end the turn it interrupts.</summary>
    public double BackChannelMaxSeconds { get; init; } = 1.5;

    public void Validate()
    {
        if (MaxBytes < 4) throw new ArgumentOutOfRangeException(nameof(MaxBytes), MaxBytes, "must hold at least one UTF-8 sequence (4 bytes)");
        if (MinTurnCharacters < 0) throw new ArgumentOutOfRangeException(nameof(MinTurnCharacters), MinTurnCharacters, "must not be negative");
        if (MaxPauseSeconds <= 0) throw new ArgumentOutOfRangeException(nameof(MaxPauseSeconds), MaxPauseSeconds, "must be positive");
        if (BackChannelMaxWords < 0) throw new ArgumentOutOfRangeException(nameof(BackChannelMaxWords), BackChannelMaxWords, "must not be negative");
    }
}

/// <summary>
/// Cuts a transcript into per-speaker chunks for text sentiment.
/// <list type="bullet">
/// <item>A turn is a run of one speaker's words in time order. A back-channel — the other speaker saying at most
/// <see cref="ChunkingOptions.BackChannelMaxWords"/> words within <see cref="ChunkingOptions.BackChannelMaxSeconds"/>
/// while the first speaker then carries on — does not end the turn; it becomes a turn of its own (and is usually
/// skipped as too short). A pause longer than <see cref="ChunkingOptions.MaxPauseSeconds"/> ends a turn.</item>
/// <item>Turns under <see cref="ChunkingOptions.MinTurnCharacters"/> characters are skipped, as the AWS post-call
/// analytics solution does.</item>
/// <item>A turn above <see cref="ChunkingOptions.MaxBytes"/> UTF-8 bytes is split between sentences (a word ending in
/// . ! or ? ends one), a sentence that alone is too long between words, and a single word that alone is too long
/// between UTF-8 sequences (never inside one).</item>
/// </list>
/// Chunks are ordered by start time; times are the first word's start and the last word's end.
/// </summary>
public static class TranscriptChunker
{
    private readonly record struct Piece(string Text, double Start, double End, bool EndsSentence)
    {
        public int Bytes { get; } = Encoding.UTF8.GetByteCount(Text);
    }

    public static IReadOnlyList<TextChunk> Chunk(Transcript transcript, ChunkingOptions? options = null)
    {
        options ??= new ChunkingOptions();
        options.Validate();
        var words = transcript.Words.Where(w => !string.IsNullOrWhiteSpace(w.Text))
            .Select((w, i) => (Word: w, Order: i)).OrderBy(p => p.Word.Start).ThenBy(p => p.Order).Select(p => p.Word).ToList();
        var chunks = new List<TextChunk>();
        foreach (var turn in Turns(words, options))
        {
            var text = string.Join(' ', turn.Select(w => w.Text.Trim()));
            if (text.Length < options.MinTurnCharacters) continue;
            chunks.AddRange(Split(turn, options.MaxBytes));
        }
        return [.. chunks.OrderBy(c => c.Start)];
    }

    internal static List<List<TranscriptWord>> Turns(List<TranscriptWord> words, ChunkingOptions options)
    {
        var runs = new List<List<TranscriptWord>>();
        foreach (var w in words)
        {
            var last = runs.Count > 0 ? runs[^1] : null;
            if (last is not null && last[^1].Speaker == w.Speaker && w.Start - last[^1].End <= options.MaxPauseSeconds) last.Add(w);
            else runs.Add([w]);
        }
        // A short interjection of another speaker inside a turn: the turn carries on, the interjection is its own turn.
        var turns = new List<List<TranscriptWord>>();
        List<TranscriptWord>? main = null;
        for (var i = 0; i < runs.Count; i++)
        {
            var run = runs[i];
            if (main is not null && run[0].Speaker == main[0].Speaker && run[0].Start - main[^1].End <= options.MaxPauseSeconds)
            {
                main.AddRange(run);
                continue;
            }
            if (main is not null && run[0].Speaker != main[0].Speaker && IsBackChannel(run, options)
                && i + 1 < runs.Count && runs[i + 1][0].Speaker == main[0].Speaker)
            {
                turns.Add(run);
                continue;
            }
            main = run;
            turns.Add(run);
        }
        return turns;
    }

    private static bool IsBackChannel(List<TranscriptWord> run, ChunkingOptions options) =>
        run.Count <= options.BackChannelMaxWords && run[^1].End - run[0].Start <= options.BackChannelMaxSeconds;

    private static IEnumerable<TextChunk> Split(List<TranscriptWord> turn, int maxBytes)
    {
        var speaker = turn[0].Speaker;
        var pieces = new List<Piece>();
        foreach (var w in turn)
        {
            var text = w.Text.Trim();
            var endsSentence = EndsSentence(text);
            if (Encoding.UTF8.GetByteCount(text) <= maxBytes)
            {
                pieces.Add(new Piece(text, w.Start, w.End, endsSentence));
                continue;
            }
            var parts = SplitUtf8(text, maxBytes);
            for (var k = 0; k < parts.Count; k++)
                pieces.Add(new Piece(parts[k], w.Start, w.End, endsSentence && k == parts.Count - 1));
        }

        // sentences as index ranges over the pieces
        var sentences = new List<(int From, int To, int Bytes)>();
        var from = 0;
        for (var i = 0; i < pieces.Count; i++)
        {
            if (!pieces[i].EndsSentence && i != pieces.Count - 1) continue;
            sentences.Add((from, i + 1, Bytes(pieces, from, i + 1)));
            from = i + 1;
        }

        var current = new List<Piece>();
        var currentBytes = 0;
        foreach (var (sFrom, sTo, sBytes) in sentences)
        {
            if (sBytes <= maxBytes)
            {
                if (current.Count > 0 && currentBytes + 1 + sBytes > maxBytes)
                {
                    yield return Make(speaker, current);
                    current.Clear();
                    currentBytes = 0;
                }
                currentBytes += (current.Count > 0 ? 1 : 0) + sBytes;
                current.AddRange(pieces.GetRange(sFrom, sTo - sFrom));
                continue;
            }
            // a sentence too long on its own: close what is pending, then fill chunks word by word
            if (current.Count > 0)
            {
                yield return Make(speaker, current);
                current.Clear();
                currentBytes = 0;
            }
            for (var i = sFrom; i < sTo; i++)
            {
                var p = pieces[i];
                if (current.Count > 0 && currentBytes + 1 + p.Bytes > maxBytes)
                {
                    yield return Make(speaker, current);
                    current.Clear();
                    currentBytes = 0;
                }
                currentBytes += (current.Count > 0 ? 1 : 0) + p.Bytes;
                current.Add(p);
            }
            yield return Make(speaker, current);
            current.Clear();
            currentBytes = 0;
        }
        if (current.Count > 0) yield return Make(speaker, current);
    }

    private static int Bytes(List<Piece> pieces, int from, int to)
    {
        var sum = to - from - 1;
        for (var i = from; i < to; i++) sum += pieces[i].Bytes;
        return sum;
    }

    private static TextChunk Make(int speaker, List<Piece> pieces) =>
        new(speaker, pieces[0].Start, pieces[^1].End, string.Join(' ', pieces.Select(p => p.Text)));

    private static bool EndsSentence(string word)
    {
        var t = word.TrimEnd('"', '\'', ')', '\u201D', '\u2019');
        return t.Length > 0 && t[^1] is '.' or '!' or '?' or '\u3002' or '\uFF01' or '\uFF1F' or '\u2026';
    }

    /// <summary>Splits a string into parts of at most <paramref name="maxBytes"/> UTF-8 bytes, only between
    /// Unicode scalar values, so no multi-byte sequence (or surrogate pair) is ever cut.</summary>
    internal static List<string> SplitUtf8(string text, int maxBytes)
    {
        var parts = new List<string>();
        var sb = new StringBuilder();
        var bytes = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            var n = rune.Utf8SequenceLength;
            if (bytes + n > maxBytes && sb.Length > 0)
            {
                parts.Add(sb.ToString());
                sb.Clear();
                bytes = 0;
            }
            sb.Append(rune.ToString());
            bytes += n;
        }
        if (sb.Length > 0) parts.Add(sb.ToString());
        return parts;
    }
}

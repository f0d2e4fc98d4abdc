using Whisper.net;

namespace CallSentiment.Analysis.Transcription.Whisper;

/// <summary>Turns whisper.cpp's tokens into the transcript's words.</summary>
internal static class WhisperWords
{
    /// <summary>
    /// A token starting with a space begins a word; other tokens continue it ("accou" + "nt"), and punctuation stays on
    /// the word it follows ("help" + "."). Special tokens ([_BEG_], timestamps) are dropped. Times are whisper.cpp's
    /// token times (centiseconds from the start of the piece) clamped to the piece; confidence is the mean token probability.
    /// </summary>
    public static IEnumerable<TranscriptWord> From(IEnumerable<SegmentData> segments, int speaker, double pieceStart, double pieceEnd)
    {
        string? text = null;
        double start = 0, end = 0, probability = 0;
        var count = 0;
        foreach (var token in segments.SelectMany(s => s.Tokens ?? []))
        {
            var t = token.Text ?? "";
            if (t.Length == 0 || (t.StartsWith("[_", StringComparison.Ordinal) && t.EndsWith(']'))) continue;
            var ts = Math.Clamp(pieceStart + token.Start / 100.0, pieceStart, pieceEnd);
            var te = Math.Clamp(pieceStart + token.End / 100.0, ts, pieceEnd);
            var startsWord = text is null || (char.IsWhiteSpace(t[0]) && t.Trim().Length > 0 && !IsPunctuation(t.Trim()));
            if (startsWord)
            {
                if (Word() is { } done) yield return done;
                text = t.TrimStart();
                start = ts;
                end = te;
                probability = token.Probability;
                count = 1;
            }
            else
            {
                text += t.Trim();
                end = Math.Max(end, te);
                probability += token.Probability;
                count++;
            }
        }
        if (Word() is { } last) yield return last;

        TranscriptWord? Word() =>
            string.IsNullOrWhiteSpace(text) ? null : new TranscriptWord(speaker, start, Math.Max(start, end), text.Trim(), Math.Clamp(probability / count, 0, 1));
    }

    private static bool IsPunctuation(string s) => s.All(char.IsPunctuation);
}

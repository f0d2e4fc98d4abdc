using Whisper.net;

namespace CallSentiment.Analysis.Transcription.Whisper;

/// <summary>The language whisper.cpp reports for what it decoded, turned into the transcript's language code.</summary>
internal static class WhisperLanguages
{
    /// <summary>Whisper's setting for detecting the language of each piece; never a language itself.</summary>
    public const string Auto = "auto";

    /// <summary>
    /// The language whisper.cpp reports for one decoded piece (every segment of a piece carries the same): the one it
    /// detected when the processor detects, else the one it was given. Null when it reports none.
    /// </summary>
    public static string? Reported(IEnumerable<SegmentData> segments) =>
        segments.Select(s => s.Language?.Trim()).FirstOrDefault(l => !string.IsNullOrEmpty(l) && l != Auto);

    /// <summary>
    /// The language with the most decoded speech (seconds summed over <paramref name="seconds"/>; a tie goes to the
    /// alphabetically first, so the choice is stable) as a language code: the configured code (en-US, en-GB) when it is
    /// that language, whisper.cpp's code otherwise ("de"). Null when nothing was decoded.
    /// </summary>
    public static string? Choose(IEnumerable<IReadOnlyDictionary<string, double>> seconds, string? configuredCode)
    {
        var best = seconds.SelectMany(d => d)
            .GroupBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(g => (Language: g.Key, Seconds: g.Sum(kv => kv.Value)))
            .OrderByDescending(x => x.Seconds).ThenBy(x => x.Language, StringComparer.Ordinal)
            .Select(x => x.Language).FirstOrDefault();
        return best is null ? null : Code(best, configuredCode);
    }

    /// <summary>
    /// whisper.cpp's language ("en") as the app's language code: the configured one when it is the same language, en-US
    /// for English otherwise (the offline text model and pocketsphinx say en-US), else the language as whisper.cpp names it.
    /// </summary>
    public static string Code(string language, string? configuredCode)
    {
        if (configuredCode is { Length: > 0 } && configuredCode.Split('-')[0].Equals(language, StringComparison.OrdinalIgnoreCase)) return configuredCode;
        return language == "en" ? "en-US" : language;
    }
}

namespace CallSentiment.Analysis.TextSentiment;

/// <summary>Language tags as the text scorers compare them.</summary>
public static class TextLanguages
{
    /// <summary>"en", "en-US", "en_GB" (any case): English; "und" (nothing decoded), "de", "" are not.</summary>
    public static bool IsEnglish(string? languageCode) =>
        languageCode is not null && languageCode.Trim().Replace('_', '-').Split('-')[0].Equals("en", StringComparison.OrdinalIgnoreCase);
}

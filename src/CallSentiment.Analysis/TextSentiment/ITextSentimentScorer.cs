namespace CallSentiment.Analysis.TextSentiment;

/// <summary>
/// One text's result: a verdict with Comprehend's four labels and scores summing to 1, or the reason it could not
/// be scored (a per-item error of a batch) — never both.
/// </summary>
public sealed record TextSentimentResult(Verdict? Verdict, string? Error = null)
{
    public static TextSentimentResult Failed(string error) => new(null, error);
}

/// <summary>Who said the texts: an agent's service language (apologies, refunds) is not a complaint, and a scorer that
/// knows the difference reads it as such.</summary>
public enum TextSpeaker { Unknown, Customer, Agent }

/// <summary>The seam between the offline text model and Amazon Comprehend.</summary>
public interface ITextSentimentScorer
{
    string Name { get; }

    /// <summary>
    /// Whether the scorer reads text in this language (a BCP-47 tag: "en-US", "de"). Words in a language it does not
    /// read are not scored: a model's verdict on words it cannot read would look like evidence and be none.
    /// </summary>
    bool Reads(string languageCode);

    /// <summary>Scores each text, all said by <paramref name="speaker"/>; the result list has one entry per text, in order.</summary>
    Task<IReadOnlyList<TextSentimentResult>> ScoreAsync(IReadOnlyList<string> texts, string languageCode, TextSpeaker speaker, CancellationToken cancellationToken);
}

namespace CallSentiment.Analysis.TextSentiment;

/// <summary>
/// One text's result: a verdict with Comprehend's four labels and scores summing to 1, or the reason it could not
/// be scored (a per-item error of a batch) — never both.
/// </summary>
public sealed record TextSentimentResult(Verdict? Verdict, string? Error = null)
{
    public static TextSentimentResult Failed(string error) => new(null, error);
}

/// <summary>The seam between the offline text model and Amazon Comprehend.</summary>
public interface ITextSentimentScorer
{
    string Name { get; }

    /// <summary>Scores each text; the result list has one entry per text, in order.</summary>
    Task<IReadOnlyList<TextSentimentResult>> ScoreAsync(IReadOnlyList<string> texts, string languageCode, CancellationToken cancellationToken);
}

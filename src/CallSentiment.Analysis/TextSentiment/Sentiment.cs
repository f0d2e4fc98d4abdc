namespace CallSentiment.Analysis.TextSentiment;

/// <summary>The four labels Amazon Comprehend uses; stored and exported by these upper-case names.</summary>
public enum Sentiment
{
    Positive,
    Negative,
    Neutral,
    Mixed,
}

public static class SentimentNames
{
    public static string ToLabel(this Sentiment s) => s switch
    {
        Sentiment.Positive => "POSITIVE",
        Sentiment.Negative => "NEGATIVE",
        Sentiment.Neutral => "NEUTRAL",
        Sentiment.Mixed => "MIXED",
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    };

    public static Sentiment Parse(string label) => label switch
    {
        "POSITIVE" => Sentiment.Positive,
        "NEGATIVE" => Sentiment.Negative,
        "NEUTRAL" => Sentiment.Neutral,
        "MIXED" => Sentiment.Mixed,
        _ => throw new FormatException($"unknown sentiment label '{label}'"),
    };
}

/// <summary>Confidence per label, summing to 1 (Comprehend's SentimentScore shape).</summary>
public readonly record struct SentimentScores(double Positive, double Negative, double Neutral, double Mixed)
{
    public double this[Sentiment s] => s switch
    {
        Sentiment.Positive => Positive,
        Sentiment.Negative => Negative,
        Sentiment.Neutral => Neutral,
        _ => Mixed,
    };
}

/// <summary>A call's (or a stage's) verdict: the label and the scores it came from.</summary>
public sealed record Verdict(Sentiment Sentiment, SentimentScores Scores)
{
    public double Confidence => Scores[Sentiment];
}

using CallSentiment.Web.Qa;

namespace CallSentiment.Web.Tests;

public sealed class QaReasonTests
{
    private static readonly Verdict Negative = new(Sentiment.Negative, new SentimentScores(0.02, 0.95, 0.03, 0));

    private static CallAnalysis Call(params ChunkResult[] chunks)
    {
        var customer = new SpeakerResult(1, Roles.Customer, 1, 20_000, 40, 0, [(0.0, 20.0)]);
        var conversation = new ConversationResult("offline", "channels", [customer], chunks, 0, 0, 0, 0);
        return new CallAnalysis(20_000, 8000, 2, Negative, null, [], [], conversation, ForRecovery: true);
    }

    [Fact]
    public void Describe_NegativeChunks_QuotesOnlyWordsTheRecogniserIsSureOf()
    {
        var a = Call(
            new ChunkResult(1, Roles.Customer, 1_000, 4_000, "this is the worst service ever", "[]", Negative, null, Confidence: 0.9),
            new ChunkResult(1, Roles.Customer, 5_000, 8_000, "the cat sat on a broken refund", "[]", Negative, null, Confidence: 0.3));

        var reason = QaReason.Describe(a, new FusionModel());

        Assert.Contains("\"this is the worst service ever\"", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("broken refund", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_OnlyDoubtedWords_QuotesNothing()
    {
        var a = Call(new ChunkResult(1, Roles.Customer, 1_000, 4_000, "angry misheard words", "[]", Negative, null, Confidence: 0.4));

        Assert.DoesNotContain("\"", QaReason.Describe(a, new FusionModel()), StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_NegativeCustomer_ReadsAsSentencesATeamLeadWouldWrite()
    {
        var customer = new SpeakerResult(1, Roles.Customer, 1, 20_000, 40, 0, [(0.0, 20.0)],
            new SpeakerMood(Negative, new Verdict(Sentiment.Neutral, new SentimentScores(0.1, 0.3, 0.6, 0)), Negative, [0.1, 0, -0.2, -0.6]));
        var chunk = new ChunkResult(1, Roles.Customer, 12_000, 15_000, "I want my money back", "[]", Negative, null, Confidence: 0.9);
        var a = new CallAnalysis(20_000, 8000, 2, Negative, null, [], [], new ConversationResult("offline", "channels", [customer], [chunk], 0, 0, 0, 0), ForRecovery: true);

        var reason = QaReason.Describe(a, new FusionModel());

        Assert.Equal("The customer came across as clearly unhappy (negative score 0.95): their words were negative and their voice sounded neutral. "
            + "They ended the call less happy than they began (-0.70 from the first to the last quarter). They said \"I want my money back\" at 0:12.", reason);
    }

    [Theory]
    [InlineData("The customer came across as clearly unhappy (negative score 0.93). They said \"i want a refund\" at 0:05 and \"awful\" at 0:27.",
        "The customer came across as clearly unhappy (negative score 0.93). (What they said was removed by retention.)")]
    [InlineData("They said \"awful\" at 0:27.", "(What they said was removed by retention.)")]
    [InlineData("customer NEGATIVE 0.93; at 0:05 \"i want a refund\"", "customer NEGATIVE 0.93; (quotes removed by retention)")]
    [InlineData("The call as a whole came across as likely unhappy (negative score 0.61).", "The call as a whole came across as likely unhappy (negative score 0.61).")]
    public void WithoutQuotes_ReasonOfEitherForm_KeepsAllButWhatWasSaid(string reason, string expected) =>
        Assert.Equal(expected, QaReason.WithoutQuotes(reason));
}

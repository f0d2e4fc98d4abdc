using CallSentiment.Analysis.Calls;
using CallSentiment.Analysis.TextSentiment;

namespace CallSentiment.Analysis.Tests.Calls;

public class CallFusionTests
{
    private static readonly FusionModel Prior = new();

    // About the shift fitted on the labelled agent lines (models/fusion/MODEL_CARD.md).
    private static readonly FusionModel Calibrated = new() { AgentText = new TextOffsets(-2.9, -1.1) };

    // "I'm sorry to hear that", "I'll process the refund": the text model reads them as mild complaints.
    private static readonly SentimentScores Apology = new(Positive: 0.05, Negative: 0.6, Neutral: 0.35, Mixed: 0);

    private static readonly SentimentScores Rude = new(Positive: 0.01, Negative: 0.97, Neutral: 0.02, Mixed: 0);

    private static readonly SentimentScores Complaint = new(Positive: 0.05, Negative: 0.6, Neutral: 0.35, Mixed: 0);

    // A stereo call: the agent speaks 0–12 s on channel 0, the customer 12–24 s on channel 1; no voiced windows, so the
    // words alone decide.
    private static ConversationResult Call(SentimentScores agent, SentimentScores customer) => new("offline", "Channels",
        [new SpeakerResult(0, Roles.Agent, 0, 12_000, 30, 0, [(0, 12)]), new SpeakerResult(1, Roles.Customer, 1, 12_000, 30, 0, [(12, 24)])],
        [Chunk(0, Roles.Agent, 0, 6, agent), Chunk(0, Roles.Agent, 6, 12, agent), Chunk(1, Roles.Customer, 12, 18, customer), Chunk(1, Roles.Customer, 18, 24, customer)],
        0, 0, 0, 0);

    private static ChunkResult Chunk(int speaker, string role, int from, int to, SentimentScores scores) =>
        new(speaker, role, from * 1000, to * 1000, "words", "[]", new Verdict(ConversationFusion.Largest(scores), scores), null, 0.9);

    private static readonly ChannelResult[] Silent =
    [
        new(0, Roles.Agent, 0, null, 0, 1, 0, []),
        new(1, Roles.Customer, 0, null, 0, 1, 0, []),
    ];

    private static SpeakerMood Mood(ConversationResult call, FusionModel model, string role) =>
        CallFusion.Fuse(call, Silent, 24, model).Speakers.Single(s => s.Role == role).Mood!;

    [Fact]
    public void Fuse_ApologisingAgentScoredMildlyNegative_IsNeutralWithAgentOffsetsAndNegativeWithout()
    {
        var without = Mood(Call(Apology, Complaint), Prior, Roles.Agent);
        var with = Mood(Call(Apology, Complaint), Calibrated, Roles.Agent);

        Assert.Equal(Sentiment.Negative, without.Fused!.Sentiment);
        Assert.Equal(Sentiment.Negative, without.Text!.Sentiment);
        Assert.Equal(Sentiment.Neutral, with.Fused!.Sentiment);
        Assert.Equal(Sentiment.Neutral, with.Text!.Sentiment);
        // The evidence shown on the call page and the course over the call read the shifted words too.
        Assert.True(with.Evidence!.TextNegative < without.Evidence!.TextNegative);
        Assert.True(with.Quarters[0] > without.Quarters[0], $"Q1 {with.Quarters[0]} against {without.Quarters[0]}");
    }

    [Fact]
    public void Fuse_AgentOffsets_RelabelTheAgentsChunksAndLeaveTheCustomersAsScored()
    {
        var call = Call(Apology, Complaint);

        var fused = CallFusion.Fuse(call, Silent, 24, Calibrated);

        // The transcript shows what the verdict weighed: the apology is no longer labelled a complaint.
        var agent = fused.Chunks.Where(k => k.Role == Roles.Agent).ToList();
        Assert.All(agent, k => Assert.Equal(Sentiment.Neutral, k.Verdict!.Sentiment));
        Assert.All(agent, k => Assert.Equal(Calibrated.AgentText!.Shift(Apology), k.Verdict!.Scores));
        Assert.Equal(call.Chunks.Where(k => k.Role == Roles.Customer), fused.Chunks.Where(k => k.Role == Roles.Customer));
        // Without offsets the chunks are the scorer's own.
        Assert.Equal(call.Chunks, CallFusion.Fuse(call, Silent, 24, Prior).Chunks);
    }

    [Fact]
    public void Fuse_RudeAgentScoredStronglyNegative_StaysNegativeWithAgentOffsets()
    {
        var mood = Mood(Call(Rude, Complaint), Calibrated, Roles.Agent);

        Assert.Equal(Sentiment.Negative, mood.Fused!.Sentiment);
        Assert.Equal(Sentiment.Negative, mood.Text!.Sentiment);
    }

    [Fact]
    public void Fuse_AgentOffsets_LeaveTheCustomerVerdictUnchanged()
    {
        var call = Call(Apology, Complaint);
        var without = Mood(call, Prior, Roles.Customer);
        var with = Mood(call, Calibrated, Roles.Customer);

        Assert.Equal(Sentiment.Negative, without.Fused!.Sentiment);
        Assert.Equal(without.Fusion, with.Fusion);
        Assert.Equal(without.Evidence, with.Evidence);
        Assert.Equal(without.Text, with.Text);
        Assert.Equal(without.Quarters, with.Quarters);
    }

    [Fact]
    public void Shift_Offsets_MoveEachLogOddsAgainstNeutralByExactlyTheOffset()
    {
        var before = new SentimentScores(Positive: 0.2, Negative: 0.5, Neutral: 0.25, Mixed: 0.05);
        var offsets = new TextOffsets(Negative: -1.3, Positive: 0.4);

        var after = offsets.Shift(before);

        Assert.Equal(Math.Log(before.Negative / before.Neutral) - 1.3, Math.Log(after.Negative / after.Neutral), 12);
        Assert.Equal(Math.Log(before.Positive / before.Neutral) + 0.4, Math.Log(after.Positive / after.Neutral), 12);
        // MIXED, half negative and half positive to the fusion, moves by the mean of the two factors.
        Assert.Equal(before.Mixed / before.Neutral * (Math.Exp(-1.3) + Math.Exp(0.4)) / 2, after.Mixed / after.Neutral, 12);
        Assert.Equal(1, after.Positive + after.Negative + after.Neutral + after.Mixed, 12);
        Assert.Equal(before, new TextOffsets(0, 0).Shift(before));
    }

    [Theory]
    [InlineData("""{ "agentText": { "negative": -3.5, "positive": 0 } }""")]
    [InlineData("""{ "agentText": { "negative": -1, "positive": 4 } }""")]
    [InlineData("""{ "agentText": { "negative": "NaN", "positive": 0 } }""")]
    [InlineData("""{ "agentText": { "negative": 0, "positive": 1e400 } }""")]
    public void Load_AgentTextOutOfRangeOrNotANumber_IsRefusedNamingAgentText(string json)
    {
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, FusionModel.FileName), json);

        var e = Assert.Throws<InvalidDataException>(() => FusionModel.Load(dir.Path));

        Assert.Contains("agentText", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_AgentTextWithinRange_IsRead()
    {
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, FusionModel.FileName), """{ "agentText": { "negative": -2.5, "positive": 0.75 } }""");

        Assert.Equal(new TextOffsets(-2.5, 0.75), FusionModel.Load(dir.Path).AgentText);
    }

    [Fact]
    public void SpeakerChanges_DiarizedMonoCall_AreMidGapBetweenDifferentSpeakersOnly()
    {
        // Agent 0–4 s, customer 4.6–8 s and 8.3–10 s (a pause inside the customer's turn), agent again from 10 s while the
        // customer is still finishing (overlap): changes mid-gap at 4.3 s, and at the agent's start where turns overlap.
        List<SpeakerResult> speakers =
        [
            new(0, Roles.Agent, null, 6_000, 20, 0, [(0, 4), (9.8, 12)]),
            new(1, Roles.Customer, null, 5_100, 20, 0, [(4.6, 8), (8.3, 10)]),
        ];
        var diarized = new ConversationResult("offline", "Diarization", speakers, [], 0, 0, 0, 0);
        var changes = diarized.SpeakerChanges();
        Assert.Equal(2, changes.Count);
        Assert.Equal(4.3, changes[0], 9);
        Assert.Equal(9.8, changes[1], 9);

        // Each speaker on a channel of its own, or nothing separated: there is nothing to cut.
        Assert.Empty((diarized with { Separation = "Channels" }).SpeakerChanges());
        Assert.Empty((diarized with { Separation = "None" }).SpeakerChanges());
    }
}

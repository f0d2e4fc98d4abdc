using CallSentiment.Analysis.Redaction;
using CallSentiment.Analysis.TextSentiment;
namespace CallSentiment.Analysis.Calls;

/// <summary>
/// What one analysis of a recording produced, written in one transaction with the job's completion.
/// <paramref name="LowConfidence"/>: the verdict rests on too little or too split evidence (<see cref="FusionModel"/>);
/// <paramref name="ForRecovery"/>: the call belongs in the service-recovery queue (a NEGATIVE customer, and a
/// low-confidence one only when the negative evidence is strong); <paramref name="FusionVersion"/>: the combiner that fused it.
/// </summary>
public sealed record CallAnalysis(
    long DurationMs,
    int SampleRate,
    int ChannelCount,
    Verdict Verdict,
    string? DominantEmotion,
    IReadOnlyList<ChannelResult> Channels,
    IReadOnlyList<StageResult> Stages,
    ConversationResult? Conversation = null,
    bool LowConfidence = false,
    bool ForRecovery = false,
    string? FusionVersion = null);

public sealed record ChannelResult(
    int Channel,
    string Role,
    double VoicedSeconds,
    string? DominantEmotion,
    double Negative,
    double Neutral,
    double Positive,
    IReadOnlyList<WindowResult> Windows);

public sealed record WindowResult(long StartMs, long EndMs, string Emotion, double Negative, double Neutral, double Positive, string Probabilities);

/// <summary>One stage's outcome. <see cref="Verdict"/> is null when the stage heard nothing to judge (e.g. no speech).</summary>
public sealed record StageResult(string Stage, Verdict? Verdict, string? Detail, long ElapsedMs);

/// <summary>
/// Everything a stage may read about the recording it analyses: where the audio is (<paramref name="RemoteUri"/>: s3://…
/// when in S3), which channel is whose on a stereo call, and whether a supervisor swapped the roles of a mono call.
/// <paramref name="SpeakerChanges"/>: on a diarized mono call, the seconds at which another speaker's turn starts (given by
/// <see cref="CallAnalyzer"/> to the stages that read them, from the transcript's speakers).
/// </summary>
public sealed record AnalysisContext(string AudioPath, string CallId, int AgentChannel, int CustomerChannel, bool RolesSwapped = false,
    IProgress<double>? Progress = null, string? RemoteUri = null, IReadOnlyList<double>? SpeakerChanges = null);

/// <summary>
/// What the transcript told about the conversation: its chunks (with text sentiment), its speakers with their roles,
/// talk time and mood (<see cref="SpeakerResult.Mood"/> is filled in by the fusion with the voice), and its shape.
/// </summary>
public sealed record ConversationResult(
    string Engine,
    string Separation,
    IReadOnlyList<SpeakerResult> Speakers,
    IReadOnlyList<ChunkResult> Chunks,
    long SilenceMs,
    long LongestSilenceMs,
    long OverlapMs,
    int Interruptions)
{
    public SpeakerResult? Customer => Speakers.FirstOrDefault(s => s.Role == Roles.Customer)
        ?? (Speakers.Count == 1 ? Speakers[0] : null);

    public SpeakerResult? Agent => Speakers.FirstOrDefault(s => s.Role == Roles.Agent);

    /// <summary>
    /// Seconds at which another speaker's turn starts, when the speakers were found by diarization of one channel
    /// (none when each speaker has a channel of its own, or nothing was separated): the middle of the gap between the
    /// two turns, so each keeps the short lead-in and hang-over of silence its training windows had; where the turns
    /// touch or overlap, the next one's start.
    /// </summary>
    public IReadOnlyList<double> SpeakerChanges()
    {
        if (Separation != nameof(Transcription.SpeakerSeparation.Diarization)) return [];
        var turns = Speakers.SelectMany(s => s.Speech.Select(x => (x.Start, x.End, s.Speaker))).OrderBy(t => t.Start).ThenBy(t => t.End).ToList();
        var changes = new List<double>();
        for (var i = 1; i < turns.Count; i++)
        {
            var (previous, next) = (turns[i - 1], turns[i]);
            if (next.Speaker != previous.Speaker)
                changes.Add(next.Start > previous.End ? (previous.End + next.Start) / 2 : next.Start);
        }
        return changes;
    }

    /// <summary>Where personal data was taken out of the transcript (placeholders in the chunks' words and text).</summary>
    public IReadOnlyList<PiiSpan> Redactions { get; init; } = [];
}

public sealed record SpeakerResult(int Speaker, string Role, int? Channel, long TalkMs, int Words, int Interruptions,
    IReadOnlyList<(double Start, double End)> Speech, SpeakerMood? Mood = null);

/// <summary>
/// A transcript chunk; <paramref name="Verdict"/> is null when it was not scored (<paramref name="Note"/> says why).
/// <paramref name="Confidence"/>: the recogniser's mean word confidence over the chunk (0..1).
/// </summary>
public sealed record ChunkResult(int Speaker, string Role, long StartMs, long EndMs, string Text, string WordsJson, Verdict? Verdict, string? Note,
    double Confidence = 1);

public static class Roles
{
    public const string Agent = "agent";
    public const string Customer = "customer";

    /// <summary>A mono recording whose speakers were not separated.</summary>
    public const string Mixed = "mixed";

    public const string Other = "other";
}

/// <summary>
/// One step of a call's analysis (voice emotion now; transcript and text sentiment join later). Stages run in
/// order; each contributes its own stored result, and the call verdict is fused from the verdicts they give.
/// </summary>
public interface IAnalysisStage
{
    string Name { get; }

    /// <summary>
    /// The stage reads <see cref="AnalysisContext.SpeakerChanges"/>: on a mono recording it runs after the stages that find
    /// the speakers (the transcript), not beside them.
    /// </summary>
    bool ReadsSpeakerChanges => false;

    Task<StageOutput> RunAsync(AnalysisContext context, CancellationToken cancellationToken);
}

/// <summary>A stage's result plus what it adds to the call (the voice stage measures duration and channels).</summary>
public sealed record StageOutput(StageResult Result, long? DurationMs = null, int? SampleRate = null, int? ChannelCount = null,
    IReadOnlyList<ChannelResult>? Channels = null, string? DominantEmotion = null, ConversationResult? Conversation = null);

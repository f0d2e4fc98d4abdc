using CallSentiment.Web.Recordings;

namespace CallSentiment.Web.Ingestion;

/// <summary>What one analysis of a recording produced, written in one transaction with the job's completion.</summary>
public sealed record CallAnalysis(
    long DurationMs,
    int SampleRate,
    int ChannelCount,
    Verdict Verdict,
    string? DominantEmotion,
    IReadOnlyList<ChannelResult> Channels,
    IReadOnlyList<StageResult> Stages);

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

/// <summary>Everything a stage may read about the recording it analyses.</summary>
public sealed record AnalysisContext(CallMetadata Metadata, string AudioPath, IProgress<double> Progress);

/// <summary>
/// One step of a call's analysis (voice emotion now; transcript and text sentiment join later). Stages run in
/// order; each contributes its own stored result, and the call verdict is fused from the verdicts they give.
/// </summary>
public interface IAnalysisStage
{
    string Name { get; }

    Task<StageOutput> RunAsync(AnalysisContext context, CancellationToken cancellationToken);
}

/// <summary>A stage's result plus what it adds to the call (the voice stage measures duration and channels).</summary>
public sealed record StageOutput(StageResult Result, long? DurationMs = null, int? SampleRate = null, int? ChannelCount = null,
    IReadOnlyList<ChannelResult>? Channels = null, string? DominantEmotion = null);

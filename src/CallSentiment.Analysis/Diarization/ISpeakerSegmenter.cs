using CallSentiment.Analysis.Transcription;

namespace CallSentiment.Analysis.Diarization;

/// <summary>
/// Who spoke when in a mono recording. The seam between the transcriber and the diarization engine, so the offline
/// transcriber can be given one (and tests another).
/// </summary>
public interface ISpeakerSegmenter
{
    /// <summary>
    /// Labels the given speech (from voice activity detection) with speakers 0..maxSpeakers−1, numbered in the order
    /// they first speak. Segments lie inside <paramref name="speech"/>, are ordered by start and do not overlap.
    /// </summary>
    /// <param name="samples16k">The whole recording, mono, 16 kHz.</param>
    /// <param name="speech">Speech segments in seconds, ordered, not overlapping (e.g. <see cref="Vad.SileroVad.Detect"/>).</param>
    /// <param name="maxSpeakers">Upper bound on the number of speakers (2 for a call); fewer may be found.</param>
    /// <param name="ct">Checked between the stages of the analysis.</param>
    IReadOnlyList<SpeechSegment> Segment(
        ReadOnlySpan<float> samples16k,
        IReadOnlyList<(double Start, double End)> speech,
        int maxSpeakers,
        CancellationToken ct);
}

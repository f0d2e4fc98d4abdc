namespace CallSentiment.Analysis.Transcription;

/// <summary>
/// Speaker diarization for a mono recording: given the 16 kHz signal and where voice activity detection found speech,
/// says who spoke when. The offline transcriber decodes each returned segment as one utterance of that speaker.
/// </summary>
public interface ISpeakerSegmenter
{
    /// <param name="samples16k">The whole recording, mono, 16 kHz, [-1, 1].</param>
    /// <param name="speech">Speech regions (seconds) found by voice activity detection, in time order.</param>
    /// <param name="maxSpeakers">Upper bound of distinct speakers (from the transcription request).</param>
    /// <param name="cancellationToken">Stops a long diarization.</param>
    /// <returns>Speaker-labelled segments inside <paramref name="speech"/>, speaker ids 0..maxSpeakers-1.</returns>
    IReadOnlyList<SpeechSegment> Segment(float[] samples16k, IReadOnlyList<(double Start, double End)> speech, int maxSpeakers,
        CancellationToken cancellationToken);
}

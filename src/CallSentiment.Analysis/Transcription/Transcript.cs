namespace CallSentiment.Analysis.Transcription;

/// <summary>How the speakers of a transcript were told apart.</summary>
public enum SpeakerSeparation
{
    /// <summary>One speaker per channel of a multi-channel recording (speaker id = channel index).</summary>
    Channels,

    /// <summary>Speakers found by diarization of a mono recording (speaker ids are cluster numbers).</summary>
    Diarization,

    /// <summary>One speaker, nothing separated.</summary>
    None,
}

/// <summary>
/// One recognised word. <see cref="Text"/> carries trailing punctuation when the engine gives it ("help." "sure,");
/// times are seconds from the start of the recording; <see cref="Confidence"/> is 0..1.
/// </summary>
public sealed record TranscriptWord(int Speaker, double Start, double End, string Text, double Confidence);

/// <summary>A stretch of speech by one speaker (from voice activity detection, diarization or word timings).</summary>
public sealed record SpeechSegment(int Speaker, double Start, double End)
{
    public double Duration => End - Start;
}

/// <summary>
/// A speaker of a transcript: the channel it came from (channel separation), the engine's label, and the language the
/// engine found in this speaker's speech when it tells speakers' languages apart (Whisper), else null.
/// </summary>
public sealed record TranscriptSpeaker(int Id, int? Channel, string Label, string? Language = null);

/// <summary>
/// The transcript model both engines (offline pocketsphinx, Amazon Transcribe) produce. Words are ordered by start
/// time across speakers; <see cref="Speech"/> says where each speaker spoke, so silence, talk time and overlaps can be
/// measured the same way whatever the engine. Roles (agent/customer) are assigned afterwards from metadata or a rule.
/// </summary>
public sealed record Transcript(
    string Engine,
    string LanguageCode,
    SpeakerSeparation Separation,
    IReadOnlyList<TranscriptSpeaker> Speakers,
    IReadOnlyList<TranscriptWord> Words,
    IReadOnlyList<SpeechSegment> Speech,
    double DurationSeconds);

/// <summary>What a transcriber needs: the local audio file, and where it already is in S3 if it is.</summary>
public sealed record TranscriptionRequest(
    string AudioPath,
    string CallId,
    string? S3Uri = null,
    string? LanguageCode = null,
    int MaxSpeakers = 2);

/// <summary>The seam between the offline engine and Amazon Transcribe.</summary>
public interface ITranscriber
{
    string Name { get; }

    Task<Transcript> TranscribeAsync(TranscriptionRequest request, CancellationToken cancellationToken);
}

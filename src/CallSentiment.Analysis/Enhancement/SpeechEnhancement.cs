using CallSentiment.Analysis.Audio;

namespace CallSentiment.Analysis.Enhancement;

/// <summary>Which analysis hears the enhanced signal.</summary>
public enum EnhancementMode
{
    /// <summary>Nothing is enhanced (the default: on telephone-band calls enhancement cost accuracy everywhere it was measured).</summary>
    Off,

    /// <summary>The recogniser hears the enhanced signal, the voice model the original.</summary>
    Transcript,

    /// <summary>The recogniser and the voice model both hear the enhanced signal.</summary>
    All,
}

/// <summary>
/// Where enhancement applies: the loaded model, which stages hear it, and the lowest source sample rate it is used
/// for (telephone audio, 8 kHz, is left alone by default: GTCRN was trained on wideband speech, and on the
/// telephone band it made both the transcript and the voice verdict worse in the README's measurements).
/// </summary>
public sealed record SpeechEnhancement(GtcrnEnhancer Enhancer, EnhancementMode Mode, int MinSampleRate = 16000)
{
    public bool ForTranscript => Mode is EnhancementMode.Transcript or EnhancementMode.All;

    public bool ForVoice => Mode == EnhancementMode.All;

    /// <summary>
    /// <paramref name="reader"/> enhanced (every channel at 16 kHz) when <paramref name="enabled"/> and the recording's
    /// rate is at least <see cref="MinSampleRate"/>; otherwise <paramref name="reader"/> itself.
    /// </summary>
    public AudioReader Wrap(AudioReader reader, bool enabled, CancellationToken cancellationToken = default) =>
        enabled && reader.Info.SampleRate >= MinSampleRate ? new EnhancingAudioReader(reader, Enhancer, cancellationToken) : reader;
}

using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Transcription.PocketSphinx;
using CallSentiment.Analysis.Vad;

namespace CallSentiment.Analysis.Transcription;

/// <summary>Settings of the offline (pocketsphinx + Silero VAD) transcriber.</summary>
public sealed record OfflineTranscriberOptions
{
    /// <summary>Recogniser library, model paths (Debian defaults) and decoder arguments.</summary>
    public PocketSphinxSettings Recognizer { get; init; } = new();

    /// <summary>Silero VAD v5 ONNX file, used by <see cref="OfflineTranscriber.Load"/>.</summary>
    public string VadModelPath { get; init; } = Path.Combine("..", "shared", "models", "silero-vad", "silero_vad.onnx");

    /// <summary>Speech/silence rules; a slightly longer pause than the VAD default keeps phrases together.</summary>
    public VadSettings Vad { get; init; } = new() { MinSilenceSeconds = 0.4, PadSeconds = 0.15 };

    /// <summary>Longer speech runs are cut at their least speech-like window, so no utterance exceeds this.</summary>
    public double MaxUtteranceSeconds { get; init; } = 20;

    /// <summary>Decoders kept (one per channel or recording decoded at the same time; ~60 MB each).</summary>
    public int MaxDecoders { get; init; } = 2;

    /// <summary>Longest recording accepted (a mono recording is held whole at 16 kHz for the diarizer: 230 MB per hour).</summary>
    public double MaxRecordingSeconds { get; init; } = 4 * 3600;

    public AudioDecodeOptions? Audio { get; init; }

    /// <summary>GTCRN denoising before recognition (when its mode includes the transcript and the recording's rate allows).</summary>
    public Enhancement.SpeechEnhancement? Enhancement { get; init; }

    /// <summary>Stereo channels this similar are one mono mix stored twice, not two speakers.</summary>
    public double DuplicateChannelTolerance { get; init; } = 1e-3;
}

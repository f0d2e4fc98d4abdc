using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Vad;

namespace CallSentiment.Analysis.Transcription.Whisper;

/// <summary>Settings of the Whisper (whisper.cpp through Whisper.net) transcriber.</summary>
public sealed record WhisperSettings
{
    /// <summary>A ggml model file of whisper.cpp (ggml-tiny.en.bin, ggml-base.en.bin, ggml-small.en.bin, ...).</summary>
    public required string ModelPath { get; init; }

    /// <summary>Silero VAD v5 ONNX file: Whisper only sees the speech the VAD finds.</summary>
    public required string VadModelPath { get; init; }

    /// <summary>Two-letter language ("en"), or "auto" to let a multilingual model detect it per speech segment.</summary>
    public string Language { get; init; } = "en";

    /// <summary>CPU threads per running decoder.</summary>
    public int Threads { get; init; } = 2;

    /// <summary>Beam width; 1 = greedy decoding (about twice as fast, slightly more errors).</summary>
    public int BeamSize { get; init; } = 1;

    /// <summary>Decoders kept: one per channel being decoded at the same time; each holds ~100-200 MB of work buffers.</summary>
    public int MaxDecoders { get; init; } = 2;

    /// <summary>Speech runs longer than this are cut at their least speech-like VAD window (Whisper's window is 30 s).</summary>
    public double MaxSegmentSeconds { get; init; } = 28;

    /// <summary>Tokens one decoded window may produce (0 = whisper.cpp's own limit); bounds the cost of a looping decoder.</summary>
    public int MaxTokensPerSegment { get; init; }

    /// <summary>Tokens whose text matches are never emitted (whisper.cpp's suppress_regex). The benchmark suppresses the
    /// end and timestamp tokens so a random-weight model decodes exactly <see cref="MaxTokensPerSegment"/> tokens.</summary>
    public string? SuppressRegex { get; init; }

    /// <summary>Speech/silence rules; the same as the pocketsphinx engine's.</summary>
    public VadSettings Vad { get; init; } = new() { MinSilenceSeconds = 0.4, PadSeconds = 0.15 };

    /// <summary>Longest recording accepted.</summary>
    public double MaxRecordingSeconds { get; init; } = 4 * 3600;

    public AudioDecodeOptions? Audio { get; init; }

    /// <summary>GTCRN denoising before recognition (when its mode includes the transcript and the recording's rate allows).</summary>
    public Enhancement.SpeechEnhancement? Enhancement { get; init; }
}

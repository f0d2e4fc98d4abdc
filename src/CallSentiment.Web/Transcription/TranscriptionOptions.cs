using System.ComponentModel.DataAnnotations;
using CallSentiment.Analysis.Diarization;
using CallSentiment.Analysis.TextSentiment.Comprehend;
using CallSentiment.Analysis.Transcription.Aws;

namespace CallSentiment.Web.Transcription;

public enum TranscriptionEngine
{
    /// <summary>
    /// On this machine, with Silero VAD: Whisper when a model is configured (Transcription:WhisperModel) or set-up placed
    /// one in .tools/whisper, else pocketsphinx.
    /// </summary>
    Offline,

    /// <summary>Whisper (whisper.cpp) on this machine; refuses to start without a model.</summary>
    Whisper,

    /// <summary>pocketsphinx on this machine, even when a Whisper model is present.</summary>
    PocketSphinx,

    /// <summary>Amazon Transcribe (settings in the AmazonTranscribe section; recordings outside S3 are uploaded to its Bucket).</summary>
    Aws,

    /// <summary>No transcript: the verdict is the voice alone.</summary>
    None,
}

public enum TextSentimentEngine
{
    /// <summary>The project's own model (models/text-sentiment) through ONNX Runtime.</summary>
    Offline,

    /// <summary>Amazon Comprehend (settings in the Comprehend section).</summary>
    Comprehend,
}

public sealed class TranscriptionOptions : IValidatableObject
{
    public const string Section = "Transcription";

    public TranscriptionEngine Engine { get; set; } = TranscriptionEngine.Offline;

    /// <summary>
    /// Language of the calls, one of Amazon Transcribe's language codes (e.g. en-US, en-GB, ckb-IQ). The offline engine
    /// has an English model only; Amazon Comprehend scores a subset of languages.
    /// </summary>
    [Required(ErrorMessage = "Transcription:LanguageCode is required (e.g. en-US)")]
    public string LanguageCode { get; set; } = "en-US";

    [Range(1, 10)]
    public int MaxSpeakers { get; set; } = 2;

    /// <summary>Which diarized speaker of a mono call is the agent (stereo calls use the channel metadata).</summary>
    public AgentRule AgentRule { get; set; } = AgentRule.FirstSpeaker;

    /// <summary>Chunks sent for text sentiment never exceed this many UTF-8 bytes (Comprehend's limit is 5,000).</summary>
    [Range(200, 5000)]
    public int MaxChunkBytes { get; set; } = 5000;

    /// <summary>Turns shorter than this many characters are shown but not scored ("yes", "ok" say little about mood).</summary>
    [Range(0, 200)]
    public int MinChunkChars { get; set; } = 8;

    /// <summary>Silero VAD model (ONNX); empty: .tools/silero-vad/silero_vad.onnx (scripts/setup) found upwards from the app.</summary>
    public string? VadModel { get; set; }

    /// <summary>pocketsphinx acoustic model folder, dictionary and language model; empty: Debian's pocketsphinx-en-us.</summary>
    public string? AcousticModel { get; set; }

    public string? Dictionary { get; set; }

    public string? LanguageModel { get; set; }

    /// <summary>Whisper ggml model file; empty: the one scripts/setup --whisper placed in .tools/whisper, if any.</summary>
    public string? WhisperModel { get; set; }

    /// <summary>Whisper's language ("en", or "auto" to detect it with a multilingual model); empty: from LanguageCode.</summary>
    public string? WhisperLanguage { get; set; }

    /// <summary>CPU threads per Whisper decoder (a stereo call runs two decoders).</summary>
    [Range(1, 64)]
    public int WhisperThreads { get; set; } = 1;

    /// <summary>Whisper beam width; 1 = greedy (faster).</summary>
    [Range(1, 8)]
    public int WhisperBeamSize { get; set; } = 1;

    public TextSentimentEngine TextEngine { get; set; } = TextSentimentEngine.Offline;

    /// <summary>Folder of the offline text model; empty: models/text-sentiment found upwards from the app.</summary>
    public string? TextModelFolder { get; set; }

    /// <summary>What the transcript stage needs of these settings.</summary>
    public TranscriptStageSettings StageSettings() => new()
    {
        LanguageCode = LanguageCode, MaxSpeakers = MaxSpeakers, AgentRule = AgentRule, MaxChunkBytes = MaxChunkBytes, MinChunkChars = MinChunkChars,
    };

    private string? ComprehendLanguageProblem()
    {
        try
        {
            _ = ComprehendSentimentScorer.ToComprehendLanguage(LanguageCode);
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!TranscribeLanguages.IsValid(LanguageCode))
            yield return new ValidationResult(TranscribeLanguages.Problem("Transcription:LanguageCode", LanguageCode), [nameof(LanguageCode)]);
        else if (TextEngine == TextSentimentEngine.Comprehend && Engine != TranscriptionEngine.None && ComprehendLanguageProblem() is { } comprehend)
            yield return new ValidationResult($"Transcription:LanguageCode {LanguageCode}: {comprehend}", [nameof(LanguageCode)]);
        if (Engine is TranscriptionEngine.Offline or TranscriptionEngine.PocketSphinx && !LanguageCode.StartsWith("en-", StringComparison.Ordinal))
            yield return new ValidationResult($"Transcription:LanguageCode {LanguageCode}: the offline engine has a US English model only", [nameof(LanguageCode)]);
        if (Engine is TranscriptionEngine.Aws or TranscriptionEngine.None && (VadModel is not null || AcousticModel is not null || Dictionary is not null || LanguageModel is not null))
            yield return new ValidationResult("Transcription:VadModel/AcousticModel/Dictionary/LanguageModel apply to the engines on this machine only", [nameof(Engine)]);
        if (Engine is TranscriptionEngine.Aws or TranscriptionEngine.None or TranscriptionEngine.PocketSphinx && !string.IsNullOrEmpty(WhisperModel))
            yield return new ValidationResult($"Transcription:WhisperModel is set but Transcription:Engine={Engine} does not use it", [nameof(WhisperModel)]);
    }
}

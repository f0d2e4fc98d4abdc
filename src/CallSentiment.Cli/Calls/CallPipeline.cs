using System.Security.Cryptography;
using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Calls;
using CallSentiment.Analysis.Diarization;
using CallSentiment.Analysis.SpeechEmotion;
using CallSentiment.Analysis.TextSentiment;
using CallSentiment.Analysis.Transcription;
using CallSentiment.Cli.Transcription;

namespace CallSentiment.Cli.Calls;

/// <summary>
/// The worker's analysis, assembled from the same parts the web app registers (voice stage, transcript stage with the
/// offline recogniser, diarizer and text model, <see cref="CallAnalyzer"/>), with the models the command line finds.
/// </summary>
internal sealed class CallPipeline : IDisposable
{
    private readonly SpeechEmotionModel _voice;
    private readonly OfflineTranscriber? _transcriber;
    private readonly OfflineTextSentimentScorer? _text;

    private CallPipeline(SpeechEmotionModel voice, OfflineTranscriber? transcriber, OfflineTextSentimentScorer? text, FusionModel fusion,
        Dictionary<string, string> fingerprints, string? cacheFolder, string recogniserFingerprint, AudioLimits? limits)
    {
        _voice = voice;
        _transcriber = transcriber;
        _text = text;
        Fingerprints = fingerprints;
        List<IAnalysisStage> stages = [new VoiceEmotionStage(() => _voice)];
        if (transcriber is not null && text is not null)
        {
            ITranscriber asr = cacheFolder is null ? transcriber : new CachingTranscriber(transcriber, cacheFolder, recogniserFingerprint);
            stages.Add(new TranscriptStage(asr, text, new TranscriptStageSettings()));
        }
        Analyzer = new CallAnalyzer(stages, fusion, limits);
    }

    public CallAnalyzer Analyzer { get; }

    /// <summary>Per stage name, what identifies its models and settings: a cached output is valid only for the same fingerprint.</summary>
    public IReadOnlyDictionary<string, string> Fingerprints { get; }

    public bool HasTranscript => _transcriber is not null;

    /// <summary>
    /// Options: --model (speech emotion), --text-model, --fusion, --vad-model, --decoder-args, --max-utterance. With a cache folder,
    /// transcripts are kept there (see <see cref="CachingTranscriber"/>). With limits (the worker's Ingestion limits), larger
    /// recordings are refused from their header and decoding stops there.
    /// </summary>
    public static CallPipeline Load(Args args, bool withTranscript, int parallelCalls, string? cacheFolder = null, AudioLimits? limits = null)
    {
        var voiceDir = ModelLocator.SpeechEmotionFolder(args.Get("model"));
        var textArg = args.Get("text-model");
        var fusion = LoadFusion(args.Get("fusion"));
        // As the worker: one decoder per channel being decoded, two per call analysed at once.
        var options = TranscriberFactory.Options(args, decoders: Math.Clamp(2 * parallelCalls, 2, 16));
        if (limits is not null) options = options with { MaxRecordingSeconds = limits.MaxDuration.TotalSeconds };
        var textDir = withTranscript ? ModelLocator.TextSentimentFolder(textArg) : null;
        var fingerprints = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [VoiceEmotionStage.StageName] = HashOf([Path.Combine(voiceDir, SpeechEmotionModel.CardFile), Path.Combine(voiceDir, SpeechEmotionModel.OnnxFile)], $"{new EmotionAnalyzerOptions()} revision={EmotionAnalyzer.Revision} crosstalk={CrosstalkGate.Revision}"),
        };
        var recogniser = "";
        if (textDir is not null)
        {
            var settings = string.Join(' ', options.Recognizer.EffectiveArguments().OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"))
                + $" maxUtterance={options.MaxUtteranceSeconds} {options.Recognizer.AcousticModel} {options.Recognizer.LanguageModel}"
                + $" revision={Analysis.Transcription.PocketSphinx.PocketSphinxDecoder.Revision} crosstalk={CrosstalkGate.Revision}";
            recogniser = HashOf([options.VadModelPath], settings);
            fingerprints[TranscriptStage.StageName] = HashOf(
                Directory.GetFiles(textDir).Where(f => !f.EndsWith(".md", StringComparison.Ordinal)).Order(StringComparer.Ordinal), recogniser + new TranscriptStageSettings());
        }

        var voice = SpeechEmotionModel.Load(voiceDir);
        OfflineTranscriber? transcriber = null;
        OfflineTextSentimentScorer? text = null;
        try
        {
            if (textDir is not null)
            {
                transcriber = OfflineTranscriber.Load(options, new Diarizer());
                text = OfflineTextSentimentScorer.Load(textDir);
            }
            return new CallPipeline(voice, transcriber, text, fusion, fingerprints, cacheFolder, recogniser, limits);
        }
        catch
        {
            transcriber?.Dispose();
            text?.Dispose();
            voice.Dispose();
            throw;
        }
    }

    /// <summary>--fusion DIR or FILE.json, else models/fusion found upwards.</summary>
    public static FusionModel LoadFusion(string? path)
    {
        if (path is not null && path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            return FusionModel.Load(Path.GetDirectoryName(Path.GetFullPath(path))!, Path.GetFileName(path));
        return FusionModel.Load(path ?? Shared.FindInRepository("models", "fusion"));
    }

    private static string HashOf(IEnumerable<string> files, string settings)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var f in files)
        {
            using var stream = File.OpenRead(f);
            hash.AppendData(SHA256.HashData(stream));
        }
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes(settings));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public void Dispose()
    {
        _transcriber?.Dispose();
        _text?.Dispose();
        _voice.Dispose();
    }
}

using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using CallSentiment.Analysis.Diarization;
using CallSentiment.Analysis.Onnx;
using CallSentiment.Analysis.TextSentiment.Comprehend;
using CallSentiment.Analysis.Transcription;
using CallSentiment.Analysis.Transcription.Aws;
using CallSentiment.Analysis.Transcription.PocketSphinx;
using CallSentiment.Web.Ingestion;
using CallSentiment.Web.Redaction;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Transcription;

public static class TranscriptionExtensions
{
    public const string AmazonTranscribeSection = "AmazonTranscribe";
    public const string ComprehendSection = "Comprehend";

    /// <summary>
    /// The transcript stage with the configured engines (offline by default). Transcription:Engine=None leaves the
    /// voice stage alone. Engines load at start, so a missing recogniser, model or AWS setting stops the app with the reason.
    /// </summary>
    public static IHostApplicationBuilder AddTranscription(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TranscriptionOptions>().BindConfiguration(TranscriptionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var o = builder.Configuration.GetSection(TranscriptionOptions.Section).Get<TranscriptionOptions>() ?? new TranscriptionOptions();
        if (o.Engine == TranscriptionEngine.None)
        {
            builder.Services.AddSingleton(new TranscriptionEngineInfo("none", "none: the verdict is the voice alone (Transcription:Engine=None)"));
            return builder;
        }

        if (o.Engine is TranscriptionEngine.Offline or TranscriptionEngine.Whisper or TranscriptionEngine.PocketSphinx)
        {
            var whisper = WhisperEngine.FindModel(o, builder.Environment.ContentRootPath);
            builder.Services.AddSingleton<ITranscriber>(sp => whisper is null ? LoadOffline(sp) : WhisperEngine.Load(sp, whisper));
        }
        else
        {
            builder.Services.AddOptions<AmazonTranscribeSettings>().BindConfiguration(AmazonTranscribeSection).ValidateDataAnnotations().ValidateOnStart();
            builder.Services.AddSingleton<ITranscriber>(sp =>
            {
                var settings = sp.GetRequiredService<IOptions<AmazonTranscribeSettings>>().Value;
                // Language identification when AmazonTranscribe:LanguageOptions names candidates; else the configured language.
                if (settings.LanguageOptions.Count == 0)
                    settings.LanguageCode ??= sp.GetRequiredService<IOptions<TranscriptionOptions>>().Value.LanguageCode;
                // Transcribe redacts what it knows before the transcript leaves AWS; the app's own pass follows (Redaction:*).
                if (settings.RedactPii.Count == 0) settings.RedactPii = [.. sp.GetRequiredService<IOptions<RedactionOptions>>().Value.TranscribeEntityTypes];
                var s3 = new AmazonS3Client(new AmazonS3Config { RegionEndpoint = RegionEndpoint.GetBySystemName(settings.Region), UseFIPSEndpoint = settings.UseFips, RetryMode = RequestRetryMode.Standard });
                return new AmazonTranscriber(settings, new HttpClient(), s3, sp.GetRequiredService<TimeProvider>());
            });
        }

        if (o.TextEngine == TextSentimentEngine.Offline)
        {
            builder.Services.AddSingleton<ITextSentimentScorer>(sp =>
            {
                var env = sp.GetRequiredService<IHostEnvironment>();
                var t = sp.GetRequiredService<IOptions<TranscriptionOptions>>().Value;
                var folder = ModelFolders.Find(t.TextModelFolder, Path.Combine("models", "text-sentiment"), OfflineTextSentimentScorer.CardFile,
                    env.ContentRootPath, "Transcription:TextModelFolder");
                return OfflineTextSentimentScorer.Load(folder);
            });
        }
        else
        {
            builder.Services.AddOptions<ComprehendSettings>().BindConfiguration(ComprehendSection).ValidateDataAnnotations().ValidateOnStart();
            builder.Services.AddSingleton<ITextSentimentScorer>(sp =>
                new ComprehendSentimentScorer(sp.GetRequiredService<IOptions<ComprehendSettings>>().Value, new HttpClient(), time: sp.GetRequiredService<TimeProvider>()));
        }

        builder.Services.AddSingleton(sp => WhisperEngine.Describe(sp.GetRequiredService<ITranscriber>(), sp.GetRequiredService<ITextSentimentScorer>()));
        builder.Services.AddHealthChecks().AddCheck<TranscriptionHealthCheck>("transcription", tags: ["ready"]);
        builder.Services.AddSingleton<IAnalysisStage>(sp => new TranscriptStage(sp.GetRequiredService<ITranscriber>(),
            sp.GetRequiredService<ITextSentimentScorer>(), sp.GetRequiredService<IOptions<TranscriptionOptions>>().Value.StageSettings(), sp.Redactor()));
        if (builder.Configuration.GetValue($"{IngestionOptions.Section}:{nameof(IngestionOptions.Enabled)}", true))
            builder.Services.AddHostedService<TranscriptionWarmup>();
        return builder;
    }

    private static OfflineTranscriber LoadOffline(IServiceProvider sp)
    {
        var t = sp.GetRequiredService<IOptions<TranscriptionOptions>>().Value;
        var env = sp.GetRequiredService<IHostEnvironment>();
        var vad = t.VadModel is { Length: > 0 } configured ? configured
            : Path.Combine(ModelFolders.Find(null, Path.Combine(".tools", "silero-vad"), "silero_vad.onnx", env.ContentRootPath, "Transcription:VadModel"), "silero_vad.onnx");
        var recognizer = new PocketSphinxSettings();
        recognizer = recognizer with
        {
            AcousticModel = t.AcousticModel is { Length: > 0 } am ? am : recognizer.AcousticModel,
            Dictionary = t.Dictionary is { Length: > 0 } d ? d : recognizer.Dictionary,
            LanguageModel = t.LanguageModel is { Length: > 0 } lm ? lm : recognizer.LanguageModel,
        };
        // One decoder per channel being decoded: a worker slot decodes the two channels of a stereo call side by side.
        var ingestion = sp.GetRequiredService<IOptions<IngestionOptions>>().Value;
        return OfflineTranscriber.Load(new OfflineTranscriberOptions
        {
            Recognizer = recognizer,
            VadModelPath = vad,
            MaxDecoders = Math.Clamp(2 * ingestion.EffectiveConcurrency, 2, 16),
            // A header can understate the length (or not state it); decoding stops at the same limit.
            MaxRecordingSeconds = ingestion.MaxRecordingDuration.TotalSeconds,
            Enhancement = sp.Enhancement(),
        }, new Diarizer());
    }
}

/// <summary>Loads the transcriber and the text scorer at start, so a missing engine or model stops the app with the reason.</summary>
internal sealed class TranscriptionWarmup(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            // One decoder proves the library and models work without holding up the start; the others load with the first calls.
            var transcriber = services.GetRequiredService<ITranscriber>();
            if (transcriber is OfflineTranscriber offline) offline.WarmUp(decoders: 1);
            if (transcriber is CallSentiment.Analysis.Transcription.Whisper.WhisperTranscriber whisper) whisper.WarmUp();
            _ = services.GetRequiredService<ITextSentimentScorer>();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException or OnnxRuntimeException
                                      or PocketSphinxException or DllNotFoundException or ArgumentException or OptionsValidationException)
        {
            throw new InvalidOperationException($"Transcription cannot start: {e.Message} (run scripts/setup, set the Transcription settings, " +
                "or Transcription:Engine=None for voice-only analysis)", e);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

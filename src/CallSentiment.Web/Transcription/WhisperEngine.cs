using CallSentiment.Analysis.Transcription;
using CallSentiment.Analysis.Transcription.Whisper;
using CallSentiment.Web.Ingestion;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Transcription;

/// <summary>Which speech recogniser this instance runs, for the status page, the health output and the logs.</summary>
public sealed record TranscriptionEngineInfo(string Engine, string Description);

/// <summary>Chooses between Whisper and pocketsphinx and loads Whisper.</summary>
internal static class WhisperEngine
{
    /// <summary>Where scripts/setup --whisper puts the model, searched upwards from the app like the other models.</summary>
    public const string SetupFolder = ".tools/whisper";

    // Preference when set-up fetched several: base.en is the recommended balance of speed and accuracy on 2 cores.
    private static readonly string[] Preferred = ["ggml-base.en.bin", "ggml-small.en.bin", "ggml-tiny.en.bin"];

    /// <summary>
    /// The Whisper model to use: Transcription:WhisperModel when set, else a model set-up placed in .tools/whisper
    /// (unless the engine is forced to pocketsphinx), else null (pocketsphinx).
    /// </summary>
    public static string? FindModel(TranscriptionOptions o, string contentRoot)
    {
        if (o.Engine is TranscriptionEngine.PocketSphinx or TranscriptionEngine.Aws or TranscriptionEngine.None) return null;
        if (o.WhisperModel is { Length: > 0 } configured) return configured;
        foreach (var start in new[] { contentRoot, Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var folder = Path.Combine(dir.FullName, SetupFolder);
                if (!Directory.Exists(folder)) continue;
                var found = Preferred.Select(f => Path.Combine(folder, f)).FirstOrDefault(File.Exists)
                    ?? Directory.GetFiles(folder, "ggml-*.bin").Order(StringComparer.Ordinal).FirstOrDefault();
                if (found is not null) return found;
            }
        }
        if (o.Engine == TranscriptionEngine.Whisper)
            throw new FileNotFoundException($"Transcription:Engine=Whisper needs a model: set Transcription:WhisperModel to a ggml file, or run " +
                $"scripts/setup --whisper base.en to place one in {SetupFolder}");
        return null;
    }

    public static WhisperTranscriber Load(IServiceProvider sp, string model)
    {
        var t = sp.GetRequiredService<IOptions<TranscriptionOptions>>().Value;
        var env = sp.GetRequiredService<IHostEnvironment>();
        var vad = t.VadModel is { Length: > 0 } configured ? configured
            : Path.Combine(ModelFolders.Find(null, Path.Combine(".tools", "silero-vad"), "silero_vad.onnx", env.ContentRootPath, "Transcription:VadModel"), "silero_vad.onnx");
        // One processor per channel being decoded: a worker slot decodes the two channels of a stereo call side by side.
        var concurrency = sp.GetRequiredService<IOptions<IngestionOptions>>().Value.EffectiveConcurrency;
        return WhisperTranscriber.Load(new WhisperSettings
        {
            ModelPath = model,
            VadModelPath = vad,
            Language = t.WhisperLanguage ?? t.LanguageCode.Split('-')[0],
            Threads = t.WhisperThreads,
            BeamSize = t.WhisperBeamSize,
            MaxDecoders = Math.Clamp(2 * concurrency, 2, 16),
            Enhancement = sp.Enhancement(),
        });
    }

    /// <summary>
    /// The recogniser in words, and what the text scorer makes of Whisper's language: words in a language it does not
    /// read are not scored (<see cref="TranscriptStage"/>), which an operator should see before the first call.
    /// </summary>
    public static TranscriptionEngineInfo Describe(ITranscriber transcriber, ITextSentimentScorer scorer) => transcriber switch
    {
        WhisperTranscriber w => new("whisper", $"Whisper {w.Model.Describe()}, {w.Settings.Threads} threads per decoder, " +
            (w.Settings.BeamSize > 1 ? $"beam {w.Settings.BeamSize}" : "greedy") +
            (w.Settings.Language == "auto"
                ? $", language detected per channel (words in a language the {scorer.Name} text scorer does not read are not scored: the voice decides)"
                : !scorer.Reads(w.Settings.Language)
                    ? $", language {w.Settings.Language}: the {scorer.Name} text scorer does not read it, so words are not scored and the voice decides"
                    : "")),
        OfflineTranscriber => new("pocketsphinx", "pocketsphinx (US English; scripts/setup --whisper base.en fetches a Whisper model, far more accurate)"),
        _ => new(transcriber.Name, transcriber.Name),
    };
}

/// <summary>Reports the recogniser in /health/ready (healthy whatever it is: a missing engine stops the app at start).</summary>
internal sealed class TranscriptionHealthCheck(TranscriptionEngineInfo engine) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(HealthCheckResult.Healthy(engine.Description, new Dictionary<string, object> { ["engine"] = engine.Engine }));
}

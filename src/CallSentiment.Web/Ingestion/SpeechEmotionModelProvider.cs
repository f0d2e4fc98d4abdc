using System.ComponentModel.DataAnnotations;
using CallSentiment.Analysis.Onnx;
using CallSentiment.Analysis.SpeechEmotion;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Ingestion;

public sealed class SpeechEmotionOptions
{
    public const string Section = "SpeechEmotion";

    /// <summary>Folder with model.json and speech-emotion.onnx; empty: models/speech-emotion found upwards from the app.</summary>
    public string? ModelFolder { get; set; }

    [Range(1, 64)]
    public int ThreadsPerRecording { get; set; } = 1;
}

/// <summary>The model, loaded once on first use and shared by every worker (ONNX Runtime sessions are thread-safe).</summary>
public sealed class SpeechEmotionModelProvider(IOptions<SpeechEmotionOptions> options, IHostEnvironment environment) : IDisposable
{
    private readonly Lazy<SpeechEmotionModel> _model = new(() => SpeechEmotionModel.Load(
        FindFolder(options.Value.ModelFolder, environment.ContentRootPath),
        new OnnxSessionOptions { IntraOpThreads = options.Value.ThreadsPerRecording }));

    public SpeechEmotionModel Model => _model.Value;

    public static string FindFolder(string? configured, string contentRoot) =>
        ModelFolders.Find(configured, Path.Combine("models", "speech-emotion"), SpeechEmotionModel.CardFile, contentRoot, "SpeechEmotion:ModelFolder");

    public void Dispose()
    {
        if (_model.IsValueCreated) _model.Value.Dispose();
    }
}

namespace CallSentiment.Web.Ingestion;

/// <summary>Loads the speech-emotion model and the fusion combiner at start, so a missing model or ONNX Runtime stops the app with the reason.</summary>
internal sealed class ModelWarmup(SpeechEmotionModelProvider models, IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            _ = models.Model;
            _ = services.GetRequiredService<FusionModel>();
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException or CallSentiment.Analysis.Onnx.OnnxRuntimeException)
        {
            throw new InvalidOperationException($"The speech-emotion model cannot be loaded: {e.Message} (run scripts/setup, or set SpeechEmotion:ModelFolder / Fusion:ModelFolder)", e);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

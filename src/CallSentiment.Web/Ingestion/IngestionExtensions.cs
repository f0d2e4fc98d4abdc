
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Ingestion;

public static class IngestionExtensions
{
    public static IHostApplicationBuilder AddIngestion(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IngestionOptions>().BindConfiguration(IngestionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<SpeechEmotionOptions>().BindConfiguration(SpeechEmotionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<SpeechEmotionModelProvider>();
        builder.AddSpeechEnhancement();
        builder.Services.AddSingleton<IAnalysisStage>(sp =>
        {
            var models = sp.GetRequiredService<SpeechEmotionModelProvider>();
            return new VoiceEmotionStage(() => models.Model, sp.Enhancement());
        });
        builder.Services.AddOptions<FusionOptions>().BindConfiguration(FusionOptions.Section);
        builder.Services.AddSingleton(sp => FusionModel.Load(ModelFolders.Find(sp.GetRequiredService<IOptions<FusionOptions>>().Value.ModelFolder,
            Path.Combine("models", "fusion"), FusionModel.FileName, sp.GetRequiredService<IHostEnvironment>().ContentRootPath, "Fusion:ModelFolder")));
        builder.Services.AddSingleton(sp => new CallAnalyzer(sp.GetServices<IAnalysisStage>(), sp.GetRequiredService<FusionModel>(),
            sp.GetRequiredService<IOptions<IngestionOptions>>().Value.Limits));
        builder.Services.AddSingleton<JobQueue>();
        builder.Services.AddSingleton<IngestionTelemetry>();
        builder.Services.AddSingleton<IngestionSignal>();
        builder.Services.AddSingleton<DiscoveryService>();
        builder.Services.AddSingleton<AnalysisWorker>();
        if (builder.Configuration.GetValue($"{IngestionOptions.Section}:{nameof(IngestionOptions.Enabled)}", true))
        {
            builder.Services.AddHostedService<ModelWarmup>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<DiscoveryService>());
            builder.Services.AddHostedService(sp => sp.GetRequiredService<AnalysisWorker>());
        }
        return builder;
    }
}

/// <summary>Where the combiner of words and voice is (models/fusion: fusion.json and its card).</summary>
public sealed class FusionOptions
{
    public const string Section = "Fusion";

    /// <summary>Folder with fusion.json; empty: models/fusion found upwards from the app.</summary>
    public string? ModelFolder { get; set; }
}

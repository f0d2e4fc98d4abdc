
namespace CallSentiment.Web.Ingestion;

public static class IngestionExtensions
{
    public static IHostApplicationBuilder AddIngestion(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IngestionOptions>().BindConfiguration(IngestionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<SpeechEmotionOptions>().BindConfiguration(SpeechEmotionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<SpeechEmotionModelProvider>();
        builder.Services.AddSingleton<IAnalysisStage>(sp =>
        {
            var models = sp.GetRequiredService<SpeechEmotionModelProvider>();
            return new VoiceEmotionStage(() => models.Model);
        });
        builder.Services.AddSingleton<CallAnalyzer>();
        builder.Services.AddSingleton<JobQueue>();
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

namespace CallSentiment.Web.Retention;

public static class RetentionExtensions
{
    /// <summary>Deletion by an admin, and the retention rules when any is configured (in instances that run ingestion).</summary>
    public static IHostApplicationBuilder AddRetention(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<CallDeletion>();
        builder.Services.AddSingleton<RetentionService>();
        var section = builder.Configuration.GetSection(RetentionOptions.Section);
        var any = section[nameof(RetentionOptions.CallDays)] is { Length: > 0 } || section[nameof(RetentionOptions.RecordingDays)] is { Length: > 0 }
                  || section[nameof(RetentionOptions.TranscriptDays)] is { Length: > 0 };
        if (any && builder.Configuration.GetValue("Ingestion:Enabled", true))
            builder.Services.AddHostedService(sp => sp.GetRequiredService<RetentionService>());
        return builder;
    }
}

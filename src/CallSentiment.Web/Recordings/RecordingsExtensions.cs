using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Recordings;

public static class RecordingsExtensions
{
    public static IHostApplicationBuilder AddRecordingSource(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RecordingSourceOptions>().BindConfiguration(RecordingSourceOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<RecordingSourceOptions>, RecordingSourceOptionsValidator>();
        builder.Services.AddSingleton<IRecordingSource>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<RecordingSourceOptions>>().Value;
            return o.IsS3
                ? new S3RecordingSource(S3RecordingSource.CreateClient(o.S3), o.S3)
                : new LocalFolderSource(o.Folder);
        });
        builder.Services.AddSingleton(sp => new KeyPattern(sp.GetRequiredService<IOptions<RecordingSourceOptions>>().Value.KeyPattern));
        return builder;
    }
}

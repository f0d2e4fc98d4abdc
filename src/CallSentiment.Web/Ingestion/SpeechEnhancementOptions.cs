using CallSentiment.Analysis.Enhancement;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Ingestion;

/// <summary>
/// Speech enhancement (GTCRN denoising) before the offline analysis hears a recording. Off by default: it helped the
/// recogniser only on wideband recordings in steady noise, and cost accuracy elsewhere (README, "Speech enhancement").
/// </summary>
public sealed class SpeechEnhancementOptions
{
    public const string Section = "SpeechEnhancement";

    public EnhancementMode Mode { get; set; } = EnhancementMode.Off;

    /// <summary>Recordings below this sample rate (telephone audio, 8 kHz) are analysed as they are.</summary>
    [System.ComponentModel.DataAnnotations.Range(8000, 192000, ErrorMessage = "SpeechEnhancement:MinSampleRate must be 8000..192000")]
    public int MinSampleRate { get; set; } = 16000;

    /// <summary>The GTCRN streaming model; null for models/speech-enhancement/gtcrn_simple.onnx found upwards.</summary>
    public string? ModelPath { get; set; }
}

public static class SpeechEnhancementExtensions
{
    public const string ModelFile = "gtcrn_simple.onnx";

    /// <summary>The loaded enhancement when SpeechEnhancement:Mode is not Off, else null; the analysis stages ask for it
    /// when the worker starts, so a missing or wrong model stops the app there with the reason.</summary>
    internal static SpeechEnhancement? Enhancement(this IServiceProvider services) => services.GetRequiredService<EnhancerHolder>().Enhancement;

    public static IHostApplicationBuilder AddSpeechEnhancement(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SpeechEnhancementOptions>().BindConfiguration(SpeechEnhancementOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<SpeechEnhancementOptions>>().Value;
            if (o.Mode == EnhancementMode.Off) return new EnhancerHolder(null);
            var path = o.ModelPath ?? Path.Combine(ModelFolders.Find(null, Path.Combine("models", "speech-enhancement"), ModelFile,
                sp.GetRequiredService<IHostEnvironment>().ContentRootPath, "SpeechEnhancement:ModelPath"), ModelFile);
            return new EnhancerHolder(new SpeechEnhancement(GtcrnEnhancer.Load(path), o.Mode, o.MinSampleRate));
        });
        return builder;
    }

    internal sealed class EnhancerHolder(SpeechEnhancement? enhancement) : IDisposable
    {
        public SpeechEnhancement? Enhancement { get; } = enhancement;

        public void Dispose() => Enhancement?.Enhancer.Dispose();
    }
}

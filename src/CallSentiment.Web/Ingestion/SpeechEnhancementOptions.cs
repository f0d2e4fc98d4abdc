using CallSentiment.Analysis.Enhancement;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Ingestion;

/// <summary>
/// Speech enhancement (GTCRN denoising) before the offline analysis hears a recording: off by default, because it
/// helps on noisy calls and costs a little on clean ones (README, "Speech enhancement").
/// </summary>
public sealed class SpeechEnhancementOptions
{
    public const string Section = "SpeechEnhancement";

    public bool Enabled { get; set; }

    /// <summary>The GTCRN streaming model; null for models/speech-enhancement/gtcrn_simple.onnx found upwards.</summary>
    public string? ModelPath { get; set; }
}

public static class SpeechEnhancementExtensions
{
    public const string ModelFile = "gtcrn_simple.onnx";

    /// <summary>The loaded enhancer when SpeechEnhancement:Enabled, else null; the analysis stages ask for it when the
    /// worker starts, so a missing or wrong model stops the app there with the reason.</summary>
    internal static GtcrnEnhancer? Enhancer(this IServiceProvider services) => services.GetRequiredService<EnhancerHolder>().Enhancer;

    public static IHostApplicationBuilder AddSpeechEnhancement(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SpeechEnhancementOptions>().BindConfiguration(SpeechEnhancementOptions.Section);
        builder.Services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<SpeechEnhancementOptions>>().Value;
            if (!o.Enabled) return new EnhancerHolder(null);
            var path = o.ModelPath ?? Path.Combine(ModelFolders.Find(null, Path.Combine("models", "speech-enhancement"), ModelFile,
                sp.GetRequiredService<IHostEnvironment>().ContentRootPath, "SpeechEnhancement:ModelPath"), ModelFile);
            return new EnhancerHolder(GtcrnEnhancer.Load(path));
        });
        return builder;
    }

    internal sealed class EnhancerHolder(GtcrnEnhancer? enhancer) : IDisposable
    {
        public GtcrnEnhancer? Enhancer { get; } = enhancer;

        public void Dispose() => Enhancer?.Dispose();
    }
}

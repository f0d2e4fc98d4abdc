using System.Text.Json;
using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Features;

namespace CallSentiment.Cli.Training;

/// <summary>features: writes one file's frames as raw float32 (frames × dim), for inspection and reference checks.</summary>
internal static class FeaturesCommand
{
    public static int Run(Args args)
    {
        var input = args.Positional.FirstOrDefault() ?? throw new UsageException("features needs an input file");
        var output = args.Required("out");
        var configPath = args.Get("config");
        args.EnsureAllUsed();
        var config = configPath is null ? new FeatureConfig() : JsonSerializer.Deserialize<FeatureConfig>(File.ReadAllText(configPath), Json.Options)!;
        var audio = AudioLoader.LoadMono(input, config.SampleRate);
        var frames = new FeatureExtractor(config).ComputeAll(audio);
        File.WriteAllBytes(output, System.Runtime.InteropServices.MemoryMarshal.AsBytes(frames.Rows(0, frames.Count)).ToArray());
        Console.WriteLine($"{frames.Count} frames x {frames.Dim}");
        return 0;
    }
}

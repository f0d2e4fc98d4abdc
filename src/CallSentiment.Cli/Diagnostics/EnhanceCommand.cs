using System.Diagnostics;
using System.Globalization;
using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Enhancement;

namespace CallSentiment.Cli.Diagnostics;

/// <summary>
/// enhance: denoises a recording the way SpeechEnhancement:Enabled does before analysis (every channel at 16 kHz,
/// GTCRN streamed block by block) and writes the result as a 16-bit WAV, to listen to; prints the cost in × real time.
/// </summary>
internal static class EnhanceCommand
{
    public static int Run(Args args)
    {
        var input = args.Positional.Count == 1 ? args.Positional[0] : throw new UsageException("enhance takes one recording");
        var output = args.Required("out");
        var model = args.Get("model") ?? Shared.FindInRepository("models", "speech-enhancement", "gtcrn_simple.onnx");
        args.EnsureAllUsed();

        using var enhancer = GtcrnEnhancer.Load(model);
        var stopwatch = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        float[][] channels;
        using (var reader = new EnhancingAudioReader(AudioReader.Open(input), enhancer))
            channels = reader.ReadAllChannels(maxSeconds: 4 * 3600);
        var wall = stopwatch.Elapsed.TotalSeconds;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        File.WriteAllBytes(output, WavWriter.Build(channels, GtcrnEnhancer.SampleRate, SampleEncoding.Pcm16));
        var seconds = channels.Length == 0 ? 0 : (double)channels[0].Length / GtcrnEnhancer.SampleRate;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{input}: {channels.Length} channel(s), {seconds:0.0} s enhanced in {wall:0.00} s wall, {cpuSeconds:0.00} s CPU: x{seconds / Math.Max(wall, 1e-9):0.0} real time ({cpuSeconds / Math.Max(seconds * channels.Length, 1e-9):0.000} CPU s per channel-second); wrote {output}"));
        return 0;
    }
}

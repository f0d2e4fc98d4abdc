using System.Globalization;
using System.Text.Json;
using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.SpeechEmotion;

namespace CallSentiment.Cli.SpeechEmotion;

/// <summary>analyze: emotion timeline per channel and aggregate for each recording; a bad file is reported and skipped.</summary>
internal static class AnalyzeCommand
{
    public static int Run(Args args)
    {
        var modelDir = ModelLocator.SpeechEmotionFolder(args.Get("model"));
        var json = args.Flag("json");
        var timeline = args.Flag("timeline");
        args.EnsureAllUsed();
        if (args.Positional.Count == 0) throw new UsageException("analyze needs one or more recording files");
        using var model = SpeechEmotionModel.Load(modelDir);
        var failures = 0;
        var ci = CultureInfo.InvariantCulture;
        foreach (var file in args.Positional)
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            RecordingEmotion result;
            try
            {
                using var reader = AudioReader.Open(file);
                result = new EmotionAnalyzer(model).Analyze(reader);
            }
            catch (Exception e) when (e is AudioFormatException or FileNotFoundException)
            {
                failures++;
                Console.WriteLine(string.Create(ci, $"{file}: FAILED ({(e is AudioFormatException a ? a.Kind.ToString() : "NotFound")}) {e.Message}"));
                continue;
            }
            if (json)
            {
                Console.WriteLine(JsonSerializer.Serialize(new { file, result }, Json.Options));
                continue;
            }
            Console.WriteLine(string.Create(ci,
                $"{file}: {result.DurationSeconds:0.0} s at {result.SourceSampleRate} Hz, {result.Channels.Count} channel(s), analysed in {started.Elapsed.TotalMilliseconds:0} ms"));
            foreach (var ch in result.Channels)
            {
                if (ch.Dominant < 0)
                {
                    Console.WriteLine(string.Create(ci, $"  channel {ch.Channel}: no speech ({ch.VoicedSeconds:0.0} s voiced)"));
                    continue;
                }
                var v = ValenceScores.From(ch.Mean, model);
                Console.WriteLine(string.Create(ci,
                    $"  channel {ch.Channel}: {model.Labels[ch.Dominant]} ({ch.Mean[ch.Dominant]:0.00}); valence neg {v.Negative:0.00} neu {v.Neutral:0.00} pos {v.Positive:0.00}; {ch.VoicedSeconds:0.0} s voiced, {ch.Timeline.Count} windows"));
                if (!timeline) continue;
                foreach (var w in ch.Timeline)
                {
                    var top = Array.IndexOf(w.Probabilities, w.Probabilities.Max());
                    Console.WriteLine(string.Create(ci, $"    {w.StartSeconds,7:0.00}-{w.EndSeconds,7:0.00} s  {model.Labels[top],-9} {w.Probabilities[top]:0.00}"));
                }
            }
        }
        return failures == 0 ? 0 : 1;
    }
}

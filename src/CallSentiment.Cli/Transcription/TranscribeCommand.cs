using System.Globalization;
using System.Text;
using System.Text.Json;
using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Transcription;

namespace CallSentiment.Cli.Transcription;

/// <summary>transcribe: offline transcript of each recording, one line per speaker turn; a bad file is reported and skipped.</summary>
internal static class TranscribeCommand
{
    public static int Run(Args args)
    {
        var options = TranscriberFactory.Options(args);
        var json = args.Flag("json");
        var speakers = args.Int("speakers", 2, 1, 10);
        args.EnsureAllUsed();
        if (args.Positional.Count == 0) throw new UsageException("transcribe needs one or more recording files");
        using var transcriber = OfflineTranscriber.Load(options);
        var ci = CultureInfo.InvariantCulture;
        var failures = 0;
        foreach (var file in args.Positional)
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            Transcript t;
            OfflineTranscriptionStats stats;
            try
            {
                (t, stats) = transcriber.TranscribeWithStatsAsync(new TranscriptionRequest(Path.GetFullPath(file), Path.GetFileName(file), MaxSpeakers: speakers),
                    CancellationToken.None).GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is AudioFormatException or FileNotFoundException)
            {
                failures++;
                Console.WriteLine($"{file}: FAILED {e.Message}");
                continue;
            }
            if (json)
            {
                Console.WriteLine(JsonSerializer.Serialize(new { file, transcript = t }, Json.Options));
                continue;
            }
            Console.WriteLine(string.Create(ci,
                $"{file}: {t.DurationSeconds:0.0} s, {t.Speakers.Count} speaker(s) by {t.Separation}, {t.Words.Count} words, {stats.SpeechSeconds:0.0} s speech in {stats.Utterances} utterances, {started.Elapsed.TotalSeconds:0.0} s"));
            foreach (var turn in Turns(t))
            {
                var text = string.Join(' ', turn.Words.Select(w => w.Text));
                var conf = turn.Words.Count == 0 ? 0 : turn.Words.Average(w => w.Confidence);
                Console.WriteLine(string.Create(ci, $"  [{turn.Start,7:0.00}-{turn.End,7:0.00}] {Label(t, turn.Speaker)}: {text} (conf {conf:0.00})"));
            }
        }
        return failures == 0 ? 0 : 1;
    }

    private static string Label(Transcript t, int speaker) => t.Speakers.FirstOrDefault(s => s.Id == speaker)?.Label ?? $"spk_{speaker}";

    /// <summary>Consecutive words of one speaker, broken at pauses over a second.</summary>
    private static IEnumerable<(int Speaker, double Start, double End, List<TranscriptWord> Words)> Turns(Transcript t)
    {
        List<TranscriptWord> current = [];
        foreach (var w in t.Words)
        {
            if (current.Count > 0 && (current[^1].Speaker != w.Speaker || w.Start - current[^1].End > 1.0))
            {
                yield return (current[0].Speaker, current[0].Start, current[^1].End, current);
                current = [];
            }
            current.Add(w);
        }
        if (current.Count > 0) yield return (current[0].Speaker, current[0].Start, current[^1].End, current);
    }

    internal static string Join(IEnumerable<TranscriptWord> words)
    {
        var sb = new StringBuilder();
        foreach (var w in words)
        {
            if (sb.Length > 0) sb.Append(' ');
            sb.Append(w.Text);
        }
        return sb.ToString();
    }
}

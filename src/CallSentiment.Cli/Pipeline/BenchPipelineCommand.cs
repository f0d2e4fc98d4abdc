using System.Diagnostics;
using System.Globalization;
using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.SpeechEmotion;
using CallSentiment.Analysis.TextSentiment;
using CallSentiment.Analysis.Transcription;
using CallSentiment.Cli.Transcription;

namespace CallSentiment.Cli.Pipeline;

/// <summary>
/// bench-pipeline: the whole offline analysis of a call (decode, VAD, transcription, voice emotion, text sentiment)
/// on stereo 8 kHz µ-law test calls built from real speech (agent: the ASR read-speech clips, customer: RAVDESS
/// clips), several recordings at once, reporting audio seconds per wall second and where the CPU time went.
/// </summary>
internal static class BenchPipelineCommand
{
    private const double LoadAverageWarning = 1.5;

    public static int Run(Args args)
    {
        var calls = args.Int("calls", 4, 1, 100);
        var parallel = args.Int("parallel", 2, 1, 16);
        var seconds = args.Double("seconds", 300, 20, 7200);
        var modelDir = ModelLocator.SpeechEmotionFolder(args.Get("model"));
        var agentData = args.Get("agent-speech") ?? Shared.Find("datasets", "asr", "speech");
        var customerManifest = args.Get("customer-speech") ?? Shared.Find("datasets", "ser", "ravdess", "MANIFEST.csv");
        var textModelArg = args.Get("text-model");
        var options = TranscriberFactory.Options(args, decoders: parallel);
        args.EnsureAllUsed();
        var textModelDir = TextModelFolder(textModelArg);
        var ci = CultureInfo.InvariantCulture;

        var dir = Directory.CreateTempSubdirectory("callsentiment-pipeline-");
        try
        {
            Console.WriteLine(string.Create(ci, $"building {calls} stereo 8 kHz µ-law test call(s) of {seconds:0} s (agent: {agentData}, customer: {customerManifest})"));
            var files = TestCalls.Build(dir.FullName, calls, seconds, agentData, customerManifest);

            using var transcriber = OfflineTranscriber.Load(options);
            using var emotionModel = SpeechEmotionModel.Load(modelDir);
            // The offline text model scores the transcript's chunks as the web pipeline does; without a trained model
            // (no text-sentiment.json yet) the stage is skipped and reported as such.
            using var textScorer = textModelDir is null ? null : OfflineTextSentimentScorer.Load(textModelDir);

            transcriber.WarmUp();
            // Warm-up run on a short slice (JIT, ONNX Runtime arenas) so the figures are steady-state.
            RunOne(files[0], transcriber, emotionModel, textScorer, CancellationToken.None);

            var load0 = LoadAverage();
            var process = Process.GetCurrentProcess();
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            var results = new StageTimes[files.Count];
            Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = parallel },
                i => results[i] = RunOne(files[i], transcriber, emotionModel, textScorer, CancellationToken.None));
            wall.Stop();
            process.Refresh();
            var cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
            var load1 = LoadAverage();

            var audio = results.Sum(r => r.AudioSeconds);
            var total = StageTimes.Sum(results);
            Console.WriteLine(string.Create(ci, $"machine: {Environment.ProcessorCount} cores; load average (1 min) {load0:0.00} before, {load1:0.00} after"));
            if (load0 > LoadAverageWarning || load1 > LoadAverageWarning)
                Console.WriteLine("warning: the machine was busy with other work; wall-clock figures are pessimistic");
            Console.WriteLine(string.Create(ci, $"{files.Count} call(s), {parallel} at a time: {audio:0} s of audio in {wall.Elapsed.TotalSeconds:0.0} s wall = {audio / wall.Elapsed.TotalSeconds:0.0}x real time"));
            Console.WriteLine(string.Create(ci, $"process CPU {cpu:0.0} s = {audio / cpu:0.0} s of audio per CPU-second; speech found {total.SpeechSeconds:0} s, {total.Words} words"));
            Console.WriteLine("stage busy time (thread time summed over recordings and channels; ≈ CPU time for these single-threaded stages):");
            foreach (var (name, t) in new[]
                     {
                         ("audio decode + resample", total.Decode), ("voice activity (Silero)", total.Vad),
                         ("speech recognition", total.Asr), ("voice emotion", total.Emotion), ("text sentiment", total.Text),
                     })
                Console.WriteLine(string.Create(ci, $"  {name,-24} {t.TotalSeconds,8:0.0} s  ({t.TotalSeconds / audio * 100,5:0.0} % of audio duration)"));
            if (textScorer is null)
                Console.WriteLine("  (text sentiment: no trained model in models/text-sentiment (text-sentiment.json); stage skipped — pass --text-model DIR)");
            else
                Console.WriteLine(string.Create(ci, $"  (text sentiment: {total.Chunks} transcript chunks scored with {textModelDir})"));
            return 0;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>
    /// --text-model DIR (must hold a trained model), else models/text-sentiment when it holds text-sentiment.json,
    /// else null (stage skipped).
    /// </summary>
    private static string? TextModelFolder(string? explicitFolder)
    {
        if (explicitFolder is not null)
        {
            if (!File.Exists(Path.Combine(explicitFolder, OfflineTextSentimentScorer.CardFile)))
                throw new UsageException($"--text-model {explicitFolder}: no {OfflineTextSentimentScorer.CardFile} there");
            return explicitFolder;
        }
        try
        {
            return ModelLocator.TextSentimentFolder(null, requireModel: true);
        }
        catch (UsageException)
        {
            return null;
        }
    }

    private sealed record StageTimes(double AudioSeconds, TimeSpan Decode, TimeSpan Vad, TimeSpan Asr, TimeSpan Emotion, TimeSpan Text,
        double SpeechSeconds, int Words, int Chunks)
    {
        public static StageTimes Sum(IEnumerable<StageTimes> all) => all.Aggregate(new StageTimes(0, default, default, default, default, default, 0, 0, 0),
            (a, b) => new StageTimes(a.AudioSeconds + b.AudioSeconds, a.Decode + b.Decode, a.Vad + b.Vad, a.Asr + b.Asr, a.Emotion + b.Emotion,
                a.Text + b.Text, a.SpeechSeconds + b.SpeechSeconds, a.Words + b.Words, a.Chunks + b.Chunks));
    }

    private static StageTimes RunOne(string file, OfflineTranscriber transcriber, SpeechEmotionModel emotionModel,
        OfflineTextSentimentScorer? textScorer, CancellationToken cancellationToken)
    {
        var (transcript, stats) = transcriber.TranscribeWithStatsAsync(new TranscriptionRequest(file, Path.GetFileName(file)), cancellationToken)
            .GetAwaiter().GetResult();

        var sw = Stopwatch.StartNew();
        using (var reader = AudioReader.Open(file)) new EmotionAnalyzer(emotionModel).Analyze(reader, cancellationToken);
        var emotion = sw.Elapsed;

        var text = TimeSpan.Zero;
        var chunks = 0;
        if (textScorer is not null)
        {
            sw.Restart();
            // As the web pipeline: per-speaker turns (back-channels kept apart, short turns skipped) cut to the scorer's size.
            var texts = TranscriptChunker.Chunk(transcript).Select(c => c.Text).ToList();
            var results = textScorer.ScoreAsync(texts, transcript.LanguageCode, TextSpeaker.Unknown, cancellationToken).GetAwaiter().GetResult();
            var failed = results.FirstOrDefault(r => r.Error is not null);
            if (failed is not null) throw new InvalidOperationException($"text sentiment failed on a chunk of {Path.GetFileName(file)}: {failed.Error}");
            chunks = texts.Count;
            text = sw.Elapsed;
        }
        return new StageTimes(transcript.DurationSeconds, stats.AudioDecoding, stats.VoiceActivity, stats.Recognition, emotion, text,
            stats.SpeechSeconds, transcript.Words.Count, chunks);
    }

    private static double LoadAverage()
    {
        try
        {
            var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.Parse(first, CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }
}

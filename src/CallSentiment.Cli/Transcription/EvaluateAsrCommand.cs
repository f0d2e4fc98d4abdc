using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Transcription;
using CallSentiment.Analysis.Transcription.Whisper;
using CallSentiment.Analysis.Vad;

namespace CallSentiment.Cli.Transcription;

/// <summary>
/// evaluate-asr: transcribes every utterance of a folder (transcripts.tsv = id TAB reference), scores the result with
/// NIST sclite and, as a cross-check, with the project's own alignment. The last line is machine-readable:
/// WER=0.2713 words=129 errors=35 rtf=0.210
/// </summary>
internal static partial class EvaluateAsrCommand
{
    public static int Run(Args args)
    {
        var data = args.Required("data");
        var telephone = args.Flag("telephone");
        var sclite = FindSclite(args.Get("sclite"));
        var outDir = args.Get("out");
        var engine = args.Get("engine") ?? "pocketsphinx";
        var whisperModel = args.Get("whisper-model");
        var options = TranscriberFactory.Options(args, decoders: 1);
        using var condition = Diagnostics.NoiseCondition.FromArgs(args);
        args.EnsureAllUsed();
        if (engine is not ("pocketsphinx" or "whisper")) throw new UsageException($"--engine pocketsphinx|whisper, not '{engine}'");
        if (engine == "whisper" && whisperModel is null)
            throw new UsageException("--engine whisper needs --whisper-model ggml-base.en.bin (scripts/setup --whisper base.en fetches it into .tools/whisper)");

        var tsv = Path.Combine(data, "transcripts.tsv");
        if (!File.Exists(tsv)) throw new UsageException($"{tsv} not found (expected id<TAB>reference lines)");
        var items = File.ReadAllLines(tsv)
            .Where(l => l.Length > 0)
            .Select(l => l.Split('\t', 2))
            .Select(p => p.Length == 2 ? (Id: p[0], Reference: p[1].Trim()) : throw new InvalidDataException($"{tsv}: line without a tab: {p[0]}"))
            .ToList();
        if (items.Count == 0) throw new InvalidDataException($"{tsv} lists no utterances");

        outDir ??= Directory.CreateTempSubdirectory("evaluate-asr-").FullName;
        Directory.CreateDirectory(outDir);
        using var transcriber = engine == "pocketsphinx" ? OfflineTranscriber.Load(options) : null;
        transcriber?.WarmUp();
        using var whisper = engine == "whisper"
            ? WhisperTranscriber.Load(new WhisperSettings { ModelPath = whisperModel!, VadModelPath = options.VadModelPath, MaxDecoders = 1 })
            : null;
        whisper?.WarmUp();
        var ci = CultureInfo.InvariantCulture;
        var refLines = new List<string>();
        var hypLines = new List<string>();
        var own = new WordErrors();
        double audioSeconds = 0, busySeconds = 0;
        foreach (var (id, reference) in items)
        {
            var wav = Path.Combine(data, id + ".wav");
            var samples = AudioLoader.LoadMono(wav, SileroVad.SampleRate);
            var sw = Stopwatch.StartNew();
            if (condition is not null)
                samples = condition.Apply(samples, SileroVad.SampleRate, id, telephone ? s => TelephoneChannel.Apply(s, SileroVad.SampleRate) : null);
            else if (telephone)
                samples = TelephoneChannel.Apply(samples, SileroVad.SampleRate);
            var t = transcriber is not null
                ? transcriber.TranscribeSamplesAsync([samples], 1, CancellationToken.None).GetAwaiter().GetResult().Transcript
                : whisper!.TranscribeSamplesAsync([ToPcm(samples)], CancellationToken.None).GetAwaiter().GetResult().Transcript;
            busySeconds += sw.Elapsed.TotalSeconds;
            audioSeconds += (double)samples.Length / SileroVad.SampleRate;
            // Whisper writes casing and punctuation; the references are bare lower-case words.
            var hyp = Normalise(TranscribeCommand.Join(t.Words));
            var utt = UtteranceId(id);
            refLines.Add($"{reference.ToLowerInvariant()} ({utt})");
            hypLines.Add($"{hyp} ({utt})");
            var e = WordErrors.Align(WordErrors.Words(reference), WordErrors.Words(hyp));
            own += e;
            Console.WriteLine(string.Create(ci, $"{id}: {e.Errors}/{e.ReferenceWords} errors  REF: {reference}"));
            Console.WriteLine($"{new string(' ', id.Length + 2)}{"",0}HYP: {hyp}");
        }

        var refPath = Path.Combine(outDir, "ref.trn");
        var hypPath = Path.Combine(outDir, "hyp.trn");
        File.WriteAllLines(refPath, refLines);
        File.WriteAllLines(hypPath, hypLines);
        var summary = RunSclite(sclite, refPath, hypPath);
        Console.WriteLine(summary.Output.TrimEnd());
        var sc = ParseSumAvg(summary.Output);
        if (condition is not null) Console.WriteLine($"condition: {condition.Describe()} (enhancement time counts in rtf)");
        var scErrors = (int)Math.Round(sc.ErrPercent * sc.Words / 100);
        Console.WriteLine(string.Create(ci,
            $"cross-check: sclite {scErrors} errors / {sc.Words} words; own alignment {own.Errors} errors (S {own.Substitutions}, D {own.Deletions}, I {own.Insertions}) / {own.ReferenceWords} words; trn files in {outDir}"));
        if (sc.Words != own.ReferenceWords || scErrors != own.Errors)
            throw new InvalidDataException($"sclite ({scErrors}/{sc.Words}) and the own alignment ({own.Errors}/{own.ReferenceWords}) disagree");
        Console.WriteLine(string.Create(ci, $"WER={(double)scErrors / sc.Words:0.0000} words={sc.Words} errors={scErrors} rtf={busySeconds / audioSeconds:0.000}"));
        return 0;
    }

    private static short[] ToPcm(float[] samples) => [.. samples.Select(s => (short)Math.Clamp(MathF.Round(s * 32767f), short.MinValue, short.MaxValue))];

    internal static string Normalise(string text) =>
        string.Join(' ', PunctuationOutsideWords().Replace(text.ToLowerInvariant(), " ").Split(' ', StringSplitOptions.RemoveEmptyEntries));

    // Keeps apostrophes inside words ("don't") and drops every other punctuation mark.
    [GeneratedRegex(@"[^\p{L}\p{N}' ]|(?<![\p{L}\p{N}])'|'(?![\p{L}\p{N}])")]
    private static partial Regex PunctuationOutsideWords();

    // sclite's spu_id form is (speaker-utterance); LibriSpeech-style ids already carry the speaker before the first '-' or '_'.
    private static string UtteranceId(string id) => IdCleanup().Replace(id, "-");

    [GeneratedRegex("[^A-Za-z0-9-]")]
    private static partial Regex IdCleanup();

    internal static string FindSclite(string? explicitPath)
    {
        if (explicitPath is not null)
            return File.Exists(explicitPath) ? explicitPath : throw new UsageException($"--sclite {explicitPath}: no such file");
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/lib/sctk/bin");
        foreach (var d in dirs)
        {
            var p = Path.Combine(d, "sclite");
            if (File.Exists(p)) return p;
        }
        throw new UsageException("sclite (NIST SCTK) not found: install the Debian package sctk (scripts/setup --test) or pass --sclite PATH");
    }

    private static (string Output, int ExitCode) RunSclite(string sclite, string refPath, string hypPath)
    {
        var psi = new ProcessStartInfo(sclite)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-r", refPath, "trn", "-h", hypPath, "trn", "-i", "spu_id", "-o", "sum", "stdout" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {sclite}");
        var stderr = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidDataException($"sclite failed (exit {p.ExitCode}): {stderr.GetAwaiter().GetResult()}{output}");
        return (output, p.ExitCode);
    }

    /// <summary>The "| Sum/Avg | #Snt #Wrd | Corr Sub Del Ins Err S.Err |" line of sclite's summary.</summary>
    internal static (int Sentences, int Words, double ErrPercent) ParseSumAvg(string output)
    {
        var line = output.Split('\n').FirstOrDefault(l => l.Contains("Sum/Avg", StringComparison.Ordinal))
            ?? throw new InvalidDataException("sclite printed no Sum/Avg line:\n" + output);
        var numbers = line.Split(['|', ' '], StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();
        if (numbers.Length < 7) throw new InvalidDataException("unexpected sclite Sum/Avg line: " + line);
        return ((int)numbers[0], (int)numbers[1], numbers[6]);
    }
}

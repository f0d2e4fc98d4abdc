using CallSentiment.Analysis.Audio;
using CallSentiment.Cli;
using CallSentiment.Cli.Calls;
using CallSentiment.Cli.Demo;
using CallSentiment.Cli.Diagnostics;
using CallSentiment.Cli.Diarization;
using CallSentiment.Cli.Pipeline;
using CallSentiment.Cli.SpeechEmotion;
using CallSentiment.Cli.TextSentiment;
using CallSentiment.Cli.Training;
using CallSentiment.Cli.Transcription;

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine("""
        callsentiment <command> [options]

          export-features  --manifest A.csv[,B.csv] --out DIR [--variants 6] [--first-variant 0] [--babble DIR] [--config feature-config.json]
          evaluate-emotion --manifest M.csv --data DIR [--telephone] [--model models/speech-emotion]
          analyze          FILE... [--model DIR] [--json] [--timeline]
          bench-emotion    [--seconds 300] [--reference] [--memory-hours 2] [--model DIR] [--speech MANIFEST.csv]
          demo-data        [--out data/recordings] [--agents 6] [--weeks 8] [--calls-per-week 3] [--seed 1]
                           [--end yyyy-MM-dd] [--time-zone Europe/London] [--force] [--manifest FILE.csv] [--describe]
          fuzz-wav         [--count 100000] [--seed 1] [--save DIR] [--decoder own|naudio]
          features         FILE --out FRAMES.f32 [--config feature-config.json]
          diarize          FILE [--max-speakers 2] [--rttm OUT] [--vad-model PATH] [--agent-rule first-speaker|most-talk|least-talk]
          evaluate-diarization --audio WAV --rttm REF.rttm [--collar 0.25] [--skip-overlap] [--max-speakers 2]
                           [--vad-model PATH] [--hyp OUT.rttm]
          bench-diarization [--actors 1-24] [--pairing mixed|same] [--conversations 6] [--turns 16] [--seed 1]
                           [--clean] [--collar 0.25] [--max-speakers 2] [--vad-model PATH] [--save DIR]
          transcribe       FILE... [--vad-model PATH] [--json] [--speakers 2] [--decoder-args "-beam 1e-60 ..."]
          evaluate-asr     --data ../shared/datasets/asr/speech [--telephone] [--sclite PATH] [--out DIR] [--vad-model PATH]
                           [--decoder-args "..."] [--max-utterance 20] [--engine pocketsphinx|whisper --whisper-model FILE]
                           [--noise babble|street|fan --snr DB] [--enhance]     (evaluate-emotion takes these too, and --every N)
          enhance          FILE --out ENHANCED.wav [--model models/speech-enhancement/gtcrn_simple.onnx]
          bench-pipeline   [--calls 4] [--parallel 2] [--seconds 300] [--vad-model PATH] [--model DIR] [--text-model DIR]
          bench-limits     [--channels 16] [--minutes 30] [--rate 1000] [--encoding mulaw|pcm16] [--max-minutes 60]
                           [--max-channels 16] [--speech DIR] [--speech-every 600] [--model DIR] [--text-model DIR] [--vad-model PATH]
          export-text-features --input A.csv[,B.tsv] --out DIR [--text-column text] [--label-column label]
                           [--lexicon models/text-sentiment/lexicon.tsv] [--hash-bits 18]
                           [--pieces models/text-sentiment/pieces.tsv [--max-pieces 128]]
          export-text-branches --input A.csv --out A.branches.f32 [--text-column text] [--model models/text-sentiment]
          build-call-corpus --out DIR [--ser ../shared/datasets/ser] [--voice-calls-per-speaker 6] [--word-calls 96]
                           [--mixed-calls 72] [--speakers-per-corpus N] [--seed 1] [--mono | --echo DB] [--force]
          evaluate-calls   --manifest calls.csv [--data DIR] [--stages voice,text,fused] [--where col=value[,...]] [--by COLUMN]
                           [--parallel 2] [--cache DIR] [--out predictions.csv] [--model DIR] [--text-model DIR] [--vad-model PATH]
                           [--fusion DIR|FILE.json]
          calibrate        --manifest calls.csv [--data DIR] [--where col=value] [--test-where col=value | --holdout 0.25]
                           [--group COLUMN] [--fusion models/fusion] [--out fusion.json [--force]] [--version NAME] [--lambda X]
                           [--cache DIR] [--parallel 2] [--model DIR] [--text-model DIR] [--vad-model PATH]
          evaluate-text    --input FILE.csv --text-column NAME --label-column NAME [--engine offline|vader]
                           [--model models/text-sentiment] [--lexicon vader_lexicon.txt] [--predictions OUT.csv] [--role-column NAME]
        """);
    return 0;
}

try
{
    var rest = new Args(args.Skip(1));
    return args[0] switch
    {
        "export-features" => ExportFeaturesCommand.Run(rest),
        "features" => FeaturesCommand.Run(rest),
        "evaluate-emotion" => EvaluateEmotionCommand.Run(rest),
        "analyze" => AnalyzeCommand.Run(rest),
        "fuzz-wav" => FuzzWavCommand.Run(rest),
        "bench-emotion" => BenchEmotionCommand.Run(rest),
        "diarize" => DiarizeCommand.Run(rest),
        "evaluate-diarization" => EvaluateDiarizationCommand.Run(rest),
        "bench-diarization" => BenchDiarizationCommand.Run(rest),
        "transcribe" => TranscribeCommand.Run(rest),
        "evaluate-asr" => EvaluateAsrCommand.Run(rest),
        "enhance" => EnhanceCommand.Run(rest),
        "bench-pipeline" => BenchPipelineCommand.Run(rest),
        "bench-limits" => BenchLimitsCommand.Run(rest),
        "export-text-features" => ExportTextFeaturesCommand.Run(rest),
        "export-text-branches" => ExportTextBranchesCommand.Run(rest),
        "evaluate-text" => EvaluateTextCommand.Run(rest),
        "evaluate-calls" => EvaluateCallsCommand.Run(rest),
        "build-call-corpus" => BuildCallCorpusCommand.Run(rest),
        "calibrate" => CalibrateCommand.Run(rest, TimeProvider.System),
        "demo-data" => DemoDataCommand.Run(rest, TimeProvider.System),
        _ => throw new UsageException($"unknown command '{args[0]}' (see --help)"),
    };
}
catch (UsageException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
catch (AudioFormatException e)
{
    Console.Error.WriteLine($"error ({e.Kind}): {e.Message}");
    return 3;
}
catch (Exception e) when (e is CallSentiment.Analysis.Onnx.OnnxRuntimeException or FileNotFoundException or InvalidDataException
    or CallSentiment.Analysis.Transcription.PocketSphinx.PocketSphinxException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 4;
}
